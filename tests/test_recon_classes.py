"""The 对账单 by class of real-pair failure (issue 10), each from a short made-up pair of reports.

A pair is the report delivered early in 2025 (its targets) and the one of early 2026
(its review of 2025), both of 湖北省.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

from duizhang.library import Library
from duizhang.reconcile import ReconRow

from .conftest import BACKENDS, library_db

HEAD = "湖北省政府工作报告\n——{y}年1月15日在湖北省第十四届人民代表大会第{n}次会议上\n各位代表：\n"


@dataclass
class PairDir:
    """Where a test's two reports are written, and the library they go into."""

    path: Path
    db: str


@pytest.fixture(params=BACKENDS)
def pairdir(request: pytest.FixtureRequest, tmp_path: Path) -> PairDir:
    return PairDir(tmp_path, library_db(request, tmp_path / "x.db"))


def _pair(where: Path | PairDir, targets: str, review: str, plan_extra: str = "",
          review_head: str = "一、2025年工作回顾") -> list[ReconRow]:
    if isinstance(where, Path):
        where = PairDir(where, str(where / "x.db"))
    tmp_path = where.path
    (tmp_path / "2025.txt").write_text(
        HEAD.format(y=2025, n="三") + "一、2024年工作回顾\n全省地区生产总值增长5.8%。\n"
        f"二、2025年工作安排\n2025年经济社会发展的主要预期目标是：{targets}\n{plan_extra}\n", encoding="utf-8")
    (tmp_path / "2026.txt").write_text(
        HEAD.format(y=2026, n="四") + f"{review_head}\n{review}\n"
        "二、2026年工作安排\n2026年经济社会发展的主要预期目标是：地区生产总值增长5%左右。\n", encoding="utf-8")
    with Library(where.db) as lib:
        lib.add([tmp_path])
        return lib.reconcile_rows("湖北省", 2025)


def _row(rows: list[ReconRow], metric_id: str) -> tuple[str | None, str | None, str]:
    (r,) = [r for r in rows if r.metric_id == metric_id]
    return (r.target.text if r.target else None, r.outcome.text if r.outcome else None, r.status)


def test_five_year_figures_are_not_the_years_outcome(pairdir: PairDir) -> None:
    rows = _pair(pairdir, "城镇新增就业60万人以上。",
                 "“十四五”时期是极不平凡的五年。五年来，城镇新增就业累计320万人。\n"
                 "刚刚过去的2025年，城镇新增就业65万人。",
                 review_head="一、2025年和“十四五”时期工作回顾")
    assert _row(rows, "new_jobs") == ("60万人以上", "65万人", "achieved")


def test_the_years_figure_wins_over_an_earlier_years(pairdir: PairDir) -> None:
    rows = _pair(pairdir, "地区生产总值增长6%左右。",
                 "2024年全省地区生产总值增长5.8%，2025年全省地区生产总值增长5.5%。")
    assert _row(rows, "gdp") == ("6%左右", "5.5%", "missed")


def test_a_reduction_target_is_reached_by_a_larger_reduction(pairdir: PairDir) -> None:
    rows = _pair(pairdir, "单位地区生产总值能耗下降3%以上。", "单位地区生产总值能耗下降3.1%。")
    assert _row(rows, "energy_intensity") == ("3%以上", "3.1%", "achieved")


def test_jobs_counted_in_posts_pair_with_jobs_counted_in_people(pairdir: PairDir) -> None:
    rows = _pair(pairdir, "新增就业岗位70万个。", "城镇新增就业72万人。")
    assert _row(rows, "new_jobs") == ("70万个", "72万人", "achieved")


def test_urban_and_rural_incomes_pair_element_by_element(pairdir: PairDir) -> None:
    rows = _pair(pairdir, "城镇、农村居民人均可支配收入分别增长5%、6%。",
                 "城乡居民人均可支配收入分别增长4.4%、6.3%。")
    assert _row(rows, "urban_income") == ("5%", "4.4%", "missed")
    assert _row(rows, "rural_income") == ("6%", "6.3%", "achieved")


def test_a_target_without_a_number_stands_beside_its_outcome(pairdir: PairDir) -> None:
    rows = _pair(pairdir, "地区生产总值增长6%左右，居民收入增长与经济增长同步。",
                 "全省地区生产总值增长5.5%，全体居民人均可支配收入增长5.8%。")
    (r,) = [r for r in rows if r.metric_id == "disposable_income"]
    assert (r.outcome.text if r.outcome else None, r.status) == ("5.8%", "unclear")
    # The relational target: both growth rates in the note, for the reader to judge.
    assert r.note and "5.8%" in r.note and "5.5%" in r.note and "above" in r.note


def test_a_target_without_a_number_and_no_outcome_is_not_reported(pairdir: PairDir) -> None:
    rows = _pair(pairdir, "地区生产总值增长6%左右，单位地区生产总值能耗完成国家下达目标任务。",
                 "全省地区生产总值增长5.5%。")
    assert _row(rows, "energy_intensity") == ("单位地区生产总值能耗完成国家下达目标任务", None, "not_reported")


def test_an_outcome_without_a_number_is_unclear_or_judged(pairdir: PairDir) -> None:
    rows = _pair(pairdir, "城镇新增就业70万人以上，居民消费价格涨幅2%左右。",
                 "城镇新增就业超额完成全年任务，居民消费价格与上年持平。")
    assert _row(rows, "new_jobs") == ("70万人以上", "超额完成全年任务", "unclear")
    assert _row(rows, "cpi") == ("2%左右", "与上年持平", "achieved")


def test_a_target_stated_twice_gives_one_row(pairdir: PairDir) -> None:
    rows = _pair(pairdir, "经济增长6%左右。", "全省地区生产总值增长5.5%。",
                 plan_extra="经济增长目标设定为6%左右，是一个积极进取的目标。")
    (r,) = [r for r in rows if r.metric_id == "gdp"]
    assert (r.target.text if r.target else None, r.status) == ("6%左右", "missed")
    assert r.note and "also stated" in r.note


def test_other_commitments_pair_only_with_the_same_thing(pairdir: PairDir) -> None:
    rows = _pair(pairdir, "地区生产总值增长6%左右。", "全省地区生产总值增长5.5%。建成充电桩1万个。",
                 plan_extra="改造老旧小区600个。")
    (r,) = [r for r in rows if r.target and r.target.text == "600个"]
    assert (r.outcome, r.status) == (None, "not_reported")


def test_each_row_says_why(pairdir: PairDir) -> None:
    rows = _pair(pairdir, "地区生产总值增长6%左右，粮食产量500亿斤以上。", "全省地区生产总值增长5.5%。")
    gdp = next(r for r in rows if r.metric_id == "gdp")
    assert gdp.target and gdp.target.sentence and "6%左右" in gdp.target.sentence
    assert gdp.outcome and gdp.outcome.sentence == "全省地区生产总值增长5.5%。"
    grain = next(r for r in rows if r.metric_id == "grain_output")
    assert grain.status == "not_reported" and grain.reason


def test_the_table_is_stored_in_the_library(tmp_path: Path) -> None:
    rows = _pair(tmp_path, "地区生产总值增长6%左右。", "全省地区生产总值增长5.5%。")
    c = sqlite3.connect(tmp_path / "x.db")
    stored = c.execute("SELECT metric_id, target_text, outcome_text, status FROM recon_rows "
                       "WHERE region_code = '420000' AND year = 2025 ORDER BY id").fetchall()
    assert ("gdp", "6%左右", "5.5%", "missed") in stored
    assert len(stored) == len(rows)


def test_the_stored_table_follows_new_reports(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    _pair(tmp_path / "a", "地区生产总值增长6%左右。", "全省地区生产总值增长5.5%。")
    db = tmp_path / "a" / "x.db"
    with Library(db) as lib:
        # A third report, of 2027, reviewing 2026: the 2026 row appears without asking.
        (tmp_path / "2027.txt").write_text(
            HEAD.format(y=2027, n="五") + "一、2026年工作回顾\n全省地区生产总值增长5.2%，一般公共预算收入增长4%。\n"
            "二、2027年工作安排\n2027年经济社会发展的主要预期目标是：地区生产总值增长5%左右。\n",
            encoding="utf-8")
        summary = lib.add([tmp_path / "2027.txt"])
        lib.refresh_recon(summary.regions)
    c = sqlite3.connect(db)
    assert c.execute("SELECT status FROM recon_rows WHERE year = 2026 AND metric_id = 'gdp'").fetchall() == [
        ("achieved",)]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_exports_carry_the_sentences_and_the_reason(tmp_path: Path, fmt: str) -> None:
    from click.testing import CliRunner

    from duizhang.cli import main

    _pair(tmp_path, "地区生产总值增长6%左右。", "全省地区生产总值增长5.5%。")
    res = CliRunner().invoke(main, ["reconcile", "--db", str(tmp_path / "x.db"), "--format", fmt])
    assert res.exit_code == 0, res.output
    assert "全省地区生产总值增长5.5%。" in res.stdout
    assert ("target_sentence" in res.stdout) if fmt == "csv" else ('"reason"' in res.stdout)
