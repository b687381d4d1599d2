"""Stage 4, meta: what the document is (region, type, date, session, speaker, years).

Read from the report's own header (title, 在…第N届人民代表大会第N次会议上, the
speaker line) and headings first; the site label and file name are fallbacks.
"""

from __future__ import annotations

import re

from . import regions
from .model import Cleaned, Meta
from .numerals import cn_to_int

_WS = r"[\s\u3000\u2002\u2003\u00a0]*"
_CN = "〇零一二三四五六七八九十"

SESSION_RE = re.compile(
    rf"第{_WS}([{_CN}]+){_WS}届{_WS}(?:全国{_WS})?人民代表大会{_WS}第{_WS}([{_CN}]+){_WS}次{_WS}会议"
)
_YEAR_CN = "〇零一二三四五六七八九"
DELIVERED_RE = re.compile(
    rf"(\d{{4}}|[{_YEAR_CN}]{{4}}){_WS}年{_WS}(\d{{1,2}}|[{_CN}]{{1,3}}){_WS}月{_WS}(\d{{1,2}}|[{_CN}]{{1,3}}){_WS}日{_WS}在"
)
ISO_DATE_RE = re.compile(r"(?:时间|日期)[:：]\s*(\d{4})[-/年](\d{1,2})[-/月](\d{1,2})")
SPEAKER_RE = re.compile(
    r"(?m)(?:人民政府|政府)?(?P<title>代理?(?:省|市|区|县|州|旗)长|(?:省|市|区|县|州|旗|盟)长|国务院总理|总理|主席|盟长)"
    r"[ \t\u3000\u2002]*(?P<name>[\u4e00-\u9fff](?:[ \t\u3000\u2002]?[\u4e00-\u9fff]){1,3})[ \t\u3000\u2002]*$"
)
WHERE_RE = re.compile(rf"在{_WS}(?P<w>[^\n第]{{2,30}}?){_WS}第{_WS}[{_CN}]+{_WS}届")
YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})年")
FIVE_YEAR_REVIEW_RE = re.compile(r"过去五年|五年来")
FIVE_YEAR_PLAN_RE = re.compile(r"今后五年|未来五年")

#: Reports delivered from this month on are about the next year (a December session).
LATE_MONTH = 11

#: Characters scanned for province and city names that settle an ambiguous district.
CONTEXT_SPAN = 30000

#: How many characters after the body start count as the report's header.
HEADER_SPAN = 600


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


def _region(header: str, title: str, whole: str, fallback_name: str) -> regions.Region | None:
    if SESSION_RE.search(header) and "全国人民代表大会" in re.sub(r"\s", "", header):
        return regions.get(regions.NATIONAL)
    if "国务院" in header[:300]:
        return regions.get(regions.NATIONAL)
    context = regions.context_weights(whole[:CONTEXT_SPAN])
    chains: list[list[str]] = []
    m = WHERE_RE.search(header)
    if m:
        chains.append([n for _, _, n in regions.find_names(m.group("w"))])
    chains.append([n for _, _, n in regions.find_names(title)])
    chains.append([n for _, _, n in regions.find_names(header)])
    chains.append([n for _, _, n in regions.find_names(fallback_name)])
    for chain in chains:
        r = regions.resolve(chain, context)
        if r is not None:
            return r
    return None


def text_to_meta(text: str, cleaned: Cleaned, doc_name: str = "") -> Meta:
    """Metadata of a report from its header and headings.

    >>> t = "南开区2023年国民经济和社会发展计划\\n来源:天津市南开区发展和改革委员会 时间:2023-01-17\\n一、2023年主要预期指标\\n"
    >>> m = text_to_meta(t, Cleaned(0, len(t)))
    >>> m.region, m.region_code, m.doctype, m.plan_years, m.published_date
    ('天津市南开区', '120104', 'plan', [2023], '2023-01-17')
    """
    body = text[cleaned.body_start : cleaned.body_end]
    header = body[:HEADER_SPAN]
    # 政 府 工 作 报 告: letter-spaced titles are common in PDFs.
    first_line = re.sub(r"(?<=[\u4e00-\u9fff])[ \t\u3000\u2002]+(?=[\u4e00-\u9fff])", "",
                        body.lstrip().split("\n", 1)[0].strip())
    meta = Meta(title=first_line or None)
    meta.doctype = _doctype(first_line) if first_line else "other"  # type: ignore[assignment]
    if meta.doctype == "other":
        meta.doctype = _doctype(header[:200])  # type: ignore[assignment]
    meta.session = _session(header)
    d = DELIVERED_RE.search(header)
    if d:
        # 二〇二四年一月十五日 as well as 2024年1月15日.
        y, mo, day = (int(g) if g.isdigit() else cn_to_int(g) for g in d.groups())
        if y and mo and day and 1 <= mo <= 12 and 1 <= day <= 31:
            meta.delivered_date = f"{y:04d}-{mo:02d}-{day:02d}"
    p = ISO_DATE_RE.search(text[: cleaned.body_start + HEADER_SPAN])
    if p:
        meta.published_date = f"{int(p.group(1)):04d}-{int(p.group(2)):02d}-{int(p.group(3)):02d}"
    s = SPEAKER_RE.search(header)
    if s:
        meta.speaker = re.sub(r"[ \t\u3000\u2002]", "", s.group("name"))
        title = s.group("title")
        meta.speaker_title = "总理" if title.endswith("总理") else title
    region = _region(header, first_line, text, doc_name)
    if region is not None:
        meta.region, meta.region_code, meta.level = region.full_name, region.code, region.level  # type: ignore[assignment]
    meta.review_years, meta.plan_years = _years(body, meta)
    return meta


def _years(body: str, meta: Meta) -> tuple[list[int], list[int]]:
    """Review and plan years: from the date and title, then from headings."""
    title_years = [int(y) for y in YEAR_RE.findall(meta.title or "")]
    if meta.doctype == "plan":
        if title_years:
            y = max(title_years)
            review = [y - 1] if "执行情况" in (meta.title or "") else []
            return review, [y]
        heading = re.search(r"((?:19|20)\d{2})年(?:主要)?(?:预期)?(?:目标|指标|计划)", body[:3000])
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
    head = body[:3000]
    five_review = FIVE_YEAR_REVIEW_RE.search(head) is not None and not re.search(
        rf"{effective - 1}年(?:工作)?回顾", head
    )
    review = list(range(effective - 5, effective)) if five_review else [effective - 1]
    five_plan = five_review and FIVE_YEAR_PLAN_RE.search(body) is not None
    plan = list(range(effective, effective + 5)) if five_plan else [effective]
    return review, plan


__all__ = ["text_to_meta", "cn_to_int"]
