"""`retention`: graduates, when they graduated, how long their data stays sealed (R-RETENTION)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .school import School

D = dt.date


def roster(school: School, n: int, year: int, semester: int, status: str, *, changed: str | None = None,
           grade: int = 3, class_name: str = "301") -> dict[str, Any]:
    return dict(academic_year=year, semester=semester, national_id=school.student(n), student_no=f"S{n:04d}",
                name=f"學生{n}", grade=grade, class_name=class_name, seat_no=n % 50, status=status,
                status_changed_on=changed)


def by_no(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["student_no"]: r for r in rows}


def build(school: School) -> None:
    school.add("students", [
        # 1: graduated 108-2 on 2020-06-10, seal 5 years -> until 2025-06-10, due on 2025-07-31.
        roster(school, 1, 108, 1, "在學", grade=3, class_name="301"),
        roster(school, 1, 108, 2, "畢業", changed="2020-06-10", class_name="301"),
        # 2: graduated 110-2: sealed until 2027-06-10.
        roster(school, 2, 110, 2, "畢業", changed="2022-06-10", class_name="302"),
        # 3: graduated 108-2 with no date: the term's end, 2020-07-31, sealed through 2025-07-31.
        roster(school, 3, 108, 2, "畢業", class_name="303"),
        # 4: never graduated (still enrolled) and 5: transferred out: not in the view.
        roster(school, 4, 108, 2, "在學", grade=2, class_name="201"),
        roster(school, 5, 108, 2, "轉出", changed="2020-03-01", grade=2, class_name="201"),
        # 6: 畢業 in 108-2, but a later roster lists the student as enrolled: no graduate.
        roster(school, 6, 108, 2, "畢業", changed="2020-06-10"),
        roster(school, 6, 109, 1, "在學"),
        # 7: graduated in semester 1 with no date: Jan 31 of the next AD year (109-1 -> 2021-01-31).
        roster(school, 7, 109, 1, "畢業", class_name="304"),
        # 8: listed again as 畢業 in the next term: the earlier row is the graduation.
        roster(school, 8, 108, 2, "畢業", changed="2020-06-12", class_name="305"),
        roster(school, 8, 109, 1, "畢業", changed="2020-06-12", class_name="305"),
        # 9: graduated on Feb 29: five years on is Feb 28.
        roster(school, 9, 108, 2, "畢業", changed="2020-02-29", class_name="306"),
    ])


def test_graduates_their_dates_and_state(school: School) -> None:
    build(school)
    school.ingest()
    rows = by_no(school.query("retention", as_of="2025-07-31"))
    assert set(rows) == {"S0001", "S0002", "S0003", "S0007", "S0008", "S0009"}
    got = {no: (r["academic_year"], r["semester"], r["class_name"], r["graduated_on"], r["graduated_on_from"],
                r["seal_years"], r["seal_until"], r["state"]) for no, r in rows.items()}
    assert got == {
        "S0001": (108, 2, "301", D(2020, 6, 10), "status_changed_on", 5, D(2025, 6, 10), "due_for_deletion"),
        "S0002": (110, 2, "302", D(2022, 6, 10), "status_changed_on", 5, D(2027, 6, 10), "sealed"),
        "S0003": (108, 2, "303", D(2020, 7, 31), "term_end", 5, D(2025, 7, 31), "sealed"),
        "S0007": (109, 1, "304", D(2021, 1, 31), "term_end", 5, D(2026, 1, 31), "sealed"),
        "S0008": (108, 2, "305", D(2020, 6, 12), "status_changed_on", 5, D(2025, 6, 12), "due_for_deletion"),
        "S0009": (108, 2, "306", D(2020, 2, 29), "status_changed_on", 5, D(2025, 2, 28), "due_for_deletion"),
    }
    assert rows["S0001"]["national_id_hash"] == school.hash(school.student(1))
    assert rows["S0001"]["deletable_from"] == D(2025, 6, 11)


def test_the_seal_until_day_is_still_sealed(school: School) -> None:
    build(school)
    school.ingest()
    state = {d: by_no(school.query("retention", as_of=d))["S0003"]["state"]
             for d in ("2025-07-30", "2025-07-31", "2025-08-01")}
    assert state == {"2025-07-30": "sealed", "2025-07-31": "sealed", "2025-08-01": "due_for_deletion"}
    first = by_no(school.query("retention", as_of="2020-07-01"))
    assert {r["state"] for r in first.values()} == {"sealed"}  # nobody is due right after graduating


def test_seal_years_come_from_the_rules_of_the_graduation_year(school: School) -> None:
    school.rules([{"effective_from": 110, "R-RETENTION": {"seal_years": 3}}])
    school.add("students", [
        roster(school, 1, 109, 2, "畢業", changed="2021-06-10"),   # 109: the default 5 years
        roster(school, 2, 110, 2, "畢業", changed="2022-06-10"),   # 110 on: 3 years
        roster(school, 3, 111, 2, "畢業", changed="2023-06-09"),
    ])
    school.ingest()
    rows = by_no(school.query("retention", as_of="2025-07-31"))
    assert {no: (r["seal_years"], r["seal_until"], r["state"]) for no, r in rows.items()} == {
        "S0001": (5, D(2026, 6, 10), "sealed"),
        "S0002": (3, D(2025, 6, 10), "due_for_deletion"),
        "S0003": (3, D(2026, 6, 9), "sealed"),
    }


def test_a_graduation_before_every_rules_entry_stays_sealed(school: School) -> None:
    # The shipped R-RETENTION starts in 100: a 99 graduate has no setting in force, and nothing is
    # deleted without a rule; a 107 graduate (before the portfolio's 108) has the default 5 years.
    school.add("students", [roster(school, 1, 99, 2, "畢業", changed="2011-06-10"),
                            roster(school, 2, 107, 2, "畢業", changed="2019-06-10")])
    school.ingest()
    rows = by_no(school.query("retention", as_of="2025-07-31"))
    assert {no: (r["seal_years"], r["seal_until"], r["state"]) for no, r in rows.items()} == {
        "S0001": (None, None, "sealed"),
        "S0002": (5, D(2024, 6, 10), "due_for_deletion"),
    }


def test_no_graduates_no_rows(school: School) -> None:
    school.add("students", [roster(school, 1, 113, 1, "在學")])
    school.ingest()
    assert school.query("retention") == []
