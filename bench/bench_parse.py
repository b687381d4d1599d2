"""Throughput of the parse stages over the sample corpus repeated to at least 5 MB of text.

usage: python bench/bench_parse.py [REPORTS_DIR] [--mb 5]

Prints characters per second for decode, clean+meta+structure, quantities and
the full parse (read → mentions), on one core, and the peak memory of a streamed
batch run over the same documents, to show it does not grow with their number.
Timings are figures to read, never test assertions: machines here are shared.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from duizhang.clean import text_to_cleaned  # noqa: E402
from duizhang.decode import raw_to_text  # noqa: E402
from duizhang.meta import text_to_meta  # noqa: E402
from duizhang.pipeline import raw_to_report  # noqa: E402
from duizhang.quantities import text_to_mentions  # noqa: E402
from duizhang.read import iter_paths, path_to_raw  # noqa: E402
from duizhang.structure import text_to_sections  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("reports", nargs="?", default=str(Path(__file__).resolve().parents[2] / "shared/corpus/seeds"))
    ap.add_argument("--mb", type=float, default=5.0, help="million characters of text to process (default 5)")
    a = ap.parse_args()
    raws = [path_to_raw(p) for p in iter_paths([a.reports])]
    texts = [raw_to_text(r).text for r in raws]
    per_round = sum(map(len, texts))
    rounds = max(1, int(a.mb * 1e6 / per_round) + 1)
    total = per_round * rounds
    print(f"corpus: {len(raws)} documents, {per_round:,} chars; {rounds} rounds = {total:,} chars")
    for r in raws + raws:  # warm caches (vocabulary, regexes)
        raw_to_report(r)

    def timed(label: str, fn) -> None:  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        for _ in range(rounds):
            fn()
        dt = time.perf_counter() - t0
        print(f"{label:34} {total / dt / 1e6:8.2f} M chars/s  ({dt:.2f} s)")

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

    timed("decode", decode_all)
    timed("clean + meta + structure", structure_all)
    timed("quantities", quantities_all)
    timed("full parse (decode → mentions)", full_all)

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
    return 0


if __name__ == "__main__":
    sys.exit(main())
