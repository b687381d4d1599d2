"""Exports a researcher opens in pandas, Stata and pyarrow (issue 13): which document a
row is from, codes as text, numbers as numbers, Stata labels; one-line errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from duizhang.cli import main

from .conftest import SAMPLE_REPORT


@pytest.fixture()
def db(tmp_path: Path) -> str:
    for folder in ("a", "b"):  # two 2025.txt from different folders
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "2025.txt").write_text(
            SAMPLE_REPORT.replace("某区", "南开区").replace("5.2%", "5.3%" if folder == "b" else "5.2%"),
            encoding="utf-8")
    path = str(tmp_path / "x.db")
    res = CliRunner().invoke(main, ["add", "--db", path, str(tmp_path / "a"), str(tmp_path / "b")])
    assert "2 added" in res.stderr, res.stderr
    return path


def _export(db: str, out: Path, *args: str) -> None:
    res = CliRunner().invoke(main, ["export", "--db", db, "-o", str(out), *args])
    assert res.exit_code == 0, res.output


def test_rows_say_which_document_they_are_from(db: str, tmp_path: Path) -> None:
    _export(db, tmp_path / "m.parquet", "--what", "mentions")
    df = pd.read_parquet(tmp_path / "m.parquet")
    assert df["doc"].nunique() == 1 and df["doc_id"].nunique() == 2
    assert {Path(s).parent.name for s in df["source"]} == {"a", "b"}


def test_region_code_stays_text_and_numbers_stay_numbers(db: str, tmp_path: Path) -> None:
    _export(db, tmp_path / "m.dta", "--what", "mentions")
    df = pd.read_stata(tmp_path / "m.dta")
    assert not pd.api.types.is_numeric_dtype(df["region_code"]) and set(df["region_code"]) == {"120104"}
    # value_max is empty in every row here, and still a number column
    assert pd.api.types.is_float_dtype(df["value_max"]) and pd.api.types.is_numeric_dtype(df["year"])
    _export(db, tmp_path / "m.parquet", "--what", "mentions")
    assert set(pd.read_parquet(tmp_path / "m.parquet")["region_code"]) == {"120104"}
    _export(db, tmp_path / "m.xlsx", "--what", "mentions")
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "m.xlsx").active
    column = [c.value for c in next(sheet.iter_cols(min_col=5, max_col=5))]
    assert column[0] == "region_code" and all(v == "120104" for v in column[1:])  # text cells


@pytest.mark.parametrize("lang, label", [("en", "end offset in the decoded text"), ("zh", "止")])
def test_stata_variables_have_labels(db: str, tmp_path: Path, lang: str, label: str) -> None:
    _export(db, tmp_path / "m.dta", "--what", "mentions", "--lang", lang)
    with pd.io.stata.StataReader(tmp_path / "m.dta") as reader:
        labels = reader.variable_labels()
    assert labels["end_"] == label  # `end` is a Stata word: the label says what end_ is


def test_export_to_a_missing_folder_is_one_line(db: str, tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["export", "--db", db, "--what", "mentions", "-o", str(tmp_path / "no" / "x.csv")])
    assert res.exit_code == 1 and "cannot write" in res.output and "Traceback" not in res.output


def test_compare_an_unknown_metric_is_an_error(db: str) -> None:
    res = CliRunner().invoke(main, ["compare", "--db", db, "--metric", "no_such_metric"])
    assert res.exit_code == 1 and "unknown indicator 'no_such_metric'" in res.output
    res = CliRunner().invoke(main, ["compare", "--db", db, "--metric", "不存在的指标"])
    assert res.exit_code == 1 and "no targets or outcomes" in res.output
