"""Stage 6, quantities: every figure in the report body as a :class:`Mention`.

One whole-text regex finds number expressions (Arabic, full-width, Chinese
numerals, ranges, ranks); each candidate is then filtered (dates, names,
ordinals, time frames, boilerplate) and interpreted: value in base units, unit,
qualifier, kind, direction, stance, metric and year. Vocabulary lives in
``data/units.toml``, ``data/cues.toml`` and ``data/metrics.toml``.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from . import startup
from .metrics import clean_phrase, is_contentless, metric_ids, metric_phrase
from .model import Cleaned, Mention, Meta, Section, Span, clause_before, merged_spans, section_finder
from .numerals import to_number
from .patterns import compile_guarded
from .vocab import load_toml

#: The word patterns of ``data/phrases.toml``.
PHRASES = load_toml("phrases.toml")

NUM_AR = r"[0-9０-９]+(?:[,，][0-9]{3})*(?:[.．][0-9０-９]+)?"
NUM_CN = r"[零〇一二两三四五六七八九十百千]+(?:[万亿][零〇一二两三四五六七八九十百千]*)*"
CN_SMALL = "一二三四五六七八九十"
#: Magnitude after a number; 千 before 瓦/米/克 belongs to the unit (120万千瓦, 3千米).
MAGNITUDE = r"(?:万亿|百万|千万|[万亿]|[千百](?![瓦米克])|)"

#: Clause and sentence boundaries for the context of a number.
CLAUSE_STOP = "，,。；;：:！!？?\n（(）)"
SENTENCE_STOP = "。！!？?\n"

#: How far (characters) the context windows reach.
CLAUSE_MAX = 40
SENTENCE_MAX = 200
RANK_CONTEXT = 14

#: Longest quoted text taken as a name (“20项民心工程”, “3255”); longer quotes are prose.
QUOTED_NAME_MAX = 16

#: A line at least this long that ends mid-sentence is a wrapped line (PDF text layers).
WRAP_MIN_LINE = 25
SENTENCE_END = set("。；;！!？?：:，,、")
_CJK_OR_DIGIT = startup.compile(r"[\u4e00-\u9fff0-9]")

_DIGITS = frozenset("0123456789０１２３４５６７８９")

#: Values of 年 that are calendar years, not durations.
YEAR_MIN, YEAR_MAX = 1900, 2100


@dataclass(frozen=True)
class _Vocab:
    pattern: re.Pattern[str]
    unit_base: dict[str, str]
    unit_class: dict[str, str]
    qual_before: dict[str, str]
    qual_before_lengths: list[int]  # lengths of those words, longest first
    qual_after: dict[str, str]
    growth: re.Pattern[str]
    share: re.Pattern[str]
    decline: re.Pattern[str]
    change_before: re.Pattern[str]
    estimate: re.Pattern[str]
    target: re.Pattern[str]
    met_target: re.Pattern[str]
    scope_after: re.Pattern[str]
    scope_noun: re.Pattern[str]
    scope_before: re.Pattern[str]
    scope_clause: re.Pattern[str]
    scope_of: re.Pattern[str]
    scope_of_action: re.Pattern[str]
    scope_people: re.Pattern[str]
    scope_radius: re.Pattern[str]
    rank_context: re.Pattern[str]
    rank_not_after: re.Pattern[str]
    name_after: re.Pattern[str]
    name_before: re.Pattern[str]
    frame_after: re.Pattern[str]
    frame_before: re.Pattern[str]
    duration_before: re.Pattern[str]
    cn_verb_before: re.Pattern[str]
    arabic_only_units: frozenset[str]


def _alt(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@cache
def _vocab() -> _Vocab:
    units = load_toml("units.toml")
    cues = load_toml("cues.toml")
    unit_class: dict[str, str] = {}
    for cls in ("measure", "classifier", "duration", "percent", "change"):
        for u in units[cls]:
            unit_class.setdefault(u, cls)
    unit_base = {u: units["aliases"].get(u, u) for u in unit_class}
    q = cues["qualifier"]
    pre_in_span = _alt(q["in_span"])
    unit_alt = _alt(list(unit_class))
    num = f"(?:{NUM_AR}|{NUM_CN})"
    # A Chinese numeral is a candidate only when it ends in a magnitude (千亿) or a
    # unit, 余/多 or a range follows (七万元, 百余项, 两座): the many 一 and 两 of
    # ordinary words (统一, 一是, 两个维护) never reach the Python filters.
    cn_first = rf"(?:{NUM_CN})(?:(?<=[万亿千百])|(?=[余多]|[ \t]?[-－—–~～至到]|{unit_alt}))"
    first = f"(?:{NUM_AR}|{cn_first})"
    pattern = compile_guarded(
        # 过10亿元 (over): not the 过 of 通过, 经过, 超过, 越过, 不过, 跨过, 走过, 度过, 闯过.
        rf"(?P<pre>{pre_in_span}|(?<![通经超越不跨走度闯渡错])过)?"
        r"(?:"
        rf"(?P<rank>第(?P<rn>[0-9]{{1,3}}|[{CN_SMALL}]{{1,3}})(?:名|位)?|(?P<first>首位)|前(?P<fn>[0-9]{{1,2}}|[{CN_SMALL}]{{1,2}})(?:名|位)?)"
        rf"|百分之(?P<pc>{num})"
        rf"|(?P<n1>{first})(?P<yu0>余|多)?(?P<m1>{MAGNITUDE})(?P<u1>%|％)?"
        rf"(?:[ \t]?(?P<dash>[-－—–~～至到])[ \t]?(?P<n2>{num})(?P<m2>{MAGNITUDE}))?"
        r"(?P<yu>余|多)?"
        rf"(?P<unit>{unit_alt})?"
        rf"(?P<post>{_alt(q['after_span'])})?"
        r")"
    )
    k, s, r, n = cues["kind"], cues["stance"], cues["rank"], cues["name"]
    return _Vocab(
        pattern=pattern,
        unit_base=unit_base,
        unit_class=unit_class,
        qual_before=q["before"],
        qual_before_lengths=sorted({len(w) for w in q["before"]}, reverse=True),
        qual_after=q["after"],
        growth=startup.compile(k["growth"]),
        share=startup.compile(k["share"]),
        decline=startup.compile(k["decline"] + "$"),
        change_before=startup.compile(k["change_before"]),
        estimate=startup.compile(s["estimate"]),
        target=startup.compile(s["target"]),
        met_target=startup.compile(s["met_target"]),
        scope_after=startup.compile(s["scope_after"]),
        scope_noun=startup.compile(s["scope_noun"]),
        scope_before=startup.compile(s["scope_before"]),
        scope_clause=startup.compile(s["scope_clause"]),
        scope_of=startup.compile(s["scope_of"]),
        scope_of_action=startup.compile(s["scope_of_action"]),
        scope_people=startup.compile(s["scope_people"]),
        scope_radius=startup.compile(s["scope_radius"]),
        rank_context=startup.compile(r["context"]),
        rank_not_after=startup.compile(r["not_after"]),
        name_after=startup.compile(n["after"]),
        name_before=startup.compile(n["before"]),
        frame_after=startup.compile(n["time_frame_after"]),
        frame_before=startup.compile(n["time_frame_before"]),
        duration_before=startup.compile(n["duration_before"]),
        arabic_only_units=frozenset(units["arabic_only"]),
        cn_verb_before=startup.compile(n["cn_count_verbs"]),
    )


#: The last clause or sentence end in a window: one greedy match, which the engine
#: runs back from the end in C (walking back character by character from every
#: figure took a quarter of the figure stage).
_LAST_STOP = {stops: startup.compile(f"(?s:.*)[{re.escape(stops)}]") for stops in (CLAUSE_STOP, SENTENCE_STOP)}


def _back(text: str, pos: int, stops: str, limit: int, floor: int) -> int:
    r"""Start of the clause (``CLAUSE_STOP``) or sentence (``SENTENCE_STOP``) that ends at ``pos``.

    A line break inside a sentence (a PDF's wrapped line: a long line ending in a
    character, the next starting flush) does not end the clause.

    >>> t = "一、2023年工作回顾\n地区生产总值增长"
    >>> t[_back(t, len(t), CLAUSE_STOP, 40, 0):]
    '地区生产总值增长'
    >>> t = "全年实现一般公共预算收入二十二点七亿元比上年同期相比较增长了地区生\n产总值增长"
    >>> t[_back(t, len(t), CLAUSE_STOP, 60, 0):].startswith("全年")
    True
    >>> _back(t, 10, SENTENCE_STOP, 4, 0), _back(t, 2, SENTENCE_STOP, 9, 3)
    (6, 2)
    """
    lo = max(floor, pos - limit)
    if pos <= lo:
        return pos
    last, hi = _LAST_STOP[stops], pos
    while True:
        m = last.match(text, lo, hi)
        if m is None:
            return lo
        stop = m.end() - 1
        if text[stop] != "\n" or not _wrapped(text, stop):
            return stop + 1
        hi = stop


def _wrapped(text: str, nl: int) -> bool:
    """Whether the line break at ``nl`` wraps a sentence rather than ending a line."""
    start = text.rfind("\n", 0, nl) + 1
    prev = text[start:nl]
    nxt = text[nl + 1 : nl + 2]
    return (
        len(prev) >= WRAP_MIN_LINE
        and prev[-1:] not in SENTENCE_END
        and bool(_CJK_OR_DIGIT.match(prev[-1:]))
        and bool(_CJK_OR_DIGIT.match(nxt))
    )


#: The quotation marks :func:`_in_quotes` reads: opening, closing, and the ASCII one
#: that is both.
_QUOTE_MARKS = startup.compile('[“「”」"]')


def _quote_marks(text: str, start: int, end: int) -> tuple[list[int], list[int], list[int]]:
    """Where ``text[start:end]`` has opening (“「), closing (”」) and ASCII (") quotes."""
    opening: list[int] = []
    closing: list[int] = []
    ascii_: list[int] = []
    for m in _QUOTE_MARKS.finditer(text, start, end):
        c = m.group()
        (opening if c in "“「" else closing if c in "”」" else ascii_).append(m.start())
    return opening, closing, ascii_


def _last_in(positions: list[int], lo: int, hi: int) -> int:
    """The last of the sorted ``positions`` in ``[lo, hi)``, or -1 (as ``str.rfind``)."""
    i = bisect_left(positions, hi) - 1
    return positions[i] if i >= 0 and positions[i] >= lo else -1


def _in_quotes(
    text: str, pos: int, line_start: int, marks: tuple[list[int], list[int], list[int]] | None = None
) -> bool:
    """Whether ``pos`` sits inside “…” or 「…」 on its line (a quoted name).

    ``marks``: where the text's quotation marks are (:func:`_quote_marks`), if known:
    the marks before the figure on its line are then found by bisection, not by
    searching the line back (a paragraph is one line, and most hold a quote).
    """
    if marks is not None and _last_in(marks[2], line_start, pos) < 0:
        opens = _last_in(marks[0], line_start, pos)
        closes = _last_in(marks[1], line_start, pos)
    else:  # an ASCII quote on the line, which opens or closes by its count: searched in place
        opens = max(text.rfind("“", line_start, pos), text.rfind("「", line_start, pos),
                    text.rfind('"', line_start, pos) if text.count('"', line_start, pos) % 2 else -1)
        closes = max(text.rfind("”", line_start, pos), text.rfind("」", line_start, pos))
    if opens < 0 or opens <= closes:
        return False
    # A long quotation is a definition or speech, not a name: only short labels count.
    end = min((i for i in (text.find("”", pos, pos + 20), text.find("」", pos, pos + 20)) if i >= 0), default=-1)
    return end >= 0 and end - opens <= QUOTED_NAME_MAX


def _value(num: str, mag: str) -> float | None:
    return to_number(num + mag)


def _is_cn(num: str) -> bool:
    # The pattern's numbers are all Arabic (digits first) or all Chinese numerals.
    return num[:1] not in _DIGITS


def text_to_mentions(
    text: str, cleaned: Cleaned, meta: Meta, sections: list[Section], doc: str, periods: Sequence[Span] = ()
) -> list[Mention]:
    """All quantity mentions in the report body, in document order.

    >>> from duizhang.model import Cleaned, Meta
    >>> t = "一、2023年工作回顾\\n预计全区地区生产总值增长4.7%左右,新增就业1.9万余人。"
    >>> [(m.text, m.value, m.unit, m.kind, m.qualifier, m.stance, m.metric_id, m.year)
    ...  for m in text_to_mentions(t, Cleaned(0, len(t)), Meta(review_years=[2023]), [], "d")]
    [('4.7%左右', 4.7, '%', 'growth', 'about', 'estimate', 'gdp', 2023), ('1.9万余人', 19000.0, '人', 'level', 'above', 'estimate', 'new_jobs', 2023)]
    """
    v = _vocab()
    start, end = cleaned.body_start, cleaned.body_end
    skip = merged_spans((s.start, s.end) for s in cleaned.boilerplate if s.end > start and s.start < end)
    k = 0  # the first skipped span not wholly before the candidate (candidates come in order)
    out: list[tuple[Mention, str]] = []
    find_section = section_finder(sections)
    marks = _quote_marks(text, text.rfind("\n", 0, start) + 1, end)  # from the body's first line
    for m in v.pattern.finditer(text, start, end):
        g = m.groupdict()  # one call, where reading each group by name cost more
        if g["pre"] and not (g["rank"] or g["pc"] or g["n1"]):
            continue
        s0 = m.start()
        while k < len(skip) and skip[k][1] <= s0:
            k += 1
        if k < len(skip) and skip[k][0] <= s0:
            continue
        found = _interpret(text, m, g, v, meta, sections, doc, start, end, find_section, periods, marks)
        if found is not None:
            out.append(found)
    contexts = {id(mention): ctx for mention, ctx in out}
    mentions = [mention for mention, _ in out]
    _share_metrics(text, mentions)
    ids = [metric_ids(m.metric, m.kind, contexts[id(m)], m.unit) for m in mentions]
    _respectively(text, mentions, contexts, ids)
    result: list[Mention] = []
    for mention, mids in zip(mentions, ids, strict=True):
        mention.context = clause_before(text, mention.start)
        if mids:
            result.extend(replace(mention, metric_id=mid) for mid in mids)
        else:
            result.append(mention)
    return result


def _respectively(text: str, mentions: list[Mention], contexts: dict[int, str], ids: list[list[str]]) -> None:
    """新开工和竣工面积分别达到47.9万和92.3万平方米: the i-th figure takes the i-th metric."""
    i = 0
    while i < len(mentions):
        if "分别" not in contexts[id(mentions[i])]:
            i += 1
            continue
        m = mentions[i]
        for joint, parts in PHRASES["respectively"].items():
            if len(ids[i]) < 2 and m.metric and joint in m.metric:
                # 城乡居民人均可支配收入分别增长5.3%、7%: urban first, then rural.
                split = [metric_ids(m.metric.replace(joint, part, 1), m.kind, None, m.unit) for part in parts]
                if all(len(x) == 1 for x in split) and len({x[0] for x in split}) == len(split):
                    ids[i] = [x[0] for x in split]
        if len(ids[i]) < 2:
            if _respectively_back(text, mentions, i, ids):
                i += 2
                continue
            i += 1
            continue
        j = i
        while j + 1 < len(mentions) and text[mentions[j].end : mentions[j + 1].start].strip() in ("和", "、", "及", "与"):
            j += 1
        if j - i + 1 == len(ids[i]):
            for k, mid in enumerate(list(ids[i])):
                ids[i + k] = [mid]
        i = j + 1


def _respectively_back(text: str, mentions: list[Mention], i: int, ids: list[list[str]]) -> bool:
    """城镇居民人均可支配收入9422元，农村居民人均纯收入2936元，分别实际增长7.7%和6.8%:
    a pair after 分别 without a subject of its own takes the subjects of the pair before it."""
    if i + 1 >= len(mentions) or text[mentions[i].end : mentions[i + 1].start].strip() not in ("和", "、", "及", "与"):
        return False
    # The two figures before it in the same sentence (the nearest first).
    before: list[int] = []
    for k in range(i - 1, max(-1, i - 3), -1):
        if any(c in text[mentions[k].end : mentions[i].start] for c in "。；;\n"):
            break
        before.append(k)
    if len(before) < 2:
        return False
    b, a = before
    if not (ids[a] and ids[b] and ids[a] != ids[b] and mentions[a].kind == mentions[b].kind != mentions[i].kind):
        return False
    # The pair after 分别 names nothing itself: the clause before it holds no figure's noun.
    if not is_contentless(clean_phrase(text[mentions[b].end : mentions[i].start].split("，")[-1].split(",")[-1])):
        return False
    for k, src in ((i, a), (i + 1, b)):
        ids[k] = list(ids[src])
        mentions[k].metric = mentions[src].metric
    return True


def _share_metrics(text: str, mentions: list[Mention]) -> None:
    """Give a figure without its own metric phrase the one it shares.

    完成404片、1434万平方米旧楼区改造: the first takes the next one's noun;
    一般公共预算收入22.7亿元,同比增长5.1%: the second takes the first's.
    """
    for i, m in enumerate(mentions):
        if not is_contentless(m.metric):
            continue
        nxt = mentions[i + 1] if i + 1 < len(mentions) else None
        if nxt is not None and 0 < nxt.start - m.end <= 2 and text[m.end : nxt.start].strip() in ("、", "和", "及"):
            if not is_contentless(nxt.metric):
                m.metric = nxt.metric
                continue
        for prev in reversed(mentions[:i]):
            gap = text[prev.end : m.start]
            if any(c in gap for c in "。；;\n") or len(gap) > 60:
                break
            if not is_contentless(prev.metric):
                # 总量突破6万户 after 新增市场主体8882户: the stock, not the additions.
                m.metric = (prev.metric or "") + (m.metric or "")
                break


@dataclass(slots=True)
class _Figure:
    """What the number itself says, before its context is read."""

    start: int
    value: float
    unit: str
    kind: str
    qualifier: str
    value_max: float | None = None


def _rank(
    text: str, g: dict[str, Any], v: _Vocab, core_start: int, after: str, floor: int
) -> _Figure | None:
    """第二 / 首位 / 前三 in a ranking (全市第二, 位居中心城区首位), else None."""
    clause_start = _back(text, core_start, CLAUSE_STOP, RANK_CONTEXT + 6, floor)
    if not v.rank_context.search(text[clause_start:core_start][-RANK_CONTEXT:]):
        return None
    qualifier = "exact"
    if g["first"]:
        value: float | None = 1.0
    else:
        if v.rank_not_after.match(after):
            return None  # 第一批, 前三季度: an ordinal or a period, not a ranking
        if g["fn"] is not None:
            value, qualifier = to_number(g["fn"]), "below"
        else:
            value = to_number(g["rn"])
    if value is None:
        return None
    return _Figure(core_start, value, "rank", "rank", qualifier)


def _amount(
    text: str, m: re.Match[str], g: dict[str, Any], v: _Vocab, before: str, after: str, pre: str | None
) -> _Figure | None:
    """A number with its magnitude, unit, range and qualifier words, or None if it is not a quantity."""
    n1, m1, n2, m2 = g["n1"], g["m1"], g["n2"], g["m2"] or ""
    raw_unit = g["unit"] or g["u1"] or ""
    cls = v.unit_class.get(raw_unit, "")
    post = g["post"]
    yu = g["yu"] or g["yu0"]
    cn = _is_cn(n1)
    # 千亿 and 七万 carry their magnitude inside the Chinese numeral.
    has_mag = bool(m1) or (cn and any(c in "百千万亿" for c in n1))
    has_q = bool(pre or yu or post or "多" in raw_unit)
    # Dates: 2023年, 2024-4-9, 1月, 11日, 15:03.
    if n2 is not None and g["dash"] in "-－" and re.fullmatch(r"(19|20)\d\d", n1):
        return None
    if raw_unit == "年" and not yu:
        val = to_number(n1)
        if val is not None and YEAR_MIN <= val <= YEAR_MAX or (cn and len(n1) == 4):
            return None
    if not raw_unit:
        if not m1 and re.match(r"[年月日号时:：点]", after):
            return None
        if v.name_after.match(after):
            return None  # 地铁7号线, 5G, 二期, 第22届
        if not (has_mag and has_q) and not (m1 and not cn):
            return None  # a bare number: ordinal, code, year without 年, list item
    elif (after[:1].isascii() and after[:1].isalpha()) or (raw_unit.isascii() and after[:1] in _DIGITS):
        return None  # part of a code or model name
    elif v.name_after.match(text, m.start("unit") if g["unit"] else m.end()):
        return None  # 75周年, 三个着力
    if cn and not _chinese_numeral_counts(n1, raw_unit, cls, has_q, before, v):
        return None
    if cls == "duration":
        if v.frame_after.match(after) or v.frame_before.search(before):
            return None  # 一年来, 过去五年, 8年来: a time frame
        if not cn and raw_unit == "年" and not v.duration_before.search(before):
            return None
    value = _value(n1, m1 if m1 or not m2 else m2)
    if value is None:
        return None
    value_max = None
    if n2 is not None:
        value_max = _value(n2, m2 or m1)
        if value_max is not None and value_max <= value:
            value_max = None  # 2至3 where the second is smaller is not a range we understand
    qualifier = "above" if yu or "多" in raw_unit else "exact"
    if post:
        qualifier = v.qual_after[post]
    if pre and qualifier == "exact":
        qualifier = v.qual_before[pre]
    elif qualifier == "exact":
        # 控制在3.8%以内: a qualifier written before the number but outside the span.
        qualifier = next((q for n in v.qual_before_lengths if (q := v.qual_before.get(before[-n:]))), "exact")
    kind = {"change": "change", "percent": "share"}.get(cls, "level")
    return _Figure(m.start(), value, v.unit_base.get(raw_unit, raw_unit), kind, qualifier, value_max)


def _chinese_numeral_counts(n1: str, raw_unit: str, cls: str, has_q: bool, before: str, v: _Vocab) -> bool:
    """Whether a Chinese numeral states a quantity (七万元, 百余项, 建成两座) or is part of a name."""
    if len(n1) == 1 and n1 in "十百千万亿" and not (has_q or cls == "measure"):
        return False
    if raw_unit in v.arabic_only_units:
        return False
    if cls == "classifier":
        # 三个着力 and 十项行动 are names; 百余项, 建成两座 and 一百零五人 are counts.
        composed = len(n1) >= 2 and any(c in "十百千万亿" for c in n1)
        verb = n1 != "一" and v.cn_verb_before.search(before) is not None
        return has_q or composed or verb
    if cls == "duration":
        return has_q or v.duration_before.search(before) is not None
    return cls in ("percent", "change", "measure") or has_q


def _kind_and_direction(kind: str, unit: str, clause: str, v: _Vocab) -> tuple[str, int | None]:
    """Growth or share for a percentage, change for 同比增加30天; direction −1 for 下降."""
    if kind == "share" or unit == "%":
        g = list(v.growth.finditer(clause))
        sh = list(v.share.finditer(clause))
        g_end = g[-1].end() if g else -1
        s_end = sh[-1].end() if sh else -1
        # 提高到68.5%, 降至3%: the new level, not a rate of change.
        reached = g_end >= 0 and clause[g_end : g_end + 1] in ("到", "至")
        kind = "growth" if g_end > s_end and not reached else "share"
    elif kind == "level" and v.change_before.search(clause):
        kind = "change"
    if kind not in ("growth", "change"):
        return kind, None
    g = list(v.growth.finditer(clause))
    return kind, -1 if g and v.decline.search(g[-1].group()) else 1


def _interpret(
    text: str, m: re.Match[str], g: dict[str, Any], v: _Vocab, meta: Meta, sections: list[Section], doc: str, floor: int, ceil: int,
    find_section: Callable[[int], int | None], periods: Sequence[Span] = (), marks: tuple[list[int], list[int], list[int]] | None = None,
) -> tuple[Mention, str] | None:
    """One regex candidate as a mention (and the clause before it), or None if it is not a quantity."""
    core_start = m.end("pre") if g["pre"] else m.start()
    line_start = text.rfind("\n", 0, core_start) + 1
    before = text[max(line_start, core_start - 12) : core_start]
    after = text[m.end() : m.end() + 12]  # matched with .match(): patterns anchor at its start
    if _in_quotes(text, core_start, line_start, marks) or v.name_before.search(before):
        return None
    if g["rank"] or g["first"]:
        fig = _rank(text, g, v, core_start, after, floor)
    elif g["pc"] is not None:
        pc = to_number(g["pc"])
        fig = _Figure(m.start(), pc, "%", "share", v.qual_before.get(g["pre"] or "", "exact")) \
            if pc is not None else None
    else:
        fig = _amount(text, m, g, v, before, after, g["pre"])
    if fig is None:
        return None
    num_start, span_end = fig.start, m.end()

    clause_start = _back(text, num_start, CLAUSE_STOP, CLAUSE_MAX, floor)
    clause = text[clause_start:num_start]
    kind, direction = _kind_and_direction(fig.kind, fig.unit, clause, v) if fig.kind != "rank" else ("rank", None)

    sentence_before = text[_back(text, num_start, SENTENCE_STOP, SENTENCE_MAX, floor) : num_start]
    rest = text[span_end : span_end + 12]
    sec_i = find_section(num_start)
    role = sections[sec_i].role if sec_i is not None else None
    scope = (
        (fig.qualifier in ("above", "at_least", "below") and v.scope_after.match(rest) is not None)
        or (fig.qualifier in ("above", "at_least", "below") and v.scope_of.match(rest) is not None
            and v.scope_of_action.search(clause) is None)
        or (fig.unit in ("", "万", "亿") and v.scope_people.match(rest) is not None)
        or (fig.unit in ("分钟", "小时") and v.scope_radius.match(rest) is not None)
        or (fig.unit in ("个", "类") and v.scope_noun.match(rest) is not None)
        or v.scope_before.search(clause[-4:]) is not None
        or (role in ("plan", "targets") and v.scope_clause.search(clause) is not None)
    )
    stance = _stance(role, sentence_before, meta, scope)
    period = next((p.reason for p in periods if p.start <= num_start < p.end), None) if periods else None
    year = _year(text, sentence_before, clause, sections, sec_i, meta, stance, period, kind, rest,
                 text[num_start:span_end])
    phrase = metric_phrase(text, num_start, span_end, clause_start, fig.unit, kind, floor, ceil)
    mention = Mention(
        doc=doc,
        start=num_start,
        end=span_end,
        text=text[num_start:span_end],
        value=fig.value,
        value_max=fig.value_max,
        unit=fig.unit,
        kind=kind,  # type: ignore[arg-type]
        direction=direction,
        qualifier=fig.qualifier,  # type: ignore[arg-type]
        stance=stance,  # type: ignore[arg-type]
        metric=phrase or None,
        year=year,
        section=sec_i,
    )
    return mention, clause


def _stance(role: str | None, sentence_before: str, meta: Meta, scope: bool) -> str:
    v = _vocab()
    if role == "glossary" or scope:
        return "other"
    if role in ("targets", "plan"):
        return "target"
    if v.estimate.search(sentence_before):
        return "estimate"
    if role is None or role in ("preamble", "other"):
        if meta.doctype == "plan" and not meta.review_years:
            return "target"
    if role not in ("review", "problems") and v.target.search(v.met_target.sub("", sentence_before)):
        return "target"
    return "actual"


# Full-width digits too (２００１年): older State Council texts write years so.
_YEAR_IN = compile_guarded(
    rf"(?<![0-9０-９比较与同])((?:19|20|１９|２０)[0-9０-９]{{2}})年(?!{PHRASES['years']['not_the_year_after']})")
_SECTION_YEAR = startup.compile(r"((?:19|20|１９|２０)[0-9０-９]{2})年")
#: In a multi-year review, a figure reached at the end of the period (达到4225家)
#: describes the last year; a sum over the period (五年累计) describes none.
_STATE_BEFORE = startup.compile(PHRASES["years"]["state_before"])
#: A level reached, stated earlier in the clause (达到9341个、床位10.5万张; 提高到每月815元).
_STATE_IN_CLAUSE = startup.compile(PHRASES["years"]["state_in_clause"])
#: A record over the period (最高年产), not the final year's level.
_RECORD = startup.compile(PHRASES["years"]["record"])
_PERIOD_SUM = startup.compile(PHRASES["years"]["period_sum"])
#: A value held over several years (连续4年超过90万人, 每年新增, 稳定在) describes no single year.
_HELD = startup.compile(PHRASES["years"]["held"])
#: A target over a window of years (用3—5年时间, 三年内): no single year.
_WINDOW = startup.compile(PHRASES["years"]["window"])
#: Actions counted over a period (建成437个, 改造395台): in a five-year review they sum
#: the period; a stock or level without one (总装机3.1亿千瓦, 突破4万元) is the final year's.
_ACTION = startup.compile(PHRASES["years"]["action"])

#: A stock named as such (电力总装机规模3.1亿千瓦): the level at the end of the period.
_STOCK = startup.compile(PHRASES["years"]["stock"])

#: A multi-year average rate (年均增长, 平均每年增长); 年均浓度 is one year's mean level.
_AVERAGE = startup.compile(PHRASES["years"]["average"])


def _last_year(s: str) -> re.Match[str] | None:
    """The last year of ``s`` that ``_YEAR_IN`` finds, looked for from the end.

    Its matches are four digits and 年, so two never overlap and the last is the one
    ending at the last 年 that ends one (a list of every year in the sentence before
    each figure cost more).

    >>> _last_year("2021年至2023年比上年").group(1), _last_year("今年") is None
    ('2023', True)
    """
    p = s.rfind("年")
    while p >= 4:
        m = _YEAR_IN.match(s, p - 4)
        if m is not None:
            return m
        p = s.rfind("年", 0, p)
    return None


def _explicit_year(sentence_before: str) -> int | None:
    """The year the sentence names for this figure, unless an earlier figure took it.

    >>> _explicit_year("预计2016年,实现地区生产总值648亿元,年均增长8.5%;一般公共预算收入达到")
    2016
    >>> _explicit_year("社区用房平均面积由2013年底的288平方米增加到") is None
    True
    >>> _explicit_year("２００１年国内生产总值达到９５９３３亿元，比上年增长")
    2001
    """
    last = _last_year(sentence_before)
    if last is None:
        return None
    # 由2013年底的288平方米增加到: the year of the starting value, not of this figure.
    if re.match(r"(底|末)?的?[0-9０-９]", sentence_before[last.end() :]):
        return None
    return int(last.group(1))


def _year(
    text: str, sentence_before: str, clause: str, sections: list[Section], sec_i: int | None, meta: Meta, stance: str,
    period: str | None = None, kind: str = "level", after: str = "", figure: str = "",
) -> int | None:
    if stance == "other" or _AVERAGE.search(clause):
        return None
    actual = stance in ("actual", "estimate")
    # 稳居全国前十强、增长4.8%: a value held over years must be this figure's own (its 、-item).
    if actual and _HELD.search(clause[clause.rfind("、") + 1 :]):
        return None
    if not actual and _WINDOW.search(sentence_before):
        return None
    years = meta.review_years if actual else meta.plan_years
    if (len(years) > 1 or period) and _PERIOD_SUM.search(clause):
        return None
    y = _explicit_year(sentence_before)
    if y is not None and (not years or min(years) - 1 <= y <= max(years) + 1):
        return y
    if period is not None and len(years) > 1:
        # A part that covers five years and one year together: the run decides.
        if period == "year":
            return max(years) if actual else min(years)
        if not actual or kind in ("growth", "change"):
            return None
        if _ACTION.search(clause) or _ACTION.match(after):
            return None
        # 粮食最高年产840亿斤、居全国第5位: a record year, not the last one.
        if _RECORD.search(sentence_before[-40:]):
            return None
        # 经营主体突破300万户: the figure's own 突破/超过 states the level reached;
        # 养老机构达到9341个、床位10.5万张: so does a 达到 earlier in the comma clause.
        comma_clause = re.split(r"[，,；;。]", sentence_before)[-1]
        if _STATE_BEFORE.search(clause) or _STATE_BEFORE.match(figure[:2]) or kind in ("rank", "share") \
                or _STOCK.search(clause) or _STATE_IN_CLAUSE.search(comma_clause):
            return max(years)
        return None
    i = sec_i
    while i is not None:
        # The preamble's "title" is the document's (2002年政府工作报告): no year of its own.
        sy = _SECTION_YEAR.search(sections[i].title) if sections[i].role != "preamble" else None
        if sy:
            return int(sy.group(1))
        i = sections[i].parent
    if len(years) == 1:
        return years[0]
    if years and stance != "target" and _STATE_BEFORE.search(clause) and not _PERIOD_SUM.search(clause):
        return max(years)
    return None
