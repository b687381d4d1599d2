"""The report library: ingest, idempotence, interrupted ingest, bad files, 对账单, search, exports."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from duizhang.cli import main
from duizhang.export import frame, write
from duizhang.library import Library, LibraryError

from .conftest import BACKENDS, GOLD, SAMPLE_REPORT, SEEDS, library_db, needs_shared


@pytest.fixture(scope="module", params=BACKENDS)
def lib(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Library:
    library = Library(library_db(request, tmp_path_factory.mktemp("lib") / "t.db"))
    library.add([SEEDS])
    return library


def _pairing(row: dict) -> tuple:
    side = lambda s: (s["doc"], s["start"], s["end"]) if s else None  # noqa: E731
    return (side(row["target"]), side(row["outcome"]), row["status"])


@needs_shared
def test_reconcile_agrees_with_gold(lib: Library) -> None:
    ours = [r.to_dict() for r in lib.reconcile_rows("南开区", 2023)]
    gold = [json.loads(line) for line in (GOLD / "recon.jsonl").read_text(encoding="utf-8").splitlines() if line]
    ours_by_target = {_pairing(r)[0]: _pairing(r) for r in ours if r["target"]}
    for g in gold:
        key = _pairing(g)[0]
        assert key in ours_by_target, f"gold target {g['target']['text']} ({g['metric']}) has no row"
        assert ours_by_target[key] == _pairing(g), f"row for {g['metric']} differs"
    # Extra rows are only what the gold leaves out on purpose: untargeted core
    # indicators and targets stated without a number.
    gold_targets = {_pairing(g)[0] for g in gold}
    extra = [r for r in ours if not r["target"] or _pairing(r)[0] not in gold_targets]
    assert all(r["status"] in ("no_target", "unclear") for r in extra)
    assert all(r["target"] is None or r["target"]["value"] is None for r in extra)


@needs_shared
def test_reconcile_all_years_and_regions(lib: Library) -> None:
    rows = lib.reconcile_rows()
    assert {(r.region_code, r.year) for r in rows} == {("120104", 2023)}


@needs_shared
def test_unknown_region_names_the_closest(lib: Library) -> None:
    with pytest.raises(LibraryError, match="北京市东城区"):
        lib.reconcile_rows("东城区", 2023)
    with pytest.raises(LibraryError, match="no document reporting outcomes of 2019"):
        lib.reconcile_rows("南开区", 2019)


@needs_shared
def test_region_by_code_and_part(lib: Library) -> None:
    assert lib.resolve_region("120104") == [("120104", "天津市南开区")]
    assert lib.resolve_region("南开") == [("120104", "天津市南开区")]


@needs_shared
def test_search_finds_chinese_substrings(lib: Library) -> None:
    hits = lib.search("老旧小区改造")
    assert len(hits) >= 3
    for _, h in hits.iterrows():
        assert "老旧小区改造" in h["sentence"]
    assert len(lib.search("消防", region="南开区")) >= 1  # two characters: were below the old trigram index


@needs_shared
def test_compare_gdp(lib: Library) -> None:
    df = lib.compare("gdp")
    row = df[(df.region_code == "120104") & (df.year == 2023)].iloc[0]
    assert (row.target, row.outcome) == (4, 4.7)


def test_add_is_idempotent(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(SAMPLE_REPORT.encode("gb18030"))
    (tmp_path / "copy.txt").write_bytes(SAMPLE_REPORT.encode("gb18030"))
    with Library(tmp_path / "x.db") as lib:
        first = lib.add([tmp_path])
        second = lib.add([tmp_path])
        assert (len(first.added), len(first.skipped)) == (1, 1)
        assert (len(second.added), len(second.skipped)) == (0, 2)
        assert len(lib.documents()) == 1


def test_corrupt_file_among_good_ones(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(SAMPLE_REPORT.encode())
    (tmp_path / "b.pdf").write_bytes(b"%PDF-1.4 broken")
    (tmp_path / "c.txt").write_bytes(SAMPLE_REPORT.replace("张三", "李四").encode("utf-16"))
    res = CliRunner().invoke(main, ["add", "--db", str(tmp_path / "x.db"), str(tmp_path), "--jobs", "2"])
    assert res.exit_code == 0, res.output
    assert "2 added, 0 skipped (already stored), 1 failed" in res.stderr
    assert "b.pdf" in res.stderr


def test_interrupted_ingest_keeps_whole_documents(tmp_path: Path) -> None:
    src = tmp_path / "reports"
    src.mkdir()
    for i in range(400):
        (src / f"r{i:03d}.txt").write_bytes(SAMPLE_REPORT.replace("张三", f"张{i}").encode())
    db = tmp_path / "x.db"
    proc = subprocess.Popen(
        [sys.executable, "-m", "duizhang.cli", "add", "--db", str(db), str(src)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        time.sleep(0.2)
        try:
            with sqlite3.connect(db) as c:
                if c.execute("SELECT COUNT(*) FROM documents").fetchone()[0] >= 5:
                    break
        except sqlite3.OperationalError:
            continue
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with Library(db) as lib:
        docs = lib.documents()
        assert 0 < len(docs) < 400
        counts = dict(lib.store.query("SELECT doc_id, COUNT(*) FROM mentions GROUP BY doc_id"))
        for _, d in docs.iterrows():
            assert counts.get(d["id"], 0) == d["n_mentions"], "a document was stored in part"
        # The next run goes on where the killed one stopped.
        s = lib.add([src])
        assert len(s.added) + len(s.skipped) == 400


@needs_shared
@pytest.mark.parametrize("fmt", ["csv", "xlsx", "dta", "parquet", "jsonl"])
@pytest.mark.parametrize("what", ["mentions", "reconciliation", "documents"])
def test_export_round_trip(lib: Library, tmp_path: Path, what: str, fmt: str) -> None:
    df = frame(lib, what)
    out = tmp_path / f"x.{fmt}"
    write(df, out)
    back = {
        "csv": lambda: pd.read_csv(out, encoding="utf-8-sig"),
        "xlsx": lambda: pd.read_excel(out),
        "dta": lambda: pd.read_stata(out),
        "parquet": lambda: pd.read_parquet(out),
        "jsonl": lambda: pd.read_json(out, lines=True),
    }[fmt]()
    assert len(back) == len(df)
    col = "text" if what == "mentions" else ("metric" if what == "reconciliation" else "region")
    assert [str(x) for x in back[col].fillna("")] == [str(x) for x in df[col].fillna("")]
    if fmt == "csv":
        assert out.read_bytes().startswith(b"\xef\xbb\xbf")


@needs_shared
def test_export_chinese_headers(lib: Library, tmp_path: Path) -> None:
    out = tmp_path / "r.xlsx"
    write(frame(lib, "reconciliation"), out, lang="zh")
    assert "完成情况" in pd.read_excel(out).columns


@needs_shared
def test_reparse_keeps_documents(lib: Library) -> None:
    before = lib.documents()[["id", "n_mentions"]].values.tolist()
    s = lib.reparse()
    assert not s.failed
    assert lib.documents()[["id", "n_mentions"]].values.tolist() == before


def test_hostile_file_names_are_reported_and_the_batch_goes_on(tmp_path: Path) -> None:
    # Issue 11: a name that is not UTF-8 aborted the batch; names printed as Rich markup
    # crashed the summary or hid their text; a newline forged an error line.
    (tmp_path / "[").mkdir()
    (tmp_path / "[" / "red]x.txt").write_text("not a report at all", encoding="utf-8")
    (tmp_path / "[bold]bad.doc").write_text("x", encoding="utf-8")
    (tmp_path / "new\nerror: forged.txt").write_text("", encoding="utf-8")
    with open(os.path.join(os.fsencode(tmp_path), b"\xff\xfegood.txt"), "wb") as f:
        f.write(SAMPLE_REPORT.encode())
    res = subprocess.run([sys.executable, "-m", "duizhang.cli", "add", "--db", str(tmp_path / "x.db"), str(tmp_path)],
                         capture_output=True, text=True, errors="replace")
    lines = res.stderr.splitlines()
    assert "1 added, 0 skipped (already stored), 3 failed" in res.stderr, res.stderr
    assert any("[/red]x.txt: not Chinese report text" in x for x in lines)
    assert any("[bold]bad.doc: unsupported file type" in x for x in lines)
    assert sum(x.startswith("error:") for x in lines) == 3  # the newline forged none
    with Library(tmp_path / "x.db") as lib:
        assert list(lib.documents()["name"]) == ["\\udcff\\udcfegood.txt"]


@needs_shared
def test_a_province_name_means_that_province(lib: Library) -> None:
    # Issue 13: --region 天津 resolved to 天津市和平区 and failed, while search meant all of 天津.
    codes = {c for c, _ in lib.resolve_region("天津")}
    assert codes == {c for c, _ in lib.resolve_region("天津市")} and {"120104", "120105"} <= codes
    assert len(lib.search("增长", region="天津")) > 0
    with pytest.raises(LibraryError, match=r"no report of 天津市 itself is in the library; its units held: .*南开区"):
        lib.reconcile_rows("天津", 2023)
    assert lib.reconcile_rows("南开区", 2023)  # a unit held is reconciled as before


@needs_shared
def test_an_unknown_region_does_not_exist_somewhere_far(lib: Library) -> None:
    with pytest.raises(LibraryError) as e:
        lib.resolve_region("火星")
    assert "it exists" not in str(e.value) and "火星" in str(e.value)
    with pytest.raises(LibraryError, match="it exists .*北京市"):
        lib.resolve_region("北京市东城区")


@needs_shared
def test_tables_fit_an_80_column_terminal(lib: Library) -> None:
    # Issue 13: at 80 columns `list` cut every column to "tia…" and each reconcile
    # source cell took 6 lines.
    from click.testing import CliRunner

    from duizhang.cli import main

    env = {"COLUMNS": "80"}
    listing = CliRunner(env=env).invoke(main, ["list", "--db", lib.path]).output
    assert all(len(line) <= 80 for line in listing.splitlines())
    assert "南开区" in listing and "narrow terminal" in listing
    recon = CliRunner(env=env).invoke(main, ["reconcile", "--db", lib.path, "--region", "南开区", "--year", "2023"])
    lines = recon.output.splitlines()
    assert all(len(line) <= 80 for line in lines) and "achieved" in recon.output
    assert "source" not in lines[2] and "--format csv" in recon.output
    wide = CliRunner(env={"COLUMNS": "200"}).invoke(main, ["list", "--db", lib.path]).output
    assert "region_code" in wide


@needs_shared
def test_compare_keeps_units_apart_and_names_sources(lib: Library) -> None:
    # Issue 13: compare put 个 beside 万户 on one row and one axis.
    df = lib.compare("new_jobs")
    assert not df.duplicated(["region_code", "year", "unit"]).any()
    gdp = lib.compare("gdp")
    row = gdp[(gdp["region_code"] == "120104") & (gdp["year"] == 2023)].iloc[0]
    assert row["status"] == "achieved" and row["target_doc"] and row["outcome_doc"]


def test_a_refresh_in_worker_processes_stores_the_same_rows(lib: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    # After an add with --jobs, the 对账单 of many regions is computed in worker
    # processes reading the library on their own connections: the stored rows are the
    # ones one process computes.
    from duizhang import statement

    def stored() -> list[dict]:
        return [r.to_dict() for r in lib.reconcile_rows()]

    lib.refresh_recon()
    serial = stored()
    monkeypatch.setattr(statement, "PARALLEL_MIN_UNITS", 1)
    codes = [c for c, _ in lib.regions()]
    assert len(codes) >= 2 and serial
    assert lib.refresh_recon(codes, jobs=2) == len(serial)
    assert stored() == serial
