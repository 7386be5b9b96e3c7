"""Every view's grain is unique on the demo school, and every public view of metrics.md exists with
its columns and shows something there (a view that is always empty on a whole school is broken)."""

from __future__ import annotations

import pytest

from lpdata import connect
from lpdata.views import load_queries

#: metrics.md's views and the columns it names: a public interface.
PUBLIC = {
    "class_completion": ["academic_year", "semester", "class_name", "grade", "homeroom_teacher_code",
                         "homeroom_teacher_name", "students", "clo_uploaders", "clo_upload_rate", "clo_items",
                         "clo_certified", "clo_pending", "clo_rejected", "clo_certified_students", "clo_selected",
                         "mp_uploaders", "mp_upload_rate", "mp_items", "mp_selected"],
    "certification_backlog": ["item_id", "academic_year", "semester", "class_name", "student_no", "course_code",
                              "course_name", "teacher_code", "teacher_name", "uploaded_at", "waiting_days",
                              "certify_due", "days_to_due", "overdue", "teacher_active", "assignee_code",
                              "needs_proxy"],
    "teacher_certification": ["academic_year", "semester", "teacher_code", "pending", "overdue",
                              "oldest_waiting_days", "certified", "rejected", "median_turnaround_days",
                              "certified_by_due_rate"],
    "reconciliation": ["kind", "academic_year", "national_id_hash", "student_no", "class_name", "item_id",
                       "receipt_batch", "receipt_line", "state", "submitted_uncertified"],
    "quota_breaches": ["national_id_hash", "academic_year", "kind", "rule_id", "semester", "count", "limit"],
    "receipt_confirmation": ["receipt_batch", "national_id_hash", "student_no", "class_name", "enrolled", "state",
                             "period_closed", "mail_needed", "lines"],
    "effectiveness": ["academic_year", "semester", "role", "person_code", "metric", "person_name", "unit", "value",
                      "target", "met", "definition"],
    "compliance": ["rule_id", "academic_year", "semester", "status", "evidence"],
    "retention": ["national_id_hash", "student_no", "graduated_on", "seal_until", "state"],
    # Not in metrics.md: the class dashboard's "not uploaded yet" list.
    "student_uploads": ["academic_year", "semester", "national_id_hash", "class_name", "student_no", "name",
                        "has_clo", "has_mp"],
    # Not in metrics.md: the class dashboard's chase list and its class counts (selection, quota).
    "class_chase_list": ["academic_year", "semester", "national_id_hash", "class_name", "seat_no", "student_no",
                         "name", "to_upload", "to_select", "clo_pending", "to_reupload", "reupload_courses",
                         "needs_action"],
    "class_chase_summary": ["academic_year", "semester", "class_name", "students", "students_to_chase",
                            "clo_selectors", "clo_selected", "clo_select_max", "mp_selectors", "mp_selected",
                            "mp_select_max"],
    # Not in metrics.md: the briefing's effectiveness in aggregate.
    "effectiveness_by_role": ["academic_year", "semester", "role", "metric", "people", "people_with_value", "met",
                              "not_met", "target", "median_value", "unit", "definition"],
    "data_quality": ["file", "kind", "rows_read", "rows_loaded", "rows_quarantined", "reason", "example_row"],
    # The paper-mail list: one row per student (metrics.md v2, R-LEFT-MAIL).
    "paper_mail": ["national_id_hash", "student_no", "student_name", "class_name", "receipt_batches", "batches",
                   "lines"],
}
#: Views empty on the demo school's own date for a good reason, and a date on which they are not:
#: the demo's newest export (2026-07-20) comes after every loaded batch's confirmation period.
AS_OF_WITH_ROWS = {"paper_mail": "2026-04-10"}


@pytest.mark.parametrize("view", [q for q in load_queries()], ids=lambda q: q.name)
def test_grain_is_unique_on_the_demo_school(demo_con, view) -> None:
    cols = ", ".join(f'"{c}"' for c in view.grain)
    total = demo_con.execute(f'SELECT count(*) FROM "{view.name}"').fetchall()[0][0]
    distinct = demo_con.execute(f'SELECT count(*) FROM (SELECT DISTINCT {cols} FROM "{view.name}")').fetchall()[0][0]
    assert total == distinct, f"{view.name}: {total} rows, {distinct} distinct ({cols})"


@pytest.mark.parametrize("view", sorted(PUBLIC))
def test_public_view_has_its_columns_and_rows(demo_con, demo_school, view: str) -> None:
    names = {q.name for q in load_queries()}
    assert view in names, f"{view}.sql is missing from queries/"
    cur = demo_con.execute(f'SELECT * FROM "{view}" LIMIT 0')
    columns = [d[0] for d in cur.description]
    cur.fetchall()
    assert set(PUBLIC[view]) <= set(columns), set(PUBLIC[view]) - set(columns)
    if view in AS_OF_WITH_ROWS:
        _, db, _ = demo_school
        other = connect(db, as_of=AS_OF_WITH_ROWS[view], rules_file=False, views=[view])
        try:
            assert other.execute(f'SELECT count(*) FROM "{view}"').fetchall()[0][0] > 0
        finally:
            other.close()
    else:
        assert demo_con.execute(f'SELECT count(*) FROM "{view}"').fetchall()[0][0] > 0


@pytest.mark.parametrize("view", sorted(PUBLIC))
def test_every_column_has_a_chinese_label(demo_con, view: str) -> None:
    from lpdata.labels import zh_labels

    cur = demo_con.execute(f'SELECT * FROM "{view}" LIMIT 0')
    columns = [d[0] for d in cur.description]
    cur.fetchall()
    labels = zh_labels(view, columns)
    assert [c for c in columns if labels[c] == c] == [], "add these to lpdata/labels.py"
    assert len(set(labels.values())) == len(columns)
