"""effectiveness: per term, role, person and metric, the figure against its target (rules.md §8).

Each test builds a tiny school, loads it through the real ingest and checks hand-worked figures.
Targets and the deadline lead come from a rules file in the export folder, never the defaults, so a
literal in the SQL would show."""

from __future__ import annotations

from typing import Any

import pytest

from .school import School

COURSE_A = "A" * 16 + "0000101"  # 23 characters, as the contract's course codes are
COURSE_B = "A" * 16 + "0000102"
COURSE_C = "A" * 16 + "0000201"
COURSE_E = "E" * 16 + "0000901"  # an elective taught outside the student's class
COURSE_F = "A" * 16 + "0000111"

GRAIN = ("academic_year", "semester", "role", "person_code", "metric")
#: Columns a briefing may show: nothing names or identifies a student.
COLUMNS = {"academic_year", "semester", "role", "person_code", "metric", "person_name", "unit", "value",
           "target", "met", "definition", "definition_en", "rule_id", "metric_order"}


def _eff(school: School, as_of: str) -> dict[tuple, dict[str, Any]]:
    rows = school.query("effectiveness", as_of=as_of)
    keys = [tuple(r[c] for c in GRAIN) for r in rows]
    assert len(keys) == len(set(keys)), "grain not unique"
    for r in rows:
        assert set(r) == COLUMNS, set(r) ^ COLUMNS
        assert r["definition"] and r["definition_en"] and "{D}" not in r["definition"]
        assert r["unit"] in ("days", "rate", "count")
        if r["target"] is None or r["value"] is None:
            assert r["met"] is None
        else:
            assert r["met"] == (r["value"] >= r["target"])
    return dict(zip(keys, rows))


def _student(school: School, n: int, year: int, semester: int, class_name: str, status: str = "在學",
             verified_on: str | None = None) -> dict:
    return dict(academic_year=year, semester=semester, national_id=school.student(n),
                student_no=f"113{n:04d}", name=f"學生{n}", grade=1, class_name=class_name, seat_no=n,
                status=status, verified_on=verified_on)


def _vals(eff: dict, year: int, semester: int, role: str, metric: str) -> dict[str, Any]:
    """person_code -> value of one metric."""
    return {k[3]: r["value"] for k, r in eff.items() if k[:3] == (year, semester, role) and k[4] == metric}


def _row(eff: dict, year: int, semester: int, role: str, person: str, metric: str) -> dict[str, Any]:
    return eff[(year, semester, role, person, metric)]


# --- course and homeroom teachers -----------------------------------------------------------------

def _clo(school: School, item_id: str, n: int, uploaded_at: str, cert_status: str = "待認證", *,
         course: str = COURSE_A, certified_at: str | None = None, selected: str = "",
         selected_at: str | None = None, deleted_at: str | None = None, semester: int = 1) -> dict:
    return dict(item_id=item_id, academic_year=113, semester=semester, national_id=school.student(n),
                course_code=course, summary="成果", uploaded_at=uploaded_at, cert_status=cert_status,
                certified_at=certified_at, selected=selected, selected_at=selected_at, deleted_at=deleted_at)


def _mp(school: School, item_id: str, n: int, semester: int | None, uploaded_at: str = "2024-10-01 10:00", *,
        selected: str = "", selected_at: str | None = None, title: str = "班長") -> dict:
    return dict(item_id=item_id, academic_year=113, semester=semester, national_id=school.student(n),
                category="幹部經歷", title=title, uploaded_at=uploaded_at, selected=selected,
                selected_at=selected_at)


def test_course_and_homeroom_teachers_read_teacher_certification_and_class_completion(school: School) -> None:
    school.rules([{"effective_from": 113, "R-CLO-CERT": {"certified_by_due_target": 0.6}}])
    school.add("staff", [
        dict(teacher_code="T01", name="林老師", roles="任課教師,導師"),
        dict(teacher_code="T02", name="張老師", roles="任課教師"),
    ])
    school.add("students", [
        _student(school, 1, 113, 1, "101"),
        _student(school, 2, 113, 1, "101"),
        _student(school, 3, 113, 1, "101"),
        _student(school, 4, 113, 1, "101", "轉出"),
    ])
    school.add("homerooms", [dict(academic_year=113, semester=1, class_name="101", teacher_code="T01")])
    school.add("courses", [
        dict(academic_year=113, semester=1, course_code=COURSE_A, course_name="國語文", credits=4,
             class_name="101", teacher_code="T01", teacher_name="林老師"),
        dict(academic_year=113, semester=1, course_code=COURSE_B, course_name="數學", credits=4,
             class_name="101", teacher_code="T02", teacher_name="張老師"),
    ])
    school.schedule({"113-1": {"clo_upload_due": "2024-11-15", "clo_certify_due": "2024-11-30"}})
    school.add("clo", [
        # decided 2.0 days after upload, by the due dates
        _clo(school, "C1", 1, "2024-10-01 10:00", "認證通過", certified_at="2024-10-03 10:00"),
        # rejected 4.5 days after upload, by the due dates
        _clo(school, "C2", 2, "2024-10-10 00:00", "認證未通過", certified_at="2024-10-14 12:00"),
        # uploaded by the upload due date, still pending
        _clo(school, "C3", 1, "2024-11-10 09:00"),
        # a student who left: still the teacher's work; uploaded late, decided 15 days later
        _clo(school, "C4", 4, "2024-11-20 08:00", "認證通過", certified_at="2024-12-05 08:00"),
    ])
    school.add("mp", [
        _mp(school, "M1", 1, 1),
        _mp(school, "M2", 4, 1),  # a student who left: not the class's
    ])
    school.ingest()
    eff = _eff(school, "2025-01-10")

    # T01: turnaround over decided items C1 2.0, C2 4.5, C4 15.0 -> median 4.5;
    # items uploaded by 11-15: C1, C2, C3; decided by 11-30: C1, C2 -> 2/3 against the 0.6 of the rules.
    turnaround = _row(eff, 113, 1, "course_teacher", "T01", "median_turnaround_days")
    assert (turnaround["value"], turnaround["unit"]) == (4.5, "days")
    assert (turnaround["target"], turnaround["met"]) == (None, None)
    assert turnaround["person_name"] == "林老師"
    by_due = _row(eff, 113, 1, "course_teacher", "T01", "certified_by_due_rate")
    assert by_due["value"] == pytest.approx(2 / 3) and by_due["unit"] == "rate"
    assert (by_due["target"], by_due["met"], by_due["rule_id"]) == (0.6, True, "R-CLO-CERT")
    # T02 teaches a course with no items: nothing to measure, so NULL (and met NULL despite the target).
    t2 = _row(eff, 113, 1, "course_teacher", "T02", "certified_by_due_rate")
    assert (t2["value"], t2["target"], t2["met"]) == (None, 0.6, None)
    assert _row(eff, 113, 1, "course_teacher", "T02", "median_turnaround_days")["value"] is None

    # Homeroom T01, class 101: enrolled 1, 2, 3; CLO from 1 and 2 -> 2/3; MP from 1 -> 1/3; no target.
    clo_rate = _row(eff, 113, 1, "homeroom_teacher", "T01", "clo_upload_rate")
    assert clo_rate["value"] == pytest.approx(2 / 3)
    assert (clo_rate["target"], clo_rate["met"], clo_rate["rule_id"]) == (None, None, "R-NO-FORCE")
    assert _row(eff, 113, 1, "homeroom_teacher", "T01", "mp_upload_rate")["value"] == pytest.approx(1 / 3)

    # One definition: the very numbers of teacher_certification and class_completion.
    for tc in school.query("teacher_certification", as_of="2025-01-10"):
        assert _row(eff, 113, 1, "course_teacher", tc["teacher_code"], "median_turnaround_days")["value"] \
            == tc["median_turnaround_days"]
        assert _row(eff, 113, 1, "course_teacher", tc["teacher_code"], "certified_by_due_rate")["value"] \
            == tc["certified_by_due_rate"]
    (cc,) = school.query("class_completion", as_of="2025-01-10")
    assert clo_rate["value"] == cc["clo_upload_rate"]
    assert _row(eff, 113, 1, "homeroom_teacher", "T01", "mp_upload_rate")["value"] == cc["mp_upload_rate"]

    # Only these rows: no staff holds another role.
    assert sorted(eff) == sorted([
        (113, 1, "course_teacher", "T01", "median_turnaround_days"),
        (113, 1, "course_teacher", "T01", "certified_by_due_rate"),
        (113, 1, "course_teacher", "T02", "median_turnaround_days"),
        (113, 1, "course_teacher", "T02", "certified_by_due_rate"),
        (113, 1, "homeroom_teacher", "T01", "clo_upload_rate"),
        (113, 1, "homeroom_teacher", "T01", "mp_upload_rate"),
    ])


def test_a_homeroom_teacher_of_two_classes_gets_uploaders_over_students_of_both(school: School) -> None:
    school.add("staff", [dict(teacher_code="T01", name="林老師", roles="導師")])
    school.add("students", [
        _student(school, 1, 113, 1, "101"), _student(school, 2, 113, 1, "101"),
        _student(school, 3, 113, 1, "102"), _student(school, 4, 113, 1, "102"), _student(school, 5, 113, 1, "102"),
        _student(school, 6, 113, 1, "103"),
    ])
    school.add("homerooms", [
        dict(academic_year=113, semester=1, class_name="101", teacher_code="T01"),
        dict(academic_year=113, semester=1, class_name="102", teacher_code="T01"),
        dict(academic_year=113, semester=1, class_name="103", teacher_code="T09"),  # not in staff
        dict(academic_year=113, semester=1, class_name="104", teacher_code="T08"),  # no students
    ])
    school.add("clo", [_clo(school, f"C{n}", n, "2024-10-01 10:00") for n in (1, 3, 4, 5)])
    school.ingest()
    eff = _eff(school, "2024-12-01")
    # 101: 1 of 2 uploaded; 102: 3 of 3 -> T01: 4 / 5. No MP at all: 0 / 5.
    assert _vals(eff, 113, 1, "homeroom_teacher", "clo_upload_rate") == {"T01": pytest.approx(0.8), "T09": 0.0,
                                                                          "T08": None}
    assert _vals(eff, 113, 1, "homeroom_teacher", "mp_upload_rate") == {"T01": 0.0, "T09": 0.0, "T08": None}
    assert _row(eff, 113, 1, "homeroom_teacher", "T01", "clo_upload_rate")["person_name"] == "林老師"
    assert _row(eff, 113, 1, "homeroom_teacher", "T09", "clo_upload_rate")["person_name"] is None


# --- registrar clerk ------------------------------------------------------------------------------

def _grade(school: School, n: int, course: str, score: Any, entered_at: str = "2025-01-25 10:00", *,
           year: int = 113, semester: int = 1) -> dict:
    return dict(academic_year=year, semester=semester, national_id=school.student(n), course_code=course,
                score=score, entered_at=entered_at)


def _build_registrar(school: School) -> None:
    school.rules([{"effective_from": 113, "R-ROSTER-VERIFY": {"min_per_semester": 3}}])
    school.add("staff", [
        dict(teacher_code="R1", name="註冊甲", roles="註冊組幹事"),
        dict(teacher_code="R2", name="註冊乙", roles="註冊組幹事", left_on="2024-07-01"),  # left before 113-1
        dict(teacher_code="R3", name="註冊丙", roles="註冊組幹事", hired_on="2025-03-01"),  # from 113-2 on
    ])
    school.add("students", [
        _student(school, 1, 113, 1, "101", verified_on="2024-09-10"),
        _student(school, 2, 113, 1, "101", verified_on="2024-07-20"),  # verified before the term began
        _student(school, 3, 113, 1, "101", verified_on="2024-09-10"),
        _student(school, 4, 113, 1, "101", "轉出", verified_on="2024-09-12"),  # left: not in the rate
        _student(school, 5, 113, 1, "102"),  # never verified
        # 113-2: the only student has graduated by the export: still enrolled in 113-2 (v2), grades due
        _student(school, 1, 113, 2, "101", "畢業", verified_on="2025-03-01"),
    ])
    school.add("courses", [
        dict(academic_year=113, semester=1, course_code=COURSE_A, course_name="國語文", credits=4,
             class_name="101", teacher_code="T01"),
        dict(academic_year=113, semester=1, course_code=COURSE_B, course_name="彈性學習", credits=0,
             class_name="101", teacher_code="T02"),
        dict(academic_year=113, semester=1, course_code=COURSE_C, course_name="國語文", credits=4,
             class_name="102", teacher_code="T01"),
        dict(academic_year=113, semester=1, course_code=COURSE_E, course_name="多元選修", credits=2,
             class_name="901", teacher_code="T03"),
        dict(academic_year=113, semester=2, course_code=COURSE_F, course_name="國語文", credits=4,
             class_name="101", teacher_code="T01"),
    ])
    school.add("grades", [
        _grade(school, 1, COURSE_A, 80),
        _grade(school, 1, COURSE_B, None),        # listed, no score yet
        _grade(school, 1, COURSE_E, 90),          # the elective: an enrolment through 成績名冊
        _grade(school, 2, COURSE_A, 70),          # (2, B): no row, and B (0 credits) expects none
        _grade(school, 3, COURSE_A, 60, "2025-02-10 09:00"),  # entered after the first as_of
        _grade(school, 3, COURSE_B, 75),
        _grade(school, 4, COURSE_A, 50),          # a student who left: not counted
        _grade(school, 5, COURSE_C, 88),
        _grade(school, 1, COURSE_F, 77, "2025-07-20 10:00", semester=2),
    ])
    school.ingest()


def test_registrar_clerk_roster_verification_and_grades_entry(school: School) -> None:
    _build_registrar(school)

    # Before 113-1 ends (2025-01-31): no grades rate yet.
    early = _eff(school, "2025-01-20")
    assert _vals(early, 113, 1, "registrar_clerk", "grades_entered_rate") == {"R1": None}

    eff = _eff(school, "2025-02-05")
    # Only R1 held the duty in 113-1 (R2 had left, R3 not yet hired); 113-2 has begun but has none yet.
    assert {k[3] for k in eff if k[2] == "registrar_clerk" and k[:2] == (113, 1)} == {"R1"}
    # Enrolled 1, 2, 3, 5; verified inside the term: 1 and 3 -> 2/4.
    verified = _row(eff, 113, 1, "registrar_clerk", "R1", "roster_verified")
    assert (verified["value"], verified["unit"], verified["target"], verified["met"]) == (0.5, "rate", None, None)
    assert verified["person_name"] == "註冊甲"
    # Verification dates inside the term, whole roster: 09-10, 09-12 -> 2, short of the 3 the rules ask.
    dates = _row(eff, 113, 1, "registrar_clerk", "R1", "roster_verification_dates")
    assert (dates["value"], dates["unit"], dates["target"], dates["met"]) == (2, "count", 3, False)
    # Enrolments: B has 0 credits, so only its 成績名冊 rows make enrolments (1B, 3B; 2 has none):
    # 1: A, B, E; 2: A; 3: A, B; 5: C -> 7. With a score by 02-05: 1A, 1E, 2A, 3B, 5C -> 5.
    grades = _row(eff, 113, 1, "registrar_clerk", "R1", "grades_entered_rate")
    assert grades["value"] == pytest.approx(5 / 7)
    assert (grades["target"], grades["met"]) == (None, None)

    later = _eff(school, "2025-08-05")
    assert _vals(later, 113, 1, "registrar_clerk", "grades_entered_rate") == {"R1": pytest.approx(6 / 7)}
    # 113-2: R1 and R3 both hold the duty and get the same school-wide figures. The only student
    # graduated: enrolled in 113-2 all the same (metrics.md v2: a 畢業 row counts in its term), and
    # their row was verified on 03-01, inside the term -> 1/1 (v1 counted nobody: NULL); one
    # verification date; the graduate's one enrolment is graded.
    assert _vals(later, 113, 2, "registrar_clerk", "roster_verified") == {"R1": 1.0, "R3": 1.0}
    assert _vals(later, 113, 2, "registrar_clerk", "roster_verification_dates") == {"R1": 1, "R3": 1}
    assert _vals(later, 113, 2, "registrar_clerk", "grades_entered_rate") == {"R1": 1.0, "R3": 1.0}
    assert _row(later, 113, 2, "registrar_clerk", "R3", "roster_verification_dates")["met"] is False


def test_no_one_holding_a_duty_means_no_rows_for_it(school: School) -> None:
    school.add("staff", [dict(teacher_code="X1", name="某人", roles="技術服務組")])
    school.add("students", [_student(school, 1, 113, 1, "101", verified_on="2024-09-10")])
    school.add("attendance", [dict(academic_year=113, semester=1, national_id=school.student(1), absence_code="02",
                                   periods=1, start_date="2024-10-01", entered_at="2024-10-02 08:00")])
    school.ingest()
    assert school.query("effectiveness", as_of="2024-12-01") == []


# --- discipline clerk, activities units, course counsellors ----------------------------------------

def _absence(school: School, n: int, start: str, end: str | None, entered_at: str, code: str = "02") -> dict:
    return dict(academic_year=113, semester=1, national_id=school.student(n), absence_code=code, periods=2,
                start_date=start, end_date=end, entered_at=entered_at)


def _cadre(school: School, n: int, unit: str, start: str | None, entered_at: str, *, role: str = "班長",
           semester: int = 1) -> dict:
    return dict(academic_year=113, semester=semester, national_id=school.student(n), unit="一年一班",
                role=role, start_date=start, entered_by_unit=unit, entered_at=entered_at)


def _session(school: School, session_id: str, n: int, counsellor: str, date: str, mode: str = "團體") -> dict:
    return dict(session_id=session_id, mode=mode, date=date, time="10:00", place="輔導室",
                counsellor_code=counsellor, national_id=school.student(n), content="選課討論")


def test_discipline_clerk_activities_units_and_course_counsellors(school: School) -> None:
    school.add("staff", [
        dict(teacher_code="D1", name="生輔甲", roles="生輔組幹事"),
        dict(teacher_code="K1", name="諮詢甲", roles="課程諮詢教師"),
        dict(teacher_code="K2", name="諮詢乙", roles="課程諮詢教師"),  # no sessions at all
        dict(teacher_code="A1", name="訓育甲", roles="訓育組幹事"),    # measured through the unit
    ])
    school.add("students", [_student(school, n, 113, 1, "101") for n in (1, 2, 3)]
               + [_student(school, 1, 113, 2, "101")])
    school.add("attendance", [
        _absence(school, 1, "2024-10-01", "2024-10-03", "2024-10-05 10:00"),        # 2 days after the end
        _absence(school, 2, "2024-10-07", None, "2024-10-07 16:00"),                # no end: same day, 0
        _absence(school, 1, "2024-11-01", "2024-11-01", "2024-11-11 08:00", "03"),  # 10
        _absence(school, 3, "2024-11-04", "2024-11-05", "2024-11-09 23:59"),        # 4
        _absence(school, 3, "2024-12-02", "2024-12-02", "2025-03-05 08:00"),        # entered after as_of
    ])
    school.add("cadres", [
        _cadre(school, 1, "訓育組", "2024-09-01", "2024-09-11 09:00"),                   # 10
        _cadre(school, 2, "訓育組", "2024-09-01", "2024-09-21 09:00"),                   # 20
        _cadre(school, 3, "訓育組", None, "2024-10-01 09:00"),                           # counted, no lag
        _cadre(school, 1, "活動組", "2024-09-15", "2024-09-16 17:00", role="社長"),       # 1
        _cadre(school, 2, "活動組", "2024-09-15", "2025-03-10 09:00", role="社長"),       # after as_of
        _cadre(school, 1, "訓育組", "2025-02-17", "2025-02-20 09:00", role="副班長", semester=2),  # 3
    ])
    school.add("consultations", [
        _session(school, "G1", 1, "K1", "2024-10-01"),
        _session(school, "G1", 2, "K1", "2024-10-01"),
        _session(school, "G1", 3, "K1", "2024-10-01"),
        _session(school, "I1", 1, "K1", "2024-10-15", "個別"),
        _session(school, "I2", 2, "K3", "2024-11-01", "個別"),  # K3 is not in the staff list
        _session(school, "I3", 2, "K1", "2025-03-20", "個別"),  # after as_of
    ])
    school.ingest()
    eff = _eff(school, "2025-03-01")

    # Lags 2, 0, 10, 4 -> median 3.0; 113-2 has no absences: NULL.
    lag = _row(eff, 113, 1, "discipline_clerk", "D1", "attendance_entry_lag_days")
    assert (lag["value"], lag["unit"], lag["person_name"], lag["met"]) == (3.0, "days", "生輔甲", None)
    assert _vals(eff, 113, 2, "discipline_clerk", "attendance_entry_lag_days") == {"D1": None}

    # Units: 訓育組 3 records, lags 10 and 20 -> 15; 活動組 1 record (the other is after as_of), lag 1.
    assert _vals(eff, 113, 1, "activities_unit", "cadre_records") == {"訓育組": 3, "活動組": 1}
    assert _vals(eff, 113, 1, "activities_unit", "cadre_entry_lag_days") == {"訓育組": 15.0, "活動組": 1.0}
    # 113-2: a unit with no records counts 0 and has no lag.
    assert _vals(eff, 113, 2, "activities_unit", "cadre_records") == {"訓育組": 1, "活動組": 0}
    assert _vals(eff, 113, 2, "activities_unit", "cadre_entry_lag_days") == {"訓育組": 3.0, "活動組": None}
    unit = _row(eff, 113, 1, "activities_unit", "訓育組", "cadre_records")
    assert (unit["person_name"], unit["unit"]) == ("訓育組", "count")
    assert not [k for k in eff if k[2] == "activities_clerk" or k[3] == "A1"]

    # K1: sessions G1, I1 with students 1, 2, 3; K3 (not on staff): I2 with student 2; K2: none.
    assert _vals(eff, 113, 1, "course_counsellor", "consultation_sessions") == {"K1": 2, "K2": 0, "K3": 1}
    assert _vals(eff, 113, 1, "course_counsellor", "students_consulted") == {"K1": 3, "K2": 0, "K3": 1}
    assert _row(eff, 113, 1, "course_counsellor", "K3", "students_consulted")["person_name"] is None
    # 113-2: I3 lies after as_of; K3 held no session and holds no duty there.
    assert _vals(eff, 113, 2, "course_counsellor", "consultation_sessions") == {"K1": 0, "K2": 0}

    # Later, I3 is in.
    later = _eff(school, "2025-04-01")
    assert _vals(later, 113, 2, "course_counsellor", "consultation_sessions") == {"K1": 1, "K2": 0}


# --- submissions and receipts ---------------------------------------------------------------------

def _submission(school: School, batch: str, at: str, by: str, kind: str, item_id: str, n: int) -> dict:
    return dict(batch_id=batch, submitted_at=at, submitted_by=by, kind=kind, item_id=item_id,
                national_id=school.student(n))


def _receipt(school: School, batch: str, kind: str, n: int, received_at: str, semester: int | None,
             **key: Any) -> dict:
    return dict(receipt_batch=batch, academic_year=113, kind=kind, national_id=school.student(n),
                semester=semester, summary="成果", received_at=received_at, **key)


def _build_submissions(school: School) -> None:
    school.rules([{"effective_from": 113, "R-CHECK-LEAD": {"lead_days": 5, "on_time_target": 0.9}}])
    school.add("staff", [
        dict(teacher_code="P1", name="協行甲", roles="學習歷程檔案協行教師"),
        dict(teacher_code="H1", name="訓育長", roles="訓育組長"),
        dict(teacher_code="G1", name="註冊長", roles="註冊組長"),
    ])
    school.add("students", [_student(school, n, 113, 1, "101") for n in (1, 2, 3)])
    school.schedule({"113-1": {"national_due": "2025-03-14"}})  # no 期程 for 113-2
    sel = dict(selected="✓", selected_at="2025-02-20 10:00")
    school.add("clo", [
        _clo(school, "C1", 1, "2024-10-01 10:00", "認證通過", certified_at="2024-10-02 10:00", **sel),
        _clo(school, "C2", 2, "2024-10-01 10:00", "認證通過", certified_at="2024-10-02 10:00", **sel),
        _clo(school, "C3", 3, "2024-10-01 10:00", "認證通過", certified_at="2024-10-02 10:00", **sel),
        _clo(school, "C4", 1, "2024-10-01 10:00", "認證通過", certified_at="2024-10-02 10:00"),
        _clo(school, "C5", 2, "2024-10-01 10:00", "認證通過", certified_at="2024-10-02 10:00",
             deleted_at="2025-06-01 10:00", **sel),
    ])
    school.add("mp", [
        _mp(school, "M1", 1, 1, **sel),
        _mp(school, "M2", 2, None, **sel),  # no 學期: 113-2
        _mp(school, "M3", 3, 1, title="社長", **sel),
    ])
    school.add("submissions", [
        _submission(school, "B1", "2025-03-08 10:00", "P1", "課程學習成果", "C1", 1),  # 6 days before: on time
        _submission(school, "B1", "2025-03-09 23:00", "P1", "課程學習成果", "C5", 2),  # exactly 5: on time
        _submission(school, "B2", "2025-03-10 09:00", "G1", "課程學習成果", "C2", 2),  # 4: late (a proxy sent it)
        _submission(school, "B3", "2025-03-20 09:00", "P1", "課程學習成果", "C2", 2),  # resubmission: not counted
        _submission(school, "B4", "2025-03-01 09:00", "H1", "多元表現", "M1", 1),      # 13: on time
        _submission(school, "B5", "2025-03-13 09:00", "H1", "多元表現", "M3", 3),      # 1: late
        _submission(school, "B6", "2025-05-20 09:00", "H1", "多元表現", "M2", 2),      # after the first as_of
    ])
    school.add("receipts", [
        _receipt(school, "R1", "課程學習成果", 1, "2025-03-25 09:00", 1, course_code=COURSE_A),
        _receipt(school, "R1", "課程學習成果", 2, "2025-03-25 09:00", 1, course_code=COURSE_A),
        _receipt(school, "R1", "課程學習成果", 2, "2025-03-25 09:00", 1, course_code=COURSE_A),
        _receipt(school, "R2", "多元表現", 1, "2025-03-27 09:00", 1, category="幹部經歷", title="班長"),
        _receipt(school, "R2", "多元表現", 3, "2025-03-27 09:00", 1, category="幹部經歷", title="社長"),
        _receipt(school, "R2", "多元表現", 3, "2025-03-27 09:00", None, category="幹部經歷", title="社長"),
        _receipt(school, "R3", "多元表現", 2, "2025-06-01 09:00", None, category="幹部經歷", title="班長"),
    ])
    school.add("confirmations", [
        dict(receipt_batch="R1", national_id=school.student(1), state="確認無誤", confirmed_at="2025-04-01 10:00"),
        dict(receipt_batch="R1", national_id=school.student(2), state="回報有誤", confirmed_at="2025-04-01 10:00",
             report_text="簡述有誤"),
        dict(receipt_batch="R2", national_id=school.student(1), state="確認無誤", confirmed_at="2025-04-02 10:00"),
        dict(receipt_batch="R2", national_id=school.student(3), state="確認無誤", confirmed_at="2025-05-10 10:00"),
        dict(receipt_batch="R3", national_id=school.student(2), state="未確認"),
    ])
    school.ingest()


def test_submissions_on_time_and_selected_items_submitted(school: School) -> None:
    _build_submissions(school)
    eff = _eff(school, "2025-05-01")

    # CLO of 113-1, first submissions: C1 on time, C5 on time (exactly 5 days), C2 late -> 2/3 < 0.9.
    on_time = _row(eff, 113, 1, "portfolio_assistant", "P1", "submitted_on_time_rate")
    assert on_time["value"] == pytest.approx(2 / 3)
    assert (on_time["target"], on_time["met"], on_time["rule_id"]) == (0.9, False, "R-CHECK-LEAD")
    assert "5" in on_time["definition"] and "at least 5 days" in on_time["definition_en"]
    # Live selected CLO: C1, C2, C3 and C5 (deleted only after as_of); submitted: C1, C2, C5 -> 3/4.
    assert _row(eff, 113, 1, "portfolio_assistant", "P1", "selected_submitted_rate")["value"] == pytest.approx(3 / 4)
    # MP of 113-1: M1 on time, M3 late -> 1/2; both selected items submitted -> 1.
    assert _vals(eff, 113, 1, "activities_head", "submitted_on_time_rate") == {"H1": 0.5}
    assert _vals(eff, 113, 1, "activities_head", "selected_submitted_rate") == {"H1": 1.0}
    # 113-2: no 期程 (no national_due) and nothing submitted; M2 selected, not submitted yet; no CLO.
    assert _vals(eff, 113, 2, "activities_head", "submitted_on_time_rate") == {"H1": None}
    assert _vals(eff, 113, 2, "activities_head", "selected_submitted_rate") == {"H1": 0.0}
    assert _vals(eff, 113, 2, "portfolio_assistant", "submitted_on_time_rate") == {"P1": None}
    assert _vals(eff, 113, 2, "portfolio_assistant", "selected_submitted_rate") == {"P1": None}
    assert _row(eff, 113, 2, "portfolio_assistant", "P1", "submitted_on_time_rate")["met"] is None
    # The registrar head who sent one batch as a proxy is not measured on submissions.
    assert not [k for k in eff if k[3] == "G1" and k[4] != "receipts_confirmed_rate"]

    later = _eff(school, "2025-07-01")
    assert _vals(later, 113, 2, "activities_head", "selected_submitted_rate") == {"H1": 1.0}
    # After C5's deletion it is no longer a live selected item: C1, C2, C3 of which C1, C2 sent.
    assert _vals(later, 113, 1, "portfolio_assistant", "selected_submitted_rate") == {"P1": pytest.approx(2 / 3)}


def test_receipts_confirmed_per_student_and_batch(school: School) -> None:
    _build_submissions(school)
    eff = _eff(school, "2025-05-01")
    # CLO, R1 (113-1): students 1 (confirmed) and 2 (reported an error) -> 1/2, for the registrar head.
    head = _row(eff, 113, 1, "registrar_head", "G1", "receipts_confirmed_rate")
    assert (head["value"], head["target"], head["met"], head["person_name"]) == (0.5, None, None, "註冊長")
    # MP, R2 (113-1: the line with no 學期 goes with its batch): 1 confirmed, 3 only after as_of -> 1/2.
    assert _vals(eff, 113, 1, "activities_head", "receipts_confirmed_rate") == {"H1": 0.5}
    # 113-2: R3 not received yet: a rate over nobody.
    assert _vals(eff, 113, 2, "activities_head", "receipts_confirmed_rate") == {"H1": None}
    assert _vals(eff, 113, 2, "registrar_head", "receipts_confirmed_rate") == {"G1": None}

    later = _eff(school, "2025-06-15")
    assert _vals(later, 113, 1, "activities_head", "receipts_confirmed_rate") == {"H1": 1.0}
    assert _vals(later, 113, 2, "activities_head", "receipts_confirmed_rate") == {"H1": 0.0}


def test_terms_not_begun_are_left_out(school: School) -> None:
    school.add("staff", [dict(teacher_code="D1", name="生輔甲", roles="生輔組幹事")])
    school.add("students", [_student(school, 1, 113, 1, "101"), _student(school, 1, 113, 2, "101")])
    school.ingest()
    eff = _eff(school, "2025-01-31")  # the last day of 113-1
    assert sorted(eff) == [(113, 1, "discipline_clerk", "D1", "attendance_entry_lag_days")]
    eff = _eff(school, "2025-02-01")
    assert sorted(k[:2] for k in eff) == [(113, 1), (113, 2)]
