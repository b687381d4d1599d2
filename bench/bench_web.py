"""Web explorer benchmark: page and API latency (median, p95) on a library of ≥ 2,000 documents.

usage: python bench/bench_web.py [REPORTS_DIR] [--docs 2000]

Builds the library as bench_library.py does, serves it with uvicorn on a free
local port, and times real HTTP requests to every page and API endpoint.
Figures only, no assertions.
"""

from __future__ import annotations

import argparse
import random
import shutil
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx  # noqa: E402
import uvicorn  # noqa: E402
from bench_library import make_corpus, report  # noqa: E402

from duizhang.library import Library  # noqa: E402
from duizhang.web.app import create_app  # noqa: E402

RUNS = 40


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("reports", nargs="?", default=str(Path(__file__).resolve().parents[2] / "shared/corpus/seeds"))
    ap.add_argument("--docs", type=int, default=2000)
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="duizhang-web-"))
    try:
        src = tmp / "reports"
        src.mkdir()
        make_corpus(Path(a.reports), src, a.docs + a.docs // 50)
        db = tmp / "web.db"
        with Library(db) as lib:
            added = lib.add([src], jobs=2)
            lib.refresh_recon(added.regions)  # as `duizhang add` does: the stored 对账单
            docs = lib.store.document_ids()
            regions = [name for _, name in lib.regions() if name][:60]
            pairs = [(r, y) for r in regions[:30] for y in lib.years_with_pairs(lib.resolve_region(r)[0][0])]
        print(f"library: {len(docs)} documents")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        srv = uvicorn.Server(uvicorn.Config(create_app(db), host="127.0.0.1", port=port, log_level="warning"))
        threading.Thread(target=srv.run, daemon=True).start()
        while not srv.started:
            time.sleep(0.05)
        rnd = random.Random(2)
        base = f"http://127.0.0.1:{port}"
        words = ["老旧小区改造", "消防站", "地区生产总值", "营商环境"]
        urls = {
            "page /": lambda: "/",
            "page /documents/{id}": lambda: f"/documents/{rnd.choice(docs)}",
            "page /reconcile": lambda: "/reconcile?region={}&year={}".format(*rnd.choice(pairs)),
            "page /compare": lambda: "/compare?metric=gdp",
            "page /search": lambda: f"/search?q={rnd.choice(words)}",
            "api /api/documents": lambda: "/api/documents",
            "api /api/documents/{id}": lambda: f"/api/documents/{rnd.choice(docs)}",
            "api /api/reconcile": lambda: "/api/reconcile?region={}&year={}".format(*rnd.choice(pairs)),
            "api /api/compare": lambda: "/api/compare?metric=gdp",
            "api /api/search": lambda: f"/api/search?q={rnd.choice(words)}",
        }
        with httpx.Client(base_url=base, timeout=30) as client:
            for label, make in urls.items():
                client.get(make())  # warm
                times = []
                for _ in range(RUNS):
                    t0 = time.perf_counter()
                    r = client.get(make())
                    times.append((time.perf_counter() - t0) * 1000)
                    if r.status_code != 200:
                        print(f"{label}: HTTP {r.status_code} {r.text[:100]}")
                report(label, times)
        srv.should_exit = True
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
