"""quota_breaches: students over R-CLO-UPLOAD-MAX, R-CLO-SUBMIT-MAX or R-MP-SUBMIT-MAX.

A tiny school where each student plays one case; expected rows are worked out by hand. The limits
are the shipped defaults (10 uploads per semester, 6 CLO and 10 MP per year) except that the
school's rules file lowers R-CLO-SUBMIT-MAX to 5 from 學年度 114.
"""

from __future__ import annotations

from typing import Any

from .school import School

CC = "113000000000000000PHY01"
GRAIN = ("national_id_hash", "academic_year", "kind", "rule_id")
COLUMNS = ("national_id_hash", "academic_year", "kind", "rule_id", "semester", "count", "limit", "student_no",
           "class_name", "excess", "submitted", "selected_not_submitted", "breached_semesters")


def row(**values: Any) -> dict[str, Any]:
    assert not set(values) - set(COLUMNS), set(values) - set(COLUMNS)
    return {c: values.get(c) for c in COLUMNS}


def clo(item_id: str, n: int, year: int = 113, semester: int = 1, *, uploaded: str = "2024-10-01 10:00",
        selected_at: str | None = None, deleted_at: str | None = None) -> dict[str, Any]:
    return dict(item_id=item_id, academic_year=year, semester=semester, national_id=School.student(n),
                course_code=CC, summary=f"成果 {item_id}", uploaded_at=uploaded, cert_status="認證通過",
                certified_at=uploaded, selected="✓" if selected_at else "", selected_at=selected_at,
                deleted_at=deleted_at)


def mp(item_id: str, n: int, *, selected_at: str | None = "2024-11-10 08:00",
       deleted_at: str | None = None) -> dict[str, Any]:
    return dict(item_id=item_id, academic_year=113, semester=1, national_id=School.student(n), category="團體活動",
                title=f"活動 {item_id}", summary="參與", uploaded_at="2024-10-01 10:00",
                selected="✓" if selected_at else "", selected_at=selected_at, deleted_at=deleted_at)


def submit(kind: str, n: int, item_ids: list[str], at: str = "2024-12-01 10:00") -> list[dict[str, Any]]:
    return [dict(batch_id=f"B-{at[:10]}", submitted_at=at, submitted_by="T01", kind=kind, item_id=i,
                 national_id=School.student(n)) for i in item_ids]


def build(school: School) -> None:
    school.rules([{"effective_from": 114, "R-CLO-SUBMIT-MAX": {"max_per_year": 5}}])
    school.add("students", [
        dict(academic_year=y, semester=s, national_id=school.student(n), student_no=f"113000{n}", name=f"學生{n}",
             grade=1 if y == 113 else 2, seat_no=n, status="在學",
             # student 3 moves from 101 to 105 in 113-2; every class is 20x in 114
             class_name=("105" if (n == 3 and (y, s) == (113, 2)) else "101") if y == 113 else "201")
        for y, s in ((113, 1), (113, 2), (114, 1)) for n in range(1, 7)])
    items: list[dict[str, Any]] = []
    subs: list[dict[str, Any]] = []
    # Student 1, uploads in 113-1: U01-U11 uploaded 2024-10-01, U12 too but deleted 2024-12-01, U13
    # uploaded 2025-01-10. In 113-2 exactly 10 (at the cap). U01-U06 selected and submitted: 6 CLO
    # in 113, exactly R-CLO-SUBMIT-MAX.
    items += [clo(f"U{i:02d}", 1, selected_at="2024-11-10 08:00" if i <= 6 else None) for i in range(1, 12)]
    items += [clo("U12", 1, deleted_at="2024-12-01 08:00"), clo("U13", 1, uploaded="2025-01-10 10:00")]
    items += [clo(f"V{i:02d}", 1, semester=2, uploaded="2025-03-01 10:00") for i in range(1, 11)]
    subs += submit("課程學習成果", 1, [f"U{i:02d}" for i in range(1, 7)])
    # Student 2: 11 uploads in 113-1 and 12 in 113-2: over the cap in both semesters.
    items += [clo(f"W{i:02d}", 2) for i in range(1, 12)]
    items += [clo(f"X{i:02d}", 2, semester=2, uploaded="2025-03-01 10:00") for i in range(1, 13)]
    # Student 3, CLO 113: 5 submitted in 113-1; in 113-2 two more selected (not submitted), one
    # selected then deleted, one selected only on 2026-03-01 (after the as-of date).
    items += [clo(f"S{i}", 3, selected_at="2024-11-10 08:00") for i in range(1, 6)]
    subs += submit("課程學習成果", 3, [f"S{i}" for i in range(1, 6)])
    items += [clo("S6", 3, semester=2, uploaded="2025-03-01 10:00", selected_at="2025-06-01 08:00"),
              clo("S7", 3, semester=2, uploaded="2025-03-01 10:00", selected_at="2025-06-01 08:00"),
              clo("S8", 3, semester=2, uploaded="2025-03-01 10:00", selected_at="2025-06-01 08:00",
                  deleted_at="2025-06-20 08:00"),
              clo("S9", 3, semester=2, uploaded="2025-03-01 10:00", selected_at="2026-03-01 08:00")]
    # Student 4: 6 CLO submitted in 113 (limit 6) and 6 in 114 (limit 5 from the rules file).
    items += [clo(f"Y{i}", 4, selected_at="2024-11-10 08:00") for i in range(1, 7)]
    items += [clo(f"Z{i}", 4, year=114, uploaded="2025-10-01 10:00", selected_at="2025-11-10 08:00")
              for i in range(1, 7)]
    subs += submit("課程學習成果", 4, [f"Y{i}" for i in range(1, 7)])
    subs += submit("課程學習成果", 4, [f"Z{i}" for i in range(1, 7)], at="2025-12-01 10:00")
    school.add("clo", items)
    # MP 113. Student 1: 10 submitted (at the limit). Student 5: 11 selected, none submitted.
    # Student 6: 11 submitted, one of them deleted from the platform since (it was still sent).
    mps = [mp(f"P1-{i:02d}", 1) for i in range(1, 11)]
    mps += [mp(f"P5-{i:02d}", 5) for i in range(1, 12)]
    mps += [mp(f"P6-{i:02d}", 6, deleted_at="2025-01-20 08:00" if i == 11 else None) for i in range(1, 12)]
    school.add("mp", mps)
    subs += submit("多元表現", 1, [f"P1-{i:02d}" for i in range(1, 11)], at="2024-12-02 10:00")
    subs += submit("多元表現", 6, [f"P6-{i:02d}" for i in range(1, 12)], at="2024-12-02 10:00")
    school.add("submissions", subs)
    school.ingest(exported_at="2026-01-31 18:00")


def test_breaches_worked_by_hand(school: School) -> None:
    build(school)
    h = {n: school.hash(school.student(n)) for n in range(1, 7)}
    got = school.query("quota_breaches", as_of="2026-01-31", order_by="national_id_hash, academic_year, rule_id")
    assert got and set(got[0]) == set(COLUMNS)
    assert len({tuple(r[c] for c in GRAIN) for r in got}) == len(got)
    expected = [
        # Student 1, 113-1: U01-U11 and U13 live (U12 deleted) = 12 > 10. 113-2: 10, at the cap: no
        # row. CLO submitted 6 = 6 and MP submitted 10 = 10: no rows.
        row(national_id_hash=h[1], academic_year=113, kind="clo", rule_id="R-CLO-UPLOAD-MAX", semester=1,
            count=12, limit=10, excess=2, student_no="1130001", class_name="101", breached_semesters=[1]),
        # Student 2: 11 in 113-1 and 12 in 113-2, both over 10: one row, the worse semester (2).
        row(national_id_hash=h[2], academic_year=113, kind="clo", rule_id="R-CLO-UPLOAD-MAX", semester=2,
            count=12, limit=10, excess=2, student_no="1130002", class_name="101", breached_semesters=[1, 2]),
        # Student 3, CLO 113: S1-S5 submitted + S6, S7 selected and live = 7 > 6 (S8 deleted, S9
        # selected after the as-of date). Class of 113's newest term (113-2): 105.
        row(national_id_hash=h[3], academic_year=113, kind="clo", rule_id="R-CLO-SUBMIT-MAX", count=7, limit=6,
            excess=1, submitted=5, selected_not_submitted=2, student_no="1130003", class_name="105"),
        # Student 4: 6 in 113 is at that year's limit (6); 6 in 114 is over the rules file's 5.
        row(national_id_hash=h[4], academic_year=114, kind="clo", rule_id="R-CLO-SUBMIT-MAX", count=6, limit=5,
            excess=1, submitted=6, selected_not_submitted=0, student_no="1130004", class_name="201"),
        # Student 5: nothing submitted, 11 selected > 10.
        row(national_id_hash=h[5], academic_year=113, kind="mp", rule_id="R-MP-SUBMIT-MAX", count=11, limit=10,
            excess=1, submitted=0, selected_not_submitted=11, student_no="1130005", class_name="101"),
        # Student 6: 11 submitted > 10, the deleted one included.
        row(national_id_hash=h[6], academic_year=113, kind="mp", rule_id="R-MP-SUBMIT-MAX", count=11, limit=10,
            excess=1, submitted=11, selected_not_submitted=0, student_no="1130006", class_name="101"),
    ]
    assert sorted(got, key=lambda r: (r["national_id_hash"], r["academic_year"], r["rule_id"])) == \
        sorted(expected, key=lambda r: (r["national_id_hash"], r["academic_year"], r["rule_id"]))


def test_as_of_counts_only_what_existed_then(school: School) -> None:
    build(school)
    h1, h3 = school.hash(school.student(1)), school.hash(school.student(3))

    def breaches(as_of: str) -> dict[tuple[str, str], tuple[int, int]]:
        rows = school.query("quota_breaches", as_of=as_of, where=f"national_id_hash IN ('{h1}', '{h3}')")
        return {(("s1" if r["national_id_hash"] == h1 else "s3"), r["rule_id"]): (r["semester"], r["count"])
                for r in rows}

    # 2024-11-15: U01-U12 uploaded and live (U12 deleted only on 12-01): 12 in 113-1.
    assert breaches("2024-11-15") == {("s1", "R-CLO-UPLOAD-MAX"): (1, 12)}
    # 2024-12-31: U12 deleted, U13 not uploaded yet: 11.
    assert breaches("2024-12-31") == {("s1", "R-CLO-UPLOAD-MAX"): (1, 11)}
    # 2025-05-31: student 3 has 5 submitted and S6, S7 not selected yet: 5, no breach.
    # 2025-06-10: S6, S7 and S8 selected and live: 5 + 3 = 8. 2025-06-25: S8 deleted: 7.
    assert ("s3", "R-CLO-SUBMIT-MAX") not in breaches("2025-05-31")
    assert breaches("2025-06-10")[("s3", "R-CLO-SUBMIT-MAX")] == (None, 8)
    assert breaches("2025-06-25")[("s3", "R-CLO-SUBMIT-MAX")] == (None, 7)


def test_no_breach_no_row(school: School) -> None:
    school.add("clo", [clo("C1", 1, selected_at="2024-11-10 08:00")])
    school.ingest()
    assert school.query("quota_breaches") == []
