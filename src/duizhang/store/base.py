"""The store interface: what the library asks of its database, in model objects.

One abstract :class:`Store` holds the SQL that every backend shares (standard SQL
with ``?`` placeholders; a backend translates them) and the mapping between rows
and model objects. A backend gives the connection, transactions, identifiers,
the full-text index and its search, and its migrations: SQLite (``sqlite.py``,
one embedded file) and PostgreSQL (``postgres.py``, a team's server).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from ..model import (
    Figure,
    Mention,
    ReconRow,
    Report,
    SearchHit,
    Section,
    StoredDocument,
    clause_before,
)
from .errors import AlreadyStored, DocumentRefused, SameReport, StoreError
from .packing import STORED_MENTION_COLUMNS, Prepared, prepare, unpack, unpack_text
from .rows import DOCUMENT_SELECT, MENTION_SELECT, RECON_FIELDS, document_of, mention_of, record_of, row_of

#: A batch of documents commits after this many documents or seconds, whichever comes
#: first (where the backend batches: SQLite, whose full-text index flushes at every
#: commit); a second bounds what another writer waits and what a kill loses.
BATCH_DOCUMENTS = 50
BATCH_SECONDS = 1.0


@dataclass
class Batch:
    """Documents stored since the last commit of a :meth:`Store.batch`."""

    max_documents: int
    max_seconds: float
    uncommitted: int = 0
    #: Documents stored in the batch and then rolled back with it (a full disk).
    lost: int = 0
    opened: float = 0.0
    #: (sentence id, index body) of the documents not yet committed
    index: list[tuple[int, str]] = field(default_factory=list)




class Store(ABC):
    """A library: documents (raw bytes kept), sections, figures, the full-text index
    and the stored 对账单. Open one with :func:`duizhang.store.open_store`."""

    #: ``sqlite`` or ``postgresql``
    backend: str
    #: The library as the user named it (a file, or a URL without its password).
    path: str

    @property
    def location(self) -> str:
        """What opens this library again in another process (``open_store``)."""
        return self.path
    read_only: bool

    # -- what a backend gives --------------------------------------------

    @abstractmethod
    def _rows(self, sql: str, params: Sequence[Any] = ()) -> Sequence[Mapping[str, Any]]:
        """The rows of one query (``?`` placeholders), each readable by column name."""

    @abstractmethod
    def _run(self, sql: str, params: Sequence[Any] = ()) -> None: ...

    @abstractmethod
    def _run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...

    @abstractmethod
    def transaction(self) -> AbstractContextManager[None]:
        """One write transaction, rolled back on any error without hiding it."""

    @abstractmethod
    def batch(self, max_documents: int = BATCH_DOCUMENTS, max_seconds: float = BATCH_SECONDS
              ) -> AbstractContextManager[Batch]:
        """Store many documents with few commits where that pays; each document is
        still whole or absent (``Batch.lost`` counts any rolled back with the batch)."""

    def commit(self) -> None:  # noqa: B027 - a backend that commits each document has nothing to do
        """Commit the open batch's documents (nothing to do where each is committed)."""

    @property
    def uncommitted(self) -> int:
        """Documents of the open batch not yet committed (0 where each is committed)."""
        return 0

    def _insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Many rows into one table (a backend may have a faster way than INSERT)."""
        if rows:
            cols = ", ".join(f'"{c}"' for c in columns)
            self._run_many(f"INSERT INTO {table} ({cols}) VALUES ({','.join('?' * len(columns))})", rows)

    @abstractmethod
    def _new_ids(self, table: str, n: int) -> list[int]:
        """``n`` fresh ids for rows of ``sections`` or ``sentences``."""

    @abstractmethod
    def _index_sentences(self, doc_id: int, text: str, sentences: list[tuple[int, int, int | None, str]]) -> None: ...

    @abstractmethod
    def _delete(self, doc_id: int) -> None:
        """Remove a document and everything of it, its index entries too."""

    @abstractmethod
    def _lock_report(self, report: Report) -> None:
        """Inside a write transaction: no other writer may store these bytes or this
        fingerprint until it ends (so two writers cannot both add one report)."""

    @abstractmethod
    def _duplicate(self, e: BaseException) -> bool:
        """Whether a failed write broke the unique sha256 (another writer was first)."""

    @abstractmethod
    def _bad_value(self, e: BaseException) -> bool:
        """Whether a failed write refused one of the document's values (too big, not
        representable), so that only this document fails."""

    @abstractmethod
    def _error(self, e: BaseException, doing: str) -> StoreError:
        """One line for the user: what happened to the library and what it means."""

    #: The backend's database errors (with OSError), caught and told as StoreError.
    errors: tuple[type[BaseException], ...]

    @abstractmethod
    def search(self, query: str, region_codes: Sequence[str] | None = None, year: int | None = None,
               limit: int = 50, offset: int = 0) -> tuple[int, list[SearchHit]]:
        """Sentences holding every space-separated part of ``query`` (any substring,
        one character and up), newest documents first: (total, one page of hits)."""

    @abstractmethod
    def analyze(self) -> None:
        """Refresh the query planner's statistics (after adding documents)."""

    @property
    @abstractmethod
    def version(self) -> int:
        """The schema version of the library."""

    #: Whether the backend stores a report's text compressed (packing.pack_text), so
    #: that the parsing worker compresses it: SQLite does; PostgreSQL compresses long
    #: values itself.
    packs_text = False

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def size_bytes(self) -> int:
        """What the library takes on disk (the file, or the server's database)."""

    def text_chars(self) -> int:
        """Characters of report text held."""
        return int(self._rows("SELECT COALESCE(SUM(length(text)), 0) AS n FROM contents")[0]["n"])

    # -- writing ---------------------------------------------------------

    def has(self, sha256: str) -> int | None:
        """The id of the stored document with these bytes, if any."""
        rows = self._rows("SELECT id FROM documents WHERE sha256 = ?", (sha256,))
        return int(rows[0]["id"]) if rows else None

    def same_report(self, fingerprint: str) -> tuple[int, str] | None:
        """The stored document (id, source) with this text fingerprint, if any."""
        if not fingerprint:
            return None
        rows = self._rows("SELECT id, COALESCE(source, name) AS source FROM documents WHERE fingerprint = ? "
                          "ORDER BY id LIMIT 1", (fingerprint,))
        return (int(rows[0]["id"]), str(rows[0]["source"])) if rows else None

    def put(self, report: Report, raw: bytes, parser_version: str, same_text: bool = True,
            prepared: Prepared | None = None) -> int:
        """Store one parsed report whole or not at all; returns its id.

        Raises :class:`AlreadyStored` if the same bytes are stored (by another writer
        since the caller looked), :class:`StoreError` if the library cannot be written.
        With ``same_text=False`` a report whose text fingerprint is already stored is
        refused with :class:`SameReport` (checked under the writer's lock, so two
        writers cannot both add it).
        """
        twin: tuple[int, str] | None = None
        found: int | None = None
        try:
            with self.transaction():
                self._lock_report(report)
                found = self.has(report.sha256)
                twin = None if same_text or found is not None else self.same_report(report.fingerprint)
                if found is None and twin is None:
                    return self._insert(report, prepared or prepare(report, raw, self.packs_text), parser_version)
        except self.errors as e:
            if self._duplicate(e):
                raise AlreadyStored(self.has(report.sha256) or 0) from e
            if self._bad_value(e):
                raise DocumentRefused(f"{report.doc}: not stored, the database refused a value of it ({e})") from e
            raise self._error(e, f"store {report.doc}") from e
        if twin is not None:
            raise SameReport(*twin)
        raise AlreadyStored(found or 0)

    def replace(self, doc_id: int, report: Report, parser_version: str) -> None:
        """Re-store the parse of a document already in the library (same raw bytes)."""
        try:
            with self.transaction():
                raw = self.raw_bytes(doc_id)
                self._delete(doc_id)
                self._insert(report, prepare(report, raw, self.packs_text), parser_version, doc_id=doc_id)
        except self.errors as e:
            raise self._error(e, f"store document {doc_id}") from e

    def _insert(self, r: Report, p: Prepared, parser_version: str, doc_id: int | None = None) -> int:
        # Every row comes from ``p`` (made where the report was parsed); of ``r`` only its
        # text is read (see packing.light).
        values = {**p.document, "parser_version": parser_version}
        if doc_id is not None:
            values["id"] = doc_id
        cols = ", ".join(values)
        rows = self._rows(f"INSERT INTO documents ({cols}) VALUES ({','.join('?' * len(values))}) RETURNING id",
                          list(values.values()))
        doc_id = int(rows[0]["id"])
        self._put_contents(doc_id, r.text, p)
        self._insert_rows("doc_years", ["doc_id", "year", "role"], [(doc_id, *y) for y in p.years])
        # Section ids given here, so that each figure can name its section's id.
        section_ids = self._new_ids("sections", len(p.sections))
        self._insert_rows(
            "sections", ["id", "doc_id", "idx", "start", "end", "heading_end", "level", "title", "role", "parent"],
            [(section_ids[s[0]], doc_id, *s) for s in p.sections],
        )
        self._insert_rows("spans", ["doc_id", "start", "end", "kind", "reason"], [(doc_id, *s) for s in p.spans])
        # A figure's context is not stored: it is words of the text before it, read
        # back from the text (_figures); storing it was 0.55 bytes per character.
        self._insert_rows(
            "mentions", ["doc_id", *STORED_MENTION_COLUMNS, "section_id"],
            [(doc_id, *x[:-1], section_ids[x[-1]] if x[-1] is not None else None) for x in p.mentions],
        )
        self._index_sentences(doc_id, r.text, p.sentences)
        return doc_id

    def _put_contents(self, doc_id: int, text: str, p: Prepared) -> None:
        """A document's raw bytes and text (kept as it is: PostgreSQL compresses long
        values itself)."""
        self._run("INSERT INTO contents (doc_id, raw, text, raw_codec) VALUES (?,?,?,?)", (doc_id, p.raw, text, p.codec))

    # -- the stored 对账单 ------------------------------------------------

    def replace_recon(self, region_code: str, rows: Sequence[ReconRow]) -> None:
        """Replace a region's stored 对账单 rows in one transaction and mark it up to date."""
        cols = ", ".join(f'"{f}"' for f in RECON_FIELDS)
        records = [record_of(r) for r in rows]
        try:
            with self.transaction():
                self._run("DELETE FROM recon_rows WHERE region_code = ?", (region_code,))
                self._run_many(f"INSERT INTO recon_rows ({cols}) VALUES ({','.join('?' * len(RECON_FIELDS))})",
                               [tuple(r.get(f) for f in RECON_FIELDS) for r in records])
                self._run("INSERT INTO recon_state (region_code, refreshed_at) VALUES (?, CURRENT_TIMESTAMP) "
                          "ON CONFLICT (region_code) DO UPDATE SET refreshed_at = excluded.refreshed_at",
                          (region_code,))
        except self.errors as e:
            raise self._error(e, "store the 对账单 of a region") from e

    def recon_fresh(self) -> set[str]:
        """Regions whose stored 对账单 is up to date."""
        return {str(r["region_code"]) for r in self._rows("SELECT region_code FROM recon_state")}

    def forget_recon(self, region_codes: Sequence[str] | None = None) -> None:
        """Mark regions' stored rows (all if None) as out of date."""
        if region_codes is None:
            self._run("DELETE FROM recon_state")
        else:
            self._run_many("DELETE FROM recon_state WHERE region_code = ?", [(c,) for c in region_codes])

    def recon_rows(self, region_code: str, year: int | None = None) -> list[ReconRow]:
        """A region's stored 对账单 rows (of one year)."""
        sql = "SELECT * FROM recon_rows WHERE region_code = ?" + (" AND year = ?" if year else "")
        return [row_of(r) for r in self._rows(sql + " ORDER BY year, id", (region_code, year) if year else (region_code,))]

    def recon_status(self, metric_id: str) -> dict[tuple[str, int], str]:
        """The stored status of each region's and year's row of one indicator."""
        out: dict[tuple[str, int], str] = {}
        for r in self._rows("SELECT region_code, year, status FROM recon_rows WHERE metric_id = ? ORDER BY id",
                            (metric_id,)):
            out.setdefault((str(r["region_code"]), int(r["year"])), str(r["status"]))
        return out

    # -- reading documents -----------------------------------------------

    def document(self, doc_id: int) -> StoredDocument | None:
        rows = self._rows(f"SELECT {DOCUMENT_SELECT} FROM documents d WHERE d.id = ?", (doc_id,))
        return document_of(rows[0]) if rows else None

    def documents_by_id(self, doc_ids: Sequence[int]) -> dict[int, StoredDocument]:
        ids = sorted(set(doc_ids))
        if not ids:
            return {}
        rows = self._rows(f"SELECT {DOCUMENT_SELECT} FROM documents d WHERE d.id IN ({','.join('?' * len(ids))})", ids)
        return {int(r["id"]): document_of(r) for r in rows}

    def document_ids(self) -> list[int]:
        return [int(r["id"]) for r in self._rows("SELECT id FROM documents ORDER BY id")]

    def _filters(self, region_codes: Sequence[str] | None, level: str | None, year: int | None,
                 doctype: str | None) -> tuple[str, list[Any]]:
        where: list[str] = ["1=1"]
        params: list[Any] = []
        if region_codes is not None:
            where.append(f"d.region_code IN ({','.join('?' * len(region_codes)) or 'NULL'})")
            params += list(region_codes)
        if year:
            where.append("d.id IN (SELECT doc_id FROM doc_years WHERE year = ?)")
            params.append(year)
        if level:
            where.append("d.level = ?")
            params.append(level)
        if doctype:
            where.append("d.doctype = ?")
            params.append(doctype)
        return " AND ".join(where), params

    def documents(self, region_codes: Sequence[str] | None = None, level: str | None = None,
                  year: int | None = None, doctype: str | None = None, limit: int | None = None,
                  offset: int = 0) -> list[StoredDocument]:
        """Documents by region code, level, a year they review or plan and type; one page
        with ``limit``/``offset``; ordered by region, delivery date and name."""
        where, params = self._filters(region_codes, level, year, doctype)
        page = f" LIMIT {int(limit)} OFFSET {int(offset)}" if limit is not None else ""
        rows = self._rows(f"SELECT {DOCUMENT_SELECT} FROM documents d WHERE {where} "
                          f"ORDER BY d.region_code NULLS FIRST, d.delivered_date NULLS FIRST, d.name, d.id{page}", params)
        return [document_of(r) for r in rows]

    def count_documents(self, region_codes: Sequence[str] | None = None, level: str | None = None,
                        year: int | None = None, doctype: str | None = None) -> int:
        where, params = self._filters(region_codes, level, year, doctype)
        return int(self._rows(f"SELECT COUNT(*) AS n FROM documents d WHERE {where}", params)[0]["n"])

    def unit_documents(self, code: str) -> list[StoredDocument]:
        """The documents of one unit, in order of delivery: those under its code and,
        for a unit re-coded since (徐水县 130625 → 徐水区 130609), those whose unit of
        today it is."""
        rows = self._rows(f"SELECT {DOCUMENT_SELECT} FROM documents d WHERE d.region_code = ? OR d.region_now_code = ? "
                          "ORDER BY d.delivered_date NULLS FIRST, d.id", (code, code))
        return [document_of(r) for r in rows]

    def regions(self) -> list[tuple[str, str, str | None, str | None]]:
        """Every unit held: (code, name, code of today, name of today), by code."""
        rows = self._rows("SELECT DISTINCT region_code, region, region_now_code, region_now FROM documents "
                          "WHERE region_code IS NOT NULL ORDER BY region_code")
        return [(str(r["region_code"]), r["region"] or "", r["region_now_code"], r["region_now"]) for r in rows]

    def text(self, doc_id: int) -> str:
        rows = self._rows("SELECT text FROM contents WHERE doc_id = ?", (doc_id,))
        if not rows:
            raise StoreError(f"{self.path}: no document {doc_id}")
        return unpack_text(rows[0]["text"])

    def raw_bytes(self, doc_id: int) -> bytes:
        """A document's raw bytes, byte-identical to the file it was read from."""
        rows = self._rows("SELECT raw, raw_codec FROM contents WHERE doc_id = ?", (doc_id,))
        if not rows:
            raise StoreError(f"{self.path}: no document {doc_id}")
        codec = rows[0]["raw_codec"]
        text = self.text(doc_id) if codec and codec.startswith("text:") else None
        return unpack(bytes(rows[0]["raw"]), codec, text)

    def sections(self, doc_id: int) -> list[Section]:
        """A document's section tree, in order (``parent`` is an index into the list)."""
        rows = self._rows('SELECT start, "end", heading_end, level, title, role, parent FROM sections '
                          "WHERE doc_id = ? ORDER BY idx", (doc_id,))
        return [Section(r["start"], r["end"], r["heading_end"], r["level"], r["title"], r["role"], r["parent"])
                for r in rows]

    def spans(self, doc_id: int) -> list[dict[str, Any]]:
        """A document's marked spans: boilerplate and duplicate copies, with reasons."""
        return [dict(r) for r in self._rows('SELECT start, "end", kind, reason FROM spans WHERE doc_id = ? '
                                            "ORDER BY start", (doc_id,))]

    # -- reading figures -------------------------------------------------

    def _figures(self, where: str, params: Sequence[Any], order: str = "d.delivered_date NULLS FIRST, d.id, m.start",
                 join: str = "", text_of: Callable[[int], str] | None = None) -> list[Figure]:
        """Figures as stored; with ``text_of`` (a document's text by id) each gets its
        context, the clause before it, from its document's text."""
        rows = self._rows(f"SELECT m.doc_id, d.name AS doc_name, d.region AS doc_region, d.region_code AS doc_code, "
                          f"{MENTION_SELECT} FROM mentions m JOIN documents d ON d.id = m.doc_id {join} "
                          f"WHERE {where} ORDER BY {order}", params)
        out = []
        for r in rows:
            m = mention_of(r, r["doc_name"])
            if text_of is not None and not m.context:  # a context is stored by SQLite libraries before 9 only
                m.context = clause_before(text_of(int(r["doc_id"])), m.start)
            out.append(Figure(m, int(r["doc_id"]), r["doc_region"], r["doc_code"]))
        return out

    def text_reader(self) -> Callable[[int], str]:
        """A document's text by id, each read once."""
        cache: dict[int, str] = {}

        def text_of(doc_id: int) -> str:
            if doc_id not in cache:
                cache[doc_id] = self.text(doc_id)
            return cache[doc_id]
        return text_of

    def mentions(self, doc_id: int) -> list[Mention]:
        """A document's figures in text order, each with its context."""
        return [f.mention for f in self._figures("m.doc_id = ?", (doc_id,), "m.start", text_of=self.text_reader())]

    def figures(self, doc_ids: Sequence[int], stances: Sequence[str],
                text_of: Callable[[int], str] | None = None) -> list[Figure]:
        """The figures of some documents with one of these stances, in delivery order,
        each with its context (``text_of``: a document's text by id, when the caller
        reads the texts anyway)."""
        if not doc_ids or not stances:
            return []
        return self._figures(f"m.doc_id IN ({','.join('?' * len(doc_ids))}) "
                             f"AND m.stance IN ({','.join('?' * len(stances))})", [*doc_ids, *stances],
                             text_of=text_of or self.text_reader())

    def all_figures(self, stance: str | None = None) -> list[Figure]:
        """Every stored figure (of one stance), by document and position (no context)."""
        return self._figures("m.stance = ?" if stance else "1=1", (stance,) if stance else (), "m.doc_id, m.start")

    def metric_figures(self, metric_id: str | None = None, phrase: str | None = None, kind: str | None = None,
                       region_codes: Sequence[str] | None = None) -> list[Figure]:
        """Dated figures of one indicator (a core id, or words of its phrase), by
        region, year, delivery and position: what ``compare`` tabulates (no context)."""
        where = ["m.year IS NOT NULL", "m.stance != 'other'"]
        params: list[Any] = []
        if metric_id:
            where.append("m.metric_id = ?")
            params.append(metric_id)
        if phrase:
            where.append("m.metric LIKE ?")
            params.append(f"%{phrase}%")
        if kind:
            where.append("m.kind = ?")
            params.append(kind)
        if region_codes is not None:
            where.append(f"d.region_code IN ({','.join('?' * len(region_codes)) or 'NULL'})")
            params += list(region_codes)
        return self._figures(" AND ".join(where), params, "d.region_code NULLS FIRST, m.year, d.delivered_date NULLS FIRST, m.start")

    def target_kind(self, metric_id: str | None = None, phrase: str | None = None) -> str | None:
        """The kind most targets of an indicator are given in (gdp: growth)."""
        cond, param = ("m.metric_id = ?", metric_id) if metric_id else ("m.metric LIKE ?", f"%{phrase}%")
        rows = self._rows(f"SELECT m.kind, COUNT(*) AS n FROM mentions m WHERE {cond} AND m.stance = 'target' "
                          "GROUP BY m.kind ORDER BY n DESC, m.kind LIMIT 1", (param,))
        return str(rows[0]["kind"]) if rows else None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
