"""Datasette metadata for a library: titles, descriptions, units and facets.

Researchers publish SQLite files with Datasette (``datasette duizhang.db -m
metadata.json``). The library is readable without it, but a table called
``recon_rows`` says nothing to a journalist: this names every table and view in
Chinese and English, says what each column holds and in which unit, offers the
facets people filter by (region, year, status, indicator) and hides the index
internals. ``duizhang export --what datasette-metadata -o metadata.json`` writes it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

_FIGURE_COLUMNS = {
    "doc": "file name of the report",
    "region_code": "GB/T 2260 code of the region (text; 000000 is national)",
    "start": "character offset where the figure starts in the report's decoded text",
    "end": "character offset where the figure ends",
    "text": "the figure as written (4.7%左右)",
    "value": "value in base units: 元, 人, 吨… (亿元 are multiplied out), or the percentage",
    "value_max": "upper end when the figure is a range (2至3)",
    "unit": "base unit (元, %, 人, 平方米 …)",
    "kind": "growth (增长率), change (增加量), share (比重), level (水平), rank (名次)",
    "direction": "1 up, -1 down, for growth and change",
    "qualifier": "exact, about (左右), above (以上), at_least (不少于), below (以内), near (近)",
    "stance": "actual (完成), estimate (预计), target (目标), other (范围、规模)",
    "metric": "the indicator phrase beside the figure",
    "metric_id": "core indicator id (gdp, new_jobs, cpi …)",
    "year": "the year the figure describes",
}

_RECON_COLUMNS = {
    "status": "achieved (完成), missed (未完成), not_reported (未报告), no_target (无目标), unclear (不明)",
    "ratio": "outcome value / target value",
    "confidence": "how sure the pairing of target and outcome is (0-1)",
    "target_text": "the target as written in the plan year's report",
    "outcome_text": "the outcome as written in the next year's report",
    "target_sentence": "the sentence of the target",
    "outcome_sentence": "the sentence of the outcome",
    "note": "why the status is what it is, where it needs saying",
    "reason": "what explains the row beyond its status and note; empty where the status says it all "
              "(duizhang reconcile and the explorer show those words: 'achieved: same indicator' …)",
}


def metadata(db_path: str | Path) -> dict[str, Any]:
    """Datasette metadata (``metadata.json``) for the library at ``db_path``."""
    name = Path(db_path).stem
    tables: dict[str, Any] = {
        "recon_rows": {
            "title": "对账单 (targets beside outcomes)",
            "description": "Each year's targets beside the outcomes reported a year later, one row per "
                           "indicator, region and year.",
            "facets": ["status", "metric_id", "year", "region"],
            "sort_desc": "year",
            "columns": _RECON_COLUMNS,
        },
        "figures": {
            "title": "Figures (数字)",
            "description": "Every figure of every report with its document, region, year and section.",
            "facets": ["stance", "metric_id", "year", "region", "kind"],
            "columns": _FIGURE_COLUMNS,
        },
        "targets": {"title": "Targets (目标)", "description": "The figures stated as goals.",
                    "facets": ["metric_id", "year", "region"], "columns": _FIGURE_COLUMNS},
        "documents": {
            "title": "Documents (报告)",
            "description": "Each report: what it is (region, level, type, date, speaker) and its counts.",
            "facets": ["level", "doctype", "region"],
        },
        "sentence_texts": {"title": "Sentences (句子)",
                           "description": "Each sentence of the reports' bodies with its text."},
        "mentions": {"title": "Figures, raw table",
                     "description": "The stored figures; the figures view adds the document and section."},
        "sections": {"title": "Sections (章节)", "description": "The headings of each report and their role."},
        "doc_years": {"title": "Years of each document", "description": "The years a report reviews or plans."},
        "spans": {"title": "Marked spans", "description": "Site chrome and pasted copies marked in each file."},
    }
    for hidden in ("sentence_index", "sentences", "contents", "recon_state", "sqlite_stat1", "sqlite_stat4"):
        tables[hidden] = {"hidden": True}
    return {
        "title": "duizhang (对账)",
        "description": "Chinese government work reports and plan reports as data: every figure with its "
                       "meaning and source, and the 对账单 of targets and outcomes.",
        "source": "duizhang",
        "databases": {name: {"tables": tables}},
    }
