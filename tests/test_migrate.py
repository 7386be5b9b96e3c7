"""Schema upgrades: a database written by the release before issue 11 (schema version 1) opens with
this one, upgraded once, with every row and view intact; a newer one is refused.

The version-1 database is built here from the pinned copy of that release's schema
(tests/fixtures/schema_v1.sql) and filled with a small school: the rows an ingest of this release
wrote, restricted to version 1's columns.
"""

from __future__ import annotations

import io
import re
from contextlib import redirect_stderr
from pathlib import Path

import duckdb
import pytest

import lpdata
from lpdata import ingest
from lpdata.contract import ALL_KINDS
from lpdata.errors import StoreError
from lpdata.migrate import migrate
from lpdata.store import SCHEMA_VERSION, ensure_schema, open_db
from lpdata.views import load_queries

from .queries.school import School
from .queries.test_workbook_submissions import _same_school

SCHEMA_V1 = Path(__file__).parent / "fixtures" / "schema_v1.sql"


def _sql_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _columns(con: duckdb.DuckDBPyConnection, table: str, database: str | None = None) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = coalesce(?, current_database()) "
        "AND table_name = ? ORDER BY column_index", [database, table]).fetchall()]


def _tables(con: duckdb.DuckDBPyConnection, database: str | None = None) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = coalesce(?, current_database()) "
        "AND NOT temporary ORDER BY 1", [database]).fetchall()]


def _fill(target: Path, source: Path, *, schema: str | None) -> None:
    """A database at `target` with `schema` (SQL; None: this release's) holding `source`'s rows in
    the columns both have."""
    con = duckdb.connect(str(target))
    try:
        if schema is None:
            ensure_schema(con)
        else:
            con.execute(schema)
        con.execute(f"ATTACH {_sql_path(source)} AS src (READ_ONLY)")
        for table in set(_tables(con)) & set(_tables(con, "src")):
            cols = ", ".join(f'"{c}"' for c in _columns(con, table) if c in _columns(con, table, "src"))
            if table == "lp_meta":
                con.execute("INSERT OR REPLACE INTO lp_meta SELECT * FROM src.lp_meta WHERE key <> 'schema_version'")
            else:
                con.execute(f'INSERT INTO main."{table}" ({cols}) SELECT {cols} FROM src."{table}"')
        con.execute("DETACH src")
    finally:
        con.close()


def _contents(db: Path) -> dict[str, list[str]]:
    """Every row of every table, in version 1's columns, sorted (the file opened read-only without
    an upgrade: DuckDB directly)."""
    v1 = duckdb.connect()
    v1.execute(SCHEMA_V1.read_text(encoding="utf-8"))
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for table in _tables(v1):
            cols = ", ".join(f'"{c}"' for c in _columns(v1, table))
            out[table] = sorted(map(repr, con.execute(f'SELECT {cols} FROM "{table}"').fetchall()))
        return out
    finally:
        con.close()
        v1.close()


def _views(db: Path) -> dict[str, list[str]]:
    """Every view of queries/ and every kind's current state, every row, sorted."""
    con = lpdata.connect(db, rules_file=False)
    try:
        names = [q.name for q in load_queries()] + [k.name for k in ALL_KINDS]
        return {n: sorted(map(repr, con.execute(f'SELECT * FROM "{n}"').fetchall())) for n in names}
    finally:
        con.close()


@pytest.fixture
def school(tmp_path: Path, key_file: Path) -> School:
    school = School(tmp_path / "school", key_file)
    _same_school(school, workbooks=False)  # roster, CLO items, submissions, receipts
    cc = "113000000000000000PHY01"
    school.add("courses", [dict(academic_year=113, semester=1, course_code=cc, course_name="物理", grade=1,
                                credits=2, class_name="101", teacher_code="T01", teacher_name="林老師")])
    school.add("grades", [dict(academic_year=113, semester=1, national_id=school.student(n), course_code=cc,
                               score=score) for n, score in ((1, 88), (2, 59))])
    school.add("mp", [dict(item_id="M1", academic_year=113, semester=None, national_id=school.student(1),
                           category="團體活動", title="合唱比賽", summary="第二名", uploaded_at="2024-10-05 12:00",
                           selected="✓", selected_at="2024-11-20 12:00")])
    school.ingest()
    return school


@pytest.fixture
def v1_db(school: School, tmp_path: Path) -> Path:
    """The school in a database of schema version 1."""
    db = tmp_path / "old" / "lp.duckdb"
    db.parent.mkdir()
    _fill(db, school.db, schema=SCHEMA_V1.read_text(encoding="utf-8"))
    return db


def _copies(db: Path) -> list[Path]:
    return sorted(p for p in db.parent.iterdir() if re.fullmatch(re.escape(db.name) + r"\.v1-backup-\d{8}-\d{6}(-\d+)?",
                                                                    p.name))


def test_a_version_1_database_is_upgraded_once_by_the_first_command_that_opens_it(v1_db: Path,
                                                                                  tmp_path: Path) -> None:
    original = v1_db.read_bytes()
    before = _contents(v1_db)
    assert sum(map(len, before.values())) > 30 and before["snap_clo"] and before["snap_grades"]
    # What this release would show for the same rows, in a file it built itself.
    reference = tmp_path / "reference.duckdb"
    _fill(reference, v1_db, schema=None)

    err = io.StringIO()
    with redirect_stderr(err):
        con = lpdata.connect(v1_db, rules_file=False)  # a read-only command (lp query, lp status …)
    con.close()
    [copy] = _copies(v1_db)
    assert err.getvalue() == (f"lp: upgraded the database {v1_db} from schema version 1 to {SCHEMA_VERSION}; "
                              f"the file as it was is kept at {copy}\n")
    assert copy.read_bytes() == original
    assert copy.stat().st_mode == v1_db.stat().st_mode

    # Every table's rows intact (lp_meta: only the version changed); the new tables and column
    # there, empty.
    version_2 = sorted(r.replace("'schema_version', '1'", "'schema_version', '2'") for r in before["lp_meta"])
    assert _contents(v1_db) == before | {"lp_meta": version_2}
    con = duckdb.connect(str(v1_db), read_only=True)
    fresh = duckdb.connect()
    ensure_schema(fresh)
    try:
        assert con.execute("SELECT value FROM lp_meta WHERE key = 'schema_version'").fetchall() == [("2",)]
        assert _tables(con) == _tables(fresh)
        for table in _tables(fresh):
            assert sorted(_columns(con, table)) == sorted(_columns(fresh, table)), table
        assert con.execute("SELECT count(*), count(retake) FROM snap_grades").fetchall() == [(2, 0)]
        assert con.execute("SELECT count(*) FROM row_notices").fetchall() == [(0,)]
        assert con.execute("SELECT count(*) FROM snap_national_uploads").fetchall() == [(0,)]
    finally:
        con.close()
        fresh.close()
    # Every view: what this release shows for the same rows.
    views = _views(v1_db)
    assert views == _views(reference)
    assert views["reconciliation"] and views["class_completion"] and views["grades"]

    # A second command does nothing: no line, no copy, the file unchanged.
    upgraded = v1_db.read_bytes()
    err = io.StringIO()
    with redirect_stderr(err):
        open_db(v1_db, read_only=True).close()
        open_db(v1_db).close()
        assert migrate(v1_db) is None
    assert err.getvalue() == ""
    assert _copies(v1_db) == [copy]
    assert v1_db.read_bytes() == upgraded
    # The copy is the old database, whole: it opens as version 1 with every row.
    assert _contents(copy) == before


def test_an_ingest_upgrades_then_loads(v1_db: Path, school: School, capsys) -> None:
    from .queries.test_reconciliation import line

    before = _contents(v1_db)
    school.add("receipts", [line("R9", "2025-02-01 09:00", 1, "小論文")], file="receipts_r9")
    result = ingest(school.folder, db=v1_db, key_file=school.key_file, exported_at=None)
    assert {k.kind: k.status for k in result.kinds if k.status == "loaded"} == {"receipts": "loaded"}
    assert "upgraded the database" in capsys.readouterr().err
    assert len(_copies(v1_db)) == 1
    after = _contents(v1_db)
    changed = {t for t in after if after[t] != before[t]}
    assert changed == {"lp_meta", "ingest_runs", "snapshots", "snapshot_files", "snapshot_partitions", "snap_receipts"}
    assert set(before["snap_receipts"]) < set(after["snap_receipts"])


def test_a_failed_upgrade_leaves_the_file_as_it_was(v1_db: Path) -> None:
    original = v1_db.read_bytes()

    def fail() -> None:
        raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        migrate(v1_db, before_commit=fail)
    assert v1_db.read_bytes() == original
    assert not Path(str(v1_db) + ".wal").exists()
    assert _copies(v1_db) == []  # the copy of a file that did not change is not kept
    con = duckdb.connect(str(v1_db), read_only=True)
    assert con.execute("SELECT value FROM lp_meta WHERE key = 'schema_version'").fetchall() == [("1",)]
    con.close()
    # The next command upgrades it.
    assert migrate(v1_db) is not None


def test_a_copy_that_cannot_be_written_changes_nothing(v1_db: Path, monkeypatch) -> None:
    import lpdata.migrate as m

    original = v1_db.read_bytes()

    def refuse(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(m, "_copy_fd", refuse)
    with pytest.raises(StoreError, match=r"nothing was changed.*No space left"):
        lpdata.connect(v1_db)
    assert v1_db.read_bytes() == original
    assert _copies(v1_db) == []


def test_a_database_newer_than_this_release_is_refused(v1_db: Path) -> None:
    con = duckdb.connect(str(v1_db))
    con.execute("UPDATE lp_meta SET value = '3' WHERE key = 'schema_version'")
    con.close()
    original = v1_db.read_bytes()
    for read_only in (True, False):
        with pytest.raises(StoreError, match=r"schema version 3, newer than this lp-workbench's 2"):
            open_db(v1_db, read_only=read_only)
    with pytest.raises(StoreError, match="newer"):
        lpdata.connect(v1_db)
    with pytest.raises(StoreError, match="newer"):
        migrate(v1_db)
    assert v1_db.read_bytes() == original
    assert _copies(v1_db) == []


def test_a_version_1_file_that_cannot_be_written_is_refused_with_what_to_do(v1_db: Path, monkeypatch) -> None:
    """A read-only command on a file it may not write (a read-only mount, a colleague's copy): the
    upgrade cannot happen, and the message says why (the tests run as root, who may write any file,
    so the refusal of the disk is simulated)."""
    import lpdata.migrate as m

    def refuse(path: Path, *, read_only: bool) -> duckdb.DuckDBPyConnection:
        if not read_only:
            raise StoreError("cannot open the database: IO Error: Cannot open file: Read-only file system",
                             file=path)
        return duckdb.connect(str(path), read_only=True)

    monkeypatch.setattr(m, "_connect", refuse)
    original = v1_db.read_bytes()
    with pytest.raises(StoreError, match=r"must be upgraded once, which needs write access to it and its folder: "
                                         "cannot open the database: .*Read-only file system"):
        lpdata.connect(v1_db)
    assert v1_db.read_bytes() == original
    assert _copies(v1_db) == []
