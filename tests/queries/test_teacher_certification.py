"""teacher_certification: per teacher and term, the certification work on their courses' live CLO items."""

from __future__ import annotations

from .school import School

AS_OF = "2024-12-01"
K = {n: "C" * 16 + f"{n:07d}" for n in (1, 2, 3, 9)}  # 23-character course codes; K[9] is in no list

COLUMNS = ("academic_year", "semester", "teacher_code", "teacher_name", "teacher_active", "items", "pending",
           "overdue", "oldest_waiting_days", "certified", "rejected", "median_turnaround_days",
           "items_uploaded_by_due", "decided_by_due", "certified_by_due_rate")


def _clo(school: School, item_id: str, n: int, course: int, uploaded_at: str, cert_status: str = "待認證", *,
         certified_at: str | None = None, deleted_at: str | None = None, teacher_code: str | None = None,
         semester: int = 1) -> dict:
    return dict(item_id=item_id, academic_year=113, semester=semester, national_id=school.student(n),
                course_code=K[course], teacher_code=teacher_code, summary="成果", uploaded_at=uploaded_at,
                cert_status=cert_status, certified_at=certified_at, selected="", deleted_at=deleted_at)


def _build(school: School, *, with_schedule: bool = True) -> None:
    school.add("students", [
        dict(academic_year=113, semester=sem, national_id=school.student(n), student_no=f"113{n:04d}",
             name=f"學生{n}", grade=1, class_name=cls, seat_no=n, status=status)
        for sem, n, cls, status in ((1, 1, "101", "在學"), (1, 2, "101", "在學"), (1, 3, "101", "轉出"),
                                    (1, 4, "102", "在學"), (2, 1, "101", "在學"))
    ])
    school.add("courses", [
        dict(academic_year=113, semester=sem, course_code=K[c], course_name="科目", credits=2, class_name=cls,
             teacher_code=teacher, teacher_name=name)
        for sem, c, cls, teacher, name in (
            (1, 1, "101", "T10", "陳老師"),
            (1, 1, "102", "T15", "鄭老師"),   # the same course code taught by T15 in class 102
            (1, 2, "101", "T11", "李老師"),
            (1, 3, "101", "T13", "吳老師"),   # T13 gets no item at all
            (2, 1, "101", "T10", "陳老師"),
        )
    ])
    school.add("staff", [
        dict(teacher_code="T10", name="陳大文", roles="任課教師"),
        dict(teacher_code="T11", name="李小華", roles="任課教師", left_on="2024-11-15"),
        dict(teacher_code="T13", name="吳明", roles="任課教師"),
    ])
    school.add("clo", [
        # T10 (course K1 in class 101; teacher from courses, the rows carry no code)
        _clo(school, "D1", 1, 1, "2024-10-01 00:00", "認證通過", certified_at="2024-10-03 12:00"),
        _clo(school, "D2", 3, 1, "2024-10-10 00:00", "認證未通過", certified_at="2024-10-11 00:00"),  # left
        _clo(school, "D3", 1, 1, "2024-11-15 20:00", "認證通過", certified_at="2024-12-01 08:00"),
        _clo(school, "D4", 2, 1, "2024-11-20 00:00", "認證通過", certified_at="2024-11-21 00:00"),
        _clo(school, "D5", 2, 1, "2024-11-01 00:00"),
        _clo(school, "D6", 2, 1, "2024-11-02 00:00", "認證通過", certified_at="2024-12-05 00:00"),
        _clo(school, "D7", 1, 1, "2024-10-05 00:00", "認證通過", certified_at="2024-10-06 00:00",
             deleted_at="2024-11-01 00:00"),
        _clo(school, "D8", 1, 1, "2024-10-06 00:00", "認證通過", certified_at="2024-10-08 00:00",
             deleted_at="2024-12-10 00:00"),
        _clo(school, "D9", 1, 1, "2024-12-02 00:00"),
        # the row's own teacher code wins over the course's
        _clo(school, "D10", 1, 1, "2024-10-01 00:00", "認證通過", certified_at="2024-10-01 06:00",
             teacher_code="T98"),
        # T11, who left 11-15: one item uploaded after the upload due date
        _clo(school, "E1", 1, 2, "2024-11-20 00:00", "認證通過", certified_at="2024-11-22 00:00"),
        # T15: K1 in the student's class 102; H2's certification has no time
        _clo(school, "H1", 4, 1, "2024-10-01 00:00", "認證通過", certified_at="2024-10-02 00:00"),
        _clo(school, "H2", 4, 1, "2024-10-05 00:00", "認證通過"),
        # a course in no course list and no teacher code: teacher unknown
        _clo(school, "U1", 1, 9, "2024-10-01 00:00"),
        # 113-2, a term with no 期程
        _clo(school, "G1", 1, 1, "2024-11-25 00:00", semester=2),
        _clo(school, "G2", 1, 1, "2024-11-26 00:00", "認證通過", certified_at="2024-11-27 12:00", semester=2),
    ])
    if with_schedule:
        school.schedule({"113-1": {"clo_upload_due": "2024-11-15", "clo_certify_due": "2024-11-30"}})
    school.ingest()


def _rows(school: School, as_of: str = AS_OF) -> list[tuple]:
    rows = school.query("teacher_certification", as_of=as_of,
                        order_by="academic_year, semester, teacher_code NULLS LAST")
    return [tuple(r[c] for c in COLUMNS) for r in rows]


def test_teacher_certification_as_of_a_date(school: School) -> None:
    _build(school)
    # 113-1: upload due 11-15, certify due 11-30, as_of 12-01 (past the certify due).
    assert _rows(school) == [
        # T10: live D1 D2 D3 D4 D5 D6 D8 = 7 (D7 deleted 11-01, D9 up 12-02; D10 is T98's).
        #  pending: D5, D6 (certified only 12-05) = 2, both overdue; oldest D5 11-01 -> 12-01 = 30.
        #  certified D1 D3 D4 D8 = 4, rejected D2 = 1 (a student who left: still counted).
        #  turnaround: D1 2.5, D2 1.0, D3 15.5 (11-15 20:00 -> 12-01 08:00), D4 1.0, D8 2.0 -> median 2.0.
        #  uploaded by 11-15 (D3 at 20:00 that day counts): D1 D2 D3 D5 D6 D8 = 6; of those decided by
        #  11-30: D1 D2 D8 = 3 (D3 decided 12-01; D4 in time but uploaded late: not counted) -> 0.5.
        (113, 1, "T10", "陳大文", True, 7, 2, 2, 30, 4, 1, 2.0, 6, 3, 0.5),
        # T11 left 11-15: their items still count. E1 uploaded after the upload due -> rate over
        # nobody: NULL. Turnaround 11-20 -> 11-22 = 2.0.
        (113, 1, "T11", "李小華", False, 1, 0, 0, None, 1, 0, 2.0, 0, 0, None),
        # T13 teaches K3, no item: zeros, NULL median and rate.
        (113, 1, "T13", "吳明", True, 0, 0, 0, None, 0, 0, None, 0, 0, None),
        # T15: not in staff (name from courses, taken as active); K1 in class 102 is theirs.
        #  H1 1.0 day; H2 certified with no time: counted certified, no turnaround, not "by due".
        (113, 1, "T15", "鄭老師", True, 2, 0, 0, None, 2, 0, 1.0, 2, 1, 0.5),
        # T98: named by D10's row only; 00:00 -> 06:00 = 0.25 days; uploaded and decided in time.
        (113, 1, "T98", None, True, 1, 0, 0, None, 1, 0, 0.25, 1, 1, 1.0),
        # Unknown teacher: U1 pending, overdue, 10-01 -> 12-01 = 61 days; in the denominator -> 0/1.
        (113, 1, None, None, None, 1, 1, 1, 61, 0, 0, None, 1, 0, 0.0),
        # 113-2 has no 期程: overdue and the due figures are NULL. G1 pending 11-25 -> 12-01 = 6 days;
        # G2 11-26 00:00 -> 11-27 12:00 = 1.5.
        (113, 2, "T10", "陳大文", True, 2, 1, None, 6, 1, 0, 1.5, None, None, None),
    ]


def test_teacher_certification_on_the_certify_due_date(school: School) -> None:
    _build(school)
    # as_of 11-30 = certify due: nothing is overdue yet (as_of > due is false).
    # T10: D3 (decided 12-01) is now pending too: pending D3 D5 D6 = 3; oldest D5 11-01 -> 11-30 = 29.
    #  certified D1 D4 D8 = 3, rejected D2; turnaround 2.5, 1.0, 1.0, 2.0 -> median (1.0 + 2.0) / 2 = 1.5.
    #  uploaded by due 6, decided by due D1 D2 D8 = 3 -> 0.5.
    rows = _rows(school, "2024-11-30")
    assert rows[0] == (113, 1, "T10", "陳大文", True, 7, 3, 0, 29, 3, 1, 1.5, 6, 3, 0.5)
    # as_of 10-02: T10 has D1 only (pending, 1 day), D2 is not up: the rate is 0 of 1 so far.
    # T11 (left only later, no item yet) is active and has nothing.
    rows = {r[2]: r for r in _rows(school, "2024-10-02") if r[1] == 1}
    assert rows["T10"] == (113, 1, "T10", "陳大文", True, 1, 1, 0, 1, 0, 0, None, 1, 0, 0.0)
    assert rows["T11"] == (113, 1, "T11", "李小華", True, 0, 0, 0, None, 0, 0, None, 0, 0, None)


def test_teacher_certification_without_a_schedule(school: School) -> None:
    _build(school, with_schedule=False)
    rows = {(r[1], r[2]): r for r in _rows(school)}
    # No 期程 at all: counts stay, every due-based figure is NULL.
    assert rows[(1, "T10")] == (113, 1, "T10", "陳大文", True, 7, 2, None, 30, 4, 1, 2.0, None, None, None)
    assert rows[(1, "T13")] == (113, 1, "T13", "吳明", True, 0, 0, None, None, 0, 0, None, None, None, None)


def test_teacher_certification_rate_stays_a_fraction(school: School) -> None:
    _build(school)
    for as_of in ("2024-10-02", "2024-11-16", "2024-11-30", AS_OF, "2025-07-31"):
        for r in school.query("teacher_certification", as_of=as_of):
            rate = r["certified_by_due_rate"]
            assert rate is None or 0.0 <= rate <= 1.0, (as_of, r)


def test_teacher_certification_grain_is_unique(school: School) -> None:
    _build(school)
    keys = [(r["academic_year"], r["semester"], r["teacher_code"])
            for r in school.query("teacher_certification", as_of=AS_OF)]
    assert len(keys) == len(set(keys)) == 7
