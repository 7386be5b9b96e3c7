"""Rows read without 身分證號 are tied to their student by 學號 through the roster, before the write.

The roster of a term is the `students` rows of this ingest run (its roster exports with IDs), else
the database's current roster of that term. A hashed ID is never reversed: the lookup is
(學年度, 學期, 學號) -> national_id_hash. A row of a kind without 學期 (or an MP row of the whole
year) looks in every term of its 學年度; a row without 學年度, in every term. No roster row: the row is
quarantined, `unknown_student_no`; roster rows giving the 學號 to two students: `ambiguous_student_no`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import polars as pl

from .readers import Export, SpilledRows
from .readers.partial import RAW, STUDENT_NO
from .readers.rows import REJECT_SCHEMA, SHEET
from .readers.tables import ROW

_ROSTER_COLUMNS = ("academic_year", "semester", "student_no", "national_id_hash")
_ROSTER = {"academic_year": pl.Int64, "semester": pl.Int64, "student_no": pl.String,
           "national_id_hash": pl.String, "_rank": pl.Int32}


def _run_roster(exports: Sequence[Export]) -> pl.DataFrame:
    frames = []
    for e in exports:
        if e.kind.name != "students" or not e.rows.height:
            continue
        rows = e.rows.lazy()  # a frame or its Parquet files (SpilledRows): both read lazily
        frames.append(rows.select("academic_year", "semester", "student_no", "national_id_hash")
                      .filter(pl.col("national_id_hash").is_not_null()).collect())
    if not frames:
        return pl.DataFrame(schema=_ROSTER)
    return pl.concat(frames).with_columns(pl.lit(0, dtype=pl.Int32).alias("_rank")).cast(_ROSTER)  # type: ignore[arg-type]


def tie_student_numbers(exports: Sequence[Export], db_roster: Callable[[], pl.DataFrame]) -> list[Export]:
    """`exports` with every row read by 學號 either given its student's ID hash or quarantined.
    `db_roster()` gives the database's current roster (academic_year, semester, student_no,
    national_id_hash): asked for only when some row needs it."""
    pending = [i for i, e in enumerate(exports) if not isinstance(e.rows, SpilledRows) and STUDENT_NO in e.rows.columns]
    if not pending:
        return list(exports)
    stored = db_roster().select(*_ROSTER_COLUMNS).with_columns(pl.lit(1, dtype=pl.Int32).alias("_rank"))
    roster = pl.concat([_run_roster(exports), stored.cast(_ROSTER)])  # type: ignore[arg-type]
    # Per 學號 and term, the run's roster first, the database's else.
    roster = roster.filter(pl.col("_rank") == pl.col("_rank").min().over("academic_year", "semester", "student_no"))
    out = list(exports)
    for i in pending:
        out[i] = _tie(exports[i], roster)
    return out


def _tie(export: Export, roster: pl.DataFrame) -> Export:
    rows = export.rows
    assert isinstance(rows, pl.DataFrame)
    has_year = "academic_year" in rows.columns
    has_sem = "semester" in rows.columns
    rows = rows.with_row_index("__i")
    frame = rows.select("__i", STUDENT_NO,
                        (pl.col("academic_year") if has_year else pl.lit(None, dtype=pl.Int64)).alias("__y"),
                        (pl.col("semester") if has_sem else pl.lit(None, dtype=pl.Int64)).alias("__s"))
    # Each row against the roster rows of its term (of its year when it has no 學期; of any term
    # when it has no 學年度), then the distinct students those rows name.
    cand = frame.join(roster.rename({"student_no": STUDENT_NO}), on=STUDENT_NO, how="left").filter(
        (pl.col("__y").is_null() | (pl.col("academic_year") == pl.col("__y")))
        & (pl.col("__s").is_null() | (pl.col("semester") == pl.col("__s"))))
    found = cand.group_by("__i").agg(pl.col("national_id_hash").drop_nulls().unique().alias("__h"))
    tied = frame.join(found, on="__i", how="left").with_columns(
        pl.col("__h").list.len().fill_null(0).alias("__n")).sort("__i")
    n = tied["__n"]
    ok = n == 1
    kept = rows.filter(ok).with_columns(
        tied.filter(ok)["__h"].list.first().alias("national_id_hash")).drop("__i", STUDENT_NO, RAW, strict=False)
    bad_rows = rows.filter(~ok)
    if not bad_rows.height:
        return replace(export, rows=kept)
    bad = tied.filter(~ok)
    term = (pl.when(pl.col("__y").is_null()).then(pl.lit("any term"))
            .when(pl.col("__s").is_null()).then(pl.format("{} (either 學期)", pl.col("__y")))
            .otherwise(pl.format("{}-{}", pl.col("__y"), pl.col("__s"))))
    column = (export.kind.column("student_no").header if any(c.name == "student_no" for c in export.kind.columns)
              else "學號")
    rejects = bad.select(
        pl.when(pl.col("__n") == 0).then(pl.lit("unknown_student_no")).otherwise(pl.lit("ambiguous_student_no"))
        .alias("reason"),
        pl.col(STUDENT_NO).alias("value"),
        pl.when(pl.col("__n") == 0).then(pl.format("no roster row of {} has 學號 {}", term, pl.col(STUDENT_NO)))
        .otherwise(pl.format("roster rows of {} give 學號 {} to {} students", term, pl.col(STUDENT_NO),
                             pl.col("__n"))).alias("detail"),
    ).with_columns(
        bad_rows[ROW].alias(ROW), bad_rows[SHEET].alias(SHEET), pl.lit(column).alias("column"),
        (bad_rows[RAW] if RAW in bad_rows.columns else pl.Series([None] * bad_rows.height, dtype=pl.String))
        .alias("raw"),
        pl.lit(None, dtype=pl.String).alias("national_id_hash"),
    ).select(list(REJECT_SCHEMA)).cast(REJECT_SCHEMA)  # type: ignore[arg-type]
    return replace(export, rows=kept, rejects=pl.concat([export.rejects, rejects]))
