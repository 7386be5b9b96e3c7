"""`lp ingest` over the files schools really hold (v2): zips, text files, 造字 notices, files all of
whose rows are quarantined, and the batch of an uploaded national workbook."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import polars as pl
import pytest

from lpdata import connect, ingest
from lpdata.contract import KINDS_BY_NAME
from lpdata.ingest import fill_upload_batch
from lpdata.readers import Export
from lpdata.readers.rows import PART, REJECT_SCHEMA, ROW, SHEET
from lpdata.status import status_frame

from .conftest import IDS, STUDENT_HEADER, student_rows, table_contents, write_csv


def csv_text(rows: list[list[object]], delimiter: str = ",") -> str:
    import csv
    import io

    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buf.getvalue()


def bad_students() -> list[list[object]]:
    """Every row with an ID whose check digit is wrong: every row quarantined."""
    return [STUDENT_HEADER, [114, 1, "A123456788", "1140001", "王小明", 1, "0101", 1, "在學", "114/09/10"],
            [114, 1, "B123456788", "1140002", "陳美麗", 1, "0101", 2, "在學", "114/09/10"]]


def data_quality(db: Path) -> list[dict[str, object]]:
    con = connect(db)
    try:
        return con.sql("SELECT file, kind, rows_read, rows_loaded, rows_quarantined, reason, rows_with_reason, "
                       "example_row FROM data_quality").pl().to_dicts()
    finally:
        con.close()


# --- zips and text files --------------------------------------------------------------------------
@pytest.fixture
def zipped(tmp_path: Path) -> Path:
    folder = tmp_path / "exports"
    folder.mkdir()
    with zipfile.ZipFile(folder / "匯出.zip", "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr(zipfile.ZipInfo("學生名冊.csv", date_time=(2025, 2, 1, 8, 0, 0)),
                      csv_text(student_rows()).encode("cp950"))
        book.writestr("readme.pdf", b"%PDF-1.4")
        book.writestr("__MACOSX/._學生名冊.csv", b"\x00")
    (folder / "clo.txt").write_bytes(csv_text([
        ["成果編號", "學年度", "學期", "身分證號", "課程代碼", "成果簡述", "上傳時間", "認證狀態", "勾選"],
        ["C1", 113, 1, IDS[0], "0123456789ABCDEF1234567", "報告", "113/10/24 14:03", "認證通過", "是"]],
        "\t").encode("utf-16"))
    (folder / "說明.txt").write_text("請於期限內上傳\n", encoding="utf-8")
    return folder


def test_zip_members_and_text_files_are_loaded_and_shown_through_the_zip(zipped: Path, tmp_path: Path,
                                                                        key_file: Path) -> None:
    db = tmp_path / "lp.duckdb"
    result = ingest(zipped, db=db, key_file=key_file)
    by_kind = {k.kind: k for k in result.kinds}
    assert by_kind["students"].files == ("匯出.zip/學生名冊.csv",)
    assert (by_kind["students"].rows_loaded, by_kind["students"].rows_quarantined) == (3, 1)
    assert by_kind["clo"].files == ("clo.txt",) and by_kind["clo"].rows_loaded == 1
    assert result.ignored_files == ("匯出.zip/__MACOSX/._學生名冊.csv", "匯出.zip/readme.pdf", "說明.txt")
    files = {r["file"] for r in data_quality(db)}
    assert files == {"匯出.zip/學生名冊.csv", "clo.txt"}
    con = connect(db)
    assert con.sql("SELECT path, encoding FROM snapshot_files ORDER BY 1").fetchall() == [
        ("clo.txt", "utf-16"), ("匯出.zip/學生名冊.csv", "cp950")]
    con.close()
    # the same zip again changes nothing (each member's sha256)
    before = table_contents(db)
    again = ingest(zipped, db=db, key_file=key_file)
    assert {k.status for k in again.kinds} == {"unchanged"}
    after = table_contents(db)
    after.pop("ingest_runs"), before.pop("ingest_runs")
    assert after == before


def test_a_corrupt_zip_rejects_the_ingest_naming_it(tmp_path: Path, key_file: Path) -> None:
    from lpdata.errors import IngestRejected

    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "壞.zip").write_bytes(b"PK\x03\x04broken")
    with pytest.raises(IngestRejected) as info:
        ingest(folder, db=tmp_path / "lp.duckdb", key_file=key_file)
    [error] = info.value.errors
    assert error.file == str(folder / "壞.zip") and "zip" in error.message


# --- notices ---------------------------------------------------------------------------------------
def test_eudc_and_replaced_characters_are_loaded_and_listed(tmp_path: Path, key_file: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    rows = student_rows()
    rows[1][4] = "@@"
    rows[2][4] = "陳?麗"
    data = csv_text(rows).encode("cp950").replace(b"@@", b"\xa4\xfd\xfa\x40\xa9\xfa")  # 王 + 造字 + 明
    (folder / "學生名冊.csv").write_bytes(data)
    db = tmp_path / "lp.duckdb"
    result = ingest(folder, db=db, key_file=key_file)
    assert result.notices == 2
    con = connect(db)
    names = con.sql("SELECT name FROM students ORDER BY student_no").fetchall()
    assert names[:2] == [("王\ue000明",), ("陳?麗",)]
    stored = con.sql("SELECT row_number, column_name, reason, value FROM row_notices ORDER BY 1").fetchall()
    assert stored == [(2, "姓名", "eudc_character", "王\ue000明"), (3, "姓名", "replaced_character", "陳?麗")]
    con.close()
    dq = {r["reason"]: r for r in data_quality(db)}
    assert set(dq) == {"eudc_character", "replaced_character", "invalid_national_id"}
    eudc = dq["eudc_character"]
    assert (eudc["rows_loaded"], eudc["rows_quarantined"], eudc["rows_with_reason"]) == (3, 1, 1)
    assert eudc["example_row"].startswith("row 2, column 姓名 = '王\ue000明': a 造字")


# --- a file all of whose rows are quarantined ---------------------------------------------------------
def test_today_an_all_quarantined_file_made_a_snapshot_without_terms(tmp_path: Path, key_file: Path) -> None:
    """What the store does with such a file (the ground for the listing below): a snapshot with its
    file and quarantine rows, but no partition, so it is current for no term and replaces nothing."""
    bad = write_csv(tmp_path / "bad.csv", bad_students())
    db = tmp_path / "lp.duckdb"
    [k] = ingest(bad, db=db, key_file=key_file).kinds
    assert (k.status, k.rows_loaded, k.rows_quarantined, k.partitions) == ("loaded", 0, 2, ())
    con = connect(db)
    assert con.sql("SELECT count(*) FROM snapshot_partitions").fetchall() == [(0,)]
    assert con.sql("SELECT count(*) FROM quarantine").fetchall() == [(2,)]
    con.close()


def test_an_all_quarantined_file_is_listed_and_replaces_nothing(tmp_path: Path, key_file: Path) -> None:
    db = tmp_path / "lp.duckdb"
    good = tmp_path / "good"
    good.mkdir()
    write_csv(good / "學生名冊.csv", student_rows())
    ingest(good, db=db, key_file=key_file)
    con = connect(db)
    students_before = con.sql("SELECT * FROM students ORDER BY student_no").fetchall()
    con.close()

    bad = tmp_path / "bad"
    bad.mkdir()
    write_csv(bad / "學生名冊_114.csv", bad_students())
    result = ingest(bad, db=db, key_file=key_file)
    assert result.all_quarantined == (("學生名冊_114.csv", "students", 2),)
    con = connect(db)
    assert con.sql("SELECT * FROM students ORDER BY student_no").fetchall() == students_before
    con.close()
    listed = [r for r in data_quality(db) if r["file"] == "學生名冊_114.csv"]
    assert [(r["rows_read"], r["rows_loaded"], r["rows_quarantined"], r["reason"], r["rows_with_reason"])
            for r in listed] == [(2, 0, 2, "invalid_national_id", 2)]
    assert any(r["file"] == "學生名冊.csv" for r in data_quality(db))  # the current one is still listed
    _, summary = status_frame(db)
    assert "warning: 學生名冊_114.csv (students): all 2 rows quarantined" in summary

    # again: nothing changes (no second snapshot, no second copy of its quarantine rows)
    before = table_contents(db)
    again = ingest(bad, db=db, key_file=key_file)
    assert {k.status for k in again.kinds} == {"unchanged"}
    assert again.all_quarantined == (("學生名冊_114.csv", "students", 2),)  # still said
    after = table_contents(db)
    after.pop("ingest_runs"), before.pop("ingest_runs")
    assert after == before

    # a later load of the kind (the file corrected) ends the listing
    write_csv(bad / "學生名冊_114.csv", [STUDENT_HEADER] + [[114, *r[1:]] for r in student_rows()[1:]])
    ingest(bad, db=db, key_file=key_file)
    assert not [r for r in data_quality(db) if r["rows_loaded"] == 0]
    _, summary = status_frame(db)
    assert "warning" not in summary


def test_the_cli_warns_of_an_all_quarantined_file(tmp_path: Path, key_file: Path) -> None:
    from typer.testing import CliRunner

    from lpdata.cli import app

    bad = tmp_path / "bad"
    bad.mkdir()
    write_csv(bad / "學生名冊_114.csv", bad_students())
    env = {"LP_KEY_FILE": str(key_file), "COLUMNS": "200"}
    got = CliRunner().invoke(app, ["ingest", str(bad), "--db", str(tmp_path / "lp.duckdb"), "-q"], env=env)
    assert got.exit_code == 0, got.output
    assert "warning: 學生名冊_114.csv (students): all 2 rows quarantined" in got.output
    status = CliRunner().invoke(app, ["status", "--db", str(tmp_path / "lp.duckdb")], env=env)
    assert "warning: 學生名冊_114.csv (students): all 2 rows quarantined" in status.output


# --- an uploaded national workbook: its batch and time -------------------------------------------------
def upload_export(file: Path, modified: dt.datetime | None, batch: str | None = None) -> Export:
    kind = KINDS_BY_NAME["national_uploads"]
    columns = {c.stored_name: pl.Series(c.stored_name, [None], dtype=pl.String) for c in kind.columns}
    rows = pl.DataFrame(columns).with_columns(
        pl.lit(batch, dtype=pl.String).alias("batch_id"), pl.lit(None, dtype=pl.Datetime("us")).alias("submitted_at"),
        pl.lit(3, dtype=pl.Int64).alias(ROW), pl.lit("學期課程學習成果", dtype=pl.String).alias(SHEET),
        pl.lit("", dtype=pl.String).alias(PART))
    return Export(kind, file, "0" * 64, None, ("學期課程學習成果",), rows, pl.DataFrame(schema=REJECT_SCHEMA), 1,
                  modified_at=modified)


def test_an_upload_batch_is_its_file_and_time() -> None:
    shown = "匯出.zip/7_學生課程學習成果名冊.xlsx"
    started = dt.datetime(2025, 7, 1, 9, 0)
    modified = dt.datetime(2025, 2, 24, 16, 30)
    argument = dt.datetime(2025, 3, 1)
    for exported_at, mtime, expected in [(argument, modified, argument), (None, modified, modified),
                                         (None, None, started)]:
        got = fill_upload_batch(upload_export(Path("x"), mtime), shown, exported_at, started)
        row = got.rows.row(0, named=True)
        assert (row["batch_id"], row["submitted_at"], row[PART]) == (shown, expected, shown)
    kept = fill_upload_batch(upload_export(Path("x"), modified, "B-1"), shown, None, started)
    assert kept.rows.row(0, named=True)["batch_id"] == "B-1"


def test_other_kinds_are_untouched(tmp_path: Path) -> None:
    from lpdata.readers import HeaderResolver, IdHasher, read_file

    path = write_csv(tmp_path / "s.csv", student_rows())
    [export] = read_file(path, resolver=HeaderResolver(), hasher=IdHasher(b"k" * 32))
    assert fill_upload_batch(export, "s.csv", None, dt.datetime.now()) is export
