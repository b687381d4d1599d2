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

from .conftest import GOLD, SAMPLE_REPORT, SEEDS, needs_shared


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory) -> Library:
    path = tmp_path_factory.mktemp("lib") / "t.db"
    library = Library(path)
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
    assert len(lib.search("消防", region="南开区")) >= 1  # two characters: below the trigram size


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
