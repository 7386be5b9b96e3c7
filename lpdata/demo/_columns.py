"""Column helpers: text columns held as Polars enums (one byte to four per row instead of the text),
so tables of millions of rows stay small until they are written.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import numpy as np
import polars as pl


def enum_table(values: Sequence[str] | pl.Series) -> pl.Series:
    """The distinct values, in first-seen order, as an enum series to gather from."""
    s = pl.Series(values, dtype=pl.String).unique(maintain_order=True).drop_nulls()
    return s.cast(pl.Enum(s.to_list()))


def as_enum(series: pl.Series) -> pl.Series:
    """A text column as an enum of its own distinct values."""
    categories = series.cast(pl.String).unique(maintain_order=True).drop_nulls()
    return series.cast(pl.String).cast(pl.Enum(categories))


def take(table: pl.Series, idx: np.ndarray, name: str, missing: np.ndarray | None = None) -> pl.Series:
    """`table[idx]` as a column (null where `missing`)."""
    out = table.gather(np.asarray(idx)).alias(name)
    if missing is not None and missing.any():
        out = out.set(pl.Series(missing), None)
    return out


def union(columns: list[pl.Series]) -> list[pl.Series]:
    """Enum columns with different categories, re-coded onto one enum of all their categories
    (so they can be stacked), without turning them back into text."""
    tables = [list(cast(pl.Enum, c.dtype).categories) for c in columns]  # enum columns, as the docstring says
    table = pl.Series([v for t in tables for v in t], dtype=pl.String)
    if table.n_unique() != table.len():
        raise ValueError("the enums share categories; union() expects disjoint ones")
    merged = table.cast(pl.Enum(table.to_list()))
    out, offset = [], 0
    for c, t in zip(columns, tables):
        codes = c.to_physical().cast(pl.Int64) + offset
        out.append(merged.gather(codes).alias(c.name))
        offset += len(t)
    return out
