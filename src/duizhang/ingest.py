"""Ingest: files and folders into a library, parsed in worker processes, stored by one writer.

Every document is stored whole or not at all. Bytes already stored are skipped;
the same report from another file (the same text fingerprint) is told, not added
twice, unless asked. Parsing never happens while the writer holds a lock.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .model import DuizhangError, RawDocument, Report
from .pipeline import raw_to_report
from .read import iter_paths, path_to_raw
from .store import AlreadyStored, DocumentRefused, Prepared, SameReport, Store, StoreError, prepare
from .store.packing import light

#: Parsed documents kept before a serial add stores them (a count or seconds of parsing).
SERIAL_BATCH = 20
SERIAL_SECONDS = 1.0

#: Documents parsed ahead of the writer per worker; bounds memory in a big batch.
IN_FLIGHT_PER_JOB = 4

#: A writer that has waited this long for its workers commits what it holds, so that
#: another writer is not kept waiting through a long parse. Not at once: committing
#: whenever it caught up with the workers (every three or four reports) made the
#: full-text index write a segment each time, CPU the parsers needed.
IDLE_COMMIT_S = 0.5


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


#: What a parse worker gives back: the report, or why there is none, and what storing it needs.
Parsed = tuple[Report | None, str | None, Prepared | None]


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


def _parse_for_store(raw: RawDocument, ocr: str = "auto", pack_text: bool = True) -> Parsed:
    """Worker: parse one document and prepare what storing it needs (compressed bytes
    and text, indexed sentences, every table's rows), so that the writer does no
    parsing work; the report itself goes back without the objects its rows hold."""
    report, error = _parse(raw, ocr)
    if report is None:
        return None, error, None
    return light(report), None, prepare(report, raw.data, pack_text)


def _parse(raw: RawDocument, ocr: str = "auto") -> tuple[Report | None, str | None]:
    """Worker: parse one document; errors come back as messages, never as exceptions."""
    try:
        return raw_to_report(raw, ocr=ocr), None
    except DuizhangError as e:
        return None, str(e)
    except Exception as e:  # a library bug on one file must not stop the batch
        return None, f"{raw.source}: unexpected error while parsing ({type(e).__name__}: {e})"


def add(
    db: Store,
    paths: Iterable[str | Path],
    jobs: int = 1,
    progress: Callable[[str, str], None] | None = None,
    keep_duplicates: bool = False,
    ocr: str = "auto",
    documents: Iterable[RawDocument] = (),
) -> AddSummary:
    """Ingest files and folders, then ``documents`` (raw bytes from elsewhere: another
    library); ``progress(source, outcome)`` per file.

    Files with the same bytes as a stored one are skipped; a file holding the same
    report as a stored one in another encoding or format (same text fingerprint)
    is not added either, unless ``keep_duplicates``.
    """
    summary = AddSummary()
    note = progress or (lambda source, outcome: None)

    failed_bytes: dict[str, str] = {}  # sha256 -> source, of files that could not be parsed
    twins: list[tuple[RawDocument, str]] = []  # a file with the same bytes as an earlier one of this batch

    def store(raw: RawDocument, result: Parsed) -> None:
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
            db.put(report, raw.data, __version__, same_text=keep_duplicates, prepared=prepared)
        except SameReport as e:
            summary.repeats.append((raw.source, f"{raw.source}: not added, {e}"))
            note(raw.source, "repeat")
            return
        except AlreadyStored:
            summary.skipped.append(raw.source)  # another run stored it meanwhile
            note(raw.source, "skipped")
            return
        except DocumentRefused as e:  # this document's values, not the library: go on
            summary.failed.append((raw.source, _sourced(str(e), raw)))
            note(raw.source, "failed")
            return
        summary.added.append(raw.source)
        uncommitted.append(raw.source)
        if not db.uncommitted:
            uncommitted.clear()  # the batch just committed them
        summary.warnings.extend(_sourced(w, raw) for w in report.warnings)
        codes = [c for c in (report.meta.region_code, report.meta.region_now_code) if c]
        db.forget_recon(codes)
        summary.regions.update(codes)
        note(raw.source, "added")

    # The library file itself, when it sits in the folder being added.
    own = set() if db.backend != "sqlite" else {
        str(Path(db.path).resolve()) + suffix for suffix in ("", "-wal", "-shm", "-journal")}

    def read() -> Iterable[RawDocument]:
        for p in iter_paths(paths):
            if own and p != "-" and str(Path(p).resolve()) in own:
                continue  # the library file itself, when it sits in the folder being added
            try:
                yield path_to_raw(p)
            except DuizhangError as e:
                summary.failed.append((str(p), str(e)))
                note(str(p), "failed")
        yield from documents

    def raws() -> Iterable[RawDocument]:
        seen: dict[str, str] = {}
        for raw in read():
            if raw.sha256 in seen:
                twins.append((raw, seen[raw.sha256]))
                note(raw.source, "skipped")
                continue
            if db.has(raw.sha256) is not None:
                summary.skipped.append(raw.source)
                note(raw.source, "skipped")
                continue
            seen[raw.sha256] = raw.source
            yield raw

    uncommitted: list[str] = []  # added, in the open batch
    batch = None
    try:
        with db.batch() as batch:
            if jobs <= 1:
                _add_serial(db, raws(), ocr, store)
            else:
                _add_parallel(db, raws(), jobs, ocr, store)
    except StoreError as e:
        summary.stopped = f"{e}; the files after it were not added (run the same command again to go on)"
    finally:
        lost = batch.lost if batch is not None else 0
        for source in uncommitted[max(0, len(uncommitted) - lost):] if lost else []:
            # Parsed and written, then rolled back with the batch: not in the library.
            summary.added.remove(source)
            summary.failed.append((source, f"{source}: not stored (the library could not be written)"))
    if summary.added:
        db.analyze()  # the planner's statistics, for queries that stay indexed
    for raw, first in twins:
        if raw.sha256 in failed_bytes:
            # Not "already stored": the first copy failed, so neither is in the library.
            summary.failed.append((raw.source, f"{raw.source}: the same bytes as {first}, which failed"))
        else:
            summary.skipped.append(raw.source)
    return summary



def _add_serial(
    db: Store, raws: Iterable[RawDocument], ocr: str,
    store: Callable[[RawDocument, Parsed], None],
) -> None:
    """Parse a few files, then store them in one go: the write lock is never held
    while a file is parsed (a scan's OCR takes minutes, and another writer waits)."""
    ready: list[tuple[RawDocument, Parsed]] = []
    started = time.monotonic()
    for raw in raws:
        ready.append((raw, _parse_for_store(raw, ocr, db.packs_text)))
        if len(ready) >= SERIAL_BATCH or time.monotonic() - started >= SERIAL_SECONDS:
            for item in ready:
                store(*item)
            db.commit()
            ready.clear()
            started = time.monotonic()
    for item in ready:
        store(*item)



def _add_parallel(
    db: Store, raws: Iterable[RawDocument], jobs: int, ocr: str,
    store: Callable[[RawDocument, Parsed], None],
) -> None:
    """Parse in worker processes, store here: the one writer does no parsing work."""
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_worker_init, initargs=(os.getpid(),))
    pending: dict[Future[Parsed], RawDocument] = {}
    try:
        for raw in raws:
            pending[pool.submit(_parse_for_store, raw, ocr, db.packs_text)] = raw
            if len(pending) >= jobs * IN_FLIGHT_PER_JOB:
                done, _ = wait(pending, timeout=IDLE_COMMIT_S, return_when=FIRST_COMPLETED)
                if not done:
                    db.commit()  # the workers are slow (a long OCR): let others write meanwhile
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    store(pending.pop(fut), fut.result())
        for fut in list(pending):
            if not fut.done():
                db.commit()  # not while waiting for a worker (a long OCR)
            store(pending.pop(fut), fut.result())
    except BaseException:
        # Ctrl-C or a full disk: drop the queued files, do not wait for a long OCR.
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()


def add_one(db: Store, name: str, data: bytes) -> tuple[str, str, int | None]:
    """Ingest one uploaded file: (outcome, message, document id); outcome is added/skipped/failed.

    The caller brings the 对账单 of the stored report's region up to date.

    Raises :class:`StoreError` when the library cannot be written (a full disk).
    """
    raw = RawDocument(name=name, source=f"upload:{name}", data=data)
    stored = db.has(raw.sha256)
    if stored is not None:
        return "skipped", f"{name}: already in the library", stored
    report, error = _parse(raw)
    if report is None:
        return "failed", error or f"{name}: could not be parsed", None
    try:
        doc_id = db.put(report, raw.data, __version__, same_text=False)
    except SameReport as e:
        return "skipped", f"{name}: not added, {e}", e.doc_id
    except AlreadyStored as e:
        return "skipped", f"{name}: already in the library", e.doc_id
    except DocumentRefused as e:
        return "failed", str(e), None
    return "added", f"{name}: {report.meta.region or 'region unknown'}, {len(report.mentions)} figures", doc_id


def reparse(db: Store, progress: Callable[[str, str], None] | None = None) -> AddSummary:
    """Parse every stored document again from its raw bytes (after upgrading duizhang)."""
    summary = AddSummary()
    db.forget_recon()  # every stored 对账单 row is recomputed from the new parse
    for doc_id in db.document_ids():  # one document in memory at a time
        doc = db.document(doc_id)
        if doc is None:
            continue  # removed meanwhile
        raw = RawDocument(doc.name, doc.source or doc.name, db.raw_bytes(doc_id))
        report, error = _parse(raw)
        if report is None:
            summary.failed.append((raw.source, error or ""))
            continue
        db.replace(doc_id, report, __version__)
        summary.added.append(raw.source)
        if progress:
            progress(raw.source, "reparsed")
    return summary


def stored_documents(source: Store) -> Iterator[RawDocument]:
    """The documents of another library as the files they were read from (raw bytes
    and source path), one in memory at a time: to copy a library into another, as a
    team moves a file library to its server."""
    for doc_id in source.document_ids():
        doc = source.document(doc_id)
        if doc is not None:
            yield RawDocument(doc.name, doc.source or doc.name, source.raw_bytes(doc_id))
