"""A report library a researcher works in for months: ingest, reconcile, search, compare.

``Library`` is the Python API (DataFrames out); the CLI and the web app call the
same methods. Storage is :class:`duizhang.store.Store` (SQLite).
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__, regions
from .fulltext import match_query
from .model import DuizhangError, Mention, RawDocument, Report
from .pipeline import raw_to_report
from .read import iter_paths, path_to_raw
from .reconcile import (
    Figure,
    ReconRow,
    Side,
    explain,
    fill_qualitative_outcomes,
    qualitative_targets,
    reconcile,
    sentence_at,
)
from .store import AlreadyStored, Prepared, SameReport, Store, StoreError, prepare
from .vocab import load_toml

if TYPE_CHECKING:
    import pandas as pd

#: Characters before a figure kept as its context (the wording of its clause).
CONTEXT_CHARS = 30

#: Parsed documents kept before a serial add stores them (a count or seconds of parsing).
SERIAL_BATCH = 20
SERIAL_SECONDS = 1.0

#: Documents parsed ahead of the writer per worker; bounds memory in a big batch.
IN_FLIGHT_PER_JOB = 4


class LibraryError(DuizhangError):
    """A request the library cannot answer (unknown region, missing document)."""


#: The columns of a document listing (``documents``), in order.
DOCUMENT_COLUMNS = ["id", "name", "source", "region", "region_code", "level", "doctype", "delivered_date",
                    "published_date", "session", "speaker", "review_years", "plan_years", "n_mentions", "n_targets",
                    "sha256"]


@dataclass
class AddSummary:
    added: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (source, message)
    #: Files holding a report already stored from another file: (source, message).
    repeats: list[tuple[str, str]] = field(default_factory=list)
    #: Regions of the added reports: their stored 对账单 is out of date until
    #: :meth:`Library.refresh_recon` (or the next ``reconcile``) recomputes it.
    regions: set[str] = field(default_factory=set)
    #: What the parser noticed about added files (a file holding several reports, a
    #: region not recognised): one line each, naming the file.
    warnings: list[str] = field(default_factory=list)
    #: Why the batch stopped before its end (the disk is full), else None. Every
    #: document counted as added is stored whole; the files after it were not tried.
    stopped: str | None = None


def _contexts(report: Report) -> list[str]:
    """The stored context of each of a report's figures."""
    return [_context(report.text, m.start) for m in report.mentions]


def _context(text: str, start: int) -> str:
    seg = text[max(0, start - CONTEXT_CHARS) : start]
    cut = max(seg.rfind(c) for c in "。；;\n")
    return seg[cut + 1 :]


def _province_named(query: str) -> str | None:
    """The code of the province-level unit this name is exactly (天津, 天津市, 北京, 广西), else None.

    >>> _province_named("天津"), _province_named("天津市"), _province_named("南开区"), _province_named("120000")
    ('120000', '120000', None, '120000')
    """
    if query.isdigit():
        return query if len(query) == 6 and query.endswith("0000") and regions.get(query) else None
    for r in regions.search(query, limit=3):
        if r.code.endswith("0000") and query in (r.name, regions.short_name(r.name)):
            return r.code
    return None


def _sourced(message: str, raw: RawDocument) -> str:
    """A message about a file with its whole path, so the file can be found."""
    if message.startswith(raw.name + ":") and raw.source != raw.name:
        return raw.source + message[len(raw.name):]
    return message


def _worker_init(parent: int) -> None:
    """A parse worker: Ctrl-C is the main process's to handle (no worker tracebacks),
    and the worker ends when the main process (``parent``) does, even killed (SIGKILL)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:
        os._exit(1)  # the main process died before this worker was ready

    def watch() -> None:  # where there is no PR_SET_PDEATHSIG: notice the parent is gone
        while True:
            time.sleep(2)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _parse_for_store(raw: RawDocument, ocr: str = "auto") -> tuple[Report | None, str | None, Prepared | None]:
    """Worker: parse one document and prepare what storing it needs (compressed bytes,
    indexed sentences, contexts), so that the writer does no parsing work."""
    report, error = _parse(raw, ocr)
    if report is None:
        return None, error, None
    return report, None, prepare(report, raw.data, _contexts(report))


def _parse(raw: RawDocument, ocr: str = "auto") -> tuple[Report | None, str | None]:
    """Worker: parse one document; errors come back as messages, never as exceptions."""
    try:
        return raw_to_report(raw, ocr=ocr), None
    except DuizhangError as e:
        return None, str(e)
    except Exception as e:  # a library bug on one file must not stop the batch
        return None, f"{raw.source}: unexpected error while parsing ({type(e).__name__}: {e})"


class Library:
    """The report library in one SQLite file (``duizhang.db`` by default)."""

    def __init__(self, path: str | Path | None = None, read_only: bool = False) -> None:
        self.store = Store(path, read_only=read_only)

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
    ) -> AddSummary:
        """Ingest files and folders; ``progress(source, outcome)`` per file.

        Files with the same bytes as a stored one are skipped; a file holding the same
        report as a stored one in another encoding or format (same text fingerprint)
        is not added either, unless ``keep_duplicates``.
        """
        summary = AddSummary()
        note = progress or (lambda source, outcome: None)

        failed_bytes: dict[str, str] = {}  # sha256 -> source, of files that could not be parsed
        twins: list[tuple[RawDocument, str]] = []  # a file with the same bytes as an earlier one of this batch

        def store(raw: RawDocument, result: tuple[Report | None, str | None, Prepared | None]) -> None:
            report, error, prepared = result
            if report is None:
                message = error or "unknown error"
                if message.startswith(raw.name + ":") and raw.source != raw.name:
                    message = raw.source + message[len(raw.name):]  # the whole path, so the file can be found
                summary.failed.append((raw.source, message))
                failed_bytes[raw.sha256] = raw.source
                note(raw.source, "failed")
                return
            try:
                self.store.put(report, raw.data, __version__, same_text=keep_duplicates, prepared=prepared)
            except SameReport as e:
                summary.repeats.append((raw.source, f"{raw.source}: not added, {e}"))
                note(raw.source, "repeat")
                return
            except AlreadyStored:
                summary.skipped.append(raw.source)  # another run stored it meanwhile
                note(raw.source, "skipped")
                return
            summary.added.append(raw.source)
            uncommitted.append(raw.source)
            if not self.store.uncommitted:
                uncommitted.clear()  # the batch just committed them
            summary.warnings.extend(_sourced(w, raw) for w in report.warnings)
            codes = [c for c in (report.meta.region_code, report.meta.region_now_code) if c]
            self.store.forget_recon(codes)
            summary.regions.update(codes)
            note(raw.source, "added")

        own = {str(Path(self.path).resolve()) + suffix for suffix in ("", "-wal", "-shm", "-journal")}

        def raws() -> Iterable[RawDocument]:
            seen: dict[str, str] = {}
            for p in iter_paths(paths):
                if p != "-" and str(Path(p).resolve()) in own:
                    continue  # the library file itself, when it sits in the folder being added
                try:
                    raw = path_to_raw(p)
                except DuizhangError as e:
                    summary.failed.append((str(p), str(e)))
                    note(str(p), "failed")
                    continue
                if raw.sha256 in seen:
                    twins.append((raw, seen[raw.sha256]))
                    note(raw.source, "skipped")
                    continue
                if self.store.has(raw.sha256):
                    summary.skipped.append(raw.source)
                    note(raw.source, "skipped")
                    continue
                seen[raw.sha256] = raw.source
                yield raw

        uncommitted: list[str] = []  # added, in the open batch
        batch = None
        try:
            with self.store.batch() as batch:
                if jobs <= 1:
                    self._add_serial(raws(), ocr, store)
                else:
                    self._add_parallel(raws(), jobs, ocr, store)
        except StoreError as e:
            summary.stopped = f"{e}; the files after it were not added (run the same command again to go on)"
        finally:
            lost = batch.lost if batch is not None else 0
            for source in uncommitted[max(0, len(uncommitted) - lost):] if lost else []:
                # Parsed and written, then rolled back with the batch: not in the library.
                summary.added.remove(source)
                summary.failed.append((source, f"{source}: not stored (the library could not be written)"))
        if summary.added:
            self.store.analyze()  # the planner's statistics, for queries that stay indexed
        for raw, first in twins:
            if raw.sha256 in failed_bytes:
                # Not "already stored": the first copy failed, so neither is in the library.
                summary.failed.append((raw.source, f"{raw.source}: the same bytes as {first}, which failed"))
            else:
                summary.skipped.append(raw.source)
        return summary

    def _add_serial(
        self, raws: Iterable[RawDocument], ocr: str,
        store: Callable[[RawDocument, tuple[Report | None, str | None, Prepared | None]], None],
    ) -> None:
        """Parse a few files, then store them in one go: the write lock is never held
        while a file is parsed (a scan's OCR takes minutes, and another writer waits)."""
        ready: list[tuple[RawDocument, tuple[Report | None, str | None, Prepared | None]]] = []
        started = time.monotonic()
        for raw in raws:
            ready.append((raw, _parse_for_store(raw, ocr)))
            if len(ready) >= SERIAL_BATCH or time.monotonic() - started >= SERIAL_SECONDS:
                for item in ready:
                    store(*item)
                self.store.commit()
                ready.clear()
                started = time.monotonic()
        for item in ready:
            store(*item)

    def _add_parallel(
        self, raws: Iterable[RawDocument], jobs: int, ocr: str,
        store: Callable[[RawDocument, tuple[Report | None, str | None, Prepared | None]], None],
    ) -> None:
        """Parse in worker processes, store here: the one writer does no parsing work."""
        pool = ProcessPoolExecutor(max_workers=jobs, initializer=_worker_init, initargs=(os.getpid(),))
        pending: dict[Future[tuple[Report | None, str | None, Prepared | None]], RawDocument] = {}
        try:
            for raw in raws:
                pending[pool.submit(_parse_for_store, raw, ocr)] = raw
                if len(pending) >= jobs * IN_FLIGHT_PER_JOB:
                    if not any(f.done() for f in pending):
                        self.store.commit()  # waiting for the workers anyway: let others write
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for fut in done:
                        store(pending.pop(fut), fut.result())
            for fut in list(pending):
                if not fut.done():
                    self.store.commit()  # not while waiting for a worker (a long OCR)
                store(pending.pop(fut), fut.result())
        except BaseException:
            # Ctrl-C or a full disk: drop the queued files, do not wait for a long OCR.
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()

    def add_bytes(self, name: str, data: bytes) -> tuple[str, str, int | None]:
        """Ingest one uploaded file: (outcome, message, document id); outcome is added/skipped/failed.

        Raises :class:`StoreError` when the library cannot be written (a full disk).
        """
        raw = RawDocument(name=name, source=f"upload:{name}", data=data)
        row = self.store.query("SELECT id FROM documents WHERE sha256 = ?", (raw.sha256,))
        if row:
            return "skipped", f"{name}: already in the library", int(row[0]["id"])
        report, error = _parse(raw)
        if report is None:
            return "failed", error or f"{name}: could not be parsed", None
        try:
            doc_id = self.store.put(report, raw.data, __version__, _contexts(report), same_text=False)
        except SameReport as e:
            return "skipped", f"{name}: not added, {e}", e.doc_id
        except AlreadyStored as e:
            return "skipped", f"{name}: already in the library", e.doc_id
        codes = [c for c in (report.meta.region_code, report.meta.region_now_code) if c]
        if codes:
            self.refresh_recon(codes)
        return "added", f"{name}: {report.meta.region or 'region unknown'}, {len(report.mentions)} figures", doc_id

    def document(self, doc_id: int) -> dict[str, Any]:
        """One document with its text, sections, figures and marked spans."""
        rows = self.store.query(
            "SELECT d.*, c.text FROM documents d JOIN contents c ON c.doc_id = d.id WHERE d.id = ?", (doc_id,))
        if not rows:
            raise LibraryError(f"no document {doc_id} in the library")
        d = {k: rows[0][k] for k in rows[0].keys()}
        d["review_years"] = json.loads(d["review_years"])
        d["plan_years"] = json.loads(d["plan_years"])
        d["warnings"] = json.loads(d["warnings"])
        d["sections"] = [dict(r) for r in self.store.query(
            'SELECT idx, start, "end", heading_end, level, title, role, parent FROM sections WHERE doc_id = ? ORDER BY idx',
            (doc_id,))]
        d["mentions"] = [dict(r) for r in self.store.query(
            'SELECT start, "end", text, value, value_max, unit, kind, direction, qualifier, stance, metric, metric_id, '
            "year, section FROM mentions WHERE doc_id = ? ORDER BY start", (doc_id,))]
        d["spans"] = [dict(r) for r in self.store.query(
            'SELECT start, "end", kind, reason FROM spans WHERE doc_id = ? ORDER BY start', (doc_id,))]
        return d

    def raw(self, doc_id: int) -> tuple[str, bytes]:
        """The file name and the raw bytes of a stored document."""
        rows = self.store.query("SELECT name FROM documents WHERE id = ?", (doc_id,))
        if not rows:
            raise LibraryError(f"no document {doc_id} in the library")
        return rows[0]["name"], self.store.raw_bytes(doc_id)

    def reparse(self, progress: Callable[[str, str], None] | None = None) -> AddSummary:
        """Parse every stored document again from its raw bytes (after upgrading duizhang)."""
        summary = AddSummary()
        self.store.forget_recon()  # every stored 对账单 row is recomputed from the new parse
        ids = [int(r["id"]) for r in self.store.query("SELECT id FROM documents ORDER BY id")]
        for doc_id in ids:  # one document in memory at a time
            row = self.store.query("SELECT id, name, source FROM documents WHERE id = ?", (doc_id,))[0]
            raw = RawDocument(row["name"], row["source"] or row["name"], self.store.raw_bytes(doc_id))
            report, error = _parse(raw)
            if report is None:
                summary.failed.append((raw.source, error or ""))
                continue
            self.store.replace(int(row["id"]), report, __version__, _contexts(report))
            summary.added.append(raw.source)
            if progress:
                progress(raw.source, "reparsed")
        return summary

    # -- documents -------------------------------------------------------

    def _scope(self, region: str | None, year: int | None, doc: str = "d") -> tuple[list[str], list[Any]]:
        """SQL conditions (and parameters) for a region query and a year on documents aliased ``doc``."""
        where: list[str] = []
        params: list[Any] = []
        if region:
            codes = [c for c, _ in self.resolve_region(region)]
            where.append(f"{doc}.region_code IN ({','.join('?' * len(codes))})")
            params += codes
        if year:
            where.append(f"{doc}.id IN (SELECT doc_id FROM doc_years WHERE year = ?)")
            params.append(year)
        return where, params

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
        where, params = self._document_filters(region, level, year, doctype)
        page = f" LIMIT {int(limit)} OFFSET {int(offset)}" if limit is not None else ""
        rows = self.store.query(
            f"SELECT {', '.join(DOCUMENT_COLUMNS)} FROM documents d "
            f"WHERE {' AND '.join(where)} ORDER BY region_code, delivered_date, name{page}",
            params,
        )
        out = []
        for r in rows:
            d = dict(r)
            d["review_years"], d["plan_years"] = json.loads(d["review_years"]), json.loads(d["plan_years"])
            out.append(d)
        return out

    def count_documents(
        self, region: str | None = None, level: str | None = None, year: int | None = None,
        doctype: str | None = None,
    ) -> int:
        where, params = self._document_filters(region, level, year, doctype)
        return int(self.store.query(f"SELECT COUNT(*) FROM documents d WHERE {' AND '.join(where)}", params)[0][0])

    def _document_filters(
        self, region: str | None, level: str | None, year: int | None, doctype: str | None
    ) -> tuple[list[str], list[Any]]:
        where, params = self._scope(region, year)
        if level:
            where.append("d.level = ?")
            params.append(level)
        if doctype:
            where.append("d.doctype = ?")
            params.append(doctype)
        return where + ["1=1"], params

    def resolve_region(self, query: str) -> list[tuple[str, str]]:
        """Regions in the library matching a name, part of a name or code: [(code, name)].

        Raises :class:`LibraryError` naming the closest regions when nothing matches.
        """
        q = query.strip()
        rows = self.store.query(
            "SELECT DISTINCT region_code, region, region_now_code, region_now FROM documents "
            "WHERE region_code IS NOT NULL")
        held = {r["region_code"]: r["region"] or "" for r in rows}
        # A renamed unit is found by its name of today too (襄阳 finds the reports of 襄樊).
        now = {r["region_code"]: (r["region_now_code"] or "", r["region_now"] or "") for r in rows}

        def names_of(c: str) -> list[str]:
            return [held[c], now[c][1]] if now[c][1] else [held[c]]

        province = _province_named(q)
        if province is not None:
            # 天津, 天津市, 北京: the province-level unit and every unit under it (a search
            # or a list in 天津 is all of Tianjin; its own 对账单 is the unit's: see unit_of).
            hits = [(c, n) for c, n in held.items() if c[:2] == province[:2] or now[c][0][:2] == province[:2]]
        elif q.isdigit():
            hits = [(c, n) for c, n in held.items()
                    if q in (c, now[c][0]) or (len(q) < 6 and (c.startswith(q) or now[c][0].startswith(q)))]
        else:
            exact = [(c, held[c]) for c in held if any(n == q or len(q) >= 2 and n.endswith(q) for n in names_of(c))]
            hits = exact or [(c, held[c]) for c in held if any(q in n for n in names_of(c))]
        if hits:
            return sorted(hits)
        import difflib

        names = list(held.values())
        close = difflib.get_close_matches(q, names, n=5, cutoff=0.3)
        # Only a real place "exists": regions.search falls back on fuzzy matches.
        known = [r for r in regions.search(q, limit=3) if q in r.full_name or q == r.code]
        msg = f"no region {query!r} in the library {self.path}"
        if known:
            msg += "; it exists (" + ", ".join(f"{r.full_name} {r.code}" for r in known) + ") but no report of it is stored"
        elif close:
            msg += "; closest: " + ", ".join(close)
        elif names:
            msg += "; regions held: " + ", ".join(sorted(set(names))[:8])
        raise LibraryError(msg)

    # -- reconciliation --------------------------------------------------

    def _figures(self, sql: str, params: list[Any]) -> list[Figure]:
        rows = self.store.query(
            'SELECT m.*, d.name AS doc FROM mentions m JOIN documents d ON d.id = m.doc_id '
            f"WHERE {sql} ORDER BY d.delivered_date, d.id, m.start",
            params,
        )
        return [
            Figure(
                Mention(
                    doc=r["doc"], start=r["start"], end=r["end"], text=r["text"], value=r["value"], unit=r["unit"],
                    kind=r["kind"], direction=r["direction"], qualifier=r["qualifier"], stance=r["stance"],
                    metric=r["metric"], metric_id=r["metric_id"], year=r["year"], value_max=r["value_max"],
                    section=r["section"],
                ),
                doc_id=r["doc_id"],
                context=r["context"] or "",
            )
            for r in rows
        ]

    def _pair_docs(self, code: str, year: int, role: str) -> list[int]:
        return [
            int(r["id"])
            for r in self.store.query(
                # A unit re-coded since (徐水县 130625 → 徐水区 130609): its older reports
                # say what it is now, and pair with the newer ones.
                "SELECT d.id FROM documents d JOIN doc_years y ON y.doc_id = d.id "
                "WHERE (d.region_code = ? OR d.region_now_code = ?) AND y.year = ? AND y.role = ? "
                "ORDER BY d.delivered_date, d.id",
                (code, code, year, role),
            )
        ]

    def years_with_pairs(self, code: str) -> list[int]:
        rows = self.store.query(
            "SELECT DISTINCT p.year FROM doc_years p JOIN documents dp ON dp.id = p.doc_id "
            "JOIN doc_years r ON r.year = p.year AND r.role = 'review' JOIN documents dr ON dr.id = r.doc_id "
            "WHERE p.role = 'plan' AND (dp.region_code = ? OR dp.region_now_code = ?) "
            "AND (dr.region_code = ? OR dr.region_now_code = ?) ORDER BY p.year",
            (code, code, code, code),
        )
        return [int(r["year"]) for r in rows]

    def reconcile_rows(self, region: str | None = None, year: int | None = None) -> list[ReconRow]:
        """The 对账单 rows; ``region`` by name, part of a name or code (None = every region)."""
        if region:
            codes = self.resolve_region(region)
            # A retired code whose unit is also held under its code of today is
            # reconciled under the new code (its reports pair there).
            held = {c for c, _ in codes}
            retired = {r["region_code"] for r in self.store.query(
                "SELECT DISTINCT region_code, region_now_code FROM documents WHERE region_now_code IS NOT NULL")
                if r["region_now_code"] in held and r["region_now_code"] != r["region_code"]}
            codes = [(c, n) for c, n in codes if c not in retired] or codes
            province = _province_named(region.strip())
            if province is not None:
                # The 对账单 of 天津 is the municipality's own (120000), not its districts'.
                own = [(c, n) for c, n in codes if c == province]
                if not own:
                    raise LibraryError(
                        f"no report of {regions.full_name(province)} itself is in the library; its units held: "
                        + ", ".join(f"{n} {c}" for c, n in codes[:8]) + (" …" if len(codes) > 8 else ""))
                codes = own
            elif year and len(codes) > 1:
                # 和平 fits 天津市和平区 and 沈阳市和平区: the ones that have a pair this year, if one
                paired = [(c, n) for c, n in codes
                          if self._pair_docs(c, year, "plan") and self._pair_docs(c, year, "review")]
                if len(paired) > 1 and not region.strip().isdigit():
                    raise LibraryError(f"{region!r} fits several regions with reports of {year}: "
                                       + ", ".join(f"{n} {c}" for c, n in paired) + "; give one of them")
                codes = paired or codes[:1]
        else:
            codes = [(r["region_code"], r["region"]) for r in self.store.query(
                "SELECT DISTINCT region_code, region FROM documents WHERE region_code IS NOT NULL ORDER BY region_code")]
        rows: list[ReconRow] = []
        fresh = self.store.recon_fresh()
        for code, name in codes:
            if year and region:
                t_docs, o_docs = self._pair_docs(code, year, "plan"), self._pair_docs(code, year, "review")
                if not t_docs or not o_docs:
                    raise LibraryError(self._missing(name, year, t_docs, o_docs))
            if code not in fresh and self.store.read_only:
                # Nothing may be written: compute the rows without storing them.
                rows += [r for r in self.compute_recon(code) if not year or r.year == year]
                continue
            if code not in fresh:
                self.refresh_recon([code])
                fresh.add(code)
            rows += [_row_of(r) for r in self.store.recon_records(code, year)]
        return rows

    def compute_recon(self, code: str) -> list[ReconRow]:
        """Reconcile every year of one region from its documents (what the stored table holds)."""
        names = self.store.query(
            "SELECT region FROM documents WHERE region_code = ? ORDER BY delivered_date DESC, id DESC LIMIT 1", (code,))
        name = names[0]["region"] if names else None
        rows: list[ReconRow] = []
        for y in self.years_with_pairs(code):
            rows += self._reconcile_one(code, name or code, y, self._pair_docs(code, y, "plan"),
                                        self._pair_docs(code, y, "review"))
        return rows

    def refresh_recon(self, codes: Iterable[str] | None = None) -> int:
        """Recompute and store the 对账单 of these regions (every region if None); returns rows stored.

        Reports of a unit re-coded since pair under its new code, so the codes linked
        to a given one through ``region_now_code`` are refreshed with it.
        """
        if codes is None:
            self.store.forget_recon()
            todo = {r["region_code"] for r in self.store.query(
                "SELECT DISTINCT region_code FROM documents WHERE region_code IS NOT NULL")}
        else:
            todo = set(codes)
            for c in list(todo):
                todo |= {r["code"] for r in self.store.query(
                    "SELECT region_code AS code FROM documents WHERE region_now_code = ? "
                    "UNION SELECT region_now_code FROM documents WHERE region_code = ? AND region_now_code IS NOT NULL",
                    (c, c))}
        n = 0
        for code in sorted(todo):
            records = [_record_of(r) for r in self.compute_recon(code)]
            self.store.replace_recon(code, records)
            n += len(records)
        return n

    def _missing(self, name: str, y: int, t_docs: list[int], o_docs: list[int]) -> str:
        parts = []
        if not t_docs:
            parts.append(f"no document with targets for {y} (a report delivered early in {y} or the {y} plan)")
        if not o_docs:
            parts.append(f"no document reporting outcomes of {y} (the report delivered early in {y + 1})")
        return f"{name} {y}: " + "; ".join(parts)

    def _reconcile_one(self, code: str, name: str, y: int, t_docs: list[int], o_docs: list[int]) -> list[ReconRow]:
        if not t_docs or not o_docs:
            return []
        qs = ",".join("?" * len(t_docs))
        # Year-less targets count only in a document that plans this one year.
        single = [d for d in t_docs if json.loads(self.store.query(
            "SELECT plan_years FROM documents WHERE id = ?", (d,))[0]["plan_years"]) == [y]]
        single_qs = ",".join("?" * len(single)) or "NULL"
        targets = self._figures(
            f"m.doc_id IN ({qs}) AND m.stance = 'target' AND (m.year = ? OR (m.year IS NULL AND m.doc_id IN ({single_qs})))",
            [*t_docs, y, *single],
        )
        qo = ",".join("?" * len(o_docs))
        outcomes = self._figures(f"m.doc_id IN ({qo}) AND m.stance IN ('actual', 'estimate') AND m.year = ?", [*o_docs, y])
        texts = {}
        qual: list[Side] = []
        for r in self.store.query(
            f"SELECT d.id, d.name, c.text FROM documents d JOIN contents c ON c.doc_id = d.id WHERE d.id IN ({qs})",
            t_docs,
        ):
            texts[r["name"]] = r["text"]
            # The structure stage marks the year's targets paragraph as a `targets` span
            # wherever it stands, so the sections are where to look.
            spans = [(s["start"], s["end"]) for s in self.store.query(
                "SELECT start, \"end\" FROM sections WHERE doc_id = ? AND role = 'targets'", (r["id"],))]
            ms = [f.mention for f in targets if f.doc_id == r["id"]]
            seen: set[tuple[int, str | None]] = set()
            for a, b in spans:
                for q in qualitative_targets(r["text"], a, b, ms, r["name"]):
                    if (q.start, q.metric_id) not in seen:
                        seen.add((q.start, q.metric_id))
                        qual.append(Side(q.doc, q.start, q.end, q.text, None, None, None, int(r["id"]), q.metric_id))
        rows = reconcile(targets, outcomes, y, name, code, texts=texts, qualitative=qual)
        fill_qualitative_outcomes(rows, self._review_sources(o_docs))
        self._explain(rows, o_docs)
        return rows

    def _explain(self, rows: list[ReconRow], o_docs: list[int]) -> None:
        """Each side's sentence, and a reason for each row (a five-year figure where the year's is missing)."""
        cache: dict[int, str] = {}

        def text_of(doc_id: int) -> str:
            if doc_id not in cache:
                cache[doc_id] = self.store.query("SELECT text FROM contents WHERE doc_id = ?", (doc_id,))[0]["text"]
            return cache[doc_id]

        qo = ",".join("?" * len(o_docs))
        for row in rows:
            t, o = row.target, row.outcome
            if t is not None and t.doc_id is not None:
                row.target = replace(t, sentence=sentence_at(text_of(t.doc_id), t.start, t.end))
            if o is not None and o.doc_id is not None:
                row.outcome = replace(o, sentence=sentence_at(text_of(o.doc_id), o.start, o.end))
            if row.status == "not_reported" and row.metric_id and o_docs:
                # Only a figure over several years (五年累计…, 年均…) was given for the indicator.
                other = self.store.query(
                    f"SELECT doc_id, start, \"end\", text FROM mentions WHERE doc_id IN ({qo}) AND metric_id = ? "
                    "AND year IS NULL AND stance IN ('actual', 'estimate') ORDER BY doc_id, start LIMIT 1",
                    [*o_docs, row.metric_id])
                if other:
                    m = other[0]
                    said = sentence_at(text_of(int(m["doc_id"])), int(m["start"]), int(m["end"]))
                    row.reason = f"only a figure over several years was reported: {said}"
            row.reason = explain(row)

    def _review_sources(self, doc_ids: list[int]) -> list[tuple[str, int | None, str, list[tuple[int, int]]]]:
        """(name, id, text, review spans) of the documents that report a year's outcomes."""
        out: list[tuple[str, int | None, str, list[tuple[int, int]]]] = []
        for d in doc_ids:
            row = self.store.query(
                "SELECT d.name, d.body_start, d.body_end, c.text FROM documents d JOIN contents c ON c.doc_id = d.id "
                "WHERE d.id = ?", (d,))[0]
            spans = [(int(s["start"]), int(s["end"])) for s in self.store.query(
                "SELECT start, \"end\" FROM sections WHERE doc_id = ? AND role = 'review' AND parent IS NULL", (d,))]
            out.append((row["name"], d, row["text"], spans or [(int(row["body_start"]), int(row["body_end"]))]))
        return out

    def reconcile(self, region: str | None = None, year: int | None = None) -> pd.DataFrame:
        """The 对账单 as a DataFrame: one row per target (and per untargeted core outcome)."""
        import pandas as pd

        records = [flatten_row(r) for r in self.reconcile_rows(region, year)]
        return pd.DataFrame(records, columns=RECON_COLUMNS)

    # -- search and compare ----------------------------------------------

    def search(
        self, query: str, region: str | None = None, year: int | None = None, limit: int = 50, offset: int = 0
    ) -> pd.DataFrame:
        """Sentences containing ``query`` (any Chinese substring), newest documents first."""
        import pandas as pd

        q = query.strip()
        match = match_query(q)
        if match is None:
            raise LibraryError("empty search")
        where, params = self._scope(region, year)
        # Every length of query is answered by the index (fulltext.py); the sentence
        # text is read from the document, where the index keeps none.
        where.append("s.id IN (SELECT rowid FROM sentence_index WHERE sentence_index MATCH ?)")
        params.append(match)
        cond = " AND ".join(where)
        if len(where) == 1:
            # No region or year: the index counts its own hits (no join over every hit).
            total = int(self.store.query(
                "SELECT COUNT(*) FROM sentence_index WHERE sentence_index MATCH ?", (match,))[0][0])
        else:
            total = int(self.store.query(
                f"SELECT COUNT(*) FROM sentences s JOIN documents d ON d.id = s.doc_id WHERE {cond}", params)[0][0])
        rows = self.store.query(
            "SELECT d.id AS doc_id, d.name AS doc, d.region, s.start, s.\"end\", sec.title AS section, "
            "substr(c.text, s.start + 1, s.\"end\" - s.start) AS sentence "
            "FROM sentences s JOIN documents d ON d.id = s.doc_id JOIN contents c ON c.doc_id = s.doc_id "
            "LEFT JOIN sections sec ON sec.doc_id = s.doc_id AND sec.idx = s.section "
            f"WHERE {cond} ORDER BY d.delivered_date DESC, d.id, s.start LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        first = q.split()[0]  # the part of the query a hit is marked at
        records = []
        for r in rows:
            d = dict(r)
            i = d["sentence"].find(first)
            d["hit_start"] = d["start"] + i if i >= 0 else None
            d["hit_end"] = d["hit_start"] + len(first) if i >= 0 else None
            records.append(d)
        df = pd.DataFrame(records, columns=[
            "doc_id", "doc", "region", "section", "sentence", "start", "end", "hit_start", "hit_end"])
        df.attrs["total"] = total  # every matching sentence, of which the first `limit` are here
        return df

    def compare(
        self, metric: str, kind: str | None = None, regions_: Iterable[str] | None = None
    ) -> pd.DataFrame:
        """Targets and outcomes of one metric (core id or phrase) as a region × year table."""
        import pandas as pd

        where: list[str] = []
        params: list[Any] = []
        if re.fullmatch(r"[a-z_0-9]+", metric):
            known = [r["id"] for r in load_toml("metrics.toml")["metric"]]
            if metric not in known:
                raise LibraryError(f"unknown indicator {metric!r}: give a core id ({', '.join(known)}) "
                                   "or words of a metric phrase (新增就业)")
            where.append("m.metric_id = ?")
            params.append(metric)
        else:
            where.append("m.metric LIKE ?")
            params.append(f"%{metric}%")
        if kind is None:
            # A metric is compared in one kind: the one its targets use most (gdp → growth).
            first = self.store.query(
                f"SELECT m.kind, COUNT(*) AS n FROM mentions m WHERE {where[0]} AND m.stance = 'target' "
                "GROUP BY m.kind ORDER BY n DESC LIMIT 1", params)
            kind = first[0]["kind"] if first else None
        if kind:
            where.append("m.kind = ?")
            params.append(kind)
        if regions_:
            codes = [c for r in regions_ for c, _ in self.resolve_region(r)]
            where.append(f"d.region_code IN ({','.join('?' * len(codes))})")
            params += codes
        rows = self.store.query(
            "SELECT d.region, d.region_code, m.year, m.stance, m.kind, m.value, m.value_max, m.unit, m.text, "
            "d.name AS doc, m.start FROM mentions m JOIN documents d ON d.id = m.doc_id "
            f"WHERE {' AND '.join(where)} AND m.year IS NOT NULL AND m.stance != 'other' "
            "ORDER BY d.region_code, m.year, d.delivered_date, m.start",
            params,
        )
        # One row per region, year and unit: 个 and 万户 are not one series.
        table: dict[tuple[str, str, int, str], dict[str, Any]] = {}
        for r in rows:
            key = (r["region_code"], r["region"], r["year"], r["unit"])
            cell = table.setdefault(key, {"region_code": r["region_code"], "region": r["region"], "year": r["year"],
                                          "unit": r["unit"], "kind": r["kind"]})
            side = "target" if r["stance"] == "target" else "outcome"
            if side in cell:
                continue  # the first figure of a document (its summary) wins
            cell[side] = r["value"]
            cell[f"{side}_max"] = r["value_max"]
            cell[f"{side}_text"] = r["text"]
            cell[f"{side}_doc"] = r["doc"]
            cell[f"{side}_start"] = r["start"]
        if re.fullmatch(r"[a-z_0-9]+", metric) and table:
            # The status of the 对账单 row of the same indicator, where there is one.
            status = {(x["region_code"], x["year"]): x["status"] for x in self.store.query(
                "SELECT region_code, year, status FROM recon_rows WHERE metric_id = ? ORDER BY id DESC", (metric,))}
            for (code, _, year, _), cell in table.items():
                cell["status"] = status.get((code, year))
        cols = ["region_code", "region", "year", "kind", "unit", "target", "target_max", "target_text", "target_doc",
                "target_start", "outcome", "outcome_max", "outcome_text", "outcome_doc", "outcome_start", "status"]
        return pd.DataFrame(list(table.values()), columns=cols)

    def mentions(self, stance: str | None = None) -> pd.DataFrame:
        """Every stored figure (optionally one stance), with its document's region."""
        import pandas as pd

        where = "m.stance = ?" if stance else "1=1"
        rows = self.store.query(
            "SELECT d.id AS doc_id, d.name AS doc, d.source, d.region, d.region_code, m.start, m.\"end\", m.text, "
            "m.value, m.value_max, m.unit, m.kind, m.direction, m.qualifier, m.stance, m.metric, m.metric_id, m.year "
            f"FROM mentions m JOIN documents d ON d.id = m.doc_id WHERE {where} ORDER BY d.id, m.start",
            (stance,) if stance else (),
        )
        # doc_id and the stored path tell apart two 2025.txt from different folders.
        return pd.DataFrame([dict(r) for r in rows], columns=[
            "doc_id", "doc", "source", "region", "region_code", "start", "end", "text", "value", "value_max", "unit",
            "kind", "direction", "qualifier", "stance", "metric", "metric_id", "year"])


RECON_COLUMNS = [
    "region", "region_code", "year", "metric", "metric_id", "kind", "status", "ratio", "confidence",
    "target_text", "target_value", "target_value_max", "target_qualifier", "target_doc", "target_start", "target_end",
    "target_sentence",
    "outcome_text", "outcome_value", "outcome_value_max", "outcome_qualifier", "outcome_doc", "outcome_start",
    "outcome_end", "outcome_sentence", "note", "reason",
]


def _record_of(r: ReconRow) -> dict[str, Any]:
    """A 对账单 row as the columns of the stored table (``store.RECON_FIELDS``)."""
    d = flatten_row(r)
    for name, side in (("target", r.target), ("outcome", r.outcome)):
        d[f"{name}_doc_id"] = side.doc_id if side else None
    d["details"] = json.dumps([x.to_dict() for x in r.details], ensure_ascii=False)
    return d


def _row_of(rec: Any) -> ReconRow:
    """A stored 对账单 row back as a :class:`ReconRow`."""
    def side(name: str) -> Side | None:
        if rec[f"{name}_text"] is None:
            return None
        return Side(rec[f"{name}_doc"], rec[f"{name}_start"], rec[f"{name}_end"], rec[f"{name}_text"],
                    rec[f"{name}_value"], rec[f"{name}_value_max"], rec[f"{name}_qualifier"], rec[f"{name}_doc_id"],
                    sentence=rec[f"{name}_sentence"])

    details = [Side(d["doc"], d["start"], d["end"], d["text"], d["value"], d["value_max"], d["qualifier"],
                    sentence=d.get("sentence")) for d in json.loads(rec["details"] or "[]")]
    return ReconRow(rec["region"], rec["region_code"], rec["year"], rec["metric"], rec["metric_id"], rec["kind"],
                    side("target"), side("outcome"), rec["status"], rec["ratio"], rec["confidence"], rec["note"],
                    details, rec["reason"])


def flatten_row(r: ReconRow) -> dict[str, Any]:
    """A 对账单 row as flat columns (for tables, CSV, Excel, Stata)."""
    d: dict[str, Any] = {
        "region": r.region, "region_code": r.region_code, "year": r.year, "metric": r.metric,
        "metric_id": r.metric_id, "kind": r.kind, "status": r.status, "ratio": r.ratio,
        "confidence": r.confidence, "note": r.note, "reason": r.reason,
    }
    for name, side in (("target", r.target), ("outcome", r.outcome)):
        for f in ("text", "value", "value_max", "qualifier", "doc", "start", "end", "sentence"):
            d[f"{name}_{f}"] = getattr(side, f) if side else None
    return d
