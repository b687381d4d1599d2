"""What a number measures: the metric phrase beside it and its core ``metric_id``.

The phrase is read from the clause before the number (地区生产总值增长4.7%) or,
for a count, from the noun after it (实施帮扶项目102个 / 12个街道养老服务综合体).
Core ids come from the synonym table ``data/metrics.toml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from .vocab import load_toml

#: Words stripped from the front of a phrase: scope, time and stance words.
LEAD_WORDS = re.compile(
    r"^(?:其中|全年|预计|力争|确保|努力|争取|实现|完成|全区|全市|全省|全县|全国|全镇|我区|我市|我省|本区|"
    r"区级|年末|年底|当年|同比|累计|共|此外|另外|并|且|和|与|及|以及|通过|已|已经|今年|去年|明年|"
    r"[0-9]{4}年|[0-9]{1,2}月|一年来|五年来|过去五年|今后五年|到[0-9]{4}年|要|将|新|全部|整体)+"
)

#: Words stripped from the end: verbs, comparisons and qualifiers before the number.
TRAIL_WORDS = re.compile(
    r"(?:分别|均|同比|比上年|较上年|增长|增速|增幅|下降|降低|减少|提高|提升|增加|达到|达|为|是|实现|突破|"
    r"超过|超|逾|近|约|接近|保持在|保持|控制在|在|至|到|累计|共计|共|合计|总计|不少于|不低于|至少|"
    r"不超过|年均|平均|排名|位列|位居|居|名列|列|全市|全区|全省|全国|中心城区|首次|连续|历经|"
    r"完成|新增加|有|已|的|了|占|和)+$"
)

#: Verbs that start the clause of a count: 实施帮扶项目102个 → the object is the metric.
VERB_HEAD = re.compile(
    r"^(?:新建|建成|建设|完成|实施|引进|打造|改造|开工|竣工|培育|创建|获批|签约|举办|开展|新增|"
    r"提升改造|提升|盘活|投入|发放|帮助|服务|吸引|招引|落地|推动|推进|开通|设立|新设|整治|治理|清理|"
    r"拆除|取消|调解|受理|办理|解决|认定|惠及|覆盖|吸纳|安置|带动|培训|救助|资助|接待|组织|承办)+"
)

#: Where a noun phrase after a count ends.
AFTER_STOP = re.compile(r"[，,。；;：:、（(）)\n“”]|建设|成效|完成|实现|达到|投入|开展|获得|被|等|的|全部|已|正式|顺利|相继|陆续|分别|通过|落地|开工|竣工|投用|建成")

PHRASE_MAX = 30


@dataclass(frozen=True)
class _Rule:
    id: str
    names: re.Pattern[str]
    kinds: frozenset[str]
    exclude: re.Pattern[str] | None


@cache
def _rules() -> list[_Rule]:
    data = load_toml("metrics.toml")
    rules = []
    for r in data["metric"]:
        names = re.compile("(?:" + "|".join(f"(?:{n})" for n in r["names"]) + ")$", re.I)
        exclude = re.compile("|".join(r["exclude"])) if r["exclude"] else None
        rules.append(_Rule(r["id"], names, frozenset(r["kinds"]), exclude))
    return rules


def clean_phrase(s: str) -> str:
    """Trim scope, stance and verb words around a metric phrase.

    >>> clean_phrase("预计全区地区生产总值增长"), clean_phrase("新增就业"), clean_phrase("税收收入占一般公共预算收入比重为")
    ('地区生产总值', '新增就业', '税收收入占一般公共预算收入比重')
    """
    s = s.strip(" \t\u3000\u2002,，、")
    for _ in range(2):
        s = LEAD_WORDS.sub("", s)
        s = TRAIL_WORDS.sub("", s)
    return s.strip(" \t\u3000\u2002,，、")


def metric_phrase(
    text: str, start: int, end: int, clause_start: int, unit: str, kind: str, floor: int, ceil: int
) -> str:
    """The phrase naming what the number at ``[start, end)`` measures."""
    before = clean_phrase(text[clause_start:start])
    if kind == "level" and unit not in ("%", "元", "美元", "平方米", "亩", "公里", "吨", "平方公里", "年", "个月", "天", "小时"):
        after_end = min(ceil, end + PHRASE_MAX)
        tail = text[end:after_end]
        stop = AFTER_STOP.search(tail)
        noun = tail[: stop.start()] if stop else tail
        noun = noun.strip()
        if len(noun) >= 2 and not re.match(r"[的了，,。]", noun):
            obj = VERB_HEAD.sub("", before)
            # 实施帮扶项目102个: the count's noun is before; 12个街道养老服务综合体: after.
            if obj and obj != before and len(obj) >= 2:
                return obj[-PHRASE_MAX:]
            return noun[:PHRASE_MAX]
        obj = VERB_HEAD.sub("", before)
        if obj and len(obj) >= 2:
            return obj[-PHRASE_MAX:]
    return before[-PHRASE_MAX:]


def _match(phrase: str, kind: str) -> str | None:
    for r in _rules():
        if kind not in r.kinds:
            continue
        if r.names.search(phrase) and not (r.exclude and r.exclude.search(phrase)):
            return r.id
    return None


def metric_ids(phrase: str | None, kind: str) -> list[str]:
    """Core ids the phrase names (usually one; two for 新开工和竣工面积).

    >>> metric_ids("地区生产总值", "growth"), metric_ids("税收收入占一般公共预算收入比重", "share")
    (['gdp'], [])
    >>> metric_ids("新开工和竣工面积", "level")
    ['new_construction_area', 'completed_construction_area']
    """
    if not phrase:
        return []
    one = _match(phrase, kind)
    parts = re.split(r"[和及与、]", phrase)
    if len(parts) > 1:
        tail = parts[-1][-2:]
        ids = []
        for p in parts:
            mid = _match(p, kind) or _match(p + tail, kind)
            if mid and mid not in ids:
                ids.append(mid)
        if len(ids) > 1:
            return ids
    return [one] if one else []
