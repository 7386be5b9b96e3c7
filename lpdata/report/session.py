"""The database a report reads: which file, its connection (kept warm between reports), its rows.

    con = connect(db, as_of)          # db None: $LP_DB, else data/demo.duckdb
    frame = read(con, "SELECT ... FROM class_completion WHERE class_name = ?", [name])
    over_time = at_dates(con, sql, params, dates)

The report runner keeps one kernel warm for many reports, so the second report on a database finds
its connection (and the views it made) ready; `at_dates` keeps its answers the same way. A change
to the database, queries/ or the rules gives a new connection: a kept one never answers from
changed data.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from ..dates import as_of_date, newest_export_or_today, parse_as_of, set_as_of
from ..store import scalar_int
from ..views import connect as _connect
from ..views import ensure_views, views_in

DB_ENV = "LP_DB"
DEFAULT_DB = "data/demo.duckdb"

#: Connections this process opened with `connect`, by what they answer from (see `_state`). Never
#: more than a few; the oldest is closed.
_CONNECTIONS: dict[tuple[Any, ...], duckdb.DuckDBPyConnection] = {}
_STATE_OF: dict[int, tuple[Any, ...]] = {}  # id(connection) -> its key, for the caches below
_AT_DATES: dict[tuple[Any, ...], pl.DataFrame] = {}
MAX_CONNECTIONS = 4
MAX_AT_DATES = 16


def resolve_db(db: str | Path | None = None) -> str:
    """The database: `db`, else $LP_DB, else data/demo.duckdb."""
    return str(db) if db else os.environ.get(DB_ENV) or DEFAULT_DB


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
    day = parse_as_of(as_of or None)
    path = Path(resolve_db(db)).resolve()
    key = _state(path)
    con = _CONNECTIONS.get(key)
    if con is not None and _alive(con):
        set_as_of(con, day or newest_export_or_today(con))
        return con
    _forget(key)
    con = _connect(path, as_of=day, views=())
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


def ready(con: duckdb.DuckDBPyConnection, sql: str, *, materialise: bool = True) -> None:
    """The views of queries/ that `sql` reads, created on this connection if it lacks them, and the
    building blocks they read materialised for the connection's as-of date (`materialise`)."""
    ensure_views(con, views_in(sql), materialise=materialise)


def read(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> pl.DataFrame:
    """A query's rows as a Polars frame; values only ever as bound parameters (`?`)."""
    ready(con, sql)
    frame: pl.DataFrame = con.sql(sql, params=list(params) if params else None).pl()
    return frame


def has_view(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether queries/ defines the view `name` (a report may show a section only when it does)."""
    ready(con, name, materialise=False)  # a question about the view, not its rows
    return scalar_int(con, "SELECT count(*) FROM duckdb_views() WHERE view_name = ?", [name]) > 0


def _point_as_of(con: duckdb.DuckDBPyConnection, day: dt.date) -> None:
    set_as_of(con, day)  # also points materialised blocks back at their plain SQL, or at their table


#: Whether `at_dates` materialises the building blocks at each date. It does not: a block's table
#: is the whole block for one date, built to be read many times, while `at_dates` reads one
#: filtered query once per date (a class's term), which the plain SQL answers with the filter
#: pushed down (measured in docs/views.md). The date the connection had keeps its tables.
AT_DATES_MATERIALISE = False


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
            ready(con, sql, materialise=AT_DATES_MATERIALISE)
            frame = con.sql(sql, params=list(params) if params else None).pl()
            frames.append(frame.with_columns(pl.lit(day, dtype=pl.Date).alias("as_of")))
    finally:
        _point_as_of(con, original)
    out = pl.concat(frames, how="vertical_relaxed") if frames else pl.DataFrame()
    if key is not None:
        _AT_DATES[key] = out
        while len(_AT_DATES) > MAX_AT_DATES:
            del _AT_DATES[next(iter(_AT_DATES))]
        return out.clone()
    return out
