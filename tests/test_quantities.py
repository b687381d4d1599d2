"""Quantity extraction, table-driven from single sentences written for these tests.

Groups by origin: ``PHENOMENA`` are the forms the extraction issue lists (numerals,
magnitudes, qualifiers, ranges, kinds); ``NOT_QUANTITIES`` must yield nothing;
``CAUGHT`` are bugs found on real reports, one case each. Each case is
(sentence, section role context, expected fields of the single mention).
"""

from __future__ import annotations

from typing import Any

import pytest

from duizhang.model import Cleaned, Meta, Section
from duizhang.quantities import text_to_mentions


def extract(sentence: str, role: str = "review", years: tuple[int, ...] = (2023,)) -> list[dict[str, Any]]:
    text = "标题\n" + sentence + "\n"
    heading = {"review": "一、2023年工作回顾", "plan": "二、2024年工作安排", "glossary": "名词解释"}[role]
    text = heading + "\n" + sentence + "\n"
    sections = [Section(0, len(text), len(heading), 1, heading, role)]  # type: ignore[arg-type]
    meta = Meta(doctype="gwr", review_years=list(years), plan_years=[max(years) + 1])
    return [m.to_dict() for m in text_to_mentions(text, Cleaned(0, len(text)), meta, sections, "t.txt")]


PHENOMENA = [
    # numerals and magnitudes
    ("引进企业650余家。", {"text": "650余家", "value": 650, "unit": "家", "qualifier": "above"}),
    ("新增就业1.9万余人。", {"value": 19000, "unit": "人", "qualifier": "above", "metric_id": "new_jobs"}),
    ("全年接待游客3.5万人次。", {"value": 35000, "unit": "人次"}),
    ("实现税收1.2亿元。", {"value": 1.2e8, "unit": "元"}),
    ("居民人均可支配收入突破七万元。", {"text": "突破七万元", "value": 70000, "qualifier": "above", "metric_id": "disposable_income"}),
    ("举办推介活动近百场。", {"text": "近百场", "value": 100, "unit": "场", "qualifier": "near"}),
    ("实施协同创新项目百余项。", {"text": "百余项", "value": 100, "unit": "项", "qualifier": "above"}),
    ("营收规模突破百亿元。", {"value": 1e10, "unit": "元", "qualifier": "above"}),
    ("建成两座消防站。", {"text": "两座", "value": 2, "unit": "座"}),
    ("累计培训一百零五人。", {"text": "一百零五人", "value": 105, "unit": "人"}),
    ("完成投资１２３亿元。", {"text": "１２３亿元", "value": 1.23e10}),
    ("总投资1,250亿元。", {"value": 1.25e11, "unit": "元"}),
    ("外贸进出口总额增长百分之五。", {"value": 5, "unit": "%", "kind": "growth", "metric_id": "foreign_trade"}),
    ("实际利用外资4570万美元。", {"value": 4.57e7, "unit": "美元", "metric_id": "foreign_investment"}),
    ("PM2.5平均浓度42微克/立方米。", {"text": "42微克/立方米", "unit": "微克/立方米", "metric_id": "pm25"}),
    ("改造供热管网2.2公里。", {"unit": "公里", "value": 2.2}),
    ("新增装机容量120万千瓦。", {"value": 1.2e6, "unit": "千瓦"}),
    ("修建步道3千米。", {"value": 3, "unit": "公里"}),
    ("实现利润3百万元。", {"value": 3e6, "unit": "元"}),
    ("总量达1.2万亿元。", {"value": 1.2e12, "unit": "元"}),
    ("全市60岁以上老年人达到45万人。", {"text": "60岁以上", "stance": "other", "qualifier": "above"}),
    ("建成标准厂房12万平方米。", {"unit": "平方米", "value": 120000}),
    # qualifiers
    ("地区生产总值增长4.7%左右。", {"qualifier": "about", "kind": "growth", "direction": 1, "metric_id": "gdp"}),
    ("约3000户居民受益。", {"text": "约3000户", "qualifier": "about"}),
    ("固定资产投资增长20%以上。", {"qualifier": "above", "metric_id": "fixed_asset_investment"}),
    ("客流总量超过7000万人次。", {"text": "超过7000万人次", "qualifier": "above"}),
    ("税收贡献超7000万元。", {"text": "超7000万元", "qualifier": "above"}),
    ("市场主体总量逾6万户。", {"qualifier": "above"}),
    ("开放专利不少于15项。", {"text": "不少于15项", "qualifier": "at_least"}),
    ("新增纳统企业不低于60家。", {"qualifier": "at_least"}),
    ("城镇登记失业率控制在3.5%以内。", {"qualifier": "below", "kind": "share", "metric_id": "unemployment_rate"}),
    ("居民消费价格涨幅不超过3%。", {"qualifier": "below", "metric_id": "cpi"}),
    ("培训人员接近2000人。", {"qualifier": "near"}),
    # ranges
    ("地区生产总值增长6%-6.5%。", {"value": 6, "value_max": 6.5, "unit": "%", "metric_id": "gdp"}),
    ("地区生产总值增长6.5%－7%。", {"value": 6.5, "value_max": 7}),
    ("地区生产总值增长4.5%—5%。", {"value": 4.5, "value_max": 5}),
    ("地区生产总值增长6至6.5%。", {"value": 6, "value_max": 6.5, "unit": "%"}),
    # kinds
    ("一般公共预算收入下降6.5%。", {"kind": "growth", "direction": -1, "metric_id": "budget_revenue"}),
    ("空气质量优良天数同比增加30天。", {"kind": "change", "unit": "天", "metric_id": "good_air_days"}),
    ("服务业比重提高5个百分点。", {"kind": "change", "unit": "个百分点", "direction": 1}),
    ("排名提升6个位次。", {"kind": "change", "unit": "个位次"}),
    ("税收收入占一般公共预算收入比重为82.1%。", {"kind": "share", "metric_id": None}),
    ("优良天数比例63.6%。", {"kind": "share", "metric_id": "good_air_ratio"}),
    ("群众诉求办结率100%。", {"kind": "share"}),
    ("政务诚信评价位列全市第一。", {"text": "第一", "kind": "rank", "unit": "rank", "value": 1}),
    ("营收增速全市第1。", {"kind": "rank", "value": 1}),
    ("到位额位居中心城区首位。", {"text": "首位", "kind": "rank", "value": 1}),
    ("连续两年位列全市前三。", {"text": "前三", "kind": "rank", "value": 3, "qualifier": "below"}),
    # durations
    ("连续七年在全市考核中位列优秀等次。", {"text": "七年", "value": 7, "unit": "年"}),
    ("历经16年终于建成。", {"text": "16年", "unit": "年"}),
    ("经过3个多月奋战如期开园。", {"text": "3个多月", "unit": "个月", "qualifier": "above"}),
    ("2小时取得施工许可证。", {"unit": "小时", "value": 2}),
    # stance
    ("预计全年地区生产总值增长5%。", {"stance": "estimate", "year": 2023}),
    ("新增就业1.2万人。", {"stance": "actual", "year": 2023}),
]


@pytest.mark.parametrize("sentence, expected", PHENOMENA, ids=[s for s, _ in PHENOMENA])
def test_phenomena(sentence: str, expected: dict[str, Any]) -> None:
    found = extract(sentence)
    assert found, f"no mention in {sentence}"
    m = next((f for f in found if f["text"] == expected.get("text")), found[0])
    got = {k: m[k] for k in expected}
    assert got == expected


# National and provincial wording (State Council and provincial reports).
NATIONAL = [
    ("国内生产总值增长5.2%。", {"metric_id": "gdp", "kind": "growth"}),
    ("城镇新增就业1244万人。", {"value": 1.244e7, "metric_id": "new_jobs"}),
    ("城镇调查失业率平均为5.2%。", {"kind": "share", "metric_id": "unemployment_rate"}),
    ("居民消费价格上涨0.2%。", {"kind": "growth", "metric_id": "cpi"}),
    ("粮食产量13908亿斤。", {"value": 1.3908e12, "unit": "斤", "metric_id": "grain_output"}),
    ("单位国内生产总值能耗下降0.5%。", {"direction": -1, "metric_id": "energy_intensity"}),
    ("进出口总额41.76万亿元。", {"value": 4.176e13, "metric_id": "foreign_trade"}),
    ("全省生产总值达到5.6万亿元。", {"value": 5.6e12, "metric_id": "gdp"}),
    ("城镇化率提高到68.5%。", {"kind": "share"}),
    ("建成5G基站12万个。", {"text": "12万个", "metric": "5G基站"}),
    ("全市前三季度地区生产总值增长5%。", {"text": "5%", "metric_id": "gdp"}),
    ("全市第三产业增加值占比达到60%。", {"text": "60%", "kind": "share"}),
    ("空气质量优良天数比率达到89.5%。", {"metric_id": "good_air_ratio"}),
]


@pytest.mark.parametrize("sentence, expected", NATIONAL, ids=[s for s, _ in NATIONAL])
def test_national(sentence: str, expected: dict[str, Any]) -> None:
    m = extract(sentence)[0]
    assert {k: m[k] for k in expected} == expected


PLAN = [
    ("地区生产总值增长5%左右。", {"stance": "target", "year": 2024, "metric_id": "gdp"}),
    ("实施13个老旧小区改造。", {"stance": "target", "metric_id": "old_community_renovation", "value": 13}),
    ("力争新增市场主体1万户。", {"stance": "target", "metric_id": "new_market_entities"}),
    ("围绕66.3万平方米闲置载体招商。", {"stance": "other"}),
]


@pytest.mark.parametrize("sentence, expected", PLAN, ids=[s for s, _ in PLAN])
def test_plan_part(sentence: str, expected: dict[str, Any]) -> None:
    m = extract(sentence, role="plan")[0]
    assert {k: m[k] for k in expected} == expected


def test_glossary_is_other() -> None:
    m = extract("双高楼宇:单栋楼宇税收贡献超1亿元的楼宇。", role="glossary")[0]
    assert m["stance"] == "other" and m["year"] is None


def test_scope_is_other() -> None:
    found = extract("引进注册资本5000万元以上企业125家。")
    assert [(m["text"], m["stance"]) for m in found] == [("5000万元以上", "other"), ("125家", "actual")]


def test_one_number_for_two_metrics() -> None:
    found = extract("新开工和竣工面积均达到100万平方米。", role="plan")
    assert {m["metric_id"] for m in found} == {"new_construction_area", "completed_construction_area"}
    assert len({(m["start"], m["end"]) for m in found}) == 1


def test_metric_carried_to_the_growth_rate() -> None:
    found = extract("完成一般公共预算收入22.7亿元,同比增长5.1%。")
    assert [m["metric_id"] for m in found] == ["budget_revenue", "budget_revenue"]
    assert [m["kind"] for m in found] == ["level", "growth"]


NOT_QUANTITIES = [
    "2024年1月11日在南开区第十八届人民代表大会第五次会议上",
    "深入实施高质量发展“十项行动”。",
    "按照“3255”工作思路推进。",
    "谋划十四五规划实施。",
    "推进地铁7号线建设。",
    "建成5G基站网络。",
    "治理PM2.5污染。",
    "一年来,主要做了以下工作。",
    "过去五年,我们砥砺奋进。",
    "实现8年来最好水平。",
    "一是强力推进结构调整。",
    "(一)坚定不移促协同。",
    "第一,坚持创新驱动。",
    "推进二期工程建设。",
    "庆祝成立75周年。",
    "打造五大片区。",
    "成功举办第22届展会。",
    "位于民生路56号。",
    "拨打12345便民热线。",
    "首次举办首届峰会。",
    "做好“三个着力”文章。",
    "增强四个意识。",
    "打造千亿商贸集群。",
    "建设亿元楼宇。",
    "完成“20项民心工程”。",
    "全市前三季度经济运行平稳。",
    "全市第三产业加快发展。",
    "1—11月,全市规上工业运行平稳。",
]


@pytest.mark.parametrize("sentence", NOT_QUANTITIES)
def test_not_quantities(sentence: str) -> None:
    assert [m["text"] for m in extract(sentence)] == []


# Bugs caught on the sample corpus, one case each.
CAUGHT = [
    # 二、2024年工作安排 was not a heading because a digit followed 、
    ("国家级高新技术企业达到123家。", {"metric_id": "high_tech_enterprises"}),
    ("认定国家级高新技术企业10家。", {"metric_id": None}),
    ("带动就业占全区新增就业的89.26%。", {"kind": "share"}),
    ("新建2条健身步道、4座多功能运动场。", {"text": "2条", "qualifier": "exact"}),
    ("接待市民游客1660余万人次。", {"value": 1.66e7, "qualifier": "above"}),
    ("完成中医药大学等5宗289.2亩土地出让。", {"text": "5宗"}),
    ("税收收入增长22.5%、增速全市第一。", {"text": "22.5%"}),
]


@pytest.mark.parametrize("sentence, expected", CAUGHT, ids=[s for s, _ in CAUGHT])
def test_caught(sentence: str, expected: dict[str, Any]) -> None:
    m = extract(sentence)[0]
    assert {k: m[k] for k in expected} == expected


def test_rank_after_growth_in_the_same_clause() -> None:
    found = extract("税收收入增长22.5%、增速全市第一。")
    assert [(m["text"], m["kind"], m["metric_id"]) for m in found] == [
        ("22.5%", "growth", "tax_revenue"),
        ("第一", "rank", "tax_revenue"),
    ]


def test_spans_index_the_text() -> None:
    text = "一、2023年工作回顾\n预计全区地区生产总值增长4.7%左右。\n"
    ms = text_to_mentions(text, Cleaned(0, len(text)), Meta(review_years=[2023]), [], "t")
    assert all(text[m.start : m.end] == m.text for m in ms)


def test_pdf_wrapped_line_keeps_the_metric() -> None:
    text = "过去一年全区上下团结一心，经济运行稳中向好，全年实现地区生\n产总值增长5.2%，一般公共预算收入完成22.7亿元。"
    found = extract(text)
    assert [(m["text"], m["metric_id"]) for m in found] == [("5.2%", "gdp"), ("22.7亿元", "budget_revenue")]


def test_respectively_gives_each_figure_its_metric() -> None:
    found = extract("新开工面积和竣工面积分别达到47.9万平方米和92.3万平方米。")
    assert [(m["text"], m["metric_id"]) for m in found] == [
        ("47.9万平方米", "new_construction_area"),
        ("92.3万平方米", "completed_construction_area"),
    ]


# Caught bug (dev corpus, fujian_2026): the second figure of 2025年全省地区生产总值60199.45亿元、增长5%
# lost the sentence's year because another figure stood between; a starting value
# (由2013年底的288平方米增加到) still keeps its own year only.
def test_one_year_covers_every_figure_of_its_sentence() -> None:
    from duizhang.quantities import _explicit_year

    assert _explicit_year("初步统计，2025年全省地区生产总值60199.45亿元、增长") == 2025
    assert _explicit_year("社区用房平均面积由2013年底的") == 2013
    assert _explicit_year("社区用房平均面积由2013年底的288平方米增加到") is None


# Caught bug (dev corpus, xinjiang_2026): 城乡居民 incomes stated together 分别 gave both
# figures the all-residents id; the first is the urban figure, the second the rural one.
def test_urban_and_rural_incomes_respectively() -> None:
    found = extract("城乡居民人均可支配收入分别增长5.3%、7%。")
    assert [(m["text"], m["metric_id"]) for m in found] == [("5.3%", "urban_income"), ("7%", "rural_income")]


# Caught bug (dev corpus, anhui_2026): 城镇、农村常住居民人均可支配收入 lists two qualifiers of one head.
def test_qualifiers_sharing_one_head_respectively() -> None:
    found = extract("城镇、农村常住居民人均可支配收入分别增长4.4%、5.9%。")
    assert [(m["text"], m["metric_id"]) for m in found] == [("4.4%", "urban_income"), ("5.9%", "rural_income")]


# Caught bug (dev corpus, national_2003): the end value of 从…增加到 measures the subject.
def test_end_value_of_a_change_measures_the_subject() -> None:
    found = extract("国内生产总值从１９９７年的７．４万亿元增加到２００２年的１０．２万亿元。")
    assert [(m["text"], m["metric_id"]) for m in found] == [("７．４万亿元", "gdp"), ("１０．２万亿元", "gdp")]


# Caught bug (dev corpus, hunan_2026): a predicate between two figures of one subject
# (、稳居全国前十强、增长4.8%) was taken for the second figure's metric.
def test_predicate_list_keeps_the_subject() -> None:
    found = extract("全省地区生产总值达到5.53万亿元、稳居全国前十强、增长4.8%。")
    assert [(m["text"], m["metric_id"]) for m in found if m["kind"] != "rank"] == [
        ("5.53万亿元", "gdp"), ("4.8%", "gdp")]


# Caught bug (dev corpus, national_2005): 分别 after two figures in their own clauses
# refers back to their subjects, in order.
def test_respectively_refers_back_to_the_subjects_before_it() -> None:
    found = extract("城镇居民人均可支配收入9422元，农村居民人均纯收入2936元，扣除价格因素，分别实际增长7．7％和6．8％。")
    assert [(m["text"], m["metric_id"]) for m in found] == [
        ("9422元", "urban_income"), ("2936元", "rural_income"), ("7．7％", "urban_income"), ("6．8％", "rural_income")]


# Metric classes from the dev gold (issue 9): the indicator behind a comparison or a rank.
@pytest.mark.parametrize(("text", "expected"), [
    # 高于全国N个百分点: the gap carries the indicator of the figure before it.
    ("进出口总值增长6.4%、高于全国2.6个百分点。", [("6.4%", "foreign_trade"), ("2.6个百分点", "foreign_trade")]),
    # 增幅比一季度回落N个百分点: a comparison, not a name.
    ("全社会固定资产投资增幅比一季度回落17.2个百分点。", [("17.2个百分点", "fixed_asset_investment")]),
    # a rank in words before another rank
    ("进出口贸易总额由上年居世界第四位上升为第三位。", [("第四位", "foreign_trade"), ("第三位", "foreign_trade")]),
    # 增产 trails the indicator
    ("粮食总产量增产3877万吨。", [("3877万吨", "grain_output")]),
    # a record year's output and its rank
    ("粮食最高年产840亿斤、居全国第5位。", [("840亿斤", "grain_output"), ("第5位", "grain_output")]),
    # a span of time is no indicator's value
    ("城镇新增就业连续4年超过90万人。", [("4年", None), ("超过90万人", "new_jobs")]),
])
def test_metric_behind_comparisons_and_ranks(text: str, expected: list[tuple[str, str | None]]) -> None:
    assert [(m["text"], m["metric_id"]) for m in extract(text)] == expected


# Years in a part that reviews five years (dev corpus, neimenggu_2026 and shandong_2026).
def _five_year_years(paragraphs: str) -> list[tuple[str, int | None]]:
    import duizhang

    text = ("内蒙古自治区政府工作报告\n——2026年1月20日在内蒙古自治区第十四届人民代表大会第四次会议上\n各位代表：\n"
            "一、“十四五”时期和2025年工作回顾\n" + paragraphs + "\n二、2026年工作安排\n"
            "2026年经济社会发展的主要预期目标是：地区生产总值增长5%左右。\n")
    r = duizhang.parse(text.encode(), name="r.txt")
    return [(m.text, m.year) for m in r.mentions if m.stance == "actual"]


@pytest.mark.parametrize(("paragraph", "expected"), [
    # a level the period reached, led by the figure's own 突破: the final year
    ("“十四五”时期是极不平凡的五年。五年来，经营主体突破300万户。", [("突破300万户", 2025)]),
    # growth over the five years: no single year
    ("“十四五”时期是极不平凡的五年。五年来，一般公共预算收入5年增长18.7%。", [("18.7%", None)]),
    # a salutation and a framing sentence before 五年来 still open the five-year run
    ("各位代表！2025年是“十四五”收官之年。五年来，居民人均可支配收入增长34.3%。", [("34.3%", None)]),
])
def test_years_in_a_five_year_review(paragraph: str, expected: list[tuple[str, int | None]]) -> None:
    assert _five_year_years(paragraph) == expected


# Stance classes from the dev gold (issue 9): numbers that define a class or a size, not a result.
@pytest.mark.parametrize(("text", "stances"), [
    ("一年来，盯紧抓实64个预增产值过10亿元、2334个过2000万元的工业新增长点。",
     [("64个", "actual"), ("过10亿元", "actual"), ("2334个", "actual"), ("过2000万元", "other")]),
    ("一年来，6100万湖北人民备受鼓舞。", [("6100万", "other")]),
    ("一年来，城市12分钟急救圈、农村30分钟医疗圈初步形成。", [("12分钟", "other"), ("30分钟", "other")]),
    ("一年来，每千人拥有3岁以下婴幼儿托位数提高到4.5个。", [("3岁以下", "other"), ("4.5个", "actual")]),
    # Known miss: 千伏 is not a unit yet, so the voltage class is cut to 220千.
    pytest.param("一年来，220千伏及以上输电线路总长超7万公里。", [("220千伏及以上", "other"), ("超7万公里", "actual")],
                 marks=pytest.mark.xfail(strict=True, reason="千伏 is not in units.toml")),
    # a size with the action that builds it is the goal's, not a class
    ("各街均建成500平方米以上的社区综合服务中心。", [("500平方米以上", "actual")]),
])
def test_class_and_size_numbers_are_other(text: str, stances: list[tuple[str, str]]) -> None:
    assert [(m["text"], m["stance"]) for m in extract(text)] == stances


@pytest.mark.parametrize(("text", "found"), [
    ("预增产值过10亿元的重大增长点。", [("过10亿元", "above")]),
    ("社会融资规模连续4年每年跨过一个万亿台阶。", [("4年", "exact")]),  # 跨过 is a verb
    ("通过3年努力，建成10个。", [("10个", "exact")]),
])
def test_guo_over_is_a_qualifier_only_alone(text: str, found: list[tuple[str, str]]) -> None:
    assert [(m["text"], m["qualifier"]) for m in extract(text)] == found


@pytest.mark.parametrize(("paragraph", "expected"), [
    # a level reached, stated by 达到 earlier in the list: the final year
    ("“十四五”时期是极不平凡的五年。五年来，全区养老机构和设施达到9341个、床位10.5万张。",
     [("9341个", 2025), ("10.5万张", 2025)]),
    ("“十四五”时期是极不平凡的五年。五年来，城乡低保标准提高到每月815元和615元。", [("815元", 2025), ("615元", 2025)]),
    # a record of the period is no single year's
    ("“十四五”时期是极不平凡的五年。五年来，粮食最高年产840亿斤、居全国第5位。", [("840亿斤", None), ("第5位", None)]),
])
def test_levels_reached_and_records_in_a_five_year_review(paragraph: str, expected: list[tuple[str, int | None]]) -> None:
    assert _five_year_years(paragraph) == expected
