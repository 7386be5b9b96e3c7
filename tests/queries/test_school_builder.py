"""The tiny-school builder itself, and the private building blocks every view reads."""

from __future__ import annotations

from .school import School


def test_roster_and_clo_round_trip_with_as_of(school: School) -> None:
    s1, s2 = school.student(1), school.student(2)
    school.add("students", [
        dict(academic_year=113, semester=1, national_id=s1, student_no="1130001", name="王小明", grade=1,
             class_name="101", seat_no=1, status="在學"),
        dict(academic_year=113, semester=1, national_id=s2, student_no="1130002", name="陳美麗", grade=1,
             class_name="101", seat_no=2, status="轉出"),
    ])
    school.add("clo", [
        dict(item_id="C1", academic_year=113, semester=1, national_id=s1, course_code="X" * 23, summary="報告",
             uploaded_at="113/10/01 10:00", cert_status="認證通過", certified_at="113/10/20 09:00", selected="✓",
             selected_at="2024-11-01 08:00"),
        dict(item_id="C2", academic_year=113, semester=1, national_id=s1, course_code="X" * 23, summary="作品",
             uploaded_at="113/10/15", cert_status="待認證", selected="", deleted_at="2024-10-30 12:00"),
    ])
    school.ingest()
    items = {r["item_id"]: r for r in school.query("_clo_items", as_of="2024-10-16")}
    assert items["C1"]["live"] and items["C1"]["cert_state"] == "pending" and not items["C1"]["selected"]
    assert items["C2"]["live"]  # deleted after as_of: still live
    assert items["C1"]["class_name"] == "101" and items["C1"]["student_no"] == "1130001"
    later = {r["item_id"]: r for r in school.query("_clo_items", as_of="2024-11-01")}
    assert later["C1"]["cert_state"] == "certified" and later["C1"]["selected"]
    assert not later["C2"]["live"]
    enrol = {r["student_no"]: r["enrolled"] for r in school.query("_enrolment")}
    assert enrol == {"1130001": True, "1130002": False}
    assert school.query("_enrolment", where="student_no = '1130001'")[0]["national_id_hash"] == school.hash(s1)


def test_rules_from_an_export_folder_apply_from_their_year(school: School) -> None:
    school.rules([{"effective_from": 114, "R-CLO-SUBMIT-MAX": {"max_per_year": 5}}])
    school.add("meetings", [dict(date="2024-09-12", title="第一次會議")])
    school.ingest()
    rows = school.query("rules_in_force", where="rule_id = 'R-CLO-SUBMIT-MAX' AND academic_year IN (113, 114)",
                        order_by="academic_year")
    assert [(r["academic_year"], r["value"], r["source"]) for r in rows] == [(113, 6.0, "default"),
                                                                            (114, 5.0, "ingested")]
