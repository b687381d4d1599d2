"""Quality gate against the gold set: score the extractor and compare with pinned floors.

usage: python tests/eval_gate.py [--update] [--allow-lower]

Two gold sets are scored: the seeds (``shared/gold``, keys as they are) and the
development reports (``shared/gold/dev``, keys prefixed ``dev.``). Prints the scores;
with --update, writes them (rounded down) as the new floors in
tests/eval_baseline.json, together with a digest of the gold files they were measured
on. Floors only go up unless --allow-lower is given, so a regression can never be
recorded silently.
"""

from __future__ import annotations

import argparse
import hashlib
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
GOLD = SHARED / "gold"
DEV_GOLD = GOLD / "dev"
DEV_CORPUS = SHARED / "corpus" / "dev"

#: Scores may wobble by this much (ties in span matching, float rounding) before the gate fails.
EPSILON = 0.002

#: Key of the gold-file digest in the baseline (not a score).
DIGEST_KEY = "_gold_digest"


def gold_digest() -> str:
    """sha256 over the gold files both sets are scored against, in path order."""
    h = hashlib.sha256()
    files = sorted(p for p in GOLD.rglob("*") if p.is_file() and p.suffix in (".jsonl", ".tsv"))
    for p in files:
        h.update(str(p.relative_to(GOLD)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def _scorer() -> Any:
    spec = importlib.util.spec_from_file_location("gold_score", SHARED / "gold" / "score.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _measure_set(gold_dir: Path, paths: list[Path], all_docs: bool, prefix: str) -> dict[str, float]:
    from duizhang.output import mention_record
    from duizhang.pipeline import Failure, iter_reports

    score = _scorer()
    gold_m, gold_x, gold_docs = score.load_gold(str(gold_dir))
    excerpts = score.load_excerpts(str(gold_dir))
    preds, docs = [], {}
    for r in iter_reports(paths):
        if isinstance(r, Failure):
            raise RuntimeError(r.message)
        docs[r.doc] = r.doc_record()
        if r.doc in gold_m:
            preds.extend(mention_record(m) for m in r.mentions)
    res, _, _ = score.score_mentions(gold_m, gold_x, preds, excerpts)
    out = {"precision": res["precision"], "recall": res["recall"], "f1": res["f1"]}
    for k, v in res["field_accuracy"].items():
        if v is not None:
            out[k] = v
    scored = gold_docs if all_docs else {d: gold_docs[d] for d in gold_m if d in gold_docs}
    for k, v in score.score_docs(scored, docs).items():
        if v is not None:
            out[f"docs.{k}"] = v
    return {prefix + k: v for k, v in out.items()}


def measure() -> dict[str, float]:
    """Scores on the seeds and, when it is beside the checkout, on the development gold."""
    out = _measure_set(GOLD, [SHARED / "corpus" / "seeds"], all_docs=False, prefix="")
    if DEV_GOLD.is_dir() and DEV_CORPUS.is_dir():
        with open(DEV_GOLD / "docs.jsonl", encoding="utf-8") as f:
            names = [json.loads(line)["doc"] for line in f if line.strip()]
        out.update(_measure_set(DEV_GOLD, [DEV_CORPUS / n for n in names], all_docs=True, prefix="dev."))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--update", action="store_true", help="record the current scores as floors")
    ap.add_argument("--allow-lower", action="store_true", help="let --update lower a floor")
    a = ap.parse_args(argv)
    scores = measure()
    floors = json.loads(BASELINE.read_text()) if BASELINE.exists() else {}
    floors.pop(DIGEST_KEY, None)
    for k, v in scores.items():
        f = floors.get(k)
        flag = "" if f is None or v >= f else "  BELOW FLOOR"
        print(f"{k:24} {v:.3f}  floor {f if f is not None else '—'}{flag}")
    if a.update:
        new: dict[str, Any] = {DIGEST_KEY: gold_digest()}
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
