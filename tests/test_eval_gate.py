"""The eval gate: detection and field accuracy never fall below the pinned floors.

Raise the floors with ``python tests/eval_gate.py --update`` after an improvement;
lowering one needs ``--allow-lower`` and a reason in the commit message.
"""

from __future__ import annotations

import json

import pytest

from .conftest import needs_shared
from .eval_gate import BASELINE, measure

#: The naive baseline (every Arabic number plus the next character) gets F1 0.79.
NAIVE_F1 = 0.79


@pytest.fixture(scope="module")
def scores() -> dict[str, float]:
    return measure()


@needs_shared
def test_scores_hold_the_floors(scores: dict[str, float]) -> None:
    floors = json.loads(BASELINE.read_text())
    below = {k: (round(scores.get(k, 0.0), 4), f) for k, f in floors.items() if scores.get(k, 0.0) < f}
    assert not below, f"below the pinned floors (score, floor): {below}"


@needs_shared
def test_beats_the_naive_baseline(scores: dict[str, float]) -> None:
    assert scores["f1"] > NAIVE_F1


@needs_shared
def test_every_metric_is_pinned(scores: dict[str, float]) -> None:
    floors = json.loads(BASELINE.read_text())
    assert set(scores) <= set(floors), "a new score is measured but has no floor; run eval_gate.py --update"
