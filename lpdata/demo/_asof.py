"""Cut the simulated history at the export moment: the files show the school as of `as_of`.

The builders simulate every event of both years (and beyond, e.g. 114-2's receipts in August);
this module removes or rolls back whatever happens after `exported_at` (dates: after `as_of`), so a
file never holds a future time. Only schedule milestones and proxies' end dates may lie ahead.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from ._calendar import TERMS

Frames = dict[str, pl.DataFrame]


def started_terms(as_of: dt.date) -> list[int]:
    return [t.index for t in TERMS if t.starts <= as_of]


def _keep(frame: pl.DataFrame, condition: pl.Expr) -> pl.DataFrame:
    """Filter, without copying a (large) frame when every row stays."""
    mask = frame.select(condition.fill_null(True)).to_series()
    return frame if mask.all() else frame.filter(mask)


def censor(frames: Frames, as_of: dt.date, exported_at: dt.datetime) -> Frames:
    """The same frames as the school's platforms would export them at `exported_at`.

    Consumes `frames` (each frame is dropped from it once its cut version exists), so a national-
    scale build never holds two copies of a big table."""
    terms = started_terms(as_of)

    def after(col: str) -> pl.Expr:
        return pl.col(col).is_not_null() & (pl.col(col) > exported_at)

    def late(col: str) -> pl.Expr:
        return pl.col(col).is_not_null() & (pl.col(col) > as_of)

    def null(col: str) -> pl.Expr:
        return pl.when(late(col)).then(None).otherwise(pl.col(col)).alias(col)

    in_terms = pl.col("term").is_in(terms)
    out: Frames = {"people": frames.pop("people")}

    out["students"] = _keep(frames.pop("students"), in_terms).with_columns(
        pl.when(late("status_changed_on")).then(pl.lit("在學")).otherwise(pl.col("status")).alias("status"),
        null("status_changed_on"), null("verified_on"),
    )
    courses = frames.pop("courses")
    # Grades exist once entered: a mask over section numbers, looked up per enrolment.
    entered = courses.select(in_terms & (pl.col("grades_entered_at") <= exported_at)).to_series().to_numpy()
    grades = frames.pop("grades")
    mask = entered[grades["section"].to_numpy()]
    out["grades"] = grades if mask.all() else grades.filter(pl.Series(mask))
    # Terms start in order, so this keeps a prefix: row positions still equal `section` numbers.
    out["courses"] = _keep(courses, in_terms)

    clo = _keep(frames.pop("clo"), pl.col("uploaded_at") <= exported_at)
    out["clo"] = clo.with_columns(
        pl.when(after("certified_at")).then(pl.lit("待認證")).otherwise(pl.col("cert_status")).alias("cert_status"),
        *[pl.when(after("certified_at")).then(None).otherwise(pl.col(c)).alias(c)
          for c in ("certified_by", "cert_note", "certified_at")],
        (pl.col("selected") & ~after("selected_at")).alias("selected"),
        pl.when(after("selected_at")).then(None).otherwise(pl.col("selected_at")).alias("selected_at"),
        pl.when(after("deleted_at")).then(None).otherwise(pl.col("deleted_at")).alias("deleted_at"),
    )
    mp = _keep(frames.pop("mp"), pl.col("uploaded_at") <= exported_at)
    out["mp"] = mp.with_columns(
        (pl.col("selected") & ~after("selected_at")).alias("selected"),
        pl.when(after("selected_at")).then(None).otherwise(pl.col("selected_at")).alias("selected_at"),
        pl.when(after("deleted_at")).then(None).otherwise(pl.col("deleted_at")).alias("deleted_at"),
    )
    out["submissions"] = _keep(frames.pop("submissions"), pl.col("submitted_at") <= exported_at)
    out["receipts"] = _keep(frames.pop("receipts"), pl.col("received_at") <= exported_at)
    batches = out["receipts"]["receipt_batch"].unique().implode()
    conf = _keep(frames.pop("confirmations"), pl.col("receipt_batch").is_in(batches))
    unconfirmed = after("confirmed_at")
    unchecked = after("checked_at") | unconfirmed
    out["confirmations"] = conf.with_columns(
        pl.when(unconfirmed).then(pl.lit("未確認")).otherwise(pl.col("state")).alias("state"),
        pl.when(unconfirmed).then(None).otherwise(pl.col("report_text")).alias("report_text"),
        pl.when(unchecked).then(None).otherwise(pl.col("school_finding")).alias("school_finding"),
        pl.when(unchecked).then(None).otherwise(pl.col("checked_at")).alias("checked_at"),
        pl.when(unchecked | after("resubmitted_at")).then(None).otherwise(pl.col("resubmitted_at"))
        .alias("resubmitted_at"),
        pl.when(unconfirmed).then(None).otherwise(pl.col("confirmed_at")).alias("confirmed_at"),
    )
    out["consultations"] = _keep(frames.pop("consultations"), pl.col("entered_at") <= exported_at)
    out["cadres"] = _keep(frames.pop("cadres"), pl.col("entered_at") <= exported_at).with_columns(null("end_date"))
    out["attendance"] = _keep(frames.pop("attendance"), pl.col("entered_at") <= exported_at)
    out["staff"] = _keep(frames.pop("staff"), pl.col("hired_on") <= as_of).with_columns(
        null("left_on"), null("disabled_on"))
    out["homerooms"] = _keep(frames.pop("homerooms"), in_terms)
    out["proxies"] = _keep(frames.pop("proxies"), pl.col("starts_on") <= as_of)
    out["meetings"] = _keep(frames.pop("meetings"), pl.col("date") <= as_of)
    out["trainings"] = _keep(frames.pop("trainings"), pl.col("date") <= as_of)
    out["schedule"] = _keep(frames.pop("schedule"), in_terms)
    return out
