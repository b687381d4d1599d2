"""A unit's 对账单 from the library: its documents paired by year (``reconcile``'s
rule), their figures read through the store, every row explained.

What is stored (``recon_rows``) is what :func:`unit_statement` returns; the library
recomputes a unit's rows when a report of it is added or the library reparsed.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace

from .model import Figure, ReconRow, StoredDocument
from .reconcile import (
    Side,
    explain,
    fill_qualitative_outcomes,
    outcome_documents,
    paired_years,
    qualitative_targets,
    reconcile,
    sentence_at,
    target_documents,
    year_outcomes,
    year_targets,
)
from .store import Store, open_store

#: Units from which :func:`unit_statements` computes in worker processes (for fewer,
#: starting the workers costs more than it saves).
PARALLEL_MIN_UNITS = 16

#: The library as a worker of :func:`unit_statements` reads it (its own connection).
_worker_store: Store | None = None


def unit_name(docs: Sequence[StoredDocument], code: str) -> str:
    """The unit's name as its latest report under this code gives it."""
    own = [d for d in docs if d.region_code == code]
    return (own[-1].region or code) if own else code


def unit_statement(store: Store, code: str) -> list[ReconRow]:
    """Every year's 对账单 of one unit (what the stored table holds for it)."""
    docs = store.unit_documents(code)
    name = unit_name(docs, code)
    rows: list[ReconRow] = []
    for y in paired_years(docs):
        rows += year_statement(store, code, name, y, target_documents(docs, y), outcome_documents(docs, y))
    return rows


def unit_statements(store: Store, codes: Sequence[str], jobs: int = 1) -> Iterator[tuple[str, list[ReconRow]]]:
    """``(code, unit_statement(store, code))`` for each code, in order; with ``jobs`` > 1
    computed by that many worker processes, each reading the library on a connection
    of its own (the 对账单 of the regions an ``add`` touched was the one stretch of
    an ingest where one core sat idle). The caller stores the rows."""
    location = store.location
    if jobs <= 1 or len(codes) < PARALLEL_MIN_UNITS or location == ":memory:":
        for code in codes:
            yield code, unit_statement(store, code)
        return
    with ProcessPoolExecutor(max_workers=jobs, initializer=_open_for_worker, initargs=(location,)) as pool:
        yield from zip(codes, pool.map(_worker_statement, codes, chunksize=4), strict=True)


def _open_for_worker(location: str) -> None:
    global _worker_store
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    _worker_store = open_store(location, read_only=True)


def _worker_statement(code: str) -> list[ReconRow]:
    if _worker_store is None:  # pragma: no cover - the pool's initializer opens it
        raise RuntimeError("worker without a library")
    return unit_statement(_worker_store, code)


def missing_pair(name: str, year: int, t_docs: Sequence[StoredDocument], o_docs: Sequence[StoredDocument]) -> str:
    """Why a unit has no 对账单 for a year: which side has no document."""
    parts = []
    if not t_docs:
        parts.append(f"no document with targets for {year} (a report delivered early in {year} or the {year} plan)")
    if not o_docs:
        parts.append(f"no document reporting outcomes of {year} (the report delivered early in {year + 1})")
    return f"{name} {year}: " + "; ".join(parts)


def year_statement(store: Store, code: str, name: str, year: int, t_docs: Sequence[StoredDocument],
                   o_docs: Sequence[StoredDocument]) -> list[ReconRow]:
    """One year's rows: the year's targets beside the outcomes reported for it."""
    if not t_docs or not o_docs:
        return []
    text_of = store.text_reader()  # each document's text read once for the year
    targets = year_targets(store.figures([d.id for d in t_docs], ["target"], text_of), t_docs, year)
    reported = store.figures([d.id for d in o_docs], ["actual", "estimate"], text_of)
    texts: dict[str, str] = {}
    qual: list[Side] = []
    for d in t_docs:
        text = texts[d.name] = text_of(d.id)
        ms = [f.mention for f in targets if f.doc_id == d.id]
        seen: set[tuple[int, str | None]] = set()
        # The structure stage marks the year's targets paragraph as a `targets` section
        # wherever it stands, so the sections are where to look.
        for s in store.sections(d.id):
            if s.role != "targets":
                continue
            for q in qualitative_targets(text, s.start, s.end, ms, d.name):
                if (q.start, q.metric_id) not in seen:
                    seen.add((q.start, q.metric_id))
                    qual.append(Side(q.doc, q.start, q.end, q.text, None, None, None, d.id, q.metric_id))
    rows = reconcile(targets, year_outcomes(reported, year), year, name, code, texts=texts, qualitative=qual)
    fill_qualitative_outcomes(rows, _review_sources(store, o_docs, text_of))
    _explain(rows, reported, text_of)
    return rows


def _review_sources(store: Store, docs: Sequence[StoredDocument], text_of: Callable[[int], str]
                    ) -> list[tuple[str, int | None, str, list[tuple[int, int]]]]:
    """(name, id, text, review spans) of the documents that report a year's outcomes."""
    out: list[tuple[str, int | None, str, list[tuple[int, int]]]] = []
    for d in docs:
        spans = [(s.start, s.end) for s in store.sections(d.id) if s.role == "review" and s.parent is None]
        body = [(d.body_start or 0, d.body_end or 0)]
        out.append((d.name, d.id, text_of(d.id), spans or body))
    return out


def _explain(rows: list[ReconRow], reported: Sequence[Figure], text_of: Callable[[int], str]) -> None:
    """Each side's sentence, and a reason for each row (a five-year figure where the year's is missing)."""
    # Figures over several years (五年累计…, 年均…): no year, by document and position.
    undated = sorted((f for f in reported if f.mention.year is None and f.mention.metric_id),
                     key=lambda f: (f.doc_id or 0, f.mention.start))
    for row in rows:
        t, o = row.target, row.outcome
        if t is not None and t.doc_id is not None:
            row.target = replace(t, sentence=sentence_at(text_of(t.doc_id), t.start, t.end))
        if o is not None and o.doc_id is not None:
            row.outcome = replace(o, sentence=sentence_at(text_of(o.doc_id), o.start, o.end))
        if row.status == "not_reported" and row.metric_id:
            other = next((f for f in undated if f.mention.metric_id == row.metric_id), None)
            if other is not None and other.doc_id is not None:
                m = other.mention
                said = sentence_at(text_of(other.doc_id), m.start, m.end)
                row.reason = f"only a figure over several years was reported: {said}"
        row.reason = explain(row)
