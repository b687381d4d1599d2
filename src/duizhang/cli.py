"""The ``duizhang`` command line: thin commands over the library functions."""

from __future__ import annotations

import atexit
import gc
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click

from . import __version__
from .decode import OCR_MODES
from .export import FORMATS, WHAT
from .location import DEFAULT_DB, is_url, shown
from .model import DuizhangError, Report
from .read import iter_paths

# The parse stages, the library and pandas are imported by the commands that use
# them: `duizhang --help` and a one-file `extract` should not wait for the rest.
if TYPE_CHECKING:
    from rich.console import Console

    from .library import Library
    from .pipeline import Failure
    from .reconcile import ReconRow


# The interpreter's last garbage collection at exit walks every object a command
# made (compiled patterns, region tables, a report's figures): a fifth of a one-file
# extract. A command's objects are frozen out of it (gc.freeze) after its own exit
# handlers; files and the library are closed by then, and memory goes back with the
# process.
atexit.register(gc.freeze)


class _LazyConsole:
    """rich's Console on stderr, made when first used: importing rich takes longer
    than a one-file ``extract --format jsonl`` spends on its report."""

    def __init__(self) -> None:
        self._console: Console | None = None

    def __getattr__(self, name: str) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=True, highlight=False)
        return getattr(self._console, name)


err: Console = cast("Console", _LazyConsole())

#: Batches of at least this many files show a progress bar (on a terminal only).
PROGRESS_MIN_FILES = 5

#: Terminal columns from which tables show every column (narrower: the short ones).
WIDE_TABLE = 120

#: Rows of a table view that lists documents (a page, not a national library).
TABLE_ROWS = 200

#: Width of tables written to a pipe or file, where rich cannot ask the terminal.
PIPE_WIDTH = 180


def _cell(v: object) -> str:
    """A table cell: None and NaN (pandas' missing value) as empty."""
    if v is None or (isinstance(v, float) and v != v):
        return ""
    return str(v)


def _out(file: Any = None) -> Console:
    """Console for tables on stdout: the terminal's width, or a wide page when piped;
    a wide page in ``file`` if given."""
    from rich.console import Console

    if file is not None:
        return Console(file=file, highlight=False, width=PIPE_WIDTH)
    probe = Console()
    if probe.is_terminal:
        return probe
    columns = os.environ.get("COLUMNS", "")
    return Console(width=int(columns) if columns.isdigit() else PIPE_WIDTH, highlight=False)


def _reports(paths: tuple[str, ...], check: bool, ocr: str = "auto") -> Iterator[Report | Failure]:
    """Parse lazily, with a progress bar on a terminal for batches of more than a few files
    and for the pages of a scan read by OCR."""
    from .pipeline import iter_reports

    files = list(iter_paths(paths))
    if not sys.stderr.isatty():
        yield from iter_reports(files, check=check, ocr=ocr)
        return
    from rich.progress import Progress

    from . import ocr as ocr_mod

    with Progress(console=err, transient=True) as bar:
        task = bar.add_task("parsing", total=len(files)) if len(files) >= PROGRESS_MIN_FILES else None
        pages: list[Any] = []

        def page_done(done: int, total: int) -> None:
            if not pages:
                pages.append(bar.add_task("OCR pages", total=total))
            bar.update(pages[0], completed=done, total=total)
            if done >= total:
                bar.remove_task(pages.pop())

        ocr_mod.set_progress(page_done)
        try:
            for r in iter_reports(files, check=check, ocr=ocr):
                if task is not None:
                    bar.advance(task)
                yield r
        finally:
            ocr_mod.set_progress(None)


def _plain(message: str) -> str:
    r"""A message (file names in it) as text, never as Rich markup, on one line.

    A file named ``[/red]x.txt`` must not end the summary with a markup error, a
    newline in a name must not forge an ``error:`` line of its own, and a name that
    is not valid UTF-8 must not stop the batch.

    >>> _plain("a/[bold]b.txt\nerror: forged")
    'a/\\[bold]b.txt\\nerror: forged'
    >>> _plain("bad\udcffname.txt: empty")
    'bad\\udcffname.txt: empty'
    """
    return escape(_one_line(message))


def escape(text: str) -> str:
    """``text`` shown as it is in a rich table or message, never read as markup."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def _one_line(message: str) -> str:
    r"""A message on one line of valid UTF-8 (see :func:`_plain`).

    >>> _one_line("a/[bold]b.txt\nerror: forged")
    'a/[bold]b.txt\\nerror: forged'
    """
    flat = message.replace("\r", "\\r").replace("\n", "\\n")
    return flat.encode("utf-8", "backslashreplace").decode("utf-8")


def _summary(ok: int, failed: list[Failure], what: str = "read", warnings: list[str] | None = None) -> None:
    # click, not rich: `read` and `extract` print only these lines on stderr (click
    # drops the colours where stderr is not a terminal).
    for message in warnings or []:
        click.echo(_coloured("warning:", "yellow") + " " + _one_line(message), err=True)
    for f in failed:
        click.echo(_coloured("error:", "red") + " " + _one_line(f.message), err=True)
    click.echo(_coloured(f"{ok} {what}, {len(failed)} failed", "red" if failed else "green"), err=True)


def _coloured(text: str, colour: str) -> str:
    """``text`` in ``colour``, unless $NO_COLOR asks for none (https://no-color.org)."""
    return text if os.environ.get("NO_COLOR") else click.style(text, fg=colour)


paths_argument = click.argument("paths", nargs=-1, required=True, type=click.Path())
check_option = click.option(
    "--force", is_flag=True, help="Parse files even if they do not look like a work report or plan report."
)
ocr_option = click.option(
    "--ocr", type=click.Choice(OCR_MODES), default="auto", show_default=True,
    help="auto: read PDF pages without a text layer (scans) by OCR, which needs "
    "pip install 'duizhang[ocr]'; never: report such files as unreadable.",
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
@ocr_option
def read(paths: tuple[str, ...], as_json: bool, force: bool, ocr: str) -> None:
    """Show what each report is: region, type, date, session, speaker, years, sections.

    PATHS are files or folders (read recursively); '-' reads standard input.
    A file that cannot be read is reported and the rest go on.
    """
    from rich.console import Console

    from .output import print_report, report_record
    from .pipeline import Failure

    out = Console(highlight=False, soft_wrap=True)
    ok, failed = 0, []
    for r in _reports(paths, check=not force, ocr=ocr):
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
@ocr_option
def extract(paths: tuple[str, ...], fmt: str, output: str | None, limit: int, force: bool, ocr: str) -> None:
    """Extract every figure: value, unit, kind, qualifier, stance, metric, year.

    \b
    Each mention carries (doc, start, end): the file name and the character
    span of the figure in the decoded text, e.g. 4.7%左右 or 1.9万余人.
    kind:      growth | change | share | level | rank
    qualifier: exact | about (左右/约) | above (以上/超/余) | at_least (不少于)
               | below (以内/不超过) | near (近)
    stance:    actual | estimate (预计) | target (目标, 计划, 工作安排) | other
    """
    from .output import MENTION_FIELDS, CsvWriter, mention_record, mentions_table
    from .pipeline import Failure

    try:
        stream = open(output, "w", encoding="utf-8-sig" if fmt == "csv" else "utf-8", newline="") if output else sys.stdout
    except OSError as e:
        raise click.ClickException(f"cannot write {output}: {e.strerror or e}") from e
    console = _out(stream if output else None) if fmt == "table" else None
    csvw = CsvWriter(stream, MENTION_FIELDS) if fmt == "csv" else None
    ok, failed, total = 0, [], 0
    warnings: list[str] = []
    try:
        for r in _reports(paths, check=not force, ocr=ocr):
            if isinstance(r, Failure):
                failed.append(r)
                continue
            ok += 1
            total += len(r.mentions)
            warnings.extend(r.warnings)  # as `add` prints them
            if fmt == "jsonl":
                for m in r.mentions:
                    stream.write(json.dumps(mention_record(m), ensure_ascii=False) + "\n")
            elif csvw is not None:
                for m in r.mentions:
                    csvw.write(mention_record(m))
            elif console is not None:
                shown = r.mentions[:limit] if limit else r.mentions
                more = f" (first {len(shown)} of {len(r.mentions)})" if len(shown) < len(r.mentions) else ""
                console.print(mentions_table(shown, title=f"{r.doc}: {r.meta.region or ''} {r.meta.doctype}{more}"))
    finally:
        if output:
            stream.close()
    _summary(ok, failed, what=f"documents, {total} mentions", warnings=warnings)
    if failed and not ok:
        sys.exit(1)


# -- the library -------------------------------------------------------------

db_option = click.option(
    "--db", type=click.Path(dir_okay=False), envvar="DUIZHANG_DB", default=DEFAULT_DB, show_default=True,
    metavar="LIBRARY",
    help="Library: a file (SQLite, created if missing), or a PostgreSQL server a team shares "
    "(postgresql://user@host/dbname). Also read from $DUIZHANG_DB.",
)


@contextmanager
def _library(db: str, must_exist: bool = True) -> Iterator[Library]:
    """The library ``--db`` names, for one command; every library error in the block
    (not a library, an unknown region, its disk full, a server not answering) ends
    the command with its one line."""
    from .library import Library

    if must_exist and db != ":memory:" and not is_url(db) and not Path(db).exists():
        raise click.ClickException(f"no library at {db}; create one with: duizhang add --db {db} REPORTS...")
    try:
        with Library(db) as lib:
            try:
                yield lib
            except lib.store.errors as e:  # the database itself (a server gone mid-command)
                said = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
                raise click.ClickException(f"{lib.path}: the library could not be read ({said})") from e
    except DuizhangError as e:
        raise click.ClickException(str(e)) from e


def output_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """``--format`` for the commands that print rows: a table to read, or every row as
    JSON lines or CSV."""
    return click.option(
        "--format", "fmt", type=click.Choice(["table", "jsonl", "csv"]), default="table", show_default=True,
        help="table: for reading; jsonl: one JSON object per row; csv: for Excel/WPS.",
    )(f)


def _records(df: Any) -> list[dict[str, Any]]:
    """A DataFrame's rows as dicts (column name → value)."""
    return [{str(k): v for k, v in rec.items()} for rec in df.to_dict(orient="records")]


def _emit(fmt: str, records: list[dict[str, Any]], columns: list[str], table: Callable[[], None],
          jsonl: list[dict[str, Any]] | None = None) -> None:
    """Rows as the user asked: JSON lines (``jsonl`` if given: nested records), CSV
    (lists joined with commas, missing values empty), or the command's table."""
    if fmt == "jsonl":
        for rec in jsonl if jsonl is not None else records:
            click.echo(json.dumps(rec, ensure_ascii=False, default=str))
    elif fmt == "csv":
        import csv

        w = csv.DictWriter(sys.stdout, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        for rec in records:
            w.writerow({k: ",".join(map(str, v)) if isinstance(v, list) else _cell(v) for k, v in rec.items()})
    else:
        table()


@main.command()
@db_option
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("-j", "--jobs", type=int, default=1, show_default=True, help="Parse in this many processes.")
@click.option("--keep-duplicates", is_flag=True,
              help="Also store a report already in the library from another file (another encoding or format).")
@click.option("--from-library", "from_library", metavar="LIBRARY",
              help="Also add every document of another library (a file or a postgresql:// URL), parsed again "
              "from its kept raw bytes: to move a file library to a team's server.")
@ocr_option
def add(db: str, paths: tuple[str, ...], jobs: int, keep_duplicates: bool, from_library: str | None,
        ocr: str) -> None:
    """Ingest report files and folders into the library (created if missing).

    The raw bytes of every file are kept, so nothing is lost and a newer
    duizhang can re-parse them (duizhang reparse). Files already stored (same
    bytes) are skipped. A file holding a report that is already stored from
    another file (the same text as GB18030 and UTF-8, or as .docx and PDF) is
    not added either, and the summary names the stored document it repeats;
    --keep-duplicates stores both (the 对账单 then counts the report twice).
    Each document is written whole or not at all, so an interrupted run
    leaves a valid library. Several add runs may write into one library at
    once; into a PostgreSQL library, from several machines.

    \b
    duizhang add reports/ --jobs 2
    duizhang add --db postgresql://me@server/duizhang --from-library duizhang.db
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    if not paths and not from_library:
        raise click.UsageError("give report files or folders to add (or --from-library LIBRARY)")
    files = [p for p in iter_paths(paths)]
    source = None
    if from_library:
        from .library import Library

        try:
            source = Library(from_library, read_only=True)
        except DuizhangError as e:
            raise click.ClickException(str(e)) from e
    with _library(db, must_exist=False) as lib, Progress(
        TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        TextColumn("{task.description}"), console=err, transient=not err.is_terminal, disable=not err.is_terminal,
    ) as bar:
        task = bar.add_task("", total=len(files) + (source.count_documents() if source else 0))

        def step(name: str, outcome: str) -> None:
            bar.update(task, advance=1, description=f"{outcome}: {Path(name).name}")

        try:
            if source is not None and source.store.path == lib.store.path:
                raise click.ClickException(f"{source.path}: --from-library names this library")
            from .ingest import stored_documents

            documents = stored_documents(source.store) if source is not None else ()
            summary = lib.add(files, jobs=jobs, progress=step, keep_duplicates=keep_duplicates, ocr=ocr,
                              documents=documents)
        except KeyboardInterrupt:
            err.print("[yellow]interrupted: the documents stored so far are complete; run again to go on[/]")
            sys.exit(130)
        if summary.regions:
            # The stored 对账单 (table recon_rows) of the regions that got reports.
            with err.status(f"updating the 对账单 of {len(summary.regions)} region(s)"):
                lib.refresh_recon(summary.regions, jobs=jobs)
    if source is not None:
        source.close()
    for _source, message in summary.repeats:
        err.print(f"[yellow]repeat:[/] {_plain(message)}", soft_wrap=True)
    for message in summary.warnings:
        err.print(f"[yellow]warning:[/] {_plain(message)}", soft_wrap=True)
    for _source, message in summary.failed:
        err.print(f"[red]error:[/] {_plain(message)}", soft_wrap=True)
    if summary.stopped:
        err.print(f"[red]stopped:[/] {_plain(summary.stopped)}", soft_wrap=True)
    repeats = f"{len(summary.repeats)} repeated a stored report, " if summary.repeats else ""
    err.print(
        f"{len(summary.added)} added, {len(summary.skipped)} skipped (already stored), {repeats}"
        f"{len(summary.failed)} failed → {lib.path}"
    )
    if summary.stopped or (summary.failed and not summary.added and not summary.skipped and not summary.repeats):
        sys.exit(1)


@main.command()
@db_option
def reparse(db: str) -> None:
    """Parse every stored document again from its kept raw bytes (after upgrading duizhang)."""
    with _library(db) as lib:
        summary = lib.reparse()
        with err.status("updating the 对账单 of every region"):
            lib.refresh_recon()
    for _, message in summary.failed:
        err.print(f"[red]error:[/] {_plain(message)}", soft_wrap=True)
    err.print(f"{len(summary.added)} reparsed, {len(summary.failed)} failed")


@main.command(name="list")
@db_option
@click.option("--region", help="Region name, part of a name, or GB/T 2260 code.")
@click.option("--level", type=click.Choice(["national", "province", "city", "district", "county"]))
@click.option("--year", type=int, help="Documents that review or plan this year.")
@click.option("--doctype", type=click.Choice(["gwr", "plan", "other"]))
@output_options
@click.option("--limit", type=click.IntRange(min=0), default=TABLE_ROWS, show_default=True,
              help="Rows of the table view (0 = all); csv and jsonl always give every document.")
def list_(db: str, region: str | None, level: str | None, year: int | None, doctype: str | None, fmt: str,
          limit: int) -> None:
    """List the documents in the library, with their years and counts of figures and targets."""
    from rich.table import Table

    from .library import DOCUMENT_COLUMNS

    with _library(db) as lib:
        # The table shows a page: a national library has thousands of documents.
        page = limit if fmt == "table" and limit else None
        records = lib.document_records(region=region, level=level, year=year, doctype=doctype, limit=page)
        total = lib.count_documents(region, level, year, doctype) if page else len(records)

    def table() -> None:
        count = f"the first {len(records)} of {total} documents" if total > len(records) else f"{total} documents"
        out = _out()
        # What fits the terminal: the columns to tell documents apart first; the rest in --format.
        cols = ("id", "name", "region", "region_code", "level", "doctype", "delivered_date", "review_years",
                "plan_years", "n_mentions", "n_targets") if out.width >= WIDE_TABLE else \
            ("id", "name", "region", "delivered_date", "n_mentions", "n_targets")
        notes = ["--limit 0 or --format csv for all"] if total > len(records) else []
        if out.width < WIDE_TABLE:
            notes.append("narrow terminal: --format csv for codes, levels and years")
        t = Table(title=f"{count} in {lib.path}", caption="; ".join(notes) or None)
        for col in cols:
            t.add_column(col, overflow="fold", no_wrap=col in ("id", "delivered_date", "n_mentions", "n_targets"))
        for rec in records:
            cells = {**rec, "review_years": ",".join(map(str, rec["review_years"])),
                     "plan_years": ",".join(map(str, rec["plan_years"]))}
            t.add_row(*(_cell(cells[c]) for c in cols))
        out.print(t)

    _emit(fmt, records, DOCUMENT_COLUMNS, table)


STATUS_STYLE = {"achieved": "green", "missed": "red", "not_reported": "yellow", "no_target": "cyan", "unclear": "magenta"}


@main.command(name="reconcile")
@db_option
@click.option("--region", help="Region name, part of a name, or code (default: every region).")
@click.option("--year", type=int, help="Target year (default: every year with a target and an outcome document).")
@output_options
def reconcile_(db: str, region: str | None, year: int | None, fmt: str) -> None:
    """The 对账单: each target of a year beside the outcome reported for it.

    \b
    Targets of year Y come from documents whose plan years include Y (the
    report delivered early in Y, the plan for Y); outcomes from documents whose
    review years include Y. Status:
      achieved      the outcome reaches the target (stays under a ceiling)
      missed        it does not
      not_reported  no outcome found for the target
      no_target     a core indicator reported without a target
      unclear       target without a number, a loose match, or work under way
    """

    from .library import RECON_COLUMNS, flatten_row

    with _library(db) as lib:
        rows = lib.reconcile_rows(region, year)
    if not rows:
        err.print("no target/outcome pair of documents found" + (f" for {region}" if region else ""))
    _emit(fmt, [flatten_row(r) for r in rows], RECON_COLUMNS, lambda: _recon_tables(rows),
          jsonl=[r.to_dict() for r in rows])


def _recon_tables(rows: list[ReconRow]) -> None:
    """The 对账单 as one table per region and year, with the counts of each status."""
    from rich.table import Table

    from .reconcile import STATUSES

    groups: dict[tuple[str | None, int], list[ReconRow]] = {}
    for r in rows:
        groups.setdefault((r.region, r.year), []).append(r)
    out = _out()
    # On a narrow terminal the table keeps what fits on a line per row: the file
    # positions and the reasons are in --format csv/jsonl (a source cell took 6 lines
    # at 80 columns).
    cols = [c for c in ("metric", "target", "outcome", "status", "ratio", "why", "source")
            if out.width >= WIDE_TABLE or c not in ("why", "source")]
    for (reg, y), rs in groups.items():
        t = Table(title=f"对账单 {reg} {y}",
                  caption=None if "source" in cols else "narrow terminal: --format csv for the sources and reasons")
        for col in cols:
            t.add_column(col, overflow="fold", no_wrap=col in ("status", "ratio"))
        for r in rs:
            style = STATUS_STYLE.get(r.status, "")
            src = " / ".join(f"{s.doc}:{s.start}" for s in (r.target, r.outcome) if s)
            cells = {
                "metric": escape(r.metric or "") + (f" [dim]({r.metric_id})[/]" if r.metric_id else ""),
                "target": escape(r.target.text) if r.target else "—",
                "outcome": escape(r.outcome.text) if r.outcome else "—",
                "status": f"[{style}]{r.status}[/]",
                "ratio": f"{r.ratio:.2f}" if r.ratio is not None else "",
                # The reason for anything but a plain match of the same indicator.
                "why": "" if r.status in ("achieved", "missed") and (r.confidence or 0) >= 1 else escape(r.reason or ""),
                "source": escape(src),
            }
            t.add_row(*(cells[c] for c in cols))
        out.print(t)
        counts = {s: sum(1 for r in rs if r.status == s) for s in STATUSES}
        out.print("  " + ", ".join(f"{k} {v}" for k, v in counts.items() if v))


@main.command()
@db_option
@click.argument("query")
@click.option("--region", help="Only documents of this region.")
@click.option("--year", type=int, help="Only documents that review or plan this year.")
@click.option("--limit", type=int, default=50, show_default=True)
@output_options
def search(db: str, query: str, region: str | None, year: int | None, limit: int, fmt: str) -> None:
    """Full-text search: sentences containing QUERY (any Chinese substring, e.g. 老旧小区改造)."""
    with _library(db) as lib:
        df = lib.search(query, region=region, year=year, limit=limit)
    records = _records(df)
    _emit(fmt, records, list(df.columns), lambda: _hits(query, records))
    total = int(df.attrs.get("total", len(df)))
    err.print(f"{len(df)} of {total} sentences (--limit shows more)" if total > len(df) else f"{total} sentences")


def _hits(query: str, records: list[dict[str, Any]]) -> None:
    """Search hits, each sentence with the query's parts marked."""
    out = _out()
    for rec in records:
        sent = escape(rec["sentence"])
        for part in query.split():
            sent = sent.replace(escape(part), f"[bold reverse]{escape(part)}[/]")
        out.print(f"[cyan]{rec['doc']}[/]:{rec['start']} [dim]{rec['region'] or ''} · {rec['section'] or ''}[/]")
        out.print(f"  {sent}")


@main.command()
@db_option
@click.option("--metric", required=True, help="Core id (gdp, budget_revenue, new_jobs, …) or a phrase (老旧小区).")
@click.option("--kind", type=click.Choice(["growth", "change", "share", "level", "rank"]),
              help="Default: the kind its targets use most.")
@click.option("--regions", help="Comma-separated regions (names, parts of names or codes).")
@output_options
def compare(db: str, metric: str, kind: str | None, regions: str | None, fmt: str) -> None:
    """One metric across regions and years: targets beside outcomes."""

    with _library(db) as lib:
        df = lib.compare(metric, kind=kind, regions_=regions.split(",") if regions else None)
    if df.empty:
        raise click.ClickException(f"no targets or outcomes of {metric!r} in {lib.path}")
    records = _records(df)

    def table() -> None:
        _compare_table(metric, kind, records)

    _emit(fmt, records, list(df.columns), table)


def _compare_table(metric: str, kind: str | None, records: list[dict[str, Any]]) -> None:
    from rich.table import Table

    t = Table(title=f"{metric} ({kind or 'most common kind'})")
    for col in ("region", "year", "unit", "target", "outcome", "status", "source"):
        t.add_column(col, overflow="fold")
    for rec in records:
        src = " / ".join(f"{_cell(rec[f'{s}_doc'])}:{_cell(rec[f'{s}_start'])}" for s in ("target", "outcome")
                         if _cell(rec[f"{s}_doc"]))
        status = _cell(rec["status"])
        t.add_row(escape(_cell(rec["region"]) or rec["region_code"]), _cell(rec["year"]), escape(_cell(rec["unit"])),
                  escape(_cell(rec["target_text"])) or "—", escape(_cell(rec["outcome_text"])) or "—",
                  f"[{STATUS_STYLE.get(status, '')}]{status}[/]" if status else "", escape(src))
    _out().print(t)


@main.command()
@db_option
@click.option("--what", type=click.Choice(list(WHAT)), required=True, help="Which table to export.")
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), help="Default: from the file suffix.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="File to write.")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="Column headers in English or Chinese (CSV and XLSX).")
def export(db: str, what: str, fmt: str | None, output: str, lang: str) -> None:
    """Export mentions, targets, the 对账单 or the document list.

    \b
    csv      UTF-8 with BOM: opens in Excel and WPS without mojibake
    xlsx     Excel workbook; --lang zh gives Chinese headers
    dta      Stata 14+ (format 118, UTF-8)
    parquet  for pandas, R arrow, DuckDB
    jsonl    one JSON object per row (the 对账单 in the shape of gold/recon.jsonl)

    --what datasette-metadata writes the metadata.json for publishing the library
    with Datasette: datasette LIBRARY.db -m metadata.json
    """
    from .export import frame as export_frame
    from .export import write as export_write

    if what == "datasette-metadata":
        from .datasette import metadata

        if is_url(db):
            raise click.ClickException(f"{shown(db)}: Datasette publishes SQLite libraries; export one with "
                                       "duizhang add --db FILE.db, or point Datasette at a copy")
        with _library(db):  # a library, brought up to date (its views are what is described)
            pass
        try:
            Path(output).write_text(json.dumps(metadata(db), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        except OSError as e:
            raise click.ClickException(f"cannot write {output}: {e.strerror or e}") from e
        err.print(f"Datasette metadata → {_plain(str(output))}  (datasette {_plain(db)} -m {_plain(str(output))})")
        return
    with _library(db) as lib:
        df = export_frame(lib, what)
        records = [r.to_dict() for r in lib.reconcile_rows()] if what == "reconciliation" else None
        used = export_write(df, output, fmt, lang=lang, records=records)
    err.print(f"{len(df)} rows of {what} → {_plain(str(output))} ({used})")


@main.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; the default is this machine only.")
@click.option("--port", type=int, default=8000, show_default=True)
@click.option("--read-only", is_flag=True,
              help="Open the library read-only and disable uploads (for a public deployment); it is never changed.")
@click.option("--max-upload-mb", type=int, default=50, show_default=True, help="Largest upload accepted.")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="NAME",
              help="Another host name the explorer may be reached by (a reverse proxy's); repeatable. "
              "Requests naming any other host are refused.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Server processes; one per core serves a team's concurrent users faster.")
def serve(db: str, host: str, port: int, read_only: bool, max_upload_mb: int, allow_hosts: tuple[str, ...],
          workers: int) -> None:
    """Open the web explorer: library, documents with highlighted figures, 对账单, compare, search.

    JSON API under /api/ (documents, reconcile, compare, search, upload);
    interactive API docs at /docs. Works offline: charts are served locally.

    Only this machine can reach it by default. Any web page you open could
    otherwise talk to it, so it answers only requests for its own host names
    (localhost, 127.0.0.1, --host, --allow-host) and takes uploads only from its
    own pages. With --host 0.0.0.0 (every interface) and no --allow-host it
    answers any host name.
    """
    import uvicorn

    from .web.app import create_app

    if not is_url(db) and not Path(db).exists() and not read_only:
        err.print(f"[yellow]note:[/] {db} does not exist yet; it is created empty (add reports by upload or duizhang add)")
    try:
        app = create_app(db, read_only=read_only, max_upload=max_upload_mb * 1024 * 1024, host=host,
                         allow_hosts=allow_hosts)
    except DuizhangError as e:
        raise click.ClickException(str(e)) from e
    err.print(f"duizhang explorer on http://{host}:{port}/  (library {shown(db)}{', read-only' if read_only else ''}"
              f"{f', {workers} processes' if workers > 1 else ''})")
    if workers == 1:
        uvicorn.run(app, host=host, port=port, log_level="warning")
        return
    import json
    import os

    from .web.app import SERVE_ENV

    os.environ[SERVE_ENV] = json.dumps({"db": str(Path(db).resolve()) if db != ":memory:" and not is_url(db) else db,
                                        "read_only": read_only, "max_upload": max_upload_mb * 1024 * 1024,
                                        "host": host, "allow_hosts": list(allow_hosts)})
    uvicorn.run("duizhang.web.app:app_from_environment", factory=True, workers=workers, host=host, port=port,
                log_level="warning")


if __name__ == "__main__":  # pragma: no cover
    main()
