"""lpdata.readers.read_file end to end: one export file in, typed rows and the quarantine out."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from conftest import header, make_id, write_csv, write_xls, write_xlsx

from lpdata.contract import KINDS_BY_NAME, SCHEDULE_MILESTONES
from lpdata.errors import (
    InputFileError,
    NotASpreadsheetError,
    UndecodableFileError,
    UnknownKindError,
)
from lpdata.readers import Export, HeaderResolver, IdHasher, read_file
from lpdata.readers.rows import REJECT_SCHEMA

A = make_id("A12345678")   # A123456789
B = make_id("B80000001")   # a new resident permit
C = make_id("CA1234567")   # an old resident permit
D = make_id("D20000002")
BAD_ID = "A123456788"      # wrong check digit
assert (A, B, C) == ("A123456789", "B800000015", "CA12345677")

STUDENT_COLUMNS = ("academic_year", "semester", "national_id", "student_no", "name", "sex", "birth_date", "grade",
                   "class_name", "seat_no", "status", "verified_on")
STUDENT_HEADER = header("students", *STUDENT_COLUMNS)
CLO_COLUMNS = ("item_id", "academic_year", "semester", "national_id", "course_code", "summary", "uploaded_at",
               "cert_status", "selected", "selected_at")
CLO_HEADER = header("clo", *CLO_COLUMNS)
COURSE = "0123456789ABCDEF1234567"


def read_one(path: Path, hasher: IdHasher, resolver: HeaderResolver | None = None) -> Export:
    exports = read_file(path, resolver=resolver or HeaderResolver(), hasher=hasher)
    assert len(exports) == 1
    return exports[0]


def student_rows() -> list[list[object]]:
    return [
        ["國立臺東高級中學 113學年度第1學期 學生名冊"],
        STUDENT_HEADER,
        ["113", "1", A, "1130001", "王小明", "1", "97/03/01", "1", "0301", "01", "在學", "113/09/10"],
        ["113", "上學期", "ｂ８００００００１５", "1130002", "陳美麗", "女", "2008-05-06", "1", "0301", "2", "在學", ""],
        ["113", "1", C, "0001234", "林大同", "", "", "2", "0302", "1", "轉出", "1130910"],
    ]


def expected_students(hasher: IdHasher) -> list[dict[str, object]]:
    return [
        {"_row": 3, "_sheet": None, "academic_year": 113, "semester": 1, "national_id_hash": hasher.hash(A),
         "student_no": "1130001", "name": "王小明", "sex": 1, "birth_date": dt.date(2008, 3, 1), "grade": 1,
         "class_name": "0301", "seat_no": 1, "department": None, "status": "enrolled", "status_changed_on": None,
         "postcode": None, "address": None, "verified_on": dt.date(2024, 9, 10), "_part": "113-1"},
        {"_row": 4, "_sheet": None, "academic_year": 113, "semester": 1, "national_id_hash": hasher.hash(B),
         "student_no": "1130002", "name": "陳美麗", "sex": 2, "birth_date": dt.date(2008, 5, 6), "grade": 1,
         "class_name": "0301", "seat_no": 2, "department": None, "status": "enrolled", "status_changed_on": None,
         "postcode": None, "address": None, "verified_on": None, "_part": "113-1"},
        {"_row": 5, "_sheet": None, "academic_year": 113, "semester": 1, "national_id_hash": hasher.hash(C),
         "student_no": "0001234", "name": "林大同", "sex": None, "birth_date": None, "grade": 2,
         "class_name": "0302", "seat_no": 1, "department": None, "status": "transferred_out",
         "status_changed_on": None, "postcode": None, "address": None, "verified_on": dt.date(2024, 9, 10),
         "_part": "113-1"},
    ]


# --- CSV in every encoding -----------------------------------------------------------------------
@pytest.mark.parametrize("encoding, detected", [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp950", "cp950")])
def test_csv_encodings_give_the_same_typed_rows(tmp_path: Path, hasher: IdHasher, encoding: str,
                                                detected: str) -> None:
    path = write_csv(tmp_path / f"students-{encoding}.csv", student_rows(), encoding)
    export = read_one(path, hasher)
    assert export.kind is KINDS_BY_NAME["students"]
    assert export.file == path
    assert export.encoding == detected
    assert export.sheets == ()
    assert export.skipped_sheets == ()
    assert export.rows_read == 3
    assert export.rejects.height == 0
    assert export.rejects.schema == pl.Schema(REJECT_SCHEMA)
    assert export.rows.to_dicts() == expected_students(hasher)
    assert export.partitions == ("113-1",)
    assert export.newest_stamp == dt.datetime(2024, 9, 10)


def test_the_three_encodings_are_equal_frames(tmp_path: Path, hasher: IdHasher) -> None:
    frames = [read_one(write_csv(tmp_path / f"{e}.csv", student_rows(), e), hasher).rows
              for e in ("utf-8", "utf-8-sig", "cp950")]
    assert frames[0].equals(frames[1]) and frames[0].equals(frames[2])


def test_the_file_hash_is_of_its_bytes(tmp_path: Path, hasher: IdHasher) -> None:
    import hashlib

    path = write_csv(tmp_path / "s.csv", student_rows())
    assert read_one(path, hasher).sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_ids_are_never_kept(tmp_path: Path, hasher: IdHasher) -> None:
    export = read_one(write_csv(tmp_path / "s.csv", student_rows()), hasher)
    assert "national_id" not in export.rows.columns
    dump = repr(export.rows.rows())
    for id_ in (A, B, C, "B800000015"):
        assert id_ not in dump


def test_codes_keep_leading_zeros(tmp_path: Path, hasher: IdHasher) -> None:
    rows = [header("courses", "academic_year", "semester", "course_code", "course_name", "credits", "class_name",
                   "teacher_code"),
            ["113", "1", "041305000000000000000001", "國語文", "4", "0301", "007"]]
    export = read_one(write_csv(tmp_path / "courses.csv", rows), hasher)
    assert export.kind.name == "courses"
    assert export.rows.select("course_code", "class_name", "teacher_code", "credits").rows() == [
        ("041305000000000000000001", "0301", "007", 4.0)]


def test_ignored_columns_are_listed(tmp_path: Path, hasher: IdHasher) -> None:
    rows = [[*STUDENT_HEADER, "備註", "家長電話"], student_rows()[2] + ["", "0912345678"]]
    export = read_one(write_csv(tmp_path / "s.csv", rows), hasher)
    assert export.ignored_columns == ("備註", "家長電話")
    assert "0912345678" not in repr(export.rows.rows())


# --- Excel ---------------------------------------------------------------------------------------
def test_xlsx_with_a_cover_and_a_title_row(tmp_path: Path, hasher: IdHasher) -> None:
    path = write_xlsx(tmp_path / "7_學生名冊.xlsx", {
        "封面": [["學校代碼", "140302"], ["學年度", 113], ["名冊別", "學生名冊"]],
        "學生名冊": [
            ["國立臺東高級中學 113學年度第1學期 學生名冊"],
            STUDENT_HEADER,
            # typed cells: numbers, a date, codes written as text
            [113, 1, A, "1130001", "王小明", 1, dt.date(2008, 3, 1), 1, "0301", 1, "在學",
             dt.datetime(2024, 9, 10, 8, 30)],
            [113, "上學期", "ｂ８００００００１５", "1130002", "陳美麗", "女", "2008-05-06", 1, "0301", 2, "在學", None],
            [113, 1, C, "0001234", "林大同", None, None, 2, "0302", 1, "轉出", "1130910"],
        ],
    })
    export = read_one(path, hasher)
    assert export.kind.name == "students"
    assert export.encoding is None
    assert export.sheets == ("學生名冊",)
    assert export.skipped_sheets == ("封面",)
    assert export.rejects.height == 0
    expected = expected_students(hasher)
    for row in expected:
        row["_sheet"] = "學生名冊"
    assert export.rows.to_dicts() == expected


def test_xls(tmp_path: Path, hasher: IdHasher) -> None:
    path = write_xls(tmp_path / "學生名冊.xls", {"Sheet1": student_rows()})
    export = read_one(path, hasher)
    assert export.kind.name == "students"
    assert export.sheets == ("Sheet1",)
    expected = expected_students(hasher)
    for row in expected:
        row["_sheet"] = "Sheet1"
    assert export.rows.to_dicts() == expected


def test_xls_with_typed_cells(tmp_path: Path, hasher: IdHasher) -> None:
    path = write_xls(tmp_path / "s.xls", {"名冊": [
        STUDENT_HEADER,
        [113, 1, A, "1130001", "王小明", 1, dt.date(2008, 3, 1), 1, "0301", 1, "在學", "113/09/10"],
    ]})
    export = read_one(path, hasher)
    assert export.rows.select("academic_year", "birth_date", "class_name", "seat_no", "_row").rows() == [
        (113, dt.date(2008, 3, 1), "0301", 1, 2)]


def test_two_data_sheets_of_one_kind(tmp_path: Path, hasher: IdHasher) -> None:
    path = write_xlsx(tmp_path / "students.xlsx", {
        "封面": [["學校代碼", "140302"]],
        "一年級": [
            ["一年級"],
            STUDENT_HEADER,
            ["113", "1", A, "1130001", "王小明", "1", "", "1", "0101", "1", "在學", ""],
            ["113", "1", B, "1130002", "陳美麗", "2", "", "1", "0101", "2", "在學", ""],
        ],
        "二年級": [
            STUDENT_HEADER,
            ["113", "1", C, "1120001", "林大同", "1", "", "2", "0201", "1", "在學", ""],
            ["113", "1", A, "1120002", "王重複", "1", "", "2", "0201", "2", "在學", ""],  # A again
            ["113", "1", D, "1120003", "張三", "1", "", "2", "0201", "3", "在學", ""],
        ],
    })
    export = read_one(path, hasher)
    assert export.sheets == ("一年級", "二年級")
    assert export.skipped_sheets == ("封面",)
    assert export.rows_read == 5
    assert export.rows.select("_sheet", "_row", "student_no").rows() == [
        ("一年級", 3, "1130001"), ("一年級", 4, "1130002"), ("二年級", 2, "1120001"), ("二年級", 4, "1120003")]
    rejects = export.rejects.to_dicts()
    assert len(rejects) == 1
    reject = rejects[0]
    assert (reject["_sheet"], reject["_row"], reject["reason"]) == ("二年級", 3, "duplicate_key")
    assert reject["column"] == "學年度, 學期, 身分證號"
    assert reject["value"] == "113 / 1"
    assert reject["detail"] == "a key no earlier row has (sheet '一年級' row 3 has it)"
    # The raw row is kept, its ID masked.
    assert reject["raw"] is not None
    raw = json.loads(reject["raw"])
    assert raw["姓名"] == "王重複"
    assert raw["身分證號"] == "A1******89"
    assert A not in reject["raw"]


def test_two_kinds_in_one_workbook(tmp_path: Path, hasher: IdHasher) -> None:
    path = write_xlsx(tmp_path / "mixed.xlsx", {
        "學生": [STUDENT_HEADER, ["113", "1", A, "1130001", "王小明", "1", "", "1", "0101", "1", "在學", ""]],
        "導師": [header("homerooms", "academic_year", "semester", "class_name", "teacher_code"),
                 ["113", "1", "0101", "T001"]],
    })
    exports = read_file(path, resolver=HeaderResolver(), hasher=hasher)
    assert [(e.kind.name, e.sheets) for e in exports] == [("students", ("學生",)), ("homerooms", ("導師",))]
    assert exports[1].rows.select("class_name", "teacher_code").rows() == [("0101", "T001")]


def test_staff_roles_from_a_workbook(tmp_path: Path, hasher: IdHasher) -> None:
    path = write_xlsx(tmp_path / "教職員.xlsx", {
        "封面": [["學校代碼", "140302"], ["名冊別", "教職員"]],
        "教職員": [["教職員名冊"], ["教師代碼", "姓名", "職務", "離職日期"],
                  ["T001", "張老師", "任課教師,導師", ""], ["T002", "李組長", "註冊組長", "2024-12-31"],
                  ["T003", "王主任", "", ""]],
    })
    export = read_one(path, hasher)
    assert export.kind.name == "staff"
    assert export.rows.select("teacher_code", "roles", "left_on").rows() == [
        ("T001", ["course_teacher", "homeroom_teacher"], None),
        ("T002", ["registrar_head"], dt.date(2024, 12, 31)),
        ("T003", None, None),
    ]
    assert export.partitions == ("*",)


# --- the quarantine ------------------------------------------------------------------------------
def clo_file(tmp_path: Path) -> Path:
    ok = ["113", "1", A, COURSE, "實驗報告", "113/10/24 下午 02:03", "認證通過", "✓", "1131101"]
    rows = [
        ["國立臺東高級中學 113學年度第1學期 課程學習成果"],   # row 1
        CLO_HEADER,                                           # row 2
        ["C01", *ok],                                         # row 3: good
        ["C02", "113", "1", BAD_ID, COURSE, "小論文", "2024-10-25 09:00", "待認證", "", ""],      # row 4
        ["C03", "113", "1", B, COURSE, "作品", "113/02/30", "待認證", "", ""],                   # row 5
        ["C04", "113", "1", B, COURSE, "", "113/10/24", "待認證", "", ""],                       # row 6
        ["C05", "113", "1", B, COURSE, "作品", "113/10/24", "審核中", "", ""],                   # row 7
        ["C06", "113", "1", B, COURSE, "作品", "113/10/24", "待認證", "", "", "多出來的"],      # row 8
        [],                                                                                     # row 9
        ["C01", "113", "1", C, COURSE, "重複", "113/10/26", "待認證", "", ""],                   # row 10
        ["C07", "113", "1", "", COURSE, "作品", "113/10/24", "待認證", "N", ""],                # row 11
        ["C08", "113", "1", D, COURSE, "作品", "113/10/24", "待認證", "N", ""],                 # row 12: good
    ]
    return write_csv(tmp_path / "clo-1131101.csv", rows, "utf-8-sig")


def test_quarantine_reasons_and_row_numbers(tmp_path: Path, hasher: IdHasher) -> None:
    export = read_one(clo_file(tmp_path), hasher)
    assert export.kind.name == "clo"
    assert export.rows_read == 9  # the title, the header and the blank line are not rows
    assert export.rows.select("_row", "item_id", "selected", "uploaded_at", "selected_at", "cert_status").rows() == [
        (3, "C01", True, dt.datetime(2024, 10, 24, 14, 3), dt.datetime(2024, 11, 1), "certified"),
        (12, "C08", False, dt.datetime(2024, 10, 24), None, "pending"),
    ]
    got = export.rejects.select("_row", "_sheet", "column", "reason", "value", "detail").rows()
    assert got == [
        (4, None, "身分證號", "invalid_national_id", "A1******88",
         "a national ID or resident permit: a letter, 1/2/8/9 or A-D, eight digits, a valid check digit"),
        (5, None, "上傳時間", "invalid_date", "113/02/30",
         "a date and time like 113/10/24 14:03 or 2024-10-24 下午 02:03"),
        (6, None, "成果簡述", "missing_value", None, "text"),
        (7, None, "認證狀態", "invalid_choice", "審核中", "one of 待認證/認證通過/認證未通過/通過/未通過"),
        (8, None, None, "too_many_fields", "多出來的", "at most 10 cells, as the header has"),
        (10, None, "成果編號", "duplicate_key", "C01", "a key no earlier row has (row 3 has it)"),
        (11, None, "身分證號", "missing_value", None,
         "a national ID or resident permit: a letter, 1/2/8/9 or A-D, eight digits, a valid check digit"),
    ]


def test_rejected_rows_keep_their_raw_cells_with_ids_masked(tmp_path: Path, hasher: IdHasher) -> None:
    export = read_one(clo_file(tmp_path), hasher)
    raws = {r: json.loads(raw) for r, raw in export.rejects.select("_row", "raw").rows()}
    assert raws[4] == {"成果編號": "C02", "學年度": "113", "學期": "1", "身分證號": "A1******88",
                       "課程代碼": COURSE, "成果簡述": "小論文", "上傳時間": "2024-10-25 09:00",
                       "認證狀態": "待認證", "勾選": None, "勾選時間": None, "(extra cells)": None}
    assert raws[8]["(extra cells)"] == "多出來的"
    assert raws[10]["身分證號"] == "CA******77"
    assert raws[11]["身分證號"] is None
    everything = repr(export.rejects.rows()) + repr(export.rows.rows())
    for id_ in (A, B, C, D, BAD_ID):
        assert id_ not in everything


@pytest.mark.parametrize("bad_id, masked", [
    ("A12345678", "A1*****78"),       # too short
    ("A1234567890", "A1*******90"),   # too long
    ("AZ12345678", "AZ******78"),     # a second letter no ID has
    ("A 123456789", "A *******89"),   # a space inside
    ("123456789A", "12******9A"),
])
def test_malformed_ids_are_masked_in_the_raw_row(tmp_path: Path, hasher: IdHasher, bad_id: str,
                                                   masked: str) -> None:
    rows = [STUDENT_HEADER, ["113", "1", bad_id, "1130001", "王小明", "1", "", "1", "0301", "1", "在學", ""]]
    export = read_one(write_csv(tmp_path / "s.csv", rows), hasher)
    [reject] = export.rejects.to_dicts()
    assert reject["reason"] == "invalid_national_id"
    assert reject["value"] == masked
    assert json.loads(reject["raw"])["身分證號"] == masked
    assert bad_id not in reject["raw"]


def test_an_id_pushed_into_an_extra_cell_is_masked(tmp_path: Path, hasher: IdHasher) -> None:
    # An unquoted comma in a name shifts the row right: the last cells, an ID among them, overflow.
    rows = [header("cadres", "academic_year", "semester", "unit", "role", "entered_by_unit", "entered_at",
                   "national_id"),
            ["113", "1", "熱舞社", "社長,副社長", "活動組", "113/10/01", A]]
    export = read_one(write_csv(tmp_path / "cadres.csv", [rows[0], ",".join(rows[1]).split(",")]), hasher)
    [reject] = export.rejects.to_dicts()
    assert reject["reason"] == "too_many_fields"
    assert reject["value"] == "A1******89"
    assert A not in reject["raw"]


def test_raw_json_survives_full_width_punctuation(tmp_path: Path, hasher: IdHasher) -> None:
    # Cells are kept as found: a full-width quote or backslash must not turn into JSON syntax, and
    # a full-width ID in any cell is masked too.
    summary = '他說＂好＂ C:＼報告 ｂ８００００００１５'
    rows = [CLO_HEADER, ["C1", "１１３", "1", BAD_ID, COURSE, summary, "113/10/24", "待認證", "", ""]]
    export = read_one(write_csv(tmp_path / "clo.csv", rows), hasher)
    [reject] = export.rejects.to_dicts()
    raw = json.loads(reject["raw"])
    assert raw["成果簡述"] == '他說＂好＂ C:＼報告 ｂ８******１５'
    assert raw["學年度"] == "１１３"
    assert raw["身分證號"] == "A1******88"


def test_minus_one_in_a_required_number_is_missing(tmp_path: Path, hasher: IdHasher) -> None:
    rows = [STUDENT_HEADER,
            ["-1", "1", A, "1130001", "王小明", "1", "", "1", "0301", "1", "在學", ""],
            ["113", "1", B, "1130002", "陳美麗", "2", "", "1", "0301", "-1", "在學", ""]]
    export = read_one(write_csv(tmp_path / "s.csv", rows), hasher)
    assert export.rows.height == 0
    assert export.rejects.select("_row", "column", "reason", "value").rows() == [
        (2, "學年度", "missing_value", "-1"), (3, "座號", "missing_value", "-1")]


def test_a_missing_score_may_be_minus_one(tmp_path: Path, hasher: IdHasher) -> None:
    rows = [header("grades", "academic_year", "semester", "national_id", "course_code", "score", "passed"),
            ["113", "1", A, COURSE, "-1", ""], ["113", "1", B, COURSE, "", "否"], ["113", "1", C, COURSE, "60", "是"]]
    export = read_one(write_csv(tmp_path / "grades.csv", rows), hasher)
    assert export.rejects.height == 0
    assert export.rows.select("score", "passed").rows() == [(None, None), (None, False), (60.0, True)]


def test_the_first_error_of_a_row_is_reported(tmp_path: Path, hasher: IdHasher) -> None:
    rows = [CLO_HEADER, ["C1", "113", "3", BAD_ID, COURSE, "", "garbage", "?", "maybe", ""]]
    export = read_one(write_csv(tmp_path / "clo.csv", rows), hasher)
    assert export.rejects.select("column", "reason").rows() == [("學期", "invalid_choice")]


def test_printed_header_is_named_for_an_alias(tmp_path: Path, hasher: IdHasher) -> None:
    rows = [["身分證字號" if h == "身分證號" else h for h in STUDENT_HEADER],
            ["113", "1", BAD_ID, "1130001", "王小明", "1", "", "1", "0301", "1", "在學", ""]]
    export = read_one(write_csv(tmp_path / "s.csv", rows), hasher)
    assert export.rejects.select("column", "reason").rows() == [("身分證字號", "invalid_national_id")]
    assert json.loads(export.rejects["raw"][0])["身分證字號"] == "A1******88"


# --- the schedule (YAML) -------------------------------------------------------------------------
def test_schedule_yaml(tmp_path: Path, hasher: IdHasher) -> None:
    path = tmp_path / "schedule.yaml"
    path.write_text(
        "113-1:\n"
        "  clo_upload_due: 2024-10-24\n"
        "  clo_certify_due: 2024-11-05\n"
        "  clo_select_due: 113/11/20\n"
        "113-2:\n"
        "  national_due: 2025-07-31\n", encoding="utf-8")
    export = read_one(path, hasher)
    assert export.kind.name == "schedule"
    assert export.rows_read == 2
    assert export.rejects.height == 0
    rows = export.rows.to_dicts()
    assert [(r["academic_year"], r["semester"], r["_part"]) for r in rows] == [(113, 1, "113-1"), (113, 2, "113-2")]
    assert rows[0]["clo_upload_due"] == dt.date(2024, 10, 24)
    assert rows[0]["clo_certify_due"] == dt.date(2024, 11, 5)
    assert rows[0]["clo_select_due"] == dt.date(2024, 11, 20)
    assert rows[0]["national_due"] is None
    assert rows[1]["national_due"] == dt.date(2025, 7, 31)
    assert set(SCHEDULE_MILESTONES) <= set(export.rows.columns)


@pytest.mark.parametrize("text", ["foo: 1\n", "- 113-1\n- 113-2\n", "", "all:\n  學生身分證號: 身分證號\n",
                                  "113-3:\n  clo_upload_due: 2024-10-24\n"])
def test_yaml_of_no_known_kind(tmp_path: Path, hasher: IdHasher, text: str) -> None:
    path = tmp_path / "other.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UnknownKindError) as info:
        read_file(path, resolver=HeaderResolver(), hasher=hasher)
    assert info.value.nearest == "schedule"
    assert info.value.file == str(path)
    assert "clo_upload_due" in str(info.value)


@pytest.mark.parametrize("text, column", [
    ("113-1:\n  clo_upload_soon: 2024-10-24\n", "clo_upload_soon"),
    ("113-1:\n  clo_upload_due: someday\n", "clo_upload_due"),
    ("113-1:\n  clo_upload_due: 113/02/30\n", "clo_upload_due"),
    ("113-1: 2024-10-24\n", "113-1"),
])
def test_bad_schedule(tmp_path: Path, hasher: IdHasher, text: str, column: str) -> None:
    path = tmp_path / "schedule.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputFileError) as info:
        read_file(path, resolver=HeaderResolver(), hasher=hasher)
    assert not isinstance(info.value, UnknownKindError)
    assert info.value.column == column
    assert info.value.file == str(path)


def test_schedule_that_is_not_yaml(tmp_path: Path, hasher: IdHasher) -> None:
    path = tmp_path / "schedule.yaml"
    path.write_text("113-1: [\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="not valid YAML"):
        read_file(path, resolver=HeaderResolver(), hasher=hasher)


# --- consultations: the term comes from the date -------------------------------------------------
def test_consultation_terms_are_derived_from_the_date(tmp_path: Path, hasher: IdHasher) -> None:
    consult = KINDS_BY_NAME["consultations"]
    rows = [[c.header for c in consult.required]] + [
        [f"S{i}", "個別", day, "下午 12:10", "輔導室", "T01", A, "選課討論"]
        for i, day in enumerate(["113/08/01", "113/12/31", "114/01/31", "114/02/01", "114/07/31", "2024-07-31"])]
    export = read_one(write_csv(tmp_path / "consult.csv", rows), hasher)
    assert export.rejects.height == 0
    assert export.rows.select("session_id", "date", "time", "academic_year", "semester", "_part").rows() == [
        ("S0", dt.date(2024, 8, 1), dt.time(12, 10), 113, 1, "113-1"),
        ("S1", dt.date(2024, 12, 31), dt.time(12, 10), 113, 1, "113-1"),
        ("S2", dt.date(2025, 1, 31), dt.time(12, 10), 113, 1, "113-1"),
        ("S3", dt.date(2025, 2, 1), dt.time(12, 10), 113, 2, "113-2"),
        ("S4", dt.date(2025, 7, 31), dt.time(12, 10), 113, 2, "113-2"),
        ("S5", dt.date(2024, 7, 31), dt.time(12, 10), 112, 2, "112-2"),
    ]
    assert export.partitions == ("112-2", "113-1", "113-2")


# --- whole files rejected ------------------------------------------------------------------------
def test_a_csv_of_no_kind_names_the_nearest(tmp_path: Path, hasher: IdHasher) -> None:
    path = write_csv(tmp_path / "students.csv", [["標題"], [h for h in STUDENT_HEADER if h != "學籍狀態"],
                                                 ["113", "1", A]])
    with pytest.raises(UnknownKindError) as info:
        read_file(path, resolver=HeaderResolver(), hasher=hasher)
    assert info.value.nearest == "students"
    assert info.value.missing == ("學籍狀態",)
    assert info.value.row == 2
    assert str(info.value).startswith(f"{path}, row 2: matches no export kind; nearest is students (學生名冊)")


def test_a_workbook_with_only_a_cover(tmp_path: Path, hasher: IdHasher) -> None:
    path = write_xlsx(tmp_path / "x.xlsx", {"封面": [["學校代碼", "140302"]], "Sheet2": []})
    with pytest.raises(UnknownKindError, match="no data sheet") as info:
        read_file(path, resolver=HeaderResolver(), hasher=hasher)
    assert info.value.file == str(path)


def test_a_sheet_of_no_kind_in_a_workbook(tmp_path: Path, hasher: IdHasher) -> None:
    path = write_xlsx(tmp_path / "x.xlsx", {
        "名冊": [STUDENT_HEADER, ["113", "1", A, "1130001", "王小明", "1", "", "1", "0301", "1", "在學", ""]],
        "說明": [["本檔案由系統產生"], ["請勿修改"]],
    })
    with pytest.raises(UnknownKindError) as info:
        read_file(path, resolver=HeaderResolver(), hasher=hasher)
    assert info.value.sheet == "說明"
    assert info.value.nearest is None


def test_an_xlsx_that_is_really_text(tmp_path: Path, hasher: IdHasher) -> None:
    path = tmp_path / "students.xlsx"
    path.write_bytes("\n".join(",".join(r) for r in [STUDENT_HEADER]).encode())
    with pytest.raises(NotASpreadsheetError) as info:
        read_file(path, resolver=HeaderResolver(), hasher=hasher)
    assert info.value.file == str(path)


def test_an_undecodable_csv(tmp_path: Path, hasher: IdHasher) -> None:
    # UTF-16 without its byte-order mark (with one, it is Excel's Unicode text, and read: v2).
    path = tmp_path / "x.csv"
    path.write_bytes(",".join(STUDENT_HEADER).encode("utf-16-le"))
    with pytest.raises(UndecodableFileError):
        read_file(path, resolver=HeaderResolver(), hasher=hasher)


def test_school_aliases_reach_read_file(tmp_path: Path, hasher: IdHasher) -> None:
    from lpdata.readers import Aliases

    alias_file = tmp_path / "aliases.yaml"
    alias_file.write_text("all:\n  學生身分證號: 身分證號\n", encoding="utf-8")
    rows = [["學生身分證號" if h == "身分證號" else h for h in STUDENT_HEADER],
            ["113", "1", A, "1130001", "王小明", "1", "", "1", "0301", "1", "在學", ""]]
    path = write_csv(tmp_path / "s.csv", rows)
    export = read_one(path, hasher, HeaderResolver(Aliases.load(alias_file)))
    assert export.rows["national_id_hash"].to_list() == [hasher.hash(A)]
