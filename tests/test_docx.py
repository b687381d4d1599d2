"""Word .docx text: the fast lxml reader gives exactly python-docx's text (offsets
index it), tables go through python-docx, and an oversized document part is refused."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_BREAK
from docx.oxml import parse_xml

from duizhang import docxtext
from duizhang.docxtext import docx_to_text
from duizhang.model import ReadError

from .conftest import DEV, SAMPLE_REPORT, needs_dev

_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _reference(data: bytes) -> str:
    d = docx.Document(io.BytesIO(data))
    lines = [p.text for p in d.paragraphs]
    for table in d.tables:
        for row in table.rows:
            lines.append("\t".join(c.text for c in row.cells))
    return "\n".join(lines)


def _save(d: docx.document.Document) -> bytes:
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _rich_document() -> docx.document.Document:
    d = docx.Document()
    for line in SAMPLE_REPORT.splitlines():
        d.add_paragraph(line)
    p = d.add_paragraph("地区生产总值")
    p.add_run("增长").bold = True
    p.add_run("\t5.2%")
    p.add_run().add_break()  # a line break inside the paragraph
    p.add_run("第二行").add_break(WD_BREAK.PAGE)  # a page break has no text
    p.add_run(" 末尾 ")
    d.add_paragraph("")
    # A hyperlink's runs are part of the paragraph; a run inside w:ins is not (python-docx).
    link = d.add_paragraph("见")
    link._p.append(parse_xml(f'<w:hyperlink {_W}><w:r><w:t>附件</w:t></w:r></w:hyperlink>'))
    link._p.append(parse_xml(f'<w:ins {_W} w:id="1" w:author="a"><w:r><w:t>插入</w:t></w:r></w:ins>'))
    link._p.append(parse_xml(f'<w:r {_W}><w:noBreakHyphen/><w:cr/><w:t xml:space="preserve"> </w:t></w:r>'))
    return d


def test_fast_reader_gives_python_docx_text() -> None:
    data = _save(_rich_document())
    fast = docxtext._fast_text(zipfile.ZipFile(io.BytesIO(data)), "word/document.xml")
    assert fast is not None  # no table: read without python-docx
    assert fast == _reference(data)
    assert "附件" in fast and "插入" not in fast and "增长\t5.2%\n第二行 末尾 " in fast


def test_tables_are_read_by_python_docx() -> None:
    d = _rich_document()
    t = d.add_table(rows=2, cols=2)
    t.cell(0, 0).text, t.cell(0, 1).text = "指标", "目标"
    t.cell(1, 0).merge(t.cell(1, 1)).text = "合并"
    data = _save(d)
    assert docxtext._fast_text(zipfile.ZipFile(io.BytesIO(data)), "word/document.xml") is None
    text = docx_to_text(data, "t.docx")
    assert text == _reference(data) and text.endswith("指标\t目标\n合并\t合并")


@needs_dev
def test_dev_reports_read_alike() -> None:
    for p in sorted(DEV.glob("*.docx")):
        data = p.read_bytes()
        assert docx_to_text(data, p.name) == _reference(data), p.name


def test_oversized_document_part_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # A zip bomb: a small file whose document.xml unpacks to far more than any report.
    data = _save(_rich_document())
    monkeypatch.setattr(docxtext, "MAX_DOCX_XML_BYTES", 1000)
    with pytest.raises(ReadError, match=r"bomb.docx: the .docx document holds .* MB of XML once unpacked"):
        docx_to_text(data, "bomb.docx")


def test_zip_bomb_docx_is_refused_before_unpacking(tmp_path: Path) -> None:
    # 300 MB of XML compresses to about 300 KB; it must be refused from the zip header.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("_rels/.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                   'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                   'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
                   '</Relationships>')
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            chunk = b"<w:p/>" * 100_000
            for _ in range(500):
                f.write(chunk)
    with pytest.raises(ReadError, match="MB of XML"):
        docx_to_text(buf.getvalue(), "bomb.docx")


def test_package_without_relationships_falls_back_to_python_docx() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "<x/>")
    with pytest.raises(ReadError, match="odd.docx: not a readable .docx file"):
        docx_to_text(buf.getvalue(), "odd.docx")
