"""reconciliation_funnel, reconciliation_states, reconciliation_discrepancies: the reconciliation
report's figures, from reconciliation's rows; receipt_confirmation_states, the confirmation chart's.

One hand-built term of one student (113-1, class 101), five CLO items and a stray receipt line:
  C1 selected, submitted (B1, certified first), its line came back in R1, the student confirmed R1
  C2 selected, never submitted
  C3 submitted (B1) while still 待認證; R1 of 113 has come back without it
  C4 submitted (B1), certified; its line came back in R1 too
  C5 uploaded, not selected, not submitted: not in reconciliation at all
  a line of R1 (實際修課學期 1) whose summary matches no submitted item
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .school import School
from .test_reconciliation import CLO, MP, clo, line, roster, submission

AS_OF = "2025-01-31"
TERM = "academic_year = 113 AND semester = 1"


def build(school: School, *, confirmed: bool = True) -> None:
    roster(school, (1, "1130001", "101"))
    school.add("clo", [clo("C1", 1, "閱讀報告"), clo("C2", 1, "小論文"),
                       clo("C3", 1, "專題", cert_status="待認證", certified_at=None),
                       clo("C4", 1, "實驗心得"),
                       clo("C5", 1, "作品", selected="", selected_at=None)])
    school.add("submissions", [submission("B1", "2024-12-01 10:00", CLO, item, 1) for item in ("C1", "C3", "C4")])
    school.add("receipts", [line("R1", "2024-12-20 09:00", 1, "閱讀報告"),
                            line("R1", "2024-12-20 09:00", 1, "實驗心得"),
                            line("R1", "2024-12-20 09:00", 1, "沒有交過", semester=1)])
    if confirmed:
        school.add("confirmations", [dict(receipt_batch="R1", national_id=school.student(1), state="確認無誤",
                                          confirmed_at="2024-12-25 20:00")])
    school.ingest(exported_at="2025-01-31 18:00")


def rows(school: School, view: str, columns: tuple[str, ...], order_by: str, where: str | None = TERM) -> list[tuple[Any, ...]]:
    return [tuple(r[c] for c in columns) for r in school.query(view, as_of=AS_OF, where=where, order_by=order_by)]


def test_funnel_counts_each_stage_reached(school: School) -> None:
    build(school)
    # Rows: C1 received, C2 selected_not_submitted, C3 submitted_not_received, C4 received, the stray
    # line received_not_submitted. selected: all but the stray line = 4; submitted: C1, C3, C4 = 3;
    # received: C1, C4 = 2; confirmed: received and R1 confirmed by the student = 2.
    assert rows(school, "reconciliation_funnel", ("academic_year", "semester", "kind", "selected", "submitted",
                                                  "received", "confirmed"), "kind", where=None) == [
        (113, 1, "clo", 4, 3, 2, 2)]


def test_funnel_counts_no_confirmation_as_not_confirmed(school: School) -> None:
    build(school, confirmed=False)
    assert rows(school, "reconciliation_funnel", ("kind", "selected", "submitted", "received", "confirmed"),
                "kind") == [("clo", 4, 3, 2, 0)]


def test_states_count_rows_and_uncertified_submissions(school: School) -> None:
    build(school)
    # C3 was 待認證 when submitted: submitted_uncertified, in state submitted_not_received.
    assert rows(school, "reconciliation_states", ("kind", "state", "items", "submitted_uncertified"),
                "kind, state") == [
        ("clo", "received", 2, 0),
        ("clo", "received_not_submitted", 1, 0),
        ("clo", "selected_not_submitted", 1, 0),
        ("clo", "submitted_not_received", 1, 1),
    ]


def test_discrepancies_are_the_rows_to_act_on(school: School) -> None:
    build(school)
    # C1 and C4 (received, certified) need nothing; C2, C3 and the stray line do.
    got = rows(school, "reconciliation_discrepancies", ("item_id", "state", "submitted_uncertified", "receipt_line"),
               "item_id NULLS LAST")
    assert got == [("C2", "selected_not_submitted", False, None),
                   ("C3", "submitted_not_received", True, None),
                   (None, "received_not_submitted", False, 4)]
    # Every column of reconciliation, as it is there, and three more.
    every = school.query("reconciliation", as_of=AS_OF, where="item_id = 'C3'")
    listed = school.query("reconciliation_discrepancies", as_of=AS_OF, where="item_id = 'C3'")
    assert [{c: r[c] for c in every[0]} for r in listed] == every
    assert set(listed[0]) - set(every[0]) == {"national_due", "to_act_on", "explanation_zh"}


def test_an_uncertified_submission_is_a_discrepancy_even_once_received(school: School) -> None:
    roster(school, (1, "1130001", "101"))
    school.add("clo", [clo("C1", 1, "閱讀報告", cert_status="待認證", certified_at=None),
                       clo("C2", 1, "實驗心得")])
    school.add("submissions", [submission("B1", "2024-12-01 10:00", CLO, "C1", 1)])
    school.add("receipts", [line("R1", "2024-12-20 09:00", 1, "閱讀報告")])
    school.ingest(exported_at="2025-01-31 18:00")
    # C1 received but submitted uncertified: listed; C2 selected, never submitted: listed.
    assert rows(school, "reconciliation_discrepancies", ("item_id", "state", "submitted_uncertified"),
                "item_id") == [("C1", "received", True), ("C2", "selected_not_submitted", False)]
    assert rows(school, "reconciliation_states", ("state", "items", "submitted_uncertified"), "state") == [
        ("received", 1, 1), ("selected_not_submitted", 1, 0)]


# --- reconciliation_actions: what needs someone's action, apart from what is waiting ---------------

ACTIONS = ("kind", "national_due", "deadline_passed", "to_act_on", "not_received", "not_submitted",
           "submitted_uncertified", "received_not_submitted", "still_to_submit", "awaiting_receipt")


def build_actions(school: School, national_due: str | None) -> None:
    """build()'s term, plus an MP item submitted in B1 whose kind has no receipt batch at all (so it
    awaits its receipt under every reading of metrics.md), and the 113-1 schedule's national_due."""
    if national_due is not None:
        school.schedule({"113-1": {"national_due": national_due}})
    school.add("mp", [dict(item_id="M1", academic_year=113, semester=1, national_id=school.student(1),
                           category="競賽參與", title="科展", summary="佳作", uploaded_at="2024-10-05 12:00",
                           selected="✓", selected_at="2024-11-10 08:00")])
    school.add("submissions", [submission("B1", "2024-12-01 10:00", MP, "M1", 1)])
    build(school)


def test_actions_once_the_national_deadline_has_passed(school: School) -> None:
    build_actions(school, "2025-01-15")
    # as_of 2025-01-31 > national_due 2025-01-15: C2 (selected, never submitted) is late.
    # clo rows: C1, C4 received; C2 not submitted (late); C3 submitted 12-01, R1 came back 12-20 without
    # it: not received, and submitted uncertified (one row to act on, counted once); the stray line
    # received, never submitted. To act on: C2, C3, the line = 3. mp: M1 awaits its receipt, nothing to do.
    due = dt.date(2025, 1, 15)
    assert rows(school, "reconciliation_actions", ACTIONS, "kind") == [
        ("clo", due, True, 3, 1, 1, 1, 1, 0, 0),
        ("mp", due, True, 0, 0, 0, 0, 0, 0, 1),
    ]


def test_selected_items_are_still_to_submit_until_the_deadline_has_passed(school: School) -> None:
    build_actions(school, "2025-01-31")
    # On national_due itself (as_of 2025-01-31) the item can still be sent: C2 is still to submit,
    # not late; to act on: C3 and the stray line = 2.
    due = dt.date(2025, 1, 31)
    assert rows(school, "reconciliation_actions", ACTIONS, "kind") == [
        ("clo", due, False, 2, 1, 0, 1, 1, 1, 0),
        ("mp", due, False, 0, 0, 0, 0, 0, 0, 1),
    ]
    # The discrepancy list marks the same rows: C2 listed, but not to act on.
    assert rows(school, "reconciliation_discrepancies", ("item_id", "national_due", "to_act_on"),
                "item_id NULLS LAST") == [("C2", due, False), ("C3", due, True), (None, due, True)]


def test_no_national_due_in_the_schedule_makes_nothing_late(school: School) -> None:
    build_actions(school, None)
    assert rows(school, "reconciliation_actions", ACTIONS, "kind") == [
        ("clo", None, False, 2, 1, 0, 1, 1, 1, 0),
        ("mp", None, False, 0, 0, 0, 0, 0, 0, 1),
    ]


def test_actions_to_act_on_counts_the_discrepancies_marked_so(school: School) -> None:
    build_actions(school, "2025-01-15")
    listed = school.query("reconciliation_discrepancies", as_of=AS_OF, where="to_act_on")
    actions = school.query("reconciliation_actions", as_of=AS_OF)
    assert len(listed) == sum(r["to_act_on"] for r in actions) == 3


# --- explanation_zh: the explanation in Traditional Chinese ------------------------------------------


def zh(school: School) -> dict[Any, tuple[str, str | None]]:
    """(state, explanation_zh) by item_id, or by receipt line for a line matching no item."""
    return {r["item_id"] or r["receipt_line"]: (r["state"], r["explanation_zh"])
            for r in school.query("reconciliation_discrepancies", as_of=AS_OF)}


def test_explanations_in_chinese_for_every_state(school: School) -> None:
    roster(school, (1, "1130001", "101"))
    school.add("clo", [clo("C1", 1, "閱讀報告"), clo("C2", 1, "小論文"),
                       clo("C3", 1, "專題", cert_status="待認證", certified_at=None),
                       clo("C4", 1, "實驗心得"), clo("C7", 1, "閱讀報告")])
    school.add("mp", [dict(item_id="M1", academic_year=113, semester=1, national_id=school.student(1),
                           category="競賽參與", title="科展", summary="佳作", uploaded_at="2024-10-05 12:00",
                           selected="✓", selected_at="2024-11-10 08:00")])
    school.add("submissions", [submission("B1", "2024-12-01 10:00", CLO, i, 1) for i in ("C1", "C3", "C4", "C99")]
               + [submission("B2", "2024-12-05 10:00", CLO, "C7", 1),
                  submission("B2", "2024-12-05 10:00", MP, "M1", 1)])
    school.add("receipts", [
        line("R1", "2024-12-20 09:00", 1, "閱讀報告"),    # row 2: C1 (submitted first)
        line("R1", "2024-12-20 09:00", 1, "實驗心得"),    # row 3: C4
        line("R1", "2024-12-20 09:00", 1, "實驗心得"),    # row 4: C4 again, a repeated line
        line("R1", "2024-12-20 09:00", 1, "小論文"),      # row 5: C2's key, C2 never submitted
        line("R1", "2024-12-20 09:00", 1, "沒有交過", course_code=None),    # row 6: no course code
        line("R1", "2024-12-20 09:00", 1, "校外紀錄", course_code="113000000000000000CHI01"),  # row 7
        line("R2", "2024-12-21 09:00", 1, "海洋", kind=MP, category="競賽參與", title="科展"),  # row 2 of R2
    ])
    school.ingest(exported_at="2025-01-31 18:00")
    got = zh(school)
    # Every receipt batch came back after every submission (12-20, 12-21 > 12-05): not received, not waiting.
    assert got == {
        "C2": ("selected_not_submitted", "已於 2024-11-10 在平臺勾選，但截至 2025-01-31 未列入任何提交批次。"),
        # C3: no line with its key (專題); the only other unmatched line of its course code (row 5) has
        # a platform item of its own (C2), so it is no near miss of C3.
        "C3": ("submitted_not_received",
               "2024-12-01 於提交批次 B1 提交；113 學年度課程學習成果的收訖批次中沒有課程代碼與簡述相同的明細。"),
        "C7": ("submitted_not_received",
               "2024-12-05 於提交批次 B2 提交；課程代碼與簡述相同的 1 筆收訖明細已對應到較早提交的項目。"),
        "C99": ("submitted_not_received",
                "2024-12-01 於提交批次 B1 提交，但平臺的課程學習成果匯出檔中沒有此項目，無法比對收訖明細。"),
        "M1": ("submitted_not_received",
               "2024-12-05 於提交批次 B2 提交；沒有收訖明細與它相符，但有 1 筆未對應的明細類別與名稱相同、"
               "簡述不同，例如「海洋」。"),
        4: ("received_not_submitted", "重複的明細：課程代碼與簡述相同的 1 件已提交項目都已對應到較早的明細。"),
        5: ("received_not_submitted", "與平臺項目 C2 相符，但該項目截至 2025-01-31 沒有提交紀錄。"),
        6: ("received_not_submitted", "此明細沒有課程代碼，無法對應任何項目。"),
        7: ("received_not_submitted",
            "此學生在平臺上沒有 113 學年度課程學習成果、課程代碼與簡述相同的項目：學校沒有提交它的紀錄。"),
        # R2's line is row 8 of the one receipts file; M1 is not its item (another summary).
        8: ("received_not_submitted",
            "此學生在平臺上沒有 113 學年度多元表現、類別、名稱與簡述相同的項目：學校沒有提交它的紀錄。"),
    }
    # The English column is reconciliation's, unchanged.
    english = {r["item_id"] or r["receipt_line"]: r["explanation"]
               for r in school.query("reconciliation", as_of=AS_OF, where="state <> 'received'")}
    assert {k: r["explanation"] for k, r in
            ((r["item_id"] or r["receipt_line"], r) for r in school.query("reconciliation_discrepancies",
                                                                         as_of=AS_OF))} == english


def term_named(school: School, item_id: str) -> str:
    """The term the English explanation names, in Chinese: reconciliation v2 names a CLO's semester
    ("CLO 113-1"), v1 its year ("CLO 113"); the Chinese follows the English either way."""
    english = school.query("reconciliation", as_of=AS_OF, where=f"item_id = '{item_id}'")[0]["explanation"]
    return "113 學年度第 1 學期" if "CLO 113-1" in english else "113 學年度"


def test_an_uncertified_item_awaiting_its_receipt_is_explained_in_chinese(school: School) -> None:
    roster(school, (1, "1130001", "101"))
    school.add("clo", [clo("C1", 1, "閱讀報告", cert_status="待認證", certified_at=None)])
    school.add("submissions", [submission("B1", "2024-12-01 10:00", CLO, "C1", 1)])
    school.ingest(exported_at="2025-01-31 18:00")
    # No receipt batch at all: C1 awaits its receipt; listed only because it was sent uncertified.
    assert zh(school) == {"C1": ("awaiting_receipt",
                                 f"2024-12-01 於提交批次 B1 提交；此後尚無 {term_named(school, 'C1')}課程學習成果的收訖批次回傳。")}


def test_an_item_sent_after_the_receipt_batch_came_back_is_explained_in_chinese(school: School) -> None:
    roster(school, (1, "1130001", "101"))
    school.add("clo", [clo("C1", 1, "閱讀報告"), clo("C2", 1, "專題", cert_status="待認證", certified_at=None)])
    school.add("submissions", [submission("B1", "2024-12-01 10:00", CLO, "C1", 1),
                               submission("B2", "2025-01-05 10:00", CLO, "C2", 1)])
    school.add("receipts", [line("R1", "2024-12-20 09:00", 1, "閱讀報告", semester=1)])
    school.ingest(exported_at="2025-01-31 18:00")
    # C2 (uncertified, so listed) was sent on 01-05, after R1 came back on 12-20: metrics v2 says it
    # awaits its receipt, which "has not come back yet"; v1 called it not received, "may not have".
    [(state, text)] = zh(school).values()
    maybe = "" if state == "awaiting_receipt" else "可能"
    assert text == (f"2025-01-05 於提交批次 B2 提交；目前已載入的 {term_named(school, 'C2')}課程學習成果收訖批次都在它"
                    f"提交之前回傳（最新一筆 2024-12-20），它的收訖{maybe}尚未回傳。")


def test_every_explanation_of_the_demo_school_has_its_chinese(demo_school) -> None:
    """A template reconciliation writes that explanation_zh does not know shows up here as NULL."""
    from lpdata import connect

    _, db, _ = demo_school
    con = connect(db, rules_file=False)
    try:
        missing = con.execute("SELECT explanation FROM reconciliation_discrepancies "
                              "WHERE explanation IS NOT NULL AND explanation_zh IS NULL LIMIT 3").fetchall()
        latin = con.execute("SELECT explanation_zh FROM reconciliation_discrepancies "
                            "WHERE regexp_matches(explanation_zh, '[A-Za-z]{3,}') "
                            "AND NOT regexp_matches(explanation_zh, '[A-Z]\\d{5,}|\\.xlsx') LIMIT 3").fetchall()
        listed = con.execute("SELECT count(*) FROM reconciliation_discrepancies").fetchall()[0][0]
    finally:
        con.close()
    assert listed > 0 and missing == [] and latin == []
