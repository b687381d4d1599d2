"""The SQLite store: documents (raw bytes kept), sections, mentions and a full-text index.

One wrapper owns the connection and the schema; numbered migrations bring an
older file up to date. Every document is written in one transaction, so a crash
or Ctrl-C mid-ingest leaves whole documents only.
"""

from __future__ import annotations

import errno
import json
import os
import re
import sqlite3
import time
import zlib
from bisect import bisect_right
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .fulltext import CREATE_INDEX, index_body
from .limits import BUSY_TIMEOUT_S
from .model import DuizhangError, Report

DEFAULT_DB = "duizhang.db"

#: Numbered migrations: each entry brings the schema from version i to i+1 (SQL, or a
#: function of the connection where rows must be rewritten in Python).
MIGRATIONS: list[str | Callable[[sqlite3.Connection], None]] = [
    # 1: the first schema
    """
    CREATE TABLE documents (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        source TEXT,
        raw BLOB NOT NULL,
        text TEXT NOT NULL,
        encoding TEXT, format TEXT,
        title TEXT, region TEXT, region_code TEXT, level TEXT, doctype TEXT,
        delivered_date TEXT, published_date TEXT, session TEXT, speaker TEXT, speaker_title TEXT,
        review_years TEXT NOT NULL DEFAULT '[]', plan_years TEXT NOT NULL DEFAULT '[]',
        body_start INTEGER, body_end INTEGER,
        n_mentions INTEGER NOT NULL DEFAULT 0, n_targets INTEGER NOT NULL DEFAULT 0,
        warnings TEXT NOT NULL DEFAULT '[]',
        parser_version TEXT NOT NULL,
        added_at TEXT NOT NULL DEFAULT (datetime('now'))
    );
    CREATE INDEX documents_region ON documents(region_code);
    CREATE TABLE doc_years (
        doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        year INTEGER NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('review', 'plan')),
        PRIMARY KEY (doc_id, role, year)
    );
    CREATE INDEX doc_years_year ON doc_years(year, role);
    CREATE TABLE sections (
        doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        start INTEGER NOT NULL, "end" INTEGER NOT NULL, heading_end INTEGER NOT NULL,
        level INTEGER NOT NULL, title TEXT, role TEXT, parent INTEGER,
        PRIMARY KEY (doc_id, idx)
    );
    CREATE TABLE spans (
        doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        start INTEGER NOT NULL, "end" INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('boilerplate', 'duplicate')),
        reason TEXT
    );
    CREATE INDEX spans_doc ON spans(doc_id);
    CREATE TABLE mentions (
        id INTEGER PRIMARY KEY,
        doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL,
        value REAL, value_max REAL, unit TEXT, kind TEXT, direction INTEGER,
        qualifier TEXT, stance TEXT, metric TEXT, metric_id TEXT, year INTEGER,
        section INTEGER, context TEXT
    );
    CREATE INDEX mentions_doc ON mentions(doc_id);
    CREATE INDEX mentions_metric ON mentions(metric_id, kind, year);
    CREATE TABLE sentences (
        id INTEGER PRIMARY KEY,
        doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        start INTEGER NOT NULL, "end" INTEGER NOT NULL, section INTEGER
    );
    CREATE INDEX sentences_doc ON sentences(doc_id);
    CREATE VIRTUAL TABLE sentences_fts USING fts5(text, tokenize='trigram');
    """,
    # 2: raw bytes and text move out of documents, so listing and filtering documents
    # no longer reads every file (the library page went from 170 to a few ms p95).
    """
    CREATE TABLE contents (
        doc_id INTEGER PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
        raw BLOB NOT NULL,
        text TEXT NOT NULL
    );
    INSERT INTO contents (doc_id, raw, text) SELECT id, raw, text FROM documents;
    ALTER TABLE documents DROP COLUMN raw;
    ALTER TABLE documents DROP COLUMN text;
    CREATE INDEX documents_region_name ON documents(region_code, region);
    """,
    # 3: the report's text fingerprint, so the same report in another encoding or format
    # is recognised on add; what the region is today when it was renamed or re-coded
    # since the report (both filled for older documents by `duizhang reparse`).
    """
    ALTER TABLE documents ADD COLUMN fingerprint TEXT;
    CREATE INDEX documents_fingerprint ON documents(fingerprint);
    ALTER TABLE documents ADD COLUMN region_now TEXT;
    ALTER TABLE documents ADD COLUMN region_now_code TEXT;
    CREATE INDEX documents_region_now ON documents(region_now_code);
    """,
    # 4: the 对账单 itself, so that SQL and Datasette users read it without Python. Rows of a
    # region are recomputed whenever a report of it is added or the library is reparsed;
    # recon_state says which regions are up to date.
    """
    CREATE TABLE recon_rows (
        id INTEGER PRIMARY KEY,
        region_code TEXT NOT NULL, region TEXT, year INTEGER NOT NULL,
        metric TEXT, metric_id TEXT, kind TEXT,
        status TEXT NOT NULL CHECK (status IN ('achieved', 'missed', 'not_reported', 'no_target', 'unclear')),
        ratio REAL, confidence REAL, note TEXT, reason TEXT,
        target_doc_id INTEGER, target_doc TEXT, target_start INTEGER, target_end INTEGER, target_text TEXT,
        target_value REAL, target_value_max REAL, target_qualifier TEXT, target_sentence TEXT,
        outcome_doc_id INTEGER, outcome_doc TEXT, outcome_start INTEGER, outcome_end INTEGER, outcome_text TEXT,
        outcome_value REAL, outcome_value_max REAL, outcome_qualifier TEXT, outcome_sentence TEXT,
        details TEXT NOT NULL DEFAULT '[]'
    );
    CREATE INDEX recon_rows_region_year ON recon_rows(region_code, year);
    ALTER TABLE documents ADD COLUMN ocr_confidence REAL;
    CREATE TABLE recon_state (
        region_code TEXT PRIMARY KEY,
        refreshed_at TEXT NOT NULL DEFAULT (datetime('now'))
    );
    """,
    # 5: a sentence index that answers searches of any length (see fulltext.py) and keeps
    # no second copy of the text; raw bytes compressed where that pays (the library was
    # 12-16 bytes per character of text).
    lambda conn: _migrate_5(conn),
    # 6: views a SQL or Datasette user queries directly: each figure with its document,
    # region, year and section; the targets; each sentence with its text.
    """
    CREATE VIEW figures AS
        SELECT m.id, m.doc_id, d.name AS doc, d.region, d.region_code, d.level, d.doctype, d.delivered_date,
               m.start, m."end", m.text, m.value, m.value_max, m.unit, m.kind, m.direction, m.qualifier, m.stance,
               m.metric, m.metric_id, m.year, sec.title AS section_title, sec.role AS section_role
        FROM mentions m JOIN documents d ON d.id = m.doc_id
        LEFT JOIN sections sec ON sec.doc_id = m.doc_id AND sec.idx = m.section;
    CREATE VIEW targets AS SELECT * FROM figures WHERE stance = 'target';
    CREATE VIEW sentence_texts AS
        SELECT s.id, s.doc_id, d.name AS doc, d.region, d.region_code, s.start, s."end",
               substr(c.text, s.start + 1, s."end" - s.start) AS text
        FROM sentences s JOIN documents d ON d.id = s.doc_id JOIN contents c ON c.doc_id = s.doc_id;
    """,
    # 7: each section gets an id and each figure a foreign key to its section, so that
    # Datasette links a figure to its heading (it follows single-column keys only).
    """
    DROP VIEW targets;
    DROP VIEW figures;
    CREATE TABLE sections_new (
        id INTEGER PRIMARY KEY,
        doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        start INTEGER NOT NULL, "end" INTEGER NOT NULL, heading_end INTEGER NOT NULL,
        level INTEGER NOT NULL, title TEXT, role TEXT, parent INTEGER,
        UNIQUE (doc_id, idx)
    );
    INSERT INTO sections_new (doc_id, idx, start, "end", heading_end, level, title, role, parent)
        SELECT doc_id, idx, start, "end", heading_end, level, title, role, parent FROM sections ORDER BY doc_id, idx;
    DROP TABLE sections;
    ALTER TABLE sections_new RENAME TO sections;
    ALTER TABLE mentions ADD COLUMN section_id INTEGER REFERENCES sections(id);
    UPDATE mentions SET section_id = (SELECT s.id FROM sections s WHERE s.doc_id = mentions.doc_id AND s.idx = mentions.section)
        WHERE section IS NOT NULL;
    CREATE VIEW figures AS
        SELECT m.id, m.doc_id, d.name AS doc, d.region, d.region_code, d.level, d.doctype, d.delivered_date,
               m.start, m."end", m.text, m.value, m.value_max, m.unit, m.kind, m.direction, m.qualifier, m.stance,
               m.metric, m.metric_id, m.year, m.section_id, sec.title AS section_title, sec.role AS section_role
        FROM mentions m JOIN documents d ON d.id = m.doc_id LEFT JOIN sections sec ON sec.id = m.section_id;
    CREATE VIEW targets AS SELECT * FROM figures WHERE stance = 'target';
    """,
]

#: Columns of a stored 对账单 row, in table order (after ``id``).
RECON_FIELDS = [
    "region_code", "region", "year", "metric", "metric_id", "kind", "status", "ratio", "confidence", "note", "reason",
    *[f"{side}_{f}" for side in ("target", "outcome")
      for f in ("doc_id", "doc", "start", "end", "text", "value", "value_max", "qualifier", "sentence")],
    "details",
]

#: Sentence boundaries for the full-text index.
SENTENCE_RE = re.compile(r"[^。！!？?；;\n]+[。！!？?；;]?")


class SameReport(Exception):
    """The report is already stored from another file (same text fingerprint)."""

    def __init__(self, doc_id: int, source: str) -> None:
        super().__init__(f"the same report as stored document {doc_id} ({source})")
        self.doc_id = doc_id
        self.source = source


class StoreError(DuizhangError):
    """A library file that cannot be opened or written as asked (missing, too old for
    read-only use, its disk full, another writer holding it too long)."""


#: A batch of documents commits after this many documents or seconds, whichever comes
#: first: each commit flushes the full-text index, which cost more than storing a
#: document; a second bounds what another writer waits and what a kill loses.
BATCH_DOCUMENTS = 50
BATCH_SECONDS = 1.0


@dataclass
class _Batch:
    max_documents: int
    max_seconds: float
    uncommitted: int = 0
    lost: int = 0
    opened: float = 0.0
    #: (sentence id, index body) of the documents not yet committed
    index: list[tuple[int, str]] = field(default_factory=list)


class AlreadyStored(Exception):
    """Another writer stored the same bytes first (two ``add`` runs over one folder)."""

    def __init__(self, doc_id: int) -> None:
        super().__init__(f"already stored as document {doc_id}")
        self.doc_id = doc_id


#: How often a transaction is tried again when SQLite answers "busy" at once (it can,
#: in WAL mode, without waiting for the busy timeout), and the first pause.
BUSY_RETRIES = 8
BUSY_PAUSE_S = 0.05


def _busy(e: sqlite3.Error) -> bool:
    return isinstance(e, sqlite3.OperationalError) and ("locked" in str(e) or "busy" in str(e))


def _full(e: BaseException) -> bool:
    return (isinstance(e, sqlite3.Error) and "full" in str(e)) or (isinstance(e, OSError) and e.errno == errno.ENOSPC)


@dataclass
class Prepared:
    """What storing a report needs besides the report, computed where it was parsed
    (a worker process with --jobs), so that the one writer only writes."""

    raw: bytes  # as stored (compressed or not)
    codec: str | None
    sentences: list[tuple[int, int, int | None, str]]  # start, end, section, index body
    contexts: list[str]


def prepare(report: Report, raw: bytes, contexts: list[str] | None = None) -> Prepared:
    """The stored form of a report's raw bytes and its indexed sentences."""
    from .structure import section_finder

    r = report
    skip = sorted((s.start, s.end) for s in r.cleaned.boilerplate)
    skip_starts = [a for a, _ in skip]
    find = section_finder(r.sections)
    sentences = []
    for m in SENTENCE_RE.finditer(r.text, r.cleaned.body_start, r.cleaned.body_end):
        sent = m.group().strip()
        if len(sent) < 2:
            continue
        k = bisect_right(skip_starts, m.start()) - 1  # inside marked chrome?
        if k >= 0 and m.start() < skip[k][1] or any(a <= m.start() < b for a, b in skip[max(0, k - 3):k]):
            continue
        a = m.start() + m.group().find(sent)
        sentences.append((a, a + len(sent), find(a), index_body(sent)))
    packed, codec = pack(raw)
    return Prepared(packed, codec, sentences, contexts if contexts is not None else [""] * len(r.mentions))


class Store:
    """A library file. ``Store(":memory:")`` gives a throwaway one for tests.

    ``read_only`` opens the file with SQLite's ``mode=ro`` (``immutable=1`` where the
    folder cannot be written, as on a read-only filesystem): the library is never
    created, migrated or changed.
    """

    def __init__(self, path: str | Path | None = None, read_only: bool = False) -> None:
        self.path = str(path or os.environ.get("DUIZHANG_DB") or DEFAULT_DB)
        self.read_only = read_only
        self._batch: _Batch | None = None
        if read_only:
            self.conn = self._connect_read_only()
        else:
            self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                        timeout=BUSY_TIMEOUT_S)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA foreign_keys = ON")
        if read_only:
            version = self.version
            if version < len(MIGRATIONS):
                self.conn.close()
                raise StoreError(
                    f"{self.path}: the library needs an update (schema {version} of {len(MIGRATIONS)}); "
                    "open it once without --read-only")
            return
        try:
            if self.path != ":memory:":
                self._retry(lambda: self.conn.execute("PRAGMA journal_mode = WAL"))
                self.conn.execute("PRAGMA synchronous = NORMAL")
            self.migrate()
        except sqlite3.DatabaseError as e:
            self.conn.close()
            raise self._error(e, "open") from e

    def _connect_read_only(self) -> sqlite3.Connection:
        p = Path(self.path)
        if not p.is_file():
            raise StoreError(f"{self.path}: no library there (read-only: nothing is created)")
        uri = p.resolve().as_uri()
        try:
            conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, isolation_level=None, check_same_thread=False)
            conn.execute("SELECT 1 FROM sqlite_master LIMIT 1")
            return conn
        except sqlite3.OperationalError:
            # A WAL library in a folder that cannot be written (a read-only filesystem).
            return sqlite3.connect(f"{uri}?immutable=1", uri=True, isolation_level=None, check_same_thread=False)

    def close(self) -> None:
        self.conn.close()

    @property
    def version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self) -> None:
        """Apply the migrations this file has not seen, each in its own transaction.

        The version is read again inside each write transaction: two processes opening
        a new library at once both get here, and the second must find the first's
        tables instead of creating them again.
        """
        while self.version < len(MIGRATIONS):
            with self.transaction():
                i = self.version
                if i >= len(MIGRATIONS):
                    break
                step = MIGRATIONS[i]
                if callable(step):
                    step(self.conn)
                else:
                    for stmt in _statements(step):
                        self.conn.execute(stmt)
                self.conn.execute(f"PRAGMA user_version = {i + 1}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``), tried again while another writer
        holds the file; rolled back on any error without hiding it.

        Inside :meth:`batch` it is a savepoint of the batch's transaction instead: the
        document is whole or absent, and the batch commits every few documents.
        """
        if self._batch is not None:
            with self._in_batch(self._batch):
                yield self.conn
            return
        self._retry(lambda: self.conn.execute("BEGIN IMMEDIATE"))
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        try:
            self.conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # SQLite already rolled back (a full disk ends the transaction itself)

    @contextmanager
    def _in_batch(self, b: _Batch) -> Iterator[None]:
        if not self.conn.in_transaction:
            self._retry(lambda: self.conn.execute("BEGIN IMMEDIATE"))
            b.opened = time.monotonic()
        # The full-text rows of the batch are written just before its commit: FTS5
        # flushes its pending index at every savepoint release, which cost more than
        # the rest of storing a document.
        index_mark = len(b.index)
        self.conn.execute("SAVEPOINT document")
        try:
            yield
            self.conn.execute("RELEASE document")
        except BaseException:
            del b.index[index_mark:]
            try:
                self.conn.execute("ROLLBACK TO document")
                self.conn.execute("RELEASE document")
            except sqlite3.Error:
                pass
            if not self.conn.in_transaction:  # SQLite ended the whole transaction (a full disk)
                b.lost += b.uncommitted
                b.uncommitted = 0
                b.index.clear()
            raise
        b.uncommitted += 1
        if b.uncommitted >= b.max_documents or time.monotonic() - b.opened >= b.max_seconds:
            self.commit()

    @property
    def uncommitted(self) -> int:
        """Documents of the open batch not yet committed (0 outside a batch)."""
        return self._batch.uncommitted if self._batch is not None else 0

    def commit(self) -> None:
        """Commit the open batch's documents (nothing to do outside a batch)."""
        if self._batch is None or not self.conn.in_transaction:
            return
        try:
            self.conn.executemany("INSERT INTO sentence_index (rowid, body) VALUES (?, ?)", self._batch.index)
            self._batch.index.clear()
            self.conn.execute("COMMIT")
        except (sqlite3.DatabaseError, OSError) as e:
            self._rollback()
            self._batch.lost += self._batch.uncommitted
            self._batch.uncommitted = 0
            self._batch.index.clear()
            raise self._error(e, "commit the documents just stored") from e
        self._batch.uncommitted = 0

    @contextmanager
    def batch(self, max_documents: int = BATCH_DOCUMENTS, max_seconds: float = BATCH_SECONDS) -> Iterator[_Batch]:
        """Store many documents with few commits: each document is still whole or absent,
        and a commit comes every ``max_documents`` or ``max_seconds`` (another writer
        waits no longer than that). An interrupted batch keeps the documents stored so
        far; a failed one says in ``lost`` how many of them were rolled back."""
        b = self._batch = _Batch(max_documents, max_seconds)
        try:
            yield b
        except BaseException:
            if self.conn.in_transaction:
                try:
                    self.commit()  # keep the whole documents of the batch (Ctrl-C, a bad file)
                except StoreError:
                    pass  # counted in b.lost
            raise
        else:
            self.commit()
        finally:
            self._batch = None

    def _retry(self, step: Callable[[], object]) -> None:
        pause = BUSY_PAUSE_S
        for attempt in range(BUSY_RETRIES + 1):
            try:
                step()
                return
            except sqlite3.OperationalError as e:
                if not _busy(e) or attempt == BUSY_RETRIES:
                    raise
                time.sleep(pause)
                pause *= 2

    def _error(self, e: BaseException, doing: str) -> StoreError:
        """One line for the user: what happened to the library file and what it means."""
        if _full(e):
            return StoreError(f"{self.path}: the disk is full; nothing of the document being stored was written "
                              "(every document stored before it is complete)")
        if isinstance(e, sqlite3.OperationalError) and _busy(e):
            return StoreError(f"{self.path}: another program held the library for over {BUSY_TIMEOUT_S:.0f} s "
                              f"({doing}); try again when it is done")
        if isinstance(e, sqlite3.DatabaseError) and "not a database" in str(e):
            return StoreError(f"{self.path}: not a duizhang library (not an SQLite database)")
        return StoreError(f"{self.path}: cannot {doing} the library ({e})")

    # -- writing ---------------------------------------------------------

    def same_report(self, fingerprint: str) -> tuple[int, str] | None:
        """The stored document (id, source) with this text fingerprint, if any."""
        if not fingerprint:
            return None
        row = self.conn.execute(
            "SELECT id, COALESCE(source, name) FROM documents WHERE fingerprint = ? ORDER BY id LIMIT 1",
            (fingerprint,)).fetchone()
        return (int(row[0]), str(row[1])) if row else None

    def has(self, sha256: str) -> bool:
        return self.conn.execute("SELECT 1 FROM documents WHERE sha256 = ?", (sha256,)).fetchone() is not None

    def put(
        self, report: Report, raw: bytes, parser_version: str, contexts: list[str] | None = None,
        same_text: bool = True, prepared: Prepared | None = None,
    ) -> int:
        """Store one parsed report in one transaction; returns its id.

        Raises :class:`AlreadyStored` if the same bytes are stored (by another writer
        since the caller looked), :class:`StoreError` if the disk is full. With ``same_text=False`` a report whose text fingerprint is already stored is
        refused with :class:`SameReport` (checked inside the write transaction, so two
        writers cannot both add it).
        """
        c = self.conn
        try:
            with self.transaction():
                row = c.execute("SELECT id FROM documents WHERE sha256 = ?", (report.sha256,)).fetchone()
                twin = None if same_text or row is not None else self.same_report(report.fingerprint)
                if row is None and twin is None:
                    return self._insert(report, prepared or prepare(report, raw, contexts), parser_version)
        except (sqlite3.DatabaseError, OSError) as e:
            raise self._error(e, f"store {report.doc}") from e
        if twin is not None:
            raise SameReport(*twin)
        raise AlreadyStored(int(row["id"]))

    def replace(self, doc_id: int, report: Report, parser_version: str, contexts: list[str] | None = None) -> None:
        """Re-store the parse of a document already in the library (same raw bytes)."""
        try:
            with self.transaction():
                raw = self.raw_bytes(doc_id)
                self._delete(doc_id)
                self._insert(report, prepare(report, raw, contexts), parser_version, doc_id=doc_id)
        except (sqlite3.DatabaseError, OSError) as e:
            raise self._error(e, f"store document {doc_id}") from e

    def _delete(self, doc_id: int) -> None:
        c = self.conn
        # A contentless index forgets a row when told what it indexed for it.
        c.executemany("INSERT INTO sentence_index (sentence_index, rowid, body) VALUES ('delete', ?, ?)",
                      _sentence_bodies(c, doc_id))
        c.execute("DELETE FROM documents WHERE id = ?", (doc_id,))

    def _insert(self, r: Report, p: Prepared, parser_version: str, doc_id: int | None = None) -> int:
        c = self.conn
        m = r.meta
        n_targets = sum(1 for x in r.mentions if x.stance == "target")
        cur = c.execute(
            """INSERT INTO documents (id, sha256, name, source, encoding, format, title, region,
                 region_code, level, doctype, delivered_date, published_date, session, speaker, speaker_title,
                 review_years, plan_years, body_start, body_end, n_mentions, n_targets, warnings, parser_version,
                 fingerprint, region_now, region_now_code, ocr_confidence)
               VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
            (
                doc_id, r.sha256, r.doc, r.source, r.encoding, r.format, m.title, m.region,
                m.region_code, m.level, m.doctype, m.delivered_date, m.published_date, m.session, m.speaker,
                m.speaker_title, json.dumps(m.review_years), json.dumps(m.plan_years), r.cleaned.body_start,
                r.cleaned.body_end, len(r.mentions), n_targets, json.dumps(r.warnings, ensure_ascii=False),
                parser_version, r.fingerprint or None, m.region_now, m.region_now_code, r.ocr_confidence,
            ),
        )
        doc_id = int(cur.lastrowid or 0) if doc_id is None else doc_id
        c.execute("INSERT INTO contents (doc_id, raw, text, raw_codec) VALUES (?,?,?,?)", (doc_id, p.raw, r.text, p.codec))
        c.executemany(
            "INSERT INTO doc_years (doc_id, year, role) VALUES (?,?,?)",
            [(doc_id, y, "review") for y in m.review_years] + [(doc_id, y, "plan") for y in m.plan_years],
        )
        # Section ids given here, so that each figure can name its section's id.
        first_section = int(c.execute("SELECT COALESCE(MAX(id), 0) FROM sections").fetchone()[0]) + 1
        c.executemany(
            'INSERT INTO sections (id, doc_id, idx, start, "end", heading_end, level, title, role, parent) '
            "VALUES (?,?,?,?,?,?,?,?,?,?)",
            [(first_section + i, doc_id, i, s.start, s.end, s.heading_end, s.level, s.title, s.role, s.parent)
             for i, s in enumerate(r.sections)],
        )
        c.executemany(
            'INSERT INTO spans (doc_id, start, "end", kind, reason) VALUES (?,?,?,?,?)',
            [(doc_id, s.start, s.end, "boilerplate", s.reason) for s in r.cleaned.boilerplate]
            + [(doc_id, s.start, s.end, "duplicate", s.reason) for s in r.cleaned.duplicates],
        )
        ctx = p.contexts
        c.executemany(
            'INSERT INTO mentions (doc_id, start, "end", text, value, value_max, unit, kind, direction, '
            "qualifier, stance, metric, metric_id, year, section, context, section_id) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (doc_id, x.start, x.end, x.text, x.value, x.value_max, x.unit, x.kind, x.direction, x.qualifier,
                 x.stance, x.metric, x.metric_id, x.year, x.section, cx,
                 first_section + x.section if x.section is not None else None)
                for x, cx in zip(r.mentions, ctx, strict=True)
            ],
        )
        self._index_sentences(doc_id, p.sentences)
        return doc_id

    def _index_sentences(self, doc_id: int, sentences: list[tuple[int, int, int | None, str]]) -> None:
        # Ids given here so that sentences and their index rows go in two statements,
        # not two per sentence (the writer's main cost with --jobs).
        first = int(self.conn.execute("SELECT COALESCE(MAX(id), 0) FROM sentences").fetchone()[0]) + 1
        self.conn.executemany(
            'INSERT INTO sentences (id, doc_id, start, "end", section) VALUES (?,?,?,?,?)',
            [(first + i, doc_id, a, b, sec) for i, (a, b, sec, _) in enumerate(sentences)],
        )
        bodies = [(first + i, body) for i, (_, _, _, body) in enumerate(sentences)]
        if self._batch is not None:
            self._batch.index.extend(bodies)  # written at the batch's commit, see _in_batch
        else:
            self.conn.executemany("INSERT INTO sentence_index (rowid, body) VALUES (?, ?)", bodies)

    # -- reading ---------------------------------------------------------

    # -- the stored 对账单 ------------------------------------------------

    def replace_recon(self, region_code: str, records: list[dict[str, Any]]) -> None:
        """Replace a region's stored 对账单 rows (``RECON_FIELDS`` each) in one transaction."""
        c = self.conn
        cols = ", ".join(f'"{f}"' for f in RECON_FIELDS)
        marks = ",".join("?" * len(RECON_FIELDS))
        try:
            with self.transaction():
                c.execute("DELETE FROM recon_rows WHERE region_code = ?", (region_code,))
                c.executemany(f"INSERT INTO recon_rows ({cols}) VALUES ({marks})",
                              [tuple(r.get(f) for f in RECON_FIELDS) for r in records])
                c.execute("INSERT OR REPLACE INTO recon_state (region_code, refreshed_at) VALUES (?, datetime('now'))",
                          (region_code,))
        except (sqlite3.DatabaseError, OSError) as e:
            raise self._error(e, "store the 对账单 of a region") from e

    def recon_fresh(self) -> set[str]:
        """Regions whose stored 对账单 is up to date."""
        return {r[0] for r in self.conn.execute("SELECT region_code FROM recon_state")}

    def forget_recon(self, region_codes: list[str] | None = None) -> None:
        """Mark regions' stored rows (all if None) as out of date."""
        if region_codes is None:
            self.conn.execute("DELETE FROM recon_state")
        else:
            self.conn.executemany("DELETE FROM recon_state WHERE region_code = ?", [(c,) for c in region_codes])

    def recon_records(self, region_code: str, year: int | None = None) -> list[sqlite3.Row]:
        sql = "SELECT * FROM recon_rows WHERE region_code = ?" + (" AND year = ?" if year else "")
        return self.query(sql + " ORDER BY year, id", (region_code, year) if year else (region_code,))

    def raw_bytes(self, doc_id: int) -> bytes:
        """A document's raw bytes, byte-identical to the file it was read from."""
        row = self.conn.execute("SELECT raw, raw_codec FROM contents WHERE doc_id = ?", (doc_id,)).fetchone()
        if row is None:
            raise StoreError(f"{self.path}: no document {doc_id}")
        return unpack(row["raw"], row["raw_codec"])

    def analyze(self) -> None:
        """Refresh the query planner's statistics (after adding documents): with none, a
        year's national 对账单 picked the year index and filtered regions afterwards."""
        try:
            self.conn.execute("PRAGMA analysis_limit = 2000")  # sampled: a second, not minutes
            self.conn.execute("ANALYZE")
        except sqlite3.OperationalError:
            pass  # busy or full: the statistics are a help to the planner, never needed

    def query(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()



#: Raw bytes are stored zlib-compressed when that saves at least this share (text
#: files and web pages: about half); PDFs and .docx are compressed already.
COMPRESS_MIN_SAVING = 0.1


def pack(raw: bytes) -> tuple[bytes, str | None]:
    """The bytes to store and their codec (None: as they are).

    >>> data = "政府工作报告".encode() * 100
    >>> packed, codec = pack(data)
    >>> codec, unpack(packed, codec) == data, pack(b"%PDF-1.4 x")[1]
    ('zlib', True, None)
    """
    packed = zlib.compress(raw, 6)
    if len(packed) <= (1 - COMPRESS_MIN_SAVING) * len(raw):
        return packed, "zlib"
    return raw, None


def unpack(stored: bytes, codec: str | None) -> bytes:
    """The raw bytes of a document exactly as read from its file."""
    if codec is None:
        return bytes(stored)
    if codec == "zlib":
        return zlib.decompress(stored)
    raise StoreError(f"raw bytes stored with an unknown codec {codec!r} (a newer duizhang wrote them?)")


def _sentence_bodies(conn: sqlite3.Connection, doc_id: int) -> list[tuple[int, str]]:
    """(sentence id, index body) of a stored document, from its text."""
    text = conn.execute("SELECT text FROM contents WHERE doc_id = ?", (doc_id,)).fetchone()[0]
    rows = conn.execute('SELECT id, start, "end" FROM sentences WHERE doc_id = ? ORDER BY id', (doc_id,))
    return [(int(i), index_body(text[a:b])) for i, a, b in rows]


def _migrate_5(conn: sqlite3.Connection) -> None:
    conn.execute(CREATE_INDEX)
    conn.execute("ALTER TABLE contents ADD COLUMN raw_codec TEXT")
    for (doc_id,) in conn.execute("SELECT doc_id FROM contents").fetchall():
        conn.executemany("INSERT INTO sentence_index (rowid, body) VALUES (?, ?)", _sentence_bodies(conn, doc_id))
        raw = conn.execute("SELECT raw FROM contents WHERE doc_id = ?", (doc_id,)).fetchone()[0]
        packed, codec = pack(bytes(raw))
        if codec is not None:
            conn.execute("UPDATE contents SET raw = ?, raw_codec = ? WHERE doc_id = ?", (packed, codec, doc_id))
    conn.execute("DROP TABLE sentences_fts")


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (no semicolons inside our DDL)."""
    return [s.strip() for s in script.split(";") if s.strip()]
