"""The command line as a user runs it: output formats, errors, help text, docs."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from duizhang.cli import main

from .conftest import ROOT, SAMPLE_REPORT, SEEDS, needs_shared


@pytest.fixture()
def reports(tmp_path: Path) -> Path:
    (tmp_path / "a.txt").write_bytes(SAMPLE_REPORT.encode("gb18030"))
    (tmp_path / "empty.txt").write_bytes(b"")
    return tmp_path


def test_extract_jsonl_is_the_gold_schema(reports: Path) -> None:
    res = CliRunner().invoke(main, ["extract", str(reports), "--format", "jsonl"])
    assert res.exit_code == 0, res.output
    lines = [json.loads(line) for line in res.stdout.splitlines()]
    assert lines and set(lines[0]) == {
        "doc", "start", "end", "text", "value", "value_max", "unit", "kind", "direction",
        "qualifier", "stance", "metric", "metric_id", "year",
    }
    assert lines[0]["doc"] == "a.txt"
    assert "empty.txt: the file is empty" in res.stderr
    assert "1 documents" in res.stderr and "1 failed" in res.stderr


def test_extract_csv_file_has_bom_for_excel(reports: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    res = CliRunner().invoke(main, ["extract", str(reports / "a.txt"), "--format", "csv", "-o", str(out)])
    assert res.exit_code == 0, res.output
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert any(r["metric_id"] == "gdp" for r in rows)


def test_read_json(reports: Path) -> None:
    res = CliRunner().invoke(main, ["read", str(reports / "a.txt"), "--json"])
    d = json.loads(res.stdout)
    assert d["doc"] == "a.txt" and d["doctype"] == "gwr" and d["delivered_date"] == "2024-01-15"
    assert d["sections"][0]["role"] == "preamble"


def test_all_failed_exits_nonzero(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_bytes(b"")
    res = CliRunner().invoke(main, ["read", str(tmp_path)])
    assert res.exit_code == 1 and "the file is empty" in res.stderr


@needs_shared
def test_read_table_on_seeds() -> None:
    res = CliRunner().invoke(main, ["read", str(SEEDS)])
    assert res.exit_code == 0
    assert "天津市南开区" in res.stdout and "5 read, 0 failed" in res.stderr


def _commands() -> list[str]:
    assert isinstance(main, click.Group)
    return sorted(main.commands)


@pytest.mark.parametrize("command", _commands())
def test_every_command_has_help(command: str) -> None:
    res = CliRunner().invoke(main, [command, "--help"])
    assert res.exit_code == 0
    cmd = main.commands[command]  # type: ignore[attr-defined]
    assert cmd.help and len(cmd.help) > 40


@pytest.mark.parametrize("command", _commands())
def test_every_command_is_in_the_readme(command: str) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"duizhang {command}\b", readme), f"README does not document `duizhang {command}`"


#: What `duizhang --help` and a one-file `extract --format jsonl` must not load (issue
#: 14: a command imports what it uses): the table drawing, the library, Excel/Parquet,
#: the .docx reader, and, once the start-up cache is warm, the TOML parser.
HEAVY = ("rich", "duizhang.store", "duizhang.library", "sqlite3", "pandas", "zipfile", "tomllib", "importlib.resources")


@pytest.mark.parametrize("args", [["--help"], ["extract", "{report}", "--format", "jsonl"]])
def test_a_quick_command_imports_only_what_it_uses(tmp_path: Path, args: list[str]) -> None:
    import subprocess
    import sys

    report = tmp_path / "r.txt"
    report.write_text(SAMPLE_REPORT, encoding="utf-8")
    probe = (
        "import sys\nfrom duizhang.cli import main\n"
        f"sys.argv = ['duizhang', *{[a.replace('{report}', str(report)) for a in args]!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('\\n'.join(sorted(sys.modules)), file=sys.stderr)\n"
    )
    env = {**os.environ, "DUIZHANG_CACHE": str(tmp_path / "cache")}
    subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, check=True)  # warms the cache
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    heavy = sorted(m for m in out.stderr.split("\n") if any(m == h or m.startswith(h + ".") for h in HEAVY))
    assert not heavy
