"""What a report page shows: its title, headline numbers, tables, footnotes; and the helpers every
notebook needs first (the database, the term, the small-cell setting).

    con = page.connect(db, as_of)                      # db None: $LP_DB, else data/demo.duckdb
    term = page.resolve_term(con, academic_year, semester)
    frame = page.read(con, "SELECT ... FROM class_completion WHERE academic_year = ? AND semester = ?",
                      [term.academic_year, term.semester])
    page.headline([page.Number(t("h.students"), 1234)])
    page.table(frame, t, view="class_completion")

Everything shown is HTML built here with every value escaped (`html.escape`): a name or a file
path can never inject markup. Rates are fractions in the views and shown as % here. Nothing here
computes a figure: `rollup` re-adds a view's counts over its own grain (and divides them again, as
the view defines its rate), `suppress_small` hides them.
"""

from __future__ import annotations

import datetime as dt
import html
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import duckdb
import polars as pl

from ..store import scalar
from ..views import connect as _connect, ensure_views, set_as_of, views_in
from .i18n import Strings

DB_ENV = "LP_DB"
DEFAULT_DB = "data/demo.duckdb"
MAX_ROWS = 60
WRAP_AT = 24  # characters: a longer cell may wrap, shorter ones stay on one line

STYLE = """<style>
.lp-page{font-family:"Noto Sans CJK TC","Noto Sans TC","PingFang TC","Microsoft JhengHei",sans-serif;color:#222}
.lp-page h1{font-size:1.5em;margin:.2em 0}.lp-page h2{font-size:1.2em;margin:1.2em 0 .4em;border-bottom:1px solid #ddd}
.lp-sub{color:#555;margin:0 0 .6em}
.lp-headline{display:flex;flex-wrap:wrap;gap:.8em;margin:.6em 0}
.lp-num{border:1px solid #ddd;border-radius:6px;padding:.5em .9em;min-width:8em;background:#fafafa}
.lp-num[title]{cursor:help}.lp-value{font-size:1.7em;font-weight:bold}.lp-label{color:#444}
.lp-note{color:#777;font-size:.85em}
.lp-num.lp-alert .lp-value{color:#b22222}
.lp-page table.lp-table{border-collapse:collapse;font-size:.9em;margin:.4em 0}
.lp-page table.lp-table th,.lp-page table.lp-table td{border-bottom:1px solid #e3e3e3;padding:.25em .6em;
text-align:left;vertical-align:top;white-space:nowrap}
.lp-page table.lp-table th{background:#f3f3f3;white-space:normal;min-width:4em}
.lp-page table.lp-table th[title]{cursor:help;text-decoration:underline dotted}
.lp-page table.lp-table td.lp-n{text-align:right;font-variant-numeric:tabular-nums}
.lp-page table.lp-table td.lp-wrap{white-space:normal;min-width:18em}
.lp-notes{font-size:.85em;color:#444;margin-top:1.5em}.lp-more{color:#666;font-size:.85em}
</style>"""


class Html(str):
    """HTML text Jupyter shows as HTML (no IPython needed to build it)."""

    def _repr_html_(self) -> str:
        return str(self)


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


# --- the database and the term -------------------------------------------------------------------

def resolve_db(db: str | Path | None = None) -> str:
    """The database: `db`, else $LP_DB, else data/demo.duckdb."""
    return str(db) if db else os.environ.get(DB_ENV) or DEFAULT_DB


#: Connections this process opened with `connect`, by what they answer from (see `_state`); the
#: report runner keeps one kernel warm for many reports, so the second report on a database finds
#: its connection (and the views it made) ready. Never more than a few; the oldest is closed.
_CONNECTIONS: dict[tuple[Any, ...], duckdb.DuckDBPyConnection] = {}
_STATE_OF: dict[int, tuple[Any, ...]] = {}  # id(connection) -> its key, for the caches below
_AT_DATES: dict[tuple[Any, ...], pl.DataFrame] = {}
MAX_CONNECTIONS = 4
MAX_AT_DATES = 16


def _stamp(path: Path) -> tuple[Any, ...]:
    try:
        st = path.stat()
    except OSError:
        return (str(path), None)
    return (str(path), st.st_ino, st.st_size, st.st_mtime_ns)


def _state(db: Path) -> tuple[Any, ...]:
    """What a connection's answers depend on besides its as-of date: the database file (and its
    write-ahead log), the SQL of queries/ and the rules files. A change to any gives a new key, so a
    kept connection is never used on changed data."""
    from ..rules import DEFAULT_RULES, school_rules_file
    from ..views import queries_dir

    sql = queries_dir()
    school = school_rules_file()
    return (_stamp(db), _stamp(db.with_name(db.name + ".wal")),
            tuple(_stamp(p) for p in sorted(sql.glob("*.sql"))), _stamp(DEFAULT_RULES),
            _stamp(school) if school else None)


def _alive(con: duckdb.DuckDBPyConnection) -> bool:
    try:
        con.execute("SELECT 1").fetchall()
        return True
    except duckdb.Error:
        return False


def connect(db: str | Path | None = None, as_of: dt.date | str | None = None) -> duckdb.DuckDBPyConnection:
    """`lpdata.connect` with the notebooks' defaults (as_of None: the newest export loaded).

    Views are created as the page's queries first read them (`read` and the helpers here do it; a
    query sent with `con.sql` directly may first call `views.ensure_views(con, names)`). The
    connection is kept for the next report of this process while the database, queries/ and the
    rules stay unchanged (closing it is fine: the next call opens a new one)."""
    path = Path(resolve_db(db)).resolve()
    key = _state(path)
    con = _CONNECTIONS.get(key)
    if con is not None and _alive(con):
        if isinstance(as_of, str) and as_of:
            try:
                as_of = dt.date.fromisoformat(as_of)
            except ValueError:  # the same error as a new connection gives
                con = None
        if con is not None:
            day = as_of or _newest_export(con)
            set_as_of(con, day)  # type: ignore[arg-type]
            return con
    _forget(key)
    con = _connect(path, as_of=as_of or None, views=())
    _CONNECTIONS[key] = con
    _STATE_OF[id(con)] = key
    while len(_CONNECTIONS) > MAX_CONNECTIONS:
        _forget(next(iter(_CONNECTIONS)))
    return con


def _forget(key: tuple[Any, ...]) -> None:
    con = _CONNECTIONS.pop(key, None)
    if con is None:
        return
    _STATE_OF.pop(id(con), None)
    for k in [k for k in _AT_DATES if k[0] == key]:
        del _AT_DATES[k]
    try:
        con.close()
    except duckdb.Error:
        pass


def _newest_export(con: duckdb.DuckDBPyConnection) -> dt.date:
    value = scalar(con, "SELECT max(exported_at) FROM snapshots")
    return value.date() if isinstance(value, dt.datetime) else dt.date.today()


def _ready(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """The views of queries/ that `sql` reads, created on this connection if it lacks them."""
    ensure_views(con, views_in(sql))


def read(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> pl.DataFrame:
    """A query's rows as a Polars frame; values only ever as bound parameters (`?`)."""
    _ready(con, sql)
    return con.sql(sql, params=list(params) if params else None).pl()


def as_of_date(con: duckdb.DuckDBPyConnection) -> dt.date:
    return scalar(con, "SELECT as_of FROM lp_as_of")  # type: ignore[return-value]


def term_of(day: dt.date) -> tuple[int, int]:
    """The term containing `day`: semester 1 from 1 Aug, semester 2 from 1 Feb (學年度 = ROC year)."""
    if day.month >= 8:
        return day.year - 1911, 1
    return day.year - 1912, (1 if day.month == 1 else 2)


@dataclass(frozen=True)
class Term:
    academic_year: int
    semester: int
    as_of: dt.date

    @property
    def starts_on(self) -> dt.date:
        year = self.academic_year + 1911
        return dt.date(year, 8, 1) if self.semester == 1 else dt.date(year + 1, 2, 1)

    @property
    def ends_on(self) -> dt.date:
        year = self.academic_year + 1912
        return dt.date(year, 1, 31) if self.semester == 1 else dt.date(year, 7, 31)

    @property
    def params(self) -> list[int]:
        """[academic_year, semester], to bind."""
        return [self.academic_year, self.semester]

    def label(self, t: Strings) -> str:
        return t("term", academic_year=self.academic_year, semester=self.semester)


def resolve_term(con: duckdb.DuckDBPyConnection, academic_year: int | str | None = None,
                 semester: int | str | None = None) -> Term:
    """The report's term. Given both: that term. Neither: the term containing as_of, or if no class
    has it (its roster is not loaded yet) the newest term before it that class_completion holds.
    Only a year: the semester containing as_of in that year (a past year: 2, a later one: 1). Only a
    semester: the newest such semester begun by as_of."""
    day = as_of_date(con)
    year_now, sem_now = term_of(day)
    if academic_year is not None and semester is not None:
        return Term(int(academic_year), int(semester), day)
    if academic_year is not None:
        year = int(academic_year)
        return Term(year, sem_now if year == year_now else (2 if year < year_now else 1), day)
    if semester is not None:
        sem = int(semester)
        return Term(year_now if sem <= sem_now else year_now - 1, sem, day)
    _ready(con, "class_completion")
    best = scalar(con, "SELECT max((academic_year, semester)) FROM class_completion "
                       "WHERE (academic_year, semester) <= (?, ?)", [year_now, sem_now])
    if best:
        values = list(best.values()) if isinstance(best, dict) else list(best)
        return Term(int(values[0]), int(values[1]), day)
    return Term(year_now, sem_now, day)


def schedule(con: duckdb.DuckDBPyConnection, term: Term) -> dict[str, dt.date | None]:
    """The term's 期程 (deadlines by name); empty when none is loaded."""
    frame = read(con, "SELECT * EXCLUDE (_file_id, _row) FROM schedule WHERE academic_year = ? AND semester = ?",
                 term.params)
    if frame.is_empty():
        return {}
    row = frame.row(0, named=True)
    return {k: v for k, v in row.items() if k not in ("academic_year", "semester")}


def min_students(con: duckdb.DuckDBPyConnection, academic_year: int) -> int:
    """P-SMALL-CELL.min_students in force that 學年度: counts under it are not shown to the task force."""
    value = scalar(con, "SELECT rule_value('P-SMALL-CELL', 'min_students', ?)", [academic_year])
    if value is None:
        raise ValueError(f"no P-SMALL-CELL.min_students setting in force for {academic_year}")
    return int(value)  # type: ignore[call-overload]


def as_of_points(start: dt.date, end: dt.date, *, every_days: int = 7,
                 extra: Iterable[dt.date] = ()) -> list[dt.date]:
    """Dates from `start` to `end`: every `every_days` counted back from `end` (so `end` is one),
    plus `extra` dates inside the range."""
    if end < start:
        return [end]
    days = {end - dt.timedelta(days=n) for n in range(0, (end - start).days + 1, every_days)}
    days |= {d for d in extra if start <= d <= end}
    return sorted(days)


def _point_as_of(con: duckdb.DuckDBPyConnection, day: dt.date) -> None:
    set_as_of(con, day)


def at_dates(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any],
             dates: Iterable[dt.date]) -> pl.DataFrame:
    """The query's rows as of each date (column `as_of` added): a view's figure over time, from the
    view itself. The connection's own as-of date is restored afterwards. On a connection from
    `connect` the result is kept while the data stays unchanged: a class dashboard per class asks
    the same school-wide question (about 25 dates), and the warm report kernel answers it once."""
    dates = list(dates)
    state = _STATE_OF.get(id(con))
    key = None if state is None or _CONNECTIONS.get(state) is not con else (
        state, sql, tuple(params), tuple(dates))
    if key is not None and key in _AT_DATES:
        return _AT_DATES[key].clone()
    original = as_of_date(con)
    frames = []
    try:
        for day in dates:
            _point_as_of(con, day)
            frames.append(read(con, sql, params).with_columns(pl.lit(day, dtype=pl.Date).alias("as_of")))
    finally:
        _point_as_of(con, original)
    out = pl.concat(frames, how="vertical_relaxed") if frames else pl.DataFrame()
    if key is not None:
        _AT_DATES[key] = out
        while len(_AT_DATES) > MAX_AT_DATES:
            del _AT_DATES[next(iter(_AT_DATES))]
        return out.clone()
    return out


# --- aggregation and suppression -----------------------------------------------------------------

def rollup(frame: pl.DataFrame, by: Sequence[str], counts: Sequence[str],
           rates: Mapping[str, tuple[str, str]] = {}) -> pl.DataFrame:
    """Sum `counts` over `by` (no `by`: one row for everything), and each rate again as
    sum(numerator) / sum(denominator), NULL over nobody: never an average of rates."""
    sums = [pl.col(c).sum() for c in counts]
    out = frame.group_by(list(by), maintain_order=True).agg(sums) if by else frame.select(sums)
    return out.with_columns([
        pl.when(pl.col(den) > 0).then(pl.col(num) / pl.col(den)).otherwise(None).alias(rate)
        for rate, (num, den) in rates.items()
    ])


def small_marker(min_n: int) -> str:
    return f"<{min_n}"


def suppress_small(frame: pl.DataFrame, count_columns: Sequence[str], min_n: int,
                   rates: Mapping[str, tuple[str, str]] = {}) -> pl.DataFrame:
    """For the task force: every count of students from 1 to min_n - 1 becomes the text "<min_n"
    (count columns turn to text; 0 stays: nobody is no one's disclosure), and a rate is NULL where
    its numerator, its denominator or their difference is such a count (a rate would give it away).
    `rates`: rate column -> (numerator column, denominator column)."""
    if min_n < 1:
        raise ValueError("min_n must be at least 1")

    def small(expr: pl.Expr) -> pl.Expr:
        return (expr > 0) & (expr < min_n)

    rate_exprs = [
        pl.when(small(pl.col(num)) | small(pl.col(den)) | small(pl.col(den) - pl.col(num)))
        .then(None).otherwise(pl.col(rate)).alias(rate)
        for rate, (num, den) in rates.items()
    ]
    count_exprs = [
        pl.when(small(pl.col(c))).then(pl.lit(small_marker(min_n)))
        .otherwise(pl.col(c).cast(pl.String)).alias(c)
        for c in count_columns
    ]
    return frame.with_columns(rate_exprs).with_columns(count_exprs)


# --- what the page shows -------------------------------------------------------------------------

def rate_text(value: float | None, t: Strings | None = None) -> str:
    if value is None:
        return t("missing") if t else "—"
    return f"{value:.1%}"


def number_text(value: Any, t: Strings | None = None) -> str:
    if value is None:
        return t("missing") if t else "—"
    if isinstance(value, bool):
        return (t("yes") if value else t("no")) if t else str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return str(value)


def title(t: Strings, key: str, term: Term | None = None, **fields: Any) -> Html:
    """The page's title, its term and as-of date, and the page style (once per page)."""
    sub = []
    if term is not None:
        sub = [term.label(t), t("as_of", as_of=term.as_of.isoformat())]
    return Html(f'{STYLE}<div class="lp-page"><h1>{esc(t(key, **fields))}</h1>'
                f'<p class="lp-sub">{esc(" · ".join(sub))}</p></div>')


def section(text: str) -> Html:
    return Html(f'<div class="lp-page"><h2>{esc(text)}</h2></div>')


def paragraph(text: str) -> Html:
    return Html(f'<div class="lp-page"><p>{esc(text)}</p></div>')


@dataclass(frozen=True)
class Number:
    """One headline number: its label, value (a count, a rate when `rate`, or text), a note under it
    and a definition shown on hover (and again in the footnotes)."""

    label: str
    value: Any
    note: str = ""
    definition: str = ""
    rate: bool = False
    alert: bool = False


def headline(numbers: Sequence[Number], t: Strings | None = None) -> Html:
    cells = []
    for n in numbers:
        value = rate_text(n.value, t) if n.rate else number_text(n.value, t)
        hover = f' title="{esc(n.definition)}"' if n.definition else ""
        cls = "lp-num lp-alert" if n.alert else "lp-num"
        note = f'<div class="lp-note">{esc(n.note)}</div>' if n.note else ""
        cells.append(f'<div class="{cls}"{hover}><div class="lp-value">{esc(value)}</div>'
                     f'<div class="lp-label">{esc(n.label)}</div>{note}</div>')
    return Html(f'<div class="lp-page"><div class="lp-headline">{"".join(cells)}</div></div>')


def _is_rate(name: str, rates: Iterable[str]) -> bool:
    return name in rates or name.endswith("_rate")


def _cell(value: Any, name: str, t: Strings, rate: bool) -> tuple[str, bool]:
    """(text, numeric) of one cell."""
    if value is None:
        return t("missing"), False
    if isinstance(value, bool):
        return (t("yes") if value else t("no")), False
    if t.has_values(name) and isinstance(value, str):
        return t.value(name, value), False
    if rate and isinstance(value, (int, float)):
        return rate_text(value), True
    if isinstance(value, (int, float)):
        return number_text(value), True
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M"), False
    if isinstance(value, dt.date):
        return value.isoformat(), False
    if isinstance(value, (list, tuple)):
        return ", ".join(t.value(name, v) if t.has_values(name) else str(v) for v in value), False
    return str(value), False


def table(frame: pl.DataFrame, t: Strings, *, view: str | None = None, rates: Sequence[str] = (),
          definitions: Mapping[str, str] = {}, labels: Mapping[str, str] = {}, caption: str = "",
          max_rows: int | None = MAX_ROWS, more_key: str = "rows_more_plain",
          numeric: Sequence[str] = ()) -> Html:
    """The frame as an HTML table: Chinese (or English) column labels, codes as words, rates as %,
    yes/no for flags, every value escaped. `definitions`: column -> text shown on hovering its
    header. More than `max_rows` rows: the first ones and a line saying how many more. `numeric`:
    columns shown as numbers though they hold text (the counts `suppress_small` turned into text:
    "12" as 12, "<3" as is, both aligned as numbers)."""
    if frame.is_empty():
        return Html(f'<div class="lp-page"><p class="lp-more">{esc(t("no_rows"))}</p></div>')
    names = frame.columns
    heads = {**t.columns(names, view), **labels}
    head_cells = "".join(
        f'<th title="{esc(definitions[n])}">{esc(heads[n])}</th>' if n in definitions else f"<th>{esc(heads[n])}</th>"
        for n in names)
    shown = frame.head(max_rows) if max_rows else frame
    body = []
    for row in shown.iter_rows():
        cells = []
        for name, value in zip(names, row):
            if name in numeric and isinstance(value, str):
                text, is_number = (number_text(int(value)) if value.isdigit() else value), True
            else:
                text, is_number = _cell(value, name, t, _is_rate(name, rates))
            cls = ' class="lp-n"' if is_number else (' class="lp-wrap"' if len(text) > WRAP_AT else "")
            cells.append(f"<td{cls}>{esc(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    more = ""
    if max_rows and frame.height > max_rows:
        more = f'<p class="lp-more">{esc(t(more_key, n=frame.height - max_rows))}</p>'
    return Html(f'<div class="lp-page"><table class="lp-table">{cap}<thead><tr>{head_cells}</tr></thead>'
                f'<tbody>{"".join(body)}</tbody></table>{more}</div>')


def footnotes(t: Strings, keys: Sequence[str] = (), extra: Sequence[str] = ()) -> Html:
    """Definitions at the foot of the page: i18n keys, then any further texts."""
    items = [t(k) for k in keys] + list(extra)
    lis = "".join(f"<li>{esc(i)}</li>" for i in items)
    return Html(f'<div class="lp-page lp-notes"><h3>{esc(t("notes"))}</h3><ol>{lis}</ol></div>')


def labelled(frame: pl.DataFrame, t: Strings, columns: Sequence[str]) -> pl.DataFrame:
    """Codes in `columns` replaced by their labels (for chart frames, which show text as it is)."""
    return frame.with_columns([
        pl.col(c).map_elements(lambda v, c=c: t.value(c, v), return_dtype=pl.String).alias(c) for c in columns
    ])


def has_view(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    _ready(con, name)
    return bool(scalar(con, "SELECT count(*) FROM duckdb_views() WHERE view_name = ?", [name]))


# --- the notebooks' shared readings of the views -------------------------------------------------

#: class_completion's student counts and the rates it makes of them (rate -> numerator, denominator).
COMPLETION_COUNTS = ("students", "clo_uploaders", "mp_uploaders")
COMPLETION_RATES = {"clo_upload_rate": ("clo_uploaders", "students"), "mp_upload_rate": ("mp_uploaders", "students")}
UPLOAD_DEADLINES = ("clo_upload_due", "clo_select_due", "mp_select_due")


def completion_dates(term: Term, deadlines: Mapping[str, dt.date | None], *,
                     extra: Iterable[dt.date] = ()) -> list[dt.date]:
    """Weekly as-of dates from the term's start to as_of (or to the last upload deadline or the
    term's end, whichever is later, once that has passed), plus `extra` dates in that range."""
    last = max([term.ends_on, *(d for k, d in deadlines.items() if k in UPLOAD_DEADLINES and d)])
    return as_of_points(term.starts_on, min(term.as_of, last), extra=extra)


def completion_over_time(con: duckdb.DuckDBPyConnection, term: Term, dates: Iterable[dt.date]) -> pl.DataFrame:
    """class_completion's student counts of the term's classes, as of each date."""
    return at_dates(con, "SELECT class_name, grade, students, clo_uploaders, mp_uploaders FROM class_completion "
                         "WHERE academic_year = ? AND semester = ?", term.params, dates)


def rates_long(frame: pl.DataFrame, keys: Sequence[str], t: Strings,
               rates: Sequence[str] = tuple(COMPLETION_RATES)) -> pl.DataFrame:
    """Rates as rows (`series` labelled, `rate`), for a chart; rows without a rate dropped."""
    return (frame.select(*keys, *rates).unpivot(index=list(keys), on=list(rates), variable_name="series",
                                                value_name="rate")
            .drop_nulls("rate")
            .with_columns(pl.col("series").replace_strict({r: t.value("series", r) for r in rates})))


AGEING_BUCKETS = (7, 14, 30, 60)  # waiting days: 0–7, 8–14, 15–30, 31–60, more


def ageing(backlog: pl.DataFrame, t: Strings) -> pl.DataFrame:
    """Pending items per waiting-days bucket and overdue state (labelled), for a chart."""
    bucket = pl.lit(len(AGEING_BUCKETS))
    for i, limit in reversed(list(enumerate(AGEING_BUCKETS))):
        bucket = pl.when(pl.col("waiting_days") <= limit).then(pl.lit(i)).otherwise(bucket)
    state = pl.when(pl.col("overdue").is_null()).then(pl.lit("null")) \
        .otherwise(pl.col("overdue").cast(pl.String).str.to_lowercase())
    counted = (backlog.with_columns(bucket.alias("b"), state.alias("o"))
               .group_by("b", "o").agg(pl.len().alias("items")).sort("b", "o"))
    return counted.select(
        pl.col("b").map_elements(lambda b: t(f"bucket.{b}"), return_dtype=pl.String).alias("waiting_bucket"),
        pl.col("o").map_elements(lambda o: t(f"overdue_state.{o}"), return_dtype=pl.String).alias("overdue"),
        "items")


def ageing_order(t: Strings) -> tuple[list[str], list[str]]:
    """The buckets' and overdue states' labels in order."""
    return ([t(f"bucket.{i}") for i in range(len(AGEING_BUCKETS) + 1)],
            [t(f"overdue_state.{s}") for s in ("false", "true", "null")])


#: effectiveness metrics that count students (their small values are hidden from the task force),
#: and the homeroom rates whose numerator is a class_completion count.
STUDENT_COUNT_METRICS = ("students_consulted",)
HOMEROOM_RATES = {"clo_upload_rate": "clo_uploaders", "mp_upload_rate": "mp_uploaders"}


def effectiveness_for_taskforce(effectiveness: pl.DataFrame, classes: pl.DataFrame, min_n: int) -> pl.DataFrame:
    """effectiveness rows with `suppressed` set, and their value NULL, where the value is a count of
    1 to min_n - 1 students, or a homeroom teacher's upload rate over such a count (uploaders,
    students, or students who have not uploaded, summed over the teacher's classes of the term)."""
    counts = rollup(classes, ["homeroom_teacher_code"], COMPLETION_COUNTS) \
        .rename({"homeroom_teacher_code": "person_code"})
    frame = effectiveness.join(counts, on="person_code", how="left") if "person_code" in effectiveness.columns \
        else effectiveness

    def small(expr: pl.Expr) -> pl.Expr:
        return ((expr > 0) & (expr < min_n)).fill_null(False)

    hidden = pl.lit(False)
    for metric, numerator in HOMEROOM_RATES.items():
        num, den = pl.col(numerator), pl.col("students")
        hidden = hidden | ((pl.col("role") == "homeroom_teacher") & (pl.col("metric") == metric)
                           & (small(num) | small(den) | small(den - num)))
    hidden = hidden | (pl.col("metric").is_in(list(STUDENT_COUNT_METRICS)) & small(pl.col("value")))
    return (frame.with_columns(hidden.alias("suppressed"))
            .with_columns(pl.when(pl.col("suppressed")).then(None).otherwise(pl.col("value")).alias("value"))
            .select(*effectiveness.columns, "suppressed"))


def effectiveness_table(frame: pl.DataFrame, t: Strings, min_n: int) -> pl.DataFrame:
    """effectiveness rows for display: value and target as text in their unit ("<min_n" where
    suppressed), met as a word."""
    def show(value: float | None, unit: str, suppressed: bool = False) -> str:
        if suppressed:
            return small_marker(min_n)
        if value is None:
            return t("missing")
        if unit == "rate":
            return rate_text(value)
        if unit == "count":
            return f"{value:,.0f}"
        return f"{value:,.1f}"

    rows = frame.to_dicts()
    return pl.DataFrame({
        "role": [r["role"] for r in rows],
        "person_name": [r.get("person_name") or r.get("person_code") for r in rows],
        "metric": [r["metric"] for r in rows],
        "value": [show(r["value"], r["unit"], bool(r.get("suppressed"))) for r in rows],
        "target": [show(r["target"], r["unit"]) if r["target"] is not None else "" for r in rows],
        "met": [t("met_state.no_target") if r["target"] is None
                else t(f"met_state.{str(r['met']).lower() if r['met'] is not None else 'null'}") for r in rows],
    }, schema={c: pl.String for c in ("role", "person_name", "metric", "value", "target", "met")})


def effectiveness_by_role(frame: pl.DataFrame, t: Strings, min_n: int
                          ) -> list[tuple[str, pl.DataFrame, dict[str, str], dict[str, str]]]:
    """One table per role (in the view's order): a row per person, a column per metric holding the
    value in its unit, with ✓ / ✗ where a target applies ("<min_n" where suppressed); with the
    columns' labels (metric, and its target) and definitions (shown on hover)."""
    out = []
    shown = effectiveness_table(frame, t, min_n).with_columns(
        pl.Series("person_code", frame["person_code"]), pl.Series("_met", frame["met"]),
        pl.Series("_has_target", frame["target"].is_not_null()))
    for role in dict.fromkeys(frame["role"].to_list()):
        part = shown.filter(pl.col("role") == role)
        metrics = list(dict.fromkeys(part["metric"].to_list()))
        cell = pl.when(pl.col("_has_target") & pl.col("_met").is_not_null()) \
            .then(pl.concat_str("value", pl.when(pl.col("_met")).then(pl.lit(" ✓")).otherwise(pl.lit(" ✗")))) \
            .otherwise(pl.col("value"))
        wide = (part.with_columns(cell.alias("cell"))
                .pivot(on="metric", index=["person_code", "person_name"], values="cell", aggregate_function="first",
                       maintain_order=True)
                .select("person_code", "person_name", *metrics))
        labels, definitions = {}, {}
        column = _definition_column(frame, t)
        for m in metrics:
            defined = frame.filter((pl.col("role") == role) & (pl.col("metric") == m))[column].drop_nulls() \
                if column in frame.columns else []
            if len(defined):
                definitions[m] = defined[0]
            target = part.filter(pl.col("metric") == m)["target"].drop_nulls()
            target = [x for x in target.to_list() if x]
            labels[m] = t.value("metric", m) + (f" ({t('target_is', target=target[0])})" if target else "")
        out.append((t.value("role", role), wide, labels, definitions))
    return out


def _definition_column(frame: pl.DataFrame, t: Strings) -> str:
    return "definition" if t.zh or "definition_en" not in frame.columns else "definition_en"


def metric_definitions(frame: pl.DataFrame, t: Strings) -> list[str]:
    """One footnote per metric shown: its label and its definition (in the report's language); a
    metric defined differently for two roles (a CLO and an MP duty) gets one line per role."""
    column = _definition_column(frame, t)
    pairs = frame.select("role", "metric", column).unique(subset=["metric", column], maintain_order=True)
    several = {m for m, n in pairs.group_by("metric").len().iter_rows() if n > 1}
    lines = []
    for role, metric, definition in pairs.iter_rows():
        label = t.value("metric", metric)
        if metric in several:
            label += f" ({t.value('role', role)})"
        if definition:
            lines.append(f"{label}: {definition}")
    return lines
