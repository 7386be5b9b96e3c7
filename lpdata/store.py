"""The DuckDB file: schema, one transaction per ingest, snapshots, quarantine and the ingest log.

Tables only. Views (the current state of each kind, and `queries/*.sql`) are created per connection
by `lpdata.views`, so they always match the SQL on disk and the as-of date of that connection.

Snapshots. An ingest groups the files of a folder by kind; the files of one kind in one run form a
*snapshot*, dated by `--exported-at`, else by the newest event time in those files, else by the
ingest time. For every partition (a term, or a batch for submissions, receipts and confirmations;
the whole kind for staff, proxies, meetings and trainings) the newest snapshot that covers it is the
current state; older ones stay as history. A kind whose files are all already part of the current
state is left untouched, so loading the same file or folder twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import socket
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import polars as pl

from . import __version__
from .contract import ALL_KINDS, DERIVED_TERM, KINDS_BY_NAME, ColumnType, Kind
from .errors import DatabaseBusyError, KeyFileError, LpdataError, StoreError
from .readers import Export, SpilledRows
from .readers.ids import IdHasher, mask_ids_in_text
from .readers.rows import PART, SHEET
from .readers.tables import ROW
from .resolve import tie_student_numbers

T = TypeVar("T")

#: The layout of the tables. A file of an older version is upgraded by `lpdata.migrate` when it is
#: first opened (a copy of it kept beside it); a newer one is refused. 2: snap_national_uploads,
#: snap_grades.retake, row_notices.
SCHEMA_VERSION = "2"
DEFAULT_DB = Path("data/lp.duckdb")

_SQL_TYPES = {
    ColumnType.TEXT: "VARCHAR", ColumnType.CODE: "VARCHAR", ColumnType.CHOICE: "VARCHAR",
    ColumnType.INT: "BIGINT", ColumnType.NUMBER: "DOUBLE", ColumnType.DATE: "DATE",
    ColumnType.DATETIME: "TIMESTAMP", ColumnType.TIME: "TIME", ColumnType.BOOL: "BOOLEAN",
    ColumnType.NATIONAL_ID: "VARCHAR", ColumnType.ROLES: "VARCHAR[]",
}

# Bookkeeping tables. Identifiers come from this module and the contract, never from input.
# `purge_runs` is the audit of `lp purge --apply` (lpdata.purge): counts only, kept by every purge.
# `row_notices` (schema 2): cells of loaded rows that need a person's attention (a 造字, a ? in a
# name; lpdata/readers/notices.py), one line per cell, listed by data_quality beside the quarantine.
_BOOKKEEPING = """
CREATE TABLE IF NOT EXISTS lp_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS ingest_runs (
    ingest_id INTEGER PRIMARY KEY, started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP NOT NULL,
    source VARCHAR NOT NULL, exported_at_arg TIMESTAMP, run_by VARCHAR, host VARCHAR,
    lp_version VARCHAR, files_read INTEGER, snapshots_loaded INTEGER, kinds_unchanged INTEGER,
    rows_loaded BIGINT, rows_quarantined BIGINT, ignored_files VARCHAR[]);
CREATE TABLE IF NOT EXISTS snapshots (
    snapshot_id INTEGER PRIMARY KEY, ingest_id INTEGER NOT NULL, kind VARCHAR NOT NULL,
    exported_at TIMESTAMP NOT NULL, exported_at_source VARCHAR NOT NULL,
    rows_read BIGINT NOT NULL, rows_loaded BIGINT NOT NULL, rows_quarantined BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS snapshot_files (
    file_id INTEGER PRIMARY KEY, snapshot_id INTEGER NOT NULL, path VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL, encoding VARCHAR, sheets VARCHAR[], skipped_sheets VARCHAR[],
    ignored_columns VARCHAR[], rows_read BIGINT NOT NULL, rows_loaded BIGINT NOT NULL,
    rows_quarantined BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS snapshot_partitions (
    snapshot_id INTEGER NOT NULL, kind VARCHAR NOT NULL, part VARCHAR NOT NULL, exported_at TIMESTAMP NOT NULL,
    rows BIGINT NOT NULL, PRIMARY KEY (snapshot_id, part));
CREATE TABLE IF NOT EXISTS quarantine (
    file_id INTEGER NOT NULL, snapshot_id INTEGER NOT NULL, kind VARCHAR NOT NULL, sheet VARCHAR,
    row_number BIGINT, column_name VARCHAR, reason VARCHAR NOT NULL, value VARCHAR, detail VARCHAR,
    raw_row VARCHAR, national_id_hash VARCHAR);
CREATE TABLE IF NOT EXISTS purge_runs (
    purge_id INTEGER PRIMARY KEY, run_at TIMESTAMP NOT NULL, run_by VARCHAR, host VARCHAR,
    as_of DATE NOT NULL, lp_version VARCHAR, students INTEGER NOT NULL, rows_deleted VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS row_notices (
    file_id INTEGER NOT NULL, snapshot_id INTEGER NOT NULL, kind VARCHAR NOT NULL, sheet VARCHAR,
    row_number BIGINT, column_name VARCHAR, reason VARCHAR NOT NULL, value VARCHAR, detail VARCHAR,
    national_id_hash VARCHAR);
"""

#: Which snapshot is current, the one rule for it: per kind and part (term or batch), the snapshot of
#: the latest export time, the later snapshot on a tie. The views' `current_snapshots`
#: (lpdata.views) and the loader's "these files are loaded already" check both read it.
CURRENT_SNAPSHOTS = """SELECT kind, part, snapshot_id, exported_at FROM (
    SELECT *, row_number() OVER (PARTITION BY kind, part ORDER BY exported_at DESC, snapshot_id DESC) AS rank
    FROM snapshot_partitions) WHERE rank = 1"""


def _current_roster(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The current roster rows of every term (the rule of CURRENT_SNAPSHOTS) that carry an ID hash:
    what rows read by 學號 are tied to (lpdata.resolve)."""
    rows = con.execute(
        f"""WITH current_snaps AS ({CURRENT_SNAPSHOTS})
            SELECT s.academic_year, s.semester, s.student_no, s.national_id_hash
            FROM snap_students s JOIN current_snaps c
              ON c.kind = 'students' AND c.snapshot_id = s._snapshot_id AND c.part = s._part
            WHERE s.national_id_hash IS NOT NULL""").fetchall()
    return pl.DataFrame(rows, schema={"academic_year": pl.Int64, "semester": pl.Int64, "student_no": pl.String,
                                      "national_id_hash": pl.String}, orient="row")


def table_name(kind: Kind) -> str:
    """Every snapshot's rows of a kind; the view named after the kind shows the current ones."""
    return f"snap_{kind.name}"


def stored_columns(kind: Kind) -> list[tuple[str, str]]:
    cols = [(c.stored_name, "BIGINT" if c.as_int else _SQL_TYPES[c.type]) for c in kind.columns]
    if kind.name in DERIVED_TERM:
        cols += [("academic_year", "BIGINT"), ("semester", "BIGINT")]
    return cols


def _kind_ddl(kind: Kind) -> str:
    cols = ",\n    ".join(f'"{name}" {sql}' for name, sql in stored_columns(kind))
    return (f"CREATE TABLE IF NOT EXISTS {table_name(kind)} (\n    _snapshot_id INTEGER NOT NULL, "
            f"_file_id INTEGER NOT NULL, _row BIGINT, _sheet VARCHAR, _part VARCHAR NOT NULL,\n    {cols});")


def first_row(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = ()) -> tuple[Any, ...] | None:
    """The first row of a query, with the result fully consumed (DuckDB 2 keeps a result open after
    fetchone(), and the next statement on the connection would fail)."""
    rows = con.execute(sql, list(params)).fetchall()
    return rows[0] if rows else None


def one_row(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = ()) -> tuple[Any, ...]:
    """The first row of a query that always returns one (an aggregate); no row is a `StoreError`."""
    row = first_row(con, sql, params)
    if row is None:
        raise StoreError(f"the query `{_one_line(sql)}` returned no row")
    return row


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = ()) -> object:
    """The first column of the first row; None without a row. Its type is the caller's to check:
    `scalar_as`, `scalar_int` and `scalar_str` do."""
    row = first_row(con, sql, params)
    return row[0] if row else None


def scalar_as(con: duckdb.DuckDBPyConnection, sql: str, type_: type[T], params: Sequence[object] = ()) -> T:
    """`scalar` for a query whose value has a known type; another type (or NULL, or no row) is a
    `StoreError` naming the query, rather than a wrong value further on."""
    value = scalar(con, sql, params)
    if not isinstance(value, type_):
        raise StoreError(f"the query `{_one_line(sql)}` returned {type(value).__name__}, "
                         f"not {type_.__name__}")
    return value


def scalar_int(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = ()) -> int:
    """`scalar` for an integer (a count, a next id)."""
    return scalar_as(con, sql, int, params)


def scalar_str(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = ()) -> str:
    """`scalar` for text (a name, a setting)."""
    return scalar_as(con, sql, str, params)


def _one_line(sql: str) -> str:
    """A query as one line, for an error message."""
    return " ".join(sql.split())


# --- opening the file ------------------------------------------------------------------------
def open_db(path: Path, *, read_only: bool = False, migrate: bool = True) -> duckdb.DuckDBPyConnection:
    """Open the database; a clear error when another `lp` holds it or it cannot be written.

    Every lp command opens the file here, so the first one of a new release to open a file of an
    older schema upgrades it (`lpdata.migrate`: a copy kept beside it, one transaction, one line on
    stderr), read-only ones included: they open it for writing for the upgrade, then read-only. A
    file of a newer schema is refused. `migrate=False` opens the file as it is (a database about to
    be replaced by a restore)."""
    path = Path(path)
    if read_only and not path.exists():
        raise StoreError("no database here yet; run `lp ingest FOLDER --db PATH` first", file=path)
    con = _connect(path, read_only=read_only)
    if not migrate:
        return con
    try:
        version = schema_version(con)
    except BaseException:
        con.close()
        raise
    if version is None or version == SCHEMA_VERSION:
        return con
    con.close()
    check_version(version, path)  # a newer file is refused before anything is written
    from .migrate import migrate as upgrade  # migrate reads this module

    upgrade(path)
    return _connect(path, read_only=read_only)


def data_digest(con: duckdb.DuckDBPyConnection) -> str:
    """sha256 over the database's snapshots, their files' sha256 and the purges: a new ingest or a
    purge changes it, reading (or keeping prepared tables, `lpdata.prepared`) does not."""
    import hashlib

    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' "
                                        "AND NOT temporary").fetchall()}
    parts: list[Any] = []
    if "snapshots" in tables:
        parts.append(con.execute("SELECT snapshot_id, kind, exported_at::VARCHAR, rows_loaded FROM snapshots "
                                 "ORDER BY snapshot_id").fetchall())
    if "snapshot_files" in tables:
        parts.append(con.execute("SELECT file_id, snapshot_id, sha256 FROM snapshot_files "
                                 "ORDER BY file_id").fetchall())
    if "purge_runs" in tables:
        parts.append(con.execute("SELECT purge_id, run_at::VARCHAR FROM purge_runs ORDER BY purge_id").fetchall())
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def schema_version(con: duckdb.DuckDBPyConnection) -> str | None:
    """The file's `lp_meta.schema_version`; None for a file without lp tables (nothing to upgrade)."""
    try:
        value = scalar(con, "SELECT value FROM lp_meta WHERE key = 'schema_version'")
    except duckdb.CatalogException:
        return None
    return None if value is None else str(value)


def check_version(version: str, path: Path) -> None:
    """Refuse a file written by a newer lp-workbench (its tables may mean what this one cannot read)."""
    if not version.isdigit():
        raise StoreError(f"the database records schema version {version!r}, which this lp-workbench does not know",
                         file=path)
    if int(version) > int(SCHEMA_VERSION):
        raise StoreError(f"the database has schema version {version}, newer than this lp-workbench's "
                         f"{SCHEMA_VERSION} (lp-workbench {__version__}); open it with the lp-workbench that "
                         "wrote it, or a newer one", file=path)


def _connect(path: Path, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        text = str(exc)
        if "lock" in text.lower():
            raise DatabaseBusyError(
                "the database is in use by another lp command; try again when it has finished",
                file=path) from exc
        raise StoreError(f"cannot open the database: {text.splitlines()[0]}", file=path) from exc
    except duckdb.Error as exc:
        raise StoreError(f"cannot open the database: {str(exc).splitlines()[0]}", file=path) from exc


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(_BOOKKEEPING)
    # Added after schema 1 shipped: older files get the column (NULL for rows quarantined before).
    con.execute("ALTER TABLE quarantine ADD COLUMN IF NOT EXISTS national_id_hash VARCHAR")
    for kind in ALL_KINDS:
        con.execute(_kind_ddl(kind))
    con.execute("INSERT INTO lp_meta VALUES ('schema_version', ?) ON CONFLICT DO NOTHING", [SCHEMA_VERSION])


def upgrade_schema(con: duckdb.DuckDBPyConnection, version: str) -> None:
    """The statements that bring tables of schema `version` to SCHEMA_VERSION, one version after the
    other (run by `lpdata.migrate` in its transaction; the version it records itself). Each is
    idempotent (IF NOT EXISTS), so a file some older code already partly extended upgrades all the
    same. A version this code has no steps for is refused."""
    if not version.isdigit() or not 1 <= int(version) <= int(SCHEMA_VERSION):
        raise StoreError(f"this lp-workbench cannot upgrade a database of schema version {version}")
    for step in range(int(version), int(SCHEMA_VERSION)):
        if step == 1:  # 1 -> 2: row_notices; snap_national_uploads; grades.retake
            con.execute(_BOOKKEEPING)  # creates row_notices (the tables of version 1 exist already)
            con.execute(_kind_ddl(KINDS_BY_NAME["national_uploads"]))
            con.execute("ALTER TABLE snap_grades ADD COLUMN IF NOT EXISTS retake BOOLEAN")


def check_key(con: duckdb.DuckDBPyConnection, hasher: IdHasher, db: Path) -> None:
    """The first ingest records the key's fingerprint; later ones must use the same key, or every
    hash would silently stop matching."""
    row = first_row(con, "SELECT value FROM lp_meta WHERE key = 'key_fingerprint'")
    if row is None:
        con.execute("INSERT INTO lp_meta VALUES ('key_fingerprint', ?)", [hasher.fingerprint])
    elif row[0] != hasher.fingerprint:
        raise KeyFileError(
            "this database was built with another ID-hash key; use that key file (--key-file or "
            "LP_KEY_FILE), or IDs would no longer match", file=db)


# --- ingest ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class KindResult:
    kind: str
    files: tuple[str, ...]
    status: str  # loaded | unchanged
    snapshot_id: int | None
    exported_at: dt.datetime | None
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    partitions: tuple[str, ...]


@dataclass(frozen=True)
class IngestResult:
    ingest_id: int | None
    db: Path
    kinds: tuple[KindResult, ...]
    ignored_files: tuple[str, ...] = ()
    #: (file, kind, rows) of each file read whose every row was quarantined: nothing of it is loaded.
    all_quarantined: tuple[tuple[str, str, int], ...] = ()
    #: Cells of loaded rows that need a person's attention (row_notices), in the kinds loaded.
    notices: int = 0

    @property
    def rows_loaded(self) -> int:
        return sum(k.rows_loaded for k in self.kinds if k.status == "loaded")

    @property
    def rows_quarantined(self) -> int:
        return sum(k.rows_quarantined for k in self.kinds if k.status == "loaded")


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection, *, begun: bool = False) -> Iterator[None]:
    """All of it or nothing. A write the disk refuses (full, a file size limit, a read-only file or
    folder) is a `StoreError` with one clear line; the transaction is rolled back either way.
    `begun`: the transaction is open already (rows written ahead, `AheadWriter`)."""
    if not begun:
        con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException as exc:
        try:
            con.execute("ROLLBACK")
        except duckdb.Error:
            pass  # the transaction is already gone (DuckDB aborts it on some errors): nothing was committed
        refused = write_refused(exc)
        if refused is not None:
            raise refused from exc
        raise
    try:
        con.execute("COMMIT")
    except duckdb.Error as exc:
        raise (write_refused(exc) or StoreError(
            f"the database did not commit, so nothing was changed: {str(exc).splitlines()[0]}")) from exc


_WRITE_REFUSED = ("no space left", "file too large", "permission denied", "read-only file system",
                  "disk quota", "could not write", "could not truncate", "could not fsync")


def write_refused(exc: BaseException) -> StoreError | None:
    """A DuckDB or OS error that means the disk refused a write, as one clear `StoreError`; else None."""
    if isinstance(exc, LpdataError):
        return None
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(exc, (duckdb.IOException, OSError)) or any(s in text.lower() for s in _WRITE_REFUSED):
        return StoreError("cannot write the database, so nothing was changed (is the disk full, or the "
                          f"file or its folder read-only?): {text}")
    return None


def _next_id(con: duckdb.DuckDBPyConnection, table: str, column: str) -> int:
    return scalar_int(con, f"SELECT coalesce(max({column}), 0) + 1 FROM {table}")


def _current_hashes(con: duckdb.DuckDBPyConnection, kind: str) -> set[str]:
    """The sha256 of every file in a snapshot that is current for at least one partition, and of the
    files of the kind's newest snapshot when it has no partition (every row quarantined, or none
    read): loading such a file again changes nothing either."""
    rows = con.execute(
        f"""
        WITH current_snaps AS ({CURRENT_SNAPSHOTS}),
        newest AS (SELECT max(snapshot_id) AS snapshot_id FROM snapshots WHERE kind = ?)
        SELECT DISTINCT f.sha256 FROM snapshot_files f JOIN current_snaps c USING (snapshot_id)
        WHERE c.kind = ?
        UNION
        SELECT f.sha256 FROM snapshot_files f JOIN newest n USING (snapshot_id)
        WHERE NOT EXISTS (SELECT 1 FROM snapshot_partitions p WHERE p.snapshot_id = n.snapshot_id)
        """, [kind, kind]).fetchall()
    return {r[0] for r in rows}


def write_exports(
    con: duckdb.DuckDBPyConnection,
    exports: Sequence[Export],
    *,
    hasher: IdHasher,
    db: Path,
    source: str,
    exported_at: dt.datetime | None,
    ignored_files: Sequence[str] = (),
    started_at: dt.datetime,
    path_of: Callable[[Path], str] = str,
    before_commit: Callable[[], None] | None = None,
    ahead: AheadWriter | None = None,
) -> IngestResult:
    """Write the read exports in one transaction (schema and key check included, so a first ingest
    that fails leaves no tables behind). With `ahead`, the transaction is `ahead`'s, already open,
    and the rows it wrote are not written again. `before_commit` exists for fault tests."""
    results: list[KindResult] = []
    written: dict[tuple[str, str], tuple[int, int]] = ahead.written if ahead is not None else {}
    with transaction(con, begun=ahead is not None):
        if ahead is None:
            ensure_schema(con)
            check_key(con, hasher, db)
        # Rows read by 學號 without 身分證號 get their student's ID hash, or go to the quarantine.
        exports = tie_student_numbers(exports, lambda: _current_roster(con))
        by_kind: dict[str, list[Export]] = {}
        for export in exports:
            by_kind.setdefault(export.kind.name, []).append(export)
        ingest_id = _next_id(con, "ingest_runs", "ingest_id")
        for kind_name in sorted(by_kind):
            group = by_kind[kind_name]
            results.append(_write_kind(con, ingest_id, group, exported_at, started_at, path_of, written))
        loaded = [r for r in results if r.status == "loaded"]
        con.execute(
            "INSERT INTO ingest_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [ingest_id, started_at, dt.datetime.now(), source, exported_at, _user(), socket.gethostname(),
             __version__, len({e.file for e in exports}), len(loaded), len(results) - len(loaded),
             sum(r.rows_loaded for r in loaded), sum(r.rows_quarantined for r in loaded),
             list(ignored_files)],
        )
        if before_commit is not None:
            before_commit()
    loaded_kinds = {r.kind for r in results if r.status == "loaded"}
    empty = tuple((path_of(e.file), e.kind.name, e.rejects.height) for e in exports
                  if e.rows.height == 0 and e.rejects.height > 0)
    return IngestResult(ingest_id, db, tuple(results), tuple(ignored_files), empty,
                        sum(e.notices.height for e in exports if e.kind.name in loaded_kinds))


def _write_kind(con: duckdb.DuckDBPyConnection, ingest_id: int, group: list[Export],
                exported_at: dt.datetime | None, started_at: dt.datetime,
                path_of: Callable[[Path], str],
                written: Mapping[tuple[str, str], tuple[int, int]]) -> KindResult:
    """One kind's snapshot. `written`: the ids the rows of an export written ahead carry, by
    `ahead_key` (the exports of a kind written ahead are the first of its group, in order)."""
    kind = group[0].kind
    files = tuple(path_of(e.file) for e in group)
    rows_read = sum(e.rows_read for e in group)
    rows_loaded = sum(e.rows.height for e in group)
    rows_quarantined = sum(e.rejects.height for e in group)
    if {e.sha256 for e in group} <= _current_hashes(con, kind.name):
        return KindResult(kind.name, files, "unchanged", None, None, rows_read, 0, 0, ())
    if exported_at is not None:
        when, how = exported_at, "argument"
    else:
        stamps = [s for s in (e.newest_stamp for e in group) if s is not None]
        when, how = (max(stamps), "file") if stamps else (started_at, "ingest time")
    snapshot_id = _next_id(con, "snapshots", "snapshot_id")
    con.execute("INSERT INTO snapshots VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [snapshot_id, ingest_id, kind.name, when, how, rows_read, rows_loaded, rows_quarantined])
    columns = [name for name, _ in stored_columns(kind)]
    table = table_name(kind)
    # File ids follow one another (snapshot_files gets one row per export, nothing else in between).
    first_file = _next_id(con, "snapshot_files", "file_id")
    _correct_ids(con, table, [(written[k], (snapshot_id, first_file + i))
                              for i, k in enumerate(ahead_key(e) for e in group) if k in written])
    for i, export in enumerate(group):
        file_id = first_file + i
        con.execute(
            "INSERT INTO snapshot_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [file_id, snapshot_id, path_of(export.file), export.sha256, export.encoding,
             list(export.sheets), list(export.skipped_sheets), list(export.ignored_columns),
             export.rows_read, export.rows.height, export.rejects.height],
        )
        if ahead_key(export) not in written:
            insert_rows(con, kind, export.rows, snapshot_id, file_id)
        if export.rejects.height:
            rejects = export.rejects.select(
                *_where_found(file_id, snapshot_id, kind),
                pl.col("raw").alias("raw_row"), pl.col("national_id_hash"),
            )
            con.register("_incoming_rejects", rejects)
            con.execute("INSERT INTO quarantine BY NAME SELECT * FROM _incoming_rejects")
            con.unregister("_incoming_rejects")
        if export.notices.height:
            notices = export.notices.select(*_where_found(file_id, snapshot_id, kind))
            # The row's ID hash, from the row just stored: a purge then removes a graduate's notices
            # (their values hold names) with the rest of their rows.
            nid = (f"(SELECT r.national_id_hash FROM {table} r WHERE r._file_id = n.file_id "
                   "AND r._row = n.row_number AND r._sheet IS NOT DISTINCT FROM n.sheet LIMIT 1)"
                   if "national_id_hash" in columns else "NULL::VARCHAR")
            con.register("_incoming_notices", notices)
            con.execute(f"INSERT INTO row_notices BY NAME SELECT n.*, {nid} AS national_id_hash "
                        "FROM _incoming_notices n")
            con.unregister("_incoming_notices")
    if kind.key and len(group) > 1:
        # The same key in two files of one export: keep the first file's row, quarantine the rest
        # (within one file a key is already unique). In SQL, so a nation's rows need not fit in memory.
        key = ", ".join(f'"{c}"' for c in kind.key)
        nid = '"national_id_hash"' if "national_id_hash" in columns else "NULL::VARCHAR"
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _lp_cross_file_dups AS
                SELECT rowid AS rid, _file_id, _snapshot_id, _sheet, _row, {nid} AS national_id_hash
                FROM {table} WHERE _snapshot_id = ?
                QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY _file_id) > 1""", [snapshot_id])
        try:
            dups = scalar_int(con, "SELECT count(*) FROM _lp_cross_file_dups")
            if dups:
                con.execute(
                    """INSERT INTO quarantine (file_id, snapshot_id, kind, sheet, row_number, column_name, reason,
                                              value, detail, raw_row, national_id_hash)
                       SELECT _file_id, _snapshot_id, ?, _sheet, _row, ?, 'duplicate_key',
                              NULL, 'repeats a row of another file of the same export', NULL, national_id_hash
                       FROM _lp_cross_file_dups ORDER BY _file_id, _row""",
                    [kind.name, ", ".join(kind.column(c).header for c in kind.key)])
                con.execute(f"DELETE FROM {table} WHERE rowid IN (SELECT rid FROM _lp_cross_file_dups)")
                rows_loaded -= dups
                rows_quarantined += dups
                con.execute("UPDATE snapshots SET rows_loaded = ?, rows_quarantined = ? WHERE snapshot_id = ?",
                            [rows_loaded, rows_quarantined, snapshot_id])
        finally:
            con.execute("DROP TABLE IF EXISTS _lp_cross_file_dups")
    parts = con.execute(f"SELECT _part, count(*) FROM {table} WHERE _snapshot_id = ? GROUP BY _part ORDER BY _part",
                        [snapshot_id]).fetchall()
    for part, n in parts:
        con.execute("INSERT INTO snapshot_partitions VALUES (?, ?, ?, ?, ?)",
                    [snapshot_id, kind.name, part, when, n])
    return KindResult(kind.name, files, "loaded", snapshot_id, when, rows_read, rows_loaded,
                      rows_quarantined, tuple(p for p, _ in parts))


def _where_found(file_id: int, snapshot_id: int, kind: Kind) -> list[pl.Expr]:
    """The columns a quarantined row and a notice share: where it was found and why."""
    return [pl.lit(file_id, dtype=pl.Int32).alias("file_id"),
            pl.lit(snapshot_id, dtype=pl.Int32).alias("snapshot_id"),
            pl.lit(kind.name).alias("kind"), pl.col(SHEET).alias("sheet"),
            pl.col(ROW).alias("row_number"), pl.col("column").alias("column_name"),
            pl.col("reason"), pl.col("value"), pl.col("detail")]


def insert_rows(con: duckdb.DuckDBPyConnection, kind: Kind, rows: pl.DataFrame | SpilledRows,
                snapshot_id: int, file_id: int) -> None:
    """Append an export's kept rows to its kind's table, straight from the reader's frame, or from
    its Parquet files (a big file)."""
    cols = ", ".join(f'"{name}"' for name, _ in stored_columns(kind))
    with _rows_source(con, rows) as source, _one_thread(con):
        if source is not None:
            con.execute(f'INSERT INTO {table_name(kind)} (_snapshot_id, _file_id, _row, _sheet, _part, {cols}) '
                        f'SELECT ?, ?, "{ROW}", "{SHEET}", "{PART}", {cols} '
                        f'FROM {source}', [snapshot_id, file_id])


def _correct_ids(con: duckdb.DuckDBPyConnection, table: str,
                 ids: Sequence[tuple[tuple[int, int], tuple[int, int]]]) -> None:
    """Rows written ahead with ids that turned out other than the ones their export gets (a file
    read later brought a kind that sorts before theirs): (written, right) pairs, set in one UPDATE,
    so that no pair's new ids are matched again by another pair. The ids written ahead are this
    ingest's own (at least the next id, or negative), never an earlier snapshot's."""
    wrong = [(old, new) for old, new in ids if old != new]
    if not wrong:
        return
    frame = pl.DataFrame([(o[0], o[1], n[0], n[1]) for o, n in wrong], orient="row",
                         schema={"old_snapshot": pl.Int32, "old_file": pl.Int32,
                                 "snapshot_id": pl.Int32, "file_id": pl.Int32})
    con.register("_lp_ids", frame)
    try:
        con.execute(f"UPDATE {table} SET _snapshot_id = m.snapshot_id, _file_id = m.file_id FROM _lp_ids m "
                    f"WHERE {table}._snapshot_id = m.old_snapshot AND {table}._file_id = m.old_file")
    finally:
        con.unregister("_lp_ids")


def ahead_key(export: Export) -> tuple[str, str]:
    """An export among those of one ingest: its file and kind (a file holds one export per kind)."""
    return str(export.file), export.kind.name


def expected_ids(kinds: Mapping[str, tuple[int, bool]], kind: str, index: int, next_snapshot: int,
                 next_file: int) -> tuple[int, int]:
    """(snapshot_id, file_id) that `write_exports` gives the `index`-th export of `kind`, given every
    kind of the ingest as name -> (exports, loaded): the kinds are written in sorted order, each
    loaded one taking the next snapshot id and one file id per export."""
    before = [kinds[k] for k in sorted(kinds) if k < kind and kinds[k][1]]
    return next_snapshot + len(before), next_file + sum(n for n, _ in before) + index


class AheadWriter:
    """The ingest's transaction opened while files are still being read, so that the rows of the
    files read first are written (compressed, most of the write's time) while the others are read
    (lpdata.ingest). Nothing is committed here: `write_exports(ahead=...)` finishes the transaction.

    Only when nothing can differ from writing after the reading: the file has no write-ahead log
    left and needs no upgrade; `abandon` rolls everything back and leaves the file as it was (a new
    file removed, an existing one cut back to its size: rolled-back rows leave blocks past its
    end), so that a rejected ingest still changes nothing and the caller opens the file as before."""

    def __init__(self, con: duckdb.DuckDBPyConnection, db: Path, size: int | None) -> None:
        self.con = con
        self.db = db
        self._size = size  # None: this ingest created the file
        self.next_snapshot = _next_id(con, "snapshots", "snapshot_id")
        self.next_file = _next_id(con, "snapshot_files", "file_id")
        self.written: dict[tuple[str, str], tuple[int, int]] = {}
        self._hashes: dict[str, set[str]] = {}

    @classmethod
    def begin(cls, db: Path, hasher: IdHasher, memory_limit: str) -> AheadWriter | None:
        """The transaction opened, schema and key checked; None when the file cannot be written
        ahead (busy, refused, of another schema, another key, a log to replay): the ingest then opens
        it after reading, as it always did, and says what is wrong then."""
        if Path(f"{db}.wal").exists():
            return None
        size = db.stat().st_size if db.exists() else None
        try:
            con = _connect(db, read_only=False)
        except LpdataError:
            return None
        writer: AheadWriter | None = None
        try:
            if schema_version(con) not in (None, SCHEMA_VERSION):
                raise StoreError("needs an upgrade")
            con.execute("SET memory_limit = ?", [memory_limit])
            con.execute("BEGIN TRANSACTION")
            ensure_schema(con)
            check_key(con, hasher, db)
            writer = cls(con, db, size)
        except (LpdataError, duckdb.Error):
            cls._give_back(con, db, size)
            return None
        return writer

    def current_hashes(self, kind: str) -> set[str]:
        """`_current_hashes` as it stands before this ingest (rows written ahead change no snapshot)."""
        if kind not in self._hashes:
            self._hashes[kind] = _current_hashes(self.con, kind)
        return self._hashes[kind]

    def write(self, export: Export, snapshot_id: int, file_id: int) -> None:
        """Append an export's rows with the ids it will most likely get. Ids another export of its
        kind was written with (two guesses made as more files were read) are replaced by ids no
        row can have (negative), so that `_correct_ids` tells every export's rows apart."""
        kind = export.kind.name
        if (snapshot_id, file_id) in {ids for (_, k), ids in self.written.items() if k == kind}:
            snapshot_id = file_id = -1 - len(self.written)
        insert_rows(self.con, export.kind, export.rows, snapshot_id, file_id)
        self.written[ahead_key(export)] = (snapshot_id, file_id)

    def abandon(self) -> None:
        """Roll back and close; the file as it was before `begin`."""
        self._give_back(self.con, self.db, self._size)

    @staticmethod
    def _give_back(con: duckdb.DuckDBPyConnection, db: Path, size: int | None) -> None:
        try:
            con.execute("ROLLBACK")
        except duckdb.Error:
            pass  # no transaction open, or DuckDB aborted it already
        # While the connection still holds the file's lock, so no other lp command sees it between.
        if size is None:
            for path in (db, Path(f"{db}.wal")):
                path.unlink(missing_ok=True)
        elif db.stat().st_size > size:
            os.truncate(db, size)  # nothing committed: nothing past the old end is referenced
        con.close()


@contextmanager
def _one_thread(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """DuckDB on one thread for a bulk INSERT: it then appends whole, compressed row groups in order.
    With more threads it writes small row groups in parallel and rewrites them all at the checkpoint
    (measured on 1.4 million rows: twice the CPU time, and a file 1.7 times as big). The same rows
    in the same order either way.

    And each row group compressed and written as soon as it is full (`write_buffer_row_group_count`
    1, DuckDB's default 5): a table of fewer than five row groups (the county's MP rows and
    submissions) was otherwise compressed only at COMMIT, after the reading, where now the INSERT
    does it, while other files are still read (`AheadWriter`). The same row groups, compressed alike,
    and a file of the same size (county: 1.2 s of CPU moved out of the COMMIT)."""
    threads = scalar(con, "SELECT current_setting('threads')")
    buffered = scalar(con, "SELECT current_setting('write_buffer_row_group_count')")
    con.execute("SET threads = 1")
    con.execute("SET write_buffer_row_group_count = 1")
    try:
        yield
    finally:
        try:
            con.execute("SET threads = ?", [threads])
            con.execute("SET write_buffer_row_group_count = ?", [buffered])
        except duckdb.Error:
            pass  # an aborted transaction refuses it: the error being raised is the one to report


@contextmanager
def _rows_source(con: duckdb.DuckDBPyConnection, rows: pl.DataFrame | SpilledRows) -> Iterator[str | None]:
    """What to SELECT an export's rows FROM: the registered frame, or its Parquet files; None when
    there are none."""
    if isinstance(rows, SpilledRows):
        if not rows.files or not rows.height:
            yield None
            return
        files = ", ".join("'" + str(f).replace("'", "''") + "'" for f in rows.files)
        yield f"read_parquet([{files}])"
        return
    if not rows.height:
        yield None
        return
    con.register("_incoming_rows", rows)
    try:
        yield "_incoming_rows"
    finally:
        con.unregister("_incoming_rows")


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())


# --- the run log beside the database -----------------------------------------------------------
def log_path(db: Path) -> Path:
    """Every run, committed or rejected, is appended here (JSON lines; IDs never appear)."""
    return Path(db).with_suffix(".ingest.log")


def append_log(db: Path, record: dict[str, object]) -> bool:
    """Append one line; False when the folder or disk refuses it. Best effort on purpose: the log
    must never hide the error being logged (a read-only folder or a full disk refuses both), and a
    committed run is in the database's own tables anyway."""
    line = mask_ids_in_text(json.dumps(record, ensure_ascii=False, default=str))
    path = log_path(db)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")
    except OSError:
        return False
    return True


def error_record(error: LpdataError) -> dict[str, object]:
    return {"code": error.code, "message": str(error)}


__all__ = [
    "DEFAULT_DB",
    "AheadWriter",
    "IngestResult",
    "KindResult",
    "ahead_key",
    "append_log",
    "check_key",
    "ensure_schema",
    "expected_ids",
    "first_row",
    "one_row",
    "open_db",
    "scalar",
    "scalar_as",
    "scalar_int",
    "scalar_str",
    "table_name",
    "transaction",
    "write_exports",
]
