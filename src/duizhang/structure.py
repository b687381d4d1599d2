"""Stage 5, structure: the section tree of a report body.

Headings follow the conventions of these reports: 一、 (一) 1. 1、 第一, 一是,
lead-in lines (——经济运行向上向好。) and standalone titles (过去五年工作回顾,
2024年工作安排, 名词解释). A numbered heading may run on into its paragraph
(（一）坚定不移促协同、提质效。初步形成…); the title is then the text up to
the first full stop. Roles come from ``data/sections.toml``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import cache

from . import startup
from .model import Cleaned, Meta, Role, Section, Span, section_at
from .patterns import LEAD, TRAIL, LinePattern
from .vocab import load_toml

_CN = "一二三四五六七八九十"
_LEAD = LEAD

#: Marker kinds, outermost first; the tree nests by this rank.
HEADING_RE = LinePattern(
    _LEAD
    + r"(?:"
    + rf"(?P<r1>[{_CN}]{{1,3}}[、．.])"
    + rf"|(?P<r2>[(（][{_CN}]{{1,3}}[)）])"
    + r"|(?P<r3>(?:[0-9]{1,2}[.．、](?![0-9]))|第[一二三四五六七八九十]{1,3}[,，、:：](?=\S))"
    + r"|(?P<r4>[(（][0-9]{1,2}[)）])"
    + r"|(?P<lead>——(?=[^\n]{2,40}?。))"
    + r")(?P<title>[^\n]*)"
)

#: A standalone heading line: short, no sentence punctuation.
STANDALONE_RE = LinePattern(_LEAD + r"(?P<title>[^\n，,。；;:：!！?？<>]{4,30}?)[:：]?" + TRAIL)

#: A short line ending so introduces what follows (…的主要工作是：): not a heading.
LEAD_IN_ENDS = tuple(load_toml("sections.toml")["heading"]["lead_in_ends"])

RANK = {"r1": 1, "r2": 2, "r3": 3, "lead": 3, "r4": 4, "standalone": 0}

#: Longest heading title kept; a longer run-on heading is cut at its first stop.
MAX_TITLE = 60


@cache
def _paragraph_roles() -> list[tuple[Role, re.Pattern[str]]]:
    """Paragraphs that open a role of their own (the year's targets, the admission of problems)."""
    return [(role, startup.compile(p)) for role, p in load_toml("sections.toml")["paragraph"].items()]  # type: ignore[misc]


#: A paragraph: a line of text after optional indentation.
PARAGRAPH_RE = LinePattern(_LEAD + r"(?P<p>(?!<U\+00A0>)\S[^\n]*)")


@cache
def _role_rules() -> list[tuple[str, re.Pattern[str]]]:
    data = load_toml("sections.toml")
    return [(r["name"], startup.compile("|".join(r["keywords"]))) for r in data["role"]]


def title_to_role(title: str) -> Role | None:
    """Role named by a heading's words, or None if it names none.

    >>> title_to_role("2024年工作安排"), title_to_role("一、2023年工作回顾"), title_to_role("名词解释")
    ('plan', 'review', 'glossary')
    >>> title_to_role("坚持创新驱动") is None
    True
    """
    t = re.sub(r"^[一二三四五六七八九十]+[、．.]", "", title.strip())
    for name, pat in _role_rules():
        if pat.search(t):
            return name  # type: ignore[return-value]
    return None


def _title_of(line: str) -> str:
    stop = re.search(r"[。!！?？]", line)
    title = line[: stop.start() + 1] if stop else line
    return title.strip()[:MAX_TITLE]


def text_to_sections(text: str, cleaned: Cleaned, meta: Meta | None = None) -> list[Section]:
    """The section tree of the body as a flat list in document order.

    Each section knows its parent's index; its span runs to the next heading
    of the same or an outer rank. Text before the first heading is the preamble.

    >>> t = "报告\\n各位代表:\\n一、2023年工作回顾\\n(一)抓创新。增长5%。\\n二、2024年工作安排\\n名词解释\\n1.天开园:科创园区。\\n"
    >>> [(s.level, s.role, s.title) for s in text_to_sections(t, Cleaned(0, len(t)))]
    [(1, 'preamble', '报告'), (1, 'review', '一、2023年工作回顾'), (2, 'review', '(一)抓创新。'), (1, 'plan', '二、2024年工作安排'), (1, 'glossary', '名词解释'), (2, 'glossary', '1.天开园:科创园区。')]
    """
    start, end = cleaned.body_start, cleaned.body_end
    heads: list[tuple[int, int, int, str, Role | None]] = []  # start, heading_end, rank, title, role
    for m in HEADING_RE.finditer(text, start, end):
        kind = next(k for k in RANK if k != "standalone" and m.group(k) is not None)
        marker_start = m.start(kind)
        title = _title_of(text[marker_start : m.end()])
        heads.append((marker_start, marker_start + len(title), RANK[kind], title, title_to_role(title)))
    for m in STANDALONE_RE.finditer(text, start, end):
        title = m.group("title").strip()
        # 一年来的主要工作是： leads into a list; it is prose, not a heading.
        if title.endswith(LEAD_IN_ENDS):
            continue
        role = title_to_role(title)
        if role is not None and not HEADING_RE.match(text, m.start(), m.end()):
            heads.append((m.start("title"), m.start("title") + len(title), RANK["standalone"], title, role))
    heads.sort()

    sections: list[Section] = []
    first = heads[0][0] if heads else end
    pre = text[start:first]
    if pre.strip():
        lead = len(pre) - len(pre.lstrip())
        title = _title_of(pre.lstrip().split("\n", 1)[0])
        sections.append(Section(start + lead, first, start + lead + len(title), 1, title, "preamble"))
    # Nest by marker rank: a standalone title (过去五年工作回顾) is outermost, so
    # numbered 一、 headings under it sit one level deeper.
    stack: list[tuple[int, int]] = []  # (rank, index in sections)
    for s, h_end, rank, title, role in heads:
        while stack and stack[-1][0] >= rank:
            stack.pop()
        parent = stack[-1][1] if stack else None
        if role is None:
            role = sections[parent].role if parent is not None else "other"
        sections.append(Section(s, end, h_end, len(stack) + 1, title, role, parent))
        stack.append((rank, len(sections) - 1))
    found = _with_role_paragraphs(text, _close_spans(sections, end), start, end)
    return _roles_from_openings(text, found, meta) if meta is not None else found


@cache
def _opening_rules() -> tuple[int, re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    o = load_toml("sections.toml")["opening"]
    return int(o["chars"]), startup.compile(o["year"]), startup.compile(o["review"]), startup.compile(o["plan"])  # type: ignore[arg-type]


def opening_role(opening: str, meta: Meta) -> Role | None:
    """The role of a part whose heading names none, from how it opens.

    >>> m = Meta(review_years=[2024], plan_years=[2025])
    >>> opening_role("2024年是极不平凡的一年。一年来，我们…", m), opening_role("2025年是“十四五”收官之年。", m)
    ('review', 'plan')
    >>> opening_role("“十五五”时期是基本实现现代化的关键时期。", m), opening_role("政绩好不好，关键看口碑。", m) is None
    ('plan', True)
    """
    _, year_re, review_re, plan_re = _opening_rules()
    y = year_re.search(opening)
    if y:
        year = int(y.group("y"))
        if year in meta.review_years:
            return "review"
        if year in meta.plan_years:
            return "plan"
    r, p = review_re.search(opening), plan_re.search(opening)
    if r and (not p or r.start() < p.start()):
        return "review"
    return "plan" if p else None


def _roles_from_openings(text: str, sections: list[Section], meta: Meta) -> list[Section]:
    """Give top-level parts without a role word the role their opening shows, and their children too."""
    chars = _opening_rules()[0]
    out = list(sections)
    planned = False
    for i, sec in enumerate(out):
        if sec.level != 1:
            continue
        if sec.role != "other":
            planned = planned or sec.role in ("plan", "targets")
            continue
        inside = range(i + 1, len(out))
        kids = [j for j in inside if out[j].start < sec.end]
        role = "plan" if planned else opening_role(text[sec.heading_end : min(sec.end, sec.heading_end + chars)], meta)
        if role is None and any(out[j].role == "targets" for j in kids):
            role = "plan"
        if role is None:
            continue
        planned = planned or role == "plan"
        out[i] = replace(sec, role=role)
        for j in kids:
            if out[j].role == "other":
                out[j] = replace(out[j], role=role)
    return out


def _with_role_paragraphs(text: str, sections: list[Section], start: int, end: int) -> list[Section]:
    """Add a section for each paragraph that opens a role (targets, problems), inside its section."""
    found: list[tuple[int, int, Role]] = []
    rules = _paragraph_roles()
    for m in PARAGRAPH_RE.finditer(text, start, end):
        for role, pat in rules:
            if pat.match(m.group("p")):
                found.append((m.start("p"), m.end("p"), role))
                break
    if not found:
        return sections
    merged: list[tuple[int, int, Section | None]] = [(s.start, 0, s) for s in sections]
    merged += [(a, 1, None) for a, _, _ in found]
    merged.sort(key=lambda x: (x[0], x[1]))
    new_index = {id(s): i for i, (_, _, s) in enumerate(merged) if s is not None}
    old_to_new = {i: new_index[id(s)] for i, s in enumerate(sections)}
    spans = {a: (b, role) for a, b, role in found}
    out: list[Section] = []
    for pos, _, s in merged:
        if s is not None:
            parent = old_to_new[s.parent] if s.parent is not None else None
            out.append(Section(s.start, s.end, s.heading_end, s.level, s.title, s.role, parent))
            continue
        host = section_at(out, pos)
        level = out[host].level + 1 if host is not None else 1
        stop, role = spans[pos]
        title = _title_of(text[pos:stop])
        out.append(Section(pos, stop, pos + len(title), level, title, role, host))
    return out


def _close_spans(sections: list[Section], end: int) -> list[Section]:
    """Each section ends where the next section at its level or above starts."""
    out = list(sections)
    for i, sec in enumerate(out):
        stop = end
        for later in out[i + 1 :]:
            if later.level <= sec.level:
                stop = later.start
                break
        out[i] = Section(sec.start, stop, sec.heading_end, sec.level, sec.title, sec.role, sec.parent)
    return out


#: A list marker before a paragraph's words: （一）, 一是, 1., ——.
_MARKER = startup.compile(rf"^(?:[(（][{_CN}0-9]{{1,3}}[)）]|[{_CN}]{{1,3}}[是、．.]|[0-9]{{1,2}}[.．、]|——|各位代表[！!，,]?)*")


@cache
def _period_rules(anchored: bool) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The opener patterns; unanchored to find a cue anywhere in a heading."""
    data = load_toml("sections.toml")["period"]
    pats = [data["five_year"], data["one_year"]]
    if not anchored:
        pats = [p.removeprefix("^") for p in pats]
    return startup.compile(pats[0]), startup.compile(pats[1])


def _period_cue(words: str, single: int, search: bool) -> str | None:
    """``five_year`` or ``year`` if ``words`` open (or, for a heading, contain) a period cue."""
    five, one = _period_rules(not search)
    if search:
        f, o = five.search(words), one.search(words)
    else:
        words = _MARKER.sub("", words)
        f, o = five.match(words), one.match(words)
    if o is not None and o.groupdict().get("y") and int(o.group("y")) != single:
        o = None
    if f is not None and (o is None or f.start() <= o.start()):
        return "five_year"
    return "year" if o is not None else None


_SALUTATION_LEAD = startup.compile(r"^各位代表[!！，,、：:]?")
#: A framing first sentence about the plan period (2025年是“十四五”收官之年。).
_FRAMING = startup.compile(load_toml("sections.toml")["opening"]["framing"])


def _opening_words(paragraph: str, single: int) -> str:
    """Where a paragraph's period cue stands: after a salutation, and after a framing
    sentence (2025年是“十四五”收官之年。五年来，…) when a five-year cue follows it.

    >>> _opening_words("各位代表！2025年是“十四五”收官之年。五年来，我们…", 2025)
    '五年来，我们…'
    >>> _opening_words("2025年是“十四五”收官之年。一年来，我们…", 2025)
    '2025年是“十四五”收官之年。一年来，我们…'
    """
    p = _SALUTATION_LEAD.sub("", paragraph)
    framing = _FRAMING.match(p)
    if framing and _period_cue(p[framing.end() :][:40], single, search=False) == "five_year":
        return p[framing.end() :]
    return p


def text_to_periods(text: str, sections: list[Section], meta: Meta) -> list[Span]:
    r"""Within the parts of a report that cover five years, which stretches describe one year.

    A 2026 report reviews 2021-2025 and 2025 in one part (一、“十四五”时期和2025年工作回顾:
    “十四五”时期是…的五年 … 刚刚过去的2025年，…) and plans 2026-2030 beside 2026. Each
    top-level part of such a report is cut into runs marked ``five_year`` or ``year``.

    >>> from duizhang.model import Cleaned, Meta
    >>> t = "一、“十四五”时期和2025年工作回顾\n这五年，建成10个。\n刚刚过去的2025年，增长5%。\n"
    >>> secs = text_to_sections(t, Cleaned(0, len(t)))
    >>> [(p.reason, t[p.start:p.end][:5]) for p in text_to_periods(t, secs, Meta(review_years=[2021, 2022, 2023, 2024, 2025]))]
    [('five_year', '一、“十四'), ('year', '刚刚过去的')]
    """
    out: list[Span] = []
    for side, years in (("review", meta.review_years), ("plan", meta.plan_years)):
        if len(years) < 2:
            continue
        single = max(years) if side == "review" else min(years)
        roles = ("review",) if side == "review" else ("plan", "targets")
        for sec in sections:
            if sec.parent is not None or sec.role not in roles:
                continue
            mode = _period_cue(sec.title, single, search=True) or "five_year"
            run_start = sec.start
            for m in PARAGRAPH_RE.finditer(text, sec.heading_end, sec.end):
                cue = _period_cue(_opening_words(m.group("p"), single)[:40], single, search=False)
                if cue is not None and cue != mode:
                    if m.start("p") > run_start:
                        out.append(Span(run_start, m.start("p"), mode))
                    mode, run_start = cue, m.start("p")
            out.append(Span(run_start, sec.end, mode))
    return sorted(out, key=lambda p: p.start)
