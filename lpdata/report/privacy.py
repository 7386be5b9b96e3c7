"""Small cells (P-SMALL-CELL): counts of 1 to min_n - 1 students, and the rates made from them, are
not shown to the task force, which seats a student and a parent.

A hidden count reads "<min_n" (`small_marker`); a hidden rate reads "—" (`SUPPRESSED_RATE`), never
"<min_n": a rate is no count, and "<3" in a % column reads as "under 3 %". Every page that hides
cells says so in one footnote (`suppressed_note`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import SupportsInt, cast

import duckdb
import polars as pl

from ..errors import ConfigError
from ..store import scalar
from .i18n import Strings


def min_students(con: duckdb.DuckDBPyConnection, academic_year: int) -> int:
    """P-SMALL-CELL.min_students in force that 學年度: counts under it are not shown to the task force."""
    value = scalar(con, "SELECT rule_value('P-SMALL-CELL', 'min_students', ?)", [academic_year])
    if value is None:
        raise ConfigError(f"no P-SMALL-CELL.min_students setting in force for {academic_year}")
    return int(cast("str | SupportsInt", value))  # the setting's value: a number, or its text


def small_marker(min_n: int) -> str:
    """What a hidden count shows instead: "<min_n"."""
    return f"<{min_n}"


#: What a rate made from a hidden count shows: the page's mark for "no value".
SUPPRESSED_RATE = "—"


def suppressed_text(unit: str, min_n: int) -> str:
    """What a hidden value shows in a column of `unit`: "—" for a rate, "<min_n" for a count."""
    return SUPPRESSED_RATE if unit == "rate" else small_marker(min_n)


def suppressed_note(t: Strings, min_n: int) -> str:
    """The footnote of a page that hides small cells: what "<min_n" and a rate's "—" mean (the
    text is i18n's `suppressed_note`, which pages may also read directly)."""
    return t("suppressed_note", n=min_n)


def is_small(count: pl.Expr, min_n: int) -> pl.Expr:
    """A count of 1 to min_n - 1 (0 is not small: nobody is no one's disclosure)."""
    return (count > 0) & (count < min_n)


def suppress_small(frame: pl.DataFrame, count_columns: Sequence[str], min_n: int,
                   rates: Mapping[str, tuple[str, str]] = {}) -> pl.DataFrame:
    """For the task force: every count of students from 1 to min_n - 1 becomes the text "<min_n"
    (count columns turn to text; 0 stays: nobody is no one's disclosure), and a rate is NULL where
    its numerator, its denominator or their difference is such a count (a rate would give it away).
    `rates`: rate column -> (numerator column, denominator column)."""
    if min_n < 1:
        raise ValueError("min_n must be at least 1")
    rate_exprs = [
        pl.when(is_small(pl.col(num), min_n) | is_small(pl.col(den), min_n)
                | is_small(pl.col(den) - pl.col(num), min_n))
        .then(None).otherwise(pl.col(rate)).alias(rate)
        for rate, (num, den) in rates.items()
    ]
    count_exprs = [
        pl.when(is_small(pl.col(c), min_n)).then(pl.lit(small_marker(min_n)))
        .otherwise(pl.col(c).cast(pl.String)).alias(c)
        for c in count_columns
    ]
    return frame.with_columns(rate_exprs).with_columns(count_exprs)
