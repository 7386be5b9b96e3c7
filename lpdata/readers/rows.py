"""From a text body to typed rows and rejected rows (the quarantine), one kind at a time.

A row is rejected, never dropped and never half-kept, when any of its cells cannot be read, a value
the contract requires is empty, it has more cells than the header, or its key repeats an earlier row.
Rejected rows keep their raw cells as JSON with every ID-shaped token masked.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from ..contract import DERIVED_TERM, VALUE_ALIAS_FILE, Column, ColumnType, Kind, value_section
from ..dates import term_columns
from .detect import HeaderMatch
from .ids import IdHasher, masked_id_expr, normalized_id_expr, valid_id_expr
from .notices import find_notices
from .tables import EXTRA, ROW
from .values import F, clean_code, column_struct

SHEET = "_sheet"
PART = "_part"
#: A rejected row's columns. `frame.cast(REJECT_SCHEMA)` carries a `type: ignore[arg-type]`: polars' stubs
#: type cast's mapping as Mapping[name | selector | dtype, ...], and a Mapping's key type is invariant.
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
    "unknown_student_no": "no 身分證號, and no roster row of the term has its 學號",
    "ambiguous_student_no": "no 身分證號, and the roster of the term gives its 學號 to several students",
    "whole_year_semester": "學期 0 (the whole year, as an MP workbook's cover has it) where a semester is needed",
}
#: 學期 0 means the whole year (exports.md v2): no semester where the kind allows none, else this reason.
WHOLE_YEAR = "whole_year_semester"
_WHOLE_YEAR_DETAIL = "學期 1 or 2: 學期 0 means the whole year, and these rows belong to one semester"
#: An ID-shaped token, half- or full-width (the cells are masked as found, not normalised).
_ID_TOKEN = r"([A-Za-zＡ-Ｚａ-ｚ][A-Da-d0-9Ａ-Ｄａ-ｄ０-９])[0-9０-９]{6}([0-9０-９]{2})"


@dataclass(frozen=True)
class TypedRows:
    rows: pl.DataFrame  # stored columns + _row, _sheet, _part
    rejects: pl.DataFrame  # REJECT_SCHEMA
    rows_read: int
    raw: pl.Series | None = None  # each kept row's raw JSON, in `rows` order (for cross-sheet duplicates)
    notices: pl.DataFrame | None = None  # notices.NOTICE_SCHEMA: kept rows' cells needing attention


_EXPECTED_BY_TYPE = {
    ColumnType.NATIONAL_ID: ("a national ID or resident permit: a letter, 1/2/8/9 or A-D, eight digits, "
                             "a valid check digit"),
    ColumnType.DATE: "a date like 113/10/24, 1131024 or 2024-10-24",
    ColumnType.DATETIME: "a date and time like 113/10/24 14:03 or 2024-10-24 下午 02:03",
    ColumnType.TIME: "a time like 14:03",
    ColumnType.BOOL: "是/否, Y/N, TRUE/FALSE, 1/0 or ✓",
    ColumnType.INT: "a whole number",
    ColumnType.NUMBER: "a number",
    ColumnType.ROLES: "role codes or names separated by commas",
}


def _expected(col: Column) -> str:
    if col.choices and len(col.choices) > 40:
        # A national code table (學籍狀態代碼 = the 3-digit 異動代碼): its words and its codes' span.
        codes = sorted(k for k in col.choices if k.isdigit() and len(k) == 3)
        words = [k for k in col.choices if not k.isdigit() and k != col.choices[k]]
        return f"one of {'/'.join(words[:8])} or a code {codes[0]}-{codes[-1]} of the national table"
    if col.choices:
        shown = [k for k in col.choices if k != col.choices[k]] or list(col.choices)
        return "one of " + "/".join(shown[:8])
    if col.low is not None or col.high is not None:
        return f"a number from {col.low:g} to {col.high:g}" if col.high is not None else f"a number ≥ {col.low:g}"
    return _EXPECTED_BY_TYPE.get(col.type, col.type.value)


def _expected_expr(col: Column, found: pl.Expr) -> pl.Expr:
    """What the column expected; for a closed value a school may alias (exports.md v2), also the
    line of `parameters/value_aliases.yaml` that would accept the value found."""
    section = value_section(col.choices) if col.type is ColumnType.CHOICE else None
    if section is None:
        return pl.lit(_expected(col))
    value = _masked(clean_text_expr(found))
    # An empty cell (missing_value) has no value to alias: what the column expects, alone (a format
    # with a null argument would leave the detail empty).
    return pl.when(value.is_null() | (value == "")).then(pl.lit(_expected(col))).otherwise(
        pl.format(f"{_expected(col)}; to accept '{{}}', add under {section}: in {VALUE_ALIAS_FILE} "
                  "the line  {}: <the value it means>", value, value))


def clean_text_expr(found: pl.Expr) -> pl.Expr:
    return found.str.strip_chars()


#: A column is parsed value by value (each distinct text once, then joined back) when it has at
#: most this share of distinct texts: 學年度, 學期, choices, flags, scores, and in a big file the IDs
#: and the timestamps repeat a lot. A 1,000,000-row batch of grades types 3 times faster so.
DISTINCT_SHARE = 0.5
DISTINCT_MIN_ROWS = 20_000


def _parse(body: pl.DataFrame, names: list[str], parsed: list[tuple[str | None, pl.Expr]],
           hasher: IdHasher) -> pl.DataFrame:
    """`body` with each column's value (as `names[i]`) and error (`__e{i}`) added. `parsed[i]`: the
    source column (None: always parse directly) and the struct {value, error} it parses into. The
    national ID (`__id`), when parsed by distinct text, comes back already hashed
    (`national_id_hash`)."""
    direct: list[pl.Expr] = []
    by_text: list[tuple[int, str, pl.Expr]] = []
    for i, (src, p) in enumerate(parsed):
        if src is not None and body.height >= DISTINCT_MIN_ROWS:
            by_text.append((i, src, p))
        else:
            direct.append(p.alias(f"__p{i}"))
    frame = body.with_columns(direct) if direct else body
    for i, src, p in by_text:
        texts = body.select(pl.col(src).unique())
        if texts.height > DISTINCT_SHARE * body.height:
            frame = frame.with_columns(p.alias(f"__p{i}"))
            continue
        # Parsing is a function of the text alone, so parsing each distinct text once is the same.
        mapping = texts.with_columns(p.alias("__p")).select(
            src, pl.col("__p").struct.field("value").alias(names[i]),
            pl.col("__p").struct.field("error").alias(f"__e{i}"))
        if names[i] == "__id":  # hash each distinct ID here, not once more over every row
            mapping = mapping.with_columns(hasher.hash_column(mapping["__id"]).alias("national_id_hash")) \
                .drop("__id")
        # Joined to the text column alone, then set beside the others (joining the wide frame
        # itself would copy every column each time).
        got = body.select(src).join(mapping, on=src, how="left", nulls_equal=True, maintain_order="left")
        frame = frame.hstack(got.drop(src).get_columns())
    done = {i for i, _, _ in by_text if f"__e{i}" in frame.columns}
    rest = [i for i in range(len(names)) if i not in done]
    return frame.with_columns(
        *[pl.col(f"__p{i}").struct.field("value").alias(names[i]) for i in rest],
        *[pl.col(f"__p{i}").struct.field("error").alias(f"__e{i}") for i in rest],
    ).drop([f"__p{i}" for i in rest])


def _is_semester(col: Column) -> bool:
    return col.name == "semester" and col.type is ColumnType.CHOICE


def _semester_struct(col: Column, src: pl.Expr) -> pl.Expr:
    """學期: `0` (the whole year) is no semester where the kind allows none (an MP item of the whole
    year), else the row is quarantined as `whole_year_semester`, not as an unknown spelling."""
    whole_year = (clean_code(src) == "0").fill_null(False)
    if col.allows_null:
        return column_struct(col, pl.when(whole_year).then(pl.lit(None, dtype=pl.String)).otherwise(src))
    return column_struct(col, src).struct.with_fields(
        pl.when(whole_year).then(pl.lit(WHOLE_YEAR)).otherwise(F("error")).alias("error"))


def _national_id_struct(src: pl.Expr) -> pl.Expr:
    """{value: the normalised ID when valid, error}, in stages (see values.py)."""
    s = pl.struct(normalized_id_expr(src).replace("", None).alias("norm"))
    s = s.struct.with_fields(valid_id_expr(F("norm")).alias("valid"))
    return s.struct.with_fields(
        pl.when(F("valid")).then(F("norm")).otherwise(None).alias("value"),
        pl.when(F("norm").is_null()).then(pl.lit("missing_value")).when(~F("valid")).then(
            pl.lit("invalid_national_id")).otherwise(None).alias("error"),
    )


def type_rows(kind: Kind, match: HeaderMatch, body: pl.DataFrame, *, sheet: str | None,
              hasher: IdHasher, keep_raw: bool = True, dedup: bool = True) -> TypedRows:
    """Parse every contract column of `body` (columns c0..cN, _row, _extra) into typed values.
    `keep_raw`: also return the kept rows' raw JSON (`TypedRows.raw`, for duplicates across the
    sheets of a workbook); rejected rows always keep theirs. `dedup=False` leaves repeated keys
    in (a batch of a big file: its caller finds them over the whole file, `duplicate_rejects`)."""
    text = {c.name: (pl.col(f"c{match.positions[c.name]}") if c.name in match.positions
                     else pl.lit(None, dtype=pl.String)) for c in kind.columns}
    # Each column is parsed once into a struct {value, error}; everything after reads those columns.
    parsed: list[tuple[str | None, pl.Expr]] = []
    for col in kind.columns:
        src = text[col.name]
        if col.type is ColumnType.NATIONAL_ID:
            p = _national_id_struct(src)
        else:
            p = _semester_struct(col, src) if _is_semester(col) else column_struct(col, src)
            if not col.allows_null and col.type is not ColumnType.BOOL:
                # Empty, or `-1` ("none") in a number: either way no value where one is required.
                p = p.struct.with_fields(pl.when(F("value").is_null() & F("error").is_null())
                                         .then(pl.lit("missing_value")).otherwise(F("error")).alias("error"))
        cheap = col.type in (ColumnType.TEXT, ColumnType.CODE)
        parsed.append((None if cheap or col.name not in match.positions else f"c{match.positions[col.name]}", p))
    names = ["__id" if c.type is ColumnType.NATIONAL_ID else c.name for c in kind.columns]
    frame = _parse(body, names, parsed, hasher)
    errors = [(c, pl.col(f"__e{i}")) for i, c in enumerate(kind.columns)]

    extra_err: pl.Expr = pl.when(pl.col(EXTRA).is_not_null() & (pl.col(EXTRA).str.strip_chars() != "")).then(
        pl.lit("too_many_fields"))
    frame = frame.with_columns(extra_err.alias("__e_extra"))
    extra_err = pl.col("__e_extra")
    frame = frame.with_columns(pl.coalesce(extra_err, *[e for _, e in errors]).alias("__reason"))
    # Hash the valid IDs (each distinct ID once) and forget the IDs themselves.
    if "__id" in frame.columns:
        frame = frame.with_columns(hasher.hash_column(frame["__id"]).alias("national_id_hash")).drop("__id")
    frame = frame.with_columns(pl.lit(sheet, dtype=pl.String).alias(SHEET))
    frame = _derive_term(kind, frame)

    dedup = dedup and bool(kind.key)
    if dedup:
        # Among readable rows, the first occurrence of a key is kept; later ones are quarantined
        # and say which row they repeat.
        key = list(kind.key)
        ok = pl.col("__reason").is_null()
        frame = frame.with_columns(
            pl.when(ok).then(pl.col(ROW)).min().over(key).alias("__first")
        ).with_columns(
            (ok & (pl.col(ROW) != pl.col("__first"))).fill_null(False).alias("__dup")
        ).with_columns(
            pl.when(pl.col("__dup")).then(pl.lit("duplicate_key")).otherwise(pl.col("__reason")).alias("__reason"),
        )

    stored = [c.stored_name for c in kind.columns]
    if kind.name in DERIVED_TERM:
        stored += ["academic_year", "semester"]
    # The kept rows: only the columns they need are filtered (not the text body nor the parsers' work),
    # the body's cells too when their raw JSON is wanted.
    raw_cells = ([f"c{i}" for i in range(len(match.headers)) if f"c{i}" in body.columns] + [EXTRA]
                 if keep_raw else [])
    good = frame.select(ROW, SHEET, *stored, *raw_cells, "__reason").filter(pl.col("__reason").is_null())
    bad = frame.filter(pl.col("__reason").is_not_null())
    part = part_expr(kind)
    rows = good.select(pl.col(ROW), pl.col(SHEET), *stored).with_columns(part.alias(PART))
    # What a person needs to fix a rejected row, computed for those rows only.
    column = pl.coalesce(
        pl.when(extra_err.is_not_null()).then(pl.lit(None, dtype=pl.String)),
        *[pl.when(e.is_not_null()).then(pl.lit(match.headers[match.positions[c.name]]
                                               if c.name in match.positions else c.header))
          for c, e in errors],
    )
    expected = pl.coalesce(
        pl.when(extra_err.is_not_null()).then(pl.lit(f"at most {match.width} cells, as the header has")),
        *[pl.when(e.is_not_null()).then(
            pl.when(e == WHOLE_YEAR).then(pl.lit(_WHOLE_YEAR_DETAIL)).otherwise(_expected_expr(c, text[c.name]))
            if _is_semester(c) else _expected_expr(c, text[c.name])) for c, e in errors])
    # The offending cell as found (an ID masked: even a mistyped ID is personal data).
    found = pl.coalesce(
        pl.when(extra_err.is_not_null()).then(pl.col(EXTRA)),
        *[pl.when(e.is_not_null()).then(masked_id_expr(text[c.name]) if c.type is ColumnType.NATIONAL_ID
                                         else text[c.name]) for c, e in errors])
    if dedup:
        dup = pl.col("__dup")
        column = pl.when(dup).then(pl.lit(_key_headers(kind))).otherwise(column)
        expected = pl.when(dup).then(_DUPLICATE_DETAIL).otherwise(expected)
        found = pl.when(dup).then(_key_value(kind)).otherwise(found)
    rejects = bad.select(
        pl.col(ROW), pl.col(SHEET), column.alias("column"), pl.col("__reason").alias("reason"),
        _masked(found).alias("value"),
        expected.alias("detail"),
        _raw_json(match, body).alias("raw"),
        (pl.col("national_id_hash") if "national_id_hash" in bad.columns
         else pl.lit(None, dtype=pl.String)).alias("national_id_hash"),
    ).cast(REJECT_SCHEMA)  # type: ignore[arg-type]  # polars stubs: see REJECT_SCHEMA
    raw = good.select(_raw_json(match, body).alias("__raw")).to_series() if keep_raw else None
    notices = find_notices(kind, match, body, sheet=sheet, kept=rows[ROW])
    return TypedRows(rows, rejects, body.height, raw, notices)


def _key_headers(kind: Kind) -> str:
    return ", ".join(kind.column(c).header for c in kind.key)


def _key_value(kind: Kind) -> pl.Expr:
    """The repeated key as a person reads it; the ID hash means nothing to them, so it is left out."""
    return pl.concat_str([pl.col(c).cast(pl.String).fill_null("") for c in kind.key if c != "national_id_hash"]
                         or [pl.lit("")], separator=" / ")


_DUPLICATE_DETAIL = pl.format("a key no earlier row has (row {} has it)", pl.col("__first"))


def _masked(found: pl.Expr) -> pl.Expr:
    return found.str.replace_all(_ID_TOKEN, "${1}******${2}").str.slice(0, 200)


def duplicate_rejects(kind: Kind, dups: pl.DataFrame, raw: pl.DataFrame) -> pl.DataFrame:
    """Quarantine rows for kept rows whose key an earlier row has, found over a whole file read in
    batches: `dups` holds their stored key columns, `_row`, `__first` (the earlier row) and
    `national_id_hash` when the kind has one; `raw` their raw JSON (`_row`, `raw`). The same text
    as `type_rows` gives a duplicate within one batch."""
    frame = dups.join(raw, on=ROW, how="left")
    return frame.select(
        pl.col(ROW), pl.lit(None, dtype=pl.String).alias(SHEET), pl.lit(_key_headers(kind)).alias("column"),
        pl.lit("duplicate_key").alias("reason"), _masked(_key_value(kind)).alias("value"),
        _DUPLICATE_DETAIL.alias("detail"), pl.col("raw"),
        (pl.col("national_id_hash") if "national_id_hash" in frame.columns
         else pl.lit(None, dtype=pl.String)).alias("national_id_hash"),
    ).cast(REJECT_SCHEMA)  # type: ignore[arg-type]  # polars stubs: see REJECT_SCHEMA


def raw_json(match: HeaderMatch, body: pl.DataFrame) -> pl.Expr:
    return _raw_json(match, body)


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
    year, semester = term_columns(pl.col(source))
    return frame.with_columns(year.alias("academic_year"), semester.alias("semester"))


def part_expr(kind: Kind) -> pl.Expr:
    """The partition a row belongs to: its term, its batch, or the whole kind (`*`)."""
    if not kind.partition:
        return pl.lit("*")
    return pl.concat_str([pl.col(c).cast(pl.String).fill_null("") for c in kind.partition], separator="-")


def newest_stamp(kind: Kind, rows: pl.DataFrame) -> pl.Series | None:
    cols = [c.name for c in kind.columns if c.stamp and c.name in rows.columns]
    if not cols or rows.is_empty():
        return None
    return rows.select(pl.max_horizontal([pl.col(c).cast(pl.Datetime("us")) for c in cols]).alias("s"))["s"]
