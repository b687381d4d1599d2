"""Exports: CSV for Excel/WPS (UTF-8 with BOM), XLSX, Stata .dta (version 118, UTF-8), Parquet, JSONL."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .model import DuizhangError

if TYPE_CHECKING:
    import pandas as pd

    from .library import Library

FORMATS = ("csv", "xlsx", "dta", "parquet", "jsonl")
WHAT = ("mentions", "targets", "reconciliation", "documents", "datasette-metadata")

#: Chinese column headers for ``--lang zh`` (Excel users reading Chinese).
ZH_HEADERS = {
    "doc": "文件", "name": "文件", "region": "地区", "region_code": "区划代码", "level": "层级", "doctype": "文件类型",
    "year": "年份", "metric": "指标", "metric_id": "核心指标", "kind": "类型", "status": "完成情况", "ratio": "完成比例",
    "confidence": "匹配置信度", "text": "原文", "value": "数值", "value_max": "上限", "unit": "单位",
    "direction": "方向", "qualifier": "限定", "stance": "性质", "start": "起", "end": "止", "note": "备注",
    "target_text": "目标原文", "target_value": "目标值", "target_value_max": "目标上限", "target_qualifier": "目标限定",
    "target_doc": "目标文件", "target_start": "目标起", "target_end": "目标止",
    "outcome_text": "完成原文", "outcome_value": "完成值", "outcome_value_max": "完成上限",
    "outcome_qualifier": "完成限定", "outcome_doc": "完成文件", "outcome_start": "完成起", "outcome_end": "完成止",
    "delivered_date": "报告日期", "published_date": "发布日期", "session": "会议", "speaker": "报告人",
    "review_years": "回顾年份", "plan_years": "计划年份", "n_mentions": "数字数", "n_targets": "目标数",
    "sha256": "sha256", "id": "编号", "doc_id": "文件编号", "source": "文件路径",
}

#: English variable labels for Stata (``--lang en``); Chinese ones come from ZH_HEADERS.
EN_LABELS = {
    "doc_id": "document id in the library", "doc": "file name", "source": "path the file was added from",
    "region": "region", "region_code": "GB/T 2260 code (text)", "start": "start offset in the decoded text",
    "end": "end offset in the decoded text", "text": "the figure as written", "value": "value in base units",
    "value_max": "upper end of a range", "unit": "unit", "kind": "growth/change/share/level/rank",
    "direction": "1 up, -1 down", "qualifier": "exact/about/above/at_least/below/near",
    "stance": "actual/estimate/target/other", "metric": "metric phrase", "metric_id": "core indicator id",
    "year": "year the figure describes", "status": "achieved/missed/not_reported/no_target/unclear",
    "ratio": "outcome / target", "confidence": "confidence of the pairing",
}

#: Columns that hold numbers even when every row of an export is empty (Stata, Parquet).
NUMERIC_COLUMNS = frozenset({
    "doc_id", "id", "start", "end", "value", "value_max", "direction", "year", "ratio", "confidence", "n_mentions",
    "n_targets", "target_value", "target_value_max", "target_start", "target_end", "outcome_value",
    "outcome_value_max", "outcome_start", "outcome_end", "target_doc_id", "outcome_doc_id",
})

#: Columns of codes that look like numbers but are text (000000, 120104): never numbers.
CODE_COLUMNS = frozenset({"region_code", "region_now_code", "sha256"})


class ExportError(DuizhangError):
    """An export that cannot be written as asked."""


def frame(lib: Library, what: str) -> pd.DataFrame:
    """The table to export."""
    if what == "mentions":
        return lib.mentions()
    if what == "targets":
        return lib.mentions(stance="target")
    if what == "reconciliation":
        return lib.reconcile()
    if what == "documents":
        df = lib.documents()
        for col in ("review_years", "plan_years"):
            df[col] = df[col].map(lambda ys: ",".join(map(str, ys)))
        return df
    raise ExportError(f"unknown table {what!r}; choose one of {', '.join(WHAT)}")


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    """Numbers as numbers even when empty, codes as text even when they look like numbers."""
    import pandas as pd

    out = df.copy()
    for c in out.columns:
        if c in NUMERIC_COLUMNS and out[c].dtype == object:
            out[c] = pd.to_numeric(out[c], errors="coerce")
        elif c in CODE_COLUMNS:
            out[c] = out[c].map(lambda v: None if v is None or v != v else str(v)).astype(object)
    return out


def _stata_ready(df: pd.DataFrame, lang: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """Stata wants identifier column names, no mixed object columns and labels of 80 characters."""
    out = df.copy()
    labels_of = ZH_HEADERS if lang == "zh" else EN_LABELS
    # "end" is a Stata reserved word: the column is end_, and its label says what it is.
    names = [("end_" if c == "end" else re.sub(r"\W", "_", c))[:32] for c in out.columns]
    labels = {n: (labels_of.get(c) or c)[:80] for n, c in zip(names, out.columns, strict=True)}
    out.columns = names
    for c in out.columns:
        if out[c].dtype == object or str(out[c].dtype).startswith("string"):
            out[c] = out[c].map(lambda v: "" if v is None or v != v else str(v)).astype(object)
    return out, labels


def write(df: pd.DataFrame, path: str | Path, fmt: str | None = None, lang: str = "en",
          records: list[dict[str, Any]] | None = None) -> str:
    """Write ``df`` to ``path`` in ``fmt`` (from the suffix when None); returns the format used."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ExportError(f"{path}: unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt != "jsonl":
        df = _typed(df)
    if lang == "zh" and fmt in ("csv", "xlsx"):
        df = df.rename(columns=ZH_HEADERS)
    try:
        if fmt == "csv":
            df.to_csv(path, index=False, encoding="utf-8-sig")
        elif fmt == "xlsx":
            df.to_excel(path, index=False, engine="openpyxl")
        elif fmt == "dta":
            data, labels = _stata_ready(df, lang)
            data.to_stata(path, write_index=False, version=118, variable_labels=labels)
        elif fmt == "parquet":
            df.to_parquet(path, index=False)
        else:
            with open(path, "w", encoding="utf-8") as f:
                for rec in records if records is not None else df.to_dict(orient="records"):
                    f.write(json.dumps(_plain(rec), ensure_ascii=False) + "\n")
    except OSError as e:
        raise ExportError(f"cannot write {path}: {e.strerror or e}") from e
    return fmt


def _plain(rec: Any) -> dict[str, Any]:
    """NaN to null and numpy scalars to Python for JSON."""
    out = {}
    for k, v in rec.items():
        if hasattr(v, "item"):
            v = v.item()
        if isinstance(v, float) and v != v:
            v = None
        out[k] = v
    return out
