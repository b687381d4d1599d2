"""Stage 2, decode: raw bytes to the text every later offset indexes.

Plain text is decoded as is (no newline translation, nothing rewritten, except that a
report scraped without line breaks is broken at sentence ends); HTML,
PDF and Word files are reduced to their text first, and offsets then index that
text. The decoded text is what the library stores beside the raw bytes.
"""

from __future__ import annotations

import re
import zlib

from . import startup
from .limits import MAX_TEXT_CHARS, MAX_UNPACKED_BYTES
from .model import DecodedText, RawDocument, ReadError

HTML_SUFFIXES = {".html", ".htm", ".shtml", ".xhtml"}

#: Share of CJK ideographs among non-space characters below which a decoding is
#: treated as mojibake when another candidate does better (real reports are > 0.6).
MIN_CJK_SHARE = 0.2

#: Characters sampled for the share: enough to tell Chinese prose from mojibake or code.
CJK_SAMPLE = 6000

#: Runs of what is not counted: removing them leaves only what is (few runs, so few
#: pieces to join, where counting each character as a match built thousands).
_NOT_CJK = startup.compile(r"[^\u4e00-\u9fff]+")
_NOT_SPACE = startup.compile(r"\S+")
_CONTROL = startup.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_HTML_SNIFF = re.compile(rb"<\s*(html|body|div|p|head|meta|table)\b", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)""", re.I)


def cjk_share(text: str) -> float:
    """Share of CJK ideographs among the non-space characters of ``text``.

    >>> cjk_share("增长4%")
    0.5
    >>> cjk_share("")
    0.0
    """
    sample = text[:CJK_SAMPLE]
    nonspace = len(sample) - len(_NOT_SPACE.sub("", sample))
    return len(_NOT_CJK.sub("", sample)) / nonspace if nonspace else 0.0


def _looks_utf16(data: bytes) -> str | None:
    """Guess a BOM-less UTF-16 byte order from where the NUL bytes sit."""
    sample = data[:4000]
    if len(sample) < 4:
        return None
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    half = len(sample) / 2
    # ASCII-heavy UTF-16 has NULs in one lane; CJK-heavy UTF-16 has none but
    # then also fails UTF-8, and is caught by trying utf-16 among candidates.
    if odd > 0.3 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.3 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def bytes_to_str(data: bytes, name: str, declared: str | None = None) -> tuple[str, str]:
    """Decode text bytes of unknown encoding; return ``(text, encoding)``.

    Order: BOM, a declared charset, UTF-8, then the legacy Chinese encodings
    ranked by charset-normalizer and by how Chinese the result reads.

    >>> bytes_to_str("增长4.7%".encode("gb18030"), "a.txt")
    ('增长4.7%', 'gb18030')
    >>> bytes_to_str(b"\\xef\\xbb\\xbf\\xe5\\xa2\\x9e", "a.txt")
    ('增', 'utf-8-sig')
    """
    if not data.strip():
        raise ReadError(f"{name}: the file is empty")
    for bom, enc in (
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe\x00\x00", "utf-32"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError as e:
                raise ReadError(f"{name}: starts with a {enc} byte-order mark but is not valid {enc}") from e
    utf16 = _looks_utf16(data)
    if utf16:
        try:
            return data.decode(utf16), utf16
        except UnicodeDecodeError:
            pass
    if b"\x00" in data[:4000]:
        # BOM-less UTF-16 of Chinese text: NULs only beside the ASCII characters.
        for enc in ("utf-16-le", "utf-16-be"):
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                continue
            if cjk_share(text) >= MIN_CJK_SHARE:
                return text, enc
        raise ReadError(f"{name}: binary data, not text (NUL bytes)")
    candidates: list[str] = []
    if declared:
        candidates.append(declared.lower())
    candidates += ["utf-8", "gb18030", "big5", "utf-16-le"]
    decoded: list[tuple[float, str, str]] = []
    for enc in dict.fromkeys(candidates):
        try:
            text = data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
        if enc == "utf-8" or (enc == declared and cjk_share(text) >= MIN_CJK_SHARE):
            return _check_text(text, name), enc
        decoded.append((cjk_share(text), enc, text))
    if not decoded:
        text, enc = _normalizer_guess(data, name)
        return _check_text(text, name), enc
    # gb18030 decodes almost any byte string; prefer what charset-normalizer says
    # when it names one of the candidates, else the most Chinese-looking text.
    # Its word counts only if two readings look Chinese enough: with one, that
    # one is the most Chinese-looking too (asking it was a twentieth of a parse).
    if sum(share >= MIN_CJK_SHARE for share, _, _ in decoded) < 2:
        share, enc, text = max(decoded, key=lambda t: t[0])
        return _check_text(text, name), enc
    guess = _normalizer_guess(data, name, strict=False)
    by_enc = {enc: (share, text) for share, enc, text in decoded}
    if guess is not None:
        g_enc = _canonical(guess[1])
        if g_enc in by_enc and by_enc[g_enc][0] >= MIN_CJK_SHARE:
            return _check_text(by_enc[g_enc][1], name), g_enc
    share, enc, text = max(decoded, key=lambda t: t[0])
    return _check_text(text, name), enc


def _canonical(enc: str) -> str:
    enc = enc.lower().replace("_", "-")
    return {"gbk": "gb18030", "gb2312": "gb18030", "cp936": "gb18030", "big5hkscs": "big5", "cp950": "big5"}.get(
        enc, enc
    )


def _normalizer_guess(data: bytes, name: str, strict: bool = True) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200000]).best()
    if best is None:
        if strict:
            raise ReadError(f"{name}: unknown encoding (not UTF-8, GB18030, Big5 or UTF-16)")
        return None  # type: ignore[return-value]
    enc = best.encoding
    try:
        return data.decode(enc), _canonical(enc)
    except (UnicodeDecodeError, LookupError) as e:
        if strict:
            raise ReadError(f"{name}: unknown encoding (best guess {enc} does not decode the whole file)") from e
        return None  # type: ignore[return-value]


def _check_text(text: str, name: str) -> str:
    controls = len(_CONTROL.findall(text[:20000]))
    if controls > 0.01 * min(len(text), 20000):
        raise ReadError(f"{name}: binary data, not text ({controls} control characters)")
    return text


def html_to_text(data: bytes, name: str) -> str:
    """Main text of a saved web page, falling back to all of its text."""
    m = _META_CHARSET.search(data[:4000])
    declared = m.group(1).decode("ascii", "ignore") if m else None
    html, _ = bytes_to_str(data, name, declared=_canonical(declared) if declared else None)
    import trafilatura

    main = trafilatura.extract(
        _unwrap_layout_tables(html), include_comments=False, include_tables=True, favor_recall=True,
        deduplicate=False,
    )
    if main and len(main) > 200:
        return _with_title(main, html)
    from lxml import html as lxml_html

    try:
        tree = lxml_html.fromstring(html)
    except Exception as e:  # lxml raises several unrelated types on junk
        raise ReadError(f"{name}: not a readable HTML page ({e})") from e
    for bad in tree.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    text = tree.text_content()
    return re.sub(r"\n\s*\n+", "\n\n", text).strip()


#: A table cell holding more text than this is page layout, not data.
LAYOUT_CELL_CHARS = 200
_BLOCK_IN_CELL = ("p", "br", "div", "table", "h1", "h2", "h3", "h4", "ul", "ol")


def _unwrap_layout_tables(html: str) -> str:
    """Turn tables used for page layout into plain blocks, so their paragraphs survive.

    Older government sites set the whole report in a table cell, with <br> or <p>
    between paragraphs; main-text extraction flattens a cell to one line (one
    section instead of fifteen). A table whose cells hold paragraphs or long text
    is layout, and so is a single column of rows; a table of short cells in
    several columns (a targets table) stays a table.

    >>> out = _unwrap_layout_tables("<table><tr><td>一、回顾<br>增长5%</td></tr></table>")
    >>> "<table" in out, "<br>" in out
    (False, True)
    >>> "<table" in _unwrap_layout_tables("<table><tr><td>增长</td><td>5%</td></tr></table>")
    True
    """
    from lxml import etree
    from lxml import html as lxml_html

    try:
        tree = lxml_html.document_fromstring(html)
    except Exception:  # junk is left to the extractor and its fallback
        return html
    changed = False
    for table in list(tree.iter("table")):
        cells = [c for c in table.iter("td", "th")]
        rows = [r for r in table.iter("tr")]
        # A table of one cell per row is a column of text, not data.
        single_column = bool(rows) and all(len(r.findall("td")) + len(r.findall("th")) <= 1 for r in rows)
        layout = single_column or any(
            any(child.tag in _BLOCK_IN_CELL for child in cell) or len(cell.text_content()) > LAYOUT_CELL_CHARS
            for cell in cells
        )
        if not layout:
            continue
        changed = True
        for el in [table, *table.iter("tbody", "thead", "tfoot", "tr", "td", "th")]:
            el.tag = "div"
            for attr in ("width", "height", "colspan", "rowspan"):
                el.attrib.pop(attr, None)
    return etree.tostring(tree, encoding="unicode", method="html") if changed else html


_H1 = startup.compile(r"<h1[^>]*>(.*?)</h1>", re.I | re.S)
_TAG = startup.compile(r"<[^>]+>")


def _with_title(main: str, html: str) -> str:
    """Put back the page's <h1> title, which main-text extraction drops, before the report.

    The title says what the document is (政府工作报告, 2024年计划); it goes before the
    first line that is not site chrome, where the report's own title would stand.
    """
    import html as html_mod

    from .chrome import TITLE_RE, first_content_line

    m = _H1.search(html)
    if not m:
        return main
    title = html_mod.unescape(_TAG.sub("", m.group(1))).strip()
    if not title or title in main or not TITLE_RE.fullmatch(title):
        return main
    at = first_content_line(main)
    return main[:at] + title + "\n" + main[at:]


#: How a PDF's pages without a text layer are read: ``auto`` runs OCR on them, ``never`` refuses.
OCR_MODES = ("auto", "never")


def pdf_to_text(
    data: bytes, name: str, ocr: str = "auto", notes: list[str] | None = None
) -> tuple[str, float | None]:
    """The text of a PDF as paragraphs, and the mean OCR confidence if pages needed OCR.

    Pages with a text layer are read from it; pages without one (a scan) go through
    OCR when ``ocr`` is ``auto`` and the OCR extra is installed.
    """
    from .pdftext import join_lines, pdf_lines

    try:
        pages = pdf_lines(data, notes)
    except Exception as e:  # pdfminer raises many types on broken or hostile files
        raise ReadError(f"{name}: not a readable PDF ({type(e).__name__}: {e})") from e
    blank = [i for i, lines in enumerate(pages) if not lines]
    confidence: float | None = None
    if blank and ocr == "auto":
        from .ocr import ocr_pages

        read = ocr_pages(data, name, blank)
        for i, page in read.items():
            pages[i] = page.lines
        n = sum(len(p.lines) for p in read.values())
        confidence = sum(p.confidence * len(p.lines) for p in read.values()) / n if n else 0.0
    text = join_lines(pages)
    if not text.strip():
        if not pages:
            raise ReadError(f"{name}: the PDF has no pages")
        # With --ocr auto, a scan without the extra was refused inside ocr_pages.
        hint = "OCR found no text" if confidence is not None else "run with --ocr auto to read it by OCR"
        raise ReadError(f"{name}: the PDF has no text layer (a scan?); {hint}")
    return text, confidence


#: A line this long holds a whole report scraped without line breaks.
RUN_ON_LINE = 3000

_RUN_ON_BREAK = startup.compile(
    # after a sentence end (and a closing quote or bracket that belongs to it)
    r"(?<=[。！？!?；;])(?=[^\s”’」』）)。，,、])"
    r"|(?<=[。！？!?；;][”’」』）)])(?=[^\s”’」』）)])"
    # before and after the salutation
    r"|(?<=\S)(?=各位代表[:：，,])|(?<=各位代表[:：])(?=\S)"
    # before the subtitle of the title (——2024年1月15日在…, ——在…上)
    r"|(?<=\S)(?=——(?:[0-9０-９〇一二三四五六七八九]{4}年|在))"
)


def split_run_on(text: str) -> str:
    """Break a report scraped without line breaks into sentences, so headings start lines.

    Only lines longer than ``RUN_ON_LINE`` are touched: a text with its own line
    breaks is kept exactly as it is.

    >>> t = "政府工作报告——2024年1月15日在某区人代会上各位代表:现在报告工作。一、2023年工作回顾增长5%。" * 60
    >>> split_run_on(t).split("\\n")[:5]
    ['政府工作报告', '——2024年1月15日在某区人代会上', '各位代表:', '现在报告工作。', '一、2023年工作回顾增长5%。']
    >>> split_run_on("一行。二行。") == "一行。二行。"
    True
    """
    if len(text) <= RUN_ON_LINE or max(len(line) for line in text.split("\n")) <= RUN_ON_LINE:
        return text
    return "\n".join(
        _RUN_ON_BREAK.sub("\n", line) if len(line) > RUN_ON_LINE else line for line in text.split("\n")
    )


def raw_to_text(raw: RawDocument, ocr: str = "auto") -> DecodedText:
    """Decode a raw document by its type (suffix, then content sniffing).

    ``ocr``: ``auto`` reads PDF pages without a text layer by OCR, ``never`` does not.
    """
    decoded = _decode(raw, ocr)
    if len(decoded.text) > MAX_TEXT_CHARS:
        raise ReadError(
            f"{raw.name}: {len(decoded.text):,} characters of text is far more than any report "
            f"(limit {MAX_TEXT_CHARS:,}): not read"
        )
    return decoded


def gunzip(data: bytes, name: str) -> bytes:
    """The bytes of a gzip-compressed file (a page saved with its transfer encoding),
    refused beyond ``MAX_UNPACKED_BYTES`` while unpacking, not after.

    >>> import gzip
    >>> gunzip(gzip.compress("政府工作报告".encode()), "x.html").decode()
    '政府工作报告'
    """
    out = bytearray()
    inflater = zlib.decompressobj(wbits=31)  # gzip header and trailer
    try:
        chunk = inflater.decompress(data, MAX_UNPACKED_BYTES + 1)
        out += chunk
        while inflater.unconsumed_tail and len(out) <= MAX_UNPACKED_BYTES:
            out += inflater.decompress(inflater.unconsumed_tail, MAX_UNPACKED_BYTES + 1 - len(out))
    except zlib.error as e:
        raise ReadError(f"{name}: a damaged gzip file ({e})") from e
    if len(out) > MAX_UNPACKED_BYTES:
        raise ReadError(f"{name}: unpacks to more than {MAX_UNPACKED_BYTES / 1e6:,.0f} MB (a zip bomb?): not read")
    return bytes(out)


def _decode(raw: RawDocument, ocr: str) -> DecodedText:
    suffix = raw.suffix
    data = raw.data
    if data.startswith(b"\x1f\x8b"):
        data = gunzip(data, raw.name)
    if not data.strip():
        raise ReadError(f"{raw.name}: the file is empty")
    if suffix == ".pdf" or data.startswith(b"%PDF-"):
        notes: list[str] = []
        text, confidence = pdf_to_text(data, raw.name, ocr, notes)
        return DecodedText(text, "pdf", "pdf", confidence, tuple(f"PDF reader: {n}" for n in notes))
    if suffix == ".docx" or (data.startswith(b"PK\x03\x04") and b"word/" in data[:2000]):
        from .docxtext import docx_to_text  # zipfile and its compressors: for .docx only

        return DecodedText(docx_to_text(data, raw.name), "docx", "docx")
    if data.startswith(b"PK\x03\x04"):
        raise ReadError(f"{raw.name}: a zip archive, not a report (unpack it first)")
    looks_html = data.lstrip()[:1] == b"<" and _HTML_SNIFF.search(data[:2000]) is not None
    if suffix in HTML_SUFFIXES or (suffix in ("", ".txt") and looks_html):
        return DecodedText(split_run_on(html_to_text(data, raw.name)), "html", "html")
    text, enc = bytes_to_str(data, raw.name)
    return DecodedText(split_run_on(text), enc, "txt")
