"""Uploaded national workbooks as submissions: _workbook_submissions, and what _portfolio_items and
reconciliation make of them.

A CLO/MP upload workbook is a submission batch without item IDs: each row is matched to a platform
item like a receipt line (national ID, kind, 學年度, course code or category + title, normalised
summary; the earliest-uploaded unmatched item first). The key test of the issue: a school that
kept the national CLO workbook of a set of items gets the same `reconciliation` states as one that
kept the platform's 提交紀錄 export of them.
"""

from __future__ import annotations

from typing import Any

import pytest

from .school import School
from .test_reconciliation import CC, CLO, MP, clo, line, roster, row, rows_of, submission, ts

CC2 = "113000000000000000CHE01"
BOOK7 = "匯出.zip/7_學生課程學習成果名冊.xlsx"
BOOK7B = "7_學生課程學習成果名冊_補傳.xlsx"
BOOKMP = "學生自填多元表現名冊.xlsx"


def upload(n: int, summary: str, *, course_code: str = CC, year: int = 113, semester: int | None = 1,
           **extra: Any) -> dict[str, Any]:
    """A row of a national CLO workbook (名冊 7) for student n."""
    return dict(kind="clo", academic_year=year, semester=semester, national_id=School.student(n),
                course_code=course_code, course_name="物理", summary=summary) | extra


def mp_upload(n: int, category: str, title: str, summary: str, sheet: str, **extra: Any) -> dict[str, Any]:
    return dict(kind="mp", academic_year=113, semester=None, national_id=School.student(n), category=category,
                title=title, summary=summary, sheet=sheet) | extra


# --- the key test: the workbook and the 提交紀錄 export give the same states ---------------------
def _same_school(school: School, *, workbooks: bool) -> None:
    """One school, its submissions kept either as 提交紀錄 rows or as the uploaded workbooks.

    Items of student 1 (113-1 unless said): C1 received; C2 submitted, the receipt holds no line
    for it; C3 selected, never submitted; C4 and C5 share course and summary (閱讀報告), both
    submitted, one line: C4 (uploaded first) gets it; C6 of 112, no receipt batch of 112: awaiting;
    C7 submitted in the first batch and again in the second; C8 (another course) only in the
    second batch, after the receipt came back: awaiting (metrics.md v2: no batch came back after
    it). Student 2: C9 received."""
    roster(school, (1, "1130001", "101"), (2, "1130002", "102"))
    school.add("clo", [
        clo("C1", 1, "實驗報告", uploaded_at="2024-10-01 10:00"),
        clo("C2", 1, "專題　摘要", uploaded_at="2024-10-02 10:00"),  # an ideographic space
        clo("C3", 1, "小論文", uploaded_at="2024-10-03 10:00"),
        clo("C5", 1, "閱讀報告", uploaded_at="2024-10-05 10:00"),
        clo("C4", 1, "閱讀報告", uploaded_at="2024-10-04 10:00"),
        clo("C6", 1, "去年的報告", academic_year=112, uploaded_at="2024-03-01 10:00"),
        clo("C7", 1, "重傳的報告", uploaded_at="2024-10-06 10:00"),
        clo("C8", 1, "化學實驗", course_code=CC2, uploaded_at="2024-10-07 10:00"),
        clo("C9", 2, "實驗報告", uploaded_at="2024-10-01 11:00"),
    ])
    first = ["C1", "C2", "C4", "C5", "C6", "C7", "C9"]
    second = ["C7", "C8"]
    if workbooks:
        school.workbook(BOOK7, "2024-12-01 10:00", [
            upload(1, "實驗報告"), upload(1, "專題 摘要"), upload(1, "閱讀報告"), upload(1, "閱讀報告"),
            upload(1, "去年的報告", year=112, sheet="補修課程學習成果"), upload(1, "重傳的報告"),
            upload(2, "實驗報告")])
        school.workbook(BOOK7B, "2025-01-05 10:00", [upload(1, "重傳的報告"),
                                                     upload(1, "化學實驗", course_code=CC2)])
    else:
        n = {f"C{i}": 1 for i in range(1, 9)} | {"C9": 2}
        school.add("submissions", [submission("B1", "2024-12-01 10:00", CLO, i, n[i]) for i in first]
                   + [submission("B2", "2025-01-05 10:00", CLO, i, n[i]) for i in second])
    school.add("receipts", [
        line("R1", "2024-12-20 09:00", 1, "實驗報告"),
        line("R1", "2024-12-20 09:00", 1, "閱讀報告"),
        line("R1", "2024-12-20 09:00", 1, "重傳的報告"),
        line("R1", "2024-12-20 09:00", 2, "實驗報告"),
    ])
    school.ingest()


def _states(school: School, as_of: str | None) -> dict[Any, tuple]:
    return {(r["kind"], r["item_id"], r["receipt_line"]):
            (r["state"], r["semester"], r["academic_year"], r["student_no"], r["class_name"], r["submitted_at"],
             r["times_submitted"], r["received_at"], r["submitted_uncertified"])
            for r in rows_of(school, as_of)}


@pytest.mark.parametrize("as_of", [None, "2024-12-10", "2024-12-31", "2025-01-05"])
def test_a_clo_workbook_gives_the_states_of_the_equivalent_submissions_export(tmp_path, school: School,
                                                                             as_of: str | None) -> None:
    _same_school(school, workbooks=True)
    other = School(tmp_path / "other", school.key_file)
    _same_school(other, workbooks=False)
    got, want = _states(school, as_of), _states(other, as_of)
    assert got == want
    if as_of is None:  # the states worked out by hand, so the equality is not of two empty answers
        assert {k[1]: v[0] for k, v in got.items()} == {
            "C1": "received", "C2": "submitted_not_received", "C3": "selected_not_submitted", "C4": "received",
            "C5": "submitted_not_received", "C6": "awaiting_receipt", "C7": "received",
            "C8": "awaiting_receipt", "C9": "received"}  # C8: v1 said submitted_not_received
        assert got[("clo", "C7", 4)][6] == 2  # submitted in both workbooks
    # The batch is the workbook.
    batches = {r["item_id"]: r["batch_id"] for r in rows_of(school, as_of) if r["state"] != "selected_not_submitted"}
    assert set(batches.values()) <= {BOOK7, BOOK7B}


# --- matching, by hand -----------------------------------------------------------------------
def test_rows_match_the_earliest_uploaded_item_and_each_item_once_per_workbook(school: School) -> None:
    roster(school, (1, "1130001", "101"))
    school.add("clo", [clo("C2", 1, "閱讀報告", uploaded_at="2024-10-02 10:00"),
                       clo("C1", 1, "閱讀報告", uploaded_at="2024-10-03 10:00"),
                       clo("C3", 1, "閱讀報告", uploaded_at="2024-10-01 10:00", deleted_at="2024-10-01 12:00")])
    # Workbook W1: two rows of the key; W2 (later): four rows on two sheets; W3 (later still): one.
    school.workbook("W1.xlsx", "2024-12-01 10:00", [upload(1, "閱讀報告"), upload(1, " 閱讀報告 ")])
    school.workbook("W2.xlsx", "2024-12-05 10:00", [upload(1, "閱讀報告"), upload(1, "閱讀報告"),
                                                    upload(1, "閱讀報告", sheet="重修課程學習成果"),
                                                    upload(1, "閱讀報告", sheet="重修課程學習成果")])
    school.workbook("W3.xlsx", "2024-12-09 10:00", [upload(1, "閱讀報告")])
    school.ingest()
    got = school.query("_workbook_submissions", order_by="batch_id, workbook_sheet, workbook_row")
    # Items by upload time: C3 (10-01, deleted since: still an item uploaded), C2, C1. Rows by time,
    # batch, sheet (學期 U+5B78 sorts before 重修 U+91CD), row: W1/學期2 -> C3, W1/學期3 -> C2 (1st,
    # 2nd). W2 holds four rows of a key of three items: its last (重修 3) is a row of its own; its
    # first three are the 3rd, 4th and 5th rows to claim an item: C1, then from the start C3, C2.
    # W3/學期2 is the 6th: C1.
    assert [(r["batch_id"], r["workbook_sheet"], r["workbook_row"], r["platform_item_id"], r["item_id"])
            for r in got] == [
        ("W1.xlsx", "學期課程學習成果", 2, "C3", "C3"),
        ("W1.xlsx", "學期課程學習成果", 3, "C2", "C2"),
        ("W2.xlsx", "學期課程學習成果", 2, "C1", "C1"),
        ("W2.xlsx", "學期課程學習成果", 3, "C3", "C3"),
        ("W2.xlsx", "重修課程學習成果", 2, "C2", "C2"),
        ("W2.xlsx", "重修課程學習成果", 3, None, "[W2.xlsx]重修課程學習成果!3"),
        ("W3.xlsx", "學期課程學習成果", 2, "C1", "C1"),
    ]
    assert {r["submitted_at"] for r in got if r["batch_id"] == "W2.xlsx"} == {ts("2024-12-05 10:00")}
    items = {r["item_id"]: r for r in school.query("_portfolio_items")}
    assert {i: (r["batch_id"], r["times_submitted"], r["on_platform"], r["workbook_only"])
            for i, r in items.items()} == {
        "C1": ("W2.xlsx", 2, True, False), "C2": ("W1.xlsx", 2, True, False), "C3": ("W1.xlsx", 2, True, False),
        "[W2.xlsx]重修課程學習成果!3": ("W2.xlsx", 1, False, True)}
    # As of 12-03 only W1 is made: two rows, two items (the earliest uploaded), C1 not submitted.
    early = school.query("_workbook_submissions", as_of="2024-12-03", order_by="workbook_row")
    assert [r["item_id"] for r in early] == ["C3", "C2"]


def test_unmatched_rows_are_submitted_items_without_a_platform_item(school: School) -> None:
    """A row no platform item matches is shown in reconciliation as submitted with no platform item;
    a receipt line can still match it (it has the whole key), and MP rows match on category + title."""
    roster(school, (1, "1130001", "101"), (2, "1130002", "102"))
    school.add("clo", [clo("C1", 1, "實驗報告")])
    school.add("mp", [dict(item_id="M1", academic_year=113, semester=None, national_id=school.student(1),
                           category="競賽參與", title="全國　科展", summary="物理組 佳作", uploaded_at="2024-10-05 12:00",
                           selected="✓")])
    school.workbook(BOOK7, "2024-12-01 10:00", [
        upload(1, "實驗報告"),                 # row 2: C1
        upload(1, "實驗報告", course_code=CC2),  # row 3: another course: no item
        upload(2, "校外課程成果"),              # row 4: student 2 has no item at all
        upload(1, None, row=5),                # row 5: no summary, matches nothing
    ])
    school.workbook(BOOKMP, "2024-12-02 10:00", [
        mp_upload(1, "競賽參與", "全國 科展", "物理組佳作", "競賽參與紀錄"),   # summary differs: no item
        mp_upload(1, "競賽參與", "全國 科展", "物理組 佳作", "競賽參與紀錄"),  # M1 (title normalised)
    ])
    school.add("receipts", [
        line("R1", "2024-12-20 09:00", 1, "實驗報告"),                    # row 2: C1
        line("R1", "2024-12-20 09:00", 2, "校外課程成果"),                 # row 3: the workbook row 4
        line("R2", "2024-12-22 09:00", 1, "物理組 佳作", kind=MP, category="競賽參與", title="全國 科展"),  # row 4
    ])
    school.ingest()
    h1, h2 = school.hash(school.student(1)), school.hash(school.student(2))
    d1, d2 = ts("2024-12-01 10:00"), ts("2024-12-02 10:00")
    r1 = dict(receipt_batch="R1", receipt_file="receipts.csv", received_at=ts("2024-12-20 09:00"))
    w = "a workbook row that matches no item of the platform's {} export"
    s1 = dict(academic_year=113, national_id_hash=h1, student_no="1130001", class_name="101",
              submitted_uncertified=False, times_submitted=1)
    expected = [
        row(**s1, **r1, kind="clo", semester=1, item_id="C1", receipt_line=2, state="received", batch_id=BOOK7,
            submitted_at=d1, selected_at=ts("2024-11-10 08:00"), course_code=CC, summary="實驗報告",
            receipt_summary="實驗報告"),
        row(**s1, kind="clo", semester=1, item_id=f"[{BOOK7}]學期課程學習成果!3", state="submitted_not_received",
            batch_id=BOOK7, submitted_at=d1, course_code=CC2, summary="實驗報告",
            explanation=f"Submitted on 2024-12-01 in batch {BOOK7}, {w.format('CLO')}; the receipt batches for "
                        "CLO 113 hold no line with its course code and summary."),
        row(**dict(s1, national_id_hash=h2, student_no="1130002", class_name="102"), **r1, kind="clo", semester=1,
            item_id=f"[{BOOK7}]學期課程學習成果!4", receipt_line=3, state="received", batch_id=BOOK7,
            submitted_at=d1, course_code=CC, summary="校外課程成果", receipt_summary="校外課程成果",
            explanation=f"Submitted on 2024-12-01 in batch {BOOK7}, {w.format('CLO')}; a receipt line matches it."),
        row(**s1, kind="clo", semester=1, item_id=f"[{BOOK7}]學期課程學習成果!5", state="submitted_not_received",
            batch_id=BOOK7, submitted_at=d1, course_code=CC,
            explanation=f"Submitted on 2024-12-01 in batch {BOOK7}, {w.format('CLO')}; the receipt batches for "
                        "CLO 113 hold no line with its course code and summary."),
        # M1: no 學期, so semester 2 (class: the 113 roster's newest term); the line prints the title
        # with a plain space: still M1's.
        row(**s1, kind="mp", semester=2, item_id="M1",
            receipt_batch="R2", receipt_file="receipts.csv", receipt_line=4, received_at=ts("2024-12-22 09:00"),
            state="received", batch_id=BOOKMP, submitted_at=d2, category="競賽參與", title="全國　科展",
            summary="物理組 佳作", receipt_summary="物理組 佳作"),
        row(**s1, kind="mp", semester=2, item_id=f"[{BOOKMP}]競賽參與紀錄!2",
            state="submitted_not_received", batch_id=BOOKMP, submitted_at=d2, category="競賽參與",
            title="全國 科展", summary="物理組佳作",
            explanation=f"Submitted on 2024-12-02 in batch {BOOKMP}, {w.format('MP')}; the receipt batches for "
                        "MP 113 hold no line with its category, title and summary."),
    ]
    got = rows_of(school)
    assert got == sorted(expected, key=lambda r: (r["kind"], r["item_id"] or "~", r["receipt_batch"] or "",
                                                   r["receipt_line"] or 0))


def test_a_workbook_and_a_submissions_row_naming_one_item_count_the_earliest(school: School) -> None:
    roster(school, (1, "1130001", "101"))
    school.add("clo", [clo("C1", 1, "實驗報告"), clo("C2", 1, "閱讀報告")])
    school.add("submissions", [submission("B1", "2024-12-03 10:00", CLO, "C1", 1),
                               submission("B1", "2024-12-03 10:00", CLO, "C2", 1)])
    school.workbook(BOOK7, "2024-12-01 10:00", [upload(1, "實驗報告")])
    school.workbook(BOOK7B, "2024-12-05 10:00", [upload(1, "閱讀報告")])
    school.ingest()
    got = {r["item_id"]: (r["batch_id"], r["submitted_at"], r["submitted_by"], r["times_submitted"], r["state"])
           for r in rows_of(school)}
    assert got == {
        "C1": (BOOK7, ts("2024-12-01 10:00"), None, 2, "awaiting_receipt"),   # the workbook came first
        "C2": ("B1", ts("2024-12-03 10:00"), "T01", 2, "awaiting_receipt"),   # the 提交紀錄 row came first
    }
    # As of 12-02 only the workbook of 12-01 is made.
    early = {r["item_id"]: (r["state"], r["times_submitted"]) for r in rows_of(school, as_of="2024-12-02")}
    assert early == {"C1": ("awaiting_receipt", 1), "C2": ("selected_not_submitted", 0)}


def test_a_newer_copy_of_a_workbook_replaces_the_older(school: School) -> None:
    """The batch is the partition: a newer snapshot of the same workbook is its current state."""
    roster(school, (1, "1130001", "101"))
    school.add("clo", [clo("C1", 1, "實驗報告"), clo("C2", 1, "閱讀報告")])
    school.workbook(BOOK7, "2024-12-01 10:00", [upload(1, "實驗報告"), upload(1, "閱讀報告")])
    school.ingest()
    school.workbook(BOOK7, "2024-12-02 10:00", [upload(1, "實驗報告")])
    school.ingest()
    got = school.query("_workbook_submissions")
    assert [(r["item_id"], r["submitted_at"]) for r in got] == [("C1", ts("2024-12-02 10:00"))]


def test_grain_is_unique_with_workbooks(school: School) -> None:
    """_workbook_submissions, _portfolio_items and reconciliation keep their grain with workbook rows
    (duplicated rows, rows of several sheets with the same row numbers, unmatched rows)."""
    from lpdata import connect
    from lpdata.views import load_queries

    roster(school, (1, "1130001", "101"))
    school.add("clo", [clo("C1", 1, "實驗報告")])
    school.add("submissions", [submission("B1", "2024-12-03 10:00", CLO, "C1", 1)])
    school.workbook(BOOK7, "2024-12-01 10:00", [
        upload(1, "實驗報告"), upload(1, "實驗報告"), upload(1, "實驗報告", sheet="補修課程學習成果"),
        upload(1, "其他")])
    school.workbook(BOOKMP, "2024-12-01 10:00", [
        mp_upload(1, "競賽參與", "科展", "佳作", "競賽參與紀錄"), mp_upload(1, "檢定證照", "英檢", "中級", "檢定證照紀錄")])
    school.add("receipts", [line("R1", "2024-12-20 09:00", 1, "實驗報告"), line("R1", "2024-12-20 09:00", 1, "實驗報告")])
    school.ingest()
    con = connect(school.db, rules_file=False)
    try:
        by_name = {q.name: q for q in load_queries()}
        for name in ("_workbook_submissions", "_portfolio_items", "_receipt_matches", "reconciliation",
                     "quota_breaches", "effectiveness", "compliance"):
            cols = ", ".join(f'"{c}"' for c in by_name[name].grain)
            total, distinct = con.execute(
                f'SELECT count(*), (SELECT count(*) FROM (SELECT DISTINCT {cols} FROM "{name}")) FROM "{name}"'
            ).fetchall()[0]
            assert total == distinct, name
        assert con.execute("SELECT count(*) FROM _workbook_submissions").fetchall()[0][0] == 6
    finally:
        con.close()
