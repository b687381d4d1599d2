"""The PostgreSQL library's schema: numbered migrations, the same tables as the
SQLite file's latest schema (``sqlite_schema.py``) with PostgreSQL's types, and
each sentence's search body under a trigram index in place of SQLite's FTS5 table.

The version is the one row of ``duizhang_schema``.
"""

from __future__ import annotations

#: Held while migrating, so that two machines opening a new library take turns.
MIGRATION_LOCK = 0x64757A68  # "duzh"

MIGRATIONS: list[str] = [
    # 1: the schema of SQLite version 7, and the sentences' search bodies
    """
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE TABLE documents (
        id BIGSERIAL PRIMARY KEY,
        sha256 TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        source TEXT,
        encoding TEXT, format TEXT,
        title TEXT, region TEXT, region_code TEXT, level TEXT, doctype TEXT,
        delivered_date TEXT, published_date TEXT, session TEXT, speaker TEXT, speaker_title TEXT,
        review_years TEXT NOT NULL DEFAULT '[]', plan_years TEXT NOT NULL DEFAULT '[]',
        body_start INTEGER, body_end INTEGER,
        n_mentions INTEGER NOT NULL DEFAULT 0, n_targets INTEGER NOT NULL DEFAULT 0,
        warnings TEXT NOT NULL DEFAULT '[]',
        parser_version TEXT NOT NULL,
        added_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        fingerprint TEXT,
        region_now TEXT, region_now_code TEXT,
        ocr_confidence DOUBLE PRECISION
    );
    CREATE INDEX documents_region_name ON documents(region_code, region);
    CREATE INDEX documents_fingerprint ON documents(fingerprint);
    CREATE INDEX documents_region_now ON documents(region_now_code);
    CREATE TABLE contents (
        doc_id BIGINT PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
        raw BYTEA NOT NULL,
        text TEXT NOT NULL,
        raw_codec TEXT
    );
    CREATE TABLE doc_years (
        doc_id BIGINT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        year INTEGER NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('review', 'plan')),
        PRIMARY KEY (doc_id, role, year)
    );
    CREATE INDEX doc_years_year ON doc_years(year, role);
    CREATE TABLE sections (
        id BIGSERIAL PRIMARY KEY,
        doc_id BIGINT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        start INTEGER NOT NULL, "end" INTEGER NOT NULL, heading_end INTEGER NOT NULL,
        level INTEGER NOT NULL, title TEXT, role TEXT, parent INTEGER,
        UNIQUE (doc_id, idx)
    );
    CREATE TABLE spans (
        doc_id BIGINT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        start INTEGER NOT NULL, "end" INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('boilerplate', 'duplicate')),
        reason TEXT
    );
    CREATE INDEX spans_doc ON spans(doc_id);
    CREATE TABLE mentions (
        id BIGSERIAL PRIMARY KEY,
        doc_id BIGINT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL,
        value DOUBLE PRECISION, value_max DOUBLE PRECISION, unit TEXT, kind TEXT, direction INTEGER,
        qualifier TEXT, stance TEXT, metric TEXT, metric_id TEXT, year INTEGER,
        section INTEGER, context TEXT,
        section_id BIGINT REFERENCES sections(id) ON DELETE CASCADE
    );
    CREATE INDEX mentions_doc ON mentions(doc_id);
    CREATE INDEX mentions_metric ON mentions(metric_id, kind, year);
    CREATE INDEX mentions_section ON mentions(section_id);
    CREATE TABLE sentences (
        id BIGSERIAL PRIMARY KEY,
        doc_id BIGINT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        start INTEGER NOT NULL, "end" INTEGER NOT NULL, section INTEGER,
        body TEXT NOT NULL
    );
    CREATE INDEX sentences_doc ON sentences(doc_id);
    CREATE INDEX sentences_body ON sentences USING gin (body gin_trgm_ops);
    CREATE TABLE recon_rows (
        id BIGSERIAL PRIMARY KEY,
        region_code TEXT NOT NULL, region TEXT, year INTEGER NOT NULL,
        metric TEXT, metric_id TEXT, kind TEXT,
        status TEXT NOT NULL CHECK (status IN ('achieved', 'missed', 'not_reported', 'no_target', 'unclear')),
        ratio DOUBLE PRECISION, confidence DOUBLE PRECISION, note TEXT, reason TEXT,
        target_doc_id BIGINT, target_doc TEXT, target_start INTEGER, target_end INTEGER, target_text TEXT,
        target_value DOUBLE PRECISION, target_value_max DOUBLE PRECISION, target_qualifier TEXT, target_sentence TEXT,
        outcome_doc_id BIGINT, outcome_doc TEXT, outcome_start INTEGER, outcome_end INTEGER, outcome_text TEXT,
        outcome_value DOUBLE PRECISION, outcome_value_max DOUBLE PRECISION, outcome_qualifier TEXT,
        outcome_sentence TEXT,
        details TEXT NOT NULL DEFAULT '[]'
    );
    CREATE INDEX recon_rows_region_year ON recon_rows(region_code, year);
    CREATE INDEX recon_rows_metric ON recon_rows(metric_id);
    CREATE TABLE recon_state (
        region_code TEXT PRIMARY KEY,
        refreshed_at TIMESTAMPTZ NOT NULL DEFAULT now()
    );
    CREATE VIEW figures AS
        SELECT m.id, m.doc_id, d.name AS doc, d.region, d.region_code, d.level, d.doctype, d.delivered_date,
               m.start, m."end", m.text, m.value, m.value_max, m.unit, m.kind, m.direction, m.qualifier, m.stance,
               m.metric, m.metric_id, m.year, m.section_id, sec.title AS section_title, sec.role AS section_role
        FROM mentions m JOIN documents d ON d.id = m.doc_id LEFT JOIN sections sec ON sec.id = m.section_id;
    CREATE VIEW targets AS SELECT * FROM figures WHERE stance = 'target';
    CREATE VIEW sentence_texts AS
        SELECT s.id, s.doc_id, d.name AS doc, d.region, d.region_code, s.start, s."end",
               substr(c.text, s.start + 1, s."end" - s.start) AS text
        FROM sentences s JOIN documents d ON d.id = s.doc_id JOIN contents c ON c.doc_id = s.doc_id;
    """,
]
