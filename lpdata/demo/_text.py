"""How values are spelled in the files: ROC and AD dates, clock styles, booleans, and the few bad
cells injected on purpose (a wrong check digit, an impossible date, a word in a number column).

Each file picks one style per column, as a platform would; different files pick differently.
"""

from __future__ import annotations

import re
from typing import Literal

import numpy as np
import polars as pl

from ._ids import break_check_digit
from ._words import NOT_NUMBERS

DateStyle = Literal["roc_slash", "roc_dash", "roc_dot", "roc7", "ad_slash", "ad_dash"]
ClockStyle = Literal["hm", "hms", "ampm", "ampm_hm"]

_MD = {"roc_slash": "/%m/%d", "roc_dash": "-%m-%d", "roc_dot": ".%m.%d", "roc7": "%m%d",
       "ad_slash": "%Y/%m/%d", "ad_dash": "%Y-%m-%d"}


def date_text(col: pl.Expr, style: DateStyle) -> pl.Expr:
    """A date (or the date part of a datetime) in the given style: 113/10/24, 1131024, 2024-10-24 …"""
    if style.startswith("ad_"):
        return col.dt.strftime(_MD[style])
    roc = (col.dt.year() - 1911).cast(pl.String)
    return pl.concat_str([roc, col.dt.strftime(_MD[style])])


def clock_text(col: pl.Expr, style: ClockStyle) -> pl.Expr:
    """The time of a datetime: 14:03, 14:03:05, 下午 02:03:05 or 下午 02:03."""
    if style == "hm":
        return col.dt.strftime("%H:%M")
    if style == "hms":
        return col.dt.strftime("%H:%M:%S")
    marker = pl.when(col.dt.hour() < 12).then(pl.lit("上午 ")).otherwise(pl.lit("下午 "))
    return pl.concat_str([marker, col.dt.strftime("%I:%M:%S" if style == "ampm" else "%I:%M")])


def datetime_text(col: pl.Expr, date: DateStyle, clock: ClockStyle) -> pl.Expr:
    return pl.concat_str([date_text(col, date), pl.lit(" "), clock_text(col, clock)])


def time_text(col: pl.Expr, clock: ClockStyle) -> pl.Expr:
    """A `HH:MM` text column in the file's clock style."""
    if clock in ("hm", "hms"):
        return col if clock == "hm" else pl.concat_str([col, pl.lit(":00")])
    hour = col.str.slice(0, 2).cast(pl.Int32)
    h12 = ((hour + 11) % 12 + 1).cast(pl.String).str.zfill(2)
    marker = pl.when(hour < 12).then(pl.lit("上午 ")).otherwise(pl.lit("下午 "))
    rest = col.str.slice(2, 3) + (pl.lit(":00") if clock == "ampm" else pl.lit(""))
    return pl.concat_str([marker, h12, rest])


def bool_text(col: pl.Expr, spelling: tuple[str, str]) -> pl.Expr:
    return pl.when(col).then(pl.lit(spelling[0])).otherwise(pl.lit(spelling[1]))


# --- bad cells ---------------------------------------------------------------------------------
_DATE_PARTS = (
    (re.compile(r"^(\d+)([/\-.])\d{1,2}\2\d{1,2}"), lambda m: f"{m.group(1)}{m.group(2)}02{m.group(2)}30"),
    (re.compile(r"^(\d{2,3})\d{4}(?=\s|$)"), lambda m: f"{m.group(1)}0230"),
)


def impossible_date(text: str) -> str:
    """The same cell on the 30th of February (113/02/30, 1130230, 2024-02-30 …), time kept."""
    for pattern, repl in _DATE_PARTS:
        spoiled, n = pattern.subn(repl, text, count=1)
        if n:
            return spoiled
    raise ValueError(f"not a date cell: {text!r}")


Spoil = Literal["id", "date", "number"]


def spoil(values: list[str], how: Spoil, rng: np.random.Generator) -> list[str]:
    """Bad versions of some cells, each failing the contract for one reason."""
    if how == "id":
        return break_check_digit(values, rng)
    if how == "date":
        return [impossible_date(v) for v in values]
    return [NOT_NUMBERS[int(i)] for i in rng.integers(0, len(NOT_NUMBERS), len(values))]


#: The reason the readers will give for each kind of spoilt cell.
REASONS: dict[str, str] = {"id": "invalid_national_id", "date": "invalid_date", "number": "invalid_number"}
