"""Hostile and broken input, full disks, concurrent writers, killed runs (issue 11).

Each test is named after the failure it pins: nothing is lost, nothing half-stored,
one clear line names the file, and the rest of the batch goes on.
"""

from __future__ import annotations

import gzip
import logging
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from duizhang import decode
from duizhang.library import Library
from duizhang.model import ReadError
from duizhang.read import bytes_to_raw, iter_paths, path_to_raw
from duizhang.store import AlreadyStored
from duizhang.store.sqlite import SQLiteStore as Store

from .conftest import SAMPLE_REPORT


def _report(i: int) -> str:
    """A distinct small report (its own figures, so its own fingerprint)."""
    return SAMPLE_REPORT.replace("5.2%", f"{5 + i / 100:.2f}%").replace("1.2万余人", f"{i + 1}万余人")


#: Reports in an add that must still be running when the test signals it (400 were
#: all stored within the second the test waits, once storing got faster).
LONG_ADD = 3000


def _write_reports(folder: Path, n: int, start: int = 0) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(start, start + n):
        p = folder / f"r{i:03d}.txt"
        p.write_text(_report(i), encoding="utf-8")
        out.append(p)
    return out


# -- compressed and oversized input ---------------------------------------------


def test_gzip_saved_page_is_read() -> None:
    page = f"<html><body><p>{SAMPLE_REPORT.replace(chr(10), '</p><p>')}</p></body></html>"
    text = decode.raw_to_text(bytes_to_raw(gzip.compress(page.encode()), "page.html")).text
    assert "地区生产总值增长5.2%左右" in text


def test_gzip_bomb_html_is_refused_while_unpacking(monkeypatch: pytest.MonkeyPatch) -> None:
    # A small file that unpacks far beyond any report: refused at the limit, not after.
    bomb = gzip.compress(b"<p>" + b"a" * 5_000_000 + b"</p>", compresslevel=9)
    assert len(bomb) < 20_000
    monkeypatch.setattr(decode, "MAX_UNPACKED_BYTES", 1_000_000)
    with pytest.raises(ReadError, match=r"bomb.html: unpacks to more than 1 MB"):
        decode.raw_to_text(bytes_to_raw(bomb, "bomb.html"))


def test_text_beyond_the_limit_is_refused_naming_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decode, "MAX_TEXT_CHARS", 1000)
    with pytest.raises(ReadError, match=r"huge.txt: .* characters of text is far more than any report"):
        decode.raw_to_text(bytes_to_raw((SAMPLE_REPORT * 5).encode(), "huge.txt"))


def test_damaged_gzip_is_one_clear_error() -> None:
    with pytest.raises(ReadError, match="broken.txt: a damaged gzip file"):
        decode.raw_to_text(bytes_to_raw(b"\x1f\x8b\x08\x00garbage-garbage", "broken.txt"))


# -- folders and batches ---------------------------------------------------------


def test_unreadable_folder_is_reported_not_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Path.rglob passed over a folder it could not read without a word. (Tests run as
    # root here, where chmod does not stop reading: the refusal is simulated.)
    _write_reports(tmp_path / "ok", 1)
    _write_reports(tmp_path / "locked", 1)
    real = os.scandir

    def scandir(path: str | os.PathLike[str] = ".") -> object:
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    found = list(iter_paths([tmp_path]))
    assert tmp_path / "locked" in found
    with pytest.raises(ReadError, match=r"locked: cannot read this folder \(Permission denied\)"):
        path_to_raw(tmp_path / "locked")
    with Library(tmp_path / "x.db") as lib:
        s = lib.add([tmp_path])
    assert len(s.added) == 1 and any("cannot read this folder" in m for _, m in s.failed)


def test_bytes_of_a_failed_file_are_not_reported_as_stored(tmp_path: Path) -> None:
    # The second copy of a file that failed was "skipped (already stored)": it is not stored.
    (tmp_path / "a.txt").write_text("这不是报告。" * 50, encoding="utf-8")
    (tmp_path / "b.txt").write_text("这不是报告。" * 50, encoding="utf-8")
    with Library(tmp_path / "x.db") as lib:
        s = lib.add([tmp_path])
    assert s.skipped == [] and len(s.failed) == 2
    assert any("b.txt: the same bytes as" in m and "a.txt, which failed" in m for _, m in s.failed)


def test_pdf_reader_messages_name_no_file_on_stderr(monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    # pdfminer's own log lines reached stderr without saying which file they were about.
    import pdfminer.high_level

    from duizhang.pdftext import pdf_lines

    def extract_pages(*a: object, **k: object) -> list[object]:
        logging.getLogger("pdfminer.pdfparser").error("xref table damaged")
        return []

    monkeypatch.setattr(pdfminer.high_level, "extract_pages", extract_pages)
    notes: list[str] = []
    assert pdf_lines(b"%PDF-1.4", notes) == []
    assert notes == ["xref table damaged"]
    assert "xref" not in capsys.readouterr().err


# -- full disk -------------------------------------------------------------------


def test_full_disk_stops_the_batch_with_one_line_and_loses_nothing(tmp_path: Path) -> None:
    # A full disk ended in a 36-line traceback whose last line hid the cause.
    files = _write_reports(tmp_path / "in", 30)
    db = tmp_path / "x.db"
    with Library(db) as lib:
        lib.add(files[:2])
        pages = lib.store.conn.execute("PRAGMA page_count").fetchone()[0]
        lib.store.conn.execute(f"PRAGMA max_page_count = {pages + 12}")  # SQLITE_FULL soon
        s = lib.add(files[2:])
    assert s.stopped is not None and "the disk is full" in s.stopped and "not added" in s.stopped
    assert "\n" not in s.stopped
    with Library(db) as lib:
        stored = len(lib.documents())
        assert stored == 2 + len(s.added) < 30
        for doc_id in lib.documents()["id"]:
            lib.document(int(doc_id))  # every stored document is whole


# -- concurrent writers ----------------------------------------------------------


def _add_worker(db: str, folder: str, start: multiprocessing.synchronize.Event, out: multiprocessing.Queue) -> None:
    start.wait()
    try:
        with Library(db) as lib:
            s = lib.add([folder])
        out.put(("ok", len(s.added), len(s.skipped), len(s.failed)))
    except Exception as e:  # the test reports it
        out.put(("error", f"{type(e).__name__}: {e}", 0, 0))


@pytest.mark.parametrize("attempt", range(3))
def test_two_writers_on_a_new_library_both_succeed_and_count_truly(tmp_path: Path, attempt: int) -> None:
    # One of two `add` runs on a new library crashed (table already exists); both
    # over-counted "added" when they stored the same files.
    _write_reports(tmp_path / "in", 12)
    db = str(tmp_path / "x.db")
    ctx = multiprocessing.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_add_worker, args=(db, str(tmp_path / "in"), start, out)) for _ in range(2)]
    for p in procs:
        p.start()
    start.set()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert all(r[0] == "ok" for r in results), results
    assert sum(r[1] for r in results) == 12  # each file added by exactly one run
    assert all(r[1] + r[2] == 12 and r[3] == 0 for r in results)
    with Library(db) as lib:
        assert len(lib.documents()) == 12


def test_a_writer_that_lost_the_race_says_already_stored(tmp_path: Path) -> None:
    from duizhang.pipeline import raw_to_report

    (tmp_path / "r.txt").write_text(_report(1), encoding="utf-8")
    report = raw_to_report(path_to_raw(tmp_path / "r.txt"))
    db = tmp_path / "x.db"
    a, b = Store(db), Store(db)
    a.put(report, b"raw", "test")
    with pytest.raises(AlreadyStored):
        b.put(report, b"raw", "test")
    a.close()
    b.close()


def test_busy_library_waits_for_the_other_writer(tmp_path: Path) -> None:
    # An add while another process wrote a large document died with "database is locked".
    db = tmp_path / "x.db"
    holder = Store(db)
    holder.conn.execute("BEGIN IMMEDIATE")
    _write_reports(tmp_path / "in", 1)
    code = (f"from duizhang.library import Library\n"
            f"lib = Library({str(db)!r})\n"
            f"print(len(lib.add([{str(tmp_path / 'in')!r}]).added))\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    holder.conn.execute("COMMIT")  # the other writer is done
    out, errs = proc.communicate(timeout=60)
    assert proc.returncode == 0, errs
    assert out.strip() == "1"


# -- interrupted and killed runs -------------------------------------------------


def _children(pid: int) -> list[int]:
    # A process may end between the listing and the reading: then it has none.
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text(errors="replace")
    except OSError:
        return ""  # ended meanwhile


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.split(")")[-1].split()[0] != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_pool_workers_end_when_the_main_process_is_killed(tmp_path: Path) -> None:
    _write_reports(tmp_path / "in", LONG_ADD)
    proc = subprocess.Popen([sys.executable, "-m", "duizhang.cli", "add", "--db", str(tmp_path / "x.db"),
                             "--jobs", "2", str(tmp_path / "in")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: list[int] = []
    deadline = time.time() + 60
    while time.time() < deadline and len(workers) < 2:
        time.sleep(0.2)
        workers = [c for c in _children(proc.pid) if "python" in _cmdline(c)]
    assert len(workers) >= 2, "the pool never started"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 15
    while time.time() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.2)
    assert not any(_alive(w) for w in workers)


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_ctrl_c_with_jobs_prints_no_worker_tracebacks(tmp_path: Path) -> None:
    _write_reports(tmp_path / "in", LONG_ADD)
    db = tmp_path / "x.db"
    proc = subprocess.Popen([sys.executable, "-m", "duizhang.cli", "add", "--db", str(db), "--jobs", "2",
                             str(tmp_path / "in")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline and len(_children(proc.pid)) < 2:
        time.sleep(0.2)
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    _, errs = proc.communicate(timeout=60)
    assert proc.returncode == 130, errs
    assert "Traceback" not in errs and "KeyboardInterrupt" not in errs
    assert "interrupted: the documents stored so far are complete" in errs
    with Library(db) as lib:
        for doc_id in lib.documents()["id"]:
            lib.document(int(doc_id))


def test_a_worker_whose_main_process_already_died_ends_at_once() -> None:
    # The race behind orphaned workers: the main process killed between a worker's
    # fork and its start-up, so the parent-death signal was set too late to fire.
    code = "from duizhang.ingest import _worker_init; _worker_init(2**22 + 1); print('still running')"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert res.returncode == 1 and "still running" not in res.stdout


def test_the_write_lock_is_not_held_while_a_file_is_parsed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Documents are stored in batches; a scan's OCR takes minutes, and another writer
    # must not wait for it: no transaction is open while a file is parsed.
    from duizhang import ingest as lib_mod

    files = _write_reports(tmp_path / "in", 5)
    lib = Library(tmp_path / "x.db")
    seen: list[bool] = []
    real = lib_mod._parse_for_store

    def parse(raw, ocr="auto", pack_text=True):  # type: ignore[no-untyped-def]
        seen.append(lib.store.conn.in_transaction)
        return real(raw, ocr, pack_text)

    monkeypatch.setattr(lib_mod, "_parse_for_store", parse)
    assert len(lib.add(files).added) == 5
    assert seen == [False] * 5
    lib.close()
