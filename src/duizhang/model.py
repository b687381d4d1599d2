"""The record types that flow between the stages (see DESIGN.md, "Vocabulary").

Every span is a half-open ``[start, end)`` index into ``Report.text``, the decoded
original with no newline translation.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

Role = Literal["preamble", "review", "targets", "plan", "self_building", "problems", "glossary", "other"]
Kind = Literal["growth", "change", "share", "level", "rank"]
Qualifier = Literal["exact", "about", "above", "at_least", "below", "near"]
Stance = Literal["actual", "estimate", "target", "other"]
Level = Literal["national", "province", "city", "district", "county"]
DocType = Literal["gwr", "plan", "other"]


class DuizhangError(Exception):
    """An input problem the user can act on; the message names the file."""


class ReadError(DuizhangError):
    """A file that cannot be read or decoded into report text."""


class NotAReportError(DuizhangError):
    """A readable text that is not a government work report or plan report."""


@dataclass(frozen=True, slots=True)
class RawDocument:
    """The bytes of one input file, kept unchanged so nothing is ever lost."""

    name: str
    source: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def suffix(self) -> str:
        dot = self.name.rfind(".")
        return self.name[dot:].lower() if dot > 0 else ""


@dataclass(frozen=True, slots=True)
class DecodedText:
    """The text of a document, and how it was obtained from the bytes."""

    text: str
    encoding: str
    format: str  # txt | html | pdf | docx
    #: Mean recognition confidence when (some of) the text came from OCR, else None.
    ocr_confidence: float | None = None
    #: What the reader library said about the file (kept with the document's warnings).
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Span:
    """A marked stretch of text, e.g. a boilerplate line, with the reason."""

    start: int
    end: int
    reason: str


@dataclass(frozen=True, slots=True)
class Cleaned:
    """Where the report body is, and what around and inside it is not report."""

    body_start: int
    body_end: int
    boilerplate: tuple[Span, ...] = ()
    duplicates: tuple[Span, ...] = ()


@dataclass(slots=True)
class Meta:
    """What the document is: the fields of ``shared/gold/docs.jsonl``."""

    title: str | None = None
    region: str | None = None
    region_code: str | None = None
    level: Level | None = None
    doctype: DocType = "other"
    delivered_date: str | None = None
    published_date: str | None = None
    session: str | None = None
    speaker: str | None = None
    speaker_title: str | None = None
    review_years: list[int] = field(default_factory=list)
    plan_years: list[int] = field(default_factory=list)
    #: What the region is today when it was renamed, re-coded or made part of a city
    #: since the report (徐水县 130625 → 保定市徐水区 130609); None when unchanged.
    region_now: str | None = None
    region_now_code: str | None = None


@dataclass(frozen=True, slots=True)
class Section:
    """One node of the section tree: heading span, whole span, depth, role."""

    start: int
    end: int
    heading_end: int
    level: int
    title: str
    role: Role
    parent: int | None = None


@dataclass(slots=True)
class Mention:
    """One quantity; fields and values follow ``shared/gold/GUIDE.md``."""

    doc: str
    start: int
    end: int
    text: str
    value: float | None
    unit: str
    kind: Kind
    direction: int | None = None
    qualifier: Qualifier = "exact"
    stance: Stance = "actual"
    metric: str | None = None
    metric_id: str | None = None
    year: int | None = None
    value_max: float | None = None
    section: int | None = None
    #: The words of the clause before the number (up to ``CONTEXT_CHARS``), which the
    #: 对账单 reads for in-progress wording and base years; not a gold field.
    context: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        v = d["value"]
        if isinstance(v, float) and v.is_integer():
            d["value"] = int(v)
        vm = d["value_max"]
        if isinstance(vm, float) and vm.is_integer():
            d["value_max"] = int(vm)
        return d


#: The columns of a stored figure: the fields of :class:`Mention` but ``doc`` (the
#: document is a row of its own), in the dataclass's order.
MENTION_COLUMNS = [f.name for f in fields(Mention) if f.name != "doc"]

#: Fields of a mention line, in the order of ``shared/gold/mentions/*.jsonl``: every
#: field of :class:`Mention` but the two that are not gold fields.
MENTION_FIELDS = [f.name for f in fields(Mention) if f.name not in ("section", "context")]
MENTION_FIELDS.insert(MENTION_FIELDS.index("value") + 1, MENTION_FIELDS.pop(MENTION_FIELDS.index("value_max")))

#: Characters before a figure kept as its context (the wording of its clause).
CONTEXT_CHARS = 30


def clause_before(text: str, start: int) -> str:
    """The words before ``start`` back to the last clause mark, at most ``CONTEXT_CHARS``.

    >>> clause_before("全年增长5%。新增就业1万人", 11)
    '新增就业'
    """
    seg = text[max(0, start - CONTEXT_CHARS) : start]
    cut = max(seg.rfind("。"), seg.rfind("；"), seg.rfind(";"), seg.rfind("\n"))
    return seg[cut + 1 :]


@dataclass(frozen=True, slots=True)
class Side:
    """One side of a row: the figure and where it is (doc, offsets)."""

    doc: str
    start: int
    end: int
    text: str
    value: float | None
    value_max: float | None
    qualifier: str | None
    doc_id: int | None = None
    #: For a target without a number: the core indicator its words name (居民收入…同步).
    metric_id: str | None = None
    #: The sentence the figure stands in (``reconcile.SENTENCE_CHARS`` characters of it).
    sentence: str | None = None

    def to_dict(self) -> dict[str, Any]:
        def num(x: float | None) -> float | int | None:
            return int(x) if isinstance(x, float) and x.is_integer() else x

        return {
            "doc": self.doc, "start": self.start, "end": self.end, "text": self.text,
            "value": num(self.value), "value_max": num(self.value_max), "qualifier": self.qualifier,
            "sentence": self.sentence,
        }


@dataclass(slots=True)
class Figure:
    """A mention with the document it came from (what reconcile works on)."""

    mention: Mention
    doc_id: int | None = None
    #: The region of the document (as the library holds it), where read from a library.
    region: str | None = None
    region_code: str | None = None

    @property
    def context(self) -> str:
        """The clause before the number (in-progress wording, a base year)."""
        return self.mention.context

    def side(self) -> Side:
        m = self.mention
        return Side(m.doc, m.start, m.end, m.text, m.value, m.value_max, m.qualifier, self.doc_id)


@dataclass(slots=True)
class ReconRow:
    region: str | None
    region_code: str | None
    year: int
    metric: str | None
    metric_id: str | None
    kind: str | None
    target: Side | None
    outcome: Side | None
    status: str
    ratio: float | None = None
    confidence: float | None = None
    note: str | None = None
    details: list[Side] = field(default_factory=list)
    #: Why the row has its status, in a few words (for the table view).
    reason: str | None = None

    def flat(self) -> dict[str, Any]:
        """The row as flat columns (for tables, CSV, Excel, Stata): each side's fields
        prefixed ``target_`` and ``outcome_``."""
        d: dict[str, Any] = {
            "region": self.region, "region_code": self.region_code, "year": self.year, "metric": self.metric,
            "metric_id": self.metric_id, "kind": self.kind, "status": self.status, "ratio": self.ratio,
            "confidence": self.confidence, "note": self.note, "reason": self.reason,
        }
        for name, side in (("target", self.target), ("outcome", self.outcome)):
            for f in ("doc_id", "text", "value", "value_max", "qualifier", "doc", "start", "end", "sentence"):
                d[f"{name}_{f}"] = getattr(side, f) if side else None
        return d

    def to_dict(self) -> dict[str, Any]:
        return {
            "region_code": self.region_code, "region": self.region, "year": self.year,
            "metric": self.metric, "metric_id": self.metric_id, "kind": self.kind,
            "target": self.target.to_dict() if self.target else None,
            "outcome": self.outcome.to_dict() if self.outcome else None,
            "status": self.status,
            "ratio": None if self.ratio is None else round(self.ratio, 4),
            "confidence": None if self.confidence is None else round(self.confidence, 3),
            "note": self.note,
            "reason": self.reason,
        }


@dataclass(slots=True)
class Report:
    """A parsed report: text, body, metadata, sections and quantity mentions."""

    doc: str
    source: str
    sha256: str
    encoding: str
    format: str
    text: str
    cleaned: Cleaned
    meta: Meta
    sections: list[Section]
    mentions: list[Mention]
    warnings: list[str] = field(default_factory=list)
    #: Inside parts covering five years and one year together: which stretches describe
    #: the five-year period (reason ``five_year``) and which the single year (``year``).
    periods: list[Span] = field(default_factory=list)
    #: The same report in any encoding or format has the same fingerprint (``clean.fingerprint``).
    fingerprint: str = ""
    #: Mean recognition confidence when the text (of some pages) came from OCR, else None.
    ocr_confidence: float | None = None

    @property
    def body(self) -> str:
        return self.text[self.cleaned.body_start : self.cleaned.body_end]

    def doc_record(self) -> dict[str, Any]:
        """The document line in the shape of ``shared/gold/docs.jsonl``."""
        m = self.meta
        return {
            "doc": self.doc,
            "sha256": self.sha256,
            "title": m.title,
            "region": m.region,
            "region_code": m.region_code,
            "region_now": m.region_now,
            "region_now_code": m.region_now_code,
            "level": m.level,
            "doctype": m.doctype,
            "delivered_date": m.delivered_date,
            "published_date": m.published_date,
            "review_years": m.review_years,
            "plan_years": m.plan_years,
            "speaker": m.speaker,
            "speaker_title": m.speaker_title,
            "session": m.session,
            "body_start": self.cleaned.body_start,
            "body_end": self.cleaned.body_end,
            "encoding": self.encoding,
            "format": self.format,
            "ocr": self.ocr_confidence is not None,
            "ocr_confidence": None if self.ocr_confidence is None else round(self.ocr_confidence, 4),
        }


def section_at(sections: list[Section], pos: int) -> int | None:
    """Index of the innermost section containing ``pos``."""
    best = None
    for i, s in enumerate(sections):
        if s.start <= pos < s.end:
            best = i
        elif s.start > pos:
            break
    return best


def merged_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping spans joined, in order: a position is inside one of ``spans`` exactly
    when it is inside one of these, which a pointer walks for positions in order.

    >>> merged_spans([(5, 9), (0, 3), (2, 4), (9, 10)])
    [(0, 4), (5, 9), (9, 10)]
    """
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def section_finder(sections: list[Section]) -> Callable[[int], int | None]:
    """:func:`section_at` for many positions of one text: a bisect over the points
    where the innermost section changes, instead of a scan of every section.

    >>> secs = [Section(0, 50, 5, 1, "一、", None, None), Section(10, 20, 12, 2, "（一）", None, 0)]
    >>> find = section_finder(secs)
    >>> [find(p) == section_at(secs, p) for p in (0, 9, 10, 19, 20, 49, 50, 99)]
    [True, True, True, True, True, True, True, True]
    """
    points = sorted({p for s in sections for p in (s.start, s.end)})
    owners = [section_at(sections, p) for p in points]

    def find(pos: int) -> int | None:
        k = bisect_right(points, pos) - 1
        return owners[k] if k >= 0 else None

    return find


@dataclass(slots=True)
class StoredDocument:
    """A document of the library: its metadata, counts and where it came from."""

    id: int
    name: str
    source: str | None
    sha256: str
    title: str | None = None
    region: str | None = None
    region_code: str | None = None
    level: str | None = None
    doctype: str | None = None
    delivered_date: str | None = None
    published_date: str | None = None
    session: str | None = None
    speaker: str | None = None
    speaker_title: str | None = None
    review_years: list[int] = field(default_factory=list)
    plan_years: list[int] = field(default_factory=list)
    n_mentions: int = 0
    n_targets: int = 0
    region_now: str | None = None
    region_now_code: str | None = None
    encoding: str | None = None
    format: str | None = None
    body_start: int | None = None
    body_end: int | None = None
    warnings: list[str] = field(default_factory=list)
    parser_version: str | None = None
    fingerprint: str | None = None
    ocr_confidence: float | None = None
    added_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A sentence that holds a search, with where it stands."""

    doc_id: int
    doc: str
    region: str | None
    section: str | None  # the title of its section
    sentence: str
    start: int
    end: int

