"""Throughput of the parse stages over a corpus repeated to at least 5 M characters of text.

usage: python bench/bench_parse.py [REPORTS_DIR ...] [--mb 5] [--ref GIT-REF]

Prints characters per second for decode, clean+meta+structure, quantities and
the full parse (bytes → mentions), on one core; the same for a naive pass (one
regex for Arabic numbers with 万/亿 and their values, over the decoded text), and
the ratio of the two measured in the same run, which is what to compare across
machines (issue 14 asks for a full parse within 7x of the naive pass). Then the
peak memory of a streamed batch over the same documents, to show it does not grow
with their number. Files that are not reports (a MANIFEST.tsv) and PDFs (OCR and
layout are measured by bench_ocr.py) are left out. Timings are figures to read,
never test assertions: machines here are shared.

With --ref, the full parse of that git revision (a temporary worktree) and of this
tree run in turn, each in a fresh process, several times over, and the fastest of
each and their ratio are printed: how much faster this tree parses the same corpus
in the same run (issue 14 measures against ac24ab3, the tree it was filed on).
"""

from __future__ import annotations

import argparse
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# --src: a child measuring another tree imports that tree's package.
_SRC = sys.argv[sys.argv.index("--src") + 1] if "--src" in sys.argv else str(ROOT / "src")
sys.path.insert(0, _SRC)

from duizhang import metrics, numerals  # noqa: E402
from duizhang.decode import raw_to_text  # noqa: E402
from duizhang.pipeline import raw_to_report  # noqa: E402
from duizhang.read import iter_paths, path_to_raw  # noqa: E402

#: Caches of repeated phrases and numbers, emptied before each timed round (a batch
#: of distinct reports does not repeat every phrase); an older tree lacks some.
CACHED = [f for f in (getattr(metrics, "clean_phrase", None), getattr(metrics, "_named", None),
                      getattr(metrics, "is_contentless", None), getattr(numerals, "to_number", None))
          if hasattr(f, "cache_clear")]


def _reports(paths: list[str]) -> list:  # type: ignore[type-arg]
    return [path_to_raw(p) for p in iter_paths(paths) if Path(p).suffix.lower() in (".txt", ".html", ".htm", ".docx")]


def _full_rate(paths: list[str], rounds: int) -> None:
    """Child of --ref: the fastest of ``rounds`` full parses, as characters per second."""
    raws = _reports(paths)
    chars = sum(len(raw_to_text(r).text) for r in raws)
    for r in raws:  # warm: compiled patterns, vocabulary
        raw_to_report(r)
    best = float("inf")
    for _ in range(rounds):
        for cached in CACHED:
            cached.cache_clear()
        t0 = time.perf_counter()
        for r in raws:
            raw_to_report(r)
        best = min(best, time.perf_counter() - t0)
    print(chars / best)


def _against(ref: str, paths: list[str], turns: int = 5) -> None:
    """Full-parse rate of ``ref`` and of this tree, taken in turn in fresh processes."""
    scratch = Path(tempfile.mkdtemp(prefix="duizhang-bench-parse-"))
    wt = scratch / "ref"
    made = subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(wt), ref],
                          capture_output=True, text=True, check=False)
    if made.returncode != 0:  # a shallow clone, a mistyped revision: the rest of the figures stand
        print(f"--ref {ref}: cannot check it out ({made.stderr.strip() or 'git failed'}); not compared")
        shutil.rmtree(scratch, ignore_errors=True)
        return
    try:
        trees = {ref: wt / "src", "this tree": ROOT / "src"}
        best = dict.fromkeys(trees, 0.0)
        for _ in range(turns):
            for label, src in trees.items():
                out = subprocess.run([sys.executable, __file__, "--full-rate", "--src", str(src), *paths],
                                     capture_output=True, text=True, check=True).stdout
                best[label] = max(best[label], float(out.split()[-1]))
        for label, rate in best.items():
            print(f"full parse, {label:22} {rate / 1e6:8.2f} M chars/s  (fastest of {turns} runs in turn)")
        print(f"this tree / {ref}: {best['this tree'] / best[ref]:.2f}x as fast")
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(wt)], check=False)
        shutil.rmtree(scratch, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("reports", nargs="*", default=[str(ROOT.parent / "shared/corpus/dev")])
    ap.add_argument("--mb", type=float, default=5.0, help="million characters of text to process (default 5)")
    ap.add_argument("--ref", help="a git revision whose full parse to measure beside this tree's")
    ap.add_argument("--full-rate", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--src", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.full_rate:
        _full_rate(a.reports, rounds=3)
        return 0
    from duizhang.clean import text_to_cleaned
    from duizhang.meta import text_to_meta
    from duizhang.quantities import text_to_mentions
    from duizhang.structure import text_to_sections

    raws = _reports(a.reports)
    texts = [raw_to_text(r).text for r in raws]
    per_round = sum(map(len, texts))
    rounds = max(1, int(a.mb * 1e6 / per_round) + 1)
    total = per_round * rounds
    print(f"corpus: {len(raws)} documents, {per_round:,} chars; best of {rounds} rounds ({total:,} chars)")
    for r in raws + raws:  # warm caches (vocabulary, regexes)
        raw_to_report(r)

    def decode_all() -> None:
        for r in raws:
            raw_to_text(r)

    def structure_all() -> None:
        for t, r in zip(texts, raws, strict=True):
            c = text_to_cleaned(t)
            text_to_meta(t, c, r.name)
            text_to_sections(t, c)

    prepared = []
    for t, r in zip(texts, raws, strict=True):
        c = text_to_cleaned(t)
        prepared.append((t, c, text_to_meta(t, c, r.name), text_to_sections(t, c), r.name))

    def quantities_all() -> None:
        for t, c, m, s, n in prepared:
            text_to_mentions(t, c, m, s, n)

    def full_all() -> None:
        for r in raws:
            raw_to_report(r)

    # What number-only extractors do: Arabic and Chinese numerals with their magnitude,
    # each converted to its value (by the same converter, without its cache).
    naive_re = re.compile(r"[0-9０-９]+(?:[.．][0-9０-９]+)?[万亿]?|[零〇一二两三四五六七八九十百千]+[万亿]?")
    convert = numerals.to_number.__wrapped__

    def naive_all() -> None:
        for t in texts:
            [convert(m.group()) for m in naive_re.finditer(t)]

    stages = {
        "decode": decode_all,
        "clean + meta + structure": structure_all,
        "quantities": quantities_all,
        "full parse (bytes → mentions)": full_all,
        "naive pass (text → number values)": naive_all,
    }
    # Every stage once per round, in turn, and the fastest round of each: on a shared
    # machine the least disturbed timing is the truest, and taking the stages in turn
    # lets any slow spell hit all of them alike, so their ratio holds.
    best = dict.fromkeys(stages, float("inf"))
    for _ in range(rounds):
        for label, fn in stages.items():
            # Cold caches: a batch of distinct reports does not repeat every phrase.
            for cached in CACHED:
                cached.cache_clear()
            t0 = time.perf_counter()
            fn()
            best[label] = min(best[label], time.perf_counter() - t0)
    for label, dt in best.items():
        print(f"{label:34} {per_round / dt / 1e6:8.2f} M chars/s  ({dt * 1000:.0f} ms a round)")
    full, naive = best["full parse (bytes → mentions)"], best["naive pass (text → number values)"]
    print(f"full parse / naive pass: {full / naive:.1f}x slower")

    # Streaming: peak traced memory for N and 4N documents should be about equal.
    small = max(1, rounds // 20)
    for n in (small, 4 * small):
        tracemalloc.start()
        count = 0
        for _ in range(n):
            for r in raws:
                count += len(raw_to_report(r).mentions)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"streamed {n * len(raws):5d} documents: peak traced memory {peak / 1e6:6.1f} MB ({count} mentions)")
    print(f"max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    if a.ref:
        _against(a.ref, a.reports)
    return 0


if __name__ == "__main__":
    sys.exit(main())
