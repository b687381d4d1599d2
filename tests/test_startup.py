"""The start-up cache: compiled patterns and parsed vocabulary kept between runs
(duizhang.startup) give exactly what compiling and parsing give."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from duizhang import startup

from .conftest import SAMPLE_REPORT

#: One process that parses a report and prints its figures and metadata.
PARSE = """
import json, sys
from duizhang.pipeline import parse
r = parse(sys.argv[1])
print(json.dumps([r.doc_record(), [m.to_dict() for m in r.mentions]], ensure_ascii=False))
"""


def _parse_in_new_process(report: Path, cache: str) -> str:
    env = {**os.environ, "DUIZHANG_CACHE": cache}
    out = subprocess.run([sys.executable, "-c", PARSE, str(report)], env=env, capture_output=True, text=True, check=True)
    return out.stdout


@pytest.fixture()
def report(tmp_path: Path) -> Path:
    p = tmp_path / "report.txt"
    p.write_text(SAMPLE_REPORT, encoding="utf-8")
    return p


def test_a_cached_run_parses_as_an_uncached_one(report: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    off = _parse_in_new_process(report, "")
    first = _parse_in_new_process(report, str(cache))
    files = list(cache.glob("startup-*.marshal"))
    assert len(files) == 1
    second = _parse_in_new_process(report, str(cache))
    assert json.loads(off)[1] and off == first == second
    assert not list(cache.glob(".startup-*")), "no half-written file left behind"


def test_every_cached_pattern_is_what_re_compiles(report: Path, tmp_path: Path) -> None:
    """Each kept entry, given to the engine, equals ``re.compile`` of its pattern
    (CPython compares pattern, flags and opcodes); one kept with the engine's skip
    to its first characters differs from it in the info block alone."""
    import _sre
    import marshal

    cache = tmp_path / "cache"
    _parse_in_new_process(report, str(cache))
    (path,) = cache.glob("startup-*.marshal")
    entries = marshal.loads(path.read_bytes())["entries"]
    patterns = {k: v for k, v in entries.items() if not k[0].startswith("data:")}
    assert len(patterns) > 100  # the parse stages' patterns
    skipping = 0
    for (tag, _pattern, flags), args in patterns.items():
        source = args[0]
        plain = startup._engine_args(source, flags)
        assert _sre.compile(*plain) == re.compile(source, flags), source[:80]
        if tag.endswith("+skip") and args != plain:
            skipping += 1
            assert args == startup._skip_by_class(plain)
            code, plain_code = args[2], plain[2]
            assert code[code[1] + 1 :] == plain_code[plain_code[1] + 1 :], "only the info block differs"
            assert code[2] == int(re._constants.SRE_INFO_CHARSET)  # type: ignore[attr-defined]
        else:
            assert args == plain
    assert skipping >= 3  # the figure pattern, the year pattern, the earlier-number pattern
    assert any(k[0] == "data:metrics.toml" for k in entries), "vocabulary files are kept parsed too"


@pytest.mark.parametrize("damage", [b"", b"not marshal data", b"\xe3" * 100])
def test_a_damaged_cache_file_is_rebuilt(report: Path, tmp_path: Path, damage: bytes) -> None:
    cache = tmp_path / "cache"
    good = _parse_in_new_process(report, str(cache))
    (path,) = cache.glob("startup-*.marshal")
    path.write_bytes(damage)
    again = _parse_in_new_process(report, str(cache))
    assert again == good
    assert path.stat().st_size > 1000


def test_an_unwritable_cache_folder_only_costs_time(report: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    out = _parse_in_new_process(report, str(blocker / "cache"))  # cannot be created
    assert json.loads(out)[1]


def test_cache_folder_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DUIZHANG_CACHE", str(tmp_path))
    assert startup.cache_file() is not None and startup.cache_file().parent == tmp_path  # type: ignore[union-attr]
    monkeypatch.setenv("DUIZHANG_CACHE", "")
    assert startup.cache_file() is None
    monkeypatch.delenv("DUIZHANG_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert startup.cache_file().parent == tmp_path / "xdg" / "duizhang"  # type: ignore[union-attr]


def test_kept_data_follows_its_source() -> None:
    calls: list[bytes] = []

    def build(b: bytes) -> dict[str, int]:
        calls.append(b)
        return {"n": len(b)}

    assert startup.data("t.toml", b"abc", build) == {"n": 3}
    assert startup.data("t.toml", b"abc", build) == {"n": 3}
    assert startup.data("t.toml", b"abcd", build) == {"n": 4}  # an edited file is parsed again
    assert calls == [b"abc", b"abcd"]


def test_a_pattern_skipping_to_its_first_characters_finds_what_re_finds() -> None:
    """The engine's skip (info-block charset) only saves time: same matches, groups and
    spans as the plain pattern, on text where most characters cannot start a match."""
    from duizhang.patterns import guarded

    texts = ["近3年增长5%，超过1000万元；不低于二十项。第3名" * 50, "", "近", "约约约1", "过" * 30 + "1"]
    for source in [r"(?:超过|近|约)?[0-9]+(?:万|亿)?", r"(?:不低于)?[一二三四五六七八九十]+项", r"第[0-9]名|[0-9]+%"]:
        fast = startup.compile(source, rewrite=guarded, tag="test-guarded", skip_by_class=True)
        plain = re.compile(guarded(source))
        assert fast.pattern == plain.pattern and fast != plain  # the same pattern, other opcodes
        for text in texts:
            for pos in (0, 1, 7):
                assert [(m.span(), m.groups()) for m in fast.finditer(text, pos)] == \
                       [(m.span(), m.groups()) for m in plain.finditer(text, pos)]
                assert (fast.search(text, pos) or re.match("", "")).span() == (plain.search(text, pos) or re.match("", "")).span()


def test_no_skip_where_the_pattern_does_not_open_with_a_class() -> None:
    for source, flags in [(r"近?[0-9]+", 0), (r"(?=[a-z])(?:abc)", re.I), (r"(?=[^0-9])(?:x)", 0), (r"(?=x)x*", 0)]:
        args = startup._engine_args(source, flags)
        assert startup._skip_by_class(args) is None, source


def test_rewritten_patterns_are_kept_under_their_rewrite() -> None:
    from duizhang.patterns import compile_guarded

    first = compile_guarded(r"(?:约|近)?[0-9]+万人")
    again = compile_guarded(r"(?:约|近)?[0-9]+万人")
    plain = startup.compile(r"(?:约|近)?[0-9]+万人")
    assert first == again and first.pattern.startswith("(?=[")
    assert plain.pattern == r"(?:约|近)?[0-9]+万人"
