"""The orchestrator: read → decode → clean → meta → structure → quantities.

Each stage is one module with one public function; this module only runs them in
order and decides what counts as a report at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .clean import fingerprint, other_reports, text_to_cleaned
from .decode import cjk_share, raw_to_text
from .meta import text_to_meta
from .model import DuizhangError, NotAReportError, RawDocument, Report
from .patterns import compile_guarded
from .quantities import text_to_mentions
from .read import bytes_to_raw, iter_paths, path_to_raw
from .structure import text_to_periods, text_to_sections
from .vocab import load_toml

#: The word patterns of ``data/phrases.toml``.
PHRASES = load_toml("phrases.toml")

#: Phrases of which a report body shows several; a news story or novel shows few.
REPORT_MARKERS = compile_guarded(PHRASES["report"]["markers"])

#: Shortest body (characters) taken for a report; even an excerpt of the review part is longer.
MIN_BODY_CHARS = 100

#: Fewest distinct report phrases a body must show.
MIN_MARKERS = 2


def raw_to_report(raw: RawDocument, check: bool = True, ocr: str = "auto") -> Report:
    """Run every stage on one raw document.

    With ``check`` (the default) a text that is not a report raises
    :class:`NotAReportError`; without it, whatever is found is returned.
    """
    decoded = raw_to_text(raw, ocr)
    text = decoded.text
    cleaned = text_to_cleaned(text)
    body = text[cleaned.body_start : cleaned.body_end]
    if check:
        _check_report(raw.name, body)
    meta = text_to_meta(text, cleaned, raw.name)
    sections = text_to_sections(text, cleaned, meta)
    periods = text_to_periods(text, sections, meta)
    mentions = text_to_mentions(text, cleaned, meta, sections, raw.name, periods)
    warnings = [f"{raw.name}: {note}" for note in decoded.notes]
    later = other_reports(text, cleaned)
    if later:
        line = text.count("\n", 0, later[0]) + 1
        title = text[later[0] : text.find("\n", later[0]) if "\n" in text[later[0]:] else len(text)].strip()[:40]
        warnings.append(f"{raw.name}: more than one report in this file (another begins at line {line}: {title}); "
                        "only the first is read: split the file to read the others")
    if meta.region_code is None:
        warnings.append(f"{raw.name}: region not recognised")
    if not meta.review_years and not meta.plan_years:
        warnings.append(f"{raw.name}: no review or plan year found")
    return Report(
        doc=raw.name,
        source=raw.source,
        sha256=raw.sha256,
        encoding=decoded.encoding,
        format=decoded.format,
        text=text,
        cleaned=cleaned,
        meta=meta,
        sections=sections,
        mentions=mentions,
        warnings=warnings,
        periods=periods,
        fingerprint=fingerprint(text, cleaned),
        ocr_confidence=decoded.ocr_confidence,
    )


def _check_report(name: str, body: str) -> None:
    if cjk_share(body) < 0.2:
        raise NotAReportError(f"{name}: not Chinese report text (too few Chinese characters)")
    if len(body.strip()) < MIN_BODY_CHARS:
        raise NotAReportError(f"{name}: too short for a report ({len(body.strip())} characters of body text)")
    found = set(REPORT_MARKERS.findall(body[:20000]))
    if len(found) < MIN_MARKERS:
        raise NotAReportError(
            f"{name}: does not look like a government work report or plan report "
            f"(found {len(found)} of the usual phrases such as 各位代表, 预期目标, 工作回顾)"
        )


def parse(source: str | Path | bytes, name: str | None = None, check: bool = True, ocr: str = "auto") -> Report:
    """Parse one report from a path or from bytes into a :class:`Report`.

    ``name`` names a bytes input (its suffix selects the reader: .txt, .html,
    .pdf, .docx). Raises :class:`DuizhangError` subclasses with a clear message.
    """
    if isinstance(source, bytes):
        raw = bytes_to_raw(source, name or "document.txt")
    else:
        raw = path_to_raw(source)
    return raw_to_report(raw, check=check, ocr=ocr)


@dataclass(frozen=True, slots=True)
class Failure:
    """A file that could not be parsed, and why (one line, naming the file)."""

    source: str
    message: str


def iter_reports(paths: Iterable[str | Path], check: bool = True, ocr: str = "auto") -> Iterator[Report | Failure]:
    """Parse every file under ``paths``; bad files yield a :class:`Failure`, never stop the batch."""
    for p in iter_paths(paths):
        try:
            yield raw_to_report(path_to_raw(p), check=check, ocr=ocr)
        except DuizhangError as e:
            msg = str(e)
            name = Path(p).name if p != "-" else "stdin.txt"
            if msg.startswith(name + ":"):
                msg = f"{p}{msg[len(name):]}"  # the whole path, so the user can find the file
            yield Failure(str(p), msg)
        except Exception as e:  # a reader library's own bug must not end a batch
            yield Failure(str(p), f"{p}: unexpected error while parsing ({type(e).__name__}: {e})")
