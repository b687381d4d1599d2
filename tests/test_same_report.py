"""One report, one document: the same text in another encoding or format is not stored twice (issue 8)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

import duizhang
from duizhang.cli import main
from duizhang.library import Library

from .conftest import DEV, SAMPLE_REPORT, needs_dev


def _fp(path: Path) -> str:
    return duizhang.parse(path).fingerprint


def test_encodings_and_line_breaks_share_a_fingerprint(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(SAMPLE_REPORT.encode("gb18030"))
    (tmp_path / "b.txt").write_bytes(SAMPLE_REPORT.replace("\n", "\r\n").encode("utf-8-sig"))
    (tmp_path / "c.txt").write_bytes(SAMPLE_REPORT.replace("5.2%", "５．２％").encode("utf-16"))
    fps = {_fp(tmp_path / n) for n in ("a.txt", "b.txt", "c.txt")}
    assert len(fps) == 1


def test_characters_the_fingerprint_skips_never_become_kept_characters() -> None:
    # The fingerprint normalises (NFKC) only what may turn into an ideograph, digit or
    # letter; every character it skips must be one NFKC leaves out of that set.
    import re
    import unicodedata

    from duizhang.clean import _FINGERPRINT_KEEP, FINGERPRINT_DROP

    drop = re.compile(f"[{FINGERPRINT_DROP}]")
    skipped = [chr(c) for c in range(0x10000) if drop.match(chr(c))]
    assert len(skipped) > 250
    bad = [hex(ord(ch)) for ch in skipped if _FINGERPRINT_KEEP.search(unicodedata.normalize("NFKC", ch))
           or unicodedata.combining(ch)]
    assert bad == []


def test_full_width_and_compatibility_forms_share_a_fingerprint(tmp_path: Path) -> None:
    # ２００１年, ① and 〸 are 2001年, 1 and 十 once normalised: the same report.
    body = SAMPLE_REPORT.replace("5.2%", "５．２％ ①")
    (tmp_path / "a.txt").write_text(body, encoding="utf-8")
    (tmp_path / "b.txt").write_text(body.replace("５．２％ ①", "5.2% 1"), encoding="utf-8")
    assert _fp(tmp_path / "a.txt") == _fp(tmp_path / "b.txt")


def test_another_report_has_another_fingerprint(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(SAMPLE_REPORT, encoding="utf-8")
    (tmp_path / "b.txt").write_text(SAMPLE_REPORT.replace("5.2%", "5.3%"), encoding="utf-8")
    assert _fp(tmp_path / "a.txt") != _fp(tmp_path / "b.txt")


def test_add_names_the_stored_report_it_repeats(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(SAMPLE_REPORT.encode("gb18030"))
    (tmp_path / "b.txt").write_bytes(SAMPLE_REPORT.encode("utf-8"))
    db = str(tmp_path / "x.db")
    res = CliRunner().invoke(main, ["add", "--db", db, str(tmp_path / "a.txt"), str(tmp_path / "b.txt")])
    assert res.exit_code == 0, res.output
    assert "b.txt: not added, the same report as stored document 1" in res.stderr
    assert "1 added, 0 skipped (already stored), 1 repeated a stored report, 0 failed" in res.stderr
    res = CliRunner().invoke(main, ["add", "--db", db, "--keep-duplicates", str(tmp_path / "b.txt")])
    assert "1 added" in res.stderr
    with Library(db) as lib:
        assert len(lib.documents()) == 2


def test_upload_of_the_same_report_is_not_added(tmp_path: Path) -> None:
    with Library(tmp_path / "x.db") as lib:
        assert lib.add_bytes("a.txt", SAMPLE_REPORT.encode("gb18030"))[0] == "added"
        outcome, message, doc_id = lib.add_bytes("b.txt", SAMPLE_REPORT.encode("utf-8"))
        assert (outcome, doc_id) == ("skipped", 1)
        assert "same report as stored document 1" in message


@needs_dev
def test_dev_pdfs_are_the_reports_of_their_docx() -> None:
    for name in ("gansu_2025_gwr", "hubei_2025_gwr", "shandong_2025_gwr"):
        assert _fp(DEV / f"{name}.pdf") == _fp(DEV / f"{name}.docx")
    assert _fp(DEV / "hubei_2025_gwr.docx") != _fp(DEV / "gansu_2025_gwr.docx")
