"""National upload workbooks in an export folder: ingested beside the platform's exports, and every view
still answers with the NULLs their layouts leave (no 姓名/學號 in a national-run roster, no class or
teacher in 科目名冊, no 登錄單位/登錄時間 for cadres or absences, no semester in a whole-year MP
workbook)."""

from __future__ import annotations

from pathlib import Path

from lpdata import connect, ingest
from lpdata.views import load_queries

from .conftest import IDS, write_xlsx

SCHOOL = "140302"
CODE = "113140302H1101M00000001"


def national_folder(folder: Path) -> Path:
    def cover(semester: str, book: str) -> list[list[str]]:
        return [["學校代碼", "學年度", "學期", "名冊別"], [SCHOOL, "113", semester, book]]

    folder.mkdir(exist_ok=True)
    write_xlsx(folder / "2_學生資料名冊.xlsx", {"學生資料名冊封面": cover("1", "1"), "學生資料名冊": [
        ["身分證號", "出生日期", "所屬學校代碼", "科/班/學程別代碼", "部別", "班別", "班級座號代碼"],
        *[[nid, "0950301", SCHOOL, "101", "1", "1", f"101{i + 1:02d}"] for i, nid in enumerate(IDS)]]})
    write_xlsx(folder / "1_科目名冊.xlsx", {"科目名冊封面": [["學年度", "學期", "學校代碼", "學校種類", "名冊別"],
                                                     ["113", "1", SCHOOL, "1", "4"]], "科目名冊": [
        ["修課別", "類別種類", "領域分類", "群別", "科別", "特色班/實驗班名稱", "科目名稱", "科目代碼", "一年級學分", "二年級學分", "三年級學分",
         "是否計算學分"], ["1", "1", "語文", "", "普通科", "", "國語文", CODE, "4", "", "", "1"]]})
    write_xlsx(folder / "3_學生成績名冊.xlsx", {"成績名冊封面": cover("1", "2"), "成績名冊": [
        ["身分證號", "出生日期", "科目代碼", "科目學分", "修課科/班/學程別代碼", "修課班級", "修課班別", "原始成績", "補考成績"],
        [IDS[0], "0950301", CODE, "4", "101", "101", "1", "75", "-1"]]})
    write_xlsx(folder / "6_缺勤紀錄名冊.xlsx", {"缺勤紀錄名冊封面": cover("1", "3"), "缺勤紀錄名冊": [
        ["身分證號", "出生日期", "缺勤種類代碼", "缺勤節數", "缺勤起始日期", "缺勤結束日期"], [IDS[0], "0950301", "12", "1", "1131001", ""]]})
    write_xlsx(folder / "校內幹部經歷名冊.xlsx", {"封面": cover("1", "24"), "幹部經歷紀錄": [
        ["身分證號", "出生日期", "單位名稱", "開始日期", "結束日期", "擔任職務", "幹部等級"],
        [IDS[1], "0950301", "吉他社", "1130901", "1140131", "社長", "2"]]})
    write_xlsx(folder / "7_學生課程學習成果名冊.xlsx", {"封面": cover("0", "26"), "學期課程學習成果": [
        ["身分證號", "出生日期", "實際修課學期", "課程代碼", "科目名稱", "開課年級", "修課學分", "成果簡述"],
        [IDS[0], "0950301", "1", CODE, "國語文", "1", "4", "實驗報告"]]})
    write_xlsx(folder / "學生自填多元表現名冊.xlsx", {"封面": cover("0", "25"), "競賽參與紀錄": [
        ["身分證號", "出生日期", "競賽名稱", "項目", "競賽等級代碼", "獎項", "結果公布日期", "內容簡述", "團體參與代碼"],
        [IDS[1], "0950301", "全國英語演講比賽", "", "3", "優等", "1131120", "演講", "1"]]})
    return folder


def test_national_workbooks_ingest_and_every_view_answers(export_folder: Path, tmp_path: Path,
                                                          key_file: Path) -> None:
    national_folder(export_folder / "國教署")
    (export_folder / "學生名冊.csv").unlink()  # the national roster is the term's roster here
    db = tmp_path / "lp.duckdb"
    result = ingest(export_folder, db=db, key_file=key_file)
    loaded = {k.kind: k for k in result.kinds}
    assert {"students", "courses", "grades", "attendance", "cadres", "national_uploads"} <= set(loaded)
    con = connect(db)
    try:
        assert con.execute("SELECT count(*), count(name), count(student_no), count(class_name) FROM students"
                           ).fetchone() == (4, 0, 0, 4)
        assert con.execute("SELECT kind, semester, category, title FROM national_uploads ORDER BY kind").fetchall() == [
            ("clo", 1, None, None), ("mp", None, "競賽參與", "全國英語演講比賽")]
        for view in load_queries():
            con.execute(f'SELECT count(*) FROM "{view.name}"').fetchall()  # no view fails on the NULLs
        enrolled = con.execute("SELECT count(*) FROM _enrolment WHERE enrolled").fetchone()
        assert enrolled == (4,)
    finally:
        con.close()
