"""Retention (R-RETENTION): delete every row of every graduate past the sealing period.

Who is due is the `retention` view's `due_for_deletion` rows (`queries/retention.sql`), read through
the same views every report reads: one definition of the rule, never a second one here.

    plan = plan_purge("data/lp.duckdb", as_of="2031-08-01")  # a dry run: changes nothing, may look ahead
    result = apply_purge("data/lp.duckdb")  # deletes, in one transaction, as of the newest export
                                            # loaded (as every view), never as of a day after today

`apply_purge` deletes the due students' rows from every table that has a `national_id_hash` column
(every `snap_<kind>` table, every snapshot: history too, not only the current rows), writes one
audit row into `purge_runs` and one JSON line into the run log beside the database. The audit holds
when, who, where, the as-of date and how many students and rows per table: never an ID, hash, name
or student number. All of it in one transaction; any error rolls everything back. Run again, it
deletes nothing and records a run with 0 students.

DuckDB's DELETE leaves the deleted rows' bytes in the file's blocks (marked deleted, later reused),
so after a purge that deleted anything the file is rewritten with only the live rows.

Not purged: quarantined rows (they have no hash column; a graduate's raw quarantined row keeps its
name and student number; a future `quarantine.national_id_hash` column is picked up automatically),
the ingest bookkeeping counts (they say what was loaded then; `purge_runs` explains the difference),
and copies outside the database (backups, export folders).
"""

from __future__ import annotations

import datetime as dt
import json
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from . import __version__
from ._filelock import file_state, replace_locked
from .dates import as_of_date, parse_as_of
from .errors import DateError, LpdataError, StoreError
from .store import _user, append_log, ensure_schema, error_record, log_path, scalar_int, scalar_str, transaction
from .views import connect, drop_prepared

DUE = "due_for_deletion"
HASH = "national_id_hash"


@dataclass(frozen=True)
class DueStudent:
    """A graduate whose data is due for deletion (kept in memory only, never written anywhere)."""

    national_id_hash: str = field(repr=False)
    student_no: str
    class_name: str | None
    academic_year: int
    graduated_on: dt.date
    seal_until: dt.date


@dataclass(frozen=True)
class PurgePlan:
    db: Path
    as_of: dt.date
    students: tuple[DueStudent, ...]
    sealed: int  # graduates still sealed as of as_of
    rows: Mapping[str, int]  # every table with a national_id_hash column -> rows that would go

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


@dataclass(frozen=True)
class PurgeResult:
    purge_id: int
    db: Path
    as_of: dt.date
    run_at: dt.datetime
    run_by: str
    host: str
    students: int
    rows_deleted: Mapping[str, int]
    file_rewritten: bool  # the file was rewritten, so the deleted rows' bytes are gone from it too
    log: Path

    @property
    def total_rows(self) -> int:
        return sum(self.rows_deleted.values())


def student_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every table of the database file with a `national_id_hash` column (temp objects excluded)."""
    rows = con.execute(
        """SELECT DISTINCT c.table_name
           FROM duckdb_columns() c
           JOIN duckdb_tables() t USING (database_name, schema_name, table_name)
           WHERE c.column_name = ? AND c.database_name = current_database() AND c.schema_name = 'main'
             AND NOT t.temporary
           ORDER BY 1""", [HASH]).fetchall()
    return [r[0] for r in rows]


def _stage_due(con: duckdb.DuckDBPyConnection) -> int:
    """The due students' hashes, from the `retention` view, in a temp table (read once, before any
    delete changes what the view sees); returns how many."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE _lp_purge_due AS "
                f"SELECT DISTINCT {HASH} FROM retention WHERE state = '{DUE}'")
    return scalar_int(con, "SELECT count(*) FROM _lp_purge_due")


def _of_due(table: str) -> str:
    return f'FROM "{table}" WHERE {HASH} IN (SELECT {HASH} FROM _lp_purge_due)'


def plan_purge(db: str | Path, as_of: dt.date | str | None = None, *,
               rules_file: Path | bool | None = True) -> PurgePlan:
    """What `apply_purge` would delete as of `as_of` (default: the newest export loaded, as every
    view). Opens the database read-only: a dry run changes nothing."""
    db = Path(db)
    con = connect(db, as_of=parse_as_of(as_of), read_only=True, rules_file=rules_file)
    try:
        day = as_of_date(con)
        rows = con.execute(
            f"""SELECT national_id_hash, student_no, class_name, academic_year, graduated_on, seal_until
                FROM retention WHERE state = '{DUE}' ORDER BY graduated_on, student_no""").fetchall()
        students = tuple(DueStudent(*r) for r in rows)
        sealed = scalar_int(con, "SELECT count(*) FROM retention WHERE state <> ?", [DUE])
        _stage_due(con)
        counts = {t: scalar_int(con, f"SELECT count(*) {_of_due(t)}")
                  for t in student_tables(con)}
    finally:
        con.close()
    return PurgePlan(db, day, students, sealed, counts)


def apply_purge(db: str | Path, as_of: dt.date | str | None = None, *, run_by: str | None = None,
                rules_file: Path | bool | None = True, rewrite_file: bool = True,
                before_commit: Callable[[], None] | None = None,
                before_swap: Callable[[], None] | None = None) -> PurgeResult:
    """Delete every row of every graduate due for deletion as of `as_of`, in one transaction, and
    record the run in `purge_runs` and the run log. `as_of` may not be after today: a purge as of a
    future date would delete data still sealed today. `before_commit` and `before_swap` (called
    between closing the database and swapping the rewritten copy in) exist for fault tests."""
    db = Path(db)
    started = dt.datetime.now()
    day = parse_as_of(as_of)
    record: dict[str, object] = {"event": "purge", "started_at": started.isoformat(timespec="seconds"),
                                 "db": str(db)}
    who = run_by or _user()
    host = socket.gethostname()
    if not db.exists():  # a read-write open would create an empty file
        raise StoreError("no database here yet; run `lp ingest FOLDER --db PATH` first", file=db)
    try:
        con = connect(db, as_of=day, read_only=False, rules_file=rules_file)
    except LpdataError as exc:
        append_log(db, record | {"status": "failed", "errors": [error_record(exc)]})
        raise
    try:
        day = as_of_date(con)
        record["as_of"] = day.isoformat()
        if day > dt.date.today():
            raise DateError(f"as-of date {day} is after today: a purge deletes only what is due today "
                              "or earlier (a dry run may look ahead)", expected="--as-of today or earlier")
        with transaction(con):
            ensure_schema(con)  # purge_runs, for a database written before it existed
            students = _stage_due(con)
            deleted: dict[str, int] = {}
            for table in student_tables(con):
                n = con.execute(f"DELETE {_of_due(table)}").fetchall()
                deleted[table] = int(n[0][0]) if n else 0
            con.execute("DROP TABLE _lp_purge_due")
            drop_prepared(con)  # the prepared views hold the same students: the next `lp run` computes them again
            purge_id = scalar_int(con, "SELECT coalesce(max(purge_id), 0) + 1 FROM purge_runs")
            run_at = dt.datetime.now()
            con.execute("INSERT INTO purge_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [purge_id, run_at, who, host, day, __version__, students,
                         json.dumps(deleted, sort_keys=True)])
            if before_commit is not None:
                before_commit()
    except BaseException as exc:
        con.close()
        # An lp error's one line; otherwise the type only (a database error's text may quote a value).
        errors = [error_record(exc)] if isinstance(exc, LpdataError) else [{"code": type(exc).__name__}]
        append_log(db, record | {"status": "failed", "errors": errors})
        raise
    try:
        rewritten = bool(rewrite_file and sum(deleted.values())) and _rewrite(con, db, before_swap)
    finally:
        con.close()
    result = PurgeResult(purge_id, db, day, run_at, who, host, students, deleted, rewritten, log_path(db))
    append_log(db, record | {"status": "ok", "purge_id": purge_id, "run_by": who, "host": host,
                             "students": students, "rows_deleted": deleted, "rows_total": result.total_rows,
                             "file_rewritten": rewritten})
    return result


def _rewrite(con: duckdb.DuckDBPyConnection, db: Path, before_swap: Callable[[], None] | None = None) -> bool:
    """Rewrite the file with only its live rows, so the deleted rows' bytes do not linger in its
    free blocks. Never raises: on any problem the (already purged) file stays as it is and the
    result says `file_rewritten=False`.

    The copy is made while this connection holds the file's lock. The connection is then closed
    and the copy replaces the file in one rename under the file's lock taken afresh, and only if
    the file is still the one this connection left (no other command opened and wrote it in
    between; see lpdata._filelock)."""
    tmp = db.with_name(db.name + ".purge-tmp")
    try:
        tmp.unlink(missing_ok=True)
        name = scalar_str(con, "SELECT current_database()").replace('"', '""')
        con.execute("CHECKPOINT")
        con.execute("ATTACH '" + str(tmp).replace("'", "''") + "' AS lp_purge_copy")
        try:
            con.execute(f'COPY FROM DATABASE "{name}" TO lp_purge_copy')
        finally:
            con.execute("DETACH lp_purge_copy")
        con.close()
        left = file_state(db)  # at once: before another command could have opened and written it
        if before_swap is not None:
            before_swap()
        replace_locked(tmp, db, unchanged_since=left)
        return True
    except (duckdb.Error, OSError, LpdataError):
        tmp.unlink(missing_ok=True)
        return False


__all__ = ["DueStudent", "PurgePlan", "PurgeResult", "apply_purge", "plan_purge", "student_tables"]
