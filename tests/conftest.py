"""Shared fixtures: the sample corpus and gold set beside the checkout (../shared)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from .pgserver import Server

# The start-up cache (duizhang.startup) of the tests and the commands they run goes
# to a folder of their own, not the user's ~/.cache. Set before duizhang is imported.
_CACHE = tempfile.mkdtemp(prefix="duizhang-test-cache-")
os.environ["DUIZHANG_CACHE"] = _CACHE


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_CACHE, ignore_errors=True)

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "corpus" / "seeds"
GOLD = SHARED / "gold"

needs_shared = pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/corpus is not beside the checkout")

#: A short but complete work report, written for the tests (not from the corpus).
SAMPLE_REPORT = """政府工作报告
——2024年1月15日在某区第五届人民代表大会第三次会议上
某区区长 张三
各位代表:
现在,我代表区人民政府向大会报告工作,请予审议,并请区政协委员提出意见。
一、2023年工作回顾
预计全区地区生产总值增长5.2%左右,一般公共预算收入增长8%,固定资产投资增长10%以上。
新增就业1.2万余人。完成12个老旧小区改造,建成2座消防站。
二、2024年工作安排
2024年经济社会发展的主要预期目标是:地区生产总值增长5%左右,城镇登记失业率控制在3.5%以内。
"""


def gold_docs() -> dict[str, dict]:
    with open(GOLD / "docs.jsonl", encoding="utf-8") as f:
        return {d["doc"]: d for d in map(json.loads, f)}


def seed_text(name: str) -> str:
    return (SEEDS / name).read_bytes().decode("utf-8")


DEV = SHARED / "corpus" / "dev"
DEV_GOLD = GOLD / "dev"

needs_dev = pytest.mark.skipif(not DEV.is_dir(), reason="../shared/corpus/dev is not beside the checkout")


def dev_gold_docs() -> dict[str, dict]:
    path = DEV_GOLD / "docs.jsonl"
    if not path.exists():
        return {}
    with open(path, encoding="utf-8") as f:
        return {d["doc"]: d for d in map(json.loads, f)}


# -- both store backends ------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Server]:
    """The test session's PostgreSQL server (see pgserver.py)."""
    server = Server()
    why = server.start()
    if why:
        pytest.skip(f"PostgreSQL half of the tests skipped: {why}")
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new empty library on each backend: a SQLite file, a PostgreSQL database."""
    return library_db(request, tmp_path / "lib.db")


#: The store backends every library test runs on.
BACKENDS = ["sqlite", "postgresql"]


def library_db(request: pytest.FixtureRequest, path: Path) -> str:
    """For a fixture parametrized with ``BACKENDS``: a new library at ``path`` (SQLite)
    or a new database on the test server, dropped when the fixture ends."""
    if request.param == "sqlite":
        return str(path)
    server: Server = request.getfixturevalue("pg_server")
    url = server.new_database()
    request.addfinalizer(lambda: server.drop_database(url))
    return url
