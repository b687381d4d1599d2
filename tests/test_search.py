"""Full-text search (issue 14, item 4; issue 13): every length of query from the index,
spaces as AND, never across punctuation, a count of all hits, and old libraries migrated."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from duizhang.fulltext import CREATE_INDEX, index_body, match_query
from duizhang.library import Library
from duizhang.store.sqlite import SQLiteStore as Store
from duizhang.store.sqlite_schema import MIGRATIONS
from duizhang.store.sqlite_schema import statements as _statements

from .conftest import SAMPLE_REPORT


@pytest.fixture()
def lib(tmp_path: Path) -> Library:
    (tmp_path / "r.txt").write_text(SAMPLE_REPORT + "养老服务中心建成3个，老旧小区改造12个。\n", encoding="utf-8")
    lib = Library(tmp_path / "x.db")
    lib.add([tmp_path / "r.txt"])
    return lib


@pytest.mark.parametrize("query, found", [
    ("消", True),             # one character
    ("消防", True),           # two characters: were a scan of every sentence
    ("消防站", True),
    ("2座", True),            # a digit and a character
    ("老旧 小区", True),      # a space is AND
    ("老旧 火星", False),
    ("改造建成", False),      # never across punctuation: the text has 改造,建成
    ("造,建", True),          # the punctuation itself, ASCII or full-width, is found
    ("造，建", True),
    ("5.2%", True),
    ("5.3%", False),
])
def test_queries_of_every_length(lib: Library, query: str, found: bool) -> None:
    hits = lib.search(query)
    assert (len(hits) > 0) == found, query
    for sentence in hits["sentence"]:
        assert all(part.replace("，", ",") in sentence.replace("，", ",") for part in query.split())


def test_the_count_of_every_hit_beside_the_first_ones(lib: Library) -> None:
    # `search` said "50 sentences" when 90 matched.
    hits = lib.search("区", limit=1)
    assert len(hits) == 1 and hits.attrs["total"] > 1


def test_hits_are_marked_at_their_place(lib: Library) -> None:
    hit = lib.search("消防站").iloc[0]
    text = lib.document(int(hit["doc_id"]))["text"]
    assert text[hit["hit_start"]:hit["hit_end"]] == "消防站"
    assert text[hit["start"]:hit["end"]] == hit["sentence"]


def test_reparse_leaves_no_stale_hits(lib: Library) -> None:
    before = len(lib.search("消防"))
    lib.reparse()
    assert len(lib.search("消防")) == before
    n = lib.store.query("SELECT COUNT(*) FROM sentence_texts")[0][0]
    # The contentless index holds exactly the stored sentences, no leftovers of the first parse.
    assert lib.store.query("SELECT COUNT(*) FROM sentence_index WHERE sentence_index MATCH ?",
                           (match_query("的"),))[0][0] <= n


def test_index_body_keeps_offsets_free_tokens() -> None:
    assert index_body("GDP增长").split() == ["G", "D", "P", "增", "长"]
    assert match_query("gdp") == '"g d p"'


def test_version_4_library_gets_the_new_index_and_keeps_raw_bytes(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    c = sqlite3.connect(path)
    for migration in MIGRATIONS[:4]:
        assert isinstance(migration, str)
        for stmt in _statements(migration):
            c.execute(stmt)
    c.execute("PRAGMA user_version = 4")
    text = "第一句消防站。第二句养老，服务。"
    raw = text.encode("gb18030") * 1  # as read from a GB18030 file
    c.execute("INSERT INTO documents (id, sha256, name, parser_version) VALUES (1, 'abc', 'a.txt', '0')")
    c.execute("INSERT INTO contents (doc_id, raw, text) VALUES (1, ?, ?)", (raw, text))
    for i, (a, b) in enumerate([(0, 7), (7, 16)], 1):
        c.execute('INSERT INTO sentences (id, doc_id, start, "end") VALUES (?, 1, ?, ?)', (i, a, b))
        c.execute("INSERT INTO sentences_fts (rowid, text) VALUES (?, ?)", (i, text[a:b]))
    c.commit()
    c.close()
    with Library(path) as lib:
        assert lib.store.version == len(MIGRATIONS)
        assert list(lib.search("消")["sentence"]) == ["第一句消防站。"]
        assert list(lib.search("养老")["sentence"]) == ["第二句养老，服务。"]
        assert lib.raw(1)[1] == raw
        tables = {r[0] for r in lib.store.query("SELECT name FROM sqlite_master")}
        assert "sentences_fts" not in tables


def test_raw_bytes_are_compressed_and_come_back_identical(tmp_path: Path) -> None:
    # A web page's bytes are compressed; a text file's bytes are its text encoded
    # again, stored once; a text file whose text is not its bytes (broken into lines)
    # is compressed. Each comes back byte for byte.
    page = ("<html><head><title>政府工作报告</title></head><body><p>"
            + SAMPLE_REPORT.replace("\n", "</p><p>") + "</p></body></html>") * 3
    files = {"r.txt": (SAMPLE_REPORT * 20).encode("gb18030"), "p.html": page.encode("utf-8"),
             "one-line.txt": SAMPLE_REPORT.replace("\n", "").encode("utf-8") * 20}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    with Library(tmp_path / "x.db") as lib:
        lib.add([tmp_path / n for n in files], keep_duplicates=True)  # one report in three files
        stored = {r["name"]: (r["n"], r["raw_codec"]) for r in lib.store.query(
            "SELECT d.name, length(c.raw) AS n, c.raw_codec FROM contents c JOIN documents d ON d.id = c.doc_id")}
        assert stored["r.txt"] == (0, "text:gb18030")
        assert stored["p.html"][1] == "zlib" and stored["p.html"][0] < len(files["p.html"]) / 2
        assert stored["one-line.txt"][1] == "zlib"
        ids = {d["name"]: d["id"] for d in lib.document_records()}
        for name, data in files.items():
            assert lib.raw(ids[name])[1] == data
    assert Store(tmp_path / "x.db", read_only=True).raw_bytes(ids["r.txt"]) == files["r.txt"]


def test_a_file_of_several_reports_is_told(tmp_path: Path) -> None:
    # Issue 14, item 6: a file of several reports was read up to the first one's end, silently.
    from click.testing import CliRunner

    from duizhang.cli import main

    second = SAMPLE_REPORT.replace("某区", "某县").replace("区长", "县长").replace("5.2%", "6.6%")
    (tmp_path / "two.txt").write_text(SAMPLE_REPORT + "\n网站地图 | 关于我们\n" + second, encoding="utf-8")
    res = CliRunner().invoke(main, ["extract", str(tmp_path / "two.txt"), "--format", "jsonl"])
    assert res.exit_code == 0
    assert "warning:" in res.stderr and "more than one report in this file" in res.stderr
    assert "another begins at line 13" in res.stderr  # where the second report begins
    res = CliRunner().invoke(main, ["add", "--db", str(tmp_path / "x.db"), str(tmp_path / "two.txt")])
    assert "more than one report in this file" in res.stderr


def test_a_file_with_copies_of_one_report_is_not_told(tmp_path: Path) -> None:
    page = "某区人民政府网\n" + SAMPLE_REPORT + "\n" + "某区人民政府网\n" + SAMPLE_REPORT
    (tmp_path / "copies.txt").write_text(page, encoding="utf-8")
    import duizhang

    assert not any("more than one report" in w for w in duizhang.parse(tmp_path / "copies.txt").warnings)


def test_list_table_shows_a_page(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from duizhang.cli import main

    for i in range(3):
        (tmp_path / f"r{i}.txt").write_text(SAMPLE_REPORT.replace("5.2%", f"5.{i}1%"), encoding="utf-8")
    db = str(tmp_path / "x.db")
    CliRunner().invoke(main, ["add", "--db", db, str(tmp_path)])
    res = CliRunner().invoke(main, ["list", "--db", db, "--limit", "2"])
    assert "the first 2 of 3 documents" in res.output
    assert len(CliRunner().invoke(main, ["list", "--db", db, "--format", "csv"]).output.splitlines()) == 4


def test_extract_to_a_missing_folder_is_one_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from duizhang.cli import main

    (tmp_path / "r.txt").write_text(SAMPLE_REPORT, encoding="utf-8")
    res = CliRunner().invoke(main, ["extract", str(tmp_path / "r.txt"), "-o", str(tmp_path / "no" / "x.csv")])
    assert res.exit_code == 1 and "cannot write" in res.output and "Traceback" not in res.output


def _as_version_9(path: Path) -> None:
    """Turn a library back into schema 9: a row per sentence, with its section."""
    from duizhang.model import Section, section_finder
    from duizhang.store.packing import unpack_spans
    from duizhang.store.sqlite_schema import SENTENCE_BITS_8, SENTENCE_TEXTS_9, sentence_bodies

    c = sqlite3.connect(path)
    c.execute("DROP VIEW sentence_texts")
    c.execute('CREATE TABLE sentences (id INTEGER PRIMARY KEY, start INTEGER NOT NULL, "end" INTEGER NOT NULL, '
              "section INTEGER)")
    for doc_id, packed in c.execute("SELECT doc_id, sentences FROM contents").fetchall():
        secs = [Section(*r) for r in c.execute('SELECT start, "end", heading_end, level, title, role, parent '
                                               "FROM sections WHERE doc_id = ? ORDER BY idx", (doc_id,))]
        find = section_finder(secs)
        c.executemany('INSERT INTO sentences (id, start, "end", section) VALUES (?,?,?,?)',
                      [((doc_id << SENTENCE_BITS_8) + k, a, b, find(a)) for k, (a, b) in enumerate(unpack_spans(packed))])
    # The index as schema 9 numbered its rows.
    bodies = {d: sentence_bodies(c, d) for (d,) in c.execute("SELECT doc_id FROM contents").fetchall()}
    c.execute("DROP TABLE sentence_index")
    c.execute(CREATE_INDEX)
    for d, rows in bodies.items():
        c.executemany("INSERT INTO sentence_index (rowid, body) VALUES (?, ?)",
                      [((d << SENTENCE_BITS_8) + (i & ((1 << 20) - 1)), body) for i, body in rows])
    c.execute("ALTER TABLE contents DROP COLUMN sentences")
    for stmt in _statements(SENTENCE_TEXTS_9):
        c.execute(stmt)
    c.execute("PRAGMA user_version = 9")
    c.commit()
    c.close()


def _as_version_8(path: Path) -> None:
    """Turn a library back into schema 8: plain texts, sentences with a doc_id column."""
    from duizhang.store.packing import unpack_text
    from duizhang.store.sqlite_schema import SENTENCE_BITS_8, SENTENCE_TEXTS_8

    _as_version_9(path)
    c = sqlite3.connect(path)
    c.execute("DROP VIEW sentence_texts")
    for doc_id, stored in c.execute("SELECT doc_id, text FROM contents").fetchall():
        c.execute("UPDATE contents SET text = ? WHERE doc_id = ?", (unpack_text(stored), doc_id))
    c.execute("ALTER TABLE contents DROP COLUMN text_size")
    c.execute("ALTER TABLE contents DROP COLUMN text_chars")
    c.execute("""CREATE TABLE sentences_old (id INTEGER PRIMARY KEY,
        doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        start INTEGER NOT NULL, "end" INTEGER NOT NULL, section INTEGER)""")
    c.execute(f'INSERT INTO sentences_old SELECT id, id >> {SENTENCE_BITS_8}, start, "end", section FROM sentences')
    c.execute("DROP TABLE sentences")
    c.execute("ALTER TABLE sentences_old RENAME TO sentences")
    c.execute("CREATE INDEX sentences_doc ON sentences(doc_id)")
    for stmt in _statements(SENTENCE_TEXTS_8):
        c.execute(stmt)
    c.execute("PRAGMA user_version = 8")
    c.commit()
    c.execute("VACUUM")
    c.close()


def _three_reports(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(3):
        (folder / f"r{i}.txt").write_text(SAMPLE_REPORT.replace("12个", f"{i + 13}个") * 4, encoding="utf-8")
    return folder


SEARCHES = ("消", "老旧小区", "养老 服务", "，")


def test_version_7_library_renumbers_its_sentences_by_document(tmp_path: Path) -> None:
    # Migration 8: a sentence's id says its document; the index is rebuilt under the
    # new ids and every search answers as before.
    from duizhang.store.sqlite_schema import SENTENCE_BITS, _sentence_bodies_8

    path = tmp_path / "x.db"
    with Library(path) as lib:
        lib.add([_three_reports(tmp_path)])
        before = {q: lib.search(q).to_dict(orient="records") for q in SEARCHES}
    _as_version_8(path)
    c = sqlite3.connect(path)  # back to version 7: sentences numbered 1, 2, 3, … across documents
    old = [i for (i,) in c.execute("SELECT id FROM sentences ORDER BY id")]
    c.execute("UPDATE sentences SET id = -id")
    c.executemany("UPDATE sentences SET id = ? WHERE id = ?", [(n, -i) for n, i in enumerate(old, 1)])
    c.execute("DROP TABLE sentence_index")
    c.execute(CREATE_INDEX)
    for (doc_id,) in c.execute("SELECT id FROM documents").fetchall():
        c.executemany("INSERT INTO sentence_index (rowid, body) VALUES (?, ?)", _sentence_bodies_8(c, doc_id))
    c.execute("PRAGMA user_version = 7")
    c.commit()
    c.close()
    with Library(path) as lib:
        assert lib.store.version == len(MIGRATIONS)
        ids = [i for (i,) in lib.store.query("SELECT id FROM sentence_texts")]
        assert {i >> SENTENCE_BITS for i in ids} == {d for (d,) in lib.store.query("SELECT id FROM documents")}
        assert {q: lib.search(q).to_dict(orient="records") for q in SEARCHES} == before


def test_version_8_library_compresses_its_texts_and_gets_smaller(tmp_path: Path) -> None:
    # Migration 9: texts stored compressed, sentences without a doc_id column or its
    # index; every text, raw file and search as before, and the file smaller.
    path = tmp_path / "x.db"
    with Library(path) as lib:
        lib.add([_three_reports(tmp_path)])
        ids = [d for (d,) in lib.store.query("SELECT id FROM documents")]
        texts = {d: lib.store.text(d) for d in ids}
        raws = {d: lib.store.raw_bytes(d) for d in ids}
        before = {q: lib.search(q).to_dict(orient="records") for q in SEARCHES}
        view = lib.store.query("SELECT * FROM sentence_texts ORDER BY id")
    _as_version_8(path)
    old_size = path.stat().st_size
    assert all(isinstance(t, str) for (t,) in sqlite3.connect(path).execute("SELECT text FROM contents"))
    with Library(path) as lib:
        assert lib.store.version == len(MIGRATIONS)
        assert {d: lib.store.text(d) for d in ids} == texts
        assert {d: lib.store.raw_bytes(d) for d in ids} == raws
        assert {q: lib.search(q).to_dict(orient="records") for q in SEARCHES} == before
        assert [tuple(r) for r in lib.store.query("SELECT * FROM sentence_texts ORDER BY id")] == [tuple(r) for r in view]
        assert all(isinstance(t, bytes) for (t,) in lib.store.query("SELECT text FROM contents"))
        assert lib.store.text_chars() == sum(map(len, texts.values()))
        assert lib.store.size_bytes() < old_size


def test_version_9_library_packs_its_sentence_spans(tmp_path: Path) -> None:
    # Migration 10: a document's sentence spans one JSON value of its contents row; the
    # sentence rows go, and every search, sentence and index row is as before.
    from duizhang.store.sqlite_schema import sentence_bodies

    path = tmp_path / "x.db"
    with Library(path) as lib:
        lib.add([_three_reports(tmp_path)])
        ids = [d for (d,) in lib.store.query("SELECT id FROM documents")]
        before = {q: lib.search(q).to_dict(orient="records") for q in SEARCHES}
        view = [tuple(r) for r in lib.store.query("SELECT * FROM sentence_texts ORDER BY id")]
        bodies = {d: sentence_bodies(lib.store.conn, d) for d in ids}
    _as_version_9(path)
    c = sqlite3.connect(path)
    assert c.execute("SELECT COUNT(*) FROM sentences").fetchone()[0] == len(view) > 10
    c.close()
    with Library(path) as lib:
        assert lib.store.version == len(MIGRATIONS)
        tables = {r[0] for r in lib.store.query("SELECT name FROM sqlite_master")}
        assert "sentences" not in tables
        assert {q: lib.search(q).to_dict(orient="records") for q in SEARCHES} == before
        assert [tuple(r) for r in lib.store.query("SELECT * FROM sentence_texts ORDER BY id")] == view
        assert {d: sentence_bodies(lib.store.conn, d) for d in ids} == bodies
        lib.reparse()  # deleting needs each sentence's indexed body, read from the spans
        assert {q: lib.search(q).to_dict(orient="records") for q in SEARCHES} == before


def test_sentence_texts_reads_compressed_text_in_plain_sql(tmp_path: Path) -> None:
    # The view uses sqlar_uncompress as the sqlite3 shell defines it; any connection
    # that registers it (the library's own, Datasette's through our plugin) reads text.
    from duizhang.store.packing import sqlar_uncompress

    path = tmp_path / "x.db"
    with Library(path) as lib:
        lib.add([_three_reports(tmp_path)])
        hit = lib.search("老旧小区").iloc[0]
    c = sqlite3.connect(path)
    with pytest.raises(sqlite3.OperationalError, match="sqlar_uncompress"):
        c.execute("SELECT text FROM sentence_texts LIMIT 1").fetchall()
    c.create_function("sqlar_uncompress", 2, sqlar_uncompress, deterministic=True)
    rows = c.execute('SELECT text FROM sentence_texts WHERE doc_id = ? AND start = ? AND "end" = ?',
                     (int(hit["doc_id"]), int(hit["start"]), int(hit["end"]))).fetchall()
    assert rows == [(hit["sentence"],)]


def test_a_document_of_more_sentences_than_its_ids_hold_is_indexed_up_to_there(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A sentence id has room for 2^20 sentences of a document (a long report has two
    # thousand); past that the text is kept whole and only the index stops.
    import duizhang.store.sqlite as sqlite_store

    monkeypatch.setattr(sqlite_store, "MAX_SENTENCES", 3)
    path = tmp_path / "x.db"
    with Library(path) as lib:
        lib.add([_three_reports(tmp_path)])
        ids = [d for (d,) in lib.store.query("SELECT id FROM documents")]
        for d in ids:
            rows = lib.store.query("SELECT id, start, \"end\", text FROM sentence_texts WHERE doc_id = ?", (d,))
            assert len(rows) == 3
            assert all(lib.store.text(d)[a:b] == t for _, a, b, t in rows)
        assert lib.store.text(ids[0]).count("。") > 3  # the text is whole
        assert set(lib.search("政府工作报告")["doc_id"]) == set(ids)
        assert lib.search("消防站").empty  # beyond each document's first three sentences
