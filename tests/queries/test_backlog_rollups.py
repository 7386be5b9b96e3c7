"""backlog_by_course, backlog_by_assignee, backlog_needing_proxy: certification_backlog rolled up as
the class dashboard and the certification backlog report show it.

The school of test_certification_backlog (as of 2024-12-01, every 113-1 item overdue: certify_due
2024-11-30), with three more pending items:
  B12  113-1, 物理 (T14), uploaded 11-25: waits 6 days, beside B4 (30 days)
  B13  113-2, the row names T10 (active), uploaded 11-20: 11 days; 113-2 has no 期程: overdue NULL
  B14  113-2, the row names T13 (disabled on as_of, no proxy in force), uploaded 11-25: 6 days
113-2 has no roster, so B13 and B14 have no class.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .school import School
from .test_certification_backlog import AS_OF, K, _build, _clo


def build(school: School) -> None:
    school.add("clo", [_clo(school, "B12", 1, 4, "2024-11-25 10:00"),
                       _clo(school, "B13", 2, 1, "2024-11-20 10:00", teacher_code="T10", semester=2),
                       _clo(school, "B14", 1, 3, "2024-11-25 10:00", teacher_code="T13", semester=2)])
    _build(school)


def rows(school: School, view: str, columns: tuple[str, ...], order_by: str, where: str | None = None) -> list[tuple[Any, ...]]:
    return [tuple(r[c] for c in columns) for r in school.query(view, as_of=AS_OF, where=where, order_by=order_by)]


def test_backlog_by_course_per_class_course_and_person(school: School) -> None:
    build(school)
    got = rows(school, "backlog_by_course", ("course_code", "course_name", "teacher_name", "assignee_name",
                                             "certifier", "pending", "overdue", "oldest_waiting_days"),
               "course_code, teacher_name", where="academic_year = 113 AND semester = 1 AND class_name = '101'")
    assert got == [
        (K[1], "國語文", "陳大文", "陳大文", "teacher", 1, 1, 61),        # B1
        (K[1], "國語文", "黃代理", "黃代理", "teacher", 1, 1, 0),         # B6: the row's own teacher, another row
        (K[2], "數學", "李小華", "黃代理", "proxy", 1, 1, 11),            # B2: T11 left, T12 certifies
        (K[3], "英語文", "吳明", None, "needs_proxy", 1, 1, 1),           # B3: no proxy in force, nobody named
        (K[4], "物理", "周杰", "周杰", "teacher", 2, 2, 30),              # B4 (30 days) and B12 (6)
        (K[5], "音樂", "外聘老師", "外聘老師", "teacher", 1, 1, 21),      # B5: not in the staff list, the course's name
        (K[6], None, None, None, "teacher_unknown", 1, 1, 6),             # B11: course in no list, teacher unknown
    ]
    # 113-2: B13 and B14 have no class; overdue is unknown (no 期程), so not counted.
    assert rows(school, "backlog_by_course", ("class_name", "course_code", "teacher_name", "pending", "overdue"),
                "course_code", where="academic_year = 113 AND semester = 2") == [
        (None, K[1], "陳大文", 1, 0), (None, K[3], "吳明", 1, 0)]


def test_backlog_by_assignee_counts_the_term_and_earlier_ones(school: School) -> None:
    build(school)
    columns = ("academic_year", "semester", "assignee_code", "assignee_name", "covers_for", "pending", "overdue",
               "oldest_waiting_days")
    assert rows(school, "backlog_by_assignee", columns, "academic_year, semester, assignee_code") == [
        # 113-1: B1 (T10); B2 and B6 (T12, which covers for T11 on B2); B4 and B12 (T14); B5 (T99).
        # B3 and B11 have no assignee.
        (113, 1, "T10", "陳大文", None, 1, 1, 61),
        (113, 1, "T12", "黃代理", "T11", 2, 2, 11),
        (113, 1, "T14", "周杰", None, 2, 2, 30),
        (113, 1, "T99", "外聘老師", None, 1, 1, 21),
        # 113-2 and earlier: B13 joins T10's (not overdue: no 期程). B14 has no assignee.
        (113, 2, "T10", "陳大文", None, 2, 1, 61),
        (113, 2, "T12", "黃代理", "T11", 2, 2, 11),
        (113, 2, "T14", "周杰", None, 2, 2, 30),
        (113, 2, "T99", "外聘老師", None, 1, 1, 21),
    ]


def test_backlog_needing_proxy_counts_the_term_and_earlier_ones(school: School) -> None:
    build(school)
    # T13's account is disabled on as_of and its proxy ended 11-30: B3 (113-1, 1 day), then B14 (113-2, 6).
    assert rows(school, "backlog_needing_proxy", ("academic_year", "semester", "teacher_code", "teacher_name",
                                                  "teacher_inactive_since", "pending", "oldest_waiting_days"),
                "academic_year, semester") == [
        (113, 1, "T13", "吳明", dt.date(2024, 12, 1), 1, 1),
        (113, 2, "T13", "吳明", dt.date(2024, 12, 1), 2, 6),
    ]
