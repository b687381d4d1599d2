"""The library in Datasette, the tool researchers publish SQLite with (issue 13): the
对账单 table, views a SQL user queries directly, and metadata with titles and facets."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from duizhang.cli import main

from .conftest import SAMPLE_REPORT

datasette = pytest.importorskip("datasette.app")


@pytest.fixture()
def library(tmp_path: Path) -> Path:
    plan = SAMPLE_REPORT.replace("某区", "南开区")
    outcome = plan.replace("2024年1月15日", "2025年1月15日").replace("2023年工作回顾", "2024年工作回顾") \
        .replace("2024年工作安排", "2025年工作安排").replace("2024年经济社会", "2025年经济社会") \
        .replace("增长5.2%左右", "增长5.6%")
    (tmp_path / "a.txt").write_text(plan, encoding="utf-8")
    (tmp_path / "b.txt").write_text(outcome, encoding="utf-8")
    db = tmp_path / "lib.db"
    res = CliRunner().invoke(main, ["add", "--db", str(db), str(tmp_path / "a.txt"), str(tmp_path / "b.txt")])
    assert "2 added" in res.stderr, res.stderr
    return db


def _get(ds: object, path: str) -> dict:
    async def go() -> dict:
        r = await ds.client.get(path)  # type: ignore[attr-defined]
        assert r.status_code == 200, (path, r.status_code, r.text[:300])
        return r.json()

    return asyncio.run(go())


def test_datasette_finds_the_recon_table_and_the_views(library: Path, tmp_path: Path) -> None:
    meta = tmp_path / "metadata.json"
    res = CliRunner().invoke(main, ["export", "--db", str(library), "--what", "datasette-metadata", "-o", str(meta)])
    assert res.exit_code == 0, res.output
    ds = datasette.Datasette([str(library)], metadata=json.loads(meta.read_text(encoding="utf-8")))
    db = _get(ds, "/lib.json")
    names = {t["name"]: t for t in db["tables"]}
    views = {v["name"] for v in db["views"]}
    assert {"figures", "targets", "sentence_texts"} <= views
    assert "recon_rows" in names and not names["recon_rows"]["hidden"] and names["sentence_index"]["hidden"]
    rows = _get(ds, "/lib/recon_rows.json?_shape=objects&metric_id=gdp")["rows"]
    assert rows and rows[0]["status"] == "achieved" and rows[0]["target_text"] == "5%左右"
    figures = _get(ds, "/lib/figures.json?_shape=objects&metric_id=gdp")["rows"]
    assert {f["doc"] for f in figures} == {"a.txt", "b.txt"} and all(f["region"] for f in figures)
    # The texts are stored compressed; our plugin gives Datasette the function that reads them.
    sentences = _get(ds, "/lib/sentence_texts.json?_shape=objects&_size=5")["rows"]
    report = (library.parent / "a.txt").read_text(encoding="utf-8")
    assert sentences and all(s["text"] and s["text"] == report[s["start"]:s["end"]] for s in sentences)
    table = _get(ds, "/lib/recon_rows.json?_facet=status")
    assert "status" in table["facet_results"]


def test_each_figure_points_to_its_section(library: Path) -> None:
    # Issue 13: mentions.section declared no foreign key, so Datasette linked nothing.
    import sqlite3

    c = sqlite3.connect(library)
    keys = {(r[2], r[3], r[4]) for r in c.execute("PRAGMA foreign_key_list(mentions)")}
    assert ("sections", "section_id", "id") in keys
    rows = c.execute("SELECT m.section, s.idx, s.doc_id = m.doc_id FROM mentions m JOIN sections s "
                     "ON s.id = m.section_id").fetchall()
    assert rows and all(sec == idx and same for sec, idx, same in rows)
    assert c.execute("SELECT COUNT(*) FROM mentions WHERE section IS NOT NULL AND section_id IS NULL").fetchone()[0] == 0
    ds = datasette.Datasette([str(library)])
    fks = _get(ds, "/lib/mentions.json?_shape=objects&_labels=on&_size=1")["rows"]
    assert fks and isinstance(fks[0]["section_id"], dict)  # Datasette expands the key to its row
