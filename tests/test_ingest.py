"""`lpdata.ingest`: a whole folder in one transaction, idempotent, snapshots, quarantine, privacy."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from lpdata import connect, ingest
from lpdata.errors import IngestRejected, KeyFileError, UnknownKindError
from lpdata.store import first_row as scalar_row
from lpdata.store import log_path

from .conftest import CLO_HEADER, COURSE, IDS, clo_rows, table_contents, write_csv


def test_folder_loads_every_kind_with_quarantine(export_folder: Path, tmp_path: Path, key_file: Path) -> None:
    db = tmp_path / "lp.duckdb"
    result = ingest(export_folder, db=db, key_file=key_file)
    by_kind = {k.kind: k for k in result.kinds}
    assert set(by_kind) == {"students", "clo", "staff", "schedule"}
    assert (by_kind["students"].rows_read, by_kind["students"].rows_loaded, by_kind["students"].rows_quarantined) == (4, 3, 1)
    assert (by_kind["clo"].rows_read, by_kind["clo"].rows_loaded, by_kind["clo"].rows_quarantined) == (4, 2, 2)
    assert by_kind["staff"].rows_loaded == 2
    assert result.ignored_files == ("說明.pdf",)

    con = connect(db)
    students = con.sql("SELECT student_no, class_name, status, verified_on FROM students ORDER BY 1").fetchall()
    assert students == [("1130001", "0101", "enrolled", dt.date(2024, 9, 10)),
                        ("1130002", "0101", "enrolled", dt.date(2024, 9, 10)),
                        ("1130003", "0102", "transferred_out", dt.date(2024, 9, 10))]
    clo = con.sql("SELECT item_id, uploaded_at, cert_status, selected, selected_at FROM clo ORDER BY 1").fetchall()
    assert clo == [("C1", dt.datetime(2024, 10, 24, 14, 3), "certified", True, dt.datetime(2024, 11, 1)),
                   ("C2", dt.datetime(2024, 10, 25, 9, 0), "pending", False, None)]
    staff = con.sql("SELECT teacher_code, roles, left_on FROM staff ORDER BY 1").fetchall()
    assert staff == [("T001", ["course_teacher", "homeroom_teacher"], None),
                     ("T002", ["registrar_head"], dt.date(2024, 12, 31))]
    assert con.sql("SELECT clo_upload_due FROM schedule").fetchall() == [(dt.date(2024, 11, 15),)]
    # The quarantine names file, spreadsheet row, column and reason.
    q = con.sql("""SELECT f.path, q.row_number, q.column_name, q.reason, q.value FROM quarantine q
                   JOIN snapshot_files f USING (file_id) ORDER BY 1, 2""").fetchall()
    assert q == [("clo-1131101.csv", 5, "上傳時間", "invalid_date", "113/02/30"),
                 ("clo-1131101.csv", 6, "成果編號", "duplicate_key", "C1"),
                 ("學生名冊.csv", 5, "身分證號", "invalid_national_id", "A1******88")]
    con.close()


def test_loading_the_same_folder_twice_changes_nothing(export_folder: Path, tmp_path: Path, key_file: Path) -> None:
    db = tmp_path / "lp.duckdb"
    ingest(export_folder, db=db, key_file=key_file)
    before = table_contents(db)
    again = ingest(export_folder, db=db, key_file=key_file)
    assert {k.status for k in again.kinds} == {"unchanged"}
    after = table_contents(db)
    after.pop("ingest_runs"), before.pop("ingest_runs")  # the run itself is logged
    assert after == before
    # and one file of it alone, too
    ingest(export_folder / "clo-1131101.csv", db=db, key_file=key_file)
    assert table_contents(db)["snap_clo"] == before["snap_clo"]


def test_a_rejected_file_changes_nothing_and_every_rejection_is_named(
        export_folder: Path, tmp_path: Path, key_file: Path) -> None:
    db = tmp_path / "lp.duckdb"
    ingest(export_folder, db=db, key_file=key_file)
    before = table_contents(db)
    # a changed CLO file (would be a new snapshot) beside two bad files
    rows = clo_rows()
    rows.append(["C9", 113, 1, IDS[3], COURSE, "新的", "113/10/30", "待認證", "", ""])
    write_csv(export_folder / "clo-1131101.csv", rows)
    write_csv(export_folder / "grades.csv", [["學年度", "學期", "身分證號", "課程代碼"], [113, 1, IDS[0], COURSE]])
    (export_folder / "junk.csv").write_bytes(b"\x81\x39\xff\xfe\x00\x01" * 10)
    with pytest.raises(IngestRejected) as info:
        ingest(export_folder, db=db, key_file=key_file)
    errors = {Path(e.file).name: e for e in info.value.errors}
    assert set(errors) == {"grades.csv", "junk.csv"}
    assert isinstance(errors["grades.csv"], UnknownKindError)
    assert errors["grades.csv"].nearest == "grades" and errors["grades.csv"].missing == ("學期學業成績",)
    assert "學期學業成績" in str(errors["grades.csv"])
    assert table_contents(db) == before
    log = [json.loads(line) for line in log_path(db).read_text().splitlines()]
    assert [r["status"] for r in log] == ["ok", "rejected"]


def test_a_fresh_database_is_not_created_by_a_rejected_ingest(tmp_path: Path, key_file: Path) -> None:
    folder = tmp_path / "x"
    folder.mkdir()
    write_csv(folder / "clo.csv", [CLO_HEADER[:-3], ["C1", 113, 1, IDS[0], COURSE, "a", "113/10/24"]])
    db = tmp_path / "lp.duckdb"
    with pytest.raises(IngestRejected) as info:
        ingest(folder, db=db, key_file=key_file)
    assert isinstance(info.value.errors[0], UnknownKindError)
    assert not db.exists()


def test_a_failure_midway_rolls_back_everything(export_folder: Path, tmp_path: Path, key_file: Path) -> None:
    db = tmp_path / "lp.duckdb"
    ingest(export_folder / "學生名冊.csv", db=db, key_file=key_file)
    before = table_contents(db)

    def explode() -> None:
        # by now every kind's rows have been written inside the transaction
        raise RuntimeError("disk unplugged")

    with pytest.raises(RuntimeError):
        ingest(export_folder, db=db, key_file=key_file, before_commit=explode)
    assert table_contents(db) == before
    # and the next ingest works
    result = ingest(export_folder, db=db, key_file=key_file)
    assert {k.kind for k in result.kinds if k.status == "loaded"} == {"clo", "staff", "schedule"}


def test_newest_snapshot_is_current_and_older_ones_are_history(tmp_path: Path, key_file: Path) -> None:
    db = tmp_path / "lp.duckdb"
    old, new = tmp_path / "w1", tmp_path / "w2"
    old.mkdir(), new.mkdir()
    write_csv(old / "clo.csv", [CLO_HEADER, ["C1", 113, 1, IDS[0], COURSE, "a", "113/10/24", "待認證", "", ""],
                                ["C2", 113, 1, IDS[1], COURSE, "b", "113/10/24", "待認證", "", ""]])
    write_csv(new / "clo.csv", [CLO_HEADER, ["C1", 113, 1, IDS[0], COURSE, "a", "113/10/24", "認證通過", "Y", "113/11/02"]])
    # the newer export loaded first, the older one second: export time decides, not load order
    ingest(new, db=db, key_file=key_file)
    ingest(old, db=db, key_file=key_file, exported_at=dt.datetime(2024, 10, 25))
    con = connect(db)
    assert con.sql("SELECT item_id, cert_status FROM clo").fetchall() == [("C1", "certified")]
    assert scalar_row(con, "SELECT count(*) FROM snap_clo") == (3,)
    status = con.sql("SELECT kind, term_or_batch, rows, older_snapshots FROM load_status").fetchall()
    assert status == [("clo", "113-1", 1, 1)]
    con.close()


def test_files_of_one_kind_in_a_folder_are_one_export(tmp_path: Path, key_file: Path) -> None:
    """Per-grade files of the same export are read together; a key in both is quarantined once."""
    folder = tmp_path / "x"
    folder.mkdir()
    write_csv(folder / "clo_grade1.csv", [CLO_HEADER, ["C1", 113, 1, IDS[0], COURSE, "a", "113/10/24", "待認證", "", ""]])
    write_csv(folder / "clo_grade2.csv", [CLO_HEADER, ["C2", 113, 1, IDS[1], COURSE, "b", "113/10/25", "待認證", "", ""],
                                          ["C1", 113, 1, IDS[1], COURSE, "c", "113/10/25", "待認證", "", ""]])
    db = tmp_path / "lp.duckdb"
    [result] = ingest(folder, db=db, key_file=key_file).kinds
    assert (result.rows_loaded, result.rows_quarantined) == (2, 1)
    con = connect(db)
    assert con.sql("SELECT item_id FROM clo ORDER BY 1").fetchall() == [("C1",), ("C2",)]
    assert con.sql("SELECT reason, row_number FROM quarantine").fetchall() == [("duplicate_key", 3)]
    con.close()


def test_another_key_is_refused(export_folder: Path, tmp_path: Path, key_file: Path) -> None:
    db = tmp_path / "lp.duckdb"
    ingest(export_folder, db=db, key_file=key_file)
    other = tmp_path / "other.key"
    other.write_text("22" * 32)
    other.chmod(0o600)
    before = table_contents(db)
    (export_folder / "clo-1131101.csv").unlink()  # nothing else matters: the key is checked first
    write_csv(export_folder / "c.csv", [CLO_HEADER, ["C7", 113, 1, IDS[0], COURSE, "a", "113/10/24", "待認證", "", ""]])
    with pytest.raises(KeyFileError, match="another ID-hash key"):
        ingest(export_folder, db=db, key_file=other)
    assert table_contents(db) == before


def test_the_key_is_created_with_mode_0600_outside_the_database(export_folder: Path, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    key = tmp_path / "conf" / "lp" / "id.key"
    monkeypatch.setenv("LP_KEY_FILE", str(key))
    db = tmp_path / "lp.duckdb"
    ingest(export_folder, db=db)
    assert key.stat().st_mode & 0o777 == 0o600
    assert key.read_text().strip().encode() not in db.read_bytes()


def test_raw_national_ids_appear_nowhere_in_the_database(export_folder: Path, tmp_path: Path, key_file: Path) -> None:
    db = tmp_path / "lp.duckdb"
    ingest(export_folder, db=db, key_file=key_file)
    con = duckdb.connect(str(db), read_only=True)
    text_cells = []
    for (table,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall():
        for row in con.execute(f'SELECT * FROM "{table}"').fetchall():
            text_cells.extend(str(v) for v in row if v is not None)
    con.close()
    blob = "\n".join(text_cells)
    for raw in [*IDS, "A123456788"]:
        assert raw not in blob and raw.lower() not in blob
    data = db.read_bytes()
    for raw in [*IDS, "A123456788"]:
        assert raw.encode() not in data
    assert "A1******88" in blob  # the quarantined bad ID is kept masked


def test_missing_required_column_in_a_workbook_names_the_sheet(tmp_path: Path, key_file: Path) -> None:
    from .conftest import write_xlsx

    folder = tmp_path / "x"
    folder.mkdir()
    write_xlsx(folder / "students.xlsx", {"封面": [["學校代碼", "1"]],
                                          "名冊": [["學年度", "學期", "身分證號", "學號", "姓名", "年級", "班級名稱", "座號"]]})
    with pytest.raises(IngestRejected) as info:
        ingest(folder, db=tmp_path / "lp.duckdb", key_file=key_file)
    [error] = info.value.errors
    assert error.sheet == "名冊" and "學籍狀態" in str(error) and "students" in str(error)


def test_empty_folder_is_an_error(tmp_path: Path, key_file: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(IngestRejected, match="1 file rejected"):
        ingest(tmp_path / "empty", db=tmp_path / "lp.duckdb", key_file=key_file)


def test_exported_at_argument_dates_the_snapshot(export_folder: Path, tmp_path: Path, key_file: Path) -> None:
    db = tmp_path / "lp.duckdb"
    ingest(export_folder, db=db, key_file=key_file, exported_at=dt.datetime(2024, 11, 2, 18, 0))
    con = connect(db)
    assert con.sql("SELECT DISTINCT exported_at, exported_at_source FROM snapshots").fetchall() == [
        (dt.datetime(2024, 11, 2, 18, 0), "argument")]
    assert scalar_row(con, "SELECT as_of FROM lp_as_of") == (dt.date(2024, 11, 2),)
    con.close()
    con = connect(db, as_of="2024-10-01")
    assert scalar_row(con, "SELECT as_of FROM lp_as_of") == (dt.date(2024, 10, 1),)
    con.close()


def test_copying_the_folder_elsewhere_is_still_the_same_export(export_folder: Path, tmp_path: Path, key_file: Path) -> None:
    db = tmp_path / "lp.duckdb"
    ingest(export_folder, db=db, key_file=key_file)
    copy = tmp_path / "copy"
    shutil.copytree(export_folder, copy)
    assert {k.status for k in ingest(copy, db=db, key_file=key_file).kinds} == {"unchanged"}




# --- exports.md v2: ischool rosters, rows tied by 學號, value aliases ------------------------------
ISCHOOL_HEAD = ["學生系統編號", "學號", "班級", "座號", "科別", "姓名", "身分證號", "狀態"]
GRADES_BY_NO = ["學年度", "學期", "學號", "姓名", "課程代碼", "學期學業成績"]


def _ischool_roster(path: Path) -> Path:
    return write_csv(path, [ISCHOOL_HEAD, ["1", "1130001", "101", 1, "普通科", "王小明", IDS[0], "一般"],
                            ["2", "1130002", "101", 2, "普通科", "陳美麗", IDS[1], "延修"],
                            ["3", "1130003", "102", 1, "普通科", "林大同", IDS[2], "延長修業"]])


def test_an_ischool_roster_and_grades_by_student_no_in_one_run(tmp_path: Path, key_file: Path) -> None:
    folder = tmp_path / "x"
    folder.mkdir()
    _ischool_roster(folder / "學生基本資料_113-1.csv")
    write_csv(folder / "成績.csv", [GRADES_BY_NO, [113, 1, "1130001", "王小明", COURSE, 88],
                                    [113, 1, "1130002", "陳美麗", COURSE, 77],
                                    [113, 1, "1130099", "某某", COURSE, 60],   # no such student
                                    [113, 2, "1130001", "王小明", COURSE, 90]])  # no roster of 113-2
    db = tmp_path / "lp.duckdb"
    result = ingest(folder, db=db, key_file=key_file)
    counts = {k.kind: (k.rows_loaded, k.rows_quarantined) for k in result.kinds}
    assert counts == {"students": (2, 1), "grades": (2, 2)}
    con = connect(db)
    assert con.sql("SELECT s.student_no, g.score FROM grades g JOIN students s USING (national_id_hash) "
                   "ORDER BY 1").fetchall() == [("1130001", 88.0), ("1130002", 77.0)]
    assert con.sql("SELECT status FROM students ORDER BY student_no").fetchall() == [("enrolled",), ("enrolled",)]
    got = con.sql("SELECT kind, row_number, column_name, reason, value, detail FROM quarantine ORDER BY kind, row_number")
    assert got.fetchall() == [
        ("grades", 4, "學號", "unknown_student_no", "1130099", "no roster row of 113-1 has 學號 1130099"),
        ("grades", 5, "學號", "unknown_student_no", "1130001", "no roster row of 113-2 has 學號 1130001"),
        ("students", 4, "狀態", "invalid_choice", "延長修業",
         "one of 在學/休學/轉出/退學/畢業/一般/延修/輟學; to accept '延長修業', add under status: in "
         "parameters/value_aliases.yaml the line  延長修業: <the value it means>"),
    ]
    assert con.sql("SELECT count(*) FROM quarantine WHERE raw_row LIKE '%王小明%'").fetchall() == [(1,)]
    con.close()


def test_rows_by_student_no_use_the_database_roster_and_value_aliases(tmp_path: Path, key_file: Path) -> None:
    db = tmp_path / "lp.duckdb"
    first, second = tmp_path / "w1", tmp_path / "w2"
    first.mkdir(), second.mkdir()
    _ischool_roster(first / "學生_113-1.csv")
    aliases = tmp_path / "value_aliases.yaml"
    aliases.write_text("status:\n  延長修業: 延修\n", encoding="utf-8")
    ingest(first, db=db, key_file=key_file, value_aliases_file=aliases)
    write_csv(second / "成績.csv", [GRADES_BY_NO, [113, 1, "1130003", "林大同", COURSE, 66]])
    [result] = ingest(second, db=db, key_file=key_file).kinds
    assert (result.rows_loaded, result.rows_quarantined) == (1, 0)
    con = connect(db)
    assert con.sql("SELECT s.student_no, s.status FROM grades g JOIN students s USING (national_id_hash)"
                   ).fetchall() == [("1130003", "enrolled")]
    con.close()
