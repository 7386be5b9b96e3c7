"""Files that lack a contract column the workbench can work out (exports.md v2, other platforms).

Tried only when a header row is no complete kind (so a v1 file is read exactly as before):

- **Rows without 身分證號, tied by 學號.** A file of a kind that names students (grades, attendance,
  cadres, clo, mp, students ...) whose header has 學號 and no 身分證號 column: its rows are kept with
  their 學號 in the private column `_student_no` (and their raw cells in `_raw`), the ID hash empty.
  `lpdata.resolve` ties them to the student through the roster of the same term before the write,
  or quarantines them. A row whose ID cell is merely empty, in a file WITH an ID column, stays
  `missing_value`.
- **ischool / 1Campus rosters** (header `學生系統編號 · 學號 · 班級 · 座號 · 科別 · 姓名 ...`): they
  carry no term, often no 年級 and no status. The term is taken from a title row above the header or
  the file name (`113學年度第1學期`, `學生名冊_113-1.xlsx`), else the file is rejected naming the
  columns to add; the grade from the class name (`301` → 3, `普一甲` → 1); a missing status is
  enrolled (ischool lists the students of status 一般 unless asked otherwise).
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, TypedDict, Unpack

import polars as pl

from ..contract import KINDS, KINDS_BY_NAME, STATUS, Column, ColumnType, Kind
from ..errors import InputFileError
from .detect import HeaderMatch, HeaderResolver
from .ids import IdHasher
from .rows import PART, REJECT_SCHEMA, SHEET, TypedRows, part_expr, type_rows
from .tables import ROW

if TYPE_CHECKING:  # lpdata.readers imports this module: its Export for the annotations only
    from . import Export

#: The 學號 a row without 身分證號 is tied by, and its raw cells (for the quarantine if it is not).
STUDENT_NO = "_student_no"
RAW = "_raw"
#: Marks a header-matching kind of this module (in `Kind.description`).
_TAG = "partial:"
_ISCHOOL_ID = "_ischool_id"
_BY_STUDENT_NO, _ISCHOOL = "by_student_no", "ischool_roster"


class _Changes(TypedDict, total=False):
    """What `_loose` may change besides `required` and `nullable`."""

    aliases: tuple[str, ...]


def _loose(col: Column, **changes: Unpack[_Changes]) -> Column:
    return replace(col, required=False, nullable=True, **changes)


def _by_student_no(kind: Kind) -> Kind:
    """`kind` recognised with 學號 in place of 身分證號."""
    cols = [_loose(c) if c.type is ColumnType.NATIONAL_ID else c for c in kind.columns]
    if not any(c.name == "student_no" for c in kind.columns):
        cols.append(Column("學號", STUDENT_NO, ColumnType.CODE, required=True))
    return replace(kind, columns=tuple(cols), description=_TAG + _BY_STUDENT_NO)


def _ischool_roster() -> Kind:
    students = KINDS_BY_NAME["students"]
    cols = [Column("學生系統編號", _ISCHOOL_ID, ColumnType.CODE, required=True)]
    for c in students.columns:
        if c.name == "status":
            cols.append(_loose(c, aliases=(*c.aliases, "學生狀態", "狀態")))
        elif c.name in ("academic_year", "semester", "grade", "national_id"):
            cols.append(_loose(c))
        else:
            cols.append(c)
    return replace(students, columns=tuple(cols), description=_TAG + _ISCHOOL)


#: Header-matching kinds, tried when no contract kind matches, group by group (an ischool roster
#: first: its 學生系統編號 tells it apart): within a group, kind names are unique.
PARTIAL_GROUPS: tuple[tuple[Kind, ...], ...] = (
    (_ischool_roster(),),
    tuple(_by_student_no(k) for k in KINDS if any(c.type is ColumnType.NATIONAL_ID for c in k.columns)),
)
PARTIAL_KINDS: tuple[Kind, ...] = tuple(k for group in PARTIAL_GROUPS for k in group)
_FALLBACK: weakref.WeakKeyDictionary[HeaderResolver, tuple[HeaderResolver, ...]] = weakref.WeakKeyDictionary()


def fallback_resolvers(resolver: HeaderResolver) -> tuple[HeaderResolver, ...]:
    """The resolvers of `PARTIAL_GROUPS`, with `resolver`'s aliases (made once per resolver)."""
    got = _FALLBACK.get(resolver)
    if got is None:
        aliases = getattr(resolver, "aliases", None)
        got = _FALLBACK[resolver] = tuple(HeaderResolver(aliases, group) for group in PARTIAL_GROUPS)
    return got


def find_header(resolver: HeaderResolver, rows: Sequence[Sequence[str | None]], *, file: Path,
                sheet: str | None = None, context: Mapping[str, str] | None = None,
                book: str = "") -> tuple[int, HeaderMatch] | None:
    """`resolver.find_header` (with a workbook's cover `context` and 名冊別 `book`), else a header
    this module can complete."""
    found = resolver.find_header(rows, file=file, sheet=sheet, context=context, book=book)
    for fallback in fallback_resolvers(resolver):
        if found is not None:
            break
        found = fallback.find_header(rows, file=file, sheet=sheet, context=context, book=book)
        if found is not None and _ISCHOOL_ID in found[1].positions:
            # ischool's own student number is not stored: listed with the columns left out.
            match = found[1]
            found = found[0], replace(match, ignored=(*match.ignored, match.headers[match.positions[_ISCHOOL_ID]]))
    return found


def is_partial(kind: Kind) -> bool:
    return kind.description.startswith(_TAG)


# --- the term and the grade of an ischool roster ---------------------------------------------
_TERM_IN_TEXT = re.compile(r"(?<!\d)(\d{2,3})\s*學年度?\s*[第]?\s*([12一二上下])\s*學期")
_TERM_IN_NAME = re.compile(r"(?<!\d)(\d{2,3})\s*[-_.]\s*([12])(?!\d)")
_SEMESTER_WORDS = {"1": 1, "2": 2, "一": 1, "二": 2, "上": 1, "下": 2}


def term_of(title: Sequence[Sequence[str | None]], file: Path) -> tuple[int, int] | None:
    """The term a title row above the header names, else the file name (`113學年度第1學期`, `113-1`)."""
    texts = [" ".join(str(c) for c in row if c) for row in title] + [file.stem]
    for text in texts:
        m = _TERM_IN_TEXT.search(text)
        if m and 50 <= int(m.group(1)) <= 300:
            return int(m.group(1)), _SEMESTER_WORDS[m.group(2)]
    m = _TERM_IN_NAME.search(file.stem)
    if m and 50 <= int(m.group(1)) <= 300:
        return int(m.group(1)), int(m.group(2))
    return None


_CHINESE_GRADE = {"一": 1, "二": 2, "三": 3}


def grade_from_class(class_name: pl.Expr) -> pl.Expr:
    """`301` / `0301` → 3 (a three-digit class number after leading zeros); `普一甲`, `一年二班` → 1."""
    digits = class_name.str.extract(r"(\d+)").str.strip_chars_start("0")
    from_digits = pl.when(digits.str.len_chars() == 3).then(digits.str.slice(0, 1).cast(pl.Int64, strict=False))
    from_words = class_name.str.extract(r"([一二三])").replace_strict(_CHINESE_GRADE, default=None,
                                                                      return_dtype=pl.Int64)
    got = pl.coalesce(from_digits, from_words)
    return pl.when(got.is_between(1, 3)).then(got)


# --- typing ------------------------------------------------------------------------------------
def type_match(match: HeaderMatch, body: pl.DataFrame, *, sheet: str | None, hasher: IdHasher, file: Path,
               title: Sequence[Sequence[str | None]] = (), keep_raw: bool = True,
               dedup: bool = True) -> tuple[TypedRows, Kind]:
    """`type_rows` for any match; for one of `PARTIAL_KINDS`, the rows completed to the contract kind's
    stored columns (plus `_student_no` and `_raw` for rows to tie by 學號). Returns the typed rows and
    the kind to build the Export with (`contract_export` makes it the contract's kind again)."""
    if not is_partial(match.kind):
        return type_rows(match.kind, match, body, sheet=sheet, hasher=hasher, keep_raw=keep_raw,
                         dedup=dedup), match.kind
    layout = match.kind.description[len(_TAG):]
    base = KINDS_BY_NAME[match.kind.name]
    present = set(match.positions)
    no_id = not any(c.type is ColumnType.NATIONAL_ID and c.name in present for c in base.columns)
    derived = {"national_id"} if no_id else set()
    if layout == _ISCHOOL:
        derived |= {n for n in ("academic_year", "semester", "grade", "status") if n not in present}
    term = None
    if derived & {"academic_year", "semester"}:
        term = term_of(title, file)
        if term is None:
            missing = [h for n, h in (("academic_year", "學年度"), ("semester", "學期")) if n in derived]
            raise InputFileError(
                f"an ischool roster names no term: add the column{'s' if len(missing) > 1 else ''} "
                f"{' and '.join(missing)} (e.g. 113 and 1), or name the term in a title row or the file "
                "name (學生名冊_113-1.csv)", file=file, sheet=sheet, column=missing[0],
                expected=" and ".join(missing))
    # The kind the rows are typed as: the match's columns (value aliases included) with the contract's
    # required flags, less those worked out afterwards.
    cols = []
    for col in match.kind.columns:
        if col.name == _ISCHOOL_ID or col.name in derived:
            continue
        if col.name in base.stored_columns or any(c.name == col.name for c in base.columns):
            col = replace(col, required=base.column(col.name).required, nullable=base.column(col.name).nullable)
        cols.append(col)
    tie_by = "student_no" if any(c.name == "student_no" for c in base.columns) else STUDENT_NO
    key = tuple(tie_by if k == "national_id_hash" and no_id else k for k in base.key
                if k not in derived)
    typing = replace(base, columns=tuple(cols), key=key, partition=(), description="")
    tmatch = replace(match, kind=typing,
                     positions=MappingProxyType({k: v for k, v in match.positions.items() if k != _ISCHOOL_ID}))
    typed = type_rows(typing, tmatch, body, sheet=sheet, hasher=hasher,
                      keep_raw=keep_raw or no_id or "grade" in derived, dedup=dedup)
    rows = typed.rows
    fill: list[pl.Expr] = []
    if term is not None:
        fill += [pl.lit(term[0], dtype=pl.Int64).alias("academic_year"),
                 pl.lit(term[1], dtype=pl.Int64).alias("semester")]
    if "status" in derived:
        fill.append(pl.lit(STATUS["在學"]).alias("status"))
    if no_id:
        fill += [pl.lit(None, dtype=pl.String).alias("national_id_hash"), pl.col(tie_by).alias(STUDENT_NO)]
        if typed.raw is not None:
            fill.append(pl.lit(typed.raw.rename(RAW)) if rows.height else pl.lit(None, dtype=pl.String).alias(RAW))
    if fill:
        rows = rows.with_columns(fill)
    rejects, raw = typed.rejects, typed.raw
    if "grade" in derived:
        rows = rows.with_columns(grade_from_class(pl.col("class_name")).alias("grade"))
        rows, rejects, raw = _reject_ungraded(rows, rejects, typed, match)
    rows = rows.with_columns(part_expr(base).alias(PART))
    private = [c for c in (STUDENT_NO, RAW) if c in rows.columns]
    rows = rows.select(ROW, SHEET, *base.stored_columns, PART, *private)
    export_kind = replace(match.kind, columns=tuple(c for c in match.kind.columns if c.name in
                                                     {b.name for b in base.columns}),
                          key=tuple(STUDENT_NO if k == "national_id_hash" and no_id else k for k in base.key),
                          description="")
    return TypedRows(rows, rejects, typed.rows_read, raw if keep_raw else None), export_kind


def _reject_ungraded(rows: pl.DataFrame, rejects: pl.DataFrame, typed: TypedRows,
                     match: HeaderMatch) -> tuple[pl.DataFrame, pl.DataFrame, pl.Series | None]:
    """A roster row whose grade its class name does not tell: quarantined, naming what would."""
    bad = rows["grade"].is_null()
    if not bad.any():
        return rows, rejects, typed.raw
    class_header = match.headers[match.positions["class_name"]]
    assert typed.raw is not None
    raw = typed.raw.filter(bad)
    extra = rows.filter(bad).select(
        pl.col(ROW), pl.col(SHEET), pl.lit(class_header).alias("column"), pl.lit("missing_value").alias("reason"),
        pl.col("class_name").alias("value"),
        pl.lit("a 年級 column, or a class name that tells the grade (301, 普一甲)").alias("detail"),
        raw.alias("raw"), pl.col("national_id_hash"),
    ).cast(REJECT_SCHEMA)  # type: ignore[arg-type]  # polars stubs: see REJECT_SCHEMA
    return rows.filter(~bad), pl.concat([rejects, extra]).sort(ROW, nulls_last=True), typed.raw.filter(~bad)


def contract_export(export: Export) -> Export:
    """An Export built with a kind of `type_match`: with the contract kind's key again."""
    kind = export.kind
    base = KINDS_BY_NAME.get(kind.name)
    if base is None or (kind.key == base.key and [(c.name, c.required) for c in kind.columns]
                        == [(c.name, c.required) for c in base.columns]):
        return export  # a contract kind (value aliases and all): as read
    # The contract's columns, with the choices the school's value aliases gave them.
    columns = tuple(replace(base.column(c.name), choices=c.choices) for c in kind.columns)
    return replace(export, kind=replace(base, columns=columns))
