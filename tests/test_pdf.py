"""PDF text layers: wrapped lines, page numbers and converter spaces (issue 8).

Made-up PDFs cover each class of layout; the dev PDFs, converted from the .docx
beside them, must give the .docx's figures.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

import duizhang
from duizhang.pdftext import Line, join_lines, tidy

from .conftest import DEV, needs_dev


def _pdf(path: Path, pages: list[list[tuple[float, str]]]) -> None:
    """One page per list of (x, text) lines, 20 points apart from the top."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path))
    for lines in pages:
        c.setFont("STSong-Light", 12)
        for i, (x, line) in enumerate(lines):
            c.drawString(x, 780 - 20 * i, line)
        c.showPage()
    c.save()


FULL = "全区上下团结一心，经济运行稳中向好，全年实现地区生"  # 25 characters: a full line


def test_wrapped_paragraph_is_one_line_and_page_numbers_go(tmp_path: Path) -> None:
    p = tmp_path / "wrap.pdf"
    _pdf(p, [
        [(90, "一、2024年工作回顾"), (114, FULL), (90, "产总值增长5.2%，一般公共预算收入完成"), (90, "22.7亿元。"),
         (114, FULL), (300, "1")],
        [(90, "产总值增长5.2%。"), (300, "2")],
    ])
    text = duizhang.parse(p).text
    assert "地区生产总值增长5.2%，一般公共预算收入完成" in text
    assert "\n1\n" not in text and not text.rstrip().endswith("2")
    # The paragraph runs on across the page break.
    assert "地区生产总值增长5.2%。" in text


def test_indented_line_starts_a_paragraph(tmp_path: Path) -> None:
    lines = [Line(90, 505, FULL), Line(118, 300, "新段落。")]
    assert join_lines([lines * 6]).count("\n") == 11


def test_heading_is_not_joined_without_indentation() -> None:
    lines = [Line(90, 505, FULL)] * 10 + [Line(90, 200, "二、2025年工作安排")]
    assert join_lines([lines]).endswith("\n二、2025年工作安排")


@pytest.mark.parametrize(("raw", "clean"), [
    ("2025 年 1 月 16 日", "2025年1月16日"),
    ("总量达到 60013 亿元", "总量达到60013亿元"),
    ("增长 5.8％、增速全国", "增长5.8％、增速全国"),
    ("， 6100 万湖北人民", "，6100万湖北人民"),
    ("“51020” 现代产业", "“51020”现代产业"),
    ("PM2.5 and GDP", "PM2.5 and GDP"),
])
def test_converter_spaces(raw: str, clean: str) -> None:
    assert tidy(raw) == clean


def _figures(path: Path) -> Counter[tuple[float | None, str | None, str | None]]:
    return Counter((m.value, m.unit, m.metric_id) for m in duizhang.parse(path).mentions)


@needs_dev
@pytest.mark.parametrize("pdf", ["gansu_2025_gwr.pdf", "hubei_2025_gwr.pdf", "shandong_2025_gwr.pdf"])
def test_dev_pdf_gives_the_figures_of_its_docx(pdf: str) -> None:
    docx = _figures(DEV / pdf.replace(".pdf", ".docx"))
    got = _figures(DEV / pdf)
    same = sum((docx & got).values())
    assert same / sum(docx.values()) >= 0.98
    assert sum(got.values()) <= 1.02 * sum(docx.values())
