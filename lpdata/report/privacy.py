"""Small cells (P-SMALL-CELL): counts of 1 to min_n - 1 students, and the rates made from them, are
not shown to the task force, which seats a student and a parent."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import SupportsInt, cast

import duckdb
import polars as pl

from ..errors import ConfigError
from ..store import scalar


def min_students(con: duckdb.DuckDBPyConnection, academic_year: int) -> int:
    """P-SMALL-CELL.min_students in force that 學年度: counts under it are not shown to the task force."""
    value = scalar(con, "SELECT rule_value('P-SMALL-CELL', 'min_students', ?)", [academic_year])
    if value is None:
        raise ConfigError(f"no P-SMALL-CELL.min_students setting in force for {academic_year}")
    return int(cast("str | SupportsInt", value))  # the setting's value: a number, or its text


def small_marker(min_n: int) -> str:
    """What a hidden count shows instead: "<min_n"."""
    return f"<{min_n}"


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
