"""receipt_confirmation: each student's confirmation of each receipt batch, and the paper-mail list.

Rosters: 113-1, 113-2 and 114-1 (starts 2025-08-01). Receipt batch R1 (CLO 113) came back on
2025-03-22, R2 (MP 113) on 2025-08-18. Students:
1 enrolled, confirmed              5 轉出 in 113-2, 未確認 row        -> mail
2 enrolled, reported an error      6 not on the 113-2 roster, no row -> mail
3 enrolled, error found and fixed  7 轉出 in 113-2, but confirmed    -> no mail
4 enrolled, no confirmations row   8 a confirmations row only (no lines), confirmed after the as-of date
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .school import School

CC = "113000000000000000PHY01"
COLUMNS = ("receipt_batch", "national_id_hash", "student_no", "class_name", "enrolled", "state", "period_closed",
           "mail_needed",
           "lines", "name", "postcode", "address", "kinds", "confirmed_at", "report_text", "school_finding",
           "checked_at", "resubmitted_at")


def ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def row(**values: Any) -> dict[str, Any]:
    assert not set(values) - set(COLUMNS), set(values) - set(COLUMNS)
    # No schedule is loaded unless a test says so: no period is known to be closed.
    return {c: values.get(c) for c in COLUMNS} | {"period_closed": values.get("period_closed", False)}


def build(school: School) -> None:
    def student(n: int, year: int, semester: int, status: str = "在學", address: str | None = None) -> dict[str, Any]:
        return dict(academic_year=year, semester=semester, national_id=school.student(n), student_no=f"113000{n}",
                    name=f"學生{n}", grade=1 if year == 113 else 2, class_name="101" if year == 113 else "201",
                    seat_no=n, status=status, postcode="950" if address else None, address=address)

    school.add("students",
               [student(n, 113, 1, address="臺東市中華路一段1號" if n == 5 else None) for n in range(1, 9)]
               + [student(n, 113, 2) for n in (1, 2, 3, 4, 8)]
               + [student(5, 113, 2, status="轉出"), student(7, 113, 2, status="轉出")]  # 6: not on the roster
               + [student(n, 114, 1) for n in (1, 2, 3, 4, 8)])

    def line(batch: str, n: int, at: str, kind: str = "課程學習成果") -> dict[str, Any]:
        return dict(receipt_batch=batch, academic_year=113, kind=kind, national_id=school.student(n),
                    course_code=CC if kind == "課程學習成果" else None,
                    category="團體活動" if kind == "多元表現" else None,
                    title="合唱" if kind == "多元表現" else None, summary="成果", received_at=at)

    r1 = "2025-03-22 09:00"
    school.add("receipts", [line("R1", n, r1) for n in (1, 1, 2, 3, 4, 5, 6, 6, 7)]
               + [line("R2", 1, "2025-08-18 09:30", kind="多元表現")])

    def conf(batch: str, n: int, state: str, at: str | None = None, **extra: Any) -> dict[str, Any]:
        return dict(receipt_batch=batch, national_id=school.student(n), state=state, confirmed_at=at) | extra

    school.add("confirmations", [
        conf("R1", 1, "確認無誤", "2025-04-01 20:00"),
        conf("R1", 2, "回報有誤", "2025-04-02 21:00", report_text="科目名稱錯誤"),
        conf("R1", 3, "回報有誤", "2025-04-02 21:30", report_text="簡述不完整", school_finding="已更正",
             checked_at="2025-04-10 10:00", resubmitted_at="2025-04-15 10:00"),
        conf("R1", 5, "未確認"),
        conf("R1", 7, "確認無誤", "2025-04-03 19:00"),
        conf("R1", 8, "確認無誤", "2025-08-05 19:00"),
        conf("R2", 1, "確認無誤", "2025-08-25 20:00"),
    ])
    school.ingest(exported_at="2025-09-01 18:00")


def test_states_enrolment_and_mail_list_worked_by_hand(school: School) -> None:
    build(school)
    h = {n: school.hash(school.student(n)) for n in range(1, 9)}
    got = school.query("receipt_confirmation", as_of="2025-07-31", order_by="receipt_batch, student_no")
    assert got and set(got[0]) == set(COLUMNS)
    assert len({(r["receipt_batch"], r["national_id_hash"]) for r in got}) == len(got)  # the grain
    # As of 2025-07-31 the reference term is 113-2 (started 2025-02-01; 114-1 starts 2025-08-01,
    # after the as-of date, though its roster is loaded). R2 (received 2025-08-18) has not come
    # back: neither its line nor its confirmation shows. Names and classes: the 113-2 row, else 113-1.
    base = dict(receipt_batch="R1", kinds=["clo"], class_name="101")
    expected = [
        row(**base, national_id_hash=h[1], student_no="1130001", name="學生1", enrolled=True, state="confirmed",
            mail_needed=False, lines=2, confirmed_at=ts("2025-04-01 20:00")),
        row(**base, national_id_hash=h[2], student_no="1130002", name="學生2", enrolled=True,
            state="reported_error_open", mail_needed=False, lines=1, confirmed_at=ts("2025-04-02 21:00"),
            report_text="科目名稱錯誤"),
        row(**base, national_id_hash=h[3], student_no="1130003", name="學生3", enrolled=True,
            state="reported_error_resolved", mail_needed=False, lines=1, confirmed_at=ts("2025-04-02 21:30"),
            report_text="簡述不完整", school_finding="corrected", checked_at=ts("2025-04-10 10:00"),
            resubmitted_at=ts("2025-04-15 10:00")),
        # 4: lines, no confirmations row: unconfirmed, but enrolled: no mail.
        row(**base, national_id_hash=h[4], student_no="1130004", name="學生4", enrolled=True, state="unconfirmed",
            mail_needed=False, lines=1),
        # 5: 轉出 on the 113-2 roster and 未確認: mail, to the address of its 113-1 row.
        row(**base, national_id_hash=h[5], student_no="1130005", name="學生5", enrolled=False, state="unconfirmed",
            mail_needed=True, lines=1, postcode="950", address="臺東市中華路一段1號"),
        # 6: not on the 113-2 roster (left), two lines, no row: mail.
        row(**base, national_id_hash=h[6], student_no="1130006", name="學生6", enrolled=False, state="unconfirmed",
            mail_needed=True, lines=2),
        # 7: left but confirmed: no mail.
        row(**base, national_id_hash=h[7], student_no="1130007", name="學生7", enrolled=False, state="confirmed",
            mail_needed=False, lines=1, confirmed_at=ts("2025-04-03 19:00")),
        # 8: a confirmations row and no line; it confirmed on 2025-08-05, after the as-of date.
        row(receipt_batch="R1", class_name="101", national_id_hash=h[8], student_no="1130008", name="學生8",
            enrolled=True, state="unconfirmed", mail_needed=False, lines=0),
    ]
    assert got == expected


def test_as_of_dates(school: School) -> None:
    build(school)
    h = {school.hash(school.student(n)): n for n in range(1, 9)}

    def states(as_of: str) -> dict[tuple[str, int], tuple[str, bool, bool]]:
        return {(r["receipt_batch"], h[r["national_id_hash"]]): (r["state"], r["enrolled"], r["mail_needed"])
                for r in school.query("receipt_confirmation", as_of=as_of)}

    # Before R1 came back (03-22) nothing shows, confirmations rows included.
    assert states("2025-03-21") == {}
    # 2025-04-05: 3's report is not checked yet (04-10): open.
    assert states("2025-04-05")[("R1", 3)] == ("reported_error_open", True, False)
    # 2025-09-01: the reference term is 114-1, where 5, 6 and 7 are not; R2 is back and 1 confirmed
    # it on 08-25; 8 confirmed R1 on 08-05.
    sep = states("2025-09-01")
    assert sep[("R2", 1)] == ("confirmed", True, False)
    assert sep[("R1", 8)] == ("confirmed", True, False)
    assert {n for (b, n), (_, _, mail) in sep.items() if mail} == {5, 6}
    assert len(sep) == 9


def test_no_roster_term_started_yet_leaves_enrolment_unknown(school: School) -> None:
    # Only a 114-1 roster (starts 2025-08-01) and a batch received before it.
    school.add("students", [dict(academic_year=114, semester=1, national_id=school.student(1), student_no="1140001",
                                 name="學生1", grade=1, class_name="101", seat_no=1, status="在學")])
    school.add("receipts", [dict(receipt_batch="R0", academic_year=113, kind="課程學習成果",
                                 national_id=school.student(1), course_code=CC, summary="成果",
                                 received_at="2025-03-22 09:00")])
    school.ingest()
    got = school.query("receipt_confirmation", as_of="2025-04-01")
    assert [(r["state"], r["enrolled"], r["mail_needed"], r["lines"], r["student_no"]) for r in got] == [
        ("unconfirmed", None, None, 1, "1140001")]
