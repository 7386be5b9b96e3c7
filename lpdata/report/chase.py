"""The class dashboard's sentences: a deadline said in words, and a dash in the certifier column
explained. Nothing here counts: the figures are class_chase_list / class_chase_summary /
backlog_by_course rows; this only says them to the homeroom teacher.

    chase.deadline_line(t, "clo_select_due", day, term.as_of)   # 成果勾選截止：2026-07-17，還有 3 天。
    chase.upload_deadline_line(t, day, term.as_of)               # the line once the upload date has passed
    chase.explain_certifier(backlog_by_course_rows, t)           # assignee_name never a bare dash
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from .i18n import Strings

#: backlog_by_course.certifier where assignee_name is NULL -> what to say instead of a dash. A
#: proxy or teacher with no name is a code missing from the staff list; the other two are the
#: certifier labels themselves (they say who must act).
_NO_NAME = {"proxy": "class_dashboard.certifier_proxy_unlisted"}


def deadline_line(t: Strings, key: str, day: dt.date | None, as_of: dt.date) -> str:
    """A schedule date by its Chinese (or English) name: days to go, today, or passed."""
    what = t(f"sched.{key}")
    if day is None:
        return t("class_dashboard.due_unknown", what=what)
    if day > as_of:
        return t("class_dashboard.due_ahead", what=what, date=day.isoformat(), n=(day - as_of).days)
    if day == as_of:
        return t("class_dashboard.due_today", what=what, date=day.isoformat())
    return t("class_dashboard.due_passed", what=what, date=day.isoformat())


def upload_deadline_line(t: Strings, day: dt.date | None, as_of: dt.date) -> str:
    """The CLO upload date: once it has passed, a line saying what that means for the list."""
    if day is not None and as_of > day:
        return t("class_dashboard.upload_passed", what=t("sched.clo_upload_due"), date=day.isoformat())
    return deadline_line(t, "clo_upload_due", day, as_of)


def explain_certifier(frame: pl.DataFrame, t: Strings) -> pl.DataFrame:
    """backlog_by_course rows with assignee_name filled where it is NULL, from `certifier` (the
    teacher left and no proxy is named yet, no teacher is known, a proxy missing from the staff
    list); the `certifier` column itself is dropped (it is said in assignee_name now)."""
    if "certifier" not in frame.columns:
        return frame
    texts = {code: (t(_NO_NAME[code]) if code in _NO_NAME else t.value("certifier", code))
             for code in ("teacher", "proxy", "needs_proxy", "teacher_unknown")}
    said = pl.col("certifier").replace_strict(texts, default=t("missing"), return_dtype=pl.String)
    return frame.with_columns(pl.coalesce(pl.col("assignee_name"), said).alias("assignee_name")).drop("certifier")
