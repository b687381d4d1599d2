"""Presenting reports and mentions: gold-schema records, JSONL/CSV writers, rich tables."""

from __future__ import annotations

import csv
from typing import IO, TYPE_CHECKING, Any

from .model import MENTION_FIELDS, Mention, Report

# rich is imported by the functions that draw: JSONL and CSV output do without it.
if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table


def mention_record(m: Mention) -> dict[str, Any]:
    """A mention as a gold-schema dict (``doc`` is the file name)."""
    d = m.to_dict()
    return {k: d[k] for k in MENTION_FIELDS}


class CsvWriter:
    """CSV with a header written once; UTF-8 BOM is added by the caller for files."""

    def __init__(self, out: IO[str], fields: list[str]) -> None:
        self._w = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore")
        self._w.writeheader()

    def write(self, record: dict[str, Any]) -> None:
        self._w.writerow({k: ("" if v is None else v) for k, v in record.items()})


def report_record(r: Report) -> dict[str, Any]:
    """Document line (fields of ``docs.jsonl``) with its sections and counts."""
    d = r.doc_record()
    d["sections"] = [
        {"start": s.start, "end": s.end, "level": s.level, "title": s.title, "role": s.role, "parent": s.parent}
        for s in r.sections
    ]
    d["boilerplate"] = [{"start": s.start, "end": s.end, "reason": s.reason} for s in r.cleaned.boilerplate]
    d["duplicates"] = [{"start": s.start, "end": s.end, "reason": s.reason} for s in r.cleaned.duplicates]
    d["mentions"] = len(r.mentions)
    d["warnings"] = r.warnings
    return d


def print_report(console: Console, r: Report) -> None:
    """Metadata and section outline of one report, for ``duizhang read``."""
    from rich.table import Table
    from rich.tree import Tree

    m = r.meta
    t = Table(show_header=False, box=None, pad_edge=False)
    t.add_column(style="bold cyan")
    t.add_column()
    years = lambda ys: ", ".join(map(str, ys)) if ys else "—"  # noqa: E731
    rows = [
        ("title", m.title or "—"),
        ("region", f"{m.region or '—'} ({m.region_code or '?'}, {m.level or '?'})"),
        ("type", {"gwr": "政府工作报告 (gwr)", "plan": "计划报告 (plan)"}.get(m.doctype, m.doctype)),
        ("delivered", m.delivered_date or "—"),
        ("published", m.published_date or "—"),
        ("session", m.session or "—"),
        ("speaker", f"{m.speaker} ({m.speaker_title})" if m.speaker else "—"),
        ("review years", years(m.review_years)),
        ("plan years", years(m.plan_years)),
        ("body", f"[{r.cleaned.body_start}, {r.cleaned.body_end}) of {len(r.text)} chars; "
                 f"{len(r.cleaned.boilerplate)} boilerplate lines, {len(r.cleaned.duplicates)} duplicate copies"),
        ("file", f"{r.source} ({r.format}, {r.encoding}, sha256 {r.sha256[:12]}…)"
                 + (f"; text by OCR, mean confidence {r.ocr_confidence:.2f}" if r.ocr_confidence is not None else "")),
        ("mentions", str(len(r.mentions))),
    ]
    for k, val in rows:
        t.add_row(k, val)
    console.rule(f"[bold]{r.doc}")
    console.print(t)
    tree = Tree("[bold]sections")
    nodes: dict[int, Tree] = {}
    for i, s in enumerate(r.sections):
        parent = nodes.get(s.parent, tree) if s.parent is not None else tree
        nodes[i] = parent.add(f"[dim]{s.role:<13}[/] {s.title}")
    console.print(tree)
    for w in r.warnings:
        console.print(f"[yellow]warning:[/] {w}")


def mentions_table(mentions: list[Mention], title: str = "") -> Table:
    from rich.table import Table

    t = Table(title=title or None, show_lines=False)
    for col in ("start", "text", "value", "unit", "kind", "qual", "stance", "metric", "id", "year"):
        t.add_column(col, overflow="fold")
    for m in mentions:
        value = f"{m.value:g}" + (f"–{m.value_max:g}" if m.value_max is not None else "") if m.value is not None else ""
        t.add_row(
            str(m.start), m.text, value, m.unit, m.kind + ("↓" if m.direction == -1 else ""), m.qualifier, m.stance,
            (m.metric or "")[:24], m.metric_id or "", str(m.year or ""),
        )
    return t
