"""Load test of the web explorer: many clients at once, a mix of pages, against 127.0.0.1.

usage: python bench/bench_load.py [REPORTS_DIR] [--docs 500] [--clients 20] [--seconds 15]

Builds a library as bench_library.py does, serves it with uvicorn on a free local
port, and runs --clients concurrent clients for --seconds (bounded: never more than
--max-requests in all), each picking requests from a mix like a newsroom's morning:
mostly the library and document pages, some searches, and year-wide 对账单 (the
slowest query) for 9% of requests. Prints requests/s and p50/p95/p99 for each kind
and for all, so that a slow 对账单 stalling the other pages shows as a high p95 of
"/". Only ever talks to 127.0.0.1. Figures only, no assertions.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx  # noqa: E402
from bench_library import make_corpus  # noqa: E402

from duizhang.library import Library  # noqa: E402

#: (kind, share of requests)
MIX = [("page /", 0.40), ("page /documents/{id}", 0.25), ("api /api/documents", 0.10),
       ("page /search", 0.10), ("api /api/reconcile?year=", 0.09), ("page /compare", 0.06)]


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("reports", nargs="?", default=str(Path(__file__).resolve().parents[2] / "shared/corpus/seeds"))
    ap.add_argument("--docs", type=int, default=500)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--max-requests", type=int, default=20000)
    ap.add_argument("--workers", type=int, default=1, help="server processes (duizhang serve --workers)")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="duizhang-load-"))
    try:
        src = tmp / "reports"
        src.mkdir()
        make_corpus(Path(a.reports), src, a.docs)
        db = tmp / "load.db"
        with Library(db) as lib:
            added = lib.add([src], jobs=2)
            lib.refresh_recon(added.regions)  # as `duizhang add` does: the stored 对账单
            docs = lib.store.document_ids()
            years = sorted({y for d in lib.store.documents() for y in d.review_years + d.plan_years})
        print(f"library: {len(docs)} documents; {a.clients} clients for {a.seconds:.0f} s; "
              f"{a.workers} server process(es)")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        # The server in its own process, as `duizhang serve` runs it: clients in this
        # process would otherwise take the server's interpreter lock from it.
        server = subprocess.Popen([sys.executable, "-m", "duizhang.cli", "serve", "--db", str(db), "--port",
                                   str(port), "--workers", str(a.workers)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent / "src")})
        base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if httpx.get(f"{base}/api/documents", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        words = ["老旧小区改造", "消防站", "地区生产总值", "营商环境", "就业"]
        kinds, weights = zip(*MIX, strict=True)
        times: dict[str, list[float]] = {k: [] for k in kinds}
        errors: dict[str, int] = {k: 0 for k in kinds}
        budget = [a.max_requests]
        lock = threading.Lock()
        stop_at = time.perf_counter() + a.seconds

        def url(kind: str, rnd: random.Random) -> str:
            if kind == "page /documents/{id}":
                return f"/documents/{rnd.choice(docs)}"
            if kind == "page /search":
                return f"/search?q={rnd.choice(words)}"
            if kind == "api /api/reconcile?year=":
                return f"/api/reconcile?year={rnd.choice(years)}"
            if kind == "page /compare":
                return "/compare?metric=gdp"
            return kind.split(" ", 1)[1]

        def client(seed: int) -> None:
            rnd = random.Random(seed)
            with httpx.Client(base_url=base, timeout=120) as c:
                while time.perf_counter() < stop_at:
                    with lock:
                        if budget[0] <= 0:
                            return
                        budget[0] -= 1
                    kind = rnd.choices(kinds, weights)[0]
                    t0 = time.perf_counter()
                    r = c.get(url(kind, rnd))
                    dt = (time.perf_counter() - t0) * 1000
                    with lock:
                        times[kind].append(dt)
                        if r.status_code != 200:
                            errors[kind] += 1

        started = time.perf_counter()
        threads = [threading.Thread(target=client, args=(i,)) for i in range(a.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        everything = [x for v in times.values() for x in v]
        print(f"{len(everything)} requests in {elapsed:.1f} s: {len(everything) / elapsed:.1f} requests/s")
        print(f"{'kind':28} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>6}")
        for kind in kinds:
            v = times[kind]
            if v:
                print(f"{kind:28} {len(v):6d} {statistics.median(v):8.1f} {pct(v, 95):8.1f} {pct(v, 99):8.1f} "
                      f"{errors[kind]:6d}")
        if everything:
            print(f"{'all':28} {len(everything):6d} {statistics.median(everything):8.1f} {pct(everything, 95):8.1f} "
                  f"{pct(everything, 99):8.1f} {sum(errors.values()):6d}")
        server.terminate()
        server.wait(timeout=30)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
