"""National upload workbooks (exports.md v2; DOSSIER sources S1 pilot templates, S2 ischool LHDB_SH,
S3/S4 the 108 workbooks): a 封面 cover whose values every data sheet takes, each data sheet read on
its own into its kind, students identified by 身分證號 + 出生日期, national codes mapped.

The workbooks are built the way the generators build them: a first sheet 封面 (or `<名冊>封面`) with
one header row and one row of values (名冊別 a number), then data sheets from row 1, every cell text
(the generators write codes and ROC dates as text), or a number where Excel would hold one.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from conftest import make_id, write_xls, write_xlsx

from lpdata.errors import AmbiguousKindError, UnknownKindError
from lpdata.readers import Export, HeaderResolver, IdHasher, read_file

A, B, C = make_id("A12345678"), make_id("B22345678"), make_id("C12345679")
SCHOOL = "140302"
CODE1 = "113140302H1101M0000000001"[:23]  # a 23-character 課程代碼
CODE2 = "113140302H1101M00000002"


def cover(year: object, semester: object, book: object, *, name: str = "封面",
          order: tuple[str, ...] = ("學校代碼", "學年度", "學期", "名冊別")) -> dict[str, list[list[object]]]:
    values = {"學校代碼": SCHOOL, "學年度": year, "學期": semester, "名冊別": book}
    return {name: [list(order), [values[h] for h in order]]}


def read(path: Path, hasher: IdHasher) -> dict[str, Export]:
    exports = read_file(path, resolver=HeaderResolver(), hasher=hasher)
    assert len({e.kind.name for e in exports}) == len(exports)
    return {e.kind.name: e for e in exports}


def rows_of(export: Export, *columns: str) -> list[tuple]:
    assert isinstance(export.rows, pl.DataFrame)
    return export.rows.sort("_sheet", "_row").select(columns).rows()


def reasons(export: Export) -> list[tuple]:
    return export.rejects.sort("_row").select("_sheet", "_row", "column", "reason").rows()


# --- 7 學生課程學習成果名冊 (CLO) and 學生自填多元表現名冊 (MP) -> national_uploads ------------------
CLO_108 = ["身分證號", "出生日期", "實際修課學期", "課程代碼", "科目名稱", "開課年級", "修課學分", "成果簡述"]
CLO_MAKEUP_108 = ["身分證號", "出生日期", "應修課學年度", "應修課學期", "實際修課學期", "課程代碼", "科目名稱", "開課年級",
                  "修課學分", "補修方式", "成果簡述"]
CLO_RETAKE_108 = ["身分證號", "出生日期", "原修課學年度", "原修課學期", "實際修課學期", "原修課課程代碼", "原修課科目名稱",
                  "原修課開課年級", "原修課修課學分", "重修方式", "成果簡述"]


def test_clo_workbook_108(tmp_path: Path, hasher: IdHasher) -> None:
    # S4: the cover says 學期 0 (whole year); each row has its 實際修課學期.
    path = write_xlsx(tmp_path / "7_學生課程學習成果名冊.xlsx", {
        **cover("113", "0", "26"),
        "學期課程學習成果": [CLO_108,
                       [A, "0950301", "1", CODE1, "國語文", "1", "4", "閱讀心得：《老人與海》"],
                       [B, "0951224", "2", CODE2, "數學", "1", "4", "函數圖形 報告"]],
        "補修課程學習成果": [CLO_MAKEUP_108, [C, "0940715", "112", "2", "1", CODE2, "數學", "1", "4", "1", "補修 作業"]],
        "重修課程學習成果": [CLO_RETAKE_108, [A, "0950301", "112", "1", "2", CODE1, "國語文", "1", "4", "1", "重修 報告"]],
    })
    export = read(path, hasher)["national_uploads"]
    assert export.rejects.height == 0
    assert export.skipped_sheets == ("封面",)
    assert export.sheets == ("學期課程學習成果", "補修課程學習成果", "重修課程學習成果")
    assert rows_of(export, "kind", "book", "school_code", "academic_year", "semester", "birth_date", "course_code",
                   "course_name", "category", "title", "summary", "batch_id", "submitted_at") == [
        ("clo", "學期課程學習成果", SCHOOL, 113, 1, dt.date(2006, 3, 1), CODE1, "國語文", None, None,
         "閱讀心得：《老人與海》", None, None),
        ("clo", "學期課程學習成果", SCHOOL, 113, 2, dt.date(2006, 12, 24), CODE2, "數學", None, None, "函數圖形 報告",
         None, None),
        ("clo", "補修課程學習成果", SCHOOL, 113, 1, dt.date(2005, 7, 15), CODE2, "數學", None, None, "補修 作業", None, None),
        ("clo", "重修課程學習成果", SCHOOL, 113, 2, dt.date(2006, 3, 1), CODE1, "國語文", None, None, "重修 報告", None,
         None),
    ]
    assert export.rows["national_id_hash"].to_list()[0] == hasher.hash_column(pl.Series([A]))[0]


def test_clo_workbook_of_the_pilot_template(tmp_path: Path, hasher: IdHasher) -> None:
    # S1: 科目代碼 and 課程學習成果簡述, the term from the cover; 8's sheets 重修/重讀課程學習成果.
    pilot = ["身分證號", "出生日期", "科目代碼", "開課年級", "科目學分", "課程學習成果檔案", "課程學習成果簡述", "課程學習成果影音連結"]
    path = write_xlsx(tmp_path / "7.xlsx", {
        **cover(108, 1, 26),  # numbers, as Excel holds them when typed
        "學期課程學習成果": [pilot, [A, "0950301", CODE1, "X", "2", "https://x/1.pdf", "成果一", None]],
    })
    export = read(path, hasher)["national_uploads"]
    assert rows_of(export, "kind", "academic_year", "semester", "course_code", "summary") == [
        ("clo", 108, 1, CODE1, "成果一")]
    retake = ["身分證號", "出生日期", "原修課學年度", "原修課學期", "原修課科目代碼", "原修課開課年級", "原修課科目學分", "重修方式",
              "課程學習成果檔案", "課程學習成果簡述", "課程學習成果影音連結"]
    reread = ["身分證號", "出生日期", "原修課學年度", "原修課學期", "科目代碼", "開課年級", "科目學分", "課程學習成果檔案",
              "課程學習成果簡述", "課程學習成果影音連結"]
    path = write_xlsx(tmp_path / "8.xlsx", {
        **cover(108, 2, 27),
        "重修課程學習成果": [retake, [A, "0950301", "107", "1", CODE1, "1", "2", "1", "", "重修成果", ""]],
        "重讀課程學習成果": [reread, [B, "0951224", "107", "2", CODE2, "1", "2", "", "重讀成果", ""]],
    })
    export = read(path, hasher)["national_uploads"]
    assert rows_of(export, "book", "academic_year", "semester", "course_code", "summary") == [
        ("重修課程學習成果", 108, 2, CODE1, "重修成果"), ("重讀課程學習成果", 108, 2, CODE2, "重讀成果")]


MP_SHEETS = {
    "幹部經歷暨事蹟紀錄": (["身分證號", "出生日期", "單位名稱", "開始日期", "結束日期", "擔任職務", "內容簡述", "幹部等級"],
                   [A, "0950301", "班級幹部", "1130801", "1140731", "學藝股長", "負責班刊", "3"], "幹部經歷", "班級幹部-學藝股長"),
    "競賽參與紀錄": (["身分證號", "出生日期", "競賽名稱", "項目", "競賽等級代碼", "獎項", "結果公布日期", "內容簡述", "團體參與代碼"],
               [A, "0950301", "全國英語演講比賽", "高中組", "3", "優等", "1131120", "演講", "1"], "競賽參與", "全國英語演講比賽"),
    "檢定證照紀錄": (["身分證號", "出生日期", "證照代碼", "註1", "分數", "分項結果", "取得證照日期", "證照字號", "檢定組別", "內容簡述"],
               [B, "0951224", "1001", "", "-1", "", "1130505", "A123", "", "丙級"], "檢定證照", "1001"),
    "服務學習紀錄": (["身分證號", "出生日期", "服務名稱", "服務單位", "開始日期", "結束日期", "時數", "內容簡述"],
               [B, "0951224", "淨灘活動志工", "海巡署", "1130701", "1130701", "4", "淨灘"], "志工服務", "淨灘活動志工"),
    "彈性學習時間紀錄": (["身分證號", "出生日期", "彈性學習時間類別種類代碼", "內容開設名稱", "開設單位", "開設學年度", "開設學期", "每週節數",
                    "開設週數", "內容簡述"],
                   [C, "0940715", "1", "自主學習計畫：天文觀測", "教務處", "113", "1", "2", "18", "觀星"], "彈性學習",
                   "自主學習計畫：天文觀測"),
    "團體活動時間紀錄": (["身分證號", "出生日期", "團體活動時間類別代碼", "辦理單位", "團體活動內容名稱", "活動學年度", "活動學期", "節數",
                    "內容簡述"],
                   [C, "0940715", "1", "學務處", "吉他社社團活動", "113", "1", "18", "社課"], "團體活動", "吉他社社團活動"),
    "職場學習紀錄": (["身分證號", "出生日期", "職場學習類別代碼", "職場學習單位", "職場學習職稱", "開始日期", "結束日期", "時數", "內容簡述"],
               [A, "0950301", "1", "臺東地方法院", "參訪", "1130710", "1130710", "3", "參訪"], "職場學習", "臺東地方法院"),
    "作品成果紀錄": (["身分證號", "出生日期", "名稱", "日期", "內容簡述"], [A, "0950301", "攝影作品集", "1130601", "攝影"], "作品成果",
               "攝影作品集"),
    "大學及技專校院先修課程紀錄": (["身分證號", "出生日期", "計畫專案", "開設單位", "課程名稱", "開始日期", "結束日期", "學分數", "總時數",
                        "內容簡述"],
                       [B, "0951224", "AP", "臺東大學", "微積分先修", "1130701", "1130820", "2", "36", "微積分"],
                       "大學及技專校院先修課程", "微積分先修"),
    "其他多元表現紀錄": (["身分證號", "出生日期", "名稱", "主辦單位", "開始日期", "結束日期", "時數", "內容簡述"],
                   [C, "0940715", "校慶園遊會", "學生會", "1131026", "1131026", "8", "擺攤"], "其他多元表現", "校慶園遊會"),
}


def test_mp_workbook_one_sheet_per_category(tmp_path: Path, hasher: IdHasher) -> None:
    # The cover's 學期 0 (the whole year): no semester. The sheet is the category; its own column the title.
    path = write_xlsx(tmp_path / "學生自填多元表現名冊.xlsx", {
        **cover("113", "0", "25"), **{name: [head, row] for name, (head, row, _, _) in MP_SHEETS.items()}})
    export = read(path, hasher)["national_uploads"]
    assert export.rejects.height == 0
    assert export.sheets == tuple(MP_SHEETS)
    got = rows_of(export, "_sheet", "kind", "academic_year", "semester", "school_code", "category", "title", "summary")
    expected = [(name, "mp", 113, None, SCHOOL, category, title, row[head.index("內容簡述")])
                for name, (head, row, category, title) in MP_SHEETS.items()]
    assert sorted(got) == sorted(expected)


def test_mp_workbook_of_the_pilot_template(tmp_path: Path, hasher: IdHasher) -> None:
    # S1: older sheet names; 自主學習紀錄 and 其他活動紀錄 have the same columns: the sheet's name decides.
    same = ["身分證號", "出生日期", "名稱", "主辦單位", "開始日期", "結束日期", "時數", "內容簡述", "證明文件連結", "影音檔案連結", "外部影音連結"]
    path = write_xlsx(tmp_path / "2_學生自填多元表現名冊.xlsx", {
        **cover("108", "0", "25"),
        "幹部經歷紀錄": [["身分證號", "出生日期", "單位名稱", "開始日期", "結束日期", "擔任職務", "內容簡述", "幹部等級", "證明文件連結",
                     "影音檔案連結", "外部影音連結"], [A, "0950301", "吉他社", "1080901", "1090630", "社長", "帶社課", "2"]],
        "志工服務紀錄": [["身分證號", "出生日期", "服務名稱", "服務單位", "開始日期", "結束日期", "時數", "內容簡述"],
                   [A, "0950301", "醫院志工", "馬偕", "1080901", "1080901", "4", "導引"]],
        "自主學習紀錄": [same, [B, "0951224", "程式設計", "資訊社", "1080901", "1090630", "20", "Python"]],
        "其他活動紀錄": [same, [C, "0940715", "校慶", "學生會", "1081026", "1081026", "8", "擺攤"]],
    })
    export = read(path, hasher)["national_uploads"]
    assert export.rejects.height == 0
    assert sorted(rows_of(export, "_sheet", "category", "title", "semester")) == sorted([
        ("幹部經歷紀錄", "幹部經歷", "吉他社-社長", None), ("志工服務紀錄", "志工服務", "醫院志工", None),
        ("自主學習紀錄", "彈性學習", "程式設計", None), ("其他活動紀錄", "其他多元表現", "校慶", None)])


def test_whole_year_cover_quarantines_rows_that_need_a_semester(tmp_path: Path, hasher: IdHasher) -> None:
    # A grades sheet under a cover whose 學期 is 0: grades need a semester; said so, row by row.
    path = write_xlsx(tmp_path / "3.xlsx", {
        **cover("113", "0", "2"),
        "成績名冊": [GRADES_HEAD, [A, "0950301", CODE1, "4", "", "101", "1", "75", "-1"]],
    })
    export = read(path, hasher)["grades"]
    assert export.rows.height == 0
    [reject] = export.rejects.iter_rows(named=True)
    assert (reject["column"], reject["reason"], reject["value"]) == ("學期 (cover)", "whole_year_semester", "0")
    assert "學期 0 means the whole year" in reject["detail"]


def test_a_sheet_column_beats_the_cover(tmp_path: Path, hasher: IdHasher) -> None:
    head = ["學年度", "學期", *CLO_108[:2], *CLO_108[3:]]
    path = write_xlsx(tmp_path / "7.xlsx", {
        **cover("113", "1", "26"),
        "學期課程學習成果": [head, ["112", "2", A, "0950301", CODE1, "國語文", "1", "4", "成果"]],
    })
    export = read(path, hasher)["national_uploads"]
    assert rows_of(export, "academic_year", "semester") == [(112, 2)]


# --- 2 學生資料名冊 -> students ------------------------------------------------------------------
STUDENTS_FULL = ["學號", "身分證號", "註1", "姓名", "性別代碼", "出生日期", "所屬學校代碼", "科/班/學程別代碼", "部別", "班別", "班級座號代碼",
                 "特殊身分代碼", "原身分證號", "原出生日期", "學籍狀態代碼", "學籍狀態生效日期"]
STUDENTS_RUN = ["身分證號", "出生日期", "所屬學校代碼", "科/班/學程別代碼", "部別", "班別", "班級座號代碼"]


def test_student_roster_of_a_school_not_run_by_the_ministry(tmp_path: Path, hasher: IdHasher) -> None:
    covers = {"學生資料名冊封面": [["學校代碼", "學年度", "學期", "名冊別", "科/班/學程別代碼", "年級班級代碼", "部別", "班別", "班級人數"],
                             [SCHOOL, "113", "1", "1", "101", "101", "1", "1", "2"],
                             [SCHOOL, "113", "1", "1", "101", "301", "1", "1", "1"]]}
    path = write_xlsx(tmp_path / "2_學生資料名冊.xlsx", {**covers, "學生資料名冊": [
        STUDENTS_FULL,
        ["1130001", A, "", "王小明", "1", "0950301", SCHOOL, "101", "1", "1", "10105", "0", "-1", "-1", "001", "1130801"],
        ["1130002", B, "", "陳美麗", "2", "0951224", SCHOOL, "101", "1", "1", "10112", "0", "-1", "-1", "341", "1131015"],
        ["1110003", C, "", "林大同", "1", "0940715", SCHOOL, "101", "1", "1", "30101", "0", "-1", "-1", "501", "1140630"],
        ["1110004", make_id("D12345678"), "", "張", "1", "0940101", SCHOOL, "101", "1", "1", "30102", "0", "-1", "-1",
         "999", "1140630"],
    ]})
    export = read(path, hasher)["students"]
    assert rows_of(export, "academic_year", "semester", "student_no", "name", "sex", "birth_date", "grade", "class_name",
                   "seat_no", "department", "status", "status_changed_on") == [
        (113, 1, "1130001", "王小明", 1, dt.date(2006, 3, 1), 1, "101", 5, "101", "enrolled", dt.date(2024, 8, 1)),
        (113, 1, "1130002", "陳美麗", 2, dt.date(2006, 12, 24), 1, "101", 12, "101", "suspended", dt.date(2024, 10, 15)),
        (113, 1, "1110003", "林大同", 1, dt.date(2005, 7, 15), 3, "301", 1, "101", "graduated", dt.date(2025, 6, 30)),
    ]
    # An unknown 學籍狀態代碼 is quarantined, naming the column as printed.
    assert reasons(export) == [("學生資料名冊", 5, "學籍狀態代碼", "invalid_choice")]
    assert export.rejects["detail"][0].startswith("one of 在學/休學/轉出/退學/畢業/一般/延修/輟學 or a code 001-703 of "
                                                  "the national table; to accept '999', add under status:")
    assert export.skipped_sheets == ("學生資料名冊封面",)


def test_student_roster_of_a_school_run_by_the_ministry(tmp_path: Path, hasher: IdHasher) -> None:
    # No 學號, 姓名 nor status: NULL name and student number, on roll (enrolled); grade from the class code.
    path = write_xlsx(tmp_path / "2.xlsx", {**cover("113", "2", "1", name="學生資料名冊封面"), "學生資料名冊": [
        STUDENTS_RUN, [A, "0950301", SCHOOL, "101", "1", "1", "10105"], [B, "0951224", SCHOOL, "101", "1", "1", "A0107"]]})
    export = read(path, hasher)["students"]
    assert export.rejects.height == 0
    assert rows_of(export, "academic_year", "semester", "student_no", "name", "grade", "class_name", "seat_no", "status") == [
        (113, 2, None, None, 1, "101", 5, "enrolled"), (113, 2, None, None, None, "A01", 7, "enrolled")]


def test_student_roster_of_the_pilot_template(tmp_path: Path, hasher: IdHasher) -> None:
    path = write_xlsx(tmp_path / "2.xlsx", {**cover("108", "1", "1"), "學生資料_x0009_": [
        ["身分證號", "出生日期", "組別", "年級", "班級", "座號", "修業類型"], [A, "0950301", "自然組", "2", "201", "7", "1"]]})
    export = read(path, hasher)["students"]
    assert rows_of(export, "grade", "class_name", "seat_no", "department", "status") == [(2, "201", 7, "自然組", "enrolled")]


# --- 3 學生成績名冊, 4 學生重修重讀成績名冊 -> grades -------------------------------------------
GRADES_HEAD = ["身分證號", "出生日期", "科目代碼", "科目學分", "修課科/班/學程別代碼", "修課班級", "修課班別", "原始成績", "補考成績"]


def test_grades_workbook_with_makeup_and_retake_sheets(tmp_path: Path, hasher: IdHasher) -> None:
    path = write_xlsx(tmp_path / "3_學生成績名冊.xlsx", {
        **cover("113", "1", "2", name="成績名冊封面"),
        "成績名冊": [GRADES_HEAD, [A, "0950301", CODE1, "4", "101", "101", "1", "75", "-1"],
                 [B, "0951224", CODE1, "4", "101", "101", "1", "-1", "-1"]],
        "補修成績名冊": [["身分證號", "出生日期", "補修科目代碼", "補修科目開設年級及學期(選填)", "科目學分", "修課科/班/學程別代碼", "修課班級",
                    "修課班別", "補修成績", "補考成績"], [C, "0940715", CODE2, "11", "2", "101", "101", "1", "62", "-1"]],
        "重修成績名冊": [["身分證號", "出生日期", "重修科目代碼", "重修科目開設年級及學期", "科目學分", "修課科/班/學程別代碼", "修課班級",
                    "修課班別", "重修成績"], [A, "0950301", CODE2, "12", "2", "101", "101", "1", "60"]],
    })
    export = read(path, hasher)["grades"]
    assert export.rejects.height == 0
    assert rows_of(export, "_sheet", "academic_year", "semester", "course_code", "credits", "score", "retake") == [
        ("成績名冊", 113, 1, CODE1, 4.0, 75.0, False), ("成績名冊", 113, 1, CODE1, 4.0, None, False),
        ("補修成績名冊", 113, 1, CODE2, 2.0, 62.0, False), ("重修成績名冊", 113, 1, CODE2, 2.0, 60.0, True)]


def test_retake_workbook_of_the_pilot_template(tmp_path: Path, hasher: IdHasher) -> None:
    # S1 4_學生重修重讀成績名冊 (名冊別 6): 重修成績 and 重讀成績 (trailing space), every row a retake; 重讀成績
    # carries its own 修課學年度/修課學期.
    path = write_xls(tmp_path / "4_學生重修重讀成績名冊.xls", {
        **cover("108", "2", "6"),
        "重修成績": [["身分證號", "出生日期", "原修課學年度", "原修課學期", "原修課科目代碼", "原修課開課年級", "原修課科目學分", "重修方式",
                  "重修成績", "重修及格", "質性描述"], [A, "0950301", "107", "1", CODE1, "1", "2", "1", "70", "1", ""]],
        "重讀成績 ": [["身分證號", "出生日期", "修課學年度", "修課學期", "科目代碼", "開課年級", "科目學分", "原始成績", "成績及格", "補考成績",
                   "補考及格", "是否採計學分", "質性描述"], [B, "0951224", "108", "1", CODE2, "1", "2", "58", "0", "-1", "0", "2", ""]],
    })
    export = read(path, hasher)["grades"]
    assert export.rejects.height == 0
    assert rows_of(export, "academic_year", "semester", "course_code", "score", "passed", "credited", "retake") == [
        (108, 2, CODE1, 70.0, True, None, True), (108, 1, CODE2, 58.0, False, False, True)]


def test_term_grades_of_the_pilot_template(tmp_path: Path, hasher: IdHasher) -> None:
    head = ["身分證號", "出生日期", "科目代碼", "開課年級", "科目學分", "原始成績", "成績及格", "補考成績", "補考及格", "是否採計學分", "質性描述"]
    path = write_xlsx(tmp_path / "3.xlsx", {**cover("108", "1", "2"), "學期成績": [
        head, [A, "0950301", CODE1, "1", "2", "80", "1", "-1", "", "1", ""], [B, "0951224", CODE2, "1", "2", "40", "0", "-1", "",
                                                                              "3", ""]]})
    export = read(path, hasher)["grades"]
    assert rows_of(export, "course_code", "score", "passed", "credited", "retake") == [
        (CODE1, 80.0, True, True, False), (CODE2, 40.0, False, None, False)]


# --- 6 缺勤紀錄名冊 -> attendance; 1 科目名冊 -> courses; 校內幹部經歷 -> cadres --------------------
@pytest.mark.parametrize("head", [
    ["身分證號", "出生日期", "缺勤種類代碼", "缺勤節數", "缺勤起始日期", "缺勤結束日期"],  # S2 (104)
    ["身分證號", "出生日期", "缺勤種類代碼", "缺勤起始日期", "缺勤結束日期", "缺勤節數"],  # S1 (pilot): 節數 last
], ids=["104", "pilot"])
def test_attendance(tmp_path: Path, hasher: IdHasher, head: list[str]) -> None:
    values = {"身分證號": A, "出生日期": "0950301", "缺勤種類代碼": "03", "缺勤節數": "2", "缺勤起始日期": "1131001",
              "缺勤結束日期": "1131001"}
    bad = values | {"缺勤種類代碼": "??"}
    path = write_xlsx(tmp_path / "6.xlsx", {**cover("113", "1", "3", name="缺勤紀錄名冊封面"),
                                           "缺勤紀錄名冊": [head, [values[h] for h in head], [bad[h] for h in head]]})
    export = read(path, hasher)["attendance"]
    assert rows_of(export, "academic_year", "semester", "absence_code", "periods", "start_date", "entered_at") == [
        (113, 1, "03", 2, dt.date(2024, 10, 1), None)]
    assert reasons(export) == [("缺勤紀錄名冊", 3, "缺勤種類代碼", "invalid_choice")]


def test_course_list(tmp_path: Path, hasher: IdHasher) -> None:
    # S2 科目名冊: its cover's columns in another order; credits per school year: one year given = that grade.
    head = ["修課別", "類別種類", "領域分類", "群別", "科別", "特色班/實驗班名稱", "科目名稱", "科目代碼", "一年級學分", "二年級學分", "三年級學分",
            "是否計算學分"]
    path = write_xlsx(tmp_path / "1_科目名冊.xlsx", {
        **cover("113", "1", "4", name="科目名冊封面", order=("學年度", "學期", "學校代碼", "名冊別")),
        "科目名冊": [head, ["1", "1", "語文", "", "普通科", "", "國語文", CODE1, "4", "", "", "1"],
                 ["2", "7", "", "", "普通科", "", "專題", CODE2, "", "2", "2", "1"]]})
    export = read(path, hasher)["courses"]
    assert rows_of(export, "academic_year", "semester", "course_code", "course_name", "grade", "credits", "class_name",
                   "teacher_code") == [(113, 1, CODE1, "國語文", 1, 4.0, None, None), (113, 1, CODE2, "專題", None, None, None, None)]


def test_cadre_workbook(tmp_path: Path, hasher: IdHasher) -> None:
    path = write_xlsx(tmp_path / "1_校內幹部經歷名冊.xlsx", {**cover("113", "1", "24"), "幹部經歷紀錄": [
        ["身分證號", "出生日期", "單位名稱", "開始日期", "結束日期", "擔任職務", "幹部等級"],
        [A, "0950301", "吉他社", "1130901", "1140131", "社長", "2"]]})
    export = read(path, hasher)["cadres"]
    assert rows_of(export, "academic_year", "semester", "unit", "role", "level", "start_date", "entered_by_unit",
                   "entered_at") == [(113, 1, "吉他社", "社長", 2, dt.date(2024, 9, 1), None, None)]


# --- detection -------------------------------------------------------------------------------------
def test_one_workbook_several_kinds(tmp_path: Path, hasher: IdHasher) -> None:
    path = write_xlsx(tmp_path / "x.xlsx", {
        **cover("113", "1", ""),
        "學生資料名冊": [STUDENTS_RUN, [A, "0950301", SCHOOL, "101", "1", "1", "10105"]],
        "缺勤紀錄名冊": [["身分證號", "出生日期", "缺勤種類代碼", "缺勤節數", "缺勤起始日期", "缺勤結束日期"],
                   [A, "0950301", "12", "1", "1131001", ""]],
    })
    got = read(path, hasher)
    assert set(got) == {"students", "attendance"}
    assert got["attendance"].sheets == ("缺勤紀錄名冊",)


def test_identical_sheets_told_apart_by_the_cover(tmp_path: Path, hasher: IdHasher) -> None:
    # A cadre sheet and a pilot MP 幹部經歷紀錄 without 內容簡述 have the same columns: the cover's 名冊別 decides.
    head = ["身分證號", "出生日期", "單位名稱", "開始日期", "結束日期", "擔任職務", "幹部等級"]
    row = [A, "0950301", "吉他社", "1130901", "1140131", "社長", "2"]
    assert set(read(write_xlsx(tmp_path / "a.xlsx", {**cover("113", "1", "24"), "幹部經歷紀錄": [head, row]}), hasher)) == {"cadres"}
    assert set(read(write_xlsx(tmp_path / "b.xlsx", {**cover("113", "0", "25"), "幹部經歷紀錄": [head, row]}), hasher)) == {
        "national_uploads"}


def test_unknown_sheet_names_what_it_found_and_lacks(tmp_path: Path, hasher: IdHasher) -> None:
    path = write_xlsx(tmp_path / "3.xlsx", {**cover("113", "1", "2"),
                                           "成績名冊": [["身分證號", "出生日期", "科目代碼", "科目學分", "備註"], [A, "0950301", CODE1, "2", ""]]})
    with pytest.raises(UnknownKindError) as info:
        read_file(path, resolver=HeaderResolver(), hasher=hasher)
    err = info.value
    assert err.sheet == "成績名冊"
    assert err.nearest == "grades"
    assert err.missing == ("原始成績",)
    assert "nearest is grades (學生成績名冊), missing column 原始成績; found 身分證號, 出生日期, 科目代碼, 科目學分" in err.message


def test_identical_layouts_without_a_hint_are_ambiguous(resolver: HeaderResolver) -> None:
    # 自主學習紀錄 and 其他活動紀錄 share their columns: a sheet named neither is not guessed.
    same = ["身分證號", "出生日期", "名稱", "主辦單位", "開始日期", "結束日期", "時數", "內容簡述"]
    with pytest.raises(AmbiguousKindError, match="fits both national_uploads"):
        resolver.find_header([same], file=Path("x.xlsx"), sheet="Sheet1", context={"學年度": "113"})
    found = resolver.find_header([same], file=Path("x.xlsx"), sheet="其他活動紀錄", context={"學年度": "113"})
    assert found is not None and found[1].kind.label_zh == "其他多元表現紀錄"


def test_a_csv_of_a_national_layout_with_its_own_term(tmp_path: Path, hasher: IdHasher) -> None:
    # No cover in a CSV: the term must be columns of its own; the derived columns as in a workbook.
    from conftest import write_csv

    path = write_csv(tmp_path / "學生資料名冊.csv", [["學年度", "學期", *STUDENTS_RUN],
                                                 ["113", "1", A, "0950301", SCHOOL, "101", "1", "1", "20109"]])
    export = read(path, hasher)["students"]
    assert rows_of(export, "academic_year", "semester", "grade", "class_name", "seat_no", "status") == [
        (113, 1, 2, "201", 9, "enrolled")]


# --- sheets of the national 名冊 the workbench does not load, and unfilled covers ---------------------
NIGHT_TERM = ["身分證號", "出生日期", "科目代碼", "開課年級", "科目節數", "原始成績", "成績及格", "學年成績", "學年及格", "質性描述"]
NIGHT_MAKEUP = ["身分證號", "出生日期", "科目代碼", "開課年級", "上學期開設科目節數", "下學期開設科目節數", "第一次補考成績",
                "第一次及格", "第二次補考成績", "第二次及格"]


def test_a_known_sheet_not_loaded_is_listed_not_refused(tmp_path: Path, hasher: IdHasher) -> None:
    # S1's 5_進修學校學生成績名冊: its 補考成績 sheet holds nothing the workbench counts.
    path = write_xlsx(tmp_path / "5_進修學校學生成績名冊.xlsx", {
        **cover("113", "1", "7"),
        "學期成績": [NIGHT_TERM, [A, "0950301", CODE1, "1", "2", "88", "1", "", "", ""]],
        "補考成績": [NIGHT_MAKEUP, [A, "0950301", CODE2, "1", "2", "2", "45", "0", "", ""]],
    })
    export = read(path, hasher)["grades"]
    assert export.skipped_sheets == ("封面", "補考成績")
    assert rows_of(export, "academic_year", "semester", "course_code", "score") == [(113, 1, CODE1, 88.0)]


def test_a_workbook_of_unloaded_sheets_only_is_listed_as_ignored(tmp_path: Path, hasher: IdHasher) -> None:
    # S2's 定期考查成績名冊: a cover with a label of its own (段考別), then periodic exam scores.
    from lpdata.errors import NotAnExportError
    path = write_xlsx(tmp_path / "定期考查成績名冊.xlsx", {
        "定期考查成績名冊封面": [["學校代碼", "學年度", "學期", "段考別", "名冊別"], [SCHOOL, "113", "1", "1", "5"]],
        "定期考查成績名冊": [["身分證號", "出生日期", "科目代碼", "科目學分", "考查成績"], [A, "0950301", CODE1, "2", "77"]],
    })
    with pytest.raises(NotAnExportError, match="定期考查成績名冊"):
        read(path, hasher)


def test_an_unfilled_cover_is_named_in_the_error(tmp_path: Path, hasher: IdHasher) -> None:
    # A template uploaded as it came: the cover's value row is blank but for the pre-printed 名冊別.
    path = write_xlsx(tmp_path / "7_學生課程學習成果名冊.xlsx", {
        "封面": [["學校代碼", "學年度", "學期", "名冊別"], ["", "", "", "26"]],
        "學期課程學習成果": [["身分證號", "出生日期", "科目代碼", "開課年級", "科目學分", "課程學習成果簡述"],
                       [A, "0950301", CODE1, "1", "4", "報告"]],
    })
    with pytest.raises(UnknownKindError, match="the cover sheet '封面' gives no 學年度 \\(fill in its value row"):
        read(path, hasher)
