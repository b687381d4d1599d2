"""The 对账单: each target of year Y beside the outcome reported for Y, with a status.

Pure functions over mentions; the library feeds them from the database, tests
from parsed reports. Rules (DESIGN.md): targets come from documents whose plan
years include Y, outcomes from documents whose review years include Y. Pairing
is by ``metric_id`` first, then by metric-phrase similarity (character bigrams)
with the same unit and kind; the similarity is the match confidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache, lru_cache
from typing import Any

from . import startup
from .metrics import clean_phrase, metric_ids, metric_names
from .model import Figure, Mention, ReconRow, Side, StoredDocument
from .vocab import load_toml

#: The word patterns of ``data/phrases.toml``.
PHRASES = load_toml("phrases.toml")

#: Least score for a core target and a figure without an id (or the reverse) to pair.
CORE_PHRASE_SIMILARITY = 0.72

#: Phrase similarity (bigram Dice) below which two figures are not the same metric.
#: Calibrated on the sample pair: 创新型中小企业 vs 专精特新中小企业 scores 0.46 and
#: must not pair; 民心工程 vs 民心工程 scores 1.0.
MIN_SIMILARITY = 0.5

#: Confidence below which a pairing is reported but its status is 'unclear'.
CONFIDENT = 0.6

STATUSES = ("achieved", "missed", "not_reported", "no_target", "unclear")


#: How much of a side's sentence a row carries.
SENTENCE_CHARS = 80


def sentence_at(text: str, start: int, end: int) -> str:
    r"""The sentence around ``[start, end)``, cut to ``SENTENCE_CHARS`` around the figure.

    >>> t = "一、回顾\n全年地区生产总值增长5.2%，一般公共预算收入增长8%。新增就业1万人。"
    >>> sentence_at(t, t.index("8%"), t.index("8%") + 2)
    '全年地区生产总值增长5.2%，一般公共预算收入增长8%。'
    """
    a = max(text.rfind(c, 0, start) for c in "。！？；;\n") + 1
    stops = [i for i in (text.find(c, end) for c in "。！？；;\n") if i >= 0]
    b = min(stops) + 1 if stops else len(text)
    s = text[a:b].strip()
    if len(s) <= SENTENCE_CHARS:
        return s
    # Keep the figure in view: the part before it is cut first.
    lead = max(0, start - a - (SENTENCE_CHARS - (end - start)) // 2)
    return ("…" if lead else "") + text[a + lead : a + lead + SENTENCE_CHARS].strip() + "…"


@cache
def _vocab() -> dict[str, Any]:
    data = load_toml("reconcile.toml")
    return {
        "ceiling": frozenset(data["ceiling_metrics"]),
        "in_progress": startup.compile(data["in_progress"]),
        "qualitative": startup.compile(data["qualitative_target"]),
        "headline": dict(data["headline_kind"]),
        "qualitative_outcome": startup.compile(data["qualitative_outcome"]),
        "flat": startup.compile(data["flat_outcome"]),
        "outcome_names": {k: startup.compile(p) for k, p in data["outcome_names"].items()},
        "same_count": {k: frozenset(v) for k, v in data["same_count"].items()},
    }


@lru_cache(maxsize=1 << 16)
def bigrams(s: str) -> frozenset[str]:
    """Character bigrams of a phrase (a single character counts as itself). Cached:
    pairing a year's targets with its outcomes compares the same phrases thousands
    of times.

    >>> sorted(bigrams("就业 人数"))
    ['业人', '人数', '就业']
    """
    s = _SPACE.sub("", s or "")
    return frozenset({s[i : i + 2] for i in range(len(s) - 1)} or ({s} if s else set()))


_SPACE = startup.compile(r"\s")


def similarity(a: str | None, b: str | None) -> float:
    """Dice coefficient of character bigrams.

    >>> similarity("民心工程", "民心工程"), round(similarity("创新型中小企业", "专精特新中小企业"), 2)
    (1.0, 0.46)
    """
    x, y = bigrams(a or ""), bigrams(b or "")
    if not x or not y:
        return 0.0
    return 2 * len(x & y) / (len(x) + len(y))


def _compatible(t: Mention, o: Mention) -> bool:
    if t.kind != o.kind:
        return False
    if t.unit == o.unit:
        return True
    same = _vocab()["same_count"].get(t.metric_id or "", ())
    return t.metric_id == o.metric_id and t.unit in same and o.unit in same


def judge(target: Mention, outcome: Mention, ceiling: bool) -> tuple[str, float | None]:
    """Status and completion ratio of one pair (DESIGN.md rules).

    >>> from duizhang.model import Mention
    >>> t = Mention("a", 0, 1, "7.5%左右", 7.5, "%", "growth", 1, "about", "target")
    >>> judge(t, Mention("b", 0, 1, "7.4%", 7.4, "%", "growth", 1, "exact", "actual"), False)[0]
    'missed'
    >>> t = Mention("a", 0, 1, "6.5%-7%", 6.5, "%", "growth", 1, "exact", "target", value_max=7)
    >>> judge(t, Mention("b", 0, 1, "6.7%", 6.7, "%", "growth", 1, "exact", "actual"), False)[0]
    'achieved'
    """
    tv, ov = target.value, outcome.value
    if tv is None or ov is None:
        return "unclear", None
    ratio = ov / tv if target.kind == "level" and tv else None
    t_dir = target.direction or 1
    o_dir = outcome.direction or 1
    if target.kind in ("growth", "change") and t_dir == -1:
        # A reduction target (能耗下降3%以上): the outcome's reduction must reach it, even
        # for an indicator whose level is a ceiling.
        reached = o_dir == -1 and ov >= tv - 1e-9
        return ("achieved" if reached else "missed"), ratio
    if ceiling or target.qualifier == "below":
        upper = target.value_max if target.value_max is not None else tv
        return ("achieved" if ov <= upper + 1e-9 else "missed"), ratio
    if target.kind == "rank":
        return ("achieved" if ov <= tv + 1e-9 else "missed"), None
    signed = ov * o_dir if target.kind in ("growth", "change") else ov
    return ("achieved" if signed >= tv - 1e-9 else "missed"), ratio


#: A comparison with a base year (比2002年增长65.5%): change over several years.
_BASE_YEAR = startup.compile(load_toml("reconcile.toml")["base_year"])


def over_years(f: Figure, year: int) -> bool:
    """Whether a growth or change figure compares with a year before the last one.

    >>> from duizhang.model import Mention
    >>> m = Mention("a", 0, 1, "65.5%", 65.5, "%", "growth", 1, "exact", "actual", year=2007,
    ...             context="国内生产总值达到24.66万亿元，比2002年增长")
    >>> over_years(Figure(m), 2007)
    True
    """
    b = _BASE_YEAR.search(f.context)
    return f.mention.kind in ("growth", "change") and b is not None and year - int(b.group(1)) > 1


def _by_kind(outcomes: Sequence[Figure], year: int) -> dict[str | None, list[tuple[int, Figure]]]:
    """The outcomes a target may pair with, by kind, each with its place in the list
    (a target is only compared with outcomes of its kind; a change over several
    years is no year's outcome)."""
    out: dict[str | None, list[tuple[int, Figure]]] = {}
    for i, f in enumerate(outcomes):
        if not over_years(f, year):
            out.setdefault(f.mention.kind, []).append((i, f))
    return out


def _best(target: Figure, candidates: Sequence[tuple[int, Figure]], used: set[int]) -> tuple[Figure | None, float]:
    t = target.mention
    best: tuple[float, int, Figure] | None = None
    for i, f in candidates:
        o = f.mention
        if id(f) in used or not _compatible(t, o):
            continue
        if t.metric_id and o.metric_id:
            if t.metric_id != o.metric_id:
                continue
            score = 1.0
        elif t.metric_id or o.metric_id:
            # One side is a core indicator, the other not: only a near-identical phrase pairs
            # (外贸出口总额 is not 进出口总额).
            score = similarity(t.metric, o.metric) * 0.9
            if score < CORE_PHRASE_SIMILARITY:
                continue
        else:
            score = similarity(t.metric, o.metric)
        if score < MIN_SIMILARITY:
            continue
        key = (score, -i)
        if best is None or key > best[:2]:
            best = (score, -i, f)
    return (best[2], best[0]) if best else (None, 0.0)


def _join(a: str | None, b: str) -> str:
    return f"{a}; {b}" if a else b


def _stated_before(f: Figure, rows: Sequence[ReconRow]) -> ReconRow | None:
    """The row of the same target stated earlier in the report (same indicator, kind and value)."""
    t = f.mention
    for r in rows:
        if r.target is None or r.target.value != t.value or r.kind != t.kind or r.target.doc != t.doc:
            continue
        if t.metric_id is not None and r.metric_id == t.metric_id:
            return r
        if t.metric_id is None and r.metric_id is None and similarity(r.metric, t.metric) >= 0.8:
            return r
    return None


def _attribute_of_previous(prev: Figure, cur: Figure, text: str) -> bool:
    """惠及8个小区、3494户、42万平方米: bare figures listed after a count describe the same target.

    The next figure must follow within a short noun and 、, carry no noun of its
    own (it ends the list or the clause), and measure in another unit.
    """
    p, c = prev.mention, cur.mention
    if p.doc != c.doc or not 0 < c.start - p.end <= 4 or p.unit == c.unit:
        return False
    between = text[p.end : c.start]
    return between.endswith("、") and text[c.end : c.end + 1] in ("、", "，", ",", "。", "；", ";")


def reconcile(
    targets: Iterable[Figure],
    outcomes: Iterable[Figure],
    year: int,
    region: str | None = None,
    region_code: str | None = None,
    texts: dict[str, str] | None = None,
    qualitative: Iterable[Side] = (),
) -> list[ReconRow]:
    """Pair the targets of ``year`` with its outcomes.

    ``texts`` maps a document name to its text, used to group the figures that
    describe one target (8个小区、3494户) and to read the outcome's wording.
    """
    v = _vocab()
    targets = list(targets)
    outcomes = list(outcomes)
    rows: list[ReconRow] = []
    used: set[int] = set()
    candidates = _by_kind(outcomes, year)
    prev: Figure | None = None
    for f in targets:
        t = f.mention
        if (
            rows and prev is not None and texts and t.doc in texts and t.metric_id is None
            and _attribute_of_previous(prev, f, texts[t.doc])
        ):
            rows[-1].details.append(f.side())
            prev = f
            continue
        prev = f
        twin = _stated_before(f, rows)
        if twin is not None:
            # The main targets and the work plan state it again: one row, naming the other.
            twin.note = _join(twin.note, f"also stated as {t.text} ({t.doc}:{t.start})")
            continue
        match, score = _best(f, candidates.get(t.kind, []), used)
        row = ReconRow(region, region_code, year, t.metric, t.metric_id, t.kind, f.side(), None, "not_reported")
        if match is not None:
            used.add(id(match))
            o = match.mention
            row.outcome = match.side()
            row.confidence = score
            status, ratio = judge(t, o, t.metric_id in v["ceiling"])
            row.ratio = ratio
            if score < CONFIDENT:
                status, row.note = "unclear", "metric matched by phrase only"
            elif t.kind == "level" and v["in_progress"].search(match.context):
                status, row.note = "unclear", "the outcome reports work under way, not a result"
            elif o.stance == "estimate" and status == "achieved":
                row.note = "outcome is an estimate (预计)"
            row.status = status
        rows.append(row)
    for side in qualitative:
        rows.append(_qualitative_row(side, outcomes, used, rows, region, region_code, year))
    # A numeric core target whose indicator is reported only by its rank (一般公共预算收入
    # …居全国第八) cannot be judged. (A level beside a growth target is usually another
    # figure altogether, the year's total: not an outcome of the target.)
    for row in rows:
        if row.status != "not_reported" or row.metric_id is None or row.target is None or row.target.value is None:
            continue
        other = [f for f in outcomes if id(f) not in used and f.mention.metric_id == row.metric_id
                 and f.mention.kind == "rank" != row.kind]
        if other:
            used.add(id(other[0]))
            row.outcome, row.status = other[0].side(), "unclear"
            row.note = f"the outcome is given as a {other[0].mention.kind}, not as the target's {row.kind}"
    # One no_target row per core indicator without a target: its headline figure, the
    # first of the indicator's headline kind (GDP's growth rate rather than its total).
    headline = v["headline"]
    untargeted: dict[str, list[Figure]] = {}
    for f in outcomes:
        o = f.mention
        if id(f) in used or not o.metric_id or any(r.metric_id == o.metric_id for r in rows) or over_years(f, year):
            continue
        untargeted.setdefault(o.metric_id, []).append(f)
    for mid, found in untargeted.items():
        f = min(found, key=lambda g: (g.mention.kind != headline.get(mid, g.mention.kind), g.mention.start))
        o = f.mention
        rows.append(ReconRow(region, region_code, year, o.metric, mid, o.kind, None, f.side(), "no_target"))
    return rows


#: A target relative to economic growth (与经济增长同步, 高于经济增速).
RELATIONAL = startup.compile(PHRASES["reconcile"]["relational"])


def _qualitative_row(
    side: Side, outcomes: Sequence[Figure], used: set[int], rows: Sequence[ReconRow],
    region: str | None, region_code: str | None, year: int,
) -> ReconRow:
    """A target without a number (与经济增长同步, 完成国家下达任务) beside its indicator's outcome.

    RECON_GUIDE: with an outcome it is ``unclear`` (the outcome is shown for the
    reader to judge); with none at all, ``not_reported``.
    """
    mid = side.metric_id
    if mid is not None and any(r.metric_id == mid and r.target is not None for r in rows):
        mid = None  # the indicator has a numeric target already; these words qualify it
    if mid is None:
        return ReconRow(region, region_code, year, side.text, None, None, side, None, "unclear",
                        note="target stated without a number")
    # A rank (第3位) or share says nothing of whether the words were met.
    # A target relative to economic growth is about a growth rate: a level says nothing of it.
    kinds = ("growth",) if RELATIONAL.search(side.text) else ("growth", "level", "change")
    found = [f for f in outcomes if id(f) not in used and f.mention.metric_id == mid
             and f.mention.kind in kinds]
    # The headline figure: a growth rate for growth indicators when there is one.
    found.sort(key=lambda f: (f.mention.kind != "growth", f.mention.start))
    if not found:
        return ReconRow(region, region_code, year, side.text, mid, None, side, None, "not_reported",
                        note="target stated without a number; no outcome reported")
    f = found[0]
    used.add(id(f))
    note = "target stated without a number; judge the outcome against its words"
    if RELATIONAL.search(side.text) and mid != "gdp" and f.mention.kind == "growth" and f.mention.value is not None:
        # 居民收入增长与经济增长同步: both growth rates, and which is higher, for the reader.
        gdp = next((g for g in outcomes if g.mention.metric_id == "gdp" and g.mention.kind == "growth"
                    and g.mention.value is not None and not over_years(g, year)), None)
        if gdp is not None and gdp.mention.value is not None:
            a, b = f.mention.value, gdp.mention.value
            word = "below" if a < b else "above" if a > b else "equal to"
            note = (f"{f.mention.metric}增长{f.mention.text}, {gdp.mention.metric}增长{gdp.mention.text}: "
                    f"{word} economic growth")
    return ReconRow(region, region_code, year, side.text, mid, f.mention.kind, side, f.side(), "unclear", note=note)


def qualitative_targets(text: str, start: int, end: int, mentions: Sequence[Mention], doc: str) -> list[Side]:
    """Clauses of a targets section that set a target without a number."""
    v = _vocab()
    out = []
    for m in re.finditer(r"[^，,。；;\n]+", text[start:end]):
        a, b = start + m.start(), start + m.end()
        if any(a <= x.start < b for x in mentions):
            continue
        q = v["qualitative"].search(m.group())
        if q:
            clause = m.group().strip()
            a += m.group().find(clause)
            named = clean_phrase(m.group()[: q.start()])
            # 粮食产量和…、单位地区生产总值能耗降低…完成国家下达目标任务: one row per indicator named.
            ids: list[str] = []
            for part in [named, *re.split(r"[和及与、]", named)]:
                for kind in ("growth", "level", "change", "share"):
                    ids += [i for i in metric_ids(clean_phrase(part), kind) if i not in ids]
            mids: list[str | None] = [*ids] or [None]
            for mid in mids:
                out.append(Side(doc, a, a + len(clause), clause, None, None, None, metric_id=mid))
    return out


#: Farthest the words of a numberless outcome may stand after the indicator's name.
OUTCOME_WORDS_REACH = 40


def qualitative_outcome(text: str, spans: Sequence[tuple[int, int]], metric_id: str, doc: str) -> Side | None:
    r"""The first place in ``spans`` of ``text`` where the indicator's name is followed,
    in its sentence and with no figure between, by words that state an outcome without
    a number (居民消费价格与上年持平); None if there is none.

    >>> t = "一、2025年工作回顾\n城镇调查失业率保持历史最好水平，居民消费价格与上年持平。"
    >>> qualitative_outcome(t, [(0, len(t))], "cpi", "a").text, qualitative_outcome(t, [(0, len(t))], "cpi", "a").value
    ('与上年持平', 0.0)
    >>> qualitative_outcome("地区生产总值增长5%，总体平稳。", [(0, 15)], "gdp", "a") is None
    True
    """
    v = _vocab()
    patterns = [p for p in (metric_names(metric_id), v["outcome_names"].get(metric_id)) if p is not None]
    if not patterns:
        return None
    names = startup.compile("|".join(f"(?:{p.pattern})" for p in patterns), re.I)
    for a, b in spans:
        for sentence in re.finditer(r"[^。；;\n]+", text[a:b]):
            s0 = a + sentence.start()
            for name in names.finditer(sentence.group()):
                rest = sentence.group()[name.end() : name.end() + OUTCOME_WORDS_REACH]
                words = v["qualitative_outcome"].search(rest)
                if words is None or re.search(r"[0-9０-９]", rest[: words.start()]):
                    continue
                if re.search(r"[0-9０-９]", words.group()) is None and re.search(r"[0-9０-９]", rest[words.end() : words.end() + 2]):
                    continue
                start = s0 + name.end() + words.start()
                value = 0.0 if v["flat"].search(words.group()) else None
                return Side(doc, start, start + len(words.group()), words.group(), value, None, None)
    return None


def fill_qualitative_outcomes(
    rows: Sequence[ReconRow], sources: Sequence[tuple[str, int | None, str, list[tuple[int, int]]]],
) -> None:
    """Give core rows left ``not_reported`` the outcome their review states without a number.

    ``sources``: (doc, doc_id, text, review spans) of the Y+1 reports. The row becomes
    ``unclear`` with the words as its outcome, or is judged when the words state a value
    (持平 against a CPI ceiling is achieved).
    """
    v = _vocab()
    for row in rows:
        if row.status != "not_reported" or row.metric_id is None or row.target is None:
            continue
        for doc, doc_id, text, spans in sources:
            side = qualitative_outcome(text, spans, row.metric_id, doc)
            if side is None:
                continue
            row.outcome = Side(side.doc, side.start, side.end, side.text, side.value, None, None, doc_id)
            row.status, row.note = "unclear", "outcome stated without a number"
            t = row.target
            if side.value is not None and t.value is not None and row.kind is not None:
                target = Mention(t.doc, t.start, t.end, t.text, t.value, "%", row.kind, None,  # type: ignore[arg-type]
                                 t.qualifier or "exact", "target", value_max=t.value_max)  # type: ignore[arg-type]
                outcome = Mention(doc, side.start, side.end, side.text, side.value, "%", row.kind, None, "exact", "actual")  # type: ignore[arg-type]
                row.status = judge(target, outcome, row.metric_id in v["ceiling"])[0]
                row.note = f"outcome stated without a number ({side.text} read as {side.value:g})"
            break


def explain(row: ReconRow) -> str:
    """A short reason for the row's status, for readers of the table.

    >>> explain(ReconRow(None, None, 2025, "x", "gdp", "growth", None, None, "no_target"))
    'reported without a target'
    """
    if row.reason:
        return row.reason
    if row.status == "no_target":
        return "reported without a target"
    if row.status == "not_reported":
        return row.note or "no outcome for this indicator in the review of the year"
    if row.status == "unclear":
        return row.note or "cannot be judged"
    if row.confidence is not None and row.confidence < 1.0:
        return f"{row.status}: matched by phrase (similarity {row.confidence:.2f})"
    return f"{row.status}: same indicator" + (f", {row.note}" if row.note else "")


# --- Which documents give a year's targets and outcomes -------------------------------
# DESIGN.md: targets of year Y come from the documents whose plan years include Y (a
# report delivered early in Y, the plan for Y); outcomes from those whose review years
# include Y (the report delivered early in Y + 1). Documents are of one unit, in order
# of delivery.


def target_documents(docs: Sequence[StoredDocument], year: int) -> list[StoredDocument]:
    """The documents that set year ``year``'s targets."""
    return [d for d in docs if year in d.plan_years]


def outcome_documents(docs: Sequence[StoredDocument], year: int) -> list[StoredDocument]:
    """The documents that report year ``year``'s outcomes."""
    return [d for d in docs if year in d.review_years]


def paired_years(docs: Sequence[StoredDocument]) -> list[int]:
    """The years with both a target and an outcome document."""
    planned = {y for d in docs for y in d.plan_years}
    reviewed = {y for d in docs for y in d.review_years}
    return sorted(planned & reviewed)


def year_targets(figures: Iterable[Figure], docs: Sequence[StoredDocument], year: int) -> list[Figure]:
    """The targets set for ``year``: dated to it, or without a year in a document that
    plans this one year only (a five-year plan's undated targets are not the year's)."""
    single = {d.id for d in docs if d.plan_years == [year]}
    return [f for f in figures if f.mention.stance == "target"
            and (f.mention.year == year or f.mention.year is None and f.doc_id in single)]


def year_outcomes(figures: Iterable[Figure], year: int) -> list[Figure]:
    """The outcomes reported for ``year`` (actual or estimated figures dated to it)."""
    return [f for f in figures if f.mention.stance in ("actual", "estimate") and f.mention.year == year]
