"""effectiveness_by_role: per term, role and metric, how many people have a figure and how many met
the target (the task force's view of the effectiveness review: no person in it).

A tiny school through the real ingest; expected rows worked by hand from the items below. The target
comes from a rules file in the export folder (0.6, not the shipped default), so a literal in the SQL
would show."""

from __future__ import annotations

from typing import Any

import pytest

from .school import School
from .test_effectiveness import COURSE_A, COURSE_B, COURSE_C, _clo, _mp, _student

GRAIN = ("academic_year", "semester", "role", "metric")
COLUMNS = {"academic_year", "semester", "role", "metric", "people", "people_with_value", "met", "not_met",
           "target", "median_value", "unit", "definition", "definition_en", "rule_id", "metric_order"}


def _by_role(school: School, as_of: str) -> dict[tuple, dict[str, Any]]:
    rows = school.query("effectiveness_by_role", as_of=as_of)
    keys = [tuple(r[c] for c in GRAIN) for r in rows]
    assert keys == sorted(keys), "rows are not in grain order"
    assert len(keys) == len(set(keys)), "grain not unique"
    for r in rows:
        assert set(r) == COLUMNS, set(r) ^ COLUMNS
    return dict(zip(keys, rows))


def _figures(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["people"], row["people_with_value"], row["met"], row["not_met"], row["target"], row["median_value"])


def _build(school: School) -> None:
    school.rules([{"effective_from": 113, "R-CLO-CERT": {"certified_by_due_target": 0.6}}])
    school.add("staff", [
        dict(teacher_code="T01", name="林老師", roles="任課教師,導師"),
        dict(teacher_code="T02", name="張老師", roles="任課教師,導師"),
        dict(teacher_code="T03", name="王老師", roles="任課教師"),
    ])
    school.add("students", [
        _student(school, 1, 113, 1, "101"), _student(school, 2, 113, 1, "101"),
        *(_student(school, n, 113, 1, "102") for n in (3, 4, 5, 6)),
    ])
    school.add("homerooms", [
        dict(academic_year=113, semester=1, class_name="101", teacher_code="T01"),
        dict(academic_year=113, semester=1, class_name="102", teacher_code="T02"),
    ])
    school.add("courses", [
        dict(academic_year=113, semester=1, course_code=COURSE_A, course_name="國語文", credits=4,
             class_name="101", teacher_code="T01", teacher_name="林老師"),
        dict(academic_year=113, semester=1, course_code=COURSE_B, course_name="數學", credits=4,
             class_name="101", teacher_code="T02", teacher_name="張老師"),
        dict(academic_year=113, semester=1, course_code=COURSE_C, course_name="英語文", credits=4,
             class_name="102", teacher_code="T03", teacher_name="王老師"),  # no item at all
    ])
    school.schedule({"113-1": {"clo_upload_due": "2024-11-15", "clo_certify_due": "2024-11-30"}})
    school.add("clo", [
        # T01: decided 2.0 days after upload, by the due dates
        _clo(school, "C1", 1, "2024-10-01 10:00", "認證通過", course=COURSE_A, certified_at="2024-10-03 10:00"),
        # T02: uploaded by the upload due date, never decided
        _clo(school, "C2", 2, "2024-10-10 10:00", course=COURSE_B),
    ])
    school.add("mp", [_mp(school, "M1", 3, 1)])
    school.ingest()


def test_people_with_a_figure_and_those_meeting_the_target(school: School) -> None:
    _build(school)
    rows = _by_role(school, "2025-01-10")
    assert sorted(rows) == [
        (113, 1, "course_teacher", "certified_by_due_rate"),
        (113, 1, "course_teacher", "median_turnaround_days"),
        (113, 1, "homeroom_teacher", "clo_upload_rate"),
        (113, 1, "homeroom_teacher", "mp_upload_rate"),
    ]
    # certified_by_due_rate: T01 1/1 = 1.0 (met 0.6), T02 0/1 = 0.0 (not met), T03 nothing to
    # measure (NULL): 3 people, 2 with a figure, 1 met, 1 not; median of 1.0 and 0.0 = 0.5.
    by_due = rows[(113, 1, "course_teacher", "certified_by_due_rate")]
    assert _figures(by_due) == (3, 2, 1, 1, 0.6, 0.5)
    assert (by_due["unit"], by_due["rule_id"]) == ("rate", "R-CLO-CERT")
    # median_turnaround_days has no target: met and not_met NULL; only T01 has a decided item (2.0).
    assert _figures(rows[(113, 1, "course_teacher", "median_turnaround_days")]) == (3, 1, None, None, None, 2.0)
    # Homerooms, no target (R-NO-FORCE): 101 (T01) CLO 2/2 = 1.0, MP 0/2 = 0.0; 102 (T02) CLO 0/4,
    # MP 1/4 = 0.25. Medians: (1.0 + 0.0) / 2 = 0.5 and (0.0 + 0.25) / 2 = 0.125.
    clo = rows[(113, 1, "homeroom_teacher", "clo_upload_rate")]
    assert _figures(clo) == (2, 2, None, None, None, 0.5)
    assert clo["rule_id"] == "R-NO-FORCE"
    assert _figures(rows[(113, 1, "homeroom_teacher", "mp_upload_rate")]) == (2, 2, None, None, None,
                                                                              pytest.approx(0.125))

    # One definition: the per-person view's sentence, unit and order, and its counts add up.
    people = school.query("effectiveness", as_of="2025-01-10")
    for key, row in rows.items():
        mine = [p for p in people if tuple(p[c] for c in GRAIN) == key]
        assert row["people"] == len(mine)
        assert {(p["definition"], p["definition_en"], p["unit"], p["metric_order"]) for p in mine} \
            == {(row["definition"], row["definition_en"], row["unit"], row["metric_order"])}
        if row["target"] is not None:
            assert row["met"] == sum(p["met"] is True for p in mine)
            assert row["met"] + row["not_met"] == row["people_with_value"]


def test_a_target_nobody_met_counts_zero_not_null(school: School) -> None:
    _build(school)
    # As of 10-02, C1 is uploaded and not decided yet: T01 0/1 = 0.0 (not met); C2 is not uploaded
    # yet, so T02, like T03, has nothing to measure.
    by_due = _by_role(school, "2024-10-02")[(113, 1, "course_teacher", "certified_by_due_rate")]
    assert _figures(by_due) == (3, 1, 0, 1, 0.6, 0.0)
