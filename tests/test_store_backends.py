"""The store interface on both backends (SQLite and PostgreSQL): the same answers,
documents whole, several writers at once."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from duizhang import __version__
from duizhang.cli import main
from duizhang.library import Library, LibraryError
from duizhang.model import RawDocument
from duizhang.pipeline import raw_to_report
from duizhang.store import AlreadyStored, SameReport, StoreError, open_store

from .conftest import BACKENDS, SAMPLE_REPORT, SEEDS, library_db, needs_shared
from .pgserver import Server


def _report(text: str, name: str = "r.txt", encoding: str = "utf-8") -> tuple[RawDocument, object]:
    raw = RawDocument(name, name, text.encode(encoding))
    return raw, raw_to_report(raw)


def test_a_document_comes_back_as_it_went_in(db: str) -> None:
    raw, report = _report(SAMPLE_REPORT)
    with open_store(db) as s:
        doc_id = s.put(report, raw.data, __version__)  # type: ignore[arg-type]
        assert s.has(raw.sha256) == doc_id
        assert s.raw_bytes(doc_id) == raw.data  # byte-identical, compressed or not
        assert s.text(doc_id) == report.text  # type: ignore[attr-defined]
        doc = s.document(doc_id)
        assert doc is not None and doc.region == report.meta.region  # type: ignore[attr-defined]
        assert doc.review_years == [2023] and doc.plan_years == [2024]
        got = s.mentions(doc_id)
        assert [(m.start, m.text, m.metric_id, m.year, m.context) for m in got] == [
            (m.start, m.text, m.metric_id, m.year, m.context) for m in report.mentions]  # type: ignore[attr-defined]
        assert [x.title for x in s.sections(doc_id)] == [x.title for x in report.sections]  # type: ignore[attr-defined]


def test_the_same_bytes_or_the_same_report_are_refused(db: str) -> None:
    raw, report = _report(SAMPLE_REPORT)
    raw2, report2 = _report(SAMPLE_REPORT, "r-gbk.txt", "gb18030")  # same report, other bytes
    with open_store(db) as s:
        first = s.put(report, raw.data, __version__)  # type: ignore[arg-type]
        with pytest.raises(AlreadyStored) as e:
            s.put(report, raw.data, __version__)  # type: ignore[arg-type]
        assert e.value.doc_id == first
        with pytest.raises(SameReport):
            s.put(report2, raw2.data, __version__, same_text=False)  # type: ignore[arg-type]
        assert s.count_documents() == 1


def test_a_reparse_keeps_the_id_and_replaces_the_figures(db: str) -> None:
    raw, report = _report(SAMPLE_REPORT)
    with open_store(db) as s:
        doc_id = s.put(report, raw.data, __version__)  # type: ignore[arg-type]
        n = len(s.mentions(doc_id))
        s.replace(doc_id, report, __version__)  # type: ignore[arg-type]
        assert s.document_ids() == [doc_id] and len(s.mentions(doc_id)) == n
        assert s.search("老旧小区")[0] == 1  # the index follows the new parse, not doubled


@pytest.fixture(scope="module", params=BACKENDS)
def seeds(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Library:
    lib = Library(library_db(request, tmp_path_factory.mktemp("seeds") / "s.db"))
    lib.add(sorted(SEEDS.iterdir()))  # one order, so that ids agree between backends
    yield lib
    lib.close()


#: Searches of every length and shape: one character, two, a phrase, parts (AND),
#: punctuation, Latin letters in either case, digits.
SEARCHES = ["养", "养老", "老旧小区", "养老 服务", "，", "5%", "gdp", "GDP", "2023年", "不存在的词语"]


@pytest.fixture(scope="module")
def both(seeds_sqlite: Library, pg_server: Server, tmp_path_factory: pytest.TempPathFactory) -> Library:
    lib = Library(pg_server.new_database())
    lib.add(sorted(SEEDS.iterdir()))
    yield lib
    lib.close()


@pytest.fixture(scope="module")
def seeds_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Library:
    lib = Library(tmp_path_factory.mktemp("seeds") / "s.db")
    lib.add(sorted(SEEDS.iterdir()))
    yield lib
    lib.close()


@needs_shared
@pytest.mark.parametrize("query", SEARCHES)
def test_search_answers_alike_on_both_backends(seeds_sqlite: Library, both: Library, query: str) -> None:
    answers = []
    for lib in (seeds_sqlite, both):
        total, hits = lib.store.search(query, limit=5000)
        assert total == len(hits)
        answers.append((total, [(h.doc, h.start, h.end, h.section, h.sentence) for h in hits]))
    assert answers[0] == answers[1]


@needs_shared
def test_a_search_in_a_region_and_year(seeds: Library) -> None:
    df = seeds.search("养老", region="南开区", year=2023)
    assert len(df) and set(df["region"]) == {"天津市南开区"}
    assert seeds.search("养老", region="南开区").attrs["total"] >= len(df)


def test_several_add_runs_at_once_store_each_document_once(db: str, tmp_path: Path) -> None:
    # Three processes add the same folder of 12 reports into one library at once
    # (on PostgreSQL: as three machines would): every report once, each whole.
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(12):
        (folder / f"r{i:02d}.txt").write_text(SAMPLE_REPORT.replace("12个", f"{i + 13}个"), encoding="utf-8")
    code = "import sys; from duizhang.cli import main; main(sys.argv[1:])"
    procs = [subprocess.Popen([sys.executable, "-c", code, "add", "--db", db, str(folder)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    with Library(db) as lib:
        docs = lib.document_records()
        assert sorted(d["name"] for d in docs) == sorted(p.name for p in folder.iterdir())
        for d in docs:
            assert d["n_mentions"] == len(lib.document(d["id"])["mentions"]) > 0
    added = sum(int(re.search(r"(\d+) added", err).group(1)) for _, err in outs)  # type: ignore[union-attr]
    assert added == 12, outs  # each file counted as added by exactly one run


def test_read_only_never_writes(db: str) -> None:
    raw, report = _report(SAMPLE_REPORT)
    with open_store(db) as s:
        s.put(report, raw.data, __version__)  # type: ignore[arg-type]
    with open_store(db, read_only=True) as s:
        assert s.count_documents() == 1
        with pytest.raises(StoreError):
            s.replace_recon("120104", [])


def test_an_unreachable_server_is_one_line(tmp_path: Path) -> None:
    url = f"postgresql://nobody@/nothing?host={tmp_path}"  # no server listens there
    res = CliRunner().invoke(main, ["list", "--db", url])
    assert res.exit_code == 1
    assert "cannot connect to the PostgreSQL server" in res.output and "Traceback" not in res.output


def test_a_password_is_never_printed(pg_server: Server) -> None:
    url = pg_server.new_database().replace("duizhang@", "duizhang:s3cret@")
    res = CliRunner().invoke(main, ["add", "--db", url, str(Path(__file__).parent / "missing-folder")])
    assert "s3cret" not in res.output
    pg_server.drop_database(url)


def test_a_value_the_database_refuses_fails_that_file_only(db: str, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3

    import psycopg

    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(3):
        (folder / f"r{i}.txt").write_text(SAMPLE_REPORT.replace("12个", f"{i + 13}个"), encoding="utf-8")
    with Library(db) as lib:
        cls = type(lib.store)
        real = cls._insert
        refused = sqlite3.DataError("string or blob too big") if lib.store.backend == "sqlite" \
            else psycopg.DataError("value too long for type character varying")

        def insert(self, r, p, version, doc_id=None):  # type: ignore[no-untyped-def]
            if r.doc == "r1.txt":
                raise refused
            return real(self, r, p, version, doc_id)

        monkeypatch.setattr(cls, "_insert", insert)
        s = lib.add([folder])
        assert [Path(x).name for x in s.added] == ["r0.txt", "r2.txt"] and s.stopped is None
        assert [Path(x).name for x, _ in s.failed] == ["r1.txt"] and "refused" in s.failed[0][1]
        assert lib.count_documents() == 2


def test_a_nul_in_a_text_is_stored_without_moving_an_offset(db: str) -> None:
    # PostgreSQL's text cannot hold NUL (a PDF's text layer can): one character for one.
    raw, report = _report(SAMPLE_REPORT)
    at = report.text.index("消防站")  # type: ignore[attr-defined]
    report.text = report.text[:at] + "\x00" + report.text[at + 1:]  # type: ignore[attr-defined]
    with open_store(db) as s:
        doc_id = s.put(report, raw.data, __version__)  # type: ignore[arg-type]
        text = s.text(doc_id)
        assert len(text) == len(report.text) and text[at] in ("\x00", "\ufffd")  # type: ignore[attr-defined]
        assert text[at + 1:] == report.text[at + 1:]  # type: ignore[attr-defined]


def test_read_only_on_a_database_that_is_no_library_yet_says_so(pg_server: Server) -> None:
    url = pg_server.new_database()
    with pytest.raises(StoreError, match="no duizhang library in this database"):
        open_store(url, read_only=True)
    with open_store(url) as s:  # opened once for writing: the schema is made
        assert s.version >= 1
    with open_store(url, read_only=True) as s:
        assert s.count_documents() == 0
    pg_server.drop_database(url)


@needs_shared
def test_a_library_moves_to_another_whole(seeds_sqlite: Library, db: str) -> None:
    # A team moves its file library to the server: every document, the same 对账单.
    res = CliRunner().invoke(main, ["add", "--db", db, "--from-library", seeds_sqlite.path])
    assert res.exit_code == 0, res.output
    with Library(db) as moved:
        assert [(d["name"], d["sha256"], d["source"]) for d in moved.document_records()] == [
            (d["name"], d["sha256"], d["source"]) for d in seeds_sqlite.document_records()]
        assert [r.to_dict() for r in moved.reconcile_rows()] == [r.to_dict() for r in seeds_sqlite.reconcile_rows()]
        assert moved.raw(1)[1] == seeds_sqlite.raw(1)[1]
        again = moved.add_library(seeds_sqlite.path)  # the Python API: nothing new to add
        assert not again.added and len(again.skipped) == len(moved.document_records())
        with pytest.raises(LibraryError):
            moved.add_library(db)


def test_a_dropped_connection_is_made_again(pg_server: Server) -> None:
    # The server restarted (here: our connection ended by it): the next request of a
    # long-running explorer connects again instead of failing from then on.
    import psycopg
    from fastapi.testclient import TestClient

    from duizhang.web.app import create_app

    url = pg_server.new_database()
    raw, report = _report(SAMPLE_REPORT)
    with open_store(url) as s:
        s.put(report, raw.data, __version__)  # type: ignore[arg-type]
    client = TestClient(create_app(url), base_url="http://127.0.0.1")
    assert client.get("/api/documents").status_code == 200
    name = url.split("/")[-1].split("?")[0]
    with psycopg.connect(pg_server.url("postgres"), autocommit=True) as c:
        c.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
    assert client.get("/api/documents").status_code == 200
    client.close()
    pg_server.drop_database(url)


def test_the_tables_hold_every_field_of_a_figure(db: str) -> None:
    # The Mention dataclass is the one list of a figure's fields: each backend's
    # mentions table has exactly those columns, plus its keys.
    from duizhang.model import MENTION_COLUMNS

    with open_store(db) as s:
        if s.backend == "sqlite":
            cols = [r[1] for r in s.query("PRAGMA table_info(mentions)")]  # type: ignore[attr-defined]
        else:
            cols = [r["column_name"] for r in s._rows(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'mentions'")]
    assert sorted(cols) == sorted(["id", "doc_id", "section_id", *MENTION_COLUMNS])


@needs_shared
def test_a_workers_rows_store_what_the_whole_report_stores(db: str) -> None:
    # With --jobs the worker sends the report without its figures and sections, and
    # their rows beside it (packing.light, packing.prepare): the library must end up
    # the same as from the whole report.
    from duizhang.ingest import _parse_for_store

    raw = RawDocument("seed.txt", "seed.txt", (SEEDS / sorted(p.name for p in SEEDS.glob("*.txt"))[0]).read_bytes())
    light, error, prepared = _parse_for_store(raw)
    assert error is None and light is not None and prepared is not None
    assert light.mentions == [] and light.sections == []  # what crosses to the writer
    whole = raw_to_report(raw)
    raw2 = RawDocument("copy.txt", "copy.txt", raw.data + b"\n")
    whole2 = raw_to_report(raw2)
    with open_store(db) as s:
        a = s.put(light, raw.data, __version__, prepared=prepared)
        b = s.put(whole2, raw2.data, __version__)  # prepared by the store itself
        assert [(m.start, m.end, m.value, m.metric_id, m.year, m.section, m.context) for m in s.mentions(a)] == [
            (m.start, m.end, m.value, m.metric_id, m.year, m.section, m.context) for m in whole.mentions]
        assert [(m.start, m.metric_id, m.section) for m in s.mentions(a)] == [
            (m.start, m.metric_id, m.section) for m in s.mentions(b)]
        assert s.sections(a) == s.sections(b) == whole.sections
        da, dc = s.document(a), s.document(b)
        assert da is not None and dc is not None
        assert (da.n_mentions, da.n_targets, da.region_code, da.review_years, da.body_start) == (
            dc.n_mentions, dc.n_targets, dc.region_code, dc.review_years, dc.body_start)
        assert s.search("地区生产总值")[0] > 0
