"""A report library a researcher works in for months: ingest, reconcile, search, compare.

``Library`` is the Python API (DataFrames out) over a :class:`duizhang.store.Store`
(a SQLite file, or a PostgreSQL server for a team); the CLI and the web app call the
same methods. Ingest is ``ingest.py``, a unit's 对账单 ``statement.py``; what is
here is reading a user's request (a region by any of its names) and the tables.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import ingest
from .ingest import AddSummary
from .model import MENTION_FIELDS, RawDocument, ReconRow, StoredDocument
from .reconcile import outcome_documents, paired_years, target_documents
from .scope import LibraryError, resolve_region, statement_units
from .statement import missing_pair, unit_statement, unit_statements
from .store import Store, open_store
from .vocab import load_toml

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["AddSummary", "DOCUMENT_COLUMNS", "Library", "LibraryError", "RECON_COLUMNS", "flatten_row"]


#: The columns of a document listing (``documents``), in order.
DOCUMENT_COLUMNS = ["id", "name", "source", "region", "region_code", "level", "doctype", "delivered_date",
                    "published_date", "session", "speaker", "review_years", "plan_years", "n_mentions", "n_targets",
                    "sha256"]

#: The columns of a figure listing (``mentions``): its document, then the figure.
FIGURE_COLUMNS = ["doc_id", "doc", "source", "region", "region_code", *MENTION_FIELDS[1:]]


class Library:
    """A report library: ``duizhang.db`` by default, any file, or a PostgreSQL URL
    (``postgresql://user@host/db``) that a team shares."""

    def __init__(self, path: str | Path | None = None, read_only: bool = False) -> None:
        self.store: Store = open_store(path, read_only=read_only)

    @property
    def path(self) -> str:
        return self.store.path

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- ingest ----------------------------------------------------------

    def add(
        self,
        paths: Iterable[str | Path],
        jobs: int = 1,
        progress: Callable[[str, str], None] | None = None,
        keep_duplicates: bool = False,
        ocr: str = "auto",
        documents: Iterable[RawDocument] = (),
    ) -> AddSummary:
        """Ingest files and folders (and ``documents``: see :meth:`add_library`);
        ``progress(source, outcome)`` per file (see :func:`ingest.add`).

        The stored 对账单 of the regions added to is out of date until
        :meth:`refresh_recon` (``summary.regions``) or the next ``reconcile``."""
        return ingest.add(self.store, paths, jobs, progress, keep_duplicates, ocr, documents)

    def add_library(
        self, other: str | Path, jobs: int = 1, progress: Callable[[str, str], None] | None = None,
        keep_duplicates: bool = False,
    ) -> AddSummary:
        """Add every document of another library (a file, or a PostgreSQL URL), parsed
        again from its kept raw bytes: how a team moves a file library to its server."""
        with Library(other, read_only=True) as source:
            if source.store.path == self.store.path:
                raise LibraryError(f"{other}: that is this library")
            return self.add([], jobs, progress, keep_duplicates, documents=ingest.stored_documents(source.store))

    def add_bytes(self, name: str, data: bytes) -> tuple[str, str, int | None]:
        """Ingest one uploaded file: (outcome, message, document id); its region's
        对账单 is brought up to date. Raises :class:`StoreError` when the library
        cannot be written (a full disk)."""
        outcome, message, doc_id = ingest.add_one(self.store, name, data)
        doc = self.store.document(doc_id) if outcome == "added" and doc_id is not None else None
        codes = [c for c in (doc.region_code, doc.region_now_code) if c] if doc else []
        if codes:
            self.refresh_recon(codes)
        return outcome, message, doc_id

    def reparse(self, progress: Callable[[str, str], None] | None = None) -> AddSummary:
        """Parse every stored document again from its raw bytes (after upgrading duizhang)."""
        return ingest.reparse(self.store, progress)

    # -- documents -------------------------------------------------------

    def document(self, doc_id: int) -> dict[str, Any]:
        """One document with its text, sections, figures and marked spans."""
        doc = self.store.document(doc_id)
        if doc is None:
            raise LibraryError(f"no document {doc_id} in the library")
        d = doc.to_dict()
        d["text"] = self.store.text(doc_id)
        d["sections"] = [{"idx": i, "start": s.start, "end": s.end, "heading_end": s.heading_end, "level": s.level,
                          "title": s.title, "role": s.role, "parent": s.parent}
                         for i, s in enumerate(self.store.sections(doc_id))]
        d["mentions"] = [{k: v for k, v in m.to_dict().items() if k not in ("doc", "context")}
                         for m in self.store.mentions(doc_id)]
        d["spans"] = self.store.spans(doc_id)
        return d

    def raw(self, doc_id: int) -> tuple[str, bytes]:
        """The file name and the raw bytes of a stored document."""
        doc = self.store.document(doc_id)
        if doc is None:
            raise LibraryError(f"no document {doc_id} in the library")
        return doc.name, self.store.raw_bytes(doc_id)

    def _codes(self, region: str | None) -> list[str] | None:
        return [c for c, _ in self.resolve_region(region)] if region else None

    def resolve_region(self, query: str) -> list[tuple[str, str]]:
        """Regions in the library matching a name, part of a name or code: [(code, name)].

        Raises :class:`LibraryError` naming the closest regions when nothing matches.
        """
        return resolve_region(self.store, query)

    def documents(
        self, region: str | None = None, level: str | None = None, year: int | None = None,
        doctype: str | None = None, limit: int | None = None, offset: int = 0,
    ) -> pd.DataFrame:
        """Documents with metadata and counts, filtered (``limit``/``offset`` for one page)."""
        import pandas as pd

        return pd.DataFrame(self.document_records(region, level, year, doctype, limit, offset),
                            columns=DOCUMENT_COLUMNS)

    def document_records(
        self, region: str | None = None, level: str | None = None, year: int | None = None,
        doctype: str | None = None, limit: int | None = None, offset: int = 0,
    ) -> list[dict[str, Any]]:
        """What :meth:`documents` gives, as plain dicts (no pandas: a web page needs none)."""
        docs = self.store.documents(self._codes(region), level, year, doctype, limit, offset)
        return [{k: getattr(d, k) for k in DOCUMENT_COLUMNS} for d in docs]

    def count_documents(
        self, region: str | None = None, level: str | None = None, year: int | None = None,
        doctype: str | None = None,
    ) -> int:
        return self.store.count_documents(self._codes(region), level, year, doctype)

    def regions(self) -> list[tuple[str, str]]:
        """Every unit held: (code, name), by code."""
        seen: dict[str, str] = {}
        for code, name, _, _ in self.store.regions():
            seen.setdefault(code, name)
        return sorted(seen.items())

    # -- reconciliation --------------------------------------------------

    def reconcile_rows(self, region: str | None = None, year: int | None = None) -> list[ReconRow]:
        """The 对账单 rows; ``region`` by name, part of a name or code (None = every region)."""
        codes = statement_units(self.store, region, year) if region else self.regions()
        rows: list[ReconRow] = []
        fresh = self.store.recon_fresh()
        for code, name in codes:
            if year and region:
                docs = self.store.unit_documents(code)
                t_docs, o_docs = target_documents(docs, year), outcome_documents(docs, year)
                if not t_docs or not o_docs:
                    raise LibraryError(missing_pair(name, year, t_docs, o_docs))
            if code not in fresh and self.store.read_only:
                # Nothing may be written: compute the rows without storing them.
                rows += [r for r in self.compute_recon(code) if not year or r.year == year]
                continue
            if code not in fresh:
                self.refresh_recon([code])
                fresh.add(code)
            rows += self.store.recon_rows(code, year)
        return rows

    def compute_recon(self, code: str) -> list[ReconRow]:
        """Reconcile every year of one region from its documents (what the stored table holds)."""
        return unit_statement(self.store, code)

    def years_with_pairs(self, code: str) -> list[int]:
        """The years of a unit with both a target and an outcome document."""
        return paired_years(self.store.unit_documents(code))

    def refresh_recon(self, codes: Iterable[str] | None = None, jobs: int = 1) -> int:
        """Recompute and store the 对账单 of these regions (every region if None); returns rows stored.
        With ``jobs`` > 1 the rows of many regions are computed in that many processes.

        Reports of a unit re-coded since pair under its new code, so the codes linked
        to a given one through ``region_now_code`` are refreshed with it.
        """
        held = self.store.regions()
        if codes is None:
            self.store.forget_recon()
            todo = {c for c, _, _, _ in held}
        else:
            todo = set(codes)
            for c in list(todo):
                todo |= {code for code, _, now, _ in held if now == c}
                todo |= {now for code, _, now, _ in held if code == c and now}
        n = 0
        for code, rows in unit_statements(self.store, sorted(todo), jobs):
            self.store.replace_recon(code, rows)
            n += len(rows)
        return n

    def reconcile(self, region: str | None = None, year: int | None = None) -> pd.DataFrame:
        """The 对账单 as a DataFrame: one row per target (and per untargeted core outcome)."""
        import pandas as pd

        records = [flatten_row(r) for r in self.reconcile_rows(region, year)]
        return pd.DataFrame(records, columns=RECON_COLUMNS)

    # -- search and compare ----------------------------------------------

    def search(
        self, query: str, region: str | None = None, year: int | None = None, limit: int = 50, offset: int = 0
    ) -> pd.DataFrame:
        """Sentences containing ``query`` (any Chinese substring; spaces: all parts), newest documents first."""
        import pandas as pd

        q = query.strip()
        if not q:
            raise LibraryError("empty search")
        total, hits = self.store.search(q, self._codes(region), year, limit, offset)
        first = q.split()[0]  # the part of the query a hit is marked at
        records = []
        for h in hits:
            i = h.sentence.find(first)
            records.append({"doc_id": h.doc_id, "doc": h.doc, "region": h.region, "section": h.section,
                            "sentence": h.sentence, "start": h.start, "end": h.end,
                            "hit_start": h.start + i if i >= 0 else None,
                            "hit_end": h.start + i + len(first) if i >= 0 else None})
        df = pd.DataFrame(records, columns=[
            "doc_id", "doc", "region", "section", "sentence", "start", "end", "hit_start", "hit_end"])
        df.attrs["total"] = total  # every matching sentence, of which the first `limit` are here
        return df

    def compare(
        self, metric: str, kind: str | None = None, regions_: Iterable[str] | None = None
    ) -> pd.DataFrame:
        """Targets and outcomes of one metric (core id or phrase) as a region × year table."""
        import pandas as pd

        core = re.fullmatch(r"[a-z_0-9]+", metric) is not None
        if core:
            known = [r["id"] for r in load_toml("metrics.toml")["metric"]]
            if metric not in known:
                raise LibraryError(f"unknown indicator {metric!r}: give a core id ({', '.join(known)}) "
                                   "or words of a metric phrase (新增就业)")
        metric_id, phrase = (metric, None) if core else (None, metric)
        if kind is None:
            # A metric is compared in one kind: the one its targets use most (gdp → growth).
            kind = self.store.target_kind(metric_id, phrase)
        codes = [c for r in regions_ for c, _ in self.resolve_region(r)] if regions_ else None
        figures = self.store.metric_figures(metric_id, phrase, kind, codes)
        # One row per region, year and unit: 个 and 万户 are not one series.
        table: dict[tuple[str | None, str | None, int | None, str], dict[str, Any]] = {}
        for f in figures:
            m = f.mention
            key = (f.region_code, f.region, m.year, m.unit)
            cell = table.setdefault(key, {"region_code": f.region_code, "region": f.region, "year": m.year,
                                          "unit": m.unit, "kind": m.kind})
            side = "target" if m.stance == "target" else "outcome"
            if side in cell:
                continue  # the first figure of a document (its summary) wins
            cell[side] = m.value
            cell[f"{side}_max"] = m.value_max
            cell[f"{side}_text"] = m.text
            cell[f"{side}_doc"] = m.doc
            cell[f"{side}_start"] = m.start
        if core and table:
            # The status of the 对账单 row of the same indicator, where there is one.
            status = self.store.recon_status(metric)
            for (code, _, year, _), cell in table.items():
                cell["status"] = status.get((code or "", year or 0))
        cols = ["region_code", "region", "year", "kind", "unit", "target", "target_max", "target_text", "target_doc",
                "target_start", "outcome", "outcome_max", "outcome_text", "outcome_doc", "outcome_start", "status"]
        return pd.DataFrame(list(table.values()), columns=cols)

    def mentions(self, stance: str | None = None) -> pd.DataFrame:
        """Every stored figure (optionally one stance), with its document's region."""
        import pandas as pd

        figures = self.store.all_figures(stance)
        docs: dict[int, StoredDocument] = self.store.documents_by_id([f.doc_id for f in figures if f.doc_id])
        records = []
        for f in figures:
            d = docs[f.doc_id or 0]
            m = f.mention
            # doc_id and the stored path tell apart two 2025.txt from different folders.
            records.append({"doc_id": d.id, "doc": d.name, "source": d.source, "region": d.region,
                            "region_code": d.region_code, **{c: getattr(m, c) for c in FIGURE_COLUMNS[5:]}})
        return pd.DataFrame(records, columns=FIGURE_COLUMNS)


RECON_COLUMNS = [
    "region", "region_code", "year", "metric", "metric_id", "kind", "status", "ratio", "confidence",
    "target_text", "target_value", "target_value_max", "target_qualifier", "target_doc", "target_start", "target_end",
    "target_sentence",
    "outcome_text", "outcome_value", "outcome_value_max", "outcome_qualifier", "outcome_doc", "outcome_start",
    "outcome_end", "outcome_sentence", "note", "reason",
]


def flatten_row(r: ReconRow) -> dict[str, Any]:
    """A 对账单 row as flat columns (for tables, CSV, Excel, Stata): ``RECON_COLUMNS``."""
    d = r.flat()
    return {k: d[k] for k in RECON_COLUMNS}
