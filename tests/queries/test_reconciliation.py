"""reconciliation: every selected item, submitted item and receipt line, and its state.

Each test builds a tiny school by hand, loads it through the real ingest and compares whole rows of
the view with rows worked out by hand (the working is in the comments).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .school import School

CC = "113000000000000000PHY01"  # a 23-character course code
CLO, MP = "課程學習成果", "多元表現"
GRAIN = ("kind", "item_id", "receipt_batch", "receipt_file", "receipt_line")
COLUMNS = ("kind", "academic_year", "semester", "national_id_hash", "student_no", "class_name", "item_id",
           "receipt_batch", "receipt_file", "receipt_line", "state", "submitted_uncertified", "explanation",
           "batch_id", "submitted_at", "submitted_by", "times_submitted", "received_at", "selected_at",
           "course_code", "category", "title", "summary", "receipt_summary")


def ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def row(**values: Any) -> dict[str, Any]:
    """A whole expected row: every column of the view, NULL unless given."""
    unknown = set(values) - set(COLUMNS)
    assert not unknown, unknown
    return {c: values.get(c) for c in COLUMNS}


def rows_of(school: School, as_of: str | None = None) -> list[dict[str, Any]]:
    got = school.query("reconciliation", as_of=as_of)
    assert got and set(got[0]) == set(COLUMNS), set(got[0]) ^ set(COLUMNS)
    # The grain (header) is unique.
    keys = [tuple(r[c] for c in GRAIN) for r in got]
    assert len(keys) == len(set(keys))
    return sorted(got, key=_order)


def _order(r: dict[str, Any]) -> tuple:
    return (r["kind"], r["item_id"] or "~", r["receipt_batch"] or "", r["receipt_line"] or 0)


def roster(school: School, *students: tuple[int, str, str], years: tuple[tuple[int, int], ...] = ((113, 1),),
           status: str = "在學") -> None:
    school.add("students", [
        dict(academic_year=y, semester=s, national_id=school.student(n), student_no=no, name=f"學生{n}", grade=1,
             class_name=cls, seat_no=n, status=status)
        for y, s in years for n, no, cls in students])


def clo(item_id: str, n: int, summary: str, **extra: Any) -> dict[str, Any]:
    """A certified, selected CLO item of student n in 113-1, course CC (override with extra)."""
    base = dict(item_id=item_id, academic_year=113, semester=1, national_id=School.student(n), course_code=CC,
                summary=summary, uploaded_at="2024-10-01 10:00", cert_status="認證通過",
                certified_at="2024-11-01 09:00", selected="✓", selected_at="2024-11-10 08:00")
    return base | extra


def submission(batch: str, at: str, kind: str, item_id: str, n: int, by: str = "T01") -> dict[str, Any]:
    return dict(batch_id=batch, submitted_at=at, submitted_by=by, kind=kind, item_id=item_id,
                national_id=School.student(n))


def line(batch: str, at: str, n: int, summary: str, kind: str = CLO, **extra: Any) -> dict[str, Any]:
    base = dict(receipt_batch=batch, academic_year=113, kind=kind, national_id=School.student(n), summary=summary,
                received_at=at)
    if kind == CLO:
        base["course_code"] = CC
    return base | extra


def test_earliest_submitted_item_wins_across_receipt_batches(school: School) -> None:
    """Three items share one key (閱讀報告), a fourth has two lines (實驗心得)."""
    roster(school, (1, "1130001", "101"))
    school.add("clo", [clo("C1", 1, "閱讀報告"), clo("C2", 1, "閱讀報告"), clo("C3", 1, "閱讀報告"),
                       clo("C4", 1, "實驗心得")])
    school.add("submissions", [
        submission("B1", "2024-12-01 10:00", CLO, "C2", 1),
        submission("B1", "2024-12-01 10:00", CLO, "C3", 1),
        submission("B1", "2024-12-01 10:00", CLO, "C4", 1),
        submission("B2", "2024-12-05 10:00", CLO, "C1", 1),
    ])
    # Batch RX comes back first (its name sorts last: received_at, not the name, orders lines).
    school.add("receipts", [
        line("RX", "2024-12-20 09:00", 1, "閱讀報告"),   # spreadsheet row 2
        line("RX", "2024-12-20 09:00", 1, "實驗心得"),   # row 3
        line("RX", "2024-12-20 09:00", 1, "閱讀報告"),   # row 4
        line("RX", "2024-12-20 09:00", 1, "實驗心得"),   # row 5
    ], file="receipts_rx")
    school.add("receipts", [line("RA", "2025-01-10 09:00", 1, "閱讀報告")], file="receipts_ra")  # row 2
    school.ingest()
    h = school.hash(school.student(1))
    common = dict(kind="clo", academic_year=113, national_id_hash=h, student_no="1130001", class_name="101",
                  course_code=CC, submitted_by="T01", times_submitted=1, selected_at=ts("2024-11-10 08:00"))
    item = dict(common, semester=1, submitted_uncertified=False)
    b1, b2 = ts("2024-12-01 10:00"), ts("2024-12-05 10:00")
    rx, ra = ts("2024-12-20 09:00"), ts("2025-01-10 09:00")
    # Key 閱讀報告: items by first submission, then item_id: C2 (12-01), C3 (12-01), C1 (12-05);
    # lines by received_at, then batch, file, row: RX row 2, RX row 4, RA row 2. The n-th line takes
    # the n-th item: C2 <- RX/2, C3 <- RX/4, C1 <- RA/2 (C1 was submitted last, so it waits for RA).
    # Key 實驗心得: one item C4, two lines: RX/3 matches C4, RX/5 is a repeated line.
    expected = [
        row(**item, item_id="C1", receipt_batch="RA", receipt_file="receipts_ra.csv", receipt_line=2,
            state="received", batch_id="B2", submitted_at=b2, received_at=ra, summary="閱讀報告",
            receipt_summary="閱讀報告"),
        row(**item, item_id="C2", receipt_batch="RX", receipt_file="receipts_rx.csv", receipt_line=2,
            state="received", batch_id="B1", submitted_at=b1, received_at=rx, summary="閱讀報告",
            receipt_summary="閱讀報告"),
        row(**item, item_id="C3", receipt_batch="RX", receipt_file="receipts_rx.csv", receipt_line=4,
            state="received", batch_id="B1", submitted_at=b1, received_at=rx, summary="閱讀報告",
            receipt_summary="閱讀報告"),
        row(**item, item_id="C4", receipt_batch="RX", receipt_file="receipts_rx.csv", receipt_line=3,
            state="received", batch_id="B1", submitted_at=b1, received_at=rx, summary="實驗心得",
            receipt_summary="實驗心得"),
        row(**dict(common, selected_at=None, submitted_by=None, times_submitted=None), submitted_uncertified=False,
            receipt_batch="RX", receipt_file="receipts_rx.csv", receipt_line=5, state="received_not_submitted",
            received_at=rx, receipt_summary="實驗心得",
            explanation="A repeated line: the 1 submitted item(s) with the same course code and summary already "
                        "match earlier lines."),
    ]
    assert rows_of(school) == expected

    # Before RA came back (as of 2024-12-31) C1 has no line: both lines of its key went to C2 and C3,
    # submitted earlier. RX (12-20) came back after C1 was submitted (12-05): submitted_not_received.
    early = {r["item_id"]: r for r in rows_of(school, as_of="2024-12-31") if r["item_id"]}
    assert early["C1"] == row(
        **item, item_id="C1", state="submitted_not_received", batch_id="B2", submitted_at=b2, summary="閱讀報告",
        explanation="Submitted on 2024-12-05 in batch B2; the 2 receipt line(s) with its course code and summary "
                    "match items submitted earlier.")
    assert [early[i]["receipt_line"] for i in ("C2", "C3", "C4")] == [2, 4, 3]


def test_summaries_match_after_trimming_collapsing_spaces_and_folding_full_width(school: School) -> None:
    roster(school, (1, "1130001", "101"))
    school.add("clo", [
        clo("C5", 1, "數學小論文：第１篇  統計"),  # full-width colon and digit, two spaces
        clo("C6", 1, "ＡＩ 專題"),                # full-width letters
    ])
    school.add("mp", [
        dict(item_id="M1", academic_year=113, semester=1, national_id=school.student(1), category="競賽參與",
             title="全國　科展", summary="物理組 佳作", uploaded_at="2024-10-05 12:00", selected="✓"),
        dict(item_id="M2", academic_year=113, semester=1, national_id=school.student(1), category="志工服務",
             title="淨灘", summary="海洋 保育", uploaded_at="2024-10-05 12:00", selected="✓"),
    ])
    school.add("submissions", [
        submission("B1", "2024-12-01 10:00", CLO, "C5", 1),
        submission("B1", "2024-12-01 10:00", CLO, "C6", 1),
        submission("B2", "2024-12-02 10:00", MP, "M1", 1, by="T02"),
        submission("B2", "2024-12-02 10:00", MP, "M2", 1, by="T02"),
    ])
    school.add("receipts", [
        line("R1", "2024-12-20 09:00", 1, "數學小論文:第1篇 統計"),              # row 2: = C5 normalised
        line("R1", "2024-12-20 09:00", 1, "AI\u3000\u3000專題"),                  # row 3: = C6 (U+3000 twice)
        line("R2", "2024-12-22 09:00", 1, " 物理組\u3000佳作 ", kind=MP,            # row 4: = M1, title too
             category="競賽參與", title="全國 科展"),
        line("R2", "2024-12-22 09:00", 1, "海洋保育", kind=MP,                     # row 5: a space missing:
             category="服務學習", title="淨灘"),                                    # not M2 (服務學習 = 志工服務)
    ])
    school.ingest()
    h = school.hash(school.student(1))
    common = dict(academic_year=113, semester=1, national_id_hash=h, student_no="1130001", class_name="101",
                  times_submitted=1, submitted_uncertified=False)
    clo_item = dict(common, kind="clo", course_code=CC, submitted_by="T01", batch_id="B1",
                    submitted_at=ts("2024-12-01 10:00"), selected_at=ts("2024-11-10 08:00"))
    mp_item = dict(common, kind="mp", submitted_by="T02", batch_id="B2", submitted_at=ts("2024-12-02 10:00"))
    expected = [
        row(**clo_item, item_id="C5", receipt_batch="R1", receipt_file="receipts.csv", receipt_line=2,
            state="received", received_at=ts("2024-12-20 09:00"), summary="數學小論文：第１篇  統計",
            receipt_summary="數學小論文:第1篇 統計"),
        row(**clo_item, item_id="C6", receipt_batch="R1", receipt_file="receipts.csv", receipt_line=3,
            state="received", received_at=ts("2024-12-20 09:00"), summary="ＡＩ 專題",
            receipt_summary="AI\u3000\u3000專題"),
        row(**mp_item, item_id="M1", receipt_batch="R2", receipt_file="receipts.csv", receipt_line=4,
            state="received", received_at=ts("2024-12-22 09:00"), category="競賽參與", title="全國　科展",
            summary="物理組 佳作", receipt_summary="物理組\u3000佳作"),  # the reader trims the cell
        # M2: the line of its category and title prints another summary (no space): not a match.
        row(**mp_item, item_id="M2", state="submitted_not_received", category="志工服務", title="淨灘",
            summary="海洋 保育",
            explanation='Submitted on 2024-12-02 in batch B2; no receipt line matches it, but 1 unmatched line(s) '
                        'with the same category and title print another summary, e.g. "海洋保育".'),
        row(**dict(common, semester=None, times_submitted=None), kind="mp", receipt_batch="R2",
            receipt_file="receipts.csv", receipt_line=5, state="received_not_submitted",
            received_at=ts("2024-12-22 09:00"), category="志工服務", title="淨灘", receipt_summary="海洋保育",
            explanation="No platform item of this student has its year (MP 113), category, title and summary: "
                        "the school has no record of submitting it."),
    ]
    assert rows_of(school) == expected


def test_states_as_of_deleted_uncertified_resubmitted_and_unknown_items(school: School) -> None:
    roster(school, (1, "1130001", "101"), (2, "1130002", "102"))
    school.add("clo", [
        clo("C01", 1, "報告一"),                                            # submitted, received
        clo("C02", 1, "報告二", cert_status="待認證", certified_at=None),   # submitted while pending
        clo("C03", 1, "報告三", certified_at="2024-12-10 09:00"),           # certified after submission
        clo("C04", 1, "報告四", selected_at="2024-11-15 08:00"),            # selected, never submitted
        clo("C05", 1, "報告五", deleted_at="2024-11-20 08:00"),             # selected, deleted, never submitted
        clo("C06", 1, "報告六"),                                            # submitted 2025-01-05
        clo("C07", 1, "報告七", selected="", selected_at=None),             # neither selected nor submitted
        clo("C08", 1, "報告八", deleted_at="2025-01-15 08:00"),             # submitted, deleted after
        clo("C09", 1, "報告九"),                                            # a line, no submission
        clo("C10", 1, "報告十"),                                            # submitted twice
    ])
    school.add("mp", [dict(item_id="M1", academic_year=113, semester=None, national_id=school.student(1),
                           category="團體活動", title="合唱比賽", summary="第二名", uploaded_at="2024-10-05 12:00",
                           selected="✓", selected_at="2024-11-20 12:00")])
    school.add("submissions", [
        submission("B1", "2024-12-01 10:00", CLO, "C01", 1),
        submission("B1", "2024-12-01 10:00", CLO, "C02", 1),
        submission("B1", "2024-12-01 10:00", CLO, "C03", 1),
        submission("B1", "2024-12-01 10:00", CLO, "C08", 1),
        submission("B1", "2024-12-01 10:00", CLO, "C10", 1),
        submission("B1", "2024-12-01 10:00", CLO, "C99", 1),  # not in the platform's CLO export
        submission("B2", "2024-12-02 10:00", MP, "M1", 1, by="T02"),
        submission("B3", "2025-01-05 10:00", CLO, "C06", 1),
        submission("B3", "2025-01-05 10:00", CLO, "C10", 1),  # resubmitted
    ])
    school.add("receipts", [
        line("R1", "2024-12-20 09:00", 1, "報告一"),     # row 2
        line("R1", "2024-12-20 09:00", 1, "報告三"),     # row 3
        line("R1", "2024-12-20 09:00", 1, "報告八"),     # row 4
        line("R1", "2024-12-20 09:00", 1, "報告九"),     # row 5
        line("R1", "2024-12-20 09:00", 1, "報告十"),     # row 6
        line("R1", "2024-12-20 09:00", 2, "校外紀錄"),   # row 7: student 2, nothing on the platform
    ])
    school.ingest()
    h1, h2 = school.hash(school.student(1)), school.hash(school.student(2))
    s1 = dict(kind="clo", academic_year=113, semester=1, national_id_hash=h1, student_no="1130001",
              class_name="101", course_code=CC, selected_at=ts("2024-11-10 08:00"))
    b1 = dict(s1, batch_id="B1", submitted_at=ts("2024-12-01 10:00"), submitted_by="T01", times_submitted=1)
    r1 = dict(receipt_batch="R1", receipt_file="receipts.csv", received_at=ts("2024-12-20 09:00"))
    no_sub = dict(s1, times_submitted=0)
    expected = [
        row(**b1, **r1, item_id="C01", receipt_line=2, state="received", submitted_uncertified=False,
            summary="報告一", receipt_summary="報告一"),
        # C02: pending when submitted; R1 came back after it was submitted and has no line for it.
        row(**b1, item_id="C02", state="submitted_not_received", submitted_uncertified=True, summary="報告二",
            explanation="Submitted on 2024-12-01 in batch B1; the receipt batches for CLO 113 hold no line with "
                        "its course code and summary."),
        # C03: certified 12-10, after its submission on 12-01.
        row(**b1, **r1, item_id="C03", receipt_line=3, state="received", submitted_uncertified=True,
            summary="報告三", receipt_summary="報告三"),
        row(**dict(no_sub, selected_at=ts("2024-11-15 08:00")), item_id="C04", state="selected_not_submitted",
            submitted_uncertified=False, summary="報告四",
            explanation="Selected on the platform on 2024-11-15 but in no submission batch on or before 2025-07-31."),
        # C05 deleted before it was submitted: not shown. C06 was submitted on 01-05, after R1 (12-20)
        # came back: no batch of CLO 113-1 came back after its submission, so (metrics.md v2)
        # awaiting_receipt, no longer submitted_not_received; the explanation tells the batch
        # predates the submission.
        row(**dict(b1, batch_id="B3", submitted_at=ts("2025-01-05 10:00")), item_id="C06",
            state="awaiting_receipt", submitted_uncertified=False, summary="報告六",
            explanation="Submitted on 2025-01-05 in batch B3; the receipt batches for CLO 113-1 loaded so far came "
                        "back before it was sent (newest line 2024-12-20), so its own receipt has not come back "
                        "yet."),
        # C07 neither selected nor submitted: not shown. C08 deleted after its submission: still shown.
        row(**b1, **r1, item_id="C08", receipt_line=4, state="received", submitted_uncertified=False,
            summary="報告八", receipt_summary="報告八"),
        row(**no_sub, item_id="C09", state="selected_not_submitted", submitted_uncertified=False, summary="報告九",
            explanation="Selected on the platform on 2024-11-10 but in no submission batch on or before 2025-07-31."),
        # C10: its first submission (B1) counts; two in all.
        row(**dict(b1, times_submitted=2), **r1, item_id="C10", receipt_line=6, state="received",
            submitted_uncertified=False, summary="報告十", receipt_summary="報告十"),
        # C99: only a submission record; no year or term, student_no from the roster, no class.
        row(kind="clo", national_id_hash=h1, student_no="1130001", item_id="C99", batch_id="B1",
            submitted_at=ts("2024-12-01 10:00"), submitted_by="T01", times_submitted=1,
            state="submitted_not_received", submitted_uncertified=False,
            explanation="Submitted on 2024-12-01 in batch B1, but the item is not in the platform's CLO export, so "
                        "no receipt line can be matched to it."),
        # The line for C09 (selected, never submitted) and student 2's line.
        row(**dict(s1, semester=None, selected_at=None), **r1, receipt_line=5, state="received_not_submitted",
            submitted_uncertified=False, receipt_summary="報告九",
            explanation="It matches platform item C09, which has no submission on or before 2025-07-31."),
        row(kind="clo", academic_year=113, national_id_hash=h2, student_no="1130002", class_name="102",
            course_code=CC, **r1, receipt_line=7, state="received_not_submitted", submitted_uncertified=False,
            receipt_summary="校外紀錄",
            explanation="No platform item of this student has its year (CLO 113), course code and summary: the "
                        "school has no record of submitting it."),
        # M1: no 學期, so semester 2 of 113; no MP receipt batch is loaded at all.
        row(kind="mp", academic_year=113, semester=2, national_id_hash=h1, item_id="M1", batch_id="B2",
            submitted_at=ts("2024-12-02 10:00"), submitted_by="T02", times_submitted=1,
            selected_at=ts("2024-11-20 12:00"), state="awaiting_receipt", submitted_uncertified=False,
            student_no="1130001", class_name="101",  # not on the 113-2 roster: the 113 roster's newest term
            category="團體活動", title="合唱比賽", summary="第二名",
            explanation="Submitted on 2024-12-02 in batch B2; no receipt batch for MP 113 has come back since."),
    ]
    assert rows_of(school) == expected

    # As of 2024-12-31: B3 (01-05) is not made yet, so C06 is only selected and C10 submitted once.
    dec31 = {r["item_id"]: r for r in rows_of(school, as_of="2024-12-31") if r["item_id"]}
    assert dec31["C06"] == row(
        **no_sub, item_id="C06", state="selected_not_submitted", submitted_uncertified=False, summary="報告六",
        explanation="Selected on the platform on 2024-11-10 but in no submission batch on or before 2024-12-31.")
    assert dec31["C10"]["times_submitted"] == 1 and dec31["C10"]["state"] == "received"

    # As of 2024-12-15 R1 has not come back: no line yet, every CLO submitted is awaiting its receipt,
    # and C03 was pending when submitted (certified 12-10 — after 12-01).
    dec15 = rows_of(school, as_of="2024-12-15")
    assert {(r["item_id"], r["state"]) for r in dec15} == {
        ("C01", "awaiting_receipt"), ("C02", "awaiting_receipt"), ("C03", "awaiting_receipt"),
        ("C04", "selected_not_submitted"), ("C06", "selected_not_submitted"), ("C08", "awaiting_receipt"),
        ("C09", "selected_not_submitted"), ("C10", "awaiting_receipt"), ("C99", "awaiting_receipt"),
        ("M1", "awaiting_receipt")}
    assert all(r["receipt_batch"] is None for r in dec15)
    assert [r["item_id"] for r in dec15 if r["submitted_uncertified"]] == ["C02", "C03"]


def test_no_rows_and_no_error_when_nothing_was_selected_submitted_or_received(school: School) -> None:
    roster(school, (1, "1130001", "101"))
    school.add("clo", [clo("C1", 1, "報告", selected="", selected_at=None)])
    school.ingest()
    assert school.query("reconciliation") == []


def test_submitted_not_received_only_once_a_batch_came_back_after_the_submission(school: School) -> None:
    """metrics.md v2, worked by hand. Items of student 1: CLO C1 (113-1) and C2 (113-2), MP M1 (113-1);
    CLO C3 (113-2) of student 2. Submissions: C1 and M1 on 2025-03-01, C2 and C3 on 2025-07-20.
    Receipt batches: R1 (2025-03-25) holds CLO lines of 實際修課學期 1 only, none for C1; RM (MP,
    2025-03-26) none for M1; R2 (2025-08-20) CLO lines of 學期 2, none for C2; RN (2025-08-22) one
    CLO line with no 實際修課學期, of student 2 (any semester of 113)."""
    roster(school, (1, "1130001", "101"), (2, "1130002", "101"), years=((113, 1), (113, 2)))
    school.add("clo", [clo("C1", 1, "報告一"), clo("C2", 1, "報告二", semester=2), clo("C3", 2, "報告三", semester=2)])
    school.add("mp", [dict(item_id="M1", academic_year=113, semester=1, national_id=school.student(1), category="團體活動",
                           title="合唱", summary="第二名", uploaded_at="2024-10-05 12:00", selected="✓")])
    school.add("submissions", [
        submission("B1", "2025-03-01 10:00", CLO, "C1", 1),
        submission("B1", "2025-03-01 10:00", MP, "M1", 1),
        submission("B2", "2025-07-20 10:00", CLO, "C2", 1),
        submission("B2", "2025-07-20 10:00", CLO, "C3", 2),
    ])
    school.add("receipts", [
        line("R1", "2025-03-25 09:00", 1, "其他一", semester=1),
        line("RM", "2025-03-26 09:00", 1, "其他", kind=MP, category="團體活動", title="合唱"),
        line("R2", "2025-08-20 09:00", 1, "其他二", semester=2),
        line("RN", "2025-08-22 09:00", 2, "其他三"),
    ])
    school.ingest(exported_at="2025-09-01 18:00")

    def states(as_of: str) -> dict[str, str]:
        return {r["item_id"]: r["state"] for r in rows_of(school, as_of) if r["item_id"]}

    # 03-20: nothing came back yet -> every submission awaits its receipt (C2, C3: selected only).
    sel = {"C2": "selected_not_submitted", "C3": "selected_not_submitted"}
    assert states("2025-03-20") == {"C1": "awaiting_receipt", "M1": "awaiting_receipt"} | sel
    # 03-25: R1 (CLO, 學期 1) came back after C1's submission and has no line for it -> not received.
    # M1 waits for an MP batch (R1 is CLO).
    assert states("2025-03-25") == {"C1": "submitted_not_received", "M1": "awaiting_receipt"} | sel
    # 07-31: RM (MP 113) came back after M1 -> not received. C2 and C3 (113-2) were submitted on
    # 07-20, after R1 and RM: no batch answered them yet, and R1 holds only 學期 1 lines anyway.
    assert states("2025-07-31") == {"C1": "submitted_not_received", "M1": "submitted_not_received",
                                    "C2": "awaiting_receipt", "C3": "awaiting_receipt"}
    # 08-20: R2 (學期 2) came back after C2 and C3, without their lines -> both not received.
    assert states("2025-08-20") == {"C1": "submitted_not_received", "M1": "submitted_not_received",
                                    "C2": "submitted_not_received", "C3": "submitted_not_received"}
    c2 = {r["item_id"]: r for r in rows_of(school, "2025-07-31") if r["item_id"]}["C2"]
    # R1 holds no 學期 2 line: no batch for CLO 113-2 at all yet.
    assert c2["explanation"] == "Submitted on 2025-07-20 in batch B2; no receipt batch for CLO 113-2 has come back since."
    c2 = {r["item_id"]: r for r in rows_of(school, "2025-08-20") if r["item_id"]}["C2"]
    # Student 1's unmatched CLO 113 lines of the same course: R1's 其他一 and R2's 其他二 (earliest shown).
    assert c2["explanation"] == ("Submitted on 2025-07-20 in batch B2; no receipt line matches it, but 2 unmatched "
                                 'line(s) with the same course code print another summary, e.g. "其他一".')


def test_a_clo_line_without_its_semester_answers_either_semester(school: School) -> None:
    roster(school, (1, "1130001", "101"), years=((113, 2),))
    school.add("clo", [clo("C1", 1, "報告一", semester=2)])
    school.add("submissions", [submission("B1", "2025-07-20 10:00", CLO, "C1", 1)])
    school.add("receipts", [line("RN", "2025-08-22 09:00", 1, "其他")])  # no 實際修課學期
    school.ingest(exported_at="2025-09-01 18:00")
    assert [r["state"] for r in rows_of(school, "2025-08-21") if r["item_id"]] == ["awaiting_receipt"]
    assert [r["state"] for r in rows_of(school, "2025-08-22") if r["item_id"]] == ["submitted_not_received"]


def test_two_match_keys_sharing_a_hash_stop_the_view_instead_of_pairing_wrongly(school: School) -> None:
    """_receipt_matches pairs rows by one 64-bit hash of the match key (lp_match_key). Were two keys
    to share a hash, its items and lines would be ranked together: the view must refuse to answer.
    Made to happen by redefining the macro as a constant on the connection (every key one hash)."""
    import duckdb
    import pytest

    from lpdata import connect

    roster(school, (1, "1130001", "101"))
    school.add("clo", [clo("C1", 1, "閱讀報告"), clo("C2", 1, "實驗心得")])
    school.add("submissions", [submission("B1", "2024-12-01 10:00", CLO, "C1", 1),
                               submission("B1", "2024-12-01 10:00", CLO, "C2", 1)])
    school.add("receipts", [line("R1", "2024-12-20 09:00", 1, "實驗心得")])
    school.ingest()
    con = connect(school.db, rules_file=False)
    try:
        # Two keys, two hashes: the line takes C2 (its own key), C1 waits.
        assert sorted(con.execute("SELECT item_id, receipt_line FROM _receipt_matches").fetchall()) == \
            [("C1", None), ("C2", 2)]
        con.execute("CREATE OR REPLACE TEMP MACRO lp_match_key(a, b, c, d, e) AS "
                    "CASE WHEN d IS NOT NULL AND e IS NOT NULL THEN 42::UBIGINT END")
        with pytest.raises(duckdb.Error, match="two match keys share one 64-bit hash"):
            con.execute("SELECT * FROM _receipt_matches").fetchall()
        with pytest.raises(duckdb.Error, match="two match keys share one 64-bit hash"):
            con.execute("SELECT count(*) FROM reconciliation").fetchall()
    finally:
        con.close()
