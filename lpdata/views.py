"""Views: the current state of every kind, and every `queries/*.sql`, ready on each connection.

Views are TEMP views created when a connection opens, never stored in the file: the SQL on disk is
the only definition, and each connection answers as of its own date. A `.sql` file holds one
SELECT, named after the file, with a header:

    -- grain: file_id, reason
    -- owner: registrar_clerk
    -- meaning: what each ingested file gave, and why rows were quarantined.

Files may read each other; they are created in the order their references require. One file is no
view: `_macros.sql`, the DuckDB macros the views share, created first.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import duckdb

from . import rules
from .contract import ALL_KINDS
from .dates import MATERIALISED, as_of_date, newest_export_or_today, parse_as_of, set_as_of
from .errors import LpdataError, StoreError, UnknownViewError
from .fold_width import define_functions
from .store import CURRENT_SNAPSHOTS, data_digest, open_db, schema_version, stored_columns, table_name

QUERIES_ENV = "LP_QUERIES_DIR"
#: The file of queries/ that holds the views' shared DuckDB macros (CREATE MACRO statements, no view).
MACROS_FILE = "_macros.sql"
_HEADER = re.compile(r"^--\s*(grain|owner|meaning)\s*:\s*(.+?)\s*$", re.MULTILINE)
_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)
_STRING = re.compile(r"'(?:[^']|'')*'")

#: The building blocks worth computing once per connection and as-of date (docs/views.md,
#: "Materialised building blocks"): each is read by several views, or several times by one, and
#: each view re-planned and re-computed it; `_compliance_people` and `_compliance_records` are a
#: few dozen rows whose plans (hundreds of operators) cost more to plan than to keep. Building blocks
#: only: they have no ORDER BY, so a table gives them no order they lacked.
MATERIALISE = ("_receipt_matches", "_compliance_items", "_compliance_people", "_compliance_records")
MATERIALISED_PREFIX = "lp_mat_"

#: Tables users may read directly with `lp query` beside the views.
BASE_TABLES = ("snapshots", "snapshot_files", "snapshot_partitions", "quarantine", "ingest_runs",
               "purge_runs", "rule_settings", "rules_in_force")


def queries_dir() -> Path:
    env = os.environ.get(QUERIES_ENV)
    return Path(env) if env else Path(__file__).resolve().parent.parent / "queries"


def _files_digest(paths: Iterable[Path]) -> str:
    """sha256 over each file's name and the sha256 of its bytes, in the order given."""
    import hashlib

    h = hashlib.sha256()
    for path in paths:
        h.update(path.name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).hexdigest().encode() + b"\n")
    return h.hexdigest()


def queries_digest(directory: Path | None = None) -> str:
    """sha256 over every `queries/*.sql` (name and bytes, the macros included), in name order."""
    return _files_digest(sorted(Path(directory or queries_dir()).glob("*.sql")))


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
    files = sorted(p for p in directory.glob("*.sql") if p.name != MACROS_FILE)
    queries = _load(str(directory), tuple((p.name, p.stat().st_mtime) for p in files))
    return _ordered(queries)


@lru_cache(maxsize=8)
def _ordered(queries: tuple[Query, ...]) -> tuple[Query, ...]:
    return order_by_dependencies(queries)


@dataclass(frozen=True)
class Macros:
    sql: str
    path: Path


def load_macros(directory: Path | None = None) -> Macros | None:
    """The views' shared macros (`queries/_macros.sql`); None when the folder has no such file."""
    path = (directory or queries_dir()) / MACROS_FILE
    return Macros(path.read_text(encoding="utf-8"), path) if path.is_file() else None


def create_macros(con: duckdb.DuckDBPyConnection, macros: Macros | None) -> None:
    if macros is None:
        return
    try:
        con.execute(macros.sql)
    except duckdb.Error as exc:
        raise LpdataError(f"the views' macros do not compile: {str(exc).splitlines()[0]}",
                          file=macros.path) from exc


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


def create_views(con: duckdb.DuckDBPyConnection, *, as_of: dt.date | str | None = None,
                 rules_file: Path | bool | None = True, views: Iterable[str] | None = None,
                 materialise: bool | None = None) -> dt.date:
    """Create the as-of setting, the rules in force and every view on this connection; returns the
    as-of date. `rules_file`: True reads `parameters/rules.yaml` if present; a path that file.
    `views`: only these views of queries/ (and those they read); None: every one. Either way
    plain: `ensure_views` materialises building blocks as a query needs them (a caller that reads
    once, as `lp query` and the runner's class list do, is quicker with the plain SQL and its
    filters pushed down). `materialise`: whether `ensure_views` may materialise building blocks on
    this connection; None: only on a read-only one (whose data cannot change under them).
    The current state of each kind, the rules and `lp_as_of` are always created."""
    day = parse_as_of(as_of) or newest_export_or_today(con)
    _reset_materialised(con, _read_only(con) if materialise is None else materialise)
    set_as_of(con, day)
    con.execute("CREATE OR REPLACE TEMP VIEW current_snapshots AS " + CURRENT_SNAPSHOTS)
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
    define_functions(con)
    create_macros(con, load_macros())
    _tune(con)
    if views is None:
        for query in load_queries():
            _create_view(con, query)
    else:
        ensure_views(con, views, materialise=False)
    return day


def _tune(con: duckdb.DuckDBPyConnection) -> None:
    """Planner settings for these views (plans only: results are the same). DuckDB's projection
    pull-up pass spends more on the compliance views' deep trees (0.2–1.5 s) than it saves."""
    try:
        con.execute("SET disabled_optimizers = 'projection_pullup'")
    except duckdb.Error:  # a DuckDB without that pass
        pass
    # DuckDB draws a progress bar on stdout once a query runs past 2 s (a county's reconciliation, or
    # any view on a busy machine): it lands in `lp query --format csv` output and in notebooks' cells.
    try:
        con.execute("SET enable_progress_bar = false")
    except duckdb.Error:  # in a Jupyter kernel DuckDB refuses to touch the setting without ipywidgets,
        pass              # and draws no bar there either


def _create_view(con: duckdb.DuckDBPyConnection, query: Query) -> None:
    try:
        con.execute(f'CREATE OR REPLACE TEMP VIEW "{query.name}" AS {query.sql}')
    except duckdb.Error as exc:
        raise LpdataError(f"view {query.name} does not compile: {str(exc).splitlines()[0]}",
                          file=query.path) from exc


def ensure_views(con: duckdb.DuckDBPyConnection, names: Iterable[str], *, materialise: bool = True) -> None:
    """Create the views of queries/ among `names`, and every view they read, that this connection
    does not have yet (names that are no view of queries/ are ignored). Creating a view costs DuckDB
    a bind of its whole query, views read included: every view at once takes 0.5–1 s, while a
    report reads two or three of them. `materialise`: also build the building blocks (MATERIALISE)
    those views read, for the connection's as-of date, where the connection allows it."""
    queries = load_queries()
    by_name = {q.name: q for q in queries}
    wanted = {n for n in names if n in by_name}
    if not wanted:
        return
    registry = _registry(con)
    # A prepared view (lpdata.prepared) is read as its table: the views it reads are not needed.
    kept = prepared_usable(con) & by_name.keys() if registry is not None else frozenset()
    present = {r[0] for r in con.execute(
        "SELECT view_name FROM duckdb_views() WHERE temporary AND view_name IN "
        "(SELECT unnest(?::VARCHAR[]))", [sorted(by_name)]).fetchall()}
    closure = _closure(queries, frozenset(wanted), frozenset(kept))
    for query in queries:  # already in dependency order: a view is created after those it reads
        if query.name in kept & closure:
            _point_at_prepared(con, queries, registry or {}, query.name)
        elif query.name in closure and query.name not in present:
            _create_view(con, query)
    if materialise:
        _materialise(con, queries, closure - kept)


@lru_cache(maxsize=64)
def _closure(queries: tuple[Query, ...], wanted: frozenset[str], stop: frozenset[str] = frozenset()) -> frozenset[str]:
    """`wanted` and every view they read, directly or not (not what the views of `stop` read)."""
    deps = _dependencies(queries)
    seen: set[str] = set()
    todo = list(wanted)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            if name not in stop:
                todo.extend(deps[name])
    return frozenset(seen)


# --- materialised building blocks (docs/views.md) ------------------------------------------------
# A block's view reads its temp table `lp_mat_<name>` only while the table was built for the
# connection's current as-of date: `dates.set_as_of` points the view back at its plain SQL when the
# date moves (and at the table again when it comes back), and the view's own guard raises rather
# than answer from a table of another date, should `lp_as_of` be changed behind set_as_of's back.
_REGISTRY_COLUMNS = ("(name VARCHAR, as_of DATE, plain_sql VARCHAR, stored_sql VARCHAR, pointed BOOLEAN, "
                     "needs VARCHAR[])")


def _guarded(table: str, name: str) -> str:
    """The SQL a materialised block's view reads: its table, and an error instead of rows should the
    registry not hold it for the connection's as-of date. `name` is a file name of queries/ (an
    identifier: load_queries), `table` the table's SQL name (the prefix and that name, quoted, or a
    prepared table's)."""
    return (f'SELECT * FROM {table} WHERE (SELECT CASE WHEN count(*) = 1 THEN true ELSE '
            f"error('the materialised view {name} was built for another as-of date: call set_as_of') END "
            f"FROM {MATERIALISED} m, lp_as_of a WHERE m.name = '{name}' AND m.as_of = a.as_of)")


def _read_only(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the connection's database is read-only: its data cannot change under a table built from it."""
    row = con.execute("SELECT readonly FROM duckdb_databases() WHERE database_name = current_database()").fetchall()
    return bool(row and row[0][0])


def _reset_materialised(con: duckdb.DuckDBPyConnection, enabled: bool) -> None:
    """Drop every materialised table (the views are about to be recreated, plain); keep an empty
    registry when materialising is `enabled`, none otherwise."""
    for name in _registry(con) or {}:
        con.execute(f'DROP TABLE IF EXISTS "{MATERIALISED_PREFIX}{name}"')
    con.execute(f"DROP TABLE IF EXISTS {MATERIALISED}")
    con.execute(f"DROP TABLE IF EXISTS {_SEEN}")
    if enabled:
        con.execute(f"CREATE TEMP TABLE {MATERIALISED} {_REGISTRY_COLUMNS}")


def _registry(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[dt.date, bool]] | None:
    """name -> (as-of date its table was built for, whether its view reads the table now); None
    where materialising is off on this connection."""
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = ?",
                       [MATERIALISED]).fetchall()[0][0]:
        return None
    return {name: (day, bool(pointed)) for name, day, pointed in
            con.execute(f"SELECT name, as_of, pointed FROM {MATERIALISED}").fetchall()}


def materialised(con: duckdb.DuckDBPyConnection) -> dict[str, dt.date]:
    """The blocks materialised on this connection and the as-of date each table was built for
    (empty where materialising is off)."""
    return {name: day for name, (day, _) in (_registry(con) or {}).items()}


def _materialise(con: duckdb.DuckDBPyConnection, queries: tuple[Query, ...], names: frozenset[str]) -> None:
    """Build the tables of the blocks among `names` not yet built for the current as-of date, each
    from its plain view (which reads the blocks it needs, already built: dependency order)."""
    todo = [q for q in queries if q.name in names and q.name in MATERIALISE]
    if not todo:
        return
    built = _registry(con)
    if built is None:
        return  # materialising is off on this connection
    day = as_of_date(con)
    for query in todo:
        old = built.get(query.name)
        if old is not None and old[0] == day:
            continue
        table = MATERIALISED_PREFIX + query.name
        # Forget the old table first: should the build fail, the view stays plain (always right).
        con.execute(f"DELETE FROM {MATERIALISED} WHERE name = ?", [query.name])
        if old is not None and old[1]:  # still reading a table of another date (set_as_of interrupted)
            _create_view(con, query)
        con.execute(f'CREATE OR REPLACE TEMP TABLE "{table}" AS SELECT * FROM "{query.name}"')
        stored = _guarded(f'"{table}"', query.name)
        con.execute(f"INSERT INTO {MATERIALISED} VALUES (?, ?, ?, ?, true, NULL)",
                    [query.name, day, query.sql, stored])
        con.execute(f'CREATE OR REPLACE TEMP VIEW "{query.name}" AS {stored}')


# --- prepared views (lpdata.prepared) ---------------------------------------------------------
#: Part of every fingerprint: a change to what a prepared table holds (or how it is named) changes it.
PREPARED_FORMAT = "lp-prepared/1"
PREPARED_SCHEMA = "lp_prepared"
PREPARED_REGISTRY = f"{PREPARED_SCHEMA}.blocks"
#: Source files whose code shapes what a view returns beside its SQL (the kinds' current views, the
#: rules in force, the as-of date, the match text's width fold): a change to any is a new fingerprint.
_CODE = ("contract.py", "dates.py", "fold_width.py", "rules.py", "store.py", "views.py")
#: Temp table of a connection: (as_of, name) of the prepared tables its fingerprint matched at each
#: as-of date met; a row with a NULL name records a date checked (perhaps with none).
_SEEN = "lp_prepared_seen"


@lru_cache(maxsize=1)
def _code_digest() -> str:
    here = Path(__file__).resolve().parent
    return _files_digest(here / name for name in _CODE)


def fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """What this connection's views answer from, hashed: as-of date, data (`store.data_digest`),
    rules in force, queries/, the code that shapes the views, the schema and DuckDB versions."""
    import hashlib
    import json

    settings = con.execute("SELECT * FROM rule_settings ORDER BY ALL").fetchall()
    parts = [PREPARED_FORMAT, as_of_date(con).isoformat(), schema_version(con) or "", duckdb.__version__,
             queries_digest(), _code_digest(), data_digest(con), json.dumps(settings, default=str)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def prepared_table(name: str) -> str:
    """The prepared table of view `name` (a file name of queries/: an identifier)."""
    return f'{PREPARED_SCHEMA}."{name}"'


def drop_prepared(con: duckdb.DuckDBPyConnection) -> None:
    """Drop every prepared table (inside the caller's transaction: a purge, `prepare` itself)."""
    con.execute(f"DROP SCHEMA IF EXISTS {PREPARED_SCHEMA} CASCADE")


def prepared_kept(con: duckdb.DuckDBPyConnection, print_: str | None = None) -> frozenset[str]:
    """The views the file keeps prepared for fingerprint `print_` (default: this connection's)."""
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
                       "AND schema_name = ? AND table_name = 'blocks' AND NOT temporary",
                       [PREPARED_SCHEMA]).fetchall()[0][0]:
        return frozenset()
    rows = con.execute(f"SELECT name FROM {PREPARED_REGISTRY} WHERE fingerprint = ?",
                       [print_ or fingerprint(con)]).fetchall()
    return frozenset(r[0] for r in rows)


def prepared_usable(con: duckdb.DuckDBPyConnection) -> frozenset[str]:
    """The prepared views this connection may read as tables at its current as-of date: those kept
    for its fingerprint. Checked once per date: the data cannot change under a read-only
    connection, and the rules only when `create_views` starts over, which forgets the check."""
    day = as_of_date(con)
    if con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = ?",
                   [_SEEN]).fetchall()[0][0]:
        rows = con.execute(f"SELECT name FROM {_SEEN} WHERE as_of = ?", [day]).fetchall()
        if rows:
            return frozenset(r[0] for r in rows if r[0] is not None)
    else:
        con.execute(f"CREATE TEMP TABLE {_SEEN} (as_of DATE, name VARCHAR)")
    names = prepared_kept(con)
    con.execute(f"INSERT INTO {_SEEN} SELECT ?, unnest(?::VARCHAR[])", [day, [*sorted(names), None]])
    return names


def _point_at_prepared(con: duckdb.DuckDBPyConnection, queries: tuple[Query, ...],
                       registry: dict[str, tuple[dt.date, bool]], name: str) -> None:
    """Point the view `name` at its prepared table (lpdata.prepared), usable at the current as-of
    date. The view is created without the views its plain SQL reads (binding those costs more than
    reading the table): the registry keeps the statements creating them, and `set_as_of` runs them
    before it points the view back at its plain SQL on another date."""
    day = as_of_date(con)
    old = registry.get(name)
    if old is not None and old[0] == day and old[1]:
        return  # reading its table (prepared, or built on this connection) already
    con.execute(f"DELETE FROM {MATERIALISED} WHERE name = ?", [name])
    con.execute(f'DROP TABLE IF EXISTS "{MATERIALISED_PREFIX}{name}"')
    reads = _closure(queries, frozenset([name])) - {name}
    needs = [f'CREATE TEMP VIEW IF NOT EXISTS "{q.name}" AS {q.sql}' for q in queries if q.name in reads]
    plain = next(q.sql for q in queries if q.name == name)
    stored = _guarded(prepared_table(name), name)
    con.execute(f"INSERT INTO {MATERIALISED} VALUES (?, ?, ?, ?, true, ?)", [name, day, plain, stored, needs])
    con.execute(f'CREATE OR REPLACE TEMP VIEW "{name}" AS {stored}')


@lru_cache(maxsize=8)
def _dependencies(queries: tuple[Query, ...]) -> dict[str, frozenset[str]]:
    names = {q.name for q in queries}
    return {q.name: frozenset(references(q, names)) for q in queries}


def views_in(sql: str) -> set[str]:
    """The views of queries/ a SQL text names (comments and string literals do not count)."""
    code = _STRING.sub("''", _COMMENT.sub(" ", sql))
    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", code)) & {q.name for q in load_queries()}


def connect(db_path: str | Path, as_of: dt.date | str | None = None, *,
            read_only: bool = True, rules_file: Path | bool | None = True,
            views: Iterable[str] | None = None, materialise: bool | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection to the database with every view ready, as of `as_of` (default: the
    newest export time loaded). `rules_file`: the school's rules overrides (default
    `parameters/rules.yaml` when present; False for the shipped defaults and ingested rules only).
    `views`: only these views of queries/ and those they read (`ensure_views` adds more later,
    and materialises the building blocks a query reads); the default, every one. `materialise`:
    see `create_views` (None: on a read-only connection)."""
    con = open_db(Path(db_path), read_only=read_only)
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        if "snapshots" not in tables:
            raise StoreError("the database has no lp tables yet; run `lp ingest` first", file=db_path)
        create_views(con, as_of=as_of, rules_file=rules_file, views=views, materialise=materialise)
    except BaseException:
        con.close()
        raise
    return con


def view_names() -> tuple[str, ...]:
    """Every name `lp query` accepts."""
    return (*(q.name for q in load_queries()), *(k.name for k in ALL_KINDS), *BASE_TABLES)


def public_views() -> tuple[str, ...]:
    """The views `lp query --help` lists: every `queries/*.sql` not named `_…` (those are building blocks)."""
    return tuple(sorted(q.name for q in load_queries() if not q.name.startswith("_")))


def check_view_name(name: str) -> str:
    """`name` if `lp query` may read it (any view, kind or base table); else the error lists the public views."""
    if name not in view_names():
        raise UnknownViewError(name, public_views())
    return name
