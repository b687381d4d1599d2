"""Cleaning, metadata and structure: the sample corpus against its gold metadata."""

from __future__ import annotations

import pytest

import duizhang
from duizhang import regions
from duizhang.clean import text_to_cleaned
from duizhang.meta import text_to_meta
from duizhang.model import Cleaned, Meta
from duizhang.structure import text_to_sections

from .conftest import SEEDS, gold_docs, needs_shared, seed_text

#: Body overlap with the gold span below which a document counts as wrongly cleaned.
MIN_BODY_IOU = 0.98

META_FIELDS = [
    "region", "region_code", "level", "doctype", "delivered_date", "review_years", "plan_years",
    "speaker", "speaker_title", "session",
]


def _iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union else 0.0


@needs_shared
@pytest.mark.parametrize("doc", sorted(gold_docs()) if SEEDS.is_dir() else [])
def test_seed_metadata_and_body(doc: str) -> None:
    gold = gold_docs()[doc]
    r = duizhang.parse(SEEDS / doc)
    got = r.doc_record()
    assert {f: got[f] for f in META_FIELDS} == {f: gold.get(f) for f in META_FIELDS}
    assert _iou((r.cleaned.body_start, r.cleaned.body_end), (gold["body_start"], gold["body_end"])) >= MIN_BODY_IOU


@needs_shared
def test_forum_chrome_is_marked() -> None:
    t = seed_text("002_fa1b83ed3a6b47ed.txt")
    c = text_to_cleaned(t)
    reasons = {s.reason for s in c.boilerplate}
    assert {"forum", "banner"} <= reasons
    marked = " ".join(t[s.start : s.end] for s in c.boilerplate)
    for chrome in ("签到天数", "积分", "发表于", "您需要登录后才可以回帖"):
        assert chrome in marked


@needs_shared
def test_repeated_copies_are_marked_and_the_first_kept() -> None:
    t = seed_text("000_0d97d13e183c9003.txt")
    c = text_to_cleaned(t)
    body = t[c.body_start : c.body_end]
    pasted = "导航\n" + (body + "\n") * 4 + "网站地图 | 关于我们\n"
    c2 = text_to_cleaned(pasted)
    assert pasted[c2.body_start : c2.body_end].strip() == body.strip()
    assert len(c2.duplicates) == 3
    r = duizhang.parse(pasted.encode(), name="pasted.txt")
    assert len(r.mentions) == len(duizhang.parse(SEEDS / "000_0d97d13e183c9003.txt").mentions)


@pytest.mark.parametrize(
    "chain, context, code",
    [
        (["天津市", "河北区"], None, "120105"),
        (["河北区"], None, "120105"),
        (["河北省"], None, "130000"),
        (["和平区"], {"12": 5}, "120101"),
        (["和平区"], {"21": 5}, "210102"),
        (["南开区"], None, "120104"),
        (["全国"], None, "000000"),
        (["浙江省", "杭州市"], None, "330100"),
    ],
)
def test_region_resolution(chain: list[str], context: dict[str, int] | None, code: str) -> None:
    r = regions.resolve(chain, context)
    assert r is not None and r.code == code


@pytest.mark.parametrize(
    "header, expected",
    [
        (
            "2024年国务院政府工作报告\n——2024年3月5日在第十四届全国人民代表大会第二次会议上\n国务院总理 李强\n各位代表:\n",
            {"region_code": "000000", "level": "national", "speaker": "李强", "speaker_title": "总理",
             "session": "第十四届全国人民代表大会第二次会议", "review_years": [2023], "plan_years": [2024]},
        ),
        (
            "政府工作报告\n——2025年1月20日在杭州市第十四届人民代表大会第五次会议上\n杭州市市长 姚高员\n各位代表:\n",
            {"region_code": "330100", "level": "city", "speaker_title": "市长", "delivered_date": "2025-01-20"},
        ),
        (
            "关于某县2023年国民经济和社会发展计划执行情况与2024年计划草案的报告\n各位代表:\n",
            {"doctype": "plan", "plan_years": [2024], "review_years": [2023]},
        ),
        (
            "网站首页 > 政务公开\n政 府 工 作 报 告\n——二〇二四年一月十五日在某县第十八届人民代表大会第三次会议上\n县长 王小明\n各位代表:\n",
            {"title": "政府工作报告", "doctype": "gwr", "delivered_date": "2024-01-15", "speaker": "王小明",
             "speaker_title": "县长", "review_years": [2023], "plan_years": [2024]},
        ),
    ],
    ids=["state-council", "city", "plan-report", "spaced-title-chinese-date"],
)
def test_meta_from_headers(header: str, expected: dict) -> None:
    text = header + "现在,我代表人民政府向大会报告工作,请予审议,并请政协委员和其他列席人员提出意见。\n"
    m = text_to_meta(text, text_to_cleaned(text))
    assert {k: getattr(m, k) for k in expected} == expected


STRUCTURE = [
    ("一、2023年工作回顾\n内容。\n二、2024年工作安排\n内容。\n", [(1, "review"), (1, "plan")]),
    ("过去五年工作回顾\n一、经济发展\n内容。\n今后五年发展目标和主要任务\n内容。\n",
     [(1, "review"), (2, "review"), (1, "targets")]),
    ("二、2024年工作安排\n(一)聚焦协同发展,加快建设。\n1.推进项目。\n三、持续加强政府自身建设\n名词解释:\n1.天开园:科创园区。\n",
     [(1, "plan"), (2, "plan"), (3, "plan"), (1, "self_building"), (1, "glossary"), (2, "glossary")]),
    ("一、2023年工作回顾\n——经济运行向上向好。预计增长5%。\n", [(1, "review"), (2, "review")]),
    ("一、2023年工作回顾\n内容。\n各位代表,在总结成绩的同时,我们也清醒地认识到,还存在一些问题。\n二、2024年工作安排\n内容。\n",
     [(1, "review"), (2, "problems"), (1, "plan")]),
]


@pytest.mark.parametrize("text, expected", STRUCTURE, ids=["numbered", "five-year", "nested+glossary", "lead-in", "problems-paragraph"])
def test_structure(text: str, expected: list[tuple[int, str]]) -> None:
    secs = text_to_sections(text, Cleaned(0, len(text)))
    assert [(s.level, s.role) for s in secs if s.role != "preamble"] == expected


def test_site_blurb_before_the_title_is_not_body() -> None:
    t = (
        "欢迎访问本站。本站收录全国各地政府工作报告、统计公报、规划纲要等资料,供学习参考,如有侵权请联系删除。\n"
        "某区政府工作报告\n各位代表:\n现在,我代表区人民政府向大会报告工作,请予审议,并请区政协委员提出意见。\n"
    )
    c = text_to_cleaned(t)
    assert t[c.body_start :].startswith("某区政府工作报告")


# Parts whose headings name no role, from real report classes (福建 2025/2026: 牢记殷殷嘱托…;
# 湖南: 关于2025年工作; the State Council: 一年来的主要工作是 as a lead-in line).
ROLE_CLASSES = [
    pytest.param("一、2024年工作回顾\n增长5%。\n二、关于2025年工作\n今年要增长5%。\n", ["review", "plan"], id="关于YYYY年工作"),
    pytest.param("一、牢记嘱托，新福建建设取得新成效\n2024年是极不平凡的一年。一年来增长5%。\n"
                 "二、牢记使命，奋勇争先\n2025年是“十四五”收官之年。\n三、牢记人民至上，建设服务型政府\n政绩好不好，关键看口碑。\n",
                 ["review", "plan", "self_building"], id="opening-year"),
    # After the first plan part, parts under topical headings go on with the work plan.
    pytest.param("一、过去一年工作回顾\n增长5%。\n二、2025年工作总体部署\n今年要增长5%。\n"
                 "三、继续保持经济平稳较快发展\n一年来的经验表明，要稳中求进。\n四、加强行政能力建设和政风建设\n",
                 ["review", "plan", "plan", "self_building"], id="plan-goes-on"),
    pytest.param("一、一年接着一年干\n初步统计，全省地区生产总值增长5%。\n二、一张蓝图绘到底\n“十五五”时期是关键时期。\n",
                 ["review", "plan"], id="opening-cue"),
    pytest.param("一、牢记嘱托\n一年来，增长5%。\n二、牢记使命\n福建是重要孕育地。\n"
                 "今年经济社会发展的主要预期目标是：地区生产总值增长5%左右。\n", ["review", "plan"], id="holds-targets"),
    pytest.param("一、2006年工作回顾\n一年来的主要工作是\n（一）加强宏观调控。增长5%。\n", ["review"], id="lead-in-line"),
]


@pytest.mark.parametrize(("text", "roles"), ROLE_CLASSES)
def test_part_roles_without_role_words(text: str, roles: list[str]) -> None:
    meta = Meta(review_years=[2024], plan_years=[2025])
    secs = text_to_sections(text, Cleaned(0, len(text)), meta)
    assert [s.role for s in secs if s.level == 1] == roles
