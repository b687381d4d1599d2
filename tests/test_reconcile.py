"""Reconciliation rules, and target/outcome pairs at other levels than the sample's district.

The national and provincial reports here are short texts written for the tests
in the style of those reports (not copies); their figures are the published
ones the brief names: the State Council's 2014 GDP target 7.5%左右 against the
7.4% reported in 2015, 2016's 6.5%-7% against 6.7%, Tianjin's 2025 target 5%左右
against 4.8%.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from duizhang.library import Library
from duizhang.model import Mention
from duizhang.reconcile import (
    Figure,
    Side,
    fill_qualitative_outcomes,
    judge,
    qualitative_outcome,
    qualitative_targets,
    reconcile,
    similarity,
)

from .conftest import BACKENDS, library_db


def M(text: str, value: float, kind: str = "growth", qualifier: str = "exact", direction: int | None = 1,
      value_max: float | None = None, unit: str = "%") -> Mention:
    return Mention("d", 0, 1, text, value, unit, kind, direction, qualifier, "target", value_max=value_max)  # type: ignore[arg-type]


RULES = [
    ("about, under", M("7.5%左右", 7.5, qualifier="about"), M("7.4%", 7.4), False, "missed"),
    ("range, inside", M("6.5%-7%", 6.5, value_max=7), M("6.7%", 6.7), False, "achieved"),
    ("at least, reached", M("1000万人以上", 1e7, "level", "above", None, unit="人"), M("1322万人", 1.322e7, "level", unit="人"), False, "achieved"),
    ("ceiling kept", M("4.6%以内", 4.6, "share", "below", None), M("4.09%", 4.09, "share", direction=None), True, "achieved"),
    ("ceiling broken", M("3%左右", 3, "growth", "about"), M("3.5%", 3.5), True, "missed"),
    ("reduction reached", M("下降3.9%", 3.9, direction=-1), M("下降4.8%", 4.8, direction=-1), False, "achieved"),
    ("reduction short", M("下降3.9%", 3.9, direction=-1), M("下降2%", 2, direction=-1), False, "missed"),
    ("growth fell", M("增长5%", 5), M("下降1%", 1, direction=-1), False, "missed"),
    ("rank kept", M("第一", 1, "rank", direction=None, unit="rank"), M("第二", 2, "rank", direction=None, unit="rank"), False, "missed"),
]


@pytest.mark.parametrize("label, target, outcome, ceiling, status", RULES, ids=[r[0] for r in RULES])
def test_rules(label: str, target: Mention, outcome: Mention, ceiling: bool, status: str) -> None:
    assert judge(target, outcome, ceiling)[0] == status


def test_similarity_is_symmetric_and_bounded() -> None:
    assert similarity("加装电梯", "既有住宅加装电梯") == similarity("既有住宅加装电梯", "加装电梯")
    assert 0 < similarity("加装电梯", "既有住宅加装电梯") < 1
    assert similarity("", "消防站") == 0


NATIONAL_2014 = """2014年政府工作报告
——2014年3月5日在第十二届全国人民代表大会第二次会议上
国务院总理 李克强
各位代表:
现在,我代表国务院,向大会报告政府工作,请予审议,并请全国政协委员提出意见。
一、2013年工作回顾
过去一年,国内生产总值达到56.9万亿元,比上年增长7.7%,居民消费价格涨幅控制在2.6%。
二、2014年工作总体部署
今年经济社会发展的主要预期目标是:国内生产总值增长7.5%左右,居民消费价格涨幅3.5%左右,城镇新增就业1000万人以上,城镇登记失业率4.6%以内,居民收入增长和经济增长同步。
"""

NATIONAL_2015 = """2015年政府工作报告
——2015年3月5日在第十二届全国人民代表大会第三次会议上
国务院总理 李克强
各位代表:
现在,我代表国务院,向大会报告政府工作,请予审议,并请全国政协委员提出意见。
一、2014年工作回顾
过去一年,国内生产总值达到63.6万亿元,增长7.4%,在世界主要经济体中名列前茅。城镇新增就业1322万人,城镇登记失业率4.09%。居民消费价格上涨2%。
二、2015年工作总体部署
今年经济社会发展的主要预期目标是:国内生产总值增长7%左右。
"""

NATIONAL_2016 = NATIONAL_2015.replace("2015", "2016").replace("2014", "2015").replace("第三次", "第四次").replace(
    "增长7%左右", "增长6.5%-7%")
NATIONAL_2017 = """2017年政府工作报告
——2017年3月5日在第十二届全国人民代表大会第五次会议上
国务院总理 李克强
各位代表:
现在,我代表国务院,向大会报告政府工作,请予审议,并请全国政协委员提出意见。
一、2016年工作回顾
过去一年,国内生产总值达到74.4万亿元,增长6.7%,名列世界前茅。居民消费价格上涨2%。
"""

TIANJIN_2025 = """天津市政府工作报告
——2025年1月14日在天津市第十八届人民代表大会第三次会议上
天津市市长 张工
各位代表:
现在,我代表市人民政府,向大会报告工作,请予审议,并请市政协委员和其他列席人员提出意见。
一、2024年工作回顾
全市生产总值增长5.1%。
二、2025年工作安排
今年经济社会发展主要预期目标是:全市生产总值增长5%左右,一般公共预算收入增长2%。
"""

TIANJIN_2026 = """天津市政府工作报告
——2026年1月20日在天津市第十八届人民代表大会第四次会议上
天津市市长 张工
各位代表:
现在,我代表市人民政府,向大会报告工作,请予审议,并请市政协委员和其他列席人员提出意见。
一、2025年工作回顾
全市生产总值增长4.8%,一般公共预算收入增长3.1%。
"""


@pytest.fixture(scope="module", params=BACKENDS)
def lib(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Library:
    d = tmp_path_factory.mktemp("pairs")
    for name, text in [("gwr2014.txt", NATIONAL_2014), ("gwr2015.txt", NATIONAL_2015), ("gwr2016.txt", NATIONAL_2016),
                       ("gwr2017.txt", NATIONAL_2017), ("tj2025.txt", TIANJIN_2025), ("tj2026.txt", TIANJIN_2026)]:
        (d / name).write_text(text, encoding="utf-8")
    library = Library(library_db(request, Path(d) / "lib.db"))
    s = library.add([d])
    assert not s.failed, s.failed
    return library


def _status(lib: Library, region: str, year: int, metric_id: str) -> tuple[str, str, str]:
    row = next(r for r in lib.reconcile_rows(region, year) if r.metric_id == metric_id and r.target)
    return row.target.text if row.target else "", row.outcome.text if row.outcome else "", row.status


def test_state_council_2014(lib: Library) -> None:
    assert _status(lib, "全国", 2014, "gdp") == ("7.5%左右", "7.4%", "missed")
    assert _status(lib, "000000", 2014, "new_jobs") == ("1000万人以上", "1322万人", "achieved")
    assert _status(lib, "全国", 2014, "unemployment_rate") == ("4.6%以内", "4.09%", "achieved")
    assert _status(lib, "全国", 2014, "cpi") == ("3.5%左右", "2%", "achieved")


def test_state_council_2016_range(lib: Library) -> None:
    assert _status(lib, "全国", 2016, "gdp") == ("6.5%-7%", "6.7%", "achieved")


def test_tianjin_2025(lib: Library) -> None:
    assert lib.resolve_region("天津") == [("120000", "天津市")]
    assert _status(lib, "天津市", 2025, "gdp") == ("5%左右", "4.8%", "missed")
    assert _status(lib, "天津", 2025, "budget_revenue") == ("2%", "3.1%", "achieved")


def test_target_without_a_number_and_no_outcome_is_not_reported(lib: Library) -> None:
    # RECON_GUIDE: "A target without a number and no outcome at all is not_reported."
    rows = [r for r in lib.reconcile_rows("全国", 2014) if r.target and r.target.value is None]
    assert [(r.target.text, r.metric_id, r.status) for r in rows if r.target] == [
        ("居民收入增长和经济增长同步", "disposable_income", "not_reported")]


def test_target_without_a_number_beside_its_outcome_is_unclear() -> None:
    t = "居民收入增长与经济增长同步"
    side = Side("a.txt", 0, len(t), t, None, None, None, metric_id="disposable_income")
    out = Mention("b.txt", 10, 14, "5.1%", 5.1, "%", "growth", 1, "exact", "actual", "居民人均可支配收入",
                  "disposable_income", 2025)
    rank = Mention("b.txt", 20, 23, "第9位", 9, "rank", "rank", None, "exact", "actual", "居民人均可支配收入",
                   "disposable_income", 2025)
    rows = reconcile([], [Figure(rank), Figure(out)], 2025, qualitative=[side])
    assert [(r.metric_id, r.status, r.outcome.text if r.outcome else None) for r in rows] == [
        ("disposable_income", "unclear", "5.1%")]


@pytest.mark.parametrize(("clause", "ids"), [
    ("居民收入增长与经济增长基本同步", ["disposable_income"]),
    ("粮食产量和粮食播种面积、单位地区生产总值能耗降低及生态环境质量指标完成国家下达目标任务",
     ["grain_output", "energy_intensity"]),
    ("城镇常住居民人均可支配收入增速高于全国平均水平", ["urban_income"]),
    ("进一步提高民营经济和民间投资比重", [None]),
])
def test_words_of_a_target_without_a_number_name_its_indicator(clause: str, ids: list[str | None]) -> None:
    sides = qualitative_targets(clause + "。", 0, len(clause) + 1, [], "a.txt")
    assert [s.metric_id for s in sides] == ids


# Outcomes stated without a number, by class (RECON_GUIDE "unclear"), from the 2026 provincial reports.
@pytest.mark.parametrize(("review", "metric_id", "words", "value"), [
    ("城镇调查失业率保持历史最好水平，物价稳定。", "unemployment_rate", "保持历史最好水平", None),
    ("居民消费价格与上年持平。", "cpi", "与上年持平", 0.0),
    ("物价总体平稳。生态环境质量保持全国前列。", "cpi", "总体平稳", None),
    ("去年固定资产投资、社会消费品零售总额和CPI涨幅也未达年初预期。", "cpi", "未达年初预期", None),
    ("粮食播种面积、单产、总产连续6年增长。", "grain_output", "连续6年增长", None),
    ("能耗强度和主要污染物排放总量持续下降。", "energy_intensity", "持续下降", None),
    ("城镇新增就业超额完成全年任务。", "new_jobs", "超额完成全年任务", None),
])
def test_outcome_without_a_number(review: str, metric_id: str, words: str, value: float | None) -> None:
    side = qualitative_outcome(review, [(0, len(review))], metric_id, "b.txt")
    assert side is not None and (side.text, side.value) == (words, value)


@pytest.mark.parametrize(("review", "metric_id"), [
    ("地区生产总值增长5%，总体平稳。", "gdp"),  # a figure stands between: it is the outcome
    ("城镇新增就业45万人，完成全年任务的118%。", "new_jobs"),
    ("农民收入稳中有升。", "cpi"),  # another indicator's words
])
def test_no_outcome_words_for_the_indicator(review: str, metric_id: str) -> None:
    assert qualitative_outcome(review, [(0, len(review))], metric_id, "b.txt") is None


def test_flat_cpi_against_a_ceiling_is_achieved() -> None:
    t = Mention("a.txt", 0, 4, "2%左右", 2, "%", "growth", 1, "about", "target", "居民消费价格涨幅", "cpi", 2025)
    rows = reconcile([Figure(t)], [], 2025)
    review = "一、2025年工作回顾\n居民消费价格与上年持平。"
    fill_qualitative_outcomes(rows, [("b.txt", None, review, [(0, len(review))])])
    assert [(r.status, r.outcome.text if r.outcome else None) for r in rows] == [("achieved", "与上年持平")]


def test_growth_target_reported_only_as_a_rank_is_unclear() -> None:
    t = Mention("a.txt", 0, 4, "3%左右", 3, "%", "growth", 1, "about", "target", "一般公共预算收入", "budget_revenue", 2025)
    rank = Mention("b.txt", 0, 2, "第八", 8, "rank", "rank", None, "exact", "actual", "一般公共预算收入",
                   "budget_revenue", 2025)
    level = Mention("b.txt", 5, 9, "500亿元", 5e10, "元", "level", None, "exact", "actual", "一般公共预算收入",
                    "budget_revenue", 2025)
    rows = reconcile([Figure(t)], [Figure(level), Figure(rank)], 2025)
    assert [(r.status, r.outcome.text if r.outcome else None) for r in rows if r.target] == [("unclear", "第八")]
