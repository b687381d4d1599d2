"""The SQLite library: one embedded file, the default.

Writes take SQLite's one write lock (``BEGIN IMMEDIATE``) and are tried again
while another writer holds it; documents are committed in batches, each a
savepoint, because the full-text index flushes at every commit. WAL mode lets
readers (the web app) go on while a batch is written.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..fulltext import match_query
from ..limits import BUSY_TIMEOUT_S
from ..location import DEFAULT_DB
from ..model import Report, SearchHit, section_finder
from .base import (
    BATCH_DOCUMENTS,
    BATCH_SECONDS,
    Batch,
    Store,
)
from .errors import StoreError
from .packing import Prepared, pack_spans, sqlar_uncompress, unpack_spans, unpack_text
from .sqlite_schema import (
    LAST_COMPACTING,
    MIGRATIONS,
    SENTENCE_BITS,
    sentence_bodies,
    sentence_id,
    statements,
)

#: Sentences of a document that its ids have room for (SENTENCE_BITS); the text of a
#: longer one is kept whole, its search index stops there.
MAX_SENTENCES = 1 << SENTENCE_BITS

#: How often a transaction is tried again when SQLite answers "busy" at once (it can,
#: in WAL mode, without waiting for the busy timeout), and the first pause.
BUSY_RETRIES = 8
BUSY_PAUSE_S = 0.05


def _busy(e: BaseException) -> bool:
    return isinstance(e, sqlite3.OperationalError) and ("locked" in str(e) or "busy" in str(e))


def _full(e: BaseException) -> bool:
    return (isinstance(e, sqlite3.Error) and "full" in str(e)) or (isinstance(e, OSError) and e.errno == errno.ENOSPC)


class SQLiteStore(Store):
    """A library file. ``SQLiteStore(":memory:")`` gives a throwaway one for tests.

    ``read_only`` opens the file with SQLite's ``mode=ro`` (``immutable=1`` where the
    folder cannot be written, as on a read-only filesystem): the library is never
    created, migrated or changed.
    """

    backend = "sqlite"
    errors = (sqlite3.DatabaseError, OSError)
    packs_text = True

    def __init__(self, path: str | Path | None = None, read_only: bool = False) -> None:
        self.path = str(path or os.environ.get("DUIZHANG_DB") or DEFAULT_DB)
        self.read_only = read_only
        self._batch: Batch | None = None
        if read_only:
            self.conn = self._connect_read_only()
        else:
            self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                        timeout=BUSY_TIMEOUT_S)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA foreign_keys = ON")
        # The sqlite3 shell's function that reads a compressed text (packing.pack_text),
        # which Python's SQLite lacks: the sentence_texts view needs it.
        self.conn.create_function("sqlar_uncompress", 2, sqlar_uncompress, deterministic=True)
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
        first = self.version
        while self.version < len(MIGRATIONS):
            with self.transaction():
                i = self.version
                if i >= len(MIGRATIONS):
                    break
                step = MIGRATIONS[i]
                if callable(step):
                    step(self.conn)
                else:
                    for stmt in statements(step):
                        self.conn.execute(stmt)
                self.conn.execute(f"PRAGMA user_version = {i + 1}")
        if 0 < first < LAST_COMPACTING <= self.version and self.path != ":memory:":
            # Migrations 9 and 10 rewrote texts and sentences smaller: give the space back once.
            try:
                self.conn.execute("VACUUM")
            except sqlite3.OperationalError:
                pass  # another reader holds the file: the space is reused by later adds

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction (``BEGIN IMMEDIATE``), tried again while another writer
        holds the file; rolled back on any error without hiding it.

        Inside :meth:`batch` it is a savepoint of the batch's transaction instead: the
        document is whole or absent, and the batch commits every few documents.
        """
        if self._batch is not None:
            with self._in_batch(self._batch):
                yield
            return
        self._retry(lambda: self.conn.execute("BEGIN IMMEDIATE"))
        try:
            yield
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
    def _in_batch(self, b: Batch) -> Iterator[None]:
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
    def batch(self, max_documents: int = BATCH_DOCUMENTS, max_seconds: float = BATCH_SECONDS) -> Iterator[Batch]:
        """Store many documents with few commits: each document is still whole or absent,
        and a commit comes every ``max_documents`` or ``max_seconds`` (another writer
        waits no longer than that). An interrupted batch keeps the documents stored so
        far; a failed one says in ``lost`` how many of them were rolled back."""
        b = self._batch = Batch(max_documents, max_seconds)
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

    # -- what the interface asks of a backend ----------------------------

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> Sequence[Mapping[str, Any]]:
        return self.conn.execute(sql, params).fetchall()

    def _run(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.conn.execute(sql, params)

    def _run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.conn.executemany(sql, rows)

    def _new_ids(self, table: str, n: int) -> list[int]:
        # One writer at a time holds the file's write lock: the next ids are free.
        first = int(self.conn.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}").fetchone()[0]) + 1
        return list(range(first, first + n))

    def _bad_value(self, e: BaseException) -> bool:
        return isinstance(e, sqlite3.DataError)  # a string or blob beyond SQLite's limit

    def _lock_report(self, report: Report) -> None:
        pass  # BEGIN IMMEDIATE: this writer holds the whole file

    def _duplicate(self, e: BaseException) -> bool:
        return isinstance(e, sqlite3.IntegrityError) and "sha256" in str(e)

    def _delete(self, doc_id: int) -> None:
        # A contentless index forgets a row when told what it indexed for it.
        self.conn.executemany("INSERT INTO sentence_index (sentence_index, rowid, body) VALUES ('delete', ?, ?)",
                              sentence_bodies(self.conn, doc_id))
        self.conn.execute("DELETE FROM documents WHERE id = ?", (doc_id,))

    def _put_contents(self, doc_id: int, text: str, p: Prepared) -> None:
        self.conn.execute(
            "INSERT INTO contents (doc_id, raw, raw_codec, text, text_size, text_chars, sentences) "
            "VALUES (?,?,?,?,?,?,?)",
            (doc_id, p.raw, p.codec, p.text, p.text_size, len(text),
             pack_spans([(a, b) for a, b, _, _ in p.sentences[:MAX_SENTENCES]])))

    def text_chars(self) -> int:
        return int(self.conn.execute("SELECT COALESCE(SUM(text_chars), 0) FROM contents").fetchone()[0])

    def _index_sentences(self, doc_id: int, text: str, sentences: list[tuple[int, int, int | None, str]]) -> None:
        # The spans went in with the contents row (_put_contents); a sentence's index
        # row id says its document and its number there (see search).
        bodies = [(sentence_id(doc_id, i), body) for i, (_, _, _, body) in enumerate(sentences[:MAX_SENTENCES])]
        if self._batch is not None:
            self._batch.index.extend(bodies)  # written at the batch's commit, see _in_batch
        else:
            self.conn.executemany("INSERT INTO sentence_index (rowid, body) VALUES (?, ?)", bodies)

    def search(self, query: str, region_codes: Sequence[str] | None = None, year: int | None = None,
               limit: int = 50, offset: int = 0) -> tuple[int, list[SearchHit]]:
        match = match_query(query)
        if match is None:
            return 0, []
        # Every length of query is answered by the index (fulltext.py). A sentence's id
        # says its document, so the index alone counts the hits of each document: no
        # lookup per hit, of which a one-character word has tens of thousands.
        per_doc = dict(self.conn.execute(
            f"SELECT rowid >> {SENTENCE_BITS} AS doc, COUNT(*) FROM sentence_index WHERE sentence_index MATCH ? "
            "GROUP BY doc", (match,)).fetchall())
        if not per_doc:
            return 0, []
        where, params = self._filters(region_codes, None, year, None)
        # The documents in scope that have hits, newest first (undated ones last).
        docs = [int(r[0]) for r in self.conn.execute(
            f"SELECT d.id FROM documents d WHERE {where} AND d.id IN (SELECT value FROM json_each(?)) "
            "ORDER BY d.delivered_date DESC, d.id", [*params, json.dumps(list(per_doc))])]
        total = sum(per_doc[d] for d in docs)
        # The page: the documents it falls in, then their hits in text order.
        ids: list[int] = []
        before = 0
        for d in docs:
            n = per_doc[d]
            if before + n > offset:
                got = [int(r[0]) for r in self.conn.execute(
                    "SELECT rowid FROM sentence_index WHERE sentence_index MATCH ? AND rowid BETWEEN ? AND ? "
                    "ORDER BY rowid", (match, sentence_id(d, 0), sentence_id(d + 1, 0) - 1))]
                ids += got[max(0, offset - before):offset + limit - before]
            before += n
            if before >= offset + limit:
                break
        if not ids:
            return total, []
        # Each document of the page once: its name, text, sentence spans and sections
        # (a page of hits falls in a few documents: they are listed by document).
        hit_docs = sorted({i >> SENTENCE_BITS for i in ids})
        names = {int(r["id"]): r for r in self.conn.execute(
            f"SELECT id, name, region FROM documents WHERE id IN ({','.join('?' * len(hit_docs))})", hit_docs)}
        contents = {int(r["doc_id"]): (unpack_text(r["text"]), unpack_spans(r["sentences"])) for r in self.conn.execute(
            f"SELECT doc_id, text, sentences FROM contents WHERE doc_id IN ({','.join('?' * len(hit_docs))})", hit_docs)}
        found: dict[int, SearchHit] = {}
        for d in hit_docs:
            if d not in names or d not in contents:
                continue
            sections = self.sections(d)
            find = section_finder(sections)  # as a sentence's section was found when stored
            text, spans = contents[d]
            for i in ids:
                k = i - sentence_id(d, 0)
                if i >> SENTENCE_BITS == d and 0 <= k < len(spans):
                    a, b = spans[k]
                    sec = find(a)
                    found[i] = SearchHit(d, names[d]["name"], names[d]["region"],
                                         sections[sec].title if sec is not None else None, text[a:b], a, b)
        hits = [found[i] for i in ids if i in found]
        return total, hits

    def analyze(self) -> None:
        """With no statistics, a year's national 对账单 picked the year index and
        filtered regions afterwards."""
        try:
            self.conn.execute("PRAGMA analysis_limit = 2000")  # sampled: a second, not minutes
            self.conn.execute("ANALYZE")
        except sqlite3.OperationalError:
            pass  # busy or full: the statistics are a help to the planner, never needed

    def size_bytes(self) -> int:
        if self.path == ":memory:":
            return 0
        if not self.read_only:
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the WAL's pages into the file
        return sum(Path(self.path + s).stat().st_size for s in ("", "-wal") if Path(self.path + s).exists())

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """Any SQL on the file (SQLite's dialect): for tests and one-off inspection;
        the library itself asks through the interface."""
        return self.conn.execute(sql, params).fetchall()
