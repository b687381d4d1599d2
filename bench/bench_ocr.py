"""Seconds per page of OCR on a scanned PDF (the ``ocr`` extra).

usage: python bench/bench_ocr.py SCAN.pdf [--pages 4]

Renders and recognises the first N pages and prints seconds per page, with the
engine's start-up apart. A figure to read, never a test assertion.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from duizhang import ocr  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pdf", type=Path)
    ap.add_argument("--pages", type=int, default=4)
    a = ap.parse_args()
    if not a.pdf.is_file():
        print(f"{a.pdf}: not found; skipping the OCR benchmark")
        return 0
    if not ocr.available():
        print("the OCR extra is not installed (pip install 'duizhang[ocr]'); skipping the OCR benchmark")
        return 0
    import pypdfium2 as pdfium

    t0 = time.perf_counter()
    ocr._engine()
    start = time.perf_counter() - t0
    pdf = pdfium.PdfDocument(a.pdf.read_bytes())
    n = min(a.pages, len(pdf))
    t0 = time.perf_counter()
    lines = confidence = 0.0
    for i in range(n):
        page = ocr.ocr_page(pdf[i])
        lines += len(page.lines)
        confidence += page.confidence
    took = time.perf_counter() - t0
    print(f"OCR {a.pdf.name}: engine start {start:.2f} s; {n} pages, {took / n:.2f} s per page "
          f"({lines / n:.0f} lines a page, mean confidence {confidence / n:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
