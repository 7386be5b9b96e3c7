"""class_chase_list and class_chase_summary: what each enrolled student still has to do, and the
class's selection (勾選) against the yearly quota, as of a date.

A hand-built 113-1, as of 2024-12-01, with R-CLO-SUBMIT-MAX lowered to 2 a year (R-MP-SUBMIT-MAX
stays 10). Seat numbers run against student numbers, so seat order is visible.
  101 S1 seat 1  C1 certified and selected; M1 selected                          -> nothing missing
  101 S2 seat 2  C13 deleted before as_of, C14 uploaded after it; no MP          -> upload CLO and MP
  101 S3 seat 3  C3 certified, selected only after as_of; C4 pending; M3 not selected
                                                                                 -> select CLO and MP, 1 pending
  101 S4 seat 4  數學 K1: C5 rejected, then C6 (pending): uploaded again; 英語文 K3: C8 rejected,
                 C9 rejected again; 國語文 K2: C7 rejected; M4 has no 學期 (113-2)
                                                                                 -> upload MP, 1 pending,
                                                                                    re-upload 國語文、英語文
  101 S5 seat 5  C12 certified, not selected, but C10 and C11 (113-2) are selected: the year's
                 quota of 2 is reached; M5 selected                              -> nothing missing
  101 S6         transferred out: not listed
  102 S7 seat 1  C15 certified and selected; M7 selected                          -> nothing missing
"""

from __future__ import annotations

from .school import School

AS_OF = "2024-12-01"
K = {n: "C" * 16 + f"{n:07d}" for n in range(1, 4)}  # 23-character course codes


def _student(school: School, n: int, seat: int, class_name: str = "101", status: str = "在學") -> dict:
    return dict(academic_year=113, semester=1, national_id=school.student(n), student_no=f"1130{10 - n:03d}",
                name=f"學生{n}", grade=1, class_name=class_name, seat_no=seat, status=status)


def _clo(school: School, item_id: str, n: int, course: int, uploaded_at: str, cert_status: str = "待認證", *,
         selected_at: str | None = None, deleted_at: str | None = None, semester: int = 1) -> dict:
    decided = cert_status != "待認證"
    return dict(item_id=item_id, academic_year=113, semester=semester, national_id=school.student(n),
                course_code=K[course], teacher_code="T01", summary="成果", uploaded_at=uploaded_at,
                cert_status=cert_status, certified_at="2024-10-20 09:00" if decided else None,
                selected="✓" if selected_at else "", selected_at=selected_at, deleted_at=deleted_at)


def _mp(school: School, item_id: str, n: int, semester: int | None, selected_at: str | None = None) -> dict:
    return dict(item_id=item_id, academic_year=113, semester=semester, national_id=school.student(n),
                category="幹部經歷", title="班長", uploaded_at="2024-10-01 10:00",
                selected="✓" if selected_at else "", selected_at=selected_at)


def _build(school: School) -> None:
    school.rules([{"effective_from": 113, "R-CLO-SUBMIT-MAX": {"max_per_year": 2}}])
    school.add("students", [_student(school, 1, 1), _student(school, 2, 2), _student(school, 3, 3),
                            _student(school, 4, 4), _student(school, 5, 5), _student(school, 6, 6, status="轉出"),
                            _student(school, 7, 1, class_name="102")])
    school.add("courses", [
        dict(academic_year=113, semester=s, course_code=K[c], course_name=name, credits=2, class_name="101",
             teacher_code="T01", teacher_name="林老師")
        for c, name in ((1, "數學"), (2, "國語文"), (3, "英語文")) for s in (1, 2)
    ])
    ok, no = "認證通過", "認證未通過"
    school.add("clo", [
        _clo(school, "C1", 1, 1, "2024-10-01 10:00", ok, selected_at="2024-11-01 08:00"),
        _clo(school, "C13", 2, 1, "2024-10-01 10:00", deleted_at="2024-11-01 10:00"),
        _clo(school, "C14", 2, 1, "2024-12-05 10:00"),
        _clo(school, "C3", 3, 1, "2024-10-01 10:00", ok, selected_at="2024-12-05 10:00"),
        _clo(school, "C4", 3, 2, "2024-10-02 10:00"),
        _clo(school, "C5", 4, 1, "2024-10-01 10:00", no),
        _clo(school, "C6", 4, 1, "2024-10-25 10:00"),
        _clo(school, "C7", 4, 2, "2024-10-01 10:00", no),
        _clo(school, "C8", 4, 3, "2024-10-01 10:00", no),
        _clo(school, "C9", 4, 3, "2024-10-25 10:00", no),
        _clo(school, "C10", 5, 1, "2024-11-01 10:00", ok, selected_at="2024-11-20 10:00", semester=2),
        _clo(school, "C11", 5, 2, "2024-11-01 10:00", ok, selected_at="2024-11-20 10:00", semester=2),
        _clo(school, "C12", 5, 3, "2024-10-01 10:00", ok),
        _clo(school, "C16", 6, 1, "2024-10-01 10:00"),
        _clo(school, "C15", 7, 1, "2024-10-01 10:00", ok, selected_at="2024-11-01 08:00"),
    ])
    school.add("mp", [
        _mp(school, "M1", 1, 1, "2024-10-02 10:00"),
        _mp(school, "M3", 3, 1),
        _mp(school, "M4", 4, None),
        _mp(school, "M5", 5, 1, "2024-10-02 10:00"),
        _mp(school, "M7", 7, 1, "2024-10-02 10:00"),
    ])
    school.ingest("2024-12-01 18:00")


LIST_COLUMNS = ("class_name", "seat_no", "name", "to_upload", "to_select", "clo_pending", "to_reupload",
                "reupload_courses", "needs_action", "clo_items", "clo_certified", "clo_rejected", "clo_selected",
                "clo_selected_year", "clo_select_max", "mp_items", "mp_selected", "mp_selected_year", "mp_select_max")


def test_chase_list_one_row_per_enrolled_student_in_seat_order(school: School) -> None:
    _build(school)
    got = [tuple(r[c] for c in LIST_COLUMNS) for r in school.query("class_chase_list", as_of=AS_OF)]
    assert got == [
        ("101", 1, "學生1", [], [], 0, 0, None, False, 1, 1, 0, 1, 1, 2, 1, 1, 1, 10),
        ("101", 2, "學生2", ["clo", "mp"], [], 0, 0, None, True, 0, 0, 0, 0, 0, 2, 0, 0, 0, 10),
        ("101", 3, "學生3", [], ["clo", "mp"], 1, 0, None, True, 2, 1, 0, 0, 0, 2, 1, 0, 0, 10),
        ("101", 4, "學生4", ["mp"], [], 1, 2, "國語文、英語文", True, 5, 0, 4, 0, 0, 2, 0, 0, 0, 10),
        ("101", 5, "學生5", [], [], 0, 0, None, False, 1, 1, 0, 0, 2, 2, 1, 1, 1, 10),
        ("102", 1, "學生7", [], [], 0, 0, None, False, 1, 1, 0, 1, 1, 2, 1, 1, 1, 10),
    ]


def test_chase_list_as_of_a_later_date(school: School) -> None:
    _build(school)
    # 12-06: S2's C14 is live (pending now), S3's C3 is selected (CLO done; MP still to select).
    got = {r["name"]: (r["to_upload"], r["to_select"], r["clo_pending"])
           for r in school.query("class_chase_list", as_of="2024-12-06", where="class_name = '101'")}
    assert got["學生2"] == (["mp"], [], 1)
    assert got["學生3"] == ([], ["mp"], 1)


def test_chase_summary_counts_the_list_per_class(school: School) -> None:
    _build(school)
    columns = ("class_name", "students", "students_to_chase", "students_to_upload", "students_to_select",
               "students_pending", "students_to_reupload", "clo_selectors", "clo_selected", "clo_can_select", "clo_at_max",
               "clo_select_max", "mp_selectors", "mp_selected", "mp_can_select", "mp_at_max", "mp_select_max")
    got = [tuple(r[c] for c in columns) for r in school.query("class_chase_summary", as_of=AS_OF)]
    assert got == [
        # 101: S2, S3, S4 to chase; S2, S4 to upload; S3 to select; S3, S4 pending; S4 to re-upload. Selected this
        # term: S1's C1; S1, S3, S5 hold a certified item; S5 is at the year's quota of 2.
        # MP: S1 and S5 selected one each; S1, S3, S5 hold an item of 113-1 (S4's is 113-2's).
        ("101", 5, 3, 2, 1, 2, 1, 1, 1, 3, 1, 2, 2, 2, 3, 0, 10),
        ("102", 1, 0, 0, 0, 0, 0, 1, 1, 1, 0, 2, 1, 1, 1, 0, 10),
    ]
    # The same selected items and students as class_completion, its one definition.
    completion = {r["class_name"]: (r["students"], r["clo_selected"], r["mp_selected"])
                  for r in school.query("class_completion", as_of=AS_OF, where="semester = 1")}
    assert completion == {"101": (5, 1, 2), "102": (1, 1, 1)}
