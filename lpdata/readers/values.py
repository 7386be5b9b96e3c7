"""Cell values: dates (ROC and AD), times, booleans, numbers, codes and choices, as Polars expressions.

Every parser takes a column of text and returns `(value, error)`: the typed value, and a reason code
(or null) for each row whose non-empty text could not be read. Whole columns at once, so a
national-scale file is parsed at the speed of Polars, not of a Python loop.
"""

from __future__ import annotations

from typing import Mapping

import polars as pl

from ..contract import ROLE_CHOICES, Column, ColumnType

Parsed = tuple[pl.Expr, pl.Expr]

#: Words that mark morning/afternoon; they may stand before or after the time.
_AMPM = r"上午|下午|[AaPp][Mm]"
DATE_TIME_RE = (
    r"^(?:(?P<y>\d{1,4})[/.\-](?P<m>\d{1,2})[/.\-](?P<d>\d{1,2})|(?P<c>\d{6,8}))"
    rf"(?:\s*(?P<ap1>{_AMPM})\s*|\s+|T)?"
    rf"(?:(?P<H>\d{{1,2}}):(?P<M>\d{{2}})(?::(?P<S>\d{{2}})(?:\.\d+)?)?\s*(?P<ap2>{_AMPM})?)?$"
)
TIME_RE = (
    rf"^(?:(?P<ap1>{_AMPM})\s*)?(?P<H>\d{{1,2}}):(?P<M>\d{{2}})(?::(?P<S>\d{{2}}))?"
    rf"\s*(?P<ap2>{_AMPM})?$"
)
_TRUE = ("是", "Y", "YES", "TRUE", "T", "1", "✓", "✔", "V", "☑", "O", "勾選", "已勾選")
_FALSE = ("否", "N", "NO", "FALSE", "F", "0", "✗", "X", "☐", "未勾選")
BOOLEANS: Mapping[str, bool] = {**{t: True for t in _TRUE}, **{f: False for f in _FALSE}}
#: `-1` means "none" in numeric fields (exports.md, Missing).
NUMERIC_NONE = "-1"
#: Dates before this AD year are typing errors, not history (a ROC year typed as AD, say).
MIN_YEAR = 1900


def clean_text(src: pl.Expr) -> pl.Expr:
    """Trim; an empty or blank cell is null."""
    s = src.str.strip_chars()
    return pl.when(s.str.len_bytes() == 0).then(None).otherwise(s)


def clean_code(src: pl.Expr) -> pl.Expr:
    """Codes: full-width -> half-width and trimmed; always text, so `0301` keeps its zero."""
    return clean_text(src.str.normalize("NFKC"))


def _fail(value: pl.Expr, text: pl.Expr, reason: str) -> pl.Expr:
    return pl.when(text.is_not_null() & value.is_null()).then(pl.lit(reason)).otherwise(None)


def _hour_24(hour: pl.Expr, ap: pl.Expr) -> pl.Expr:
    pm = ap.is_in(["下午", "PM", "pm", "Pm", "pM"]).fill_null(False)
    am = ap.is_in(["上午", "AM", "am", "Am", "aM"]).fill_null(False)
    # 12 PM is noon, 12 AM midnight; a 13-23 hour with 下午 is already 24-hour (platforms do that).
    return (
        pl.when(pm & (hour < 12)).then(hour + 12)
        .when(am & (hour == 12)).then(0)
        .when((am | pm) & (hour > 12) & am).then(None)
        .otherwise(hour)
    )


def parse_datetime(text: pl.Expr) -> Parsed:
    """ROC `111/10/24`, `111-10-24`, `111.10.24`, `1111024`, `991024`; AD `2022/10/24`, `2022-10-24`,
    `20221024`; optionally a time `14:03[:05]` with 上午/下午 (or AM/PM) before or after it."""
    t = clean_text(text.str.normalize("NFKC"))
    g = t.str.extract_groups(DATE_TIME_RE)
    compact = g.struct.field("c")
    clen = compact.str.len_chars()
    y_sep = g.struct.field("y")
    year_txt = pl.coalesce(
        y_sep,
        pl.when(clen == 6).then(compact.str.slice(0, 2))
        .when(clen == 7).then(compact.str.slice(0, 3))
        .when(clen == 8).then(compact.str.slice(0, 4)),
    )
    month_txt = pl.coalesce(g.struct.field("m"), compact.str.slice(-4, 2))
    day_txt = pl.coalesce(g.struct.field("d"), compact.str.slice(-2, 2))
    is_ad = pl.coalesce(y_sep.str.len_chars() == 4, clen == 8)
    year = year_txt.cast(pl.Int32, strict=False)
    year = pl.when(is_ad).then(year).otherwise(year + 1911)
    hour = g.struct.field("H").cast(pl.Int32, strict=False)
    ap = pl.coalesce(g.struct.field("ap1"), g.struct.field("ap2"))
    # A lone 上午/下午 with no time is not a time; a time with two markers is ambiguous.
    bad_marker = (g.struct.field("ap1").is_not_null() & g.struct.field("ap2").is_not_null()) | (
        ap.is_not_null() & hour.is_null()
    )
    hour = _hour_24(hour.fill_null(0), ap)
    minute = g.struct.field("M").cast(pl.Int32, strict=False).fill_null(0)
    second = g.struct.field("S").cast(pl.Int32, strict=False).fill_null(0)
    stamp = pl.format(
        "{}-{}-{} {}:{}:{}",
        year.cast(pl.String).str.zfill(4), month_txt.str.zfill(2), day_txt.str.zfill(2),
        hour.cast(pl.String).str.zfill(2), minute.cast(pl.String).str.zfill(2),
        second.cast(pl.String).str.zfill(2),
    )
    value = (
        pl.when(bad_marker | (year < MIN_YEAR)).then(None)
        .otherwise(stamp.str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S", strict=False))
    )
    return value, _fail(value, t, "invalid_date")


def parse_date(text: pl.Expr) -> Parsed:
    value, error = parse_datetime(text)
    return value.dt.date(), error


def parse_time(text: pl.Expr) -> Parsed:
    t = clean_text(text.str.normalize("NFKC"))
    g = t.str.extract_groups(TIME_RE)
    hour = g.struct.field("H").cast(pl.Int32, strict=False)
    ap = pl.coalesce(g.struct.field("ap1"), g.struct.field("ap2"))
    hour = _hour_24(hour, ap)
    minute = g.struct.field("M")
    second = g.struct.field("S").fill_null("00")
    stamp = pl.format("{}:{}:{}", hour.cast(pl.String).str.zfill(2), minute, second)
    value = stamp.str.strptime(pl.Time, "%H:%M:%S", strict=False)
    return value, _fail(value, t, "invalid_time")


def parse_bool(text: pl.Expr, *, empty_is_false: bool) -> Parsed:
    """是/否, Y/N, TRUE/FALSE, 1/0, ✓/empty. With the ✓ convention an empty cell means no."""
    t = clean_text(text.str.normalize("NFKC")).str.to_uppercase()
    value = t.replace_strict(dict(BOOLEANS), default=None, return_dtype=pl.Boolean)
    error = _fail(value, t, "invalid_boolean")
    if empty_is_false:
        value = pl.when(t.is_null()).then(False).otherwise(value)
    return value, error


def parse_number(text: pl.Expr, column: Column, *, integer: bool) -> Parsed:
    t = clean_text(text.str.normalize("NFKC"))
    none = t == NUMERIC_NONE
    num = t.str.replace_all(",", "", literal=True).cast(pl.Float64, strict=False)
    # "Not a number" (text, NaN, infinity, a fraction where a whole number is due) is told apart
    # from "a number outside its range".
    not_number = num.is_null() | num.is_nan() | num.is_infinite()
    if integer:
        not_number = not_number | (num != num.round(0))
    bad = not_number
    if column.low is not None:
        bad = bad | (num < column.low)
    if column.high is not None:
        bad = bad | (num > column.high)
    readable = pl.when(none.fill_null(False)).then(None).when(bad.fill_null(True)).then(None).otherwise(num)
    value = readable.cast(pl.Int64) if integer else readable
    given = t.is_not_null() & ~none.fill_null(False)
    error = (
        pl.when(given & not_number.fill_null(True)).then(pl.lit("invalid_number"))
        .when(given & bad.fill_null(True)).then(pl.lit("out_of_range"))
    )
    return value, error


def parse_choice(text: pl.Expr, choices: Mapping[str, str]) -> Parsed:
    t = clean_text(text.str.normalize("NFKC"))
    lookup = {k.lower(): v for k, v in choices.items()}
    value = t.str.to_lowercase().replace_strict(lookup, default=None, return_dtype=pl.String)
    return value, _fail(value, t, "invalid_choice")


def parse_roles(text: pl.Expr) -> Parsed:
    """A comma list (, ，、;) of role codes or Chinese role names -> a list of role codes."""
    t = clean_text(text.str.normalize("NFKC"))
    parts = t.str.replace_all(r"[,、;；/]+", ",").str.split(",")
    lookup = {k.lower(): v for k, v in ROLE_CHOICES.items()}
    codes = parts.list.eval(
        pl.element().str.strip_chars().filter(pl.element().str.strip_chars() != "")
        .str.to_lowercase().replace_strict(lookup, default=None, return_dtype=pl.String)
    )
    unknown = codes.list.eval(pl.element().is_null().any()).list.first()
    value = pl.when(unknown.fill_null(False)).then(None).otherwise(codes.list.unique(maintain_order=True))
    return value, _fail(value, t, "invalid_choice")


def parse_column(column: Column, text: pl.Expr) -> Parsed:
    """The typed value and the error code of one contract column (national IDs are elsewhere)."""
    kind = column.type
    if kind is ColumnType.TEXT:
        value = clean_text(text)
        return value, pl.lit(None, dtype=pl.String)
    if kind is ColumnType.CODE:
        return clean_code(text), pl.lit(None, dtype=pl.String)
    if kind is ColumnType.INT:
        return parse_number(text, column, integer=True)
    if kind is ColumnType.NUMBER:
        return parse_number(text, column, integer=False)
    if kind is ColumnType.DATE:
        return parse_date(text)
    if kind is ColumnType.DATETIME:
        return parse_datetime(text)
    if kind is ColumnType.TIME:
        return parse_time(text)
    if kind is ColumnType.BOOL:
        return parse_bool(text, empty_is_false=column.required)
    if kind is ColumnType.CHOICE:
        assert column.choices is not None
        value, error = parse_choice(text, column.choices)
        return (value.cast(pl.Int64) if column.as_int else value), error
    if kind is ColumnType.ROLES:
        return parse_roles(text)
    raise ValueError(f"no parser for {kind}")
