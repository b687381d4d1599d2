"""A text layer for scanned PDF pages, from an offline OCR engine (the ``ocr`` extra).

Many county reports are published as scans. Pages without a text layer are
rendered (pypdfium2) and read by RapidOCR, which runs the PP-OCRv4 Chinese models
shipped inside its wheel on onnxruntime: no download at run time, no GPU.

Why RapidOCR, measured on ``dev/hubei_2025_gwr_scan.pdf`` (the hubei .docx printed,
photocopied at 150 dpi and saved as JPEG), pages 2 and 3 against the text of the PDF
made from the same .docx: characters right 0.981 and 0.988 with RapidOCR, 0.963 and
0.975 with Debian's Tesseract 5.3 ``chi_sim`` (which also turns ——, “” and 芯 into
一一, "" and 世); figures right about equally (17/22 and 18/22 against 18/23 and
18/22); time about equal on this machine (6–11 s a page with the machine busy). It
installs from PyPI alone, which a user of ``pip`` can do anywhere, while Tesseract
needs system packages; its weight (about 170 MB with onnxruntime and OpenCV) is why
it is an optional extra. Over the whole scan: the .docx's metadata, and 94% of its
figures with the same value and indicator.

The recognised lines keep their boxes, so the same joining as for a born-digital
PDF (:func:`duizhang.pdftext.join_lines`) turns them into paragraphs and drops the
page numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from .model import ReadError
from .pdftext import Line, drop_page_numbers

#: Pixels on the long side of a rendered page: the resolution of a 150 dpi A4 scan.
RENDER_LONG_SIDE = 1800

#: Recognised lines below this confidence are noise (stamps, specks, bleed-through).
MIN_LINE_CONFIDENCE = 0.5

#: How the CLI follows long work: called with (pages done, pages to read).
PageProgress = Callable[[int, int], None]

_progress: PageProgress | None = None


def set_progress(callback: PageProgress | None) -> None:
    """Report OCR progress page by page in this process (the CLI's progress bar)."""
    global _progress
    _progress = callback


@dataclass(frozen=True, slots=True)
class OcrPage:
    lines: list[Line]
    confidence: float  # mean over the page's kept lines (0 when it has none)


def available() -> bool:
    """Whether the OCR extra is installed."""
    try:
        import pypdfium2  # noqa: F401
        import rapidocr_onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


@cache
def _engine() -> Any:
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR()


def rows_to_lines(found: list[tuple[list[list[float]], str, float]]) -> tuple[list[Line], list[float]]:
    """Recognised boxes to lines top to bottom; boxes on one row are one line.

    >>> box = lambda x0, y0, x1, y1: [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]
    >>> lines, conf = rows_to_lines([(box(300, 10, 500, 40), "增长5%", 0.99), (box(90, 12, 290, 41), "地区生产总值", 0.98),
    ...                              (box(90, 60, 200, 90), "二、工作安排", 0.97)])
    >>> [ln.text for ln in lines], conf
    (['地区生产总值增长5%', '二、工作安排'], [0.98, 0.97])
    """
    boxes = []
    for box, text, conf in found:
        if float(conf) < MIN_LINE_CONFIDENCE or not text.strip():
            continue
        xs = [p[0] for p in box]
        ys = [p[1] for p in box]
        boxes.append((min(ys), max(ys), min(xs), max(xs), text.strip(), float(conf)))
    boxes.sort()
    rows: list[list[tuple[float, float, float, float, str, float]]] = []
    for b in boxes:
        if rows:
            top, bottom = min(x[0] for x in rows[-1]), max(x[1] for x in rows[-1])
            # Same row when the boxes overlap by more than half the height.
            if min(bottom, b[1]) - max(top, b[0]) > 0.5 * min(bottom - top, b[1] - b[0]):
                rows[-1].append(b)
                continue
        rows.append([b])
    lines: list[Line] = []
    confs: list[float] = []
    for row in rows:
        row.sort(key=lambda x: x[2])
        lines.append(Line(row[0][2], row[-1][3], "".join(x[4] for x in row)))
        confs.append(min(x[5] for x in row))
    return lines, confs


def ocr_page(pdf_page: Any) -> OcrPage:
    """Render one page and read its lines."""
    w, h = pdf_page.get_size()
    scale = RENDER_LONG_SIDE / max(w, h, 1.0)
    image = pdf_page.render(scale=scale, grayscale=True).to_numpy()
    found, _ = _engine()(image)
    lines, confs = rows_to_lines(found or [])
    return OcrPage(drop_page_numbers(lines), sum(confs) / len(confs) if confs else 0.0)


def ocr_pages(data: bytes, name: str, pages: list[int]) -> dict[int, OcrPage]:
    """OCR the given pages (0-based) of a PDF; reports progress through :func:`set_progress`."""
    if not available():
        raise ReadError(
            f"{name}: the PDF has no text layer (a scan?); reading it needs the OCR extra: "
            "pip install 'duizhang[ocr]'")
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except Exception as e:  # pdfium raises its own error types on broken files
        raise ReadError(f"{name}: not a readable PDF for OCR ({e})") from e
    out: dict[int, OcrPage] = {}
    try:
        for done, i in enumerate(pages):
            out[i] = ocr_page(pdf[i])
            if _progress is not None:
                _progress(done + 1, len(pages))
    finally:
        pdf.close()
    return out
