"""`lp purge`: graduates past the sealing period lose every row, everywhere, in one transaction, with
an audit that names no one; sealed graduates and everyone else are left alone."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

from lpdata.errors import LpdataError
from lpdata.purge import apply_purge, plan_purge, student_tables
from lpdata.store import log_path

from .conftest import table_contents
from .queries.school import KEY_HEX, School

AS_OF = "2025-07-31"  # 1 (graduated 2020-06-10) is due; 2 (2022-06-10) is sealed until 2027-06-10
COURSE = "X" * 23
KINDS_WITH_STUDENTS = ("students", "clo", "grades", "mp", "submissions", "receipts", "confirmations",
                       "consultations", "cadres", "attendance")


def person(n: int) -> dict[str, str]:
    return dict(national_id=School.student(n))


def roster(n: int, year: int, semester: int, status: str, changed: str | None = None) -> dict[str, Any]:
    return dict(academic_year=year, semester=semester, **person(n), student_no=f"S{n:04d}",
                name=f"學生甲乙{n}號", grade=3, class_name="301", seat_no=n, status=status,
                status_changed_on=changed, address=f"臺東市更生路{n}號")


def student_rows(n: int, year: int, semester: int) -> dict[str, list[dict[str, Any]]]:
    """One row of every kind that names a student."""
    ay, s = year, semester
    return {
        "clo": [dict(item_id=f"C{n}", academic_year=ay, semester=s, **person(n), course_code=COURSE,
                     summary=f"報告{n}", uploaded_at="2020-03-01 10:00", cert_status="認證通過", selected="✓")],
        "grades": [dict(academic_year=ay, semester=s, **person(n), course_code=COURSE, score=80 + n)],
        "mp": [dict(item_id=f"M{n}", academic_year=ay, **person(n), category="競賽參與", title=f"競賽{n}",
                    uploaded_at="2020-03-02 10:00", selected="")],
        "submissions": [dict(batch_id=f"B{ay}", submitted_at="2020-03-10 10:00", submitted_by="T001",
                             kind="clo", item_id=f"C{n}", **person(n))],
        "receipts": [dict(receipt_batch=f"R{ay}", academic_year=ay, kind="clo", **person(n), summary=f"報告{n}",
                          received_at="2020-03-20 10:00")],
        "confirmations": [dict(receipt_batch=f"R{ay}", **person(n), state="確認無誤")],
        "consultations": [dict(session_id=f"K{n}", mode="個別", date="2020-03-05", time="10:00", place="輔導室",
                               counsellor_code="T002", **person(n), content=f"諮詢{n}")],
        "cadres": [dict(academic_year=ay, semester=s, **person(n), unit="學生會", role="會長",
                        entered_by_unit="訓育組", entered_at="2020-03-06 10:00")],
        "attendance": [dict(academic_year=ay, semester=s, **person(n), absence_code="病假", periods=2,
                            start_date="2020-03-04", entered_at="2020-03-07 10:00"),
                       # quarantined (not a number), yet the student's: the purge must remove it too
                       dict(academic_year=ay, semester=s, **person(n), absence_code="事假", periods="兩節",
                            start_date="2020-03-05", entered_at="2020-03-07 10:00")],
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1: graduated 108-2 (due as of AS_OF); 2: graduated 110-2 (sealed); 3: still enrolled.

    The 108-2 roster is loaded twice: first (exported 2020-05-01) with 1 still 在學, then with 1 畢業,
    so 1's rows are in an older snapshot too (history). Built once; each test gets a copy."""
    root = tmp_path_factory.mktemp("purge-school")
    key = root / "keys" / "id-hash.key"
    key.parent.mkdir()
    key.write_text(KEY_HEX + "\n")
    key.chmod(0o600)
    first = School(root / "school", key)
    first.add("students", [roster(1, 108, 1, "在學"), roster(1, 108, 2, "在學"), roster(3, 108, 2, "在學")])
    first.ingest("2020-05-01 12:00")
    school = School(root / "school", key)  # same folder and database: rewrites students.csv
    school.add("students", [roster(1, 108, 2, "畢業", "2020-06-10"), roster(3, 108, 2, "在學"),
                            roster(2, 110, 2, "畢業", "2022-06-10"), roster(3, 110, 2, "在學")])
    for n, (ay, s) in {1: (108, 2), 2: (110, 2), 3: (110, 2)}.items():
        for kind, rows in student_rows(n, ay, s).items():
            school.add(kind, rows)
    school.ingest(f"{AS_OF} 18:00")
    return root


@pytest.fixture
def school(built: Path, tmp_path: Path) -> School:
    shutil.copytree(built, tmp_path / "copy")
    return School(tmp_path / "copy" / "school", tmp_path / "copy" / "keys" / "id-hash.key")


def hash_of(school: School, n: int) -> str:
    return school.hash(School.student(n))


def secrets_of(school: School, n: int) -> list[str]:
    return [School.student(n), hash_of(school, n), f"S{n:04d}", f"學生甲乙{n}號", f"臺東市更生路{n}號"]


def rows_of(db: Path, h: str) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: con.execute(f'SELECT count(*) FROM "{t}" WHERE national_id_hash = ?', [h]).fetchall()[0][0]
                for t in student_tables(con)}
    finally:
        con.close()


def test_the_school_has_every_kind_and_history(school: School) -> None:
    per_table = rows_of(school.db, hash_of(school, 1))
    assert {t: n for t, n in per_table.items() if n} == {
        **{f"snap_{k}": 1 for k in KINDS_WITH_STUDENTS}, "snap_students": 3,  # 108-1, 108-2 old and new
        "quarantine": 1}
    con = duckdb.connect(str(school.db), read_only=True)
    snapshots = con.execute("SELECT count(*) FROM snapshots WHERE kind = 'students'").fetchall()[0][0]
    con.close()
    assert snapshots == 2


def test_dry_run_counts_and_changes_nothing(school: School) -> None:
    before = table_contents(school.db)
    plan = plan_purge(school.db, as_of=AS_OF, rules_file=False)
    assert table_contents(school.db) == before
    assert [s.student_no for s in plan.students] == ["S0001"] and plan.sealed == 1
    assert plan.students[0].national_id_hash == hash_of(school, 1)
    assert hash_of(school, 1) not in repr(plan)  # a plan printed in a log or traceback names no hash
    assert plan.rows == rows_of(school.db, hash_of(school, 1))
    assert plan.total_rows == 13
    assert not log_path(school.db).read_text(encoding="utf-8").count('"purge"')


def test_apply_deletes_exactly_the_due_graduate_everywhere(school: School) -> None:
    before = table_contents(school.db)
    sealed_before, enrolled_before = rows_of(school.db, hash_of(school, 2)), rows_of(school.db, hash_of(school, 3))
    data = school.db.read_bytes()
    assert "學生甲乙1號".encode() in data and "臺東市更生路1號".encode() in data  # so the check below means something

    result = apply_purge(school.db, as_of=AS_OF, run_by="registrar", rules_file=False)

    assert (result.purge_id, result.students, result.total_rows) == (1, 1, 13)
    assert result.rows_deleted["snap_students"] == 3 and result.rows_deleted["snap_clo"] == 1
    after = table_contents(school.db)
    h1 = hash_of(school, 1)
    for table, rows in before.items():
        if table == "purge_runs":
            continue
        assert after[table] == [r for r in rows if h1 not in r], table
    assert set(after) == set(before)
    assert sum(rows_of(school.db, h1).values()) == 0
    assert rows_of(school.db, hash_of(school, 2)) == sealed_before  # sealed graduate: untouched
    assert rows_of(school.db, hash_of(school, 3)) == enrolled_before
    assert [r["student_no"] for r in school.query("retention", as_of=AS_OF)] == ["S0002"]
    # The file is rewritten: the deleted rows' bytes are gone from it, the others stay.
    assert result.file_rewritten
    data = school.db.read_bytes()
    assert "學生甲乙1號".encode() not in data and "臺東市更生路1號".encode() not in data
    assert "學生甲乙2號".encode() in data
    assert not Path(str(school.db) + ".purge-tmp").exists()


def test_the_audit_counts_and_names_no_one(school: School) -> None:
    result = apply_purge(school.db, as_of=AS_OF, run_by="registrar", rules_file=False)
    con = duckdb.connect(str(school.db), read_only=True)
    cur = con.execute("SELECT * FROM purge_runs")
    cols = [d[0] for d in cur.description]
    (row,) = [dict(zip(cols, r)) for r in cur.fetchall()]
    con.close()
    assert row["purge_id"] == 1 and row["run_by"] == "registrar" and row["host"]
    assert str(row["as_of"]) == AS_OF and row["students"] == 1 and row["lp_version"]
    assert json.loads(row["rows_deleted"]) == dict(result.rows_deleted)
    log = log_path(school.db).read_text(encoding="utf-8")
    line = json.loads(log.splitlines()[-1])
    assert (line["event"], line["status"], line["purge_id"], line["students"], line["rows_total"]) == \
        ("purge", "ok", 1, 1, 13)
    audit = repr(row) + log
    for n in (1, 2, 3):
        for secret in secrets_of(school, n):
            assert secret not in audit, secret


def test_a_second_run_deletes_nothing_and_is_recorded(school: School) -> None:
    apply_purge(school.db, as_of=AS_OF, rules_file=False)
    before = table_contents(school.db)
    again = apply_purge(school.db, as_of=AS_OF, rules_file=False)
    assert (again.purge_id, again.students, again.total_rows, again.file_rewritten) == (2, 0, 0, False)
    after = table_contents(school.db)
    assert len(after.pop("purge_runs")) == 2 and len(before.pop("purge_runs")) == 1
    assert after == before


def test_sealed_graduates_are_left_alone_until_their_day(school: School) -> None:
    plan = plan_purge(school.db, as_of="2027-06-10", rules_file=False)  # 2's seal_until: still sealed
    assert [s.student_no for s in plan.students] == ["S0001"]
    later = plan_purge(school.db, as_of="2027-06-11", rules_file=False)
    assert [s.student_no for s in later.students] == ["S0001", "S0002"]


def test_a_failure_before_commit_changes_nothing(school: School) -> None:
    before = table_contents(school.db)

    def boom() -> None:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        apply_purge(school.db, as_of=AS_OF, rules_file=False, before_commit=boom)
    assert table_contents(school.db) == before
    line = json.loads(log_path(school.db).read_text(encoding="utf-8").splitlines()[-1])
    assert (line["event"], line["status"], line["errors"]) == ("purge", "failed", [{"code": "RuntimeError"}])


def test_a_failure_between_deletes_changes_nothing(school: School, monkeypatch: pytest.MonkeyPatch) -> None:
    import lpdata.purge as purge

    real = purge.student_tables
    # A table that does not exist, between the real ones: some deletes have run when it fails.
    monkeypatch.setattr(purge, "student_tables", lambda con: [*real(con)[:3], "snap_nowhere", *real(con)[3:]])
    before = table_contents(school.db)
    with pytest.raises(duckdb.Error):
        apply_purge(school.db, as_of=AS_OF, rules_file=False)
    assert table_contents(school.db) == before


def test_a_future_as_of_is_refused(school: School) -> None:
    before = table_contents(school.db)
    with pytest.raises(LpdataError, match="after today"):
        apply_purge(school.db, as_of="2999-01-01", rules_file=False)
    assert table_contents(school.db) == before
    assert plan_purge(school.db, as_of="2999-01-01", rules_file=False).sealed == 0  # a dry run may look ahead


def test_an_older_database_gets_purge_runs(school: School) -> None:
    con = duckdb.connect(str(school.db))
    con.execute("DROP TABLE purge_runs")
    con.close()
    result = apply_purge(school.db, as_of=AS_OF, rules_file=False)
    assert result.purge_id == 1 and result.students == 1


# --- the command line ------------------------------------------------------------------------------
def lp(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "lpdata.cli", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_cli_help() -> None:
    result = lp("purge", "--help")
    assert result.returncode == 0 and "--apply" in result.stdout and "--as-of" in result.stdout


def test_cli_dry_run_then_apply(school: School) -> None:
    db = str(school.db)
    before = table_contents(school.db)
    dry = lp("purge", "--db", db, "--as-of", AS_OF)
    assert dry.returncode == 0, dry.stderr
    assert f"as of {AS_OF} (dry run: nothing deleted)" in dry.stdout
    assert "1 graduate due for deletion (1 still sealed), 13 rows." in dry.stdout
    assert "snap_students" in dry.stdout
    assert table_contents(school.db) == before
    for secret in secrets_of(school, 1):
        assert secret not in dry.stdout

    done = lp("purge", "--db", db, "--as-of", AS_OF, "--apply")
    assert done.returncode == 0, done.stderr
    assert "purge #1 as of 2025-07-31" in done.stdout and "deleted 13 rows of 1 graduate;" in done.stdout
    runs = lp("query", "purge_runs", "--db", db, "--format", "json")
    assert runs.returncode == 0, runs.stderr
    assert [(r["purge_id"], r["students"]) for r in json.loads(runs.stdout)] == [(1, 1)]

    future = lp("purge", "--db", db, "--as-of", "2999-01-01", "--apply")
    assert future.returncode == 1 and "after today" in future.stderr and "Traceback" not in future.stderr
    bad = lp("purge", "--db", db, "--as-of", "someday")
    assert bad.returncode == 1 and "is not a date" in bad.stderr


def test_the_rewritten_file_keeps_its_mode(school: School) -> None:
    school.db.chmod(0o600)
    assert apply_purge(school.db, as_of=AS_OF, rules_file=False).file_rewritten
    assert school.db.stat().st_mode & 0o777 == 0o600


def test_no_database_no_file_created(tmp_path: Path) -> None:
    db = tmp_path / "missing.duckdb"
    with pytest.raises(LpdataError, match="no database here yet"):
        apply_purge(db, as_of=AS_OF)
    with pytest.raises(LpdataError, match="no database here yet"):
        plan_purge(db, as_of=AS_OF)
    assert list(tmp_path.iterdir()) == []


def _other_process(db: Path, code: str) -> subprocess.Popen[str]:
    """A second process on the database (DuckDB locks are per process: a thread would not do)."""
    return subprocess.Popen([sys.executable, "-c", code, str(db)], stdout=subprocess.PIPE, text=True)


WRITE = ("import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
         "con.execute(\"CREATE TABLE written_meanwhile AS SELECT 42 AS answer\"); con.close()")
HOLD = ("import duckdb, sys, time; con = duckdb.connect(sys.argv[1], read_only=True); "
        "print('open', flush=True); time.sleep(3); con.close()")


def test_a_write_between_close_and_swap_is_kept(school: School) -> None:
    """Another command that opens and writes the database in the instant after the purge closed it
    and before the rewritten copy is swapped in: the copy is not swapped in (it lacks that write);
    the purge itself is committed either way."""
    result = apply_purge(school.db, as_of=AS_OF, rules_file=False,
                         before_swap=lambda: _other_process(school.db, WRITE).wait())
    assert result.total_rows > 0 and not result.file_rewritten
    con = duckdb.connect(str(school.db), read_only=True)
    try:
        assert con.execute("SELECT answer FROM written_meanwhile").fetchall() == [(42,)]
    finally:
        con.close()
    assert rows_of(school.db, hash_of(school, 1)) == dict.fromkeys(rows_of(school.db, hash_of(school, 1)), 0)
    assert not list(school.db.parent.glob("*.purge-tmp"))


def test_no_swap_while_another_command_has_the_file_open(school: School) -> None:
    holders: list[subprocess.Popen[str]] = []

    def open_meanwhile() -> None:
        holder = _other_process(school.db, HOLD)
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        holders.append(holder)

    inode = school.db.stat().st_ino
    result = apply_purge(school.db, as_of=AS_OF, rules_file=False, before_swap=open_meanwhile)
    assert holders[0].wait() == 0  # the reader was never disturbed
    assert not result.file_rewritten and school.db.stat().st_ino == inode
    assert not list(school.db.parent.glob("*.purge-tmp"))


def test_without_interference_the_file_is_swapped(school: School) -> None:
    inode = school.db.stat().st_ino
    assert apply_purge(school.db, as_of=AS_OF, rules_file=False).file_rewritten
    assert school.db.stat().st_ino != inode


def test_a_graduates_notices_go_with_their_rows(tmp_path: Path, key_file: Path) -> None:
    """A 造字 in a due graduate's name is listed in row_notices (with its value: the name); the purge
    removes that notice with the student's other rows, and leaves another student's."""
    school = School(tmp_path / "school", key_file)
    due, enrolled = roster(1, 108, 2, "畢業", "2020-06-10"), roster(3, 108, 2, "在學")
    due["name"], enrolled["name"] = "學生\ue000一號", "學生\ue001三號"
    school.add("students", [due, enrolled])
    school.ingest(f"{AS_OF} 18:00")
    con = duckdb.connect(str(school.db), read_only=True)
    try:
        before = con.execute("SELECT national_id_hash, reason FROM row_notices ORDER BY value").fetchall()
    finally:
        con.close()
    assert before == [(hash_of(school, 1), "eudc_character"), (hash_of(school, 3), "eudc_character")]

    result = apply_purge(school.db, as_of=AS_OF, run_by="registrar", rules_file=False)

    assert result.rows_deleted["row_notices"] == 1
    con = duckdb.connect(str(school.db), read_only=True)
    try:
        after = con.execute("SELECT national_id_hash, value FROM row_notices").fetchall()
    finally:
        con.close()
    assert after == [(hash_of(school, 3), "學生\ue001三號")]
    assert "學生\ue000一號".encode() not in school.db.read_bytes()
