"""Cell values: dates (ROC and AD), times, booleans, numbers, codes and choices, as Polars expressions.

Every parser takes a column of text and returns `(value, error)`: the typed value, and a reason code
(or null) for each row whose non-empty text could not be read. Whole columns at once, so a
national-scale file is parsed at the speed of Polars, not of a Python loop.
"""

from __future__ import annotations

from collections.abc import Mapping

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
    return src.str.strip_chars().replace("", None)


_NON_ASCII = r"[^\x00-\x7F]"


def _nfkc_series(s: pl.Series) -> pl.Series:
    """NFKC of the cells that need it: ASCII text is its own NFKC form, and most cells of a code,
    date or number column are ASCII, so only the others are normalised (3-4 times faster)."""
    if s.dtype != pl.String:
        s = s.cast(pl.String)
    # A cell holds a non-ASCII character exactly when it has more bytes than characters (UTF-8):
    # two length counts, several times cheaper than a regex over every cell.
    other = s.str.len_bytes() != s.str.len_chars()
    if not other.any():
        return s
    at = other.arg_true()
    return s.clone().scatter(at, s.gather(at).str.normalize("NFKC"))


def nfkc(src: pl.Expr) -> pl.Expr:
    """`src.str.normalize("NFKC")`, computed for the non-ASCII cells only."""
    return src.map_batches(_nfkc_series, return_dtype=pl.String, is_elementwise=True)


def clean_code(src: pl.Expr) -> pl.Expr:
    """Codes: full-width -> half-width and trimmed; always text, so `0301` keeps its zero."""
    return clean_text(nfkc(src))


# Each parser is a chain of stages over one struct, `pl.field` reading what an earlier stage made,
# so that an intermediate used several times is computed once. As plain nested expressions every
# use recomputes it (a date's regex ran some 20 times per cell, and type_rows repeated each parser
# four times more: a 48,000-row file took 20 s to type). The struct ends with `value` and `error`.
F = pl.field


def _stages(text: pl.Expr) -> pl.Expr:
    """The first stage: the cleaned text, as field `t`."""
    return pl.struct(text.alias("t"))


def _fail(value: pl.Expr, text: pl.Expr, reason: str) -> pl.Expr:
    return pl.when(text.is_not_null() & value.is_null()).then(pl.lit(reason)).otherwise(None)


def _result(stages: pl.Expr, reason: str | None = None) -> pl.Expr:
    """The last stage; with `reason`, its `error` is that reason wherever a given text gave no value."""
    if reason is not None:
        stages = stages.struct.with_fields(_fail(F("value"), F("t"), reason).alias("error"))
    return stages


def _split(parsed: pl.Expr) -> Parsed:
    return parsed.struct.field("value"), parsed.struct.field("error")


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


#: DATE_TIME_RE's groups, and a narrower pattern for the common spellings (a separated date, then
#: nothing, or one space or `T` and H:MM[:SS]): the same groups where both match, but one-pass, so
#: its regex runs 2-3 times faster. Cells it does not match go through DATE_TIME_RE.
_GROUP_NAMES = ("y", "m", "d", "c", "ap1", "H", "M", "S", "ap2")
_GROUPS = pl.Struct({n: pl.String for n in _GROUP_NAMES})
_PLAIN_DATE_TIME_RE = (
    r"^(?P<y>\d{1,4})[/.\-](?P<m>\d{1,2})[/.\-](?P<d>\d{1,2})(?:[ T](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?$"
)


def _date_time_groups(t: pl.Series) -> pl.Series:
    """`t.str.extract_groups(DATE_TIME_RE)`, by the narrower pattern where it matches."""
    plain = t.str.extract_groups(_PLAIN_DATE_TIME_RE)
    groups = plain.struct.unnest().with_columns(
        *[pl.lit(None, dtype=pl.String).alias(n) for n in ("c", "ap1", "ap2")]).select(_GROUP_NAMES)
    rest = (groups["y"].is_null() & t.is_not_null())
    if rest.any():
        at = rest.arg_true()
        full = t.gather(at).str.extract_groups(DATE_TIME_RE).struct.unnest()
        groups = groups.with_columns(
            *[groups[n].clone().scatter(at, full[n]) for n in _GROUP_NAMES])
    return groups.to_struct(t.name)


def datetime_struct(text: pl.Expr) -> pl.Expr:
    """`parse_datetime` as one struct {value, error}."""
    s = _stages(clean_text(nfkc(text)))
    s = s.struct.with_fields(F("t").map_batches(_date_time_groups, return_dtype=_GROUPS, is_elementwise=True)
                             .alias("g"))
    s = s.struct.with_fields(*[F("g").struct.field(n).alias(f"_{n}") for n in _GROUP_NAMES])
    s = s.struct.with_fields(
        F("_c").str.len_chars().alias("clen"),
        pl.coalesce(F("_ap1"), F("_ap2")).alias("ap"),
        F("_H").cast(pl.Int32, strict=False).alias("hour0"),
    )
    clen, compact, y_sep = F("clen"), F("_c"), F("_y")
    year_txt = pl.coalesce(
        y_sep,
        pl.when(clen == 6).then(compact.str.slice(0, 2))
        .when(clen == 7).then(compact.str.slice(0, 3))
        .when(clen == 8).then(compact.str.slice(0, 4)),
    )
    s = s.struct.with_fields(
        year_txt.cast(pl.Int32, strict=False).alias("year0"),
        pl.coalesce(y_sep.str.len_chars() == 4, clen == 8).alias("is_ad"),
        pl.coalesce(F("_m"), compact.str.slice(-4, 2)).alias("month_txt"),
        pl.coalesce(F("_d"), compact.str.slice(-2, 2)).alias("day_txt"),
        # A lone 上午/下午 with no time is not a time; a time with two markers is ambiguous.
        ((F("_ap1").is_not_null() & F("_ap2").is_not_null())
         | (F("ap").is_not_null() & F("hour0").is_null())).alias("bad_marker"),
        _hour_24(F("hour0").fill_null(0), F("ap")).alias("hour"),
        F("_M").cast(pl.Int32, strict=False).fill_null(0).alias("minute"),
        F("_S").cast(pl.Int32, strict=False).fill_null(0).alias("second"),
    )
    s = s.struct.with_fields(pl.when(F("is_ad")).then(F("year0")).otherwise(F("year0") + 1911).alias("year"))
    # The moment from its numbers, where they make one (what strptime of "%Y-%m-%d %H:%M:%S" accepts,
    # a second of 60 included, which it reads as the next minute), at a fifth of the cost of
    # formatting the text and parsing it.
    s = s.struct.with_fields(F("month_txt").cast(pl.Int32, strict=False).alias("month"),
                             F("day_txt").cast(pl.Int32, strict=False).alias("day"))
    year, month, day = F("year"), F("month"), F("day")
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    days_in_month = (pl.when(month == 2).then(28 + leap.cast(pl.Int32))
                     .when(month.is_in([4, 6, 9, 11])).then(30).otherwise(31))
    s = s.struct.with_fields(
        (~F("bad_marker") & year.is_between(MIN_YEAR, 9999) & month.is_between(1, 12)
         & (day >= 1) & (day <= days_in_month) & F("hour").is_between(0, 23)
         & F("minute").is_between(0, 59) & F("second").is_between(0, 60)).fill_null(False).alias("ok"))
    ok = F("ok")

    def safe(field: str, default: int) -> pl.Expr:
        return pl.when(ok).then(F(field)).otherwise(default)

    moment = pl.datetime(safe("year", 2000), safe("month", 1), safe("day", 1), safe("hour", 0),
                         safe("minute", 0), safe("second", 0).clip(upper_bound=59), time_unit="us")
    leap_second = pl.when(F("second") == 60).then(pl.duration(seconds=1)).otherwise(pl.duration(seconds=0))
    s = s.struct.with_fields(pl.when(ok).then(moment + leap_second).otherwise(None).alias("value"))
    return _result(s, "invalid_date")


def parse_datetime(text: pl.Expr) -> Parsed:
    """ROC `111/10/24`, `111-10-24`, `111.10.24`, `1111024`, `991024`; AD `2022/10/24`, `2022-10-24`,
    `20221024`; optionally a time `14:03[:05]` with 上午/下午 (or AM/PM) before or after it."""
    return _split(datetime_struct(text))


def date_struct(text: pl.Expr) -> pl.Expr:
    parsed = datetime_struct(text)
    return parsed.struct.with_fields(F("value").dt.date())


def parse_date(text: pl.Expr) -> Parsed:
    return _split(date_struct(text))


def time_struct(text: pl.Expr) -> pl.Expr:
    s = _stages(clean_text(nfkc(text)))
    s = s.struct.with_fields(F("t").str.extract_groups(TIME_RE).alias("g"))
    s = s.struct.with_fields(
        _hour_24(F("g").struct.field("H").cast(pl.Int32, strict=False),
                 pl.coalesce(F("g").struct.field("ap1"), F("g").struct.field("ap2"))).alias("hour"))
    stamp = pl.format("{}:{}:{}", F("hour").cast(pl.String).str.zfill(2), F("g").struct.field("M"),
                      F("g").struct.field("S").fill_null("00"))
    s = s.struct.with_fields(stamp.str.strptime(pl.Time, "%H:%M:%S", strict=False).alias("value"))
    return _result(s, "invalid_time")


def parse_time(text: pl.Expr) -> Parsed:
    return _split(time_struct(text))


def bool_struct(text: pl.Expr, *, empty_is_false: bool) -> pl.Expr:
    s = _stages(clean_text(nfkc(text)).str.to_uppercase())
    s = s.struct.with_fields(F("t").replace_strict(dict(BOOLEANS), default=None, return_dtype=pl.Boolean)
                             .alias("value"))
    s = s.struct.with_fields(_fail(F("value"), F("t"), "invalid_boolean").alias("error"))
    if empty_is_false:
        s = s.struct.with_fields(pl.when(F("t").is_null()).then(False).otherwise(F("value")).alias("value"))
    return _result(s)


def parse_bool(text: pl.Expr, *, empty_is_false: bool) -> Parsed:
    """是/否, Y/N, TRUE/FALSE, 1/0, ✓/empty. With the ✓ convention an empty cell means no."""
    return _split(bool_struct(text, empty_is_false=empty_is_false))


def number_struct(text: pl.Expr, column: Column, *, integer: bool) -> pl.Expr:
    s = _stages(clean_text(nfkc(text)))
    s = s.struct.with_fields(
        (F("t") == NUMERIC_NONE).fill_null(False).alias("none"),
        F("t").str.replace_all(",", "", literal=True).cast(pl.Float64, strict=False).alias("num"),
    )
    num = F("num")
    # "Not a number" (text, NaN, infinity, a fraction where a whole number is due) is told apart
    # from "a number outside its range".
    not_number = num.is_null() | num.is_nan() | num.is_infinite()
    if integer:
        not_number = not_number | (num != num.round(0))
    s = s.struct.with_fields(not_number.alias("not_number"))
    bad = F("not_number")
    if column.low is not None:
        bad = bad | (num < column.low)
    if column.high is not None:
        bad = bad | (num > column.high)
    s = s.struct.with_fields(bad.alias("bad"), (F("t").is_not_null() & ~F("none")).alias("given"))
    readable = pl.when(F("none")).then(None).when(F("bad").fill_null(True)).then(None).otherwise(num)
    s = s.struct.with_fields(
        (readable.cast(pl.Int64) if integer else readable).alias("value"),
        pl.when(F("given") & F("not_number").fill_null(True)).then(pl.lit("invalid_number"))
        .when(F("given") & F("bad").fill_null(True)).then(pl.lit("out_of_range")).alias("error"),
    )
    return _result(s)


def parse_number(text: pl.Expr, column: Column, *, integer: bool) -> Parsed:
    return _split(number_struct(text, column, integer=integer))


def choice_struct(text: pl.Expr, choices: Mapping[str, str]) -> pl.Expr:
    lookup = {k.lower(): v for k, v in choices.items()}
    s = _stages(clean_text(nfkc(text)))
    s = s.struct.with_fields(F("t").str.to_lowercase().replace_strict(lookup, default=None, return_dtype=pl.String)
                             .alias("value"))
    return _result(s, "invalid_choice")


def parse_choice(text: pl.Expr, choices: Mapping[str, str]) -> Parsed:
    return _split(choice_struct(text, choices))


def roles_struct(text: pl.Expr) -> pl.Expr:
    lookup = {k.lower(): v for k, v in ROLE_CHOICES.items()}
    s = _stages(clean_text(nfkc(text)))
    s = s.struct.with_fields(
        F("t").str.replace_all(r"[,、;；/]+", ",").str.split(",").list.eval(
            pl.element().str.strip_chars().filter(pl.element().str.strip_chars() != "")
            .str.to_lowercase().replace_strict(lookup, default=None, return_dtype=pl.String)
        ).alias("codes"))
    unknown = F("codes").list.eval(pl.element().is_null().any()).list.first()
    s = s.struct.with_fields(
        pl.when(unknown.fill_null(False)).then(None).otherwise(F("codes").list.unique(maintain_order=True))
        .alias("value"))
    return _result(s, "invalid_choice")


def parse_roles(text: pl.Expr) -> Parsed:
    """A comma list (, ，、;) of role codes or Chinese role names -> a list of role codes."""
    return _split(roles_struct(text))


def column_struct(column: Column, text: pl.Expr) -> pl.Expr:
    """The typed value and the error code of one contract column (national IDs are elsewhere), as
    one struct {value, error}: what `type_rows` computes, each column once."""
    kind = column.type
    if kind is ColumnType.TEXT:
        return pl.struct(clean_text(text).alias("value"), pl.lit(None, dtype=pl.String).alias("error"))
    if kind is ColumnType.CODE:
        return pl.struct(clean_code(text).alias("value"), pl.lit(None, dtype=pl.String).alias("error"))
    if kind is ColumnType.INT:
        return number_struct(text, column, integer=True)
    if kind is ColumnType.NUMBER:
        return number_struct(text, column, integer=False)
    if kind is ColumnType.DATE:
        return date_struct(text)
    if kind is ColumnType.DATETIME:
        return datetime_struct(text)
    if kind is ColumnType.TIME:
        return time_struct(text)
    if kind is ColumnType.BOOL:
        return bool_struct(text, empty_is_false=column.required)
    if kind is ColumnType.CHOICE:
        assert column.choices is not None
        parsed = choice_struct(text, column.choices)
        return parsed.struct.with_fields(F("value").cast(pl.Int64)) if column.as_int else parsed
    if kind is ColumnType.ROLES:
        return roles_struct(text)
    raise ValueError(f"no parser for {kind}")


def parse_column(column: Column, text: pl.Expr) -> Parsed:
    """The typed value and the error code of one contract column (national IDs are elsewhere)."""
    return _split(column_struct(column, text))
