"""The store's schema: numbered migrations bring an old library file up to date, data kept."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from duizhang.store import MIGRATIONS, Store, _statements


def test_fresh_store_is_at_the_latest_version(tmp_path: Path) -> None:
    s = Store(tmp_path / "a.db")
    assert s.version == len(MIGRATIONS)
    s.close()


def test_version_1_file_is_migrated_with_its_documents(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    c = sqlite3.connect(path)
    for stmt in _statements(MIGRATIONS[0]):
        c.execute(stmt)
    c.execute("PRAGMA user_version = 1")
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
    c = sqlite3.connect(path)
    for migration in MIGRATIONS[:2]:
        for stmt in _statements(migration):
            c.execute(stmt)
    c.execute("PRAGMA user_version = 2")
    c.commit()
    c.close()
    s = Store(path)
    assert s.version == len(MIGRATIONS)
    assert "fingerprint" in [r[1] for r in s.query("PRAGMA table_info(documents)")]
    assert s.same_report("0" * 32) is None
    s.close()
