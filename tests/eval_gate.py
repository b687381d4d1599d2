"""Quality gate against the gold set: score the extractor and compare with pinned floors.

usage: python tests/eval_gate.py [--update] [--allow-lower]

Prints the scores; with --update, writes them (rounded down) as the new floors in
tests/eval_baseline.json. Floors only go up unless --allow-lower is given, so a
regression can never be recorded silently.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))
BASELINE = HERE / "eval_baseline.json"
SHARED = ROOT.parent / "shared"


def _scorer() -> Any:
    spec = importlib.util.spec_from_file_location("gold_score", SHARED / "gold" / "score.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def measure() -> dict[str, float]:
    """Scores of the current extractor on the sample corpus (names as in the baseline)."""
    from duizhang.output import mention_record
    from duizhang.pipeline import Failure, iter_reports

    score = _scorer()
    gold_m, gold_x, gold_docs = score.load_gold(str(SHARED / "gold"))
    preds, docs = [], {}
    for r in iter_reports([SHARED / "corpus" / "seeds"]):
        if isinstance(r, Failure):
            raise RuntimeError(r.message)
        docs[r.doc] = r.doc_record()
        preds.extend(mention_record(m) for m in r.mentions)
    res, _, _ = score.score_mentions(gold_m, gold_x, preds)
    out = {"precision": res["precision"], "recall": res["recall"], "f1": res["f1"]}
    for k, v in res["field_accuracy"].items():
        if v is not None:
            out[k] = v
    doc_scores = score.score_docs({d: gold_docs[d] for d in gold_m if d in gold_docs}, docs)
    for k, v in doc_scores.items():
        out[f"docs.{k}"] = v
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--update", action="store_true", help="record the current scores as floors")
    ap.add_argument("--allow-lower", action="store_true", help="let --update lower a floor")
    a = ap.parse_args(argv)
    scores = measure()
    floors = json.loads(BASELINE.read_text()) if BASELINE.exists() else {}
    for k, v in scores.items():
        f = floors.get(k)
        flag = "" if f is None or v >= f else "  BELOW FLOOR"
        print(f"{k:24} {v:.3f}  floor {f if f is not None else '—'}{flag}")
    if a.update:
        new = {}
        for k, v in scores.items():
            rounded = math.floor(v * 1000) / 1000
            old = floors.get(k)
            if old is not None and rounded < old and not a.allow_lower:
                print(f"refusing to lower the floor of {k} ({old} → {rounded}); pass --allow-lower", file=sys.stderr)
                return 1
            new[k] = rounded
        BASELINE.write_text(json.dumps(new, indent=1, sort_keys=True) + "\n")
        print(f"floors written to {BASELINE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
