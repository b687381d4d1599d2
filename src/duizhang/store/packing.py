"""The stored form of a report, made where it was parsed (a worker with --jobs):
its raw bytes as stored (compressed, or given by its text), its text as stored
(compressed where that pays) and its indexed sentences.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from operator import attrgetter
from typing import Any

from ..fulltext import marked
from ..model import MENTION_COLUMNS, Cleaned, Report, merged_spans, section_finder
from .errors import StoreError

#: Sentence boundaries for the full-text index.
SENTENCE_RE = re.compile(r"[^。！!？?；;\n]+[。！!？?；;]?")

#: Raw bytes are stored zlib-compressed when that saves at least this share (text
#: files and web pages: about half); PDFs and .docx are compressed already.
COMPRESS_MIN_SAVING = 0.1

#: zlib level for a report's text: 6 takes it from 2.9 to 1.2 bytes a character (level
#: 1: 1.3) at 7 M characters/s, a seventh of parsing it; reading it back runs at 34 M/s.
TEXT_LEVEL = 6


@dataclass
class Prepared:
    """What storing a report needs, computed where it was parsed (a worker process
    with --jobs), so that the one writer only writes: every row of the report as the
    tables take it, except the ids the store gives."""

    raw: bytes  # as stored (compressed or not)
    codec: str | None
    sentences: list[tuple[int, int, int | None, str]]  # start, end, section, index body
    text: str | bytes  # the report's text as SQLite stores it (pack_text)
    text_size: int  # its length in UTF-8 bytes
    #: The ``documents`` row: column -> value, without its id and parser version.
    document: dict[str, Any]
    #: ``doc_years`` rows: (year, role).
    years: list[tuple[int, str]]
    #: ``sections`` rows from ``idx`` on: (idx, start, end, heading_end, level, title, role, parent).
    sections: list[tuple[Any, ...]]
    #: ``spans`` rows: (start, end, kind, reason).
    spans: list[tuple[int, int, str, str]]
    #: ``mentions`` rows: the stored columns (``STORED_MENTION_COLUMNS``), then the section's index.
    mentions: list[tuple[Any, ...]]


#: The columns of a figure as stored (its context is read from the text), and a
#: function giving them from a Mention in one C call.
STORED_MENTION_COLUMNS = [c for c in MENTION_COLUMNS if c != "context"]
_stored_mention = attrgetter(*STORED_MENTION_COLUMNS)


def prepare(report: Report, raw: bytes, pack_text_too: bool = True) -> Prepared:
    """The stored form of a report: its raw bytes, its text (compressed with
    ``pack_text_too``, for a backend that stores it so), its indexed sentences and
    the rows of every table. Made by the parse worker: a report's rows cross to the
    writer as tuples, which take a third of the time of its objects to unpickle
    and an eighth to pickle (its figures: 0.19 against 0.61 ms, 0.07 against 0.56 ms)."""
    r = report
    sentences = _sentences(r)
    packed, codec = pack(raw, r.text, r.encoding if r.format == "txt" else None)
    stored, size = pack_text(r.text) if pack_text_too else (r.text, len(r.text.encode("utf-8")))
    m = r.meta
    document = {
        "sha256": r.sha256, "name": r.doc, "source": r.source, "encoding": r.encoding, "format": r.format,
        "title": m.title, "region": m.region, "region_code": m.region_code, "level": m.level,
        "doctype": m.doctype, "delivered_date": m.delivered_date, "published_date": m.published_date,
        "session": m.session, "speaker": m.speaker, "speaker_title": m.speaker_title,
        "review_years": json.dumps(m.review_years), "plan_years": json.dumps(m.plan_years),
        "body_start": r.cleaned.body_start, "body_end": r.cleaned.body_end, "n_mentions": len(r.mentions),
        "n_targets": sum(1 for x in r.mentions if x.stance == "target"),
        "warnings": json.dumps(r.warnings, ensure_ascii=False),
        "fingerprint": r.fingerprint or None, "region_now": m.region_now,
        "region_now_code": m.region_now_code, "ocr_confidence": r.ocr_confidence,
    }
    return Prepared(
        packed, codec, sentences, stored, size, document,
        years=[(y, "review") for y in m.review_years] + [(y, "plan") for y in m.plan_years],
        sections=[(i, s.start, s.end, s.heading_end, s.level, s.title, s.role, s.parent)
                  for i, s in enumerate(r.sections)],
        spans=[(s.start, s.end, "boilerplate", s.reason) for s in r.cleaned.boilerplate]
        + [(s.start, s.end, "duplicate", s.reason) for s in r.cleaned.duplicates],
        mentions=[(*_stored_mention(x), x.section) for x in r.mentions],
    )


def _sentences(r: Report) -> list[tuple[int, int, int | None, str]]:
    """The body's sentences outside marked chrome: (start, end, section, index body)."""
    start, end = r.cleaned.body_start, r.cleaned.body_end
    skip = merged_spans((s.start, s.end) for s in r.cleaned.boilerplate)
    k = 0  # the first chrome span not wholly before the sentence (sentences come in order)
    find = section_finder(r.sections)
    body = marked(r.text[start:end])  # each sentence's index body is a slice of it
    sentences = []
    for m in SENTENCE_RE.finditer(r.text, start, end):
        s0 = m.start()
        while k < len(skip) and skip[k][1] <= s0:
            k += 1
        if k < len(skip) and skip[k][0] <= s0:
            continue  # inside marked chrome
        g = m.group()
        sent = g.strip()
        if len(sent) < 2:
            continue
        a = s0 + g.find(sent)
        b = a + len(sent)
        sentences.append((a, b, find(a), " ".join(body[a - start : b - start])))
    return sentences


def light(report: Report) -> Report:
    """The report as the writer reads it beside its :class:`Prepared` rows (its
    identity, metadata, text and warnings): the figures, sections and spans travel as rows."""
    c = report.cleaned
    return replace(report, mentions=[], sections=[], periods=[], cleaned=Cleaned(c.body_start, c.body_end))


def pack_text(text: str) -> tuple[str | bytes, int]:
    """A document's text as the SQLite library stores it, and its size in UTF-8 bytes.

    The text is zlib-compressed where that saves (a report: 2.9 bytes a character
    as UTF-8, 1.2 compressed), else kept as it is. The pair is what SQLite's own
    ``sqlar_uncompress(X, SZ)`` reads (the sqlite3 shell has it; the library registers
    it on its connections and in Datasette): it gives X back as it is when SZ is its
    size, and otherwise uncompresses it, so ``CAST(sqlar_uncompress(text, text_size)
    AS TEXT)`` is the text in plain SQL either way.

    >>> packed, size = pack_text("政府工作报告。" * 200)
    >>> type(packed).__name__, size, unpack_text(packed) == "政府工作报告。" * 200
    ('bytes', 4200, True)
    >>> pack_text("短文")
    ('短文', 6)
    """
    data = text.encode("utf-8")
    packed = zlib.compress(data, TEXT_LEVEL)
    if len(packed) <= (1 - COMPRESS_MIN_SAVING) * len(data):
        return packed, len(data)
    return text, len(data)


def unpack_text(stored: str | bytes) -> str:
    """A document's text from its stored form (:func:`pack_text`; a str is the text)."""
    if isinstance(stored, str):
        return stored
    return zlib.decompress(stored).decode("utf-8")


def sqlar_uncompress(data: str | bytes | None, size: int | None) -> str | bytes | None:
    """SQLite's ``sqlar_uncompress(X, SZ)`` as the sqlite3 shell defines it, for
    connections that lack it (Python's, Datasette's): X itself when SZ is not above
    zero or is X's size, else X uncompressed with zlib.

    >>> sqlar_uncompress(*pack_text("文" * 100)) == "文".encode() * 100, sqlar_uncompress("文", 3)
    (True, '文')
    """
    if data is None or size is None:
        return data
    n = len(data.encode("utf-8")) if isinstance(data, str) else len(data)
    if size <= 0 or size == n:
        return data
    try:
        return zlib.decompress(data if isinstance(data, bytes) else data.encode("utf-8"))
    except zlib.error:
        return None  # not a zlib stream (the shell stops with an error)


def pack(raw: bytes, text: str | None = None, encoding: str | None = None) -> tuple[bytes, str | None]:
    r"""The bytes to store and their codec (None: as they are).

    A plain-text file whose text, encoded again, gives back its bytes exactly is
    stored once: as its text, with the codec ``text:ENCODING`` and no bytes (the raw
    bytes of a .txt were a second copy of its text, 1.2 bytes per character of it).

    >>> data = "政府工作报告".encode() * 100
    >>> packed, codec = pack(data)
    >>> codec, unpack(packed, codec) == data, pack(b"%PDF-1.4 x")[1]
    ('zlib', True, None)
    >>> t = "政府工作报告\r\n"
    >>> pack(t.encode("gb18030"), t, "gb18030"), unpack(b"", "text:gb18030", t) == t.encode("gb18030")
    ((b'', 'text:gb18030'), True)
    """
    if text is not None and encoding:
        try:
            if text.encode(encoding) == raw:
                return b"", f"text:{encoding}"
        except (LookupError, UnicodeError):
            pass  # not an encoding Python writes, or a text it cannot: kept as bytes
    packed = zlib.compress(raw, 6)
    if len(packed) <= (1 - COMPRESS_MIN_SAVING) * len(raw):
        return packed, "zlib"
    return raw, None


def unpack(stored: bytes, codec: str | None, text: str | None = None) -> bytes:
    """The raw bytes of a document exactly as read from its file (``text``: the
    document's stored text, needed for the codec ``text:ENCODING``)."""
    if codec is None:
        return bytes(stored)
    if codec == "zlib":
        return zlib.decompress(stored)
    if codec.startswith("text:") and text is not None:
        return text.encode(codec[5:])
    raise StoreError(f"raw bytes stored with an unknown codec {codec!r} (a newer duizhang wrote them?)")


def pack_spans(spans: Sequence[tuple[int, int]]) -> str:
    """A document's sentence spans as the SQLite library keeps them in one value: a
    JSON array where ``n > 0`` is a sentence of n characters and ``-n`` n characters
    between sentences. A row per sentence cost 0.4 bytes per character of text; this
    about 0.1, and plain SQL still reads it (``json_each``; the ``sentence_texts``
    view). Spans must be in order and not overlap.

    >>> pack_spans([(2, 5), (5, 9), (11, 12)])
    '[-2,3,4,-2,1]'
    >>> unpack_spans(pack_spans([(2, 5), (5, 9), (11, 12)]))
    [(2, 5), (5, 9), (11, 12)]
    >>> pack_spans([]), unpack_spans("[]")
    ('[]', [])
    """
    parts: list[int] = []
    at = 0
    for a, b in spans:
        if a < at or b <= a:
            raise ValueError(f"sentence spans out of order or empty at {a}")
        if a > at:
            parts.append(at - a)
        parts.append(b - a)
        at = b
    return json.dumps(parts, separators=(",", ":"))


def unpack_spans(packed: str | None) -> list[tuple[int, int]]:
    """The spans :func:`pack_spans` packed (none for None)."""
    spans: list[tuple[int, int]] = []
    at = 0
    for n in json.loads(packed or "[]"):
        if n > 0:
            spans.append((at, at + n))
        at += abs(n)
    return spans
