"""The record types that flow between the stages (see DESIGN.md, "Vocabulary").

Every span is a half-open ``[start, end)`` index into ``Report.text``, the decoded
original with no newline translation.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
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

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        v = d["value"]
        if isinstance(v, float) and v.is_integer():
            d["value"] = int(v)
        vm = d["value_max"]
        if isinstance(vm, float) and vm.is_integer():
            d["value_max"] = int(vm)
        return d


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
