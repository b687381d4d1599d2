"""The eval gate: detection and field accuracy never fall below the pinned floors.

Raise the floors with ``python tests/eval_gate.py --update`` after an improvement;
lowering one needs ``--allow-lower`` and a reason in the commit message.
"""

from __future__ import annotations

import json

import pytest

from .conftest import needs_shared
from .eval_gate import BASELINE, DIGEST_KEY, EPSILON, gold_digest, measure

#: The naive baseline (every Arabic number plus the next character) gets F1 0.79.
NAIVE_F1 = 0.79


@pytest.fixture(scope="module")
def scores() -> dict[str, float]:
    return measure()


def _floors() -> dict[str, float]:
    floors = json.loads(BASELINE.read_text())
    floors.pop(DIGEST_KEY, None)
    return floors


@needs_shared
def test_floors_were_measured_on_this_gold() -> None:
    pinned = json.loads(BASELINE.read_text()).get(DIGEST_KEY)
    assert pinned == gold_digest(), "the gold files changed since the floors were pinned: re-measure with --update"


@needs_shared
@pytest.mark.parametrize("gold_set", ["seeds", "dev"])
def test_scores_hold_the_floors(scores: dict[str, float], gold_set: str) -> None:
    floors = {k: f for k, f in _floors().items() if k.startswith("dev.") == (gold_set == "dev")}
    below = {k: (round(scores.get(k, 0.0), 4), f) for k, f in floors.items() if scores.get(k, 0.0) < f - EPSILON}
    assert not below, f"{gold_set} gold: below the pinned floors (score, floor): {below}"


@needs_shared
def test_beats_the_naive_baseline(scores: dict[str, float]) -> None:
    assert scores["f1"] > NAIVE_F1


@needs_shared
def test_every_metric_is_pinned(scores: dict[str, float]) -> None:
    floors = _floors()
    assert set(scores) <= set(floors), "a new score is measured but has no floor; run eval_gate.py --update"
