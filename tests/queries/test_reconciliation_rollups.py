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

from typing import Any

from .school import School
from .test_reconciliation import CLO, clo, line, roster, submission

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
    # Every column of reconciliation, as it is there.
    every = school.query("reconciliation", as_of=AS_OF, where="item_id = 'C3'")
    assert school.query("reconciliation_discrepancies", as_of=AS_OF, where="item_id = 'C3'") == every


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
