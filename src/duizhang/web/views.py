"""The data of every page, one function each: the HTML page and its JSON API render the same dict."""

from __future__ import annotations

import math
import re
from typing import Any

from ..library import Library, LibraryError, flatten_row
from ..reconcile import STATUSES, ReconRow

#: Years a report can describe; anything else is a typo in a query string.
YEAR_MIN, YEAR_MAX = 1949, 2100


class BadRequest(LibraryError):
    """A query parameter the user can fix (answered with 400)."""


def check_year(year: int | None) -> int | None:
    if year is not None and not YEAR_MIN <= year <= YEAR_MAX:
        raise BadRequest(f"year {year} is out of range ({YEAR_MIN}–{YEAR_MAX})")
    return year


def _clean(v: Any) -> Any:
    """NaN (pandas' missing value) to None, numpy scalars to Python, for JSON."""
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def _records(df: Any) -> list[dict[str, Any]]:
    return [{k: _clean(v) for k, v in r.items()} for r in df.to_dict(orient="records")]


#: Documents per library page; a national collection holds thousands.
PAGE_SIZE = 200


def documents_data(
    lib: Library, region: str | None = None, level: str | None = None, year: int | None = None,
    doctype: str | None = None, page: int = 1,
) -> dict[str, Any]:
    if page < 1:
        raise BadRequest(f"page {page} does not exist (pages start at 1)")
    args = (region or None, level or None, check_year(year), doctype or None)
    total = lib.count_documents(*args)
    pages = max(1, -(-total // PAGE_SIZE))
    if page > pages:
        raise BadRequest(f"page {page} does not exist (there are {pages})")
    docs = lib.document_records(*args, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return {"filters": {"region": region, "level": level, "year": year, "doctype": doctype},
            "page": page, "pages": pages, "total": total, "documents": docs}


def document_data(lib: Library, doc_id: int, at: int | None = None) -> dict[str, Any]:
    d = lib.document(doc_id)
    d["segments"] = segments(d, at)
    return d


def segments(d: dict[str, Any], at: int | None = None) -> list[dict[str, Any]]:
    """The text cut into plain runs (seg t), figures (m), marked boilerplate (b) and section anchors (a).

    Figures sharing a span (one number for two metrics) are shown once.
    """
    text: str = d["text"]
    marks: list[tuple[int, int, str, dict[str, Any]]] = []
    if d["body_start"] > 0:
        marks.append((0, d["body_start"], "b", {"reason": "outside the report body"}))
    if d["body_end"] < len(text):
        marks.append((d["body_end"], len(text), "b", {"reason": "outside the report body"}))
    for s in d["spans"]:
        if d["body_start"] <= s["start"] < d["body_end"]:
            marks.append((s["start"], min(s["end"], d["body_end"]), "b", {"reason": s["reason"]}))
    seen: set[tuple[int, int]] = set()
    for m in d["mentions"]:
        if (m["start"], m["end"]) not in seen:
            seen.add((m["start"], m["end"]))
            marks.append((m["start"], m["end"], "m", m))
    for s in d["sections"]:
        marks.append((s["start"], s["start"], "a", {"id": f"s-{s['idx']}"}))
    if at is not None and 0 <= at <= len(text):
        # A link to a sentence (a search hit, a target without a number) lands here.
        marks.append((at, at, "a", {"id": "at"}))
    marks.sort(key=lambda x: (x[0], 0 if x[2] == "a" else 1, -(x[1] - x[0])))
    out: list[dict[str, Any]] = []
    pos = 0
    for start, end, kind, info in marks:
        if start < pos:
            continue  # nested in a mark already emitted (a figure inside marked chrome)
        if start > pos:
            out.append({"seg": "t", "text": text[pos:start]})
        out.append({**info, "seg": kind, "text": text[start:end], "start": start})
        pos = max(pos, end)
    if pos < len(text):
        out.append({"seg": "t", "text": text[pos:]})
    return out


def _side(s: Any) -> dict[str, Any] | None:
    if s is None:
        return None
    d: dict[str, Any] = s.to_dict()
    d["doc_id"] = s.doc_id
    return d


def row_data(r: ReconRow) -> dict[str, Any]:
    d = r.to_dict()
    d["target"] = _side(r.target)
    d["outcome"] = _side(r.outcome)
    return d


#: How the 对账单 page can be sorted: a key of each row.
RECON_SORTS: dict[str, Any] = {
    "status": lambda r: STATUSES.index(r["status"]) if r["status"] in STATUSES else len(STATUSES),
    "metric": lambda r: (r["metric_id"] or "~", r["metric"] or ""),
    "ratio": lambda r: (r["ratio"] is None, r["ratio"] or 0.0),
    "year": lambda r: r["year"] or 0,
}


def reconcile_data(lib: Library, region: str | None = None, year: int | None = None, status: str | None = None,
                   metric: str | None = None, sort: str | None = None) -> dict[str, Any]:
    check_year(year)
    if status and status not in STATUSES:
        raise BadRequest(f"status {status!r} is none of {', '.join(STATUSES)}")
    if sort and sort not in RECON_SORTS:
        raise BadRequest(f"sort {sort!r} is none of {', '.join(RECON_SORTS)}")
    every = [row_data(r) for r in lib.reconcile_rows(region or None, year)] if region or year else []
    counts = {s: sum(1 for r in every if r["status"] == s) for s in STATUSES}
    rows = [r for r in every if (not status or r["status"] == status) and (not metric or r["metric_id"] == metric)]
    if sort:
        rows.sort(key=RECON_SORTS[sort])
    regions = [{"code": code, "name": name} for code, name in lib.regions()]
    return {"region": region, "year": year, "status": status or "", "metric": metric or "", "sort": sort or "",
            "rows": rows, "counts": counts, "regions": regions, "statuses": list(STATUSES),
            "metric_ids": sorted({r["metric_id"] for r in every if r["metric_id"]}),
            "total": len(every), "shown": len(rows)}


def compare_data(lib: Library, metric: str, kind: str | None = None, regions: str | None = None) -> dict[str, Any]:
    names = [r.strip() for r in (regions or "").split(",") if r.strip()]
    df = lib.compare(metric, kind=kind or None, regions_=names or None)
    rows = _records(df)
    years = sorted({r["year"] for r in rows})
    # The chart has one axis: it draws the unit most rows have; the others are in the table.
    units = sorted({r["unit"] for r in rows}, key=lambda u: -sum(1 for r in rows if r["unit"] == u))
    unit = units[0] if units else None
    by_region: dict[str, dict[int, dict[str, Any]]] = {}
    for r in rows:
        if r["unit"] == unit:
            by_region.setdefault(r["region_code"], {})[r["year"]] = r
    series = []
    for code, mine in by_region.items():
        name = next(iter(mine.values()))["region"] or code
        for side, label in (("target", "目标"), ("outcome", "完成")):
            series.append({"name": f"{name} {label}", "side": side,
                           "data": [mine[y][side] if y in mine else None for y in years]})
    return {"metric": metric, "kind": kind, "regions": regions, "rows": rows, "years": years, "series": series,
            "unit": unit, "units": units}


def search_data(lib: Library, q: str, region: str | None = None, year: int | None = None,
                limit: int = 50, page: int = 1) -> dict[str, Any]:
    check_year(year)
    if page < 1:
        raise BadRequest(f"page {page} does not exist (pages start at 1)")
    if not q.strip():
        return {"q": q, "region": region, "year": year, "hits": [], "total": 0, "page": 1, "pages": 1, "first": 1}
    df = lib.search(q, region=region or None, year=year, limit=limit, offset=(page - 1) * limit)
    hits = _records(df)
    for h in hits:  # the hit the library marked, as text around it
        found = h["hit_start"] is not None  # a column with a missing hit is float in pandas
        a, b = (int(h["hit_start"] - h["start"]), int(h["hit_end"] - h["start"])) if found else (0, 0)
        h["before"], h["match"], h["after"] = h["sentence"][:a], h["sentence"][a:b], h["sentence"][b:]
    total = int(df.attrs.get("total", len(hits)))
    pages = max(1, -(-total // limit))
    if page > pages:
        raise BadRequest(f"page {page} does not exist (there are {pages})")
    return {"q": q, "region": region, "year": year, "hits": hits, "total": total, "page": page, "pages": pages,
            "first": (page - 1) * limit + 1}


def raw_data(lib: Library, doc_id: int) -> dict[str, Any]:
    """The kept raw bytes of a document, for download: ``{"file": (name, bytes)}``."""
    return {"file": lib.raw(doc_id)}


def reconcile_file(lib: Library, region: str | None, year: int | None, fmt: str) -> dict[str, Any]:
    """The 对账单 as a CSV or Excel file (Chinese headers): ``{"body": bytes}``."""
    import tempfile
    from pathlib import Path

    import pandas as pd

    from ..export import write

    rows = lib.reconcile_rows(region or None, check_year(year))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"duizhang.{fmt}"
        write(pd.DataFrame([flatten_row(r) for r in rows]), out, fmt, lang="zh")
        return {"body": out.read_bytes()}


def safe_name(filename: str | None) -> str:
    """A display name for an upload: the last path part, no control characters.

    >>> safe_name("../../etc/passwd"), safe_name("C:\\\\x\\\\报告.txt"), safe_name(None)
    ('passwd', '报告.txt', 'upload.txt')
    """
    name = re.split(r"[\\\\/]", filename or "")[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip().lstrip(".")
    return name[:200] or "upload.txt"


