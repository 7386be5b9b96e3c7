"""student_uploads: who in a class has uploaded a CLO / MP item of the term, as of a date."""

from __future__ import annotations

from .school import School

COURSE = "X" * 23


def roster(school: School, n: int, status: str = "在學", class_name: str = "101") -> dict:
    return dict(academic_year=113, semester=1, national_id=school.student(n), student_no=f"S{n}", name=f"學生{n}",
                grade=1, class_name=class_name, seat_no=n, status=status)


def clo(school: School, item: str, n: int, uploaded: str, deleted: str | None = None) -> dict:
    return dict(item_id=item, academic_year=113, semester=1, national_id=school.student(n), course_code=COURSE,
                summary="報告", uploaded_at=uploaded, cert_status="待認證", selected="", deleted_at=deleted)


def test_who_has_uploaded_as_of_a_date(school: School) -> None:
    school.add("students", [roster(school, 1), roster(school, 2), roster(school, 3),
                            roster(school, 4, "轉出"), roster(school, 5, class_name="102")])
    school.add("clo", [
        clo(school, "C1", 1, "2024-10-01 10:00"),
        clo(school, "C2", 1, "2024-10-02 10:00"),
        clo(school, "C3", 2, "2024-11-20 10:00"),                      # after the first as-of
        clo(school, "C4", 3, "2024-10-01 10:00", "2024-10-05 10:00"),  # deleted before as-of
        clo(school, "C5", 4, "2024-10-01 10:00"),                      # left: not listed at all
    ])
    school.add("mp", [dict(item_id="M1", academic_year=113, national_id=school.student(1), category="競賽參與",
                           title="科展", uploaded_at="2024-10-01", selected="")])  # no 學期: semester 2
    school.ingest()
    rows = school.query("student_uploads", as_of="2024-11-01")
    got = [(r["class_name"], r["student_no"], r["has_clo"], r["clo_items"], r["has_mp"]) for r in rows]
    # Enrolled in 113-1: 1, 2, 3 (101) and 5 (102); 4 transferred out. As of 11-01: 1 has C1, C2;
    # 2's C3 is not uploaded yet; 3's C4 was deleted; the MP item counts in semester 2.
    assert got == [("101", "S1", True, 2, False), ("101", "S2", False, 0, False), ("101", "S3", False, 0, False),
                   ("102", "S5", False, 0, False)]
    later = {r["student_no"]: r["has_clo"] for r in school.query("student_uploads", as_of="2024-12-01")}
    assert later == {"S1": True, "S2": True, "S3": False, "S5": False}
    # It adds up to class_completion, its one definition of an uploader.
    (c101,) = school.query("class_completion", as_of="2024-12-01", where="class_name = '101'")
    assert (c101["students"], c101["clo_uploaders"]) == (3, 2)
