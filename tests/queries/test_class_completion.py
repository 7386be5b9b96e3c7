"""class_completion: per class and term, enrolled students and their live CLO / MP items as of a date."""

from __future__ import annotations

from .school import School

AS_OF = "2024-12-01"
COURSE = "A" * 16 + "0000101"  # 23 characters, as the contract's course codes are

COLUMNS = ("academic_year", "semester", "class_name", "grade", "homeroom_teacher_code",
           "homeroom_teacher_name", "students", "clo_uploaders", "clo_upload_rate", "clo_items",
           "clo_certified", "clo_pending", "clo_rejected", "clo_certified_students", "clo_selected",
           "mp_uploaders", "mp_upload_rate", "mp_items", "mp_selected")


def _student(school: School, n: int, year: int, semester: int, class_name: str, status: str,
             grade: int = 1) -> dict:
    return dict(academic_year=year, semester=semester, national_id=school.student(n),
                student_no=f"113{n:04d}", name=f"學生{n}", grade=grade, class_name=class_name, seat_no=n,
                status=status)


def _clo(school: School, item_id: str, n: int, uploaded_at: str, cert_status: str = "待認證", *,
         certified_at: str | None = None, selected: str = "", selected_at: str | None = None,
         deleted_at: str | None = None, semester: int = 1) -> dict:
    return dict(item_id=item_id, academic_year=113, semester=semester, national_id=school.student(n),
                course_code=COURSE, teacher_code="T01", summary="成果", uploaded_at=uploaded_at,
                cert_status=cert_status, certified_at=certified_at, selected=selected,
                selected_at=selected_at, deleted_at=deleted_at)


def _mp(school: School, item_id: str, n: int, uploaded_at: str, semester: int | None, *,
        selected: str = "", selected_at: str | None = None) -> dict:
    return dict(item_id=item_id, academic_year=113, semester=semester, national_id=school.student(n),
                category="幹部經歷", title="班長", uploaded_at=uploaded_at, selected=selected,
                selected_at=selected_at)


def _build(school: School) -> None:
    school.add("students", [
        # class 101, 113-1: two enrolled, one who transferred out mid-term
        _student(school, 1, 113, 1, "101", "在學"),
        _student(school, 2, 113, 1, "101", "在學"),
        _student(school, 3, 113, 1, "101", "轉出"),
        # class 102, 113-1: every student has left (suspended, withdrawn)
        _student(school, 4, 113, 1, "102", "休學"),
        _student(school, 5, 113, 1, "102", "退學"),
        # 113-2: students 1 and 2 still in 101; no 導師名冊 row for 113-2
        _student(school, 1, 113, 2, "101", "在學"),
        _student(school, 2, 113, 2, "101", "在學"),
    ])
    school.add("homerooms", [
        dict(academic_year=113, semester=1, class_name="101", teacher_code="T01"),
        dict(academic_year=113, semester=1, class_name="102", teacher_code="T02"),  # T02 not in staff
        dict(academic_year=113, semester=1, class_name="103", teacher_code="T03"),  # no roster rows
    ])
    school.add("staff", [
        dict(teacher_code="T01", name="林老師", roles="導師,任課教師"),
        dict(teacher_code="T03", name="張老師", roles="導師"),
    ])
    school.add("clo", [
        _clo(school, "C1", 1, "2024-10-01 10:00", "認證通過", certified_at="2024-10-20 09:00", selected="✓",
             selected_at="2024-11-01 08:00"),                        # certified, selected
        _clo(school, "C2", 1, "2024-10-05 10:00"),                     # pending
        _clo(school, "C3", 1, "2024-10-06 10:00", "認證未通過", certified_at="2024-10-10 10:00"),  # rejected
        _clo(school, "C4", 1, "2024-10-07 10:00", "認證通過", certified_at="2024-10-08 10:00",
             deleted_at="2024-11-01 12:00"),                           # deleted before as_of: gone
        _clo(school, "C5", 2, "2024-10-08 10:00", "認證通過", certified_at="2024-12-10 10:00", selected="✓",
             selected_at="2024-12-11 10:00", deleted_at="2024-12-15 10:00"),
        # C5: deleted, certified and selected only after as_of: live, pending, not selected
        _clo(school, "C6", 2, "2024-12-05 10:00"),                     # uploaded after as_of: not live
        _clo(school, "C7", 3, "2024-10-02 10:00", "認證通過", certified_at="2024-10-03 10:00"),  # left
        _clo(school, "C8", 4, "2024-10-02 10:00"),                     # class 102, student suspended
    ])
    school.add("mp", [
        _mp(school, "M1", 1, "2024-10-01 10:00", 1, selected="✓", selected_at="2024-10-02 10:00"),
        _mp(school, "M2", 2, "2024-11-01 10:00", None),               # no 學期: counts in 113-2
        _mp(school, "M3", 3, "2024-10-01 10:00", 1),                  # student who left
        _mp(school, "M4", 2, "2024-12-20 10:00", 1),                  # uploaded after as_of
    ])
    school.ingest()


def _rows(school: School, as_of: str = AS_OF) -> list[tuple]:
    rows = school.query("class_completion", as_of=as_of, order_by="academic_year, semester, class_name")
    return [tuple(r[c] for c in COLUMNS) for r in rows]


def test_class_completion_counts_enrolled_students_and_their_live_items(school: School) -> None:
    _build(school)
    assert _rows(school) == [
        # 101 113-1: students 1, 2 enrolled (3 left: not counted, nor its C7 / M3).
        # Live CLO of enrolled: C1 (certified, selected), C2 (pending), C3 (rejected), C5 (pending:
        # its certification, selection and deletion all come after as_of). C4 deleted, C6 not yet up.
        # uploaders {1, 2} -> 2/2 = 1.0; certified students {1}; selected {C1}.
        # MP of the term: M1 (student 1, selected); M2 is semester 2, M4 after as_of -> 1/2 = 0.5.
        (113, 1, "101", 1, "T01", "林老師", 2, 2, 1.0, 4, 1, 2, 1, 1, 1, 1, 0.5, 1, 1),
        # 102: everyone left -> students 0, every count 0 (C8 is a suspended student's), rates NULL.
        # Homeroom T02 is not in the staff list -> no name.
        (113, 1, "102", 1, "T02", None, 0, 0, None, 0, 0, 0, 0, 0, 0, 0, None, 0, 0),
        # 103: only in 導師名冊 -> no roster, grade unknown, 0 students, rates NULL.
        (113, 1, "103", None, "T03", "張老師", 0, 0, None, 0, 0, 0, 0, 0, 0, 0, None, 0, 0),
        # 101 113-2: no homeroom row; M2 (no 學期) counts here: 1 MP uploader of 2 -> 0.5.
        (113, 2, "101", 1, None, None, 2, 0, 0.0, 0, 0, 0, 0, 0, 0, 1, 0.5, 1, 0),
    ]


def test_class_completion_moves_with_the_as_of_date(school: School) -> None:
    _build(school)
    # On 2024-12-31: C5 is deleted (2024-12-15) -> student 2 has no live CLO any more; C6 (uploaded
    # 12-05) is live and pending -> student 2 is an uploader again. M4 (12-20) is live -> MP {1, 2}.
    # Live CLO of enrolled in 101: C1, C2, C3, C6 -> certified 1, pending 2, rejected 1.
    rows = _rows(school, "2024-12-31")
    assert rows[0] == (113, 1, "101", 1, "T01", "林老師", 2, 2, 1.0, 4, 1, 2, 1, 1, 1, 2, 1.0, 2, 1)
    # On 2024-10-01: only C1 is up (10:00 that day), not yet certified nor selected; M1 is up but
    # selected only on 10-02.
    rows = _rows(school, "2024-10-01")
    assert rows[0] == (113, 1, "101", 1, "T01", "林老師", 2, 1, 0.5, 1, 0, 1, 0, 0, 0, 1, 0.5, 1, 0)


def test_class_completion_grain_is_unique(school: School) -> None:
    _build(school)
    keys = [(r["academic_year"], r["semester"], r["class_name"]) for r in school.query("class_completion")]
    assert len(keys) == len(set(keys)) == 4


def test_a_grade_3_class_keeps_its_graduates_in_the_term_they_graduate(school: School) -> None:
    """metrics.md v2: enrolled in a term = the term's roster row says 在學 or 畢業. Class 301 in 113-2
    (graduation day 2025-06-06): students 1 and 2 graduated that day, 3 is still 在學 (held back),
    4 transferred out. Student 5 is listed on the 113-2 roster as 畢業 since 2024-06-07 — a
    graduate of an earlier term the export still carries: not enrolled in 113-2 (the graduation
    is dated before the term began on 2025-02-01). Student 6's 畢業 row has no date: counted."""
    def grad(n: int, status: str, changed_on: str | None = None) -> dict:
        return _student(school, n, 113, 2, "301", status, grade=3) | dict(status_changed_on=changed_on)

    school.add("students", [grad(1, "畢業", "2025-06-06"), grad(2, "畢業", "2025-06-06"), grad(3, "在學"),
                            grad(4, "轉出", "2025-03-10"), grad(5, "畢業", "2024-06-07"), grad(6, "畢業")])
    school.add("clo", [_clo(school, "G1", 1, "2025-06-20 10:00", semester=2),   # a graduate's upload after graduation day
                       _clo(school, "G4", 4, "2025-03-01 10:00", semester=2),   # a student who left
                       _clo(school, "G5", 5, "2025-03-01 10:00", semester=2)])  # the earlier graduate
    school.ingest()
    (row,) = _rows(school, "2025-07-10")
    # students {1, 2, 3, 6} = 4 (4 left, 5 graduated a year before); not enrolled {4, 5} = 2.
    # Uploaders among the enrolled: {1} (G1; G4 and G5 are not the class's) -> 1/4 = 0.25.
    assert row == (113, 2, "301", 3, None, None, 4, 1, 0.25, 1, 0, 1, 0, 0, 0, 0, 0.0, 0, 0)
    (raw,) = school.query("class_completion", as_of="2025-07-10")
    assert raw["students_not_enrolled"] == 2
    # The homeroom teacher's list shows the same four, graduates included.
    listed = [r["student_no"] for r in school.query("student_uploads", as_of="2025-07-10")]
    assert listed == ["1130001", "1130002", "1130003", "1130006"]
