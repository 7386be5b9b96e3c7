"""From a text body to typed rows and rejected rows (the quarantine), one kind at a time.

A row is rejected, never dropped and never half-kept, when any of its cells cannot be read, a value
the contract requires is empty, it has more cells than the header, or its key repeats an earlier row.
Rejected rows keep their raw cells as JSON with every ID-shaped token masked.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ..contract import DERIVED_TERM, Column, ColumnType, Kind
from .detect import HeaderMatch
from .ids import IdHasher, masked_id_expr, normalized_id_expr, valid_id_expr
from .tables import EXTRA, ROW
from .values import parse_column

SHEET = "_sheet"
PART = "_part"
REJECT_SCHEMA = {
    ROW: pl.Int64, SHEET: pl.String, "column": pl.String, "reason": pl.String,
    "value": pl.String, "detail": pl.String, "raw": pl.String,
    # The row's ID hash when its ID was valid: so a purge can remove a graduate's quarantined rows.
    "national_id_hash": pl.String,
}
#: Human text for each reason code (the code is what data_quality groups by).
REASONS = {
    "invalid_national_id": "not a valid national ID or resident permit (format or check digit)",
    "invalid_date": "not a date (ROC 113/10/24, 1131024 or AD 2024-10-24, optionally a time)",
    "invalid_time": "not a time (14:03, 下午 2:03)",
    "invalid_boolean": "not a yes/no value (是/否, Y/N, TRUE/FALSE, 1/0, ✓)",
    "invalid_number": "not a number",
    "out_of_range": "a number outside the allowed range",
    "invalid_choice": "not one of the allowed values",
    "missing_value": "empty, but the contract requires a value",
    "too_many_fields": "more cells than the header has columns",
    "duplicate_key": "repeats the key of an earlier row",
}
#: An ID-shaped token, half- or full-width (the cells are masked as found, not normalised).
_ID_TOKEN = r"([A-Za-zＡ-Ｚａ-ｚ][A-Da-d0-9Ａ-Ｄａ-ｄ０-９])[0-9０-９]{6}([0-9０-９]{2})"


@dataclass(frozen=True)
class TypedRows:
    rows: pl.DataFrame  # stored columns + _row, _sheet, _part
    rejects: pl.DataFrame  # REJECT_SCHEMA
    rows_read: int
    raw: pl.Series | None = None  # each kept row's raw JSON, in `rows` order (for cross-sheet duplicates)


_EXPECTED_BY_TYPE = {
    ColumnType.NATIONAL_ID: "a national ID or resident permit: a letter, 1/2/8/9 or A-D, eight digits, a valid check digit",
    ColumnType.DATE: "a date like 113/10/24, 1131024 or 2024-10-24",
    ColumnType.DATETIME: "a date and time like 113/10/24 14:03 or 2024-10-24 下午 02:03",
    ColumnType.TIME: "a time like 14:03",
    ColumnType.BOOL: "是/否, Y/N, TRUE/FALSE, 1/0 or ✓",
    ColumnType.INT: "a whole number",
    ColumnType.NUMBER: "a number",
    ColumnType.ROLES: "role codes or names separated by commas",
}


def _expected(col: Column) -> str:
    if col.choices:
        shown = [k for k in col.choices if k != col.choices[k]] or list(col.choices)
        return "one of " + "/".join(shown[:8])
    if col.low is not None or col.high is not None:
        return f"a number from {col.low:g} to {col.high:g}" if col.high is not None else f"a number ≥ {col.low:g}"
    return _EXPECTED_BY_TYPE.get(col.type, col.type.value)


def type_rows(kind: Kind, match: HeaderMatch, body: pl.DataFrame, *, sheet: str | None,
              hasher: IdHasher) -> TypedRows:
    """Parse every contract column of `body` (columns c0..cN, _row, _extra) into typed values."""
    text = {c.name: (pl.col(f"c{match.positions[c.name]}") if c.name in match.positions
                     else pl.lit(None, dtype=pl.String)) for c in kind.columns}
    values: list[pl.Expr] = []
    errors: list[tuple[Column, pl.Expr]] = []
    id_norm: pl.Expr | None = None
    for col in kind.columns:
        src = text[col.name]
        if col.type is ColumnType.NATIONAL_ID:
            norm = normalized_id_expr(src)
            norm = pl.when(norm == "").then(None).otherwise(norm)
            valid = valid_id_expr(norm)
            id_norm = pl.when(valid).then(norm).otherwise(None)
            values.append(id_norm.alias("__id"))
            err = pl.when(norm.is_null()).then(pl.lit("missing_value")).when(~valid).then(
                pl.lit("invalid_national_id")).otherwise(None)
        else:
            value, err = parse_column(col, src)
            values.append(value.alias(col.name))
            if not col.allows_null and not (col.type is ColumnType.BOOL):
                # Empty, or `-1` ("none") in a number: either way no value where one is required.
                err = pl.when(value.is_null() & err.is_null()).then(pl.lit("missing_value")).otherwise(err)
        errors.append((col, err.alias(f"__err_{col.name}")))

    extra_err = pl.when(pl.col(EXTRA).is_not_null() & (pl.col(EXTRA).str.strip_chars() != "")).then(
        pl.lit("too_many_fields"))
    reason = pl.coalesce(extra_err, *[e for _, e in errors])
    column = pl.coalesce(
        pl.when(extra_err.is_not_null()).then(pl.lit(None, dtype=pl.String)),
        *[pl.when(e.is_not_null()).then(pl.lit(match.headers[match.positions[c.name]]
                                               if c.name in match.positions else c.header))
          for c, e in errors],
    )
    expected = pl.coalesce(
        pl.when(extra_err.is_not_null()).then(pl.lit(f"at most {len(match.headers)} cells, as the header has")),
        *[pl.when(e.is_not_null()).then(pl.lit(_expected(c))) for c, e in errors])
    # The offending cell as found (an ID masked: even a mistyped ID is personal data).
    found = pl.coalesce(
        pl.when(extra_err.is_not_null()).then(pl.col(EXTRA)),
        *[pl.when(e.is_not_null()).then(masked_id_expr(text[c.name]) if c.type is ColumnType.NATIONAL_ID
                                         else text[c.name]) for c, e in errors])
    raw = _raw_json(match, body)
    frame = body.select(
        pl.col(ROW), *values, reason.alias("__reason"), column.alias("__column"),
        expected.alias("__expected"), found.alias("__value"), raw.alias("__raw"),
    )
    # Hash the valid IDs (each distinct ID once) and forget the IDs themselves.
    if "__id" in frame.columns:
        frame = frame.with_columns(hasher.hash_column(frame["__id"]).alias("national_id_hash")).drop("__id")
    frame = frame.with_columns(pl.lit(sheet, dtype=pl.String).alias(SHEET))
    frame = _derive_term(kind, frame)

    if kind.key:
        # Among readable rows, the first occurrence of a key is kept; later ones are quarantined
        # and say which row they repeat.
        key = list(kind.key)
        key_headers = ", ".join(kind.column(c).header for c in kind.key)
        # The repeated key as a person reads it; the ID hash means nothing to them, so it is left out.
        key_value = pl.concat_str([pl.col(c).cast(pl.String).fill_null("") for c in key if c != "national_id_hash"]
                                  or [pl.lit("")], separator=" / ")
        ok = pl.col("__reason").is_null()
        frame = frame.with_columns(
            pl.when(ok).then(pl.col(ROW)).min().over(key).alias("__first")
        ).with_columns(
            (ok & (pl.col(ROW) != pl.col("__first"))).fill_null(False).alias("__dup")
        ).with_columns(
            pl.when(pl.col("__dup")).then(pl.lit("duplicate_key")).otherwise(pl.col("__reason")).alias("__reason"),
            pl.when(pl.col("__dup")).then(pl.format("a key no earlier row has (row {} has it)", pl.col("__first")))
            .otherwise(pl.col("__expected")).alias("__expected"),
            pl.when(pl.col("__dup")).then(pl.lit(key_headers)).otherwise(pl.col("__column")).alias("__column"),
            pl.when(pl.col("__dup")).then(key_value).otherwise(pl.col("__value")).alias("__value"),
        ).drop("__first", "__dup")

    good = frame.filter(pl.col("__reason").is_null())
    bad = frame.filter(pl.col("__reason").is_not_null())
    stored = [c.stored_name for c in kind.columns]
    if kind.name in DERIVED_TERM:
        stored += ["academic_year", "semester"]
    part = _part_expr(kind)
    rows = good.select(pl.col(ROW), pl.col(SHEET), *stored).with_columns(part.alias(PART))
    rejects = bad.select(
        pl.col(ROW), pl.col(SHEET), pl.col("__column").alias("column"), pl.col("__reason").alias("reason"),
        pl.col("__value").str.replace_all(_ID_TOKEN, "${1}******${2}").str.slice(0, 200).alias("value"),
        pl.col("__expected").alias("detail"),
        pl.col("__raw").alias("raw"),
        (pl.col("national_id_hash") if "national_id_hash" in bad.columns
         else pl.lit(None, dtype=pl.String)).alias("national_id_hash"),
    ).cast(REJECT_SCHEMA)  # type: ignore[arg-type]
    return TypedRows(rows, rejects, body.height, good["__raw"])


def _raw_json(match: HeaderMatch, body: pl.DataFrame) -> pl.Expr:
    """The row's raw cells by their printed headers: the ID column masked whatever its shape, and
    ID-shaped tokens masked in every other cell."""
    id_positions = {match.positions[c.name] for c in match.kind.columns
                    if c.type is ColumnType.NATIONAL_ID and c.name in match.positions}
    fields = []
    seen: set[str] = set()
    for i, header in enumerate(match.headers):
        name = header or f"column {i + 1}"
        if name in seen or f"c{i}" not in body.columns:
            continue
        seen.add(name)
        cell = masked_id_expr(pl.col(f"c{i}")) if i in id_positions else pl.col(f"c{i}")
        fields.append(cell.alias(name))
    fields.append(pl.col(EXTRA).alias("(extra cells)"))
    # Masked after encoding, never normalised: NFKC would turn a full-width ＂ or ＼ into JSON syntax.
    return pl.struct(fields).struct.json_encode().str.replace_all(_ID_TOKEN, "${1}******${2}")


def _derive_term(kind: Kind, frame: pl.DataFrame) -> pl.DataFrame:
    """Kinds without 學年度/學期 get them from a date: Aug-Jan is semester 1, Feb-Jul semester 2."""
    source = DERIVED_TERM.get(kind.name)
    if source is None:
        return frame
    d = pl.col(source)
    year, month = d.dt.year(), d.dt.month()
    return frame.with_columns(
        pl.when(month >= 8).then(year - 1911).otherwise(year - 1912).cast(pl.Int64).alias("academic_year"),
        pl.when((month >= 8) | (month == 1)).then(1).otherwise(2).cast(pl.Int64).alias("semester"),
    )


def _part_expr(kind: Kind) -> pl.Expr:
    """The partition a row belongs to: its term, its batch, or the whole kind (`*`)."""
    if not kind.partition:
        return pl.lit("*")
    return pl.concat_str([pl.col(c).cast(pl.String).fill_null("") for c in kind.partition], separator="-")


def newest_stamp(kind: Kind, rows: pl.DataFrame) -> "pl.Series | None":
    cols = [c.name for c in kind.columns if c.stamp and c.name in rows.columns]
    if not cols or rows.is_empty():
        return None
    return rows.select(pl.max_horizontal([pl.col(c).cast(pl.Datetime("us")) for c in cols]).alias("s"))["s"]
