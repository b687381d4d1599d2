"""The SQLite library's schema: numbered migrations from the first file format on.

Each entry brings the schema from version i to i+1 (SQL, or a function of the
connection where rows must be rewritten in Python); the version is SQLite's
``user_version``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from ..fulltext import CREATE_INDEX, index_body
from .packing import pack, pack_spans, pack_text, unpack_spans, unpack_text

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
    # 8: a sentence's id says its document (``sentence_id``), so that a search counts
    # and pages its hits by document from the index alone, without a lookup per hit
    # (a one-character word has tens of thousands of hits in 2,000 reports).
    lambda conn: _migrate_8(conn),
    # 9: a report's text stored zlib-compressed (2.9 to 1.2 bytes a character), read in
    # SQL with sqlar_uncompress as the sqlite3 shell has it; a sentence row no longer
    # repeats its document's id (its id says it) nor has an index on it; a figure's
    # context is read from the text, not stored again: the library went from 9.1 to
    # about 6.5 bytes per character of text.
    lambda conn: _migrate_9(conn),
    # 10: a document's sentence spans are one JSON value of its contents row, not a
    # row each (0.4 to 0.1 bytes per character), and the sentence_texts view reads
    # them with json_each; sentence ids of 20 bits (SENTENCE_BITS), the index rebuilt
    # under them: with 对账单 reasons not stored twice, 6.4 to 5.9 bytes per character.
    lambda conn: _migrate_10(conn),
]

#: The last migration that frees much of the file: a library that crosses it is
#: vacuumed once, to give the space back.
LAST_COMPACTING = 10

#: A sentence's id is its document's id shifted by this many bits plus its number in
#: the document: room for a million sentences a document (a long national report has
#: two thousand; sentences past that are not indexed). 20 bits, not the 24 of
#: migrations 8 and 9: a term's entry for the next document is then a 3-byte step in
#: the full-text index, not 4 (2.70 → 2.62 bytes per character).
SENTENCE_BITS = 20

#: The sentence-id bits of schemas 8 and 9.
SENTENCE_BITS_8 = 24


def sentence_id(doc_id: int, n: int) -> int:
    """The id of a document's ``n``-th sentence (from 0), and its index row id.

    >>> sentence_id(3, 0) >> SENTENCE_BITS, sentence_id(3, 5) - sentence_id(3, 0)
    (3, 5)
    """
    return (doc_id << SENTENCE_BITS) + n


#: The view of each sentence with its text as migration 6 made it (and 8 again).
SENTENCE_TEXTS_8 = """
    CREATE VIEW sentence_texts AS
        SELECT s.id, s.doc_id, d.name AS doc, d.region, d.region_code, s.start, s."end",
               substr(c.text, s.start + 1, s."end" - s.start) AS text
        FROM sentences s JOIN documents d ON d.id = s.doc_id JOIN contents c ON c.doc_id = s.doc_id;
"""

#: The view of each sentence with its text as migration 9 made it: a document's
#: sentences are the id range of its ``sentence_id``, its text the stored text
#: uncompressed (``sqlar_uncompress``).
SENTENCE_TEXTS_9 = f"""
    CREATE VIEW sentence_texts AS
        SELECT s.id, d.id AS doc_id, d.name AS doc, d.region, d.region_code, s.start, s."end",
               substr(CAST(sqlar_uncompress(c.text, c.text_size) AS TEXT), s.start + 1, s."end" - s.start) AS text
        FROM documents d JOIN contents c ON c.doc_id = d.id
        JOIN sentences s ON s.id BETWEEN d.id << {SENTENCE_BITS_8} AND (d.id << {SENTENCE_BITS_8}) + {(1 << SENTENCE_BITS_8) - 1};
"""


#: The view of each sentence with its text since migration 10: the spans of
#: ``contents.sentences`` (see ``packing.pack_spans``) read with ``json_each``, a
#: sentence's start the sum of the spans before it (a subquery, not a window: a
#: window over every document sorted the whole library before the first row), its id
#: ``sentence_id(doc_id, its number)`` as before.
SENTENCE_TEXTS = f"""
    CREATE VIEW sentence_texts AS
        SELECT s.id, d.id AS doc_id, d.name AS doc, d.region, d.region_code, s.start, s.start + s.n AS "end",
               substr(CAST(sqlar_uncompress(c.text, c.text_size) AS TEXT), s.start + 1, s.n) AS text
        FROM (SELECT p.doc_id, j.value AS n,
                     (p.doc_id << {SENTENCE_BITS})
                     + (SELECT COUNT(*) FROM json_each(p.sentences) e WHERE e.key < j.key AND e.value > 0) AS id,
                     COALESCE((SELECT SUM(abs(e.value)) FROM json_each(p.sentences) e WHERE e.key < j.key), 0) AS start
              FROM contents p, json_each(p.sentences) j WHERE j.value > 0) s
        JOIN documents d ON d.id = s.doc_id JOIN contents c ON c.doc_id = s.doc_id;
"""


def statements(script: str) -> list[str]:
    """Split a migration script into statements (no semicolons inside our DDL)."""
    return [s.strip() for s in script.split(";") if s.strip()]


def sentence_bodies(conn: sqlite3.Connection, doc_id: int) -> list[tuple[int, str]]:
    """(sentence id, index body) of a stored document, from its text and spans."""
    row = conn.execute("SELECT text, sentences FROM contents WHERE doc_id = ?", (doc_id,)).fetchone()
    if row is None:
        return []
    text = unpack_text(row[0])
    return [(sentence_id(doc_id, k), index_body(text[a:b])) for k, (a, b) in enumerate(unpack_spans(row[1]))]


def _sentence_bodies_8(conn: sqlite3.Connection, doc_id: int) -> list[tuple[int, str]]:
    """:func:`sentence_bodies` of a library before migration 9 (plain text, a
    ``doc_id`` column on sentences)."""
    text = conn.execute("SELECT text FROM contents WHERE doc_id = ?", (doc_id,)).fetchone()[0]
    rows = conn.execute('SELECT id, start, "end" FROM sentences WHERE doc_id = ? ORDER BY id', (doc_id,))
    return [(int(i), index_body(text[a:b])) for i, a, b in rows]


def _migrate_5(conn: sqlite3.Connection) -> None:
    conn.execute(CREATE_INDEX)
    conn.execute("ALTER TABLE contents ADD COLUMN raw_codec TEXT")
    for (doc_id,) in conn.execute("SELECT doc_id FROM contents").fetchall():
        conn.executemany("INSERT INTO sentence_index (rowid, body) VALUES (?, ?)", _sentence_bodies_8(conn, doc_id))
        raw = conn.execute("SELECT raw FROM contents WHERE doc_id = ?", (doc_id,)).fetchone()[0]
        packed, codec = pack(bytes(raw))
        if codec is not None:
            conn.execute("UPDATE contents SET raw = ?, raw_codec = ? WHERE doc_id = ?", (packed, codec, doc_id))
    conn.execute("DROP TABLE sentences_fts")


def _migrate_8(conn: sqlite3.Connection) -> None:
    conn.execute("DROP VIEW IF EXISTS sentence_texts")
    conn.execute("""CREATE TABLE sentences_new (
        id INTEGER PRIMARY KEY,
        doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        start INTEGER NOT NULL, "end" INTEGER NOT NULL, section INTEGER)""")
    conn.execute(f"""INSERT INTO sentences_new (id, doc_id, start, "end", section)
        SELECT (doc_id << {SENTENCE_BITS_8}) + ROW_NUMBER() OVER (PARTITION BY doc_id ORDER BY id) - 1,
               doc_id, start, "end", section FROM sentences""")
    conn.execute("DROP TABLE sentences")
    conn.execute("ALTER TABLE sentences_new RENAME TO sentences")
    conn.execute("CREATE INDEX sentences_doc ON sentences(doc_id)")
    # The index is rebuilt under the new ids (a contentless index cannot be renumbered).
    conn.execute("DROP TABLE sentence_index")
    conn.execute(CREATE_INDEX)
    for (doc_id,) in conn.execute("SELECT id FROM documents").fetchall():
        conn.executemany("INSERT INTO sentence_index (rowid, body) VALUES (?, ?)", _sentence_bodies_8(conn, doc_id))
    for stmt in statements(SENTENCE_TEXTS_8):
        conn.execute(stmt)


def _migrate_9(conn: sqlite3.Connection) -> None:
    conn.execute("DROP VIEW IF EXISTS sentence_texts")
    conn.execute("ALTER TABLE contents ADD COLUMN text_size INTEGER")
    conn.execute("ALTER TABLE contents ADD COLUMN text_chars INTEGER")
    for (doc_id,) in conn.execute("SELECT doc_id FROM contents").fetchall():
        text = conn.execute("SELECT text FROM contents WHERE doc_id = ?", (doc_id,)).fetchone()[0]
        stored, size = pack_text(text)
        conn.execute("UPDATE contents SET text = ?, text_size = ?, text_chars = ? WHERE doc_id = ?",
                     (stored, size, len(text), doc_id))
    conn.execute("UPDATE mentions SET context = NULL")  # read from the text since (Store._figures)
    # Four figures in five have no core indicator: the index of figures by indicator
    # holds those that have one (what compare asks for), a fifth of its size.
    conn.execute("DROP INDEX mentions_metric")
    conn.execute("CREATE INDEX mentions_metric ON mentions(metric_id, kind, year) WHERE metric_id IS NOT NULL")
    conn.execute("""CREATE TABLE sentences_new (
        id INTEGER PRIMARY KEY, start INTEGER NOT NULL, "end" INTEGER NOT NULL, section INTEGER)""")
    conn.execute('INSERT INTO sentences_new (id, start, "end", section) SELECT id, start, "end", section FROM sentences')
    conn.execute("DROP TABLE sentences")
    conn.execute("ALTER TABLE sentences_new RENAME TO sentences")
    for stmt in statements(SENTENCE_TEXTS_9):
        conn.execute(stmt)


def _migrate_10(conn: sqlite3.Connection) -> None:
    conn.execute("DROP VIEW IF EXISTS sentence_texts")
    conn.execute("ALTER TABLE contents ADD COLUMN sentences TEXT")
    spans: dict[int, list[tuple[int, int]]] = {}
    for i, a, b in conn.execute('SELECT id, start, "end" FROM sentences ORDER BY id'):
        spans.setdefault(int(i) >> SENTENCE_BITS_8, []).append((int(a), int(b)))
    for (doc_id,) in conn.execute("SELECT doc_id FROM contents").fetchall():
        kept = spans.get(doc_id, [])[: 1 << SENTENCE_BITS]
        conn.execute("UPDATE contents SET sentences = ? WHERE doc_id = ?", (pack_spans(kept), doc_id))
    conn.execute("DROP TABLE sentences")
    # The index is rebuilt under ids of SENTENCE_BITS (a contentless index cannot be renumbered).
    conn.execute("DROP TABLE sentence_index")
    conn.execute(CREATE_INDEX)
    for (doc_id,) in conn.execute("SELECT doc_id FROM contents").fetchall():
        conn.executemany("INSERT INTO sentence_index (rowid, body) VALUES (?, ?)", sentence_bodies(conn, doc_id))
    for stmt in statements(SENTENCE_TEXTS):
        conn.execute(stmt)
