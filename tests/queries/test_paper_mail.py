"""receipt_confirmation.period_closed and mail_needed (metrics.md v2), and paper_mail: one line per student.

Schedule: 113-1 receipt confirmation until 2025-04-16, 113-2 until 2025-09-09 (no 112 term).
Batches: R1 CLO 113 lines of 實際修課學期 1 (term 113-1), received 2025-03-22; R2 MP 113 lines with
no 實際修課學期 (term 113-2, as an MP item with no 學期), received 2025-08-18; R3 CLO 113 lines of
學期 2 (113-2), received 2025-08-16; RX CLO 112 (no schedule for its term: period unknown), 2025-03-01.
Roster 113-1: everyone 在學; 113-2: 1 在學, 2 and 5 畢業 (graduation 2025-06-06), 3 and 4 轉出.
"""

from __future__ import annotations

from typing import Any

from .school import School

CC = "113000000000000000PHY01"


def build(school: School) -> None:
    def student(n: int, semester: int, status: str, changed: str | None = None) -> dict[str, Any]:
        return dict(academic_year=113, semester=semester, national_id=school.student(n), student_no=f"113000{n}",
                    name=f"學生{n}", grade=3, class_name="301" if n != 4 else "302", seat_no=n, status=status,
                    status_changed_on=changed, postcode="950", address=f"臺東市中華路{n}號")

    school.add("students", [student(n, 1, "在學") for n in range(1, 6)]
               + [student(1, 2, "在學"), student(2, 2, "畢業", "2025-06-06"), student(5, 2, "畢業", "2025-06-06"),
                  student(3, 2, "轉出", "2025-03-10"), student(4, 2, "轉出", "2025-03-10")])
    school.schedule({"113-1": {"receipt_confirm_from": "2025-04-07", "receipt_confirm_to": "2025-04-16"},
                     "113-2": {"receipt_confirm_from": "2025-08-31", "receipt_confirm_to": "2025-09-09"}})

    def line(batch: str, n: int, at: str, semester: int | None, kind: str = "課程學習成果",
             year: int = 113) -> dict[str, Any]:
        mp = kind == "多元表現"
        return dict(receipt_batch=batch, academic_year=year, kind=kind, national_id=school.student(n),
                    semester=semester, course_code=None if mp else CC, category="團體活動" if mp else None,
                    title="合唱" if mp else None, summary="成果", received_at=at)

    school.add("receipts", [line("R1", n, "2025-03-22 09:00", 1) for n in (1, 3)]
               + [line("R2", n, "2025-08-18 09:30", None, kind="多元表現") for n in (2, 3)]
               + [line("R3", n, "2025-08-16 09:00", 2) for n in (2, 2, 3, 4)]
               + [line("RX", 5, "2025-03-01 09:00", 2, year=112)])
    school.add("confirmations", [
        dict(receipt_batch="R1", national_id=school.student(1), state="未確認"),
        dict(receipt_batch="R3", national_id=school.student(4), state="確認無誤", confirmed_at="2025-08-20 08:00"),
    ])
    school.ingest(exported_at="2025-09-20 18:00")


def confirmation(school: School, as_of: str) -> dict[tuple[str, int], tuple[Any, ...]]:
    n_of = {school.hash(school.student(n)): n for n in range(1, 6)}
    return {(r["receipt_batch"], n_of[r["national_id_hash"]]): (r["state"], r["enrolled"], r["period_closed"],
                                                                r["mail_needed"])
            for r in school.query("receipt_confirmation", as_of=as_of)}


def test_period_closed_and_mail_needed_worked_by_hand(school: School) -> None:
    build(school)
    # As of 2025-08-20 (reference term 113-2): R1's period (113-1) closed on 04-16; R2 and R3 are
    # of 113-2 (R2's MP lines carry no 學期), open until 09-09; RX's term 112-2 has no schedule:
    # unknown, so not closed. Enrolled as of as_of = 在學 on the 113-2 roster: only student 1 (a
    # graduate has left the school, though "enrolled in 113-2" counts them).
    assert confirmation(school, "2025-08-20") == {
        ("R1", 1): ("unconfirmed", True, True, False),    # enrolled, and the period closed anyway
        ("R1", 3): ("unconfirmed", False, True, False),   # left, but the period closed: no letter now
        ("R2", 2): ("unconfirmed", False, False, True),   # graduated: a letter
        ("R2", 3): ("unconfirmed", False, False, True),
        ("R3", 2): ("unconfirmed", False, False, True),
        ("R3", 3): ("unconfirmed", False, False, True),
        ("R3", 4): ("confirmed", False, False, False),    # left, but confirmed on 08-20
        ("RX", 5): ("unconfirmed", False, False, True),   # period unknown: not closed
    }
    # On 2025-09-09, the last day of the 113-2 period, it is still open; on 09-10 it is closed.
    assert confirmation(school, "2025-09-09")[("R3", 2)] == ("unconfirmed", False, False, True)
    sep10 = confirmation(school, "2025-09-10")
    assert {k: v[2:] for k, v in sep10.items() if k[0] in ("R2", "R3")} == {
        ("R2", 2): (True, False), ("R2", 3): (True, False), ("R3", 2): (True, False), ("R3", 3): (True, False),
        ("R3", 4): (True, False)}
    # Before 113-1's period closed (2025-04-10) R1 is open: student 3 (轉出 on the 113-2 roster)
    # needs a letter; R2 and R3 have not come back.
    apr = confirmation(school, "2025-04-10")
    assert apr[("R1", 3)] == ("unconfirmed", False, False, True)
    assert {b for b, _ in apr} == {"R1", "RX"}


def test_paper_mail_lists_each_student_once_with_their_batches(school: School) -> None:
    build(school)
    h = {n: school.hash(school.student(n)) for n in range(1, 6)}
    got = school.query("paper_mail", as_of="2025-08-20")
    # The mail_needed rows of 2025-08-20 above, one line per student, in class, student_no order:
    # 2 (R2: 1 line, R3: 2 lines), 3 (R2, R3: 1 line each; R1's period closed), 5 (RX, 1 line).
    assert got == [
        dict(national_id_hash=h[2], student_no="1130002", student_name="學生2", class_name="301",
             receipt_batches="R2、R3", batches=2, lines=3, postcode="950", address="臺東市中華路2號"),
        dict(national_id_hash=h[3], student_no="1130003", student_name="學生3", class_name="301",
             receipt_batches="R2、R3", batches=2, lines=2, postcode="950", address="臺東市中華路3號"),
        dict(national_id_hash=h[5], student_no="1130005", student_name="學生5", class_name="301",
             receipt_batches="RX", batches=1, lines=1, postcode="950", address="臺東市中華路5號"),
    ]
    # The same students as receipt_confirmation's mail_needed rows, counted once each.
    mail = {r["national_id_hash"] for r in school.query("receipt_confirmation", as_of="2025-08-20",
                                                       where="mail_needed")}
    assert mail == {r["national_id_hash"] for r in got}
    # On 2025-09-10 the 113-2 period has closed: only RX (period unknown) is left.
    assert [(r["student_no"], r["receipt_batches"]) for r in school.query("paper_mail", as_of="2025-09-10")] == [
        ("1130005", "RX")]
