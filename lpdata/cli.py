"""`lp`: the command line. Thin: it parses arguments and calls the rooms of `lpdata`.

Errors print one clear line each (file, row, column, what was expected) on stderr and exit 1;
an internal error exits 3 (set LP_DEBUG=1 for the traceback).

Every word it prints comes from `lpdata.messages`: Traditional Chinese under a zh-TW locale (or
`LP_LANG=zh-TW`), English otherwise. The language is read once, when the module is imported: the help
texts are fixed then.
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
from typer.core import TyperCommand, TyperGroup, TyperOption
from typer.exceptions import TyperException

from .errors import LpdataError
from .messages import Messages, messages

if TYPE_CHECKING:
    from collections.abc import Mapping

    import polars as pl
    from typer import _click

P = ParamSpec("P")
M: Messages = messages()


def _zh_help_frame() -> None:
    """typer's own words of a help page or a usage error (Arguments, Options, …) in Chinese: typer
    keeps them in module constants, read when it prints. ("Usage:" and the help option's text are
    set by `_Words`.)"""
    import typer.rich_utils as ru

    ru.ARGUMENTS_PANEL_TITLE, ru.OPTIONS_PANEL_TITLE, ru.COMMANDS_PANEL_TITLE = "參數", "選項", "子指令"
    ru.ERRORS_PANEL_TITLE, ru.ABORTED_TEXT = "錯誤", "已中止。"
    ru.DEFAULT_STRING, ru.REQUIRED_LONG_STRING = "[預設：{}]", "[必填]"
    ru.RICH_HELP = "用 [blue]'{command_path} {help_option}'[/] 看說明。"


class _Words:
    """A command's usage line and help option in the CLI's language."""

    def get_usage(self, ctx: _click.Context) -> str:
        text: str = super().get_usage(ctx)  # type: ignore[misc]
        if not M.zh:
            return text
        words = (("Usage: ", "用法："), (" [OPTIONS]", " [選項]"), (" COMMAND [ARGS]...", " 子指令 [參數]..."))
        for english, zh in words:
            text = text.replace(english, zh, 1)
        return text

    def get_help_option(self, ctx: _click.Context) -> TyperOption | None:
        option: TyperOption | None = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None and M.zh:
            option.help = "顯示這段說明後結束。"
        return option


class _Command(_Words, TyperCommand):
    pass


class _Group(_Words, TyperGroup):
    pass


if M.zh:
    _zh_help_frame()
app = typer.Typer(
    name="lp", no_args_is_help=True, add_completion=False, cls=_Group,
    help=M("app.help"),
    context_settings={"help_option_names": ["-h", "--help"]},
)
# Piped output keeps a wide table rather than folding every cell into a narrow column.
out = Console(width=None if sys.stdout.isatty() else 240)
err = Console(stderr=True)
MAX_CELL = 40

DB_HELP = M("opt.db")
DEFAULT_ALIASES = Path("parameters/header_aliases.yaml")
DEFAULT_VALUE_ALIASES = Path("parameters/value_aliases.yaml")


def _arg(zh: str) -> str | None:
    """An argument's name in the help under zh-TW (typer's own, the parameter's name, in English)."""
    return zh if M.zh else None


def _db(db: Path | None) -> Path:
    return db or Path(os.environ.get("LP_DB", "data/lp.duckdb"))


def _fail(exc: Exception) -> NoReturn:
    """One line on stderr: an lp error's own (exit 1), else the type and text of an internal one (exit 3)."""
    from rich.markup import escape

    if isinstance(exc, LpdataError):
        for line in M.error_lines(exc):
            err.print(f"[bold red]{M('error')}[/] {escape(line)}" if not line.startswith("  ") else escape(line),
                      highlight=False, markup=True, soft_wrap=True)
        raise typer.Exit(1)
    if os.environ.get("LP_DEBUG"):
        raise exc
    err.print(f"[bold red]{M('internal_error_head')}[/] "
              + escape(M("internal_error", name=type(exc).__name__, text=str(exc))), highlight=False, soft_wrap=True)
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


class _QueryCommand(_Command):
    """`lp query`, whose help lists the views to query: read from `queries/` when the help is shown,
    not when every other command starts."""

    def format_help(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        self.help = _query_help()
        super().format_help(ctx, formatter)


def _query_help() -> str:
    from rich.markup import escape

    from .contract import ALL_KINDS
    from .messages import view_list
    from .views import BASE_TABLES, public_views

    width = max(len(k.name) for k in ALL_KINDS)
    kinds = [f"  {k.name.ljust(width)}  {k.label_zh if M.zh else k.label_en}" for k in ALL_KINDS]
    lines = [M("query.help"), "", M("query.views_title"), *(f"  {line}" for line in view_list(public_views(), zh=M.zh)),
             "", M("query.kinds_title"), *kinds, "", M("query.tables_title"), f"  {', '.join(BASE_TABLES)}"]
    return escape("\n".join(lines))


def _zh_frame(frame: pl.DataFrame, view: str) -> pl.DataFrame:
    """`frame` as `--labels zh` shows it: Chinese column labels, and codes (states, kinds, rule ids,
    booleans…) as their Chinese labels (`lpdata.labels`)."""
    import polars as pl

    from .labels import has_values, value_label, zh_labels

    def label(column: str) -> Callable[[object], str]:
        return lambda code: value_label(column, code, zh=True)

    if {"reason", "example_row", "example_row_number"} <= set(frame.columns):
        # data_quality's example is stored English (the loader's texts); its parts give the Chinese,
        # as the data-quality report writes it (one catalogue: report/dq_text).
        from .report.dq_text import encoding_label, example_zh

        frame = frame.with_columns(pl.Series("example_row", [example_zh(r) for r in frame.iter_rows(named=True)],
                                             dtype=pl.String))
        if "encoding" in frame.columns:
            frame = frame.with_columns(pl.col("encoding").map_elements(encoding_label, return_dtype=pl.String))

    coded = []
    for name, dtype in zip(frame.columns, frame.dtypes):
        if dtype == pl.Boolean or has_values(name):
            if isinstance(dtype, pl.List):
                coded.append(pl.col(name).list.eval(pl.element().map_elements(label(name), return_dtype=pl.String)))
            else:
                coded.append(pl.col(name).map_elements(label(name), return_dtype=pl.String))
    if coded:
        frame = frame.with_columns(coded)
    return frame.rename(zh_labels(view, frame.columns))


@app.command(cls=_Command, help=M("ingest.help"))
@one_line_errors
def ingest(
    folder: Path = typer.Argument(..., help=M("ingest.folder"), metavar=_arg("資料夾")),
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
    exported_at: str | None = typer.Option(
        None, "--exported-at", help=M("ingest.exported_at")),
    key_file: Path | None = typer.Option(
        None, "--key-file", help=M("ingest.key_file")),
    aliases: Path | None = typer.Option(
        None, "--aliases", help=M("ingest.aliases")),
    value_aliases: Path | None = typer.Option(
        None, "--value-aliases", help=M("ingest.value_aliases")),
    quiet: bool = typer.Option(False, "--quiet", "-q", help=M("opt.quiet")),
) -> None:
    """Load an export folder into the database: all of it or nothing (help: `ingest.help`)."""
    from .ingest import ingest as run_ingest
    from .ingest import parse_exported_at

    when = parse_exported_at(exported_at) if exported_at else None
    alias_file = aliases or (DEFAULT_ALIASES if DEFAULT_ALIASES.exists() else None)
    value_file = value_aliases or (DEFAULT_VALUE_ALIASES if DEFAULT_VALUE_ALIASES.exists() else None)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, disable=quiet or not err.is_terminal,
                  transient=True) as bar:
        task = bar.add_task(M("ingest.reading"), total=None)

        def progress(path: Path, i: int, total: int) -> None:
            bar.update(task, total=total, completed=i, description=M("ingest.reading_file", name=path.name))

        result = run_ingest(folder, db=_db(db), exported_at=when, key_file=key_file,
                            aliases_file=alias_file, value_aliases_file=value_file, progress=progress)
    table = Table(title=M("ingest.title", ingest_id=result.ingest_id, db=result.db), title_justify="left")
    for col in ("kind", "status", "files", "rows_read", "loaded", "quarantined", "exported_at", "partitions"):
        table.add_column(M(f"ingest.col.{col}"),
                         justify="right" if col in ("rows_read", "loaded", "quarantined") else "left")
    for k in result.kinds:
        table.add_row(M.value("kind", k.kind) if M.zh else k.kind, M(f"ingest.status.{k.status}"),
                      ", ".join(k.files), f"{k.rows_read:,}", f"{k.rows_loaded:,}",
                      f"{k.rows_quarantined:,}", str(k.exported_at or ""), ", ".join(k.partitions[:6])
                      + (" …" if len(k.partitions) > 6 else ""))
    out.print(table)
    if result.ignored_files:
        out.print(M("ingest.ignored", files=", ".join(result.ignored_files)), markup=False)
    for file, kind, rows in result.all_quarantined:
        out.print(M("ingest.all_quarantined", file=file, kind=M.value("kind", kind) if M.zh else kind,
                    rows=f"{rows:,}"), markup=False)
    if result.notices:
        out.print(M("ingest.notices", n=f"{result.notices:,}"), markup=False)
    out.print(M("ingest.done", loaded=f"{result.rows_loaded:,}", quarantined=f"{result.rows_quarantined:,}"),
              markup=False)


@app.command(cls=_Command, help=M("status.help"))
@one_line_errors
def status(db: Path | None = typer.Option(None, "--db", help=DB_HELP)) -> None:
    """What is loaded: per kind and term, the current snapshot and the quarantine count."""
    from .status import status_frame

    frame, summary = status_frame(_db(db))
    if M.zh:
        frame = _zh_frame(frame, "load_status")
    _print_frame(frame, Format.table, title=f"{_db(db)}", limit=None)
    out.print(M.text(summary), markup=False)


@app.command(cls=_QueryCommand, help=M("query.help"))
@one_line_errors
def query(
    view: str = typer.Argument(..., help=M("query.view"), metavar=_arg("檢視")),
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
    as_of: str | None = typer.Option(None, "--as-of", help=M("opt.as_of")),
    fmt: Format = typer.Option(Format.table, "--format", help=M("query.format")),
    labels: Labels = typer.Option(Labels.en, "--labels", help=M("query.labels")),
    limit: int | None = typer.Option(None, "--limit", help=M("query.limit")),
) -> None:
    """Print a view (help: `_query_help`, with the public views)."""
    from .dates import parse_as_of
    from .views import check_view_name, connect

    name = check_view_name(view)
    con = connect(_db(db), as_of=parse_as_of(as_of, what="--as-of"), views=[name])
    try:
        frame = con.sql(f'SELECT * FROM "{name}"').pl()  # name is from the allow-list above
    finally:
        con.close()
    if labels is Labels.zh:
        frame = _zh_frame(frame, name)
    if fmt is Format.table:
        _print_frame(frame, fmt, title=name, limit=limit if limit is not None else 50)
    else:
        if limit is not None:
            frame = frame.head(limit)
        _print_frame(frame, fmt, title=name, limit=None)


@app.command(cls=_Command, help=M("purge.help"))
@one_line_errors
def purge(
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
    as_of: str | None = typer.Option(
        None, "--as-of", help=M("purge.as_of")),
    apply: bool = typer.Option(False, "--apply", help=M("purge.apply")),
) -> None:
    """Graduates past the sealing period (R-RETENTION): count their rows, or delete them with --apply."""
    from .dates import parse_as_of
    from .purge import apply_purge, plan_purge

    day = parse_as_of(as_of, what="--as-of")
    if not apply:
        plan = plan_purge(_db(db), as_of=day)
        _print_counts(M("purge.plan_title", as_of=plan.as_of), plan.rows, M("purge.col.to_delete"))
        out.print(M("purge.plan_done", graduates=M.count(len(plan.students), "graduate"), sealed=f"{plan.sealed:,}",
                    rows=M.count(plan.total_rows, "row")))
        return
    result = apply_purge(_db(db), as_of=day)
    _print_counts(M("purge.title", purge_id=result.purge_id, as_of=result.as_of, run_by=result.run_by,
                    host=result.host), result.rows_deleted, M("purge.col.deleted"))
    out.print(M("purge.done", rows=M.count(result.total_rows, "row"), graduates=M.count(result.students, "graduate"),
                log=result.log))
    if result.total_rows and not result.file_rewritten:
        err.print(f"[bold yellow]{M('warning')}[/] {M('purge.not_rewritten')}", highlight=False, soft_wrap=True)


@app.command("backup", cls=_Command, help=M("backup.help"))
@one_line_errors
def backup_db(
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
    to: Path = typer.Option(..., "--to", help=M("backup.to")),
) -> None:
    """Copy the database, under its lock, to checksummed Parquet files and a backup.json manifest."""
    from .backup import backup

    result = backup(_db(db), to)
    out.print(M("backup.done", db=result.db, path=result.path, tables=M.count(len(result.tables), "table"),
                rows=M.count(result.total_rows, "row"), bytes=f"{result.bytes:,}"),
              highlight=False, markup=False, soft_wrap=True)


@app.command("restore", cls=_Command, help=M("restore.help"))
@one_line_errors
def restore_db(
    backup_dir: Path = typer.Argument(..., help=M("restore.backup_dir"), metavar=_arg("備份資料夾")),
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
    force: bool = typer.Option(False, "--force", help=M("restore.force")),
) -> None:
    """Bring a backup back as the database: checksums first, then one atomic swap."""
    from .backup import restore

    result = restore(backup_dir, _db(db), force=force)
    out.print(M("restore.done", db=result.db, backup=result.backup,
                created_at=f"{result.created_at:%Y-%m-%d %H:%M:%S}", tables=M.count(len(result.tables), "table"),
                rows=M.count(result.total_rows, "row")),
              highlight=False, markup=False, soft_wrap=True)
    for note in (*result.notes, *([result.purge_needed] if result.purge_needed else [])):
        err.print(f"{M('warning')}: {M.text(note)}" if not M.zh else f"{M('warning')}：{M.text(note)}",
                  highlight=False, markup=False, soft_wrap=True)


def _print_counts(title: str, counts: Mapping[str, int], label: str) -> None:
    out.print(title, highlight=False)
    table = Table()
    table.add_column(M("purge.col.table"))
    table.add_column(label, justify="right")
    for name, n in counts.items():
        table.add_row(name, f"{n:,}")
    out.print(table)


@app.command(cls=_Command, help=M("demo.help"))
@one_line_errors
def demo(
    out_dir: Path = typer.Option(Path("demo-exports"), "--out", help=M("demo.out")),
    students: int = typer.Option(1000, "--students", min=30, help=M("demo.students")),
    seed: int = typer.Option(0, "--seed", help=M("demo.seed")),
    ingest_into: Path | None = typer.Option(None, "--ingest-into", help=M("demo.ingest_into")),
    key_file: Path | None = typer.Option(None, "--key-file", help=M("demo.key_file")),
) -> None:
    """Write the export folder of a plausible demo school (and optionally ingest it)."""
    from .demo import generate

    summary = generate(out_dir, students=students, seed=seed)
    out.print(M("demo.wrote", files=len(summary.files), students=f"{summary.students:,}", out=summary.out,
                as_of=summary.as_of))
    exported = f"{summary.exported_at:%Y-%m-%d %H:%M}"
    if ingest_into is None:
        out.print(M("demo.next", out=summary.out, exported=exported))
        return
    ingest(summary.out, db=ingest_into, exported_at=exported, key_file=key_file, aliases=None, value_aliases=None,
           quiet=False)


@app.command("run", cls=_Command, help=M("run.help"))
@one_line_errors
def run_reports(
    plan: Path | None = typer.Argument(
        None, help=M("run.plan"), metavar=_arg("計畫")),
    db: Path | None = typer.Option(None, "--db", help=DB_HELP),
    as_of: str | None = typer.Option(None, "--as-of", help=M("opt.as_of")),
    jobs: int | None = typer.Option(None, "--jobs", "-j", min=1, help=M("run.jobs")),
    force: bool = typer.Option(False, "--force", help=M("run.force")),
    dry_run: bool = typer.Option(False, "--dry-run", help=M("run.dry_run")),
    out_dir: Path = typer.Option(Path("reports"), "--out", help=M("run.out")),
    fresh_kernels: bool = typer.Option(False, "--fresh-kernels", help=M("run.fresh_kernels")),
    quiet: bool = typer.Option(False, "--quiet", "-q", help=M("opt.quiet")),
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
        task = bar.add_task(M("run.reports"), total=None)
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
            bar.update(task, description=escape(shown) or M("run.reports"))  # class names are data, not markup

        result = run_plan(the_plan, db=_db(db), as_of=as_of, out=out_dir, jobs=jobs, force=force,
                          dry_run=dry_run, fresh_kernels=fresh_kernels, progress=progress)
    for note in result.notes:
        err.print(f"[bold yellow]{M('warning')}[/] {escape(M.text(note))}", highlight=False, soft_wrap=True)
    if dry_run:
        table = Table(title=escape(M("run.dry_title", plan=the_plan.path, as_of=result.as_of)), title_justify="left")
        for col in ("report", "action", "why", "files"):
            table.add_column(M(f"run.col.{col}"))
        for d in result.decisions:
            table.add_row(escape(d.job.label), M(f"run.action.{d.action}"), escape(M.text(d.reason)),
                          escape(f"{result.run_dir}/{d.job.notebook}/{d.job.slug}.html"))
        out.print(table)
        to_run = sum(d.action == "run" for d in result.decisions)
        out.print(M("run.dry_done", run=M.count(to_run, "report"), skipped=len(result.decisions) - to_run))
        return
    if result.failed:
        table = Table(title=M("run.failed_title"), title_justify="left")
        for col in ("report", "cell", "error"):
            table.add_column(M(f"run.col.{col}"))
        for e in result.failed:
            cell, error = e.failing_cell, e.error
            where = f"{cell.number}" + (f" (In [{cell.execution_count}])" if cell.execution_count else "") \
                if cell else ""
            table.add_row(escape(e.label), escape(where),
                          escape(f"{error.name}: {error.message}" if error else ": "))
        out.print(table)
    out.print(M("run.done", reports=M.count(len(result.entries), "report"), ok=len(result.ok),
                failed=len(result.failed), skipped=len(result.skipped), seconds=f"{result.duration_s:.1f}",
                index=result.index, log=result.log_file), highlight=False, soft_wrap=True, markup=False)
    if result.failed:
        err.print(f"[bold red]{M('error')}[/] "
                  + escape(M("run.failed", reports=M.count(len(result.failed), "report"), index=result.index)),
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
    table = Table(title=M("query.title", title=title, n=f"{frame.height:,}"), title_justify="left", show_lines=False)
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
        out.print(M("query.more", n=f"{frame.height - limit:,}"))


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
