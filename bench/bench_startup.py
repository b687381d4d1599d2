"""Start-up: how long ``duizhang --help`` and a one-file ``extract`` take, end to end.

usage: python bench/bench_startup.py REPORT [--runs 9] [--ref GIT-REF]

Runs each command in a new process RUNS times and prints the median and fastest
wall time, beside the bare interpreter's start in the same run; ``warm`` is with
the start-up cache (duizhang.startup) in place, ``cold`` without one
(DUIZHANG_CACHE empty: every pattern compiled, every vocabulary file parsed).
With --ref, the same commands of that git revision (a temporary worktree) run
alongside, so the figures compare in one run. Figures to read, never test assertions.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _wall(cmd: list[str], env: dict[str, str], runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000, min(times) * 1000


def _commands(report: Path) -> list[tuple[str, list[str]]]:
    cli = [sys.executable, "-m", "duizhang.cli"]
    return [
        ("python -c pass", [sys.executable, "-c", "pass"]),
        ("duizhang --help", [*cli, "--help"]),
        ("extract FILE --format jsonl", [*cli, "extract", str(report), "--format", "jsonl"]),
        ("extract FILE (table)", [*cli, "extract", str(report)]),
    ]


def _trees(ref: str | None, scratch: Path) -> list[tuple[str, Path]]:
    trees = [("this tree", ROOT / "src")]
    if ref:
        wt = scratch / "ref"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(wt), ref], check=True)
        trees.append((ref, wt / "src"))
    return trees


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("report", type=Path, nargs="?")
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--ref", help="a git revision to measure beside this tree")
    a = ap.parse_args()
    if a.report is None or not a.report.is_file():
        print(f"{a.report or 'no report given'}: not found; skipping the start-up benchmark")
        return 0
    scratch = Path(tempfile.mkdtemp(prefix="duizhang-bench-startup-"))
    try:
        trees = _trees(a.ref, scratch)
        print(f"start-up, {a.report.name} ({a.report.stat().st_size:,} bytes), median / fastest of {a.runs} runs, ms")
        for label, src in trees:
            env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
            env["PYTHONPATH"] = str(src)
            # Bytecode as an installed package has it (pip compiles at install).
            subprocess.run([sys.executable, "-m", "compileall", "-q", str(src)], stdout=subprocess.DEVNULL, check=False)
            caches = [("warm", str(scratch / f"cache-{len(label)}")), ("cold", "")]
            for name, cmd in _commands(a.report):
                for cache_label, cache in caches if name != "python -c pass" else caches[:1]:
                    env["DUIZHANG_CACHE"] = cache
                    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
                    med, fast = _wall(cmd, env, a.runs)
                    tag = "" if name == "python -c pass" else f" [{cache_label}]"
                    print(f"  {label:>10}  {name + tag:<36} {med:6.0f} / {fast:4.0f}")
    finally:
        if a.ref:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(scratch / "ref")],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
