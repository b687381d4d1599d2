"""The PostgreSQL library: one server a team shares (``--db postgresql://user@host/db``).

Every document is its own transaction, and several ``add`` runs on several
machines may write at once: a transaction-scoped advisory lock on the document's
sha256 and fingerprint makes the check "already stored?" and the insert one step,
and the unique sha256 is the backstop (a writer that loses the race counts the
file as skipped). Identifiers come from sequences. Search uses ``pg_trgm`` over
each sentence's search body (``fulltext.search_body``), with the same answers as
the SQLite index for queries of any length (the trigram index serves parts of
three characters and more; shorter ones read every sentence).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg.rows import dict_row

from ..fulltext import search_body, search_parts
from ..model import Report, SearchHit
from . import shown
from .base import BATCH_DOCUMENTS, BATCH_SECONDS, Batch, Store
from .errors import StoreError
from .postgres_schema import MIGRATION_LOCK, MIGRATIONS

#: Seconds to wait for the server to answer a connection.
CONNECT_TIMEOUT_S = 10


def page_of_hits(cond: str, nulls_last: str = "") -> str:
    """The SQL of one page of search hits (``LIMIT ? OFFSET ?``) whose sentences meet
    ``cond``, newest documents first (``nulls_last``: what the backend needs to put
    documents without a date last, as SQLite does by itself).

    The page is chosen first and the sentence texts cut from their documents after:
    cutting them for every hit before the sort read each hit's whole document (a
    one-character word matches thousands of sentences).
    """
    return (
        "WITH page AS (SELECT s.doc_id, s.start, s.\"end\", s.section, d.name, d.region, d.delivered_date "
        f"FROM sentences s JOIN documents d ON d.id = s.doc_id WHERE {cond} "
        f"ORDER BY d.delivered_date DESC{nulls_last}, d.id, s.start LIMIT ? OFFSET ?) "
        "SELECT p.doc_id, p.name AS doc, p.region, p.start, p.\"end\", sec.title AS section, "
        "substr(c.text, p.start + 1, p.\"end\" - p.start) AS sentence "
        "FROM page p JOIN contents c ON c.doc_id = p.doc_id "
        "LEFT JOIN sections sec ON sec.doc_id = p.doc_id AND sec.idx = p.section "
        f"ORDER BY p.delivered_date DESC{nulls_last}, p.doc_id, p.start"
    )


_PLACEHOLDER = re.compile(r"\?")


def _values(row: Sequence[Any]) -> list[Any]:
    """Values as PostgreSQL takes them: its text cannot hold NUL, which a PDF's text
    layer can; each becomes U+FFFD, one character for one, so offsets stay true."""
    return [v.replace("\x00", "\ufffd") if isinstance(v, str) and "\x00" in v else v for v in row]


def _sql(sql: str) -> str:
    """Our shared SQL (``?`` placeholders) in psycopg's form (``%s``; ``%`` doubled)."""
    return _PLACEHOLDER.sub("%s", sql.replace("%", "%%"))


class PostgresStore(Store):
    """A library on a PostgreSQL server (15 or newer, with the ``pg_trgm`` extension)."""

    backend = "postgresql"
    errors = (psycopg.Error, OSError)

    @property
    def location(self) -> str:
        """The server's URL with its credentials (``path`` hides the password)."""
        return self.url

    def __init__(self, url: str, read_only: bool = False) -> None:
        self.url = url
        self.path = shown(url)
        self.read_only = read_only
        self._depth = 0  # open transactions (a dropped connection is made again only outside one)
        self.conn = self._connect()
        try:
            if read_only:
                version = self.version
                if version == 0:
                    raise StoreError(f"{self.path}: no duizhang library in this database yet "
                                     "(read-only: nothing is created; duizhang add creates it)")
                if version < len(MIGRATIONS):
                    raise StoreError(
                        f"{self.path}: the library needs an update (schema {version} of {len(MIGRATIONS)}); "
                        "open it once without --read-only")
                return
            self.migrate()
        except BaseException:
            self.conn.close()
            raise

    def _connect(self) -> psycopg.Connection[dict[str, Any]]:
        try:
            return psycopg.connect(
                self.url, autocommit=True, row_factory=dict_row, connect_timeout=CONNECT_TIMEOUT_S,
                options="-c default_transaction_read_only=on" if self.read_only else None)
        except psycopg.Error as e:
            said = str(e).strip()
            raise StoreError(f"{self.path}: cannot connect to the PostgreSQL server "
                             f"({said.splitlines()[-1] if said else type(e).__name__})") from e

    def _ready(self) -> psycopg.Connection[dict[str, Any]]:
        """The connection, made again if the server dropped it (a restart) while no
        transaction was open: a long-running explorer outlives its server's restarts."""
        if (self.conn.broken or self.conn.closed) and not self._depth:
            self.conn = self._connect()  # inside a transaction the error goes up instead
        return self.conn

    def close(self) -> None:
        self.conn.close()

    # -- schema ----------------------------------------------------------

    @property
    def version(self) -> int:
        try:
            row = self.conn.execute("SELECT to_regclass('duizhang_schema') AS t").fetchone()
            if row is None or row["t"] is None:
                return 0
            got = self.conn.execute("SELECT version FROM duizhang_schema").fetchone()
        except psycopg.Error as e:
            raise self._error(e, "read") from e
        return int(got["version"]) if got else 0

    def migrate(self) -> None:
        """Apply the migrations this database has not seen, each in its own transaction,
        under an advisory lock: several machines may open a new library at once."""
        try:
            while self.version < len(MIGRATIONS):
                with self.conn.transaction():
                    self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
                    self.conn.execute("CREATE TABLE IF NOT EXISTS duizhang_schema (version INTEGER NOT NULL)")
                    got = self.conn.execute("SELECT version FROM duizhang_schema").fetchone()
                    i = int(got["version"]) if got else 0
                    if i >= len(MIGRATIONS):
                        break
                    self.conn.execute(MIGRATIONS[i])
                    if got:
                        self.conn.execute("UPDATE duizhang_schema SET version = %s", (i + 1,))
                    else:
                        self.conn.execute("INSERT INTO duizhang_schema (version) VALUES (%s)", (i + 1,))
        except psycopg.errors.InsufficientPrivilege as e:
            raise StoreError(f"{self.path}: not allowed to create the library's tables or the pg_trgm extension "
                             f"({str(e).strip()}); ask the server's administrator to run "
                             "'CREATE EXTENSION pg_trgm' in the database, or to let this user create tables") from e
        except psycopg.Error as e:
            raise self._error(e, "create or update") from e

    # -- transactions ----------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        # Nested transactions are savepoints (psycopg's own nesting).
        with self._ready().transaction():
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1

    @contextmanager
    def batch(self, max_documents: int = BATCH_DOCUMENTS, max_seconds: float = BATCH_SECONDS) -> Iterator[Batch]:
        # Every document commits on its own: the index costs nothing extra per commit
        # here, and another machine's writer never waits on this one's batch.
        yield Batch(max_documents, max_seconds)

    # -- what the interface asks of a backend ----------------------------

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> Sequence[Mapping[str, Any]]:
        return self._again(lambda c: c.execute(_sql(sql), _values(params)).fetchall())

    def _again(self, step: Callable[[psycopg.Connection[dict[str, Any]]], Any]) -> Any:
        """Run a statement; outside a transaction, once more on a new connection when
        the server dropped this one (what ran before the drop is not repeated)."""
        try:
            return step(self._ready())
        except psycopg.OperationalError:
            if self._depth or not self.conn.broken:
                raise
            return step(self._ready())

    def _run(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._ready().execute(_sql(sql), _values(params))

    def _query(self, sql: str, params: Sequence[Any]) -> Sequence[Mapping[str, Any]]:
        """A query planned for its own parameters (never a prepared, generic plan)."""
        rows: Sequence[Mapping[str, Any]] = self._again(
            lambda c: c.execute(_sql(sql), params, prepare=False).fetchall())
        return rows

    def _run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            with self._ready().cursor() as cur:
                cur.executemany(_sql(sql), [_values(r) for r in rows])

    def _insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        # COPY: one stream per table, where an INSERT per row cost a round of the
        # server's executor each.
        if not rows:
            return
        cols = ", ".join(f'"{c}"' for c in columns)
        with self._ready().cursor() as cur, cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(_values(row))

    def _new_ids(self, table: str, n: int) -> list[int]:
        if n == 0:
            return []
        rows = self.conn.execute(f"SELECT nextval('{table}_id_seq') AS id FROM generate_series(1, %s)", (n,))
        return [int(r["id"]) for r in rows.fetchall()]

    def _lock_report(self, report: Report) -> None:
        # Sorted, so that two writers take the two locks in one order (no deadlock).
        keys = sorted({f"sha256:{report.sha256}", f"fingerprint:{report.fingerprint}"})
        for key in keys:
            self.conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (key,))

    def _duplicate(self, e: BaseException) -> bool:
        return isinstance(e, pg_errors.UniqueViolation) and "sha256" in str(e)

    def _bad_value(self, e: BaseException) -> bool:
        return isinstance(e, psycopg.DataError)  # class 22: a value too long, out of range, not representable

    def _delete(self, doc_id: int) -> None:
        self.conn.execute("DELETE FROM documents WHERE id = %s", (doc_id,))  # cascades to everything of it

    def _index_sentences(self, doc_id: int, text: str, sentences: list[tuple[int, int, int | None, str]]) -> None:
        if not sentences:
            return
        self._insert_rows("sentences", ["doc_id", "start", "end", "section", "body"],
                          [(doc_id, a, b, sec, search_body(text[a:b])) for a, b, sec, _ in sentences])

    def _error(self, e: BaseException, doing: str) -> StoreError:
        if isinstance(e, pg_errors.DiskFull) or (isinstance(e, OSError) and e.errno == 28):
            return StoreError(f"{self.path}: the server's disk is full; nothing of the document being stored was "
                              "written (every document stored before it is complete)")
        if isinstance(e, pg_errors.ReadOnlySqlTransaction):
            return StoreError(f"{self.path}: opened read-only; cannot {doing} the library")
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        if isinstance(e, psycopg.OperationalError):
            return StoreError(f"{self.path}: lost the connection to the PostgreSQL server (trying to {doing}: "
                              f"{first})")
        return StoreError(f"{self.path}: cannot {doing} the library ({first})")

    # -- search ----------------------------------------------------------

    def search(self, query: str, region_codes: Sequence[str] | None = None, year: int | None = None,
               limit: int = 50, offset: int = 0) -> tuple[int, list[SearchHit]]:
        parts = search_parts(query)
        if not parts:
            return 0, []
        where, params = self._filters(region_codes, None, year, None)
        # Parts of three characters and more are looked up in the trigram index (LIKE);
        # shorter ones have no trigram and are found by reading every sentence (strpos:
        # LIKE there made the planner scan the whole index). The parts hold no % or _
        # (search_body turns punctuation into one mark and drops _), so LIKE takes them
        # as they are.
        for p in parts:
            if len(p) >= 3:
                where += " AND s.body LIKE ?"
                params.append(f"%{p}%")
            else:
                where += " AND strpos(s.body, ?) > 0"
                params.append(p)
        # Planned for these words each time (prepare=False): a plan kept for any word
        # served a long one's index scan to a short one.
        total = int(self._query(
            f"SELECT COUNT(*) AS n FROM sentences s JOIN documents d ON d.id = s.doc_id WHERE {where}", params)[0]["n"])
        rows = self._query(page_of_hits(where, " NULLS LAST"), [*params, limit, offset])
        return total, [SearchHit(r["doc_id"], r["doc"], r["region"], r["section"], r["sentence"], r["start"], r["end"])
                       for r in rows]

    def size_bytes(self) -> int:
        row = self.conn.execute("SELECT pg_database_size(current_database()) AS n").fetchone()
        return int(row["n"]) if row else 0

    def analyze(self) -> None:
        try:
            self.conn.execute("ANALYZE")
        except psycopg.Error:
            pass  # the statistics are a help to the planner, never needed
