"""The store's schema: numbered migrations bring an old library file up to date, data kept."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from duizhang.store.sqlite import SQLiteStore as Store
from duizhang.store.sqlite_schema import MIGRATIONS
from duizhang.store.sqlite_schema import statements as _statements


def test_fresh_store_is_at_the_latest_version(tmp_path: Path) -> None:
    s = Store(tmp_path / "a.db")
    assert s.version == len(MIGRATIONS)
    s.close()


def _old_library(path: Path, version: int) -> sqlite3.Connection:
    """A library file left at schema ``version`` (the connection stays open for more rows)."""
    c = sqlite3.connect(path)
    for migration in MIGRATIONS[:version]:
        for stmt in _statements(migration):
            c.execute(stmt)
    c.execute(f"PRAGMA user_version = {version}")
    return c


def test_version_1_file_is_migrated_with_its_documents(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    c = _old_library(path, 1)
    c.execute(
        "INSERT INTO documents (sha256, name, raw, text, parser_version) VALUES ('abc', 'a.txt', ?, '报告', '0.0')",
        (b"\xe6\x8a\xa5\xe5\x91\x8a",),
    )
    c.commit()
    c.close()
    s = Store(path)
    assert s.version == len(MIGRATIONS)
    row = s.query("SELECT d.name, c.raw, c.text FROM documents d JOIN contents c ON c.doc_id = d.id")[0]
    assert (row["name"], bytes(row["raw"]), row["text"]) == ("a.txt", "报告".encode(), "报告")
    assert "raw" not in [r[1] for r in s.query("PRAGMA table_info(documents)")]
    s.close()


def test_version_2_file_gains_the_fingerprint_column(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    c = _old_library(path, 2)
    c.commit()
    c.close()
    s = Store(path)
    assert s.version == len(MIGRATIONS)
    assert "fingerprint" in [r[1] for r in s.query("PRAGMA table_info(documents)")]
    assert s.same_report("0" * 32) is None
    s.close()


def test_read_only_never_writes(tmp_path: Path) -> None:
    # Issue 11: --read-only migrated an old library, switched it to WAL and created a missing file.
    import hashlib

    from duizhang.library import Library
    from duizhang.store import StoreError

    from .conftest import SAMPLE_REPORT

    report = tmp_path / "r.txt"
    report.write_text(SAMPLE_REPORT, encoding="utf-8")
    db = tmp_path / "x.db"
    with Library(db) as lib:
        lib.add([report])
        lib.store.forget_recon()  # so that reading the 对账单 would want to store it
        lib.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    with Library(db, read_only=True) as lib:
        assert len(lib.documents()) == 1
        lib.reconcile_rows()
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    with pytest.raises(StoreError, match="no library there"):
        Store(tmp_path / "missing.db", read_only=True)
    assert not (tmp_path / "missing.db").exists()


def test_read_only_says_an_old_library_needs_an_update(tmp_path: Path) -> None:
    from duizhang.store import StoreError

    path = tmp_path / "old.db"
    c = _old_library(path, 1)
    c.commit()
    c.close()
    with pytest.raises(StoreError, match="needs an update .*without --read-only"):
        Store(path, read_only=True)
    assert Store(path).version == len(MIGRATIONS)


def test_version_6_file_gets_section_ids_for_its_figures(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    c = sqlite3.connect(path)
    for migration in MIGRATIONS[:6]:
        if callable(migration):
            migration(c)
        else:
            for stmt in _statements(migration):
                c.execute(stmt)
    c.execute("PRAGMA user_version = 6")
    c.execute("INSERT INTO documents (id, sha256, name, parser_version) VALUES (7, 'abc', 'a.txt', '0')")
    c.execute("INSERT INTO contents (doc_id, raw, text) VALUES (7, x'00', '一、回顾 增长5%')")
    c.execute('INSERT INTO sections (doc_id, idx, start, "end", heading_end, level, title, role) '
              "VALUES (7, 0, 0, 9, 5, 1, '一、回顾', 'review')")
    c.execute('INSERT INTO mentions (doc_id, start, "end", text, section) VALUES (7, 7, 9, \'5%\', 0)')
    c.commit()
    c.close()
    s = Store(path)
    assert s.version == len(MIGRATIONS)
    row = s.query("SELECT m.section_id, sec.title FROM mentions m JOIN sections sec ON sec.id = m.section_id")[0]
    assert row["title"] == "一、回顾"
    assert s.query("SELECT section_title FROM figures")[0][0] == "一、回顾"
    s.close()
