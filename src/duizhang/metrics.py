"""What a number measures: the metric phrase beside it and its core ``metric_id``.

The phrase is read from the clause before the number (地区生产总值增长4.7%) or,
for a count, from the noun after it (实施帮扶项目102个 / 12个街道养老服务综合体).
Core ids come from the synonym table ``data/metrics.toml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from . import startup
from .patterns import compile_guarded
from .vocab import load_toml

#: The word patterns of ``data/phrases.toml``.
PHRASES = load_toml("phrases.toml")

#: Words stripped from the front of a phrase: scope, time and stance words.
LEAD_WORDS = startup.compile(PHRASES["phrase"]["lead_words"])

#: Words stripped from the end: verbs, comparisons and qualifiers before the number.
TRAIL_WORDS = compile_guarded(PHRASES["phrase"]["trail_words"])

#: Verbs that start the clause of a count: 实施帮扶项目102个 → the object is the metric.
VERB_HEAD = startup.compile(PHRASES["phrase"]["verb_head"])

#: Where a noun phrase after a count ends.
AFTER_STOP = startup.compile(PHRASES["phrase"]["after_stop"])

PHRASE_MAX = 30

#: The start value of such a change (国内生产总值从1997年的7.4万亿元…).
FROM_START = startup.compile(r"^(?P<subject>[^从由，,。；;]{2,30}?)(?:从|由)(?:[0-9０-９]{4}年)?(?:底|末|初)?的?$")
#: A change from one value to another (从…增加到, 由…提高到): the subject comes before 从/由.
FROM_TO = startup.compile(
    r"^(?P<subject>[^从由，,。；;]{2,30}?)(?:从|由)[^，,。；;]{0,20}?[0-9０-９][^，,。；;]*?"
    rf"(?:{PHRASES['phrase']['from_to_verbs']})(?:到|至|为)"
    r"(?:[^，,。；;0-9０-９]{0,8}?(?:[0-9０-９]{4}年)?(?:底|末)?的?)$"
)

#: A clause that only says whom or what a project reaches: 惠及8个小区、3494户.
BENEFIT_HEAD = startup.compile(PHRASES["phrase"]["benefit_head"])

#: Units whose metric is read before the number (地区生产总值达到648亿元) even for a level.
MEASURE_FIRST = frozenset(["%", "元", "美元", "平方米", "亩", "公里", "吨", "平方公里", "年", "个月", "天", "小时", "rank"])


#: Phrases that name nothing by themselves; the metric comes from the figure before.
CONTENTLESS = startup.compile(PHRASES["phrase"]["contentless"])


@dataclass(frozen=True)
class _Rule:
    id: str
    names: re.Pattern[str]
    kinds: frozenset[str]
    exclude: re.Pattern[str] | None
    context: re.Pattern[str] | None
    units: frozenset[str] | None


@cache
def _rules() -> list[_Rule]:
    data = load_toml("metrics.toml")
    rules = []
    for r in data["metric"]:
        names = startup.compile("(?:" + "|".join(f"(?:{n})" for n in r["names"]) + ")$", re.I)
        exclude = startup.compile("|".join(r["exclude"])) if r["exclude"] else None
        context = startup.compile(r["context"]) if r.get("context") else None
        units = frozenset(r["units"]) if "units" in r else None
        rules.append(_Rule(r["id"], names, frozenset(r["kinds"]), exclude, context, units))
    return rules


@lru_cache(maxsize=16384)
def clean_phrase(s: str) -> str:
    """Trim scope, stance and verb words around a metric phrase.

    >>> clean_phrase("预计全区地区生产总值增长"), clean_phrase("新增就业"), clean_phrase("税收收入占一般公共预算收入比重为")
    ('地区生产总值', '新增就业', '税收收入占一般公共预算收入比重')
    """
    # A PDF's wrapped line puts a line break inside the phrase: 地区生\n产总值.
    s = _SPACES.sub("", s).strip(",，、")
    for _ in range(2):
        trimmed = TRAIL_WORDS.sub("", LEAD_WORDS.sub("", s))
        if trimmed == s:
            break
        s = trimmed
    return s.strip(" \t\u3000\u2002,，、")


_SPACES = startup.compile(r"\s+")


def metric_phrase(
    text: str, start: int, end: int, clause_start: int, unit: str, kind: str, floor: int, ceil: int
) -> str:
    """The phrase naming what the number at ``[start, end)`` measures."""
    raw = text[clause_start:start]
    # 国内生产总值从1997年的7.4万亿元增加到2002年的: the end value measures the subject of 从/由.
    span = FROM_TO.match(raw) or FROM_START.match(raw)
    if span:
        return clean_phrase(span.group("subject"))[-PHRASE_MAX:]
    # 优良天数248天、同比增加30天: what follows an earlier figure in the clause.
    last = None
    for last in _earlier_number().finditer(raw):  # noqa: B007 - the last one is wanted
        pass
    if last is not None:
        raw = raw[last.end() :]
        # 地区生产总值达到5.53万亿元、稳居全国前十强、增长4.8%: only the last item of a
        # list of predicates is this figure's; a bare 增长 then inherits the subject.
        raw = raw[raw.rfind("、") + 1 :]
    before = clean_phrase(raw)
    tail = text[end : min(ceil, end + PHRASE_MAX)]
    stop = AFTER_STOP.search(tail)
    noun = (tail[: stop.start()] if stop else tail).strip()
    if len(noun) < 2:
        noun = ""
    if BENEFIT_HEAD.match(raw.strip()):
        # 老旧小区改造二期工程,惠及8个小区: what the figure counts is the previous clause's object.
        prev = _previous_clause(text, clause_start, floor)
        if prev:
            return prev[-PHRASE_MAX:]
    if kind == "level" and unit not in MEASURE_FIRST:
        # 12个街道养老服务综合体: the counted noun follows; 实施帮扶项目102个: it precedes.
        if noun:
            return noun[:PHRASE_MAX]
        obj = VERB_HEAD.sub("", before)
        # 实施求是里等13个: a list of examples, not the metric; it comes from the next figure.
        if obj.endswith("等"):
            return ""
        return (obj if len(obj) >= 2 and not is_contentless(obj) else before)[-PHRASE_MAX:]
    if is_contentless(before) and kind == "level" and noun:
        return noun[:PHRASE_MAX]
    obj = VERB_HEAD.sub("", before)
    return (obj if len(obj) >= 2 and not is_contentless(obj) else before)[-PHRASE_MAX:]


def _previous_clause(text: str, clause_start: int, floor: int) -> str:
    """Object of the clause before ``clause_start`` in the same sentence, cleaned."""
    end = clause_start - 1
    if end <= floor or text[end] not in "，,":
        return ""
    i = end
    while i > floor and text[i - 1] not in "，,。；;：:\n":
        i -= 1
    return VERB_HEAD.sub("", clean_phrase(text[i:end]))


@cache
def _earlier_number() -> re.Pattern[str]:
    units = load_toml("units.toml")
    words = [u for cls in ("measure", "classifier", "duration", "percent", "change") for u in units[cls]]
    alt = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    after = "|".join(re.escape(w) for w in sorted(load_toml("cues.toml")["qualifier"]["after"], key=len, reverse=True))
    # 5G基站: a number glued to a letter is part of a name, not an earlier figure.
    return compile_guarded(rf"(?<![A-Za-z.．])[0-9０-９][0-9０-９.,．，]*(?![0-9.,]*[A-Za-z])[万亿千百]*(?:{alt})?(?:{after})?"
                      # a rank written in words (居世界第四位上升为第三位)
                      r"|第[一二三四五六七八九十]+位")


@lru_cache(maxsize=16384)
def is_contentless(phrase: str | None) -> bool:
    """Whether a phrase names nothing by itself (增速, 总量): the metric is inherited.

    >>> is_contentless("增速"), is_contentless(""), is_contentless("新增就业")
    (True, True, False)
    """
    return not phrase or CONTENTLESS.fullmatch(phrase) is not None


#: A growth rate or rank of an indicator carries the indicator's id (gold guide).
RATE_SUFFIX = startup.compile(PHRASES["phrase"]["rate_suffix"])


#: A span of time (连续4年, 3个月) is no core indicator's value unless a rule names the unit.
TIME_UNITS = frozenset({"年", "个月", "个多月", "小时", "分钟"})


@cache
def _any_name() -> re.Pattern[str]:
    """Every rule's names in one pattern: most phrases name no core indicator, and one
    search says so where trying each rule took ~30 (a quarter of the figure stage)."""
    return compile_guarded("|".join(f"(?:{r.names.pattern})" for r in _rules()), re.I)


@lru_cache(maxsize=16384)
def _named(phrase: str) -> tuple[str, tuple[_Rule, ...]]:
    """The phrase without a rate suffix, and the rules (in order) whose names it ends
    with and whose exclusions it avoids: what depends on the phrase alone, cached, as
    the same phrases (地区生产总值, 新增就业) recur in every report."""
    phrase = RATE_SUFFIX.sub("", phrase) or phrase
    if _any_name().search(phrase) is None:
        return phrase, ()
    return phrase, tuple(
        r for r in _rules() if r.names.search(phrase) and not (r.exclude and r.exclude.search(phrase))
    )


def _match(phrase: str, kind: str, context: str | None, unit: str | None = None) -> str | None:
    phrase, named = _named(phrase)
    for r in named:
        if kind not in r.kinds or (r.units is not None and unit is not None and kind != "rank" and unit not in r.units):
            continue
        if unit in TIME_UNITS and (r.units is None or unit not in r.units):
            continue
        if r.context is not None and not (r.context.search(phrase) or (context and r.context.search(context))):
            continue
        return r.id
    return None


def metric_ids(phrase: str | None, kind: str, context: str | None = None, unit: str | None = None) -> list[str]:
    """Core ids the phrase names (usually one; two for 新开工和竣工面积).

    ``context`` is the clause before the number, for ids that need a cue there
    (a count of 高新技术企业 is the indicator only as a stock: 达到123家).

    >>> metric_ids("地区生产总值", "growth"), metric_ids("税收收入占一般公共预算收入比重", "share")
    (['gdp'], [])
    >>> metric_ids("新开工和竣工面积", "level")
    ['new_construction_area', 'completed_construction_area']
    >>> FROM_TO.match("国内生产总值从１９９７年的７．４万亿元增加到２００２年的").group("subject")
    '国内生产总值'
    >>> metric_ids("城镇、农村常住居民人均可支配收入", "growth")
    ['urban_income', 'rural_income']
    """
    if not phrase:
        return []
    one = _match(phrase, kind, context, unit)
    parts = re.split(r"[和及与、]", phrase)
    if len(parts) > 1:
        tail = parts[-1][-2:]
        ids = []
        for p in parts:
            mid = _match(p, kind, context, unit) or _match(p + tail, kind, context, unit)
            # 城镇、农村常住居民人均可支配收入: a short qualifier shares the last part's head.
            for k in range(2, 5) if mid is None and len(p) <= 4 else ():
                mid = _match(p + parts[-1][k:], kind, context, unit)
                if mid:
                    break
            if mid and mid not in ids:
                ids.append(mid)
        if len(ids) > 1:
            return ids
    return [one] if one else []


@cache
def metric_names(metric_id: str) -> re.Pattern[str] | None:
    """A pattern finding the indicator's names in running text (not anchored phrases).

    >>> metric_names("cpi").search("全年居民消费价格与上年持平").group()
    '居民消费价格'
    """
    for r in load_toml("metrics.toml")["metric"]:
        if r["id"] == metric_id:
            # Names anchored to a whole phrase (^经济$) would match any prose.
            free = [n for n in r["names"] if not n.startswith("^")]
            return startup.compile("|".join(f"(?:{n})" for n in free), re.I) if free else None
    return None
