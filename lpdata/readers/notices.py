"""Notices: cells of rows that ARE loaded but need a person's attention.

- `eudc_character`: a Private Use Area character (a 造字 from a CP950 file, eudc.py, or one typed in
  a UTF-8 file or an Excel cell). It shows only where the sender's 造字 font is installed, and
  matches nothing typed elsewhere; staff correct it at the source.
- `replaced_character`: a `?` standing inside a name (`王?明`, `?明`, `王?`, or only `?`): Excel
  writes `?` for a character the encoding it saves in lacks, so the name has lost a character.

Only text columns are looked at (a code, date or number holding such a character fails its own
check and is quarantined); `?` only in the columns holding a person's name.
"""

from __future__ import annotations

import polars as pl

from ..contract import Column, ColumnType, Kind
from .detect import HeaderMatch
from .eudc import PUA_PATTERN
from .tables import ROW

SHEET = "_sheet"
NOTICE_SCHEMA = {ROW: pl.Int64, SHEET: pl.String, "column": pl.String, "reason": pl.String,
                 "value": pl.String, "detail": pl.String}
NOTICES = {
    "eudc_character": "a 造字 (a private character of the sender's font): it shows only where that font is "
                      "installed and matches nothing typed elsewhere; correct it at the source to a standard "
                      "character (or a described substitute)",
    "replaced_character": "a ? where a character was lost (Excel writes ? for a character the file's "
                          "encoding lacks); correct the name at the source, or export as UTF-8 or Unicode text",
}
#: A `?` (half- or full-width) next to a CJK character, or a cell of nothing but `?`.
_REPLACED = r"\p{Han}[?？]|[?？]\p{Han}|^\s*[?？]+\s*$"
#: An ID-shaped token, masked as in quarantine values.
_ID_TOKEN = r"([A-Za-zＡ-Ｚａ-ｚ][A-Da-d0-9Ａ-Ｄａ-ｄ０-９])[0-9０-９]{6}([0-9０-９]{2})"


def empty_notices() -> pl.DataFrame:
    return pl.DataFrame(schema=NOTICE_SCHEMA)


def is_name_column(col: Column) -> bool:
    """A person's name: 姓名, 學生姓名, 任課教師 …"""
    return col.type is ColumnType.TEXT and (col.name in ("name", "teacher_name") or "姓名" in col.header)


def find_notices(kind: Kind, match: HeaderMatch, body: pl.DataFrame, *, sheet: str | None,
                 kept: pl.Series | None = None) -> pl.DataFrame:
    """The notices of `body` (text columns c0.., `_row`), for the rows in `kept` (their `_row`s) when
    given: one per cell and reason."""
    checks: list[tuple[str, str, str]] = []  # (body column, header as printed, reason)
    for col in kind.columns:
        pos = match.positions.get(col.name)
        if pos is None or col.type is not ColumnType.TEXT or f"c{pos}" not in body.columns:
            continue
        header = match.headers[pos] or col.header
        checks.append((f"c{pos}", header, "eudc_character"))
        if is_name_column(col):
            checks.append((f"c{pos}", header, "replaced_character"))
    if not checks or not body.height:
        return empty_notices()
    conds = [_condition(src, reason) for src, _, reason in checks]
    # One pass over every row for any hit (nearly always none); the details only for rows hit.
    hit = body.filter(pl.any_horizontal(conds))
    if kept is not None and hit.height:
        hit = hit.filter(pl.col(ROW).is_in(kept.implode()))
    if not hit.height:
        return empty_notices()
    parts = [hit.filter(_condition(src, reason)).select(
        pl.col(ROW).cast(pl.Int64), pl.lit(sheet, dtype=pl.String).alias(SHEET), pl.lit(header).alias("column"),
        pl.lit(reason).alias("reason"),
        pl.col(src).str.replace_all(_ID_TOKEN, "${1}******${2}").str.slice(0, 200).alias("value"),
        pl.lit(NOTICES[reason]).alias("detail"))
        for (src, header, reason) in checks]
    return pl.concat(parts).sort(ROW, maintain_order=True)


def _condition(src: str, reason: str) -> pl.Expr:
    pattern = PUA_PATTERN if reason == "eudc_character" else _REPLACED
    return pl.col(src).str.contains(pattern).fill_null(False)
