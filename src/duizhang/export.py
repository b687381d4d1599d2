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
WHAT = ("mentions", "targets", "reconciliation", "documents")

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
    "sha256": "sha256", "id": "编号",
}


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


def _stata_ready(df: pd.DataFrame) -> pd.DataFrame:
    """Stata wants identifier column names and no mixed object columns."""
    out = df.copy()
    # "end" is a Stata reserved word; the other names are already identifiers.
    out.columns = [("end_" if c == "end" else re.sub(r"\W", "_", c))[:32] for c in out.columns]
    for c in out.columns:
        if out[c].dtype == object or str(out[c].dtype).startswith("string"):
            out[c] = out[c].map(lambda v: "" if v is None or v != v else str(v)).astype(object)
    return out


def write(df: pd.DataFrame, path: str | Path, fmt: str | None = None, lang: str = "en",
          records: list[dict[str, Any]] | None = None) -> str:
    """Write ``df`` to ``path`` in ``fmt`` (from the suffix when None); returns the format used."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ExportError(f"{path}: unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if lang == "zh" and fmt in ("csv", "xlsx"):
        df = df.rename(columns=ZH_HEADERS)
    if fmt == "csv":
        df.to_csv(path, index=False, encoding="utf-8-sig")
    elif fmt == "xlsx":
        df.to_excel(path, index=False, engine="openpyxl")
    elif fmt == "dta":
        _stata_ready(df).to_stata(path, write_index=False, version=118)
    elif fmt == "parquet":
        df.to_parquet(path, index=False)
    else:
        with open(path, "w", encoding="utf-8") as f:
            for rec in records if records is not None else df.to_dict(orient="records"):
                f.write(json.dumps(_plain(rec), ensure_ascii=False) + "\n")
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
