"""Stage 3, clean: find the report body and mark everything that is not report.

The body runs from the report's title line (the last title before the first
paragraph of prose) to the first footer line after it. Lines of site chrome are
marked with a reason from ``data/boilerplate.toml``; repeated pastes of the whole
report are marked as duplicates and the first complete copy is kept.

All scanning is done by whole-text regexes so the stage runs at C speed.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from . import startup
from .chrome import LINE_LEAD, TITLE_RE, Rules, line_rules
from .model import Cleaned, Span
from .patterns import LinePattern
from .vocab import load_toml

#: The word patterns of ``data/document.toml``.
_DOC = load_toml("document.toml")

#: Prose: a line with enough text and sentence punctuation; the body starts near the first.
PROSE_RE = LinePattern(LINE_LEAD + r"(?P<p>[^\n]{30,}[。，,；;！!][^\n]*)$")

#: How far into the file a report title is looked for first.
TITLE_SEARCH = 3000

#: How far back (in characters) from the first prose line the title may be.
TITLE_LOOKBACK = 1500

#: A later copy counts as complete if it is at least this share of the longest copy.
COMPLETE_COPY_SHARE = 0.8

#: Characters of the first prose line used to recognise repeated copies.
COPY_KEY_LEN = 40

#: Characters from there (spacing aside) that a repeated copy must share with the first.
COPY_CHECK_LEN = 400

_NOT_LETTER = startup.compile(r"[\s\u3000]+")


def _letters(s: str) -> str:
    return _NOT_LETTER.sub("", s)


def _line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


def _line_end(text: str, pos: int) -> int:
    nl = text.find("\n", pos)
    return len(text) if nl < 0 else nl


def _reason(rules: Rules, m: re.Match[str]) -> str:
    return rules.reasons[m.lastgroup] if m.lastgroup else "boilerplate"


def _first_prose(text: str, start: int = 0) -> re.Match[str] | None:
    rules = line_rules()
    for m in PROSE_RE.finditer(text, start):
        line = text[m.start() : m.end()]
        if rules.footer.match(line) or rules.inline.match(line) or rules.header.match(line):
            continue
        return m
    return None


def _title_before(text: str, anchor: int, floor: int) -> int | None:
    """Start of the title line closest before ``anchor`` (not before ``floor``)."""
    best = None
    for m in TITLE_RE.finditer(text, max(floor, anchor - TITLE_LOOKBACK), anchor):
        best = m.start()
    return best


def text_to_cleaned(text: str) -> Cleaned:
    """Find the body span, boilerplate lines and duplicate copies of a report text.

    >>> t = "今天是:2021年09月26日\\n某区政府工作报告\\n各位代表:\\n现在,我代表区人民政府向大会报告工作,请予审议,并请区政协委员提出意见。\\n网站地图 | 关于我们\\n"
    >>> c = text_to_cleaned(t)
    >>> t[c.body_start:c.body_end].splitlines()[0], [s.reason for s in c.boilerplate]
    ('某区政府工作报告', ['banner', 'footer'])
    """
    rules = line_rules()
    # A site's own blurb can come before the report: the body's first prose line is
    # the first one after a report title near the top, if there is such a title.
    first_title = TITLE_RE.search(text, 0, TITLE_SEARCH)
    anchor_m = _first_prose(text, first_title.end()) if first_title else None
    if anchor_m is None:
        anchor_m = _first_prose(text)
    anchor = anchor_m.start() if anchor_m else 0
    # The last header chrome before the first prose line bounds the title search.
    floor = 0
    for m in rules.header.finditer(text, 0, anchor):
        floor = _line_end(text, m.end()) + 1
    for m in rules.footer.finditer(text, 0, anchor):
        floor = max(floor, _line_end(text, m.end()) + 1)
    title = _title_before(text, anchor, floor)
    if title is not None:
        body_start = title
    else:
        body_start = floor
        while body_start < anchor and text[body_start:_line_end(text, body_start)].strip() == "":
            body_start = _line_end(text, body_start) + 1
    footer = rules.footer.search(text, anchor_m.end() if anchor_m else body_start)
    body_end = _line_start(text, footer.start()) if footer else len(text)
    # A file that ends without a footer ends with the text (trailing blanks kept, as
    # the gold spans keep them before a footer).

    duplicates: list[Span] = []
    if anchor_m is not None:
        body_start, body_end, duplicates = _split_copies(text, anchor_m, body_start, body_end)

    marks: list[Span] = []
    for m in rules.header.finditer(text, 0, body_start):
        marks.append(Span(m.start(), m.end(), _reason(rules, m)))
    for m in rules.footer.finditer(text, 0, body_start):
        marks.append(Span(m.start(), m.end(), _reason(rules, m)))
    for m in rules.inline.finditer(text):
        marks.append(Span(m.start(), m.end(), _reason(rules, m)))
    for m in rules.footer.finditer(text, body_end):
        marks.append(Span(m.start(), m.end(), _reason(rules, m)))
    for m in rules.header.finditer(text, body_end):
        marks.append(Span(m.start(), m.end(), _reason(rules, m)))
    unique = {(s.start, s.end): s for s in marks if s.end > s.start}
    boiler = tuple(sorted(unique.values(), key=lambda s: s.start))
    return Cleaned(body_start, body_end, boiler, tuple(duplicates))


def _split_copies(
    text: str, anchor_m: re.Match[str], body_start: int, body_end: int
) -> tuple[int, int, list[Span]]:
    """Detect the report pasted several times; keep the first complete copy."""
    key = anchor_m.group("p").strip()[:COPY_KEY_LEN]
    if len(key) < 20:
        return body_start, body_end, []
    starts = [body_start]
    offset = anchor_m.start() - body_start  # title-to-prose distance of the first copy
    pos = anchor_m.end()
    first = anchor_m.start("p")
    while True:
        hit = text.find(key, pos)
        if hit < 0:
            break
        check = min(COPY_CHECK_LEN, hit - first, len(text) - hit)  # a short report: as far as both go
        if _letters(text[hit : hit + check]) != _letters(text[first : first + check]):
            # The same first sentence opens every year's report (现在，我代表国务院，向大会
            # 报告政府工作…): a copy must go on alike, else it is another report.
            pos = hit + len(key)
            continue
        title = _title_before(text, hit, pos)
        starts.append(title if title is not None else max(pos, _line_start(text, hit) - offset))
        pos = hit + len(key)
    if len(starts) == 1:
        return body_start, body_end, []
    rules = line_rules()
    copies: list[tuple[int, int]] = []
    for i, s in enumerate(starts):
        nxt = starts[i + 1] if i + 1 < len(starts) else len(text)
        foot = rules.footer.search(text, s + (offset if i else anchor_m.end() - body_start), nxt)
        copies.append((s, _line_start(text, foot.start()) if foot else nxt))
    longest = max(e - s for s, e in copies)
    keep = next(i for i, (s, e) in enumerate(copies) if e - s >= COMPLETE_COPY_SHARE * longest)
    dups = [Span(s, e, f"copy {i + 1} of {len(copies)} of the report") for i, (s, e) in enumerate(copies) if i != keep]
    return copies[keep][0], copies[keep][1], dups


#: A report's first paragraphs open with the salutation within this many characters of its title.
REPORT_OPENING = 1500
_SALUTATION = startup.compile(_DOC["header"]["salutation"])


def other_reports(text: str, cleaned: Cleaned) -> list[int]:
    r"""Starts of further reports in the file after the first (not copies of it).

    A title line followed by the salutation (各位代表) is how a report begins; one
    after the report's body, or inside it without a footer between, is another
    report pasted into the same file.

    >>> one = "某区政府工作报告\n各位代表:\n现在,我代表区人民政府向大会报告工作,请予审议,并请区政协委员提出意见。\n"
    >>> two = one + "某县政府工作报告\n各位代表:\n现在,我代表县人民政府向大会报告工作,请予审议,并请县政协委员提出意见。\n"
    >>> other_reports(one, text_to_cleaned(one)), other_reports(two, text_to_cleaned(two))
    ([], [52])
    """
    copies = [(d.start, d.end) for d in cleaned.duplicates]
    found = []
    # From each salutation back to a title (a title scan of the whole text cost more).
    titles: dict[int, re.Match[str]] = {}
    for sal in _SALUTATION.finditer(text, cleaned.body_start + 1):
        for m in TITLE_RE.finditer(text, max(cleaned.body_start + 1, sal.start() - REPORT_OPENING), sal.start()):
            titles.setdefault(m.start(), m)
    for _, m in sorted(titles.items()):
        start = m.start("t")
        if start <= cleaned.body_start or any(a <= start < b or start <= a <= m.end() + REPORT_OPENING
                                              for a, b in copies):
            continue  # inside a pasted copy of the same report, or the page header over one
        if _SALUTATION.search(text, m.end(), m.end() + REPORT_OPENING):
            found.append(start)
    # Only the first line of each further report (its subtitle may match a title too).
    return [p for i, p in enumerate(found) if i == 0 or p - found[i - 1] > REPORT_OPENING]


_FINGERPRINT_KEEP = startup.compile(r"[\u4e00-\u9fff0-9A-Za-z]+")
#: Characters whose NFKC form holds no kept character: ASCII, Latin-1 and CJK punctuation,
#: full-width punctuation, general punctuation (not 〸〹〺, which NFKC makes 十卄卅).
#: tests/test_same_report.py checks every one of them.
FINGERPRINT_DROP = (
    "\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f\xa0\xb7\xd7\u2000-\u206f\u3000-\u3029\u3030-\u3037\u303b-\u303f"
    "\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
)
#: Runs of kept characters, and runs of anything else that NFKC might turn into one.
_FINGERPRINT_TOKENS = startup.compile(rf"[\u4e00-\u9fff0-9A-Za-z]+|[^\u4e00-\u9fff0-9A-Za-z{FINGERPRINT_DROP}]+")
_FINGERPRINT_MAYBE = startup.compile(rf"[^\u4e00-\u9fff0-9A-Za-z{FINGERPRINT_DROP}]")


def fingerprint(text: str, cleaned: Cleaned) -> str:
    """The report's identity whatever its file: a hash of the body's letters and digits.

    The same report as GB18030 text, a UTF-8 web page, a .docx or a PDF made
    from it differs in encoding, line breaks, spacing, punctuation width and
    chrome, never in its words; the body without boilerplate, reduced to CJK
    ideographs, digits and Latin letters (after NFKC, so full-width digits
    count as digits), is the same.

    >>> a = "一、工作回顾\\n地区生产总值增长５％。"
    >>> b = "一、 工作回顾 地区生产总值增长 5%."
    >>> fingerprint(a, Cleaned(0, len(a))) == fingerprint(b, Cleaned(0, len(b)))
    True
    """
    parts: list[str] = []
    pos = cleaned.body_start
    for span in sorted(cleaned.boilerplate, key=lambda s: s.start):
        if span.end <= pos or span.start >= cleaned.body_end:
            continue
        parts.append(text[pos : max(pos, span.start)])
        pos = max(pos, span.end)
    parts.append(text[pos : cleaned.body_end])
    # NFKC only of what may become a kept character: normalising the whole text
    # cost as much as the rest of this stage, and these reports are mostly ideographs
    # and punctuation that NFKC leaves out of the kept set anyway.
    flat = "".join(parts)
    if _FINGERPRINT_MAYBE.search(flat) is None:
        kept = _FINGERPRINT_KEEP.findall(flat)
    else:
        kept = [
            tok if "\u4e00" <= tok[0] <= "\u9fff" or (tok[0].isascii() and tok[0].isalnum()) else "".join(_FINGERPRINT_KEEP.findall(unicodedata.normalize("NFKC", tok)))
            for tok in _FINGERPRINT_TOKENS.findall(flat)
        ]
    return hashlib.sha256("".join(kept).encode()).hexdigest()[:32]
