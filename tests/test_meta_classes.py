"""What a document is, class by class: region, date, speaker, session, years, body.

Grouped by origin: short texts written for each failure class seen on real reports
(provinces, the State Council, portal pages), then the development corpus against its
gold metadata.
"""

from __future__ import annotations

import pytest

import duizhang
from duizhang.clean import text_to_cleaned
from duizhang.meta import text_to_meta

from .conftest import DEV, dev_gold_docs, needs_dev

OPENING = "各位代表：\n现在，我代表省人民政府，向大会报告政府工作，请予审议，并请省政协委员提出意见。\n"


def _meta(text: str):
    return text_to_meta(text, text_to_cleaned(text))


# -- classes, from my own short texts ---------------------------------------------

REGION_CASES = [
    # A provincial opening names the State Council's decisions: still the province.
    ("province_names_state_council",
     "2025年某省政府工作报告\n——2025年1月14日在湖南省第十四届人民代表大会第三次会议上\n" + OPENING
     + "认真落实党中央、国务院决策部署，全省经济运行总体平稳。\n", "430000"),
    ("national_by_session",
     "政府工作报告\n——2005年3月5日在第十届全国人民代表大会第三次会议上\n国务院总理 温家宝\n" + OPENING, "000000"),
    ("municipality_not_city_code",
     "2025年重庆市政府工作报告\n——2025年1月在重庆市第六届人民代表大会第三次会议上\n" + OPENING, "500000"),
    ("session_without_di",
     "2026年甘肃省政府工作报告\n——二〇二六年一月二十七日在甘肃省十四届人民代表大会第四次会议上\n" + OPENING, "620000"),
]


@pytest.mark.parametrize("text,code", [c[1:] for c in REGION_CASES], ids=[c[0] for c in REGION_CASES])
def test_region(text: str, code: str) -> None:
    assert _meta(text).region_code == code


DATE_SPEAKER_CASES = [
    ("speaker_between_date_and_zai",
     "2025年辽宁省政府工作报告\n——2025年1月16日省长 李乐成在辽宁省第十四届人民代表大会第三次会议上的讲话\n" + OPENING,
     "2025-01-16", "李乐成", "省长"),
    ("title_name_before_zai",
     "2025年内蒙古自治区政府工作报告\n——2025年1月14日自治区人民政府主席王莉霞在内蒙古自治区第十四届人民代表大会第三次会议上的讲话\n" + OPENING,
     "2025-01-14", "王莉霞", "自治区主席"),
    ("name_then_title_before_zai",
     "某市政府工作报告\n——2025年1月15日张三市长在某市第十七届人民代表大会第四次会议上\n" + OPENING,
     "2025-01-15", "张三", "市长"),
    ("speaker_followed_by_zuo",
     "2025年安徽省政府工作报告\n2025年1月20日在安徽省第十四届人民代表大会第三次会议上安徽省人民政府省长\u00a0王清宪作政府工作报告\n" + OPENING,
     "2025-01-20", "王清宪", "省长"),
    ("minority_name_with_dot",
     "2025年新疆政府工作报告\n2025年1月19日在新疆维吾尔自治区第十四届人民代表大会第三次会议上\n自治区主席 艾尔肯·吐尼亚孜\n" + OPENING,
     "2025-01-19", "艾尔肯·吐尼亚孜", "自治区主席"),
    ("date_in_brackets_chinese_numerals",
     "政府工作报告\n（二〇〇三年一月十日）\n某省省长 李四\n" + OPENING, "2003-01-10", "李四", "省长"),
]


@pytest.mark.parametrize("text,date,speaker,title", [c[1:] for c in DATE_SPEAKER_CASES],
                         ids=[c[0] for c in DATE_SPEAKER_CASES])
def test_date_and_speaker(text: str, date: str, speaker: str, title: str) -> None:
    m = _meta(text)
    assert (m.delivered_date, m.speaker, m.speaker_title) == (date, speaker, title)


_HEAD = "2026年某省政府工作报告\n——2026年1月27日在湖北省第十四届人民代表大会第五次会议上\n" + OPENING
YEARS_CASES = [
    ("one_year", _HEAD + "一、2025年工作回顾\n过去一年，增长5%。\n二、2026年工作安排\n", [2025], [2026]),
    ("named_plan_periods", _HEAD + "一、2025年和“十四五”时期工作回顾\n过去一年……\n二、“十五五”时期主要目标\n三、2026年重点工作\n",
     [2021, 2022, 2023, 2024, 2025], [2026, 2027, 2028, 2029, 2030]),
    ("both_periods_in_one_heading", _HEAD + "一、2025年工作回顾\n二、“十四五”时期发展成就和“十五五”时期主要目标任务\n",
     [2021, 2022, 2023, 2024, 2025], [2026, 2027, 2028, 2029, 2030]),
    ("paragraph_opens_with_period", _HEAD + "一、工作回顾\n“十四五”时期是我省攻坚克难的五年。这五年，经济增长。\n",
     [2021, 2022, 2023, 2024, 2025], [2026]),
    ("near_five_year_high_is_not_a_review",
     _HEAD + "一、2025年工作回顾\n粮食产量创近五年来的最高水平。\n", [2025], [2026]),
    ("outgoing_government", "政府工作报告\n——2003年3月5日在第十届全国人民代表大会第一次会议上\n各位代表：\n"
     "现在，我代表国务院，向大会报告过去五年的工作，对今年的工作提出建议，请予审议。\n一、过去五年政府工作的回顾\n",
     [1998, 1999, 2000, 2001, 2002], [2003]),
]


@pytest.mark.parametrize("text,review,plan", [c[1:] for c in YEARS_CASES], ids=[c[0] for c in YEARS_CASES])
def test_review_and_plan_years(text: str, review: list[int], plan: list[int]) -> None:
    m = _meta(text)
    assert (m.review_years, m.plan_years) == (review, plan)


BODY_CASES = [
    # Portal chrome of the gov.cn pages: font switch, editor line, pager, spacer lines.
    ("portal_chrome",
     "当前位置： 首页>> 中国概况\n2005年国务院政府工作报告\n【字体：大 中 小】\n2005年政府工作报告\n"
     "——2005年3月5日在第十届全国人民代表大会第三次会议上\n" + OPENING + "努力把政府各项工作做得更好，绝不辜负人民的厚望和国家的重托。\n"
     "<U+00A0>\n（责任编辑： 郭桢\n ）\n", "2005年政府工作报告", "重托。"),
    ("pager_ends_the_body",
     "政府工作报告\n" + OPENING + "绝不辜负人民的期望和重托，努力做好各项工作，实现全年目标。\n\n"
     "<U+00A0><U+00A0>上一页<U+00A0>1<U+00A0> 2<U+00A0> 下一页\n", "政府工作报告", "全年目标。"),
    ("delivery_line_is_not_the_title",
     "2025年山东省政府工作报告\n来源：大众新闻客户端\n2025年1月20日在山东省第十四届人民代表大会第三次会议上山东省省长周乃翔作政府工作报告\n"
     + OPENING, "2025年山东省政府工作报告", "提出意见。"),
    ("annex_organiser_is_not_a_footer",
     "政府工作报告\n" + OPENING + "附件\n2025年10件惠民实事\n一、稳定和扩大就业\n年度目标：城镇新增就业50万人以上。\n"
     "主办单位：省人力资源社会保障厅、省财政厅，各州、市人民政府\n二、深化关爱服务\n年度目标：改造6000户。\n",
     "政府工作报告", "改造6000户。"),
]


@pytest.mark.parametrize("text,first,last", [c[1:] for c in BODY_CASES], ids=[c[0] for c in BODY_CASES])
def test_body(text: str, first: str, last: str) -> None:
    c = text_to_cleaned(text)
    body = text[c.body_start : c.body_end].strip()
    assert body.startswith(first) and body.endswith(last), body


def test_caption_is_not_the_report_start() -> None:
    t = ("2026年湖南省政府工作报告\n——2026年2月3日在湖南省第十四届人民代表大会第四次会议上\n毛伟明\n"
         "2月3日，湖南省第十四届人民代表大会第四次会议在省人民会堂开幕。省长毛伟明作政府工作报告。湖南日报全媒体记者 刘尚文 摄\n"
         + OPENING)
    c = text_to_cleaned(t)
    assert t[c.body_start :].startswith("2026年湖南省政府工作报告")
    assert "caption" in {s.reason for s in c.boilerplate}
    assert _meta(t).speaker == "毛伟明"


def test_national_text_with_literal_nbsp_headings_has_sections() -> None:
    t = ("政府工作报告\n——2006年3月5日在第十届全国人民代表大会第四次会议上\n国务院总理 温家宝\n"
         "<U+00A0><U+00A0>各位代表：\n<U+00A0><U+00A0>现在，我代表国务院，向大会报告政府工作，请予审议。\n"
         "<U+00A0><U+00A0>一、去年工作回顾\n<U+00A0><U+00A0>国内生产总值增长9.9%，财政收入增加。\n"
         "<U+00A0><U+00A0>二、2006年工作的总体要求和主要任务\n<U+00A0><U+00A0>国内生产总值增长8%左右。\n")
    r = duizhang.parse(t.encode(), name="n.txt")
    assert [s.role for s in r.sections if s.level == 1][1:] == ["review", "plan"]


# -- the development corpus against its gold metadata ---------------------------------

DEV_FIELDS = ["region", "region_code", "level", "doctype", "delivered_date", "review_years", "plan_years",
              "speaker", "speaker_title", "session"]


@needs_dev
@pytest.mark.parametrize("doc", sorted(dev_gold_docs()))
def test_dev_metadata(doc: str) -> None:
    gold = dev_gold_docs()[doc]
    got = duizhang.parse(DEV / doc).doc_record()
    assert {f: got[f] for f in DEV_FIELDS} == {f: gold.get(f) for f in DEV_FIELDS}


@needs_dev
@pytest.mark.parametrize("pdf", ["gansu_2025_gwr.pdf", "hubei_2025_gwr.pdf", "shandong_2025_gwr.pdf"])
def test_dev_pdf_metadata_matches_its_docx(pdf: str) -> None:
    gold = dev_gold_docs()[pdf.replace(".pdf", ".docx")]
    got = duizhang.parse(DEV / pdf).doc_record()
    fields = ["region_code", "doctype", "delivered_date", "review_years", "plan_years", "speaker", "session"]
    assert {f: got[f] for f in fields} == {f: gold.get(f) for f in fields}
