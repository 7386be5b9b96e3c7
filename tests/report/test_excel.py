"""Action lists: text typed by people stays text (never a formula, never a link), dates are dates,
headers are labelled, filterable and frozen, one sheet per person who must certify."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import polars as pl
from python_calamine import CalamineWorkbook

from lpdata.report import excel, i18n

ZH = i18n.strings("zh-TW")
DANGEROUS = ["=1+1", "+886912345678", "-x", "@x", "=HYPERLINK(\"http://evil.example\",\"x\")",
             "http://evil.example/a", "0301"]


def backlog() -> pl.DataFrame:
    n = len(DANGEROUS)
    return pl.DataFrame({
        "item_id": [f"C{i}" for i in range(n)],
        "academic_year": [113] * n, "semester": [2] * n,
        "class_name": ["0301"] * n, "student_no": DANGEROUS,
        "national_id_hash": ["h"] * n,
        "course_name": DANGEROUS,
        "teacher_code": ["T1", "T1", "T2", "T2", "T3", None, "T1"],
        "teacher_name": ["甲", "甲", "乙", "乙", "丙", None, "甲"],
        "uploaded_at": [dt.datetime(2025, 3, 1, 9, 30)] * n,
        "waiting_days": [1, 5, 3, 2, 7, 4, 6],
        "certify_due": [dt.date(2025, 7, 10)] * n,
        "overdue": [False, True, False, False, True, None, False],
        "assignee_code": ["T1", "T1", "T9", "T9", None, None, "T1"],
        "assignee_name": ["甲", "甲", "代理[人]/*?", "代理[人]/*?", None, None, "甲"],
        "needs_proxy": [False, False, False, False, True, None, False],
    })


def xml_parts(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml") or n.endswith(".rels")}


def assert_all_text(path: Path, texts: tuple[str, ...]) -> dict[str, str]:
    parts = xml_parts(path)
    sheets = {n: x for n, x in parts.items() if n.startswith("xl/worksheets/sheet")}
    assert sheets
    for name, xml in sheets.items():
        assert "<f>" not in xml and "<f " not in xml, name  # no formula anywhere
        assert "<hyperlink" not in xml, name  # no link
        assert "<autoFilter" in xml and 'state="frozen"' in xml, name
    strings = parts["xl/sharedStrings.xml"]
    for text in texts:
        assert f"<t>{text}</t>" in strings or f'<t xml:space="preserve">{text}</t>' in strings, text
    assert not any("hyperlink" in x for n, x in parts.items() if n.endswith(".rels"))
    return parts


def test_teacher_pending_keeps_text_as_text_and_splits_by_person(tmp_path):
    path = excel.teacher_pending(backlog(), tmp_path / "pending.xlsx", ZH)
    assert_all_text(path, ("=1+1", "+886912345678", "-x", "@x", "http://evil.example/a"))
    book = CalamineWorkbook.from_path(str(path))
    names = book.sheet_names
    assert names[0] == "總表"
    assert "T1 甲" in names and "T9 代理_人____" in names  # invalid sheet characters replaced
    assert "未指定代理人" in names and "教師不明" in names
    assert all(len(n) <= 31 for n in names)
    rows = book.get_sheet_by_name("總表").to_python()
    header = rows[0]
    assert header[:4] == ["負責認證人代碼", "負責認證人", "任課教師代碼", "任課教師"]
    assert "身分證號雜湊" not in header  # the ID hash is never in an action list
    records = [dict(zip(header, r)) for r in rows[1:]]
    assert [r["等待天數"] for r in records] == [7, 6, 5, 4, 3, 2, 1]  # oldest first
    assert sorted(r["學號"] for r in records) == sorted(DANGEROUS)  # "0301" keeps its zero
    first = records[0]
    assert first["上傳時間"] == dt.datetime(2025, 3, 1, 9, 30)
    assert first["認證截止日"] in (dt.date(2025, 7, 10), dt.datetime(2025, 7, 10))
    assert first["逾期"] == "是"
    t1 = book.get_sheet_by_name("T1 甲").to_python()
    assert len(t1) == 4 and {r[0] for r in t1[1:]} == {"T1"}


def test_mail_list_and_discrepancies(tmp_path):
    # paper_mail rows: one per student, their batches listed together.
    mail = pl.DataFrame({
        "national_id_hash": ["a", "b"], "student_no": ["1110002", "1110001"], "student_name": ["=王小明", "@陳"],
        "class_name": ["301", "301"], "receipt_batches": ["R1131C、R1131M", "R1131C"], "batches": [2, 1],
        "lines": [3, 1], "postcode": ["950", "+950"], "address": ["-臺東縣臺東市中華路一段1號", "=1+1"],
    })
    path = excel.mail_list(mail, tmp_path / "mail.xlsx", ZH)
    assert_all_text(path, ("=王小明", "@陳", "+950", "-臺東縣臺東市中華路一段1號", "=1+1"))
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("紙本通知名單").to_python()
    assert rows[0] == ["班級名稱", "學號", "學生姓名", "郵遞區號", "通訊地址", "收訖批次（併列）", "批次數", "明細筆數"]
    assert [r[1] for r in rows[1:]] == ["1110001", "1110002"]  # sorted by class, number: one row a student
    assert rows[1][2] == "@陳" and rows[1][4] == "=1+1" and rows[1][3] == "+950"
    assert rows[2][5:] == ["R1131C、R1131M", 2, 3]
    assert all("a" not in r and "b" not in r for r in rows)  # no ID hash

    recon = pl.DataFrame({
        "kind": ["clo"], "academic_year": [113], "semester": [1], "state": ["received_not_submitted"],
        "submitted_uncertified": [False], "national_id_hash": ["x"], "student_no": ["1130001"],
        "summary": ["=SUM(A1:A9)"], "receipt_summary": ["-1"], "submitted_at": [None],
    }, schema_overrides={"submitted_at": pl.Datetime})
    path = excel.discrepancies(recon, tmp_path / "d.xlsx", ZH)
    parts = xml_parts(path)
    assert "<f>" not in parts["xl/worksheets/sheet1.xml"]
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("對帳差異").to_python()
    assert rows[1][rows[0].index("狀態")] == "收訖無提交紀錄"
    assert "=SUM(A1:A9)" in rows[1] and "-1" in rows[1]


def test_chase_list_in_seat_order_with_kinds_as_words(tmp_path):
    chase = pl.DataFrame({
        "academic_year": [114, 114], "semester": [2, 2], "national_id_hash": ["a", "b"],
        "class_name": ["0301", "0301"], "seat_no": [2, 11], "student_no": ["0114002", "0114001"],
        "name": ["=王小明", "@陳"], "to_upload": [["clo", "mp"], []], "to_select": [[], ["mp"]],
        "clo_pending": [0, 2], "to_reupload": [0, 1], "reupload_courses": [None, "+數學"], "needs_action": [True, True],
    })
    path = excel.chase_list(chase, tmp_path / "chase.xlsx", ZH)
    assert_all_text(path, ("=王小明", "@陳", "+數學", "0301", "0114002"))
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("追蹤名單").to_python()
    assert rows[0] == ["班級名稱", "座號", "學號", "姓名", "待上傳", "待勾選", "待認證", "需重新上傳的科目"]
    assert [r[1] for r in rows[1:]] == [2, 11]  # the view's seat order, kept
    assert rows[1][4] == "課程學習成果, 多元表現" and rows[2][5] == "多元表現" and rows[2][7] == "+數學"
    en = CalamineWorkbook.from_path(str(excel.chase_list(chase, tmp_path / "en.xlsx", i18n.strings("en"))))
    assert en.sheet_names == ["Chase list"]
    assert en.get_sheet_by_name("Chase list").to_python()[1][4] == "CLO, MP"


def test_discrepancies_explain_in_the_lists_language(tmp_path):
    recon = pl.DataFrame({
        "kind": ["clo", "mp"], "state": ["selected_not_submitted", "received_not_submitted"],
        "explanation": ["Selected on the platform but in no submission batch on or before 2025-01-31.", "Odd."],
        "explanation_zh": ["已在平臺勾選，但截至 2025-01-31 未列入任何提交批次。", None],
    })
    zh = CalamineWorkbook.from_path(str(excel.discrepancies(recon, tmp_path / "zh.xlsx", ZH))) \
        .get_sheet_by_name("對帳差異").to_python()
    assert zh[0].count("說明") == 1 and "說明（中文）" not in zh[0]
    col = zh[0].index("說明")
    # A text with no Chinese yet keeps its English rather than nothing.
    assert [r[col] for r in zh[1:]] == ["已在平臺勾選，但截至 2025-01-31 未列入任何提交批次。", "Odd."]
    assert [r[zh[0].index("名冊別")] for r in zh[1:]] == ["課程學習成果", "多元表現"]
    en = CalamineWorkbook.from_path(str(excel.discrepancies(recon, tmp_path / "en.xlsx", i18n.strings("en")))) \
        .get_sheet_by_name("Discrepancies").to_python()
    assert "Explanation (Chinese)" not in en[0]
    assert en[1][en[0].index("Explanation")] == "Selected on the platform but in no submission batch on or before 2025-01-31."


def test_column_widths_count_wide_characters(tmp_path):
    frame = pl.DataFrame({"address": ["臺東縣臺東市中華路一段180巷108號"], "postcode": ["950"]})
    path = excel.write_sheets(tmp_path / "w.xlsx", {"x": frame}, ZH)
    widths = [float(w) for w in re.findall(r'<col [^>]*width="([0-9.]+)"', xml_parts(path)["xl/worksheets/sheet1.xml"])]
    assert widths[0] > 30 and widths[1] < widths[0]


def test_sheet_names_are_valid_and_unique():
    used: set[str] = set()
    names = [excel.sheet_name(n, used) for n in ["a/b", "A/B", "x" * 40, "x" * 40, ""]]
    assert names[:2] == ["a_b", "A_B (2)"]
    assert len(set(n.lower() for n in names)) == 5 and all(0 < len(n) <= 31 for n in names)
