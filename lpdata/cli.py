"""`lp`: the command line. Thin: it parses arguments and calls the rooms of `lpdata`.

Errors print one clear line each (file, row, column, what was expected) on stderr and exit 1;
an internal error exits 3 (set LP_DEBUG=1 for the traceback).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import os
import sys
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, ParamSpec

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from typer.exceptions import TyperException

from .errors import LpdataError

if TYPE_CHECKING:
    from collections.abc import Mapping

    import polars as pl

P = ParamSpec("P")
app = typer.Typer(
    name="lp", no_args_is_help=True, add_completion=False,
    help="lp-workbench: Student Learning Portfolio (學生學習歷程檔案) exports -> DuckDB -> reports.",
    context_settings={"help_option_names": ["-h", "--help"]},
)
# Piped output keeps a wide table rather than folding every cell into a narrow column.
out = Console(width=None if sys.stdout.isatty() else 240)
err = Console(stderr=True)
MAX_CELL = 40

DB_HELP = "The DuckDB file (default: $LP_DB, else data/lp.duckdb)."
DEFAULT_ALIASES = Path("parameters/header_aliases.yaml")
DEFAULT_VALUE_ALIASES = Path("parameters/value_aliases.yaml")


def _db(db: Path | None) -> Path:
    return db or Path(os.environ.get("LP_DB", "data/lp.duckdb"))


def _fail(exc: Exception) -> NoReturn:
    """One line on stderr: an lp error's own (exit 1), else the type and text of an internal one (exit 3)."""
    if isinstance(exc, LpdataError):
        for line in str(exc).splitlines():
            err.print(f"[bold red]error[/] {line}" if not line.startswith("  ") else line,
                      highlight=False, markup=True, soft_wrap=True)
        raise typer.Exit(1)
    if os.environ.get("LP_DEBUG"):
        raise exc
    err.print(f"[bold red]internal error[/] {type(exc).__name__}: {exc} (LP_DEBUG=1 shows the traceback)",
              highlight=False, soft_wrap=True)
    raise typer.Exit(3)


def one_line_errors(command: Callable[P, None]) -> Callable[P, None]:
    """A command whose every error is one line (`_fail`); typer's own exits and usage errors pass."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            command(*args, **kwargs)
        except (typer.Exit, typer.Abort, TyperException):
            raise
        except Exception as exc:
            _fail(exc)

    return run


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


class Labels(str, Enum):
    en = "en"
    zh = "zh"


@app.command()
@one_line_errors
def ingest(
    folder: Path = typer.Argument(..., help="An export folder (or one file)."),
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
    exported_at: str | None = typer.Option(
        None, "--exported-at", help="When the files were exported (default: the newest time in them)."),
    key_file: Path | None = typer.Option(
        None, "--key-file", help="The ID-hash key (default: $LP_KEY_FILE, else ~/.config/lp-workbench/id-hash.key)."),
    aliases: Path | None = typer.Option(
        None, "--aliases", help="Header alias YAML (default: parameters/header_aliases.yaml if present)."),
    value_aliases: Path | None = typer.Option(
        None, "--value-aliases", help="Value alias YAML (default: parameters/value_aliases.yaml if present)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Load an export folder into the database: all of it or nothing."""
    from .ingest import ingest as run_ingest
    from .ingest import parse_exported_at

    when = parse_exported_at(exported_at) if exported_at else None
    alias_file = aliases or (DEFAULT_ALIASES if DEFAULT_ALIASES.exists() else None)
    value_file = value_aliases or (DEFAULT_VALUE_ALIASES if DEFAULT_VALUE_ALIASES.exists() else None)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, disable=quiet or not err.is_terminal,
                  transient=True) as bar:
        task = bar.add_task("reading", total=None)

        def progress(path: Path, i: int, total: int) -> None:
            bar.update(task, total=total, completed=i, description=f"reading {path.name}")

        result = run_ingest(folder, db=_db(db), exported_at=when, key_file=key_file,
                            aliases_file=alias_file, value_aliases_file=value_file, progress=progress)
    table = Table(title=f"ingest #{result.ingest_id} into {result.db}", title_justify="left")
    for col in ("kind", "status", "files", "rows read", "loaded", "quarantined", "exported at", "terms/batches"):
        table.add_column(col, justify="right" if col in ("rows read", "loaded", "quarantined") else "left")
    for k in result.kinds:
        table.add_row(k.kind, k.status, ", ".join(k.files), f"{k.rows_read:,}", f"{k.rows_loaded:,}",
                      f"{k.rows_quarantined:,}", str(k.exported_at or ""), ", ".join(k.partitions[:6])
                      + (" …" if len(k.partitions) > 6 else ""))
    out.print(table)
    if result.ignored_files:
        out.print(f"ignored (not export files): {', '.join(result.ignored_files)}")
    for file, kind, rows in result.all_quarantined:
        out.print(f"warning: {file} ({kind}): all {rows:,} rows quarantined, nothing of it loaded; it replaces "
                  "nothing (see `lp query data_quality`)", markup=False)
    if result.notices:
        out.print(f"{result.notices:,} loaded cells to check at the source (造字 or ? in a name; see "
                  "`lp query data_quality`).", markup=False)
    out.print(f"{result.rows_loaded:,} rows loaded, {result.rows_quarantined:,} quarantined "
              f"(see `lp query data_quality`).")


@app.command()
@one_line_errors
def status(db: Path | None = typer.Option(None, "--db", help=DB_HELP)) -> None:
    """What is loaded: per kind and term, the current snapshot and the quarantine count."""
    from .status import status_frame

    frame, summary = status_frame(_db(db))
    _print_frame(frame, Format.table, title=f"{_db(db)}", limit=None)
    out.print(summary, markup=False)


@app.command()
@one_line_errors
def query(
    view: str = typer.Argument(..., help="A view of metrics.md, a kind (its current rows) or a base table."),
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
    as_of: str | None = typer.Option(None, "--as-of", help="YYYY-MM-DD (default: newest export loaded)."),
    fmt: Format = typer.Option(Format.table, "--format", help="table, csv (UTF-8, header row) or json."),
    labels: Labels = typer.Option(Labels.en, "--labels", help="Column labels: en or zh (table format)."),
    limit: int | None = typer.Option(None, "--limit", help="At most this many rows (table: 50 by default)."),
) -> None:
    """Print a view."""
    from .dates import parse_as_of
    from .labels import zh_labels
    from .views import check_view_name, connect

    name = check_view_name(view)
    con = connect(_db(db), as_of=parse_as_of(as_of, what="--as-of"), views=[name])
    try:
        frame = con.sql(f'SELECT * FROM "{name}"').pl()  # name is from the allow-list above
    finally:
        con.close()
    if labels is Labels.zh:
        frame = frame.rename(zh_labels(name, frame.columns))
    if fmt is Format.table:
        _print_frame(frame, fmt, title=name, limit=limit if limit is not None else 50)
    else:
        if limit is not None:
            frame = frame.head(limit)
        _print_frame(frame, fmt, title=name, limit=None)


@app.command()
@one_line_errors
def purge(
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
    as_of: str | None = typer.Option(
        None, "--as-of", help="YYYY-MM-DD (default: newest export loaded; --apply refuses a date after today)."),
    apply: bool = typer.Option(False, "--apply", help="Delete the rows (without it: a dry run that only counts)."),
) -> None:
    """Graduates past the sealing period (R-RETENTION): count their rows, or delete them with --apply."""
    from .dates import parse_as_of
    from .purge import apply_purge, plan_purge

    day = parse_as_of(as_of, what="--as-of")
    if not apply:
        plan = plan_purge(_db(db), as_of=day)
        _print_counts(f"purge plan as of {plan.as_of} (dry run: nothing deleted)", plan.rows, "rows to delete")
        out.print(f"{_n(len(plan.students), 'graduate')} due for deletion ({plan.sealed:,} still sealed), "
                  f"{_n(plan.total_rows, 'row')}. Run again with --apply to delete them.")
        return
    result = apply_purge(_db(db), as_of=day)
    _print_counts(f"purge #{result.purge_id} as of {result.as_of} by {result.run_by}@{result.host}",
                  result.rows_deleted, "rows deleted")
    out.print(f"deleted {_n(result.total_rows, 'row')} of {_n(result.students, 'graduate')}; recorded in purge_runs "
              f"(`lp query purge_runs`) and {result.log}.")
    if result.total_rows and not result.file_rewritten:
        err.print("[bold yellow]warning[/] the rows are deleted, but the database file could not be rewritten: "
                  "their bytes may remain in its free space until it is.", highlight=False, soft_wrap=True)


@app.command("backup")
@one_line_errors
def backup_db(
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
    to: Path = typer.Option(..., "--to", help="Where backups go: each one is a new folder in it."),
) -> None:
    """Copy the database, under its lock, to checksummed Parquet files and a backup.json manifest."""
    from .backup import backup

    result = backup(_db(db), to)
    out.print(f"backup of {result.db} written to {result.path}: {_n(len(result.tables), 'table')}, "
              f"{_n(result.total_rows, 'row')}, {result.bytes:,} bytes, SHA-256 of every file in backup.json. "
              "It holds personal data: keep it as private as the database.",
              highlight=False, markup=False, soft_wrap=True)


@app.command("restore")
@one_line_errors
def restore_db(
    backup_dir: Path = typer.Argument(..., help="A backup folder written by `lp backup`."),
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
    force: bool = typer.Option(False, "--force", help="Replace the database if there is one."),
) -> None:
    """Bring a backup back as the database: checksums first, then one atomic swap."""
    from .backup import restore

    result = restore(backup_dir, _db(db), force=force)
    out.print(f"restored {result.db} from {result.backup} (taken {result.created_at:%Y-%m-%d %H:%M:%S}): "
              f"{_n(len(result.tables), 'table')}, {_n(result.total_rows, 'row')}, every checksum verified.",
              highlight=False, markup=False, soft_wrap=True)
    for note in result.notes:
        err.print(f"warning: {note}", highlight=False, markup=False, soft_wrap=True)
    if result.purge_needed:
        err.print(f"warning: {result.purge_needed}", highlight=False, markup=False, soft_wrap=True)


def _n(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _print_counts(title: str, counts: Mapping[str, int], label: str) -> None:
    out.print(title, highlight=False)
    table = Table()
    table.add_column("table")
    table.add_column(label, justify="right")
    for name, n in counts.items():
        table.add_row(name, f"{n:,}")
    out.print(table)


@app.command()
@one_line_errors
def demo(
    out_dir: Path = typer.Option(Path("demo-exports"), "--out", help="Where to write the export folder."),
    students: int = typer.Option(1000, "--students", min=30, help="About how many students."),
    seed: int = typer.Option(0, "--seed", help="The same seed gives the same files."),
    ingest_into: Path | None = typer.Option(
        None, "--ingest-into", help="Also ingest the folder into this database, dated as the demo's export."),
    key_file: Path | None = typer.Option(None, "--key-file", help="The ID-hash key, for --ingest-into."),
) -> None:
    """Write the export folder of a plausible demo school (and optionally ingest it)."""
    from .demo import generate

    summary = generate(out_dir, students=students, seed=seed)
    out.print(f"wrote {len(summary.files)} files for {summary.students:,} students to {summary.out} "
              f"(as of {summary.as_of}).")
    exported = f"{summary.exported_at:%Y-%m-%d %H:%M}"
    if ingest_into is None:
        out.print(f"next: lp ingest {summary.out} --exported-at '{exported}'")
        return
    ingest(summary.out, db=ingest_into, exported_at=exported, key_file=key_file, aliases=None, value_aliases=None,
           quiet=False)


@app.command("run")
@one_line_errors
def run_reports(
    plan: Path | None = typer.Argument(
        None, help="A plan or a parameter-set YAML (default: parameters/plans/weekly.yaml)."),
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
    as_of: str | None = typer.Option(None, "--as-of", help="YYYY-MM-DD (default: newest export loaded)."),
    jobs: int | None = typer.Option(None, "--jobs", "-j", min=1, help="At most N reports at once (default: cores)."),
    force: bool = typer.Option(False, "--force", help="Run every report, even those whose inputs are unchanged."),
    dry_run: bool = typer.Option(False, "--dry-run", help="List the reports and whether each would run; run nothing."),
    out_dir: Path = typer.Option(Path("reports"), "--out", help="The reports folder."),
    fresh_kernels: bool = typer.Option(
        False, "--fresh-kernels", help="A new kernel per report (slower; default: one warm kernel per worker)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Run a plan of report notebooks: reports/<as_of>/…, a manifest, a log and reports/index.html."""
    from rich.markup import escape

    from .report.manifest import ManifestEntry
    from .report.plan import default_plan, load_plan
    from .report.runner import RunCounts
    from .report.runner import run as run_plan

    the_plan = load_plan(plan or default_plan())
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, disable=quiet or dry_run or not err.is_terminal,
                  transient=True) as bar:
        task = bar.add_task("reports", total=None)
        running: dict[str, str] = {}

        def progress(event: str, job: object, info: RunCounts | ManifestEntry | None) -> None:
            key, label = getattr(job, "key", ""), getattr(job, "label", "")
            if isinstance(info, RunCounts):  # "begin"
                bar.update(task, total=info.total)
                return
            if event == "start":
                running[key] = label
            else:
                running.pop(key, None)
                bar.advance(task)
            shown = ", ".join(list(running.values())[:2]) + (" …" if len(running) > 2 else "")
            bar.update(task, description=escape(shown) or "reports")  # class names are data, not markup

        result = run_plan(the_plan, db=_db(db), as_of=as_of, out=out_dir, jobs=jobs, force=force,
                          dry_run=dry_run, fresh_kernels=fresh_kernels, progress=progress)
    for note in result.notes:
        err.print(f"[bold yellow]warning[/] {escape(note)}", highlight=False, soft_wrap=True)
    if dry_run:
        table = Table(title=escape(f"plan {the_plan.path} as of {result.as_of} (dry run: nothing runs)"),
                      title_justify="left")
        for col in ("report", "action", "why", "files"):
            table.add_column(col)
        for d in result.decisions:
            table.add_row(escape(d.job.label), d.action, d.reason,
                          escape(f"{result.run_dir}/{d.job.notebook}/{d.job.slug}.html"))
        out.print(table)
        to_run = sum(d.action == "run" for d in result.decisions)
        out.print(f"{_n(to_run, 'report')} would run, {len(result.decisions) - to_run} would be skipped.")
        return
    if result.failed:
        table = Table(title="failed reports", title_justify="left")
        for col in ("report", "cell", "error"):
            table.add_column(col)
        for e in result.failed:
            cell, error = e.failing_cell, e.error
            where = f"{cell.number}" + (f" (In [{cell.execution_count}])" if cell.execution_count else "") \
                if cell else ""
            table.add_row(escape(e.label), escape(where),
                          escape(f"{error.name}: {error.message}" if error else ": "))
        out.print(table)
    out.print(f"{_n(len(result.entries), 'report')}: {len(result.ok)} ok, {len(result.failed)} failed, "
              f"{len(result.skipped)} unchanged (skipped) in {result.duration_s:.1f} s. "
              f"Index: {result.index}; log: {result.log_file}", highlight=False, soft_wrap=True, markup=False)
    if result.failed:
        err.print(f"[bold red]error[/] {_n(len(result.failed), 'report')} failed; see {escape(str(result.index))}",
                  highlight=False, soft_wrap=True)
        raise typer.Exit(1)


def _print_frame(frame: pl.DataFrame, fmt: Format, *, title: str, limit: int | None) -> None:
    if fmt is Format.csv:
        # CSV has no lists: a list cell (staff roles) is written as its items joined by commas, as
        # the export that carried it spelled it.
        import polars as pl

        lists = [n for n, t in zip(frame.columns, frame.dtypes) if isinstance(t, pl.List)]
        if lists:
            frame = frame.with_columns(pl.col(n).cast(pl.List(pl.String)).list.join(",") for n in lists)
        buf = io.StringIO()
        frame.write_csv(buf, datetime_format="%Y-%m-%d %H:%M:%S", date_format="%Y-%m-%d")
        sys.stdout.write(buf.getvalue())
        return
    if fmt is Format.json:
        sys.stdout.write(frame.write_json() + "\n")
        return
    shown = frame if limit is None else frame.head(limit)
    table = Table(title=f"{title} ({frame.height:,} rows)", title_justify="left", show_lines=False)
    for name, dtype in zip(shown.columns, shown.dtypes):
        table.add_column(name, justify="right" if dtype.is_numeric() else "left", overflow="ellipsis",
                         no_wrap=True)
    # A terminal table is read by a person: rates as percentages, yes/no as ✓/✗, hashes shortened
    # (csv and json keep every value exactly as the view gives it).
    kinds = [("rate" if name.endswith("_rate") or name.endswith("比率") or name.endswith("率") else
              "hash" if "hash" in name or "雜湊" in name else "") for name in shown.columns]
    for row in shown.iter_rows():
        table.add_row(*[_cell(v, k) for v, k in zip(row, kinds)])
    out.print(table)
    if limit is not None and frame.height > limit:
        out.print(f"… {frame.height - limit:,} more rows (use --limit N, or --format csv)")


def _cell(value: object, kind: str = "") -> str:
    if value is None:
        return "[dim]∅[/]"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if kind == "rate" and isinstance(value, (int, float)):
        return f"{value:.1%}"
    if kind == "hash" and isinstance(value, str) and len(value) > 12:
        return value[:10] + "…"
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".") if not value.is_integer() else f"{value:,.0f}"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M") if value.second == 0 else value.isoformat(sep=" ")
    if isinstance(value, list):
        return ", ".join(map(str, value))
    text = str(value)
    if len(text) > MAX_CELL:
        text = text[: MAX_CELL - 1] + "…"
    return text.replace("[", "\\[")


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
