"""Stage 6, quantities: every figure in the report body as a :class:`Mention`.

One whole-text regex finds number expressions (Arabic, full-width, Chinese
numerals, ranges, ranks); each candidate is then filtered (dates, names,
ordinals, time frames, boilerplate) and interpreted: value in base units, unit,
qualifier, kind, direction, stance, metric and year. Vocabulary lives in
``data/units.toml``, ``data/cues.toml`` and ``data/metrics.toml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from .metrics import metric_phrase, metric_ids
from .model import Cleaned, Meta, Mention, Section
from .numerals import to_number
from .structure import section_at
from .vocab import load_toml

NUM_AR = r"[0-9０-９]+(?:[,，][0-9]{3})*(?:[.．][0-9０-９]+)?"
NUM_CN = r"[零〇一二两三四五六七八九十百千]+(?:[万亿][零〇一二两三四五六七八九十百千]*)*|[万亿](?=[余多]?[元亿])"
CN_SMALL = "一二三四五六七八九十"

#: Clause and sentence boundaries for the context of a number.
CLAUSE_STOP = "，,。；;：:！!？?\n（(）)"
SENTENCE_STOP = "。；;！!？?\n"

#: How far (characters) the context windows reach.
CLAUSE_MAX = 40
SENTENCE_MAX = 200
RANK_CONTEXT = 14

#: Values of 年 that are calendar years, not durations.
YEAR_MIN, YEAR_MAX = 1900, 2100


@dataclass(frozen=True)
class _Vocab:
    pattern: re.Pattern[str]
    unit_base: dict[str, str]
    unit_class: dict[str, str]
    qual_before: dict[str, str]
    qual_after: dict[str, str]
    growth: re.Pattern[str]
    share: re.Pattern[str]
    decline: re.Pattern[str]
    change_before: re.Pattern[str]
    estimate: re.Pattern[str]
    target: re.Pattern[str]
    scope_after: re.Pattern[str]
    rank_context: re.Pattern[str]
    rank_not_after: re.Pattern[str]
    name_after: re.Pattern[str]
    name_before: re.Pattern[str]
    frame_after: re.Pattern[str]
    frame_before: re.Pattern[str]
    duration_before: re.Pattern[str]
    cn_verb_before: re.Pattern[str]


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
    pattern = re.compile(
        rf"(?P<pre>{pre_in_span})?"
        r"(?:"
        rf"(?P<rank>第(?P<rn>[0-9]{{1,3}}|[{CN_SMALL}]{{1,3}})(?:名|位)?|(?P<first>首位)|前(?P<fn>[0-9]{{1,2}}|[{CN_SMALL}]{{1,2}})(?:名|位)?)"
        rf"|百分之(?P<pc>{num})"
        rf"|(?P<n1>{num})(?P<m1>[万亿千百]{{0,2}})(?P<u1>%|％)?"
        rf"(?:[ \t]?(?P<dash>[-－—–~～至到])[ \t]?(?P<n2>{num})(?P<m2>[万亿千百]{{0,2}}))?"
        r"(?P<yu>余|多)?"
        rf"(?P<unit>{unit_alt})?"
        r"(?P<post>左右|以上|以下|以内|之内|多|余)?"
        r")"
    )
    k, s, r, n = cues["kind"], cues["stance"], cues["rank"], cues["name"]
    return _Vocab(
        pattern=pattern,
        unit_base=unit_base,
        unit_class=unit_class,
        qual_before=q["before"],
        qual_after=q["after"],
        growth=re.compile(k["growth"]),
        share=re.compile(k["share"]),
        decline=re.compile(k["decline"] + "$"),
        change_before=re.compile(k["change_before"]),
        estimate=re.compile(s["estimate"]),
        target=re.compile(s["target"]),
        scope_after=re.compile(s["scope_after"]),
        rank_context=re.compile(r["context"]),
        rank_not_after=re.compile(r["not_after"]),
        name_after=re.compile(n["after"]),
        name_before=re.compile(n["before"]),
        frame_after=re.compile(n["time_frame_after"]),
        frame_before=re.compile(n["time_frame_before"]),
        duration_before=re.compile(n["duration_before"]),
        cn_verb_before=re.compile(
            r"(建成|新建|建设|完成|实施|新增|引进|打造|改造|开工|竣工|培育|创建|获批|落地|签约|举办|开展|"
            r"增至|共|累计|提升|新设|设立|达到|达|有|新开|开通|推出|成立)$"
        ),
    )


def _back(text: str, pos: int, stops: str, limit: int, floor: int) -> int:
    """Start of the clause (or sentence) that ends at ``pos``."""
    i = pos
    lo = max(floor, pos - limit)
    while i > lo and text[i - 1] not in stops:
        i -= 1
    return i


def _fwd(text: str, pos: int, stops: str, limit: int, ceil: int) -> int:
    i = pos
    hi = min(ceil, pos + limit)
    while i < hi and text[i] not in stops:
        i += 1
    return i


def _in_quotes(text: str, pos: int, line_start: int) -> bool:
    """Whether ``pos`` sits inside “…” or 「…」 on its line (a quoted name)."""
    seg = text[line_start:pos]
    opens = max(seg.rfind("“"), seg.rfind("「"), seg.rfind('"') if seg.count('"') % 2 else -1)
    closes = max(seg.rfind("”"), seg.rfind("」"))
    if opens <= closes:
        return False
    # A long quotation is speech, not a name: only short quoted labels count.
    end = text.find("”", pos, pos + 30)
    return end >= 0


def _value(num: str, mag: str) -> float | None:
    return to_number(num + mag)


def _is_cn(num: str) -> bool:
    return not any(c.isdigit() for c in num)


def text_to_mentions(text: str, cleaned: Cleaned, meta: Meta, sections: list[Section], doc: str) -> list[Mention]:
    """All quantity mentions in the report body, in document order.

    >>> from duizhang.model import Cleaned, Meta
    >>> t = "一、2023年工作回顾\\n预计全区地区生产总值增长4.7%左右,新增就业1.9万余人。"
    >>> [(m.text, m.value, m.unit, m.kind, m.qualifier, m.stance, m.metric_id, m.year)
    ...  for m in text_to_mentions(t, Cleaned(0, len(t)), Meta(review_years=[2023]), [], "d")]
    [('4.7%左右', 4.7, '%', 'growth', 'about', 'estimate', 'gdp', 2023), ('1.9万余人', 19000.0, '人', 'level', 'above', 'estimate', 'new_jobs', 2023)]
    """
    v = _vocab()
    start, end = cleaned.body_start, cleaned.body_end
    skip = [(s.start, s.end) for s in cleaned.boilerplate if s.end > start and s.start < end]
    out: list[Mention] = []
    for m in v.pattern.finditer(text, start, end):
        if m.group("pre") and not any(m.group(g) for g in ("rank", "pc", "n1")):
            continue
        s0 = m.start()
        if any(a <= s0 < b for a, b in skip):
            continue
        for mention in _interpret(text, m, v, meta, sections, doc, start, end):
            out.append(mention)
    return out


def _interpret(
    text: str, m: re.Match[str], v: _Vocab, meta: Meta, sections: list[Section], doc: str, floor: int, ceil: int
) -> list[Mention]:
    num_start = m.start("pre") if m.group("pre") else m.start()
    core_start = m.end("pre") if m.group("pre") else m.start()
    line_start = text.rfind("\n", 0, core_start) + 1
    before = text[max(line_start, core_start - 12) : core_start]
    after = text[m.end() : m.end() + 12]
    pre = m.group("pre")
    if _in_quotes(text, core_start, line_start):
        return []
    if v.name_before.search(before):
        return []

    qualifier = "exact"
    unit = ""
    kind = "level"
    value: float | None
    value_max: float | None = None
    span_end = m.end()

    if m.group("rank") or m.group("first"):
        clause_start = _back(text, core_start, CLAUSE_STOP, RANK_CONTEXT + 6, floor)
        ctx = text[clause_start:core_start]
        if not v.rank_context.search(ctx[-RANK_CONTEXT:]):
            return []
        if m.group("first"):
            value = 1.0
        elif m.group("fn") is not None:
            value = to_number(m.group("fn"))
            qualifier = "below"
        else:
            if v.rank_not_after.match(text, m.end()):
                return []
            value = to_number(m.group("rn"))
        if value is None:
            return []
        unit, kind = "rank", "rank"
        pre = None
        num_start = core_start
    elif m.group("pc") is not None:
        value = to_number(m.group("pc"))
        unit = "%"
    else:
        n1, m1, n2, m2 = m.group("n1"), m.group("m1"), m.group("n2"), m.group("m2") or ""
        raw_unit = m.group("unit") or m.group("u1") or ""
        cls = v.unit_class.get(raw_unit, "")
        post = m.group("post")
        yu = m.group("yu")
        cn = _is_cn(n1)
        # Dates: 2023年, 2024-4-9, 1月, 11日, 15:03.
        if n2 is not None and m.group("dash") in "-－" and re.fullmatch(r"(19|20)\d\d", n1):
            return []
        if raw_unit == "年" and not yu:
            val = to_number(n1)
            if val is not None and YEAR_MIN <= val <= YEAR_MAX or (cn and len(n1) == 4):
                return []
        if not raw_unit and not m1 and re.match(r"[年月日号时:：点]", after):
            return []
        if not raw_unit and v.name_after.match(after):
            return []
        if not raw_unit and not (m1 and (pre or yu or post)) and not (m1 and not cn):
            return []  # a bare number: ordinal, code, year without 年, list item
        if raw_unit and re.match(r"[0-9A-Za-z]", after[:1]) and cls != "percent":
            return []  # part of a code or model name
        if cn:
            if len(n1) == 1 and n1 in "十百千万亿" and not (pre or yu or post or cls == "measure"):
                return []
            has_q = bool(pre or yu or post or "多" in raw_unit)
            if cls == "classifier":
                if not has_q and not (
                    n1 not in ("一", "两", "二") and v.cn_verb_before.search(before) and not v.name_after.match(after)
                ):
                    return []
            elif cls == "duration":
                if not (v.duration_before.search(before) or has_q):
                    return []
            elif cls in ("percent", "change"):
                pass
            elif cls == "measure":
                pass
            elif not has_q:
                return []
        if cls == "duration":
            if v.frame_after.match(text, m.end()) or v.frame_before.search(before):
                return []
            if not cn and raw_unit == "年" and not v.duration_before.search(before):
                return []
        if cls == "classifier" and v.name_after.match(text, m.end() - len(raw_unit)) and raw_unit == "个":
            return []
        if not raw_unit and v.name_after.match(after):
            return []
        if raw_unit in ("度", "米", "升", "倍", "P", "站", "园", "村", "校", "层", "间", "对", "组", "块", "根", "门", "本"):
            # Short ambiguous units count only on an Arabic number.
            if cn:
                return []
        if n2 is not None and not m2 and m1:
            pass
        value = _value(n1, m1 if m1 or not m2 else m2)
        if n2 is not None:
            value_max = _value(n2, m2 or m1)
            if value_max is None or value is None or value_max <= value:
                # 2至3 where the second is smaller is not a range we understand.
                value_max = None
        if value is None:
            return []
        unit = v.unit_base.get(raw_unit, raw_unit)
        if yu or post in ("多", "余") or "多" in raw_unit:
            qualifier = "above"
        if post and post not in ("多", "余"):
            qualifier = v.qual_after[post]
        if cls == "change":
            kind = "change"
        elif cls == "percent":
            kind = "share"
        # 控制在3.8%以内: a qualifier written before the number but outside the span.
        if qualifier == "exact":
            for word, q in v.qual_before.items():
                if before.endswith(word):
                    qualifier = q
                    break
    if pre:
        qualifier = v.qual_before.get(pre, qualifier) if qualifier == "exact" else qualifier

    clause_start = _back(text, num_start, CLAUSE_STOP, CLAUSE_MAX, floor)
    clause = text[clause_start:num_start]
    direction: int | None = None
    if kind in ("share",) or unit == "%":
        g = list(v.growth.finditer(clause))
        sh = list(v.share.finditer(clause))
        g_end = g[-1].end() if g else -1
        s_end = sh[-1].end() if sh else -1
        if g_end > s_end:
            kind = "growth"
        else:
            kind = "share"
    elif kind == "level" and unit not in ("rank",) and v.change_before.search(clause):
        kind = "change"
    if kind in ("growth", "change"):
        g = list(v.growth.finditer(clause))
        direction = -1 if g and v.decline.search(g[-1].group()) else 1

    sec_i = section_at(sections, num_start)
    role = sections[sec_i].role if sec_i is not None else None
    sent_start = _back(text, num_start, SENTENCE_STOP, SENTENCE_MAX, floor)
    sentence_before = text[sent_start:num_start]
    scope = bool(v.scope_after.match(text, span_end)) and qualifier in ("above", "at_least")
    stance = _stance(role, sentence_before, meta, scope)
    year = _year(text, sentence_before, clause, sections, sec_i, meta, stance)

    phrase = metric_phrase(text, num_start, span_end, clause_start, unit, kind, floor, ceil)
    ids = metric_ids(phrase, kind) or [None]
    return [
        Mention(
            doc=doc,
            start=num_start,
            end=span_end,
            text=text[num_start:span_end],
            value=value,
            value_max=value_max,
            unit=unit,
            kind=kind,  # type: ignore[arg-type]
            direction=direction,
            qualifier=qualifier,  # type: ignore[arg-type]
            stance=stance,  # type: ignore[arg-type]
            metric=phrase or None,
            metric_id=mid,
            year=year,
            section=sec_i,
        )
        for mid in ids
    ]


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
    if role not in ("review", "problems") and v.target.search(sentence_before):
        return "target"
    return "actual"


_YEAR_IN = re.compile(r"(?<![0-9比较与同])((?:19|20)[0-9]{2})年(?!来|以来|以前|前|之前|底前)")
_SECTION_YEAR = re.compile(r"((?:19|20)[0-9]{2})年")


def _year(
    text: str, sentence_before: str, clause: str, sections: list[Section], sec_i: int | None, meta: Meta, stance: str
) -> int | None:
    if stance == "other" or "年均" in clause:
        return None
    years = meta.review_years if stance in ("actual", "estimate") else meta.plan_years
    explicit = _YEAR_IN.findall(sentence_before)
    if explicit:
        y = int(explicit[-1])
        if not years or min(years) - 1 <= y <= max(years) + 1:
            return y
    i = sec_i
    while i is not None:
        sy = _SECTION_YEAR.search(sections[i].title)
        if sy:
            return int(sy.group(1))
        i = sections[i].parent
    if len(years) == 1:
        return years[0]
    return None
