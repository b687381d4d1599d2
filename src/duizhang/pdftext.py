"""PDF text layer to paragraphs, from each character's position.

A report converted to PDF is typeset in fixed-width lines: a paragraph is cut
every ~30 characters, the first line of each paragraph is indented, a page
number sits at the foot of every page, and converters put a space between
Chinese and Latin runs (2025 年, 557 亿斤). Taken as plain text, every cut
separates a figure from its indicator. pdfminer.six gives each line's box, so
a line that reaches the right margin and is followed by a line at the left
margin is the same paragraph, whatever its last character.

Why pdfminer.six (measured on the three dev PDFs against the .docx they were
made from): pypdf and pdfminer give the same characters, but only pdfminer
gives the line boxes needed to tell a wrap from a paragraph end; PyMuPDF does
too but is AGPL. With the joins below the PDFs yield the .docx's figures.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass

#: A line within this many points of the text block's right edge is full (wrapped).
RIGHT_SLACK = 14.0
#: A line starting this many points right of the left edge is indented (a new paragraph).
INDENT = 6.0

_PAGE_NUMBER = re.compile(r"^\s*(?:[-—–]\s*)?(?:第\s*)?\d{1,4}(?:\s*页)?(?:\s*[-—–])?\s*(?:/\s*\d{1,4})?\s*$")
_WIDE = "\u2e80-\u9fff\u3000-\u303f\uff00-\uffef\u2018-\u201d\u2014\u2026"
# Converters space Chinese from Latin and digits (2025 年, 第 6 次, ， 6100): not in the text.
_SPURIOUS_SPACE = re.compile(rf"(?<=[{_WIDE}])[ \t\u00a0]+(?=[0-9A-Za-z.%％+\-(（])"
                             rf"|(?<=[0-9A-Za-z.%％)）])[ \t\u00a0]+(?=[{_WIDE}])"
                             rf"|(?<=[{_WIDE}])[ \t\u00a0]+(?=[{_WIDE}])")
# Where paragraphs are not indented, a heading still starts a new one.
_HEADING_START = re.compile(r"[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）]|第[一二三四五六七八九十]+[部章]")


@dataclass(frozen=True, slots=True)
class Line:
    x0: float
    x1: float
    text: str


def tidy(line: str) -> str:
    """Drop the spaces a converter puts between Chinese and Latin text.

    >>> tidy("2025 年 1 月 16 日，总量达到 60013 亿元， 6100 万人")
    '2025年1月16日，总量达到60013亿元，6100万人'
    >>> tidy("PM2.5 and CO2 stay")
    'PM2.5 and CO2 stay'
    """
    return _SPURIOUS_SPACE.sub("", line.strip())


def _page_lines(page: object) -> list[Line]:
    from pdfminer.layout import LTTextContainer, LTTextLine

    found: list[tuple[float, float, float, str]] = []
    for element in page:  # type: ignore[attr-defined]
        if not isinstance(element, LTTextContainer):
            continue
        for line in element:
            if isinstance(line, LTTextLine):
                text = line.get_text().strip()
                if text:
                    found.append((-line.y1, line.x0, line.x1, text))
    found.sort()
    return drop_page_numbers([Line(x0, x1, text) for _, x0, x1, text in found])


def drop_page_numbers(lines: list[Line]) -> list[Line]:
    """Without the page number or bare running number at the head or foot of a page.

    >>> [ln.text for ln in drop_page_numbers([Line(90, 300, "- 2 -"), Line(90, 505, "增长5%。"), Line(300, 310, "3")])]
    ['增长5%。']
    """
    lines = list(lines)
    while lines and _PAGE_NUMBER.match(lines[-1].text):
        lines.pop()
    while lines and _PAGE_NUMBER.match(lines[0].text):
        lines.pop(0)
    return lines


def join_lines(pages: list[list[Line]]) -> str:
    """Paragraphs from positioned lines: a full line followed by an unindented one continues.

    >>> a = [Line(90, 505, "地区生产总值增长"), Line(90, 505, "5.8％，总量达到"), Line(90, 300, "6万亿元。")]
    >>> join_lines([a, [Line(118, 505, "二、工作安排")]])
    '地区生产总值增长5.8％，总量达到6万亿元。\\n二、工作安排'
    """
    every = [ln for page in pages for ln in page]
    if not every:
        return ""
    left = min(ln.x0 for ln in every)
    right = max(ln.x1 for ln in every)
    # The right edge of the text block: most full lines end within a few points of it.
    full = sorted(ln.x1 for ln in every)
    right = full[int(len(full) * 0.9)] if len(full) >= 10 else right
    out: list[str] = []
    current = ""
    previous: Line | None = None
    for ln in every:
        text = tidy(ln.text)
        if previous is not None:
            wrapped = previous.x1 >= right - RIGHT_SLACK and ln.x0 <= left + INDENT
            if wrapped and not _HEADING_START.match(text):
                current += text
                previous = ln
                continue
            out.append(current)
        current = text
        previous = ln
    out.append(current)
    return "\n".join(out)


class _Notes(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        msg = record.getMessage()
        if msg not in self.messages and len(self.messages) < MAX_NOTES:
            self.messages.append(msg)


#: pdfminer messages kept per file (a broken file can log one per object).
MAX_NOTES = 3


def pdf_lines(data: bytes, notes: list[str] | None = None) -> list[list[Line]]:
    """Every page's text lines, top to bottom, page numbers dropped.

    pdfminer's own error messages go to ``notes`` (the caller names the file), never
    to stderr, where they would appear without saying which file of a batch they are about.
    """
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams

    log = logging.getLogger("pdfminer")
    handler = _Notes()
    log.setLevel(logging.ERROR)  # font quirks are logged as warnings: not worth a word
    log.addHandler(handler)
    propagate, log.propagate = log.propagate, False
    try:
        return [_page_lines(page) for page in extract_pages(io.BytesIO(data), laparams=LAParams())]
    finally:
        log.removeHandler(handler)
        log.propagate = propagate
        if notes is not None:
            notes.extend(handler.messages)
