"""Views: the current state of every kind, and every `queries/*.sql`, ready on each connection.

Views are TEMP views created when a connection opens, never stored in the file: the SQL on disk is
the only definition, and each connection answers as of its own date. A `.sql` file holds one
SELECT, named after the file, with a header:

    -- grain: file_id, reason
    -- owner: registrar_clerk
    -- meaning: what each ingested file gave, and why rows were quarantined.

Files may read each other; they are created in the order their references require.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import duckdb

from . import rules
from .contract import ALL_KINDS
from .errors import LpdataError, StoreError, UnknownViewError
from .store import open_db, scalar, stored_columns, table_name

QUERIES_ENV = "LP_QUERIES_DIR"
_HEADER = re.compile(r"^--\s*(grain|owner|meaning)\s*:\s*(.+?)\s*$", re.MULTILINE)
_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)
_STRING = re.compile(r"'(?:[^']|'')*'")

#: Tables users may read directly with `lp query` beside the views.
BASE_TABLES = ("snapshots", "snapshot_files", "snapshot_partitions", "quarantine", "ingest_runs",
               "purge_runs", "rule_settings", "rules_in_force")


def queries_dir() -> Path:
    env = os.environ.get(QUERIES_ENV)
    return Path(env) if env else Path(__file__).resolve().parent.parent / "queries"


@dataclass(frozen=True)
class Query:
    name: str
    sql: str
    grain: tuple[str, ...]
    owner: str
    meaning: str
    path: Path


def _parse_query(path: Path) -> Query:
    text = path.read_text(encoding="utf-8")
    header = dict(_HEADER.findall(text))
    missing = [h for h in ("grain", "owner", "meaning") if h not in header]
    if missing:
        raise LpdataError(f"the SQL file's header lacks {', '.join(missing)}", file=path,
                          expected="-- grain: / -- owner: / -- meaning: lines")
    grain = tuple(g.strip() for g in header["grain"].split(","))
    body = text.strip().rstrip(";")
    return Query(path.stem, body, grain, header["owner"], header["meaning"], path)


@lru_cache(maxsize=8)
def _load(directory: str, stamp: tuple[tuple[str, float], ...]) -> tuple[Query, ...]:
    return tuple(_parse_query(Path(directory) / name) for name, _ in stamp)


def load_queries(directory: Path | None = None) -> tuple[Query, ...]:
    """Every `.sql` file, in an order where each comes after the views it reads."""
    directory = directory or queries_dir()
    if not directory.is_dir():
        raise StoreError("the queries folder is missing", file=directory)
    files = sorted(directory.glob("*.sql"))
    queries = _load(str(directory), tuple((p.name, p.stat().st_mtime) for p in files))
    return order_by_dependencies(queries)


def references(query: Query, names: set[str]) -> set[str]:
    """The other views a query reads (comments and string literals do not count)."""
    code = _STRING.sub("''", _COMMENT.sub(" ", query.sql))
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", code))
    return (words & names) - {query.name}


def order_by_dependencies(queries: tuple[Query, ...]) -> tuple[Query, ...]:
    by_name = {q.name: q for q in queries}
    deps = {q.name: references(q, set(by_name)) for q in queries}
    ordered: list[Query] = []
    state: dict[str, str] = {}

    def visit(name: str, path: tuple[str, ...]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            raise LpdataError("views read each other in a cycle: " + " -> ".join((*path, name)),
                              file=by_name[name].path)
        state[name] = "visiting"
        for dep in sorted(deps[name]):
            visit(dep, (*path, name))
        state[name] = "done"
        ordered.append(by_name[name])

    for name in sorted(by_name):
        visit(name, ())
    return tuple(ordered)


def _current_view_sql(kind_name: str, table: str, columns: list[str]) -> str:
    cols = ", ".join(f't."{c}"' for c in columns)
    return (
        f"SELECT {cols}, t._file_id, t._row FROM {table} t "
        "JOIN current_snapshots c ON c.snapshot_id = t._snapshot_id AND c.part = t._part "
        f"WHERE c.kind = '{kind_name}'"
    )


def _as_of_default(con: duckdb.DuckDBPyConnection) -> dt.date:
    value = scalar(con, "SELECT max(exported_at) FROM snapshots")
    return value.date() if isinstance(value, dt.datetime) else dt.date.today()


def set_as_of(con: duckdb.DuckDBPyConnection, day: dt.date) -> None:
    """Point every view of this connection at another as-of date (they read `lp_as_of` when
    queried, so no view needs recreating)."""
    con.execute("CREATE OR REPLACE TEMP TABLE lp_as_of AS SELECT ?::DATE AS as_of, "
                "(?::DATE + INTERVAL 1 DAY)::TIMESTAMP AS as_of_end", [day, day])


def create_views(con: duckdb.DuckDBPyConnection, *, as_of: dt.date | str | None = None,
                 rules_file: Path | None | bool = True) -> dt.date:
    """Create the as-of setting, the rules in force and every view on this connection; returns the
    as-of date. `rules_file`: True reads `parameters/rules.yaml` if present; a path that file."""
    if isinstance(as_of, str):
        try:
            as_of = dt.date.fromisoformat(as_of)
        except ValueError as exc:
            raise LpdataError(f"as-of date {as_of!r} is not a date", expected="YYYY-MM-DD") from exc
    day = as_of or _as_of_default(con)
    set_as_of(con, day)
    con.execute(
        """CREATE OR REPLACE TEMP VIEW current_snapshots AS
           SELECT kind, part, snapshot_id, exported_at FROM (
               SELECT *, row_number() OVER (PARTITION BY kind, part
                                            ORDER BY exported_at DESC, snapshot_id DESC) AS rank
               FROM snapshot_partitions) WHERE rank = 1""")
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    for kind in ALL_KINDS:
        columns = stored_columns(kind)
        if table_name(kind) in tables:
            sql = _current_view_sql(kind.name, table_name(kind), [name for name, _ in columns])
        else:  # a database written before this kind existed: the kind is simply not loaded
            sql = ("SELECT " + ", ".join(f'NULL::{sql_type} AS "{name}"' for name, sql_type in columns)
                   + ", NULL::INTEGER AS _file_id, NULL::BIGINT AS _row WHERE false")
        con.execute(f"CREATE OR REPLACE TEMP VIEW {kind.name} AS " + sql)
    rules.install(con, school_file=rules_file)
    for query in load_queries():
        try:
            con.execute(f'CREATE OR REPLACE TEMP VIEW "{query.name}" AS {query.sql}')
        except duckdb.Error as exc:
            raise LpdataError(f"view {query.name} does not compile: {str(exc).splitlines()[0]}",
                              file=query.path) from exc
    return day


def connect(db_path: str | Path, as_of: dt.date | str | None = None, *,
            read_only: bool = True, rules_file: Path | None | bool = True) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection to the database with every view ready, as of `as_of` (default: the
    newest export time loaded). `rules_file`: the school's rules overrides (default
    `parameters/rules.yaml` when present; False for the shipped defaults and ingested rules only)."""
    con = open_db(Path(db_path), read_only=read_only)
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        if "snapshots" not in tables:
            raise StoreError("the database has no lp tables yet; run `lp ingest` first", file=db_path)
        create_views(con, as_of=as_of, rules_file=rules_file)
    except BaseException:
        con.close()
        raise
    return con


def view_names() -> tuple[str, ...]:
    """Every name `lp query` accepts."""
    return (*(q.name for q in load_queries()), *(k.name for k in ALL_KINDS), *BASE_TABLES)


def check_view_name(name: str) -> str:
    names = view_names()
    if name not in names:
        raise UnknownViewError(f"no view named {name!r}", expected="one of " + ", ".join(names))
    return name
