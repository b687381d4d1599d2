"""The ``duizhang`` command line: thin commands over the library functions."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import click
from rich.console import Console

from . import __version__
from .model import Report
from .output import MENTION_FIELDS, CsvWriter, mention_record, mentions_table, print_report, report_record
from .pipeline import Failure, iter_reports

err = Console(stderr=True, highlight=False)


def _reports(paths: tuple[str, ...], check: bool) -> Iterator[Report | Failure]:
    """Parse with a progress line on a terminal; failures are reported and skipped."""
    yield from iter_reports(paths, check=check)


def _summary(ok: int, failed: list[Failure], what: str = "read") -> None:
    for f in failed:
        err.print(f"[red]error:[/] {f.message}", soft_wrap=True)
    style = "red" if failed else "green"
    err.print(f"[{style}]{ok} {what}, {len(failed)} failed[/]")


paths_argument = click.argument("paths", nargs=-1, required=True, type=click.Path())
check_option = click.option(
    "--force", is_flag=True, help="Parse files even if they do not look like a work report or plan report."
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="duizhang")
def main() -> None:
    """duizhang (对账): Chinese government work reports and plan reports as data.

    Reads 政府工作报告 and 国民经济和社会发展计划 reports as found on the web
    (.txt in any Chinese encoding, saved .html pages, .pdf with a text layer,
    .docx), finds the report body, says what the document is, and extracts
    every figure with its meaning and exact source position.

    \b
    Examples:
      duizhang read reports/                 # what each document is, and its sections
      duizhang extract reports/ --format csv > figures.csv
      duizhang extract 报告.txt --format jsonl

    Positions (start, end) are character offsets into the decoded text of the
    file, with newlines kept as they are in the file.
    """


@main.command()
@paths_argument
@click.option("--json", "as_json", is_flag=True, help="One JSON object per document (docs.jsonl fields plus sections).")
@check_option
def read(paths: tuple[str, ...], as_json: bool, force: bool) -> None:
    """Show what each report is: region, type, date, session, speaker, years, sections.

    PATHS are files or folders (read recursively); '-' reads standard input.
    A file that cannot be read is reported and the rest go on.
    """
    out = Console(highlight=False, soft_wrap=True)
    ok, failed = 0, []
    for r in _reports(paths, check=not force):
        if isinstance(r, Failure):
            failed.append(r)
            continue
        ok += 1
        if as_json:
            sys.stdout.write(json.dumps(report_record(r), ensure_ascii=False) + "\n")
        else:
            print_report(out, r)
    _summary(ok, failed)
    if failed and not ok:
        sys.exit(1)


@main.command()
@paths_argument
@click.option(
    "--format", "fmt", type=click.Choice(["table", "jsonl", "csv"]), default="table", show_default=True,
    help="table: for reading; jsonl: one mention per line in the gold schema; csv: for Excel/WPS.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to FILE instead of stdout.")
@click.option("--limit", type=int, default=0, help="Show at most N mentions per document in the table (0 = all).")
@check_option
def extract(paths: tuple[str, ...], fmt: str, output: str | None, limit: int, force: bool) -> None:
    """Extract every figure: value, unit, kind, qualifier, stance, metric, year.

    \b
    Each mention carries (doc, start, end): the file name and the character
    span of the figure in the decoded text, e.g. 4.7%左右 or 1.9万余人.
    kind:      growth | change | share | level | rank
    qualifier: exact | about (左右/约) | above (以上/超/余) | at_least (不少于)
               | below (以内/不超过) | near (近)
    stance:    actual | estimate (预计) | target (目标, 计划, 工作安排) | other
    """
    stream = open(output, "w", encoding="utf-8-sig" if fmt == "csv" else "utf-8", newline="") if output else sys.stdout
    console = Console(file=stream if output else None, highlight=False, soft_wrap=False, width=200 if output else None)
    csvw = CsvWriter(stream, MENTION_FIELDS) if fmt == "csv" else None
    ok, failed, total = 0, [], 0
    try:
        for r in _reports(paths, check=not force):
            if isinstance(r, Failure):
                failed.append(r)
                continue
            ok += 1
            total += len(r.mentions)
            if fmt == "jsonl":
                for m in r.mentions:
                    stream.write(json.dumps(mention_record(m), ensure_ascii=False) + "\n")
            elif csvw is not None:
                for m in r.mentions:
                    csvw.write(mention_record(m))
            else:
                shown = r.mentions[:limit] if limit else r.mentions
                more = f" (first {len(shown)} of {len(r.mentions)})" if len(shown) < len(r.mentions) else ""
                console.print(mentions_table(shown, title=f"{r.doc}: {r.meta.region or ''} {r.meta.doctype}{more}"))
    finally:
        if output:
            stream.close()
    _summary(ok, failed, what=f"documents, {total} mentions")
    if failed and not ok:
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()


__all__ = ["main", "Path"]
