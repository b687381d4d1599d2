"""Stage 4, meta: what the document is (region, type, date, session, speaker, years).

Read from the report's own header (title, 在…第N届人民代表大会第N次会议上, the
speaker line) and headings first; the site label and file name are fallbacks.
"""

from __future__ import annotations

import re
from functools import cache, partial

from . import regions, startup
from .model import Cleaned, Meta
from .numerals import cn_to_int, to_number
from .patterns import LEAD, PAD, WS
from .vocab import load_toml

#: The word patterns of ``data/document.toml``.
DOC = load_toml("document.toml")

_WS = WS
_CN = "〇零一二三四五六七八九十"

SESSION_RE = startup.compile(
    rf"第?{_WS}([{_CN}]+){_WS}届{_WS}(?:全国{_WS})?人民代表大会{_WS}第{_WS}([{_CN}]+){_WS}次{_WS}会议"
)
_YEAR_CN = "〇零一二三四五六七八九"
_DATE = (
    rf"(\d{{4}}|[{_YEAR_CN}]{{4}}|[０-９]{{4}}){_WS}年{_WS}(\d{{1,2}}|[０-９]{{1,2}}|[{_CN}]{{1,3}}){_WS}月"
    rf"{_WS}(\d{{1,2}}|[０-９]{{1,2}}|[{_CN}]{{1,3}}){_WS}日"
)
#: The delivery line: 2025年1月15日在…, with the speaker between date and 在
#: (2025年1月16日省长 李乐成在…), or the date alone in brackets (（二〇〇三年一月十日）).
DELIVERED_RE = startup.compile(rf"{_DATE}(?:[^\n，。,；;（(]{{0,24}}?在|[）)])")
ISO_DATE_RE = startup.compile(rf"(?:{DOC['header']['published_labels']})[:：]\s*(\d{{4}})[-/年](\d{{1,2}})[-/月](\d{{1,2}})")
_TITLES = DOC["speaker"]["titles"]
#: A name: two to four characters, a minority name with a middle dot (艾尔肯·吐尼亚孜),
#: sometimes letter-spaced (韦 韬).
_NAME = r"[\u4e00-\u9fff](?:[ \u3000\u00a0]?[\u4e00-\u9fff·•]){1,11}?"
#: The speaker: a title and a name, the name ending the line or followed by 作 (作政府工作报告),
#: 在 (在…会议上) or 同志; or a name and a title before 在 (张三市长在…).
SPEAKER_RE = startup.compile(
    rf"(?:人民政府|政府)?(?P<title>{_TITLES}){PAD}*(?P<name>{_NAME})"
    rf"(?={PAD}*(?:\n|$)|作|在|同志|[（(])"
    rf"|(?:(?<=日)|(?<=^)|(?<=\n)|(?<=[ \u3000\u00a0]))(?P<name2>{_NAME}){PAD}?(?P<title2>{DOC['speaker']['titles_after_name']})在"
)
WHERE_RE = startup.compile(rf"在{_WS}(?P<w>[^\n第]{{2,30}}?){_WS}第?{_WS}[{_CN}]+{_WS}届")
YEAR_RE = startup.compile(r"(?<!\d)((?:19|20)\d{2})年")

#: Lines that open the review of a five-year period: 过去五年，…, 这五年，…, 五年来，…, a
#: heading or paragraph naming a five-year plan period (一、“十四五”时期工作回顾,
#: “十四五”时期是…的五年). 近五年来的最高水平 inside a sentence does not count.
# The padding after the marker only with the marker: LEAD already took the line's own.
_NUMBERING = rf"(?:(?:[一二三四五六七八九十]{{1,3}}[、．.]|[(（][一二三四五六七八九十]{{1,3}}[)）]){PAD}*)?"
FIVE_YEAR_OPENER_RE = startup.compile(
    rf"{LEAD}{_NUMBERING}(?:(?P<five>{DOC['period']['five_year_openers']})"
    rf"|(?:[0-9]{{4}}年(?:工作)?(?:和|及|与)?)?[“\"]?(?P<plan>十[一二三四五六七八九]?五)[”\"]?)"
)
PLAN_NAME_RE = startup.compile(r"十[一二三四五六七八九]?五(?![年个])")
#: Characters of an opening line read for the periods it names.
HEADING_MAX = 40

#: The preamble of an outgoing government: 报告本届政府过去五年的工作.
FIVE_YEAR_REPORT_RE = startup.compile(DOC["period"]["outgoing"])

#: Reports delivered from this month on are about the next year (a December session).
LATE_MONTH = 11

#: Characters scanned for province and city names that settle an ambiguous district.
CONTEXT_SPAN = 30000

#: How many characters after the body start count as the report's header when no
#: salutation (各位代表) ends it sooner; the header never runs past the salutation
#: by more than SALUTATION_SLACK characters.
HEADER_SPAN = 600
HEADER_MAX = 3000
SALUTATION_SLACK = 40
_SALUTATION = startup.compile(DOC["header"]["salutation"])


def _doctype(title: str) -> str:
    if "计划" in title:
        return "plan"
    if "工作报告" in title or "政府工作" in title:
        return "gwr"
    return "other"


def _session(text: str) -> str | None:
    m = SESSION_RE.search(text)
    if not m:
        return None
    national = "全国" in m.group(0)
    return f"第{m.group(1)}届{'全国' if national else ''}人民代表大会第{m.group(2)}次会议"


def _national(header: str, title: str) -> bool:
    """The State Council's report: delivered to the 全国人民代表大会, or titled or signed 国务院.

    A provincial report also names the State Council (党中央、国务院决策部署), so the word
    alone in its opening says nothing.
    """
    flat = re.sub(WS, "", header)
    if SESSION_RE.search(header) and "全国人民代表大会" in flat:
        return True
    return "国务院" in title or "国务院总理" in flat or "我代表国务院" in flat


def _report_year(meta: Meta) -> int | None:
    """The year the report was written in, for reading place names as they were then."""
    for date in (meta.delivered_date, meta.published_date):
        if date:
            return int(date[:4])
    if meta.plan_years:
        return meta.plan_years[0]
    return meta.review_years[-1] + 1 if meta.review_years else None


def _region(header: str, title: str, whole: str, fallback_name: str, year: int | None) -> regions.Region | None:
    if _national(header, title):
        return regions.get(regions.NATIONAL)
    # Counted only if a name needs it, and then once for every chain.
    context = cache(partial(regions.context_weights, whole[:CONTEXT_SPAN], year))
    chains: list[list[str]] = []
    m = WHERE_RE.search(header)
    if m:
        chains.append([n for _, _, n in regions.find_names(m.group("w"), year)])
    chains.append([n for _, _, n in regions.find_names(title, year)])
    chains.append([n for _, _, n in regions.find_names(header, year)])
    chains.append([n for _, _, n in regions.find_names(fallback_name, year)])
    for chain in chains:
        r = regions.resolve(chain, context, year)
        if r is not None:
            return r
    return None


#: Spaces between two ideographs of a letter-spaced title (政 府 工 作 报 告, common in PDFs).
_LETTER_SPACING = startup.compile(r"(?<=[\u4e00-\u9fff])[ \t\u3000\u2002]+(?=[\u4e00-\u9fff])")


def text_to_meta(text: str, cleaned: Cleaned, doc_name: str = "") -> Meta:
    """Metadata of a report from its header and headings.

    >>> t = "南开区2023年国民经济和社会发展计划\\n来源:天津市南开区发展和改革委员会 时间:2023-01-17\\n一、2023年主要预期指标\\n"
    >>> m = text_to_meta(t, Cleaned(0, len(t)))
    >>> m.region, m.region_code, m.doctype, m.plan_years, m.published_date
    ('天津市南开区', '120104', 'plan', [2023], '2023-01-17')
    """
    body = text[cleaned.body_start : cleaned.body_end]
    sal = _SALUTATION.search(body, 0, HEADER_MAX)
    header = body[: sal.end() + SALUTATION_SLACK] if sal else body[:HEADER_SPAN]
    # 政 府 工 作 报 告: letter-spaced titles are common in PDFs.
    first_line = _LETTER_SPACING.sub("", body.lstrip().split("\n", 1)[0].strip())
    meta = Meta(title=first_line or None)
    meta.doctype = _doctype(first_line) if first_line else "other"  # type: ignore[assignment]
    if meta.doctype == "other":
        meta.doctype = _doctype(header[:200])  # type: ignore[assignment]
    meta.session = _session(header)
    d = DELIVERED_RE.search(header)
    if d:
        # 二〇二四年一月十五日 as well as 2024年1月15日.
        y, mo, day = (int(to_number(g) or 0) if not any(c in _CN for c in g) else cn_to_int(g) for g in d.groups())
        if y and mo and day and 1 <= mo <= 12 and 1 <= day <= 31:
            meta.delivered_date = f"{y:04d}-{mo:02d}-{day:02d}"
    p = ISO_DATE_RE.search(text[: cleaned.body_start + HEADER_SPAN])
    if p:
        meta.published_date = f"{int(p.group(1)):04d}-{int(p.group(2)):02d}-{int(p.group(3)):02d}"
    s = SPEAKER_RE.search(header)
    if s:
        meta.speaker = re.sub(PAD, "", s.group("name") or s.group("name2"))
        title = s.group("title") or s.group("title2")
        meta.speaker_title = "总理" if title.endswith("总理") else title
        # The only 主席 who delivers a work report heads an autonomous region.
        if title == "主席":
            meta.speaker_title = "自治区主席"
    meta.review_years, meta.plan_years = _years(body, meta)
    region = _region(header, first_line, text, doc_name, _report_year(meta))
    if region is not None:
        meta.region, meta.region_code, meta.level = region.full_name, region.code, region.level  # type: ignore[assignment]
        meta.region_now_code, meta.region_now = region.now_code, region.now_name
    return meta


def _years(body: str, meta: Meta) -> tuple[list[int], list[int]]:
    """Review and plan years: from the date and title, then from headings."""
    title_years = [int(y) for y in YEAR_RE.findall(meta.title or "")]
    if meta.doctype == "plan":
        if title_years:
            y = max(title_years)
            review = [y - 1] if re.search(DOC["plan"]["reviews_last_year"], meta.title or "") else []
            return review, [y]
        heading = re.search(DOC["plan"]["targets_heading"], body[:3000])
        return [], [int(heading.group(1))] if heading else []
    effective: int | None = None
    if meta.delivered_date:
        y, mo = int(meta.delivered_date[:4]), int(meta.delivered_date[5:7])
        effective = y + 1 if mo >= LATE_MONTH else y
    elif title_years:
        effective = max(title_years)
    else:
        review_h = re.search(r"((?:19|20)\d{2})年(?:工作)?回顾", body[:5000])
        if review_h:
            effective = int(review_h.group(1)) + 1
        elif meta.published_date:
            effective = int(meta.published_date[:4])
    if effective is None:
        return [], []
    review_period = _five_year_period(body, effective, "review")
    plan_period = _five_year_period(body, effective, "plan")
    return review_period or [effective - 1], plan_period or [effective]


def five_year_plan_years(name: str) -> list[int] | None:
    """Years of a five-year plan named 十X五 (the N-th plan; the third began in 1966).

    >>> five_year_plan_years("十四五"), five_year_plan_years("十五"), five_year_plan_years("九五")[0]
    ([2021, 2022, 2023, 2024, 2025], [2001, 2002, 2003, 2004, 2005], 1996)
    """
    n = cn_to_int(name[:-1]) if name.endswith("五") else None
    if n is None or n < 3:
        return None
    start = 1966 + 5 * (n - 3)
    return list(range(start, start + 5))


def _five_year_period(body: str, effective: int, part: str) -> list[int] | None:
    """The five years a report reviews (``part="review"``) or plans, if it covers five.

    A named plan period (十四五) counts for the review when it ends the year before the
    report's year, for the plan when it starts in that year; 过去五年/五年来/这五年 open
    a review, 今后五年/未来五年 a plan.
    """
    review = list(range(effective - 5, effective))
    plan = list(range(effective, effective + 5))
    if part == "review" and FIVE_YEAR_REPORT_RE.search(body[:HEADER_MAX]):
        return review
    for m in FIVE_YEAR_OPENER_RE.finditer(body):
        if m.group("plan"):
            # 二、“十四五”时期发展成就和“十五五”时期主要目标任务: every period the heading names.
            for name in PLAN_NAME_RE.findall(body, m.start("plan"), m.start("plan") + HEADING_MAX):
                years = five_year_plan_years(name)
                if years and part == "review" and years[-1] == effective - 1:
                    return years
                if years and part == "plan" and years[0] == effective:
                    return years
        elif m.group("five") in ("过去五年", "五年来", "这五年") and part == "review":
            return review
        elif m.group("five") in ("今后五年", "未来五年") and part == "plan":
            return plan
    return None


__all__ = ["text_to_meta", "cn_to_int", "five_year_plan_years"]
