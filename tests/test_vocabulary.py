"""The vocabulary files agree with each other and with the gold guide (issue 9, item 3).

Every pattern compiles, every indicator id used anywhere is one the taxonomy
defines, and every unit a metric rule names is a unit the reader knows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from duizhang.vocab import load_toml

from .conftest import GOLD

GUIDE = GOLD / "GUIDE.md"


def _strings(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, list):
        for i, x in enumerate(node):
            yield from _strings(x, f"{path}[{i}]")
    elif isinstance(node, dict):
        for k, x in node.items():
            yield from _strings(x, f"{path}.{k}")


#: Values that are words or labels, not patterns.
NOT_PATTERNS = re.compile(r"\.(name|reason|where|id|kinds\[\d+\]|units\[\d+\]|ordinary\[\d+\])$|^units\.|^cues\.qualifier\.before")


@pytest.mark.parametrize("name", ["metrics.toml", "sections.toml", "boilerplate.toml", "cues.toml", "reconcile.toml",
                                  "phrases.toml", "document.toml"])
def test_every_pattern_compiles(name: str) -> None:
    bad = []
    for path, value in _strings(load_toml(name)):
        if NOT_PATTERNS.search(f"{name.split('.')[0]}{path}"):
            continue
        try:
            re.compile(value)
        except re.error as e:
            bad.append(f"{name}{path}: {e}")
    assert bad == []


def _metric_ids() -> set[str]:
    return {m["id"] for m in load_toml("metrics.toml")["metric"]}


@pytest.mark.skipif(not GUIDE.is_file(), reason="../shared/gold is not beside the checkout")
def test_metric_ids_are_the_guides_core_ids() -> None:
    guide = GUIDE.read_text(encoding="utf-8")
    section = guide.split("## Core metric ids", 1)[1].split("\n## ", 1)[0]
    core = set(re.findall(r"^\| `([a-z_0-9]+)` \|", section, re.M))
    assert core, "no core ids found in GUIDE.md"
    assert _metric_ids() - core == set()
    assert core - _metric_ids() == set()


def test_ids_used_by_the_reconciler_exist() -> None:
    r = load_toml("reconcile.toml")
    used = set(r["ceiling_metrics"]) | set(r["headline_kind"]) | set(r["same_count"]) | set(r["outcome_names"])
    assert used - _metric_ids() == set()
    assert set(r["headline_kind"].values()) <= {"growth", "level", "share", "change", "rank"}


def test_units_named_by_metric_rules_are_known_units() -> None:
    units = load_toml("units.toml")
    known = {u for cls in ("measure", "classifier", "duration", "percent", "change") for u in units[cls]}
    known |= set(units["aliases"].values())
    named = {u for m in load_toml("metrics.toml")["metric"] for u in m.get("units", [])}
    assert named - known == set()


def test_metric_kinds_are_kinds() -> None:
    kinds = {k for m in load_toml("metrics.toml")["metric"] for k in m["kinds"]}
    assert kinds <= {"growth", "level", "share", "change", "rank"}


def test_section_roles_are_roles() -> None:
    from duizhang.model import Role

    roles = set(Role.__args__)  # type: ignore[attr-defined]
    data = load_toml("sections.toml")
    assert {r["name"] for r in data["role"]} | set(data["paragraph"]) <= roles


def test_qualifier_words_in_the_span_have_a_qualifier() -> None:
    # The pattern keeps these words in a figure's span; each must say which qualifier it is.
    q = load_toml("cues.toml")["qualifier"]
    assert set(q["in_span"]) <= set(q["before"])
    assert set(q["after_span"]) <= set(q["after"])
    assert set(q["after"]) - set(q["after_span"]) == {"多", "余"}  # read with the number itself


def test_no_chinese_word_lists_left_in_the_stage_modules() -> None:
    # Issue 9, item 3: word lists live in data files. What stays in code is numbering
    # and number grammar (一、 (一) 第N 十四五, 万亿); a run of three or more
    # alternatives of Chinese words in a regex outside a comment or doctest is a list.
    from pathlib import Path

    src = Path(__file__).resolve().parent.parent / "src" / "duizhang"
    found = []
    for path in sorted(src.glob("*.py")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if ">>>" in line or not code.strip():
                continue
            for m in re.finditer(r"[\u4e00-\u9fff]{2,}(?:\|[\u4e00-\u9fff]{2,}){2,}", code):
                if not set(m.group()) <= set("〇零一二两三四五六七八九十百千万亿|"):  # numerals: grammar
                    found.append(f"{path.name}:{n}: {code.strip()[:80]}")
    assert found == []
