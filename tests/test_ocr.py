"""Scanned PDFs read by OCR (issue 15): made-up scans and the dev corpus scan."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

import pytest

import duizhang
from duizhang import ocr
from duizhang.library import Library
from duizhang.model import ReadError

from .conftest import DEV, SAMPLE_REPORT, dev_gold_docs, needs_dev

needs_ocr = pytest.mark.skipif(not ocr.available(), reason="the OCR extra is not installed")


def _scan(path: Path, lines: list[str]) -> None:
    """A PDF whose only page is a picture of the lines (what a scanner makes)."""
    import pypdfium2 as pdfium
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    text_pdf = io.BytesIO()
    c = canvas.Canvas(text_pdf)
    c.setFont("STSong-Light", 12)
    for i, line in enumerate(lines):
        c.drawString(40, 800 - 22 * i, line)
    c.save()
    image = pdfium.PdfDocument(text_pdf.getvalue())[0].render(scale=2.5, grayscale=True).to_pil()
    c = canvas.Canvas(str(path))
    c.drawImage(ImageReader(image), 0, 0, width=595, height=842)
    c.save()


@needs_ocr
def test_a_scan_is_read_by_ocr_and_says_so(tmp_path: Path) -> None:
    p = tmp_path / "scan.pdf"
    _scan(p, SAMPLE_REPORT.splitlines())
    r = duizhang.parse(p)
    assert r.ocr_confidence is not None and r.ocr_confidence > 0.8
    assert r.doc_record()["ocr"] is True
    assert any(m.metric_id == "gdp" and m.value == 5.2 for m in r.mentions)
    assert all(r.text[m.start : m.end] == m.text for m in r.mentions)


@needs_ocr
def test_ocr_never_refuses_a_scan_clearly(tmp_path: Path) -> None:
    p = tmp_path / "scan.pdf"
    _scan(p, SAMPLE_REPORT.splitlines()[:3])
    with pytest.raises(ReadError, match="scan.pdf: the PDF has no text layer.*--ocr auto"):
        duizhang.parse(p, ocr="never")


def test_without_the_extra_the_message_names_the_file_and_the_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from reportlab.pdfgen import canvas

    p = tmp_path / "scan.pdf"
    c = canvas.Canvas(str(p))
    c.rect(10, 10, 200, 200)
    c.save()
    monkeypatch.setattr(ocr, "available", lambda: False)
    with pytest.raises(ReadError, match=r"scan.pdf: .*pip install 'duizhang\[ocr\]'"):
        duizhang.parse(p)


@pytest.fixture(scope="module")
def dev_scan() -> duizhang.Report:
    return duizhang.parse(DEV / "hubei_2025_gwr_scan.pdf")


@needs_dev
@needs_ocr
def test_dev_scan_has_the_metadata_of_its_docx(dev_scan: duizhang.Report) -> None:
    gold = dev_gold_docs()["hubei_2025_gwr.docx"]
    got = dev_scan.doc_record()
    for field in ("region_code", "doctype", "delivered_date", "review_years", "plan_years", "speaker", "session"):
        assert got[field] == gold[field], field
    assert dev_scan.ocr_confidence is not None and dev_scan.ocr_confidence > 0.95


@needs_dev
@needs_ocr
def test_dev_scan_gives_nine_tenths_of_the_docx_figures(dev_scan: duizhang.Report) -> None:
    docx = Counter((m.value, m.metric_id) for m in duizhang.parse(DEV / "hubei_2025_gwr.docx").mentions)
    got = Counter((m.value, m.metric_id) for m in dev_scan.mentions)
    # Measured 0.944 (187 of 198).
    assert sum((docx & got).values()) / sum(docx.values()) >= 0.90


@needs_ocr
def test_the_library_records_ocr(tmp_path: Path) -> None:
    p = tmp_path / "scan.pdf"
    _scan(p, SAMPLE_REPORT.splitlines())
    with Library(tmp_path / "x.db") as lib:
        assert lib.add([p]).added
        doc = lib.document(1)
        assert doc["ocr_confidence"] is not None and doc["ocr_confidence"] > 0.8
