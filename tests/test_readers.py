"""Reading and decoding: every file type a user is likely to have, and bad input."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

import duizhang
from duizhang.decode import bytes_to_str, raw_to_text
from duizhang.model import NotAReportError, ReadError
from duizhang.pipeline import Failure, iter_reports
from duizhang.read import bytes_to_raw

from .conftest import SAMPLE_REPORT

#: Big5 holds traditional characters only (a Taiwan or Hong Kong repost).
TRADITIONAL_REPORT = """政府工作報告
各位代表:
現在,我代表區人民政府向大會報告工作,請予審議。
一、2023年工作回顧
預計全區地區生產總值增長5.2%左右,一般公共預算收入增長8%,固定資產投資增長10%以上。
新增就業1.2萬餘人。完成12個老舊小區改造,建成2座消防站。
二、2024年工作安排
2024年經濟社會發展的主要預期目標是:地區生產總值增長5%左右,城鎮登記失業率控制在3.5%以內。
"""


@pytest.mark.parametrize(
    "encoding",
    ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16", "utf-16-le", "utf-16-be", "big5"],
)
def test_txt_encodings_decode_to_the_same_text(tmp_path: Path, encoding: str) -> None:
    text = TRADITIONAL_REPORT if encoding == "big5" else SAMPLE_REPORT
    data = text.encode(encoding)
    p = tmp_path / "report.txt"
    p.write_bytes(data)
    report = duizhang.parse(p)
    assert report.text == text
    assert report.sha256 == __import__("hashlib").sha256(data).hexdigest()
    assert report.mentions, "figures found whatever the encoding"


def test_offsets_keep_crlf(tmp_path: Path) -> None:
    p = tmp_path / "crlf.txt"
    p.write_bytes(SAMPLE_REPORT.replace("\n", "\r\n").encode("gb18030"))
    r = duizhang.parse(p)
    for m in r.mentions:
        assert r.text[m.start : m.end] == m.text
    assert "\r\n" in r.text


def test_html_main_text(tmp_path: Path) -> None:
    body = "".join(f"<p>{line}</p>" for line in SAMPLE_REPORT.splitlines())
    html = (
        "<html><head><meta charset='gbk'><title>某区政府工作报告</title></head><body>"
        "<div class='nav'><a href='/'>首页</a> &gt; <a>政务公开</a></div>"
        f"<div class='article'>{body}</div>"
        "<div class='footer'>网站地图 | 津ICP备12005970号-1</div></body></html>"
    ).encode("gbk")
    p = tmp_path / "page.htm"
    p.write_bytes(html)
    r = duizhang.parse(p)
    assert r.format == "html"
    assert "地区生产总值增长5.2%左右" in r.body
    assert any(m.metric_id == "gdp" for m in r.mentions)


def _pdf(path: Path, lines: list[str]) -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path))
    c.setFont("STSong-Light", 10)
    for i, line in enumerate(lines):
        c.drawString(30, 800 - 16 * i, line)
    c.save()


def test_pdf_text_layer(tmp_path: Path) -> None:
    p = tmp_path / "report.pdf"
    _pdf(p, SAMPLE_REPORT.splitlines())
    r = duizhang.parse(p)
    assert r.format == "pdf"
    assert r.meta.region is None or r.meta.doctype == "gwr"
    assert any(m.text == "5.2%左右" for m in r.mentions)


def test_scanned_pdf_is_refused_clearly(tmp_path: Path) -> None:
    from reportlab.pdfgen import canvas

    p = tmp_path / "scan.pdf"
    c = canvas.Canvas(str(p))
    c.rect(10, 10, 200, 200)
    c.save()
    with pytest.raises(ReadError, match="scan.pdf: the PDF has no text layer"):
        duizhang.parse(p)


def test_docx(tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    for line in SAMPLE_REPORT.splitlines():
        d.add_paragraph(line)
    p = tmp_path / "report.docx"
    d.save(str(p))
    r = duizhang.parse(p)
    assert r.format == "docx"
    assert r.meta.delivered_date == "2024-01-15"
    assert any(m.metric_id == "new_jobs" for m in r.mentions)


def test_parse_bytes_and_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    r = duizhang.parse(SAMPLE_REPORT.encode("gb18030"), name="x.txt")
    assert r.doc == "x.txt"
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(SAMPLE_REPORT.encode("utf-8"))))
    (rep,) = list(iter_reports(["-"]))
    assert not isinstance(rep, Failure) and rep.doc == "stdin.txt"


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"  \n\n ", "empty"),
        ("junk.txt", bytes(range(256)) * 20, "binary|encoding"),
        ("archive.txt", b"PK\x03\x04" + b"\x00" * 100, "zip|binary"),
        ("broken.pdf", b"%PDF-1.4\n garbage", "PDF"),
        ("broken.docx", b"not a zip file at all", "docx"),
    ],
)
def test_bad_input_gives_one_clear_message(name: str, data: bytes, message: str) -> None:
    with pytest.raises(ReadError, match=message) as e:
        raw_to_text(bytes_to_raw(data, name))
    assert name in str(e.value)


def test_unknown_extension(tmp_path: Path) -> None:
    p = tmp_path / "report.xls"
    p.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(ReadError, match="unsupported file type"):
        duizhang.parse(p)


@pytest.mark.parametrize(
    "text",
    [
        "人工智能让生活更美好。记者今天从市科技局获悉,该市新建5G基站3000座,市民出行更加便捷。" * 3,
        "第一章 山雨欲来\n他推开门,看见院子里的桂花开了。母亲坐在树下,慢慢地剥着豆子,一句话也没说。" * 10,
        "Hello world. This is plain English text with numbers 12% and 300 units." * 5,
    ],
    ids=["news", "novel", "english"],
)
def test_not_a_report(text: str) -> None:
    with pytest.raises(NotAReportError, match="doc.txt"):
        duizhang.parse(text.encode("utf-8"), name="doc.txt")


def test_batch_goes_on_after_bad_files(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(SAMPLE_REPORT.encode("gb18030"))
    (tmp_path / "b.txt").write_bytes(b"")
    (tmp_path / "c.bin").write_bytes(b"\x00\x01")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "d.txt").write_bytes(SAMPLE_REPORT.encode("utf-16"))
    results = list(iter_reports([tmp_path]))
    ok = [r for r in results if not isinstance(r, Failure)]
    bad = [r for r in results if isinstance(r, Failure)]
    assert sorted(r.doc for r in ok) == ["a.txt", "d.txt"]
    assert len(bad) == 2 and all(f.source in f.message for f in bad)


def test_utf8_preferred_over_gb18030() -> None:
    text, enc = bytes_to_str("地区生产总值增长4.7%".encode(), "a.txt")
    assert enc == "utf-8" and text == "地区生产总值增长4.7%"


def test_html_h1_title_is_kept(tmp_path: Path) -> None:
    # Caught: main-text extraction drops the page's <h1>, which names the document.
    lines = SAMPLE_REPORT.splitlines()[1:]
    html = (
        "<html><head><meta charset='utf-8'><title>某区2024年政府工作报告_某区人民政府</title></head><body>"
        "<div>无障碍 | 繁体</div><div>首页 &gt; 政务公开 &gt; 规划计划</div>"
        "<div class='article'><h1>某区2024年政府工作报告</h1>"
        "<div>来源:某区人民政府办公室 发布时间:2024-01-20</div>"
        + "".join(f"<p>{line}</p>" for line in lines)
        + "</div><div>网站地图 | ICP备12345号</div></body></html>"
    )
    p = tmp_path / "page.html"
    p.write_text(html, encoding="utf-8")
    r = duizhang.parse(p)
    assert r.meta.title == "某区2024年政府工作报告" and r.meta.doctype == "gwr"
    assert r.body.startswith("某区2024年政府工作报告")
    assert r.meta.published_date == "2024-01-20"


def _layout_page(inner: str) -> bytes:
    return (f"<html><head><meta charset='gbk'><title>政府工作报告</title></head><body>"
            f"<table><tr><td>首页 | 政务公开</td></tr></table>{inner}"
            f"<div>版权所有 某区人民政府</div></body></html>").encode("gbk")


_LINES = SAMPLE_REPORT.splitlines()


@pytest.mark.parametrize("inner", [
    pytest.param("<table><tr><td>" + "<br>".join(_LINES) + "</td></tr></table>", id="br-in-one-cell"),
    pytest.param("<table><tr><td>" + "".join(f"<p>{x}</p>" for x in _LINES) + "</td></tr></table>", id="p-in-one-cell"),
    pytest.param("<table>" + "".join(f"<tr><td>{x}</td></tr>" for x in _LINES) + "</table>", id="row-per-paragraph"),
    pytest.param("<table><tr><td width=150><table><tr><td>导航</td></tr></table></td><td><table><tr><td>"
                 + "<br>".join(_LINES) + "</td></tr></table></td></tr></table>", id="nested-layout"),
])
def test_html_layout_tables_keep_paragraphs(tmp_path: Path, inner: str) -> None:
    p = tmp_path / "page.htm"
    p.write_bytes(_layout_page(inner))
    r = duizhang.parse(p)
    assert "\n一、2023年工作回顾\n" in r.text
    assert [s.role for s in r.sections if s.level == 1 and s.role != "preamble"] == ["review", "plan"]


def test_html_data_table_stays_a_table() -> None:
    from duizhang.decode import _unwrap_layout_tables

    page = "<table><tr><th>指标</th><th>目标</th></tr><tr><td>地区生产总值增长</td><td>5%左右</td></tr></table>"
    assert "<table" in _unwrap_layout_tables(page)


def test_report_without_line_breaks_gets_its_sections(tmp_path: Path) -> None:
    # A scrape that lost every line break: one 17,000-character line whose "first line"
    # also holds 计划 further on; it must not be read as a plan report.
    one = SAMPLE_REPORT.replace("\n", "").replace(
        "新增就业1.2万余人。", "新增就业1.2万余人。" + "认真落实国民经济和社会发展计划。" * 1000)
    p = tmp_path / "one_line.txt"
    p.write_text(one, encoding="utf-8")
    r = duizhang.parse(p)
    assert (r.meta.title, r.meta.doctype, r.meta.speaker) == ("政府工作报告", "gwr", "张三")
    assert (r.meta.review_years, r.meta.plan_years) == ([2023], [2024])
    roles = {s.role for s in r.sections}
    assert {"review", "targets"} <= roles
    assert [(m.text, m.year) for m in r.mentions if m.metric_id == "gdp"] == [("5.2%左右", 2023), ("5%左右", 2024)]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_and_devices_are_refused_not_read(tmp_path: Path) -> None:
    # Issue 11: a FIFO on the command line hung the batch; /dev/zero (size 0) ate memory.
    from duizhang.read import path_to_raw

    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    with pytest.raises(ReadError, match="pipe.txt: not a regular file"):
        path_to_raw(fifo)
    if Path("/dev/zero").exists():
        with pytest.raises(ReadError, match="not a regular file|unsupported file type"):
            path_to_raw("/dev/zero")
