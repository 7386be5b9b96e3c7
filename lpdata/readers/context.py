"""Context of a data sheet: the values of a workbook's cover (封面), a layout's constants, derived columns.

A national upload workbook's data sheets carry no 學年度/學期: every row takes them (and 學校代碼,
名冊別) from the horizontal cover. `read_cover` finds such a cover; the header match (`detect.py`)
counts its headers as present; `with_context` then adds the values to the body as constant text
columns, and the layout's derived columns (班級座號代碼 -> 班級, 座號, 年級), before the rows are typed,
so that a value from the cover is checked like any cell.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import polars as pl

from ..layouts import COVER_HEADERS, Layout
from .detect import HeaderMatch, normalize_header
from .values import clean_code, clean_text

_COVER = {normalize_header(h) for h in COVER_HEADERS}


def read_cover(name: str, rows: Sequence[Sequence[str | None]]) -> dict[str, str] | None:
    """The header -> value pairs of a cover sheet, or None if the sheet is no cover.

    Horizontal (the national templates): the first non-empty row holds cover headers only
    (學校代碼, 學年度, 學期, 名冊別 …, at least two of them, or one in a sheet named *封面), and the next
    non-empty row their values. Vertical (label, value) pairs are read too when every label is one."""
    filled = [[(c or "").strip() for c in row] for row in rows if any(c and str(c).strip() for c in row)]
    if not filled:
        return None
    head = filled[0]
    labels = [normalize_header(c) for c in head if c]
    named_cover = "封面" in name
    # A sheet named *封面 may carry labels of its own (定期考查成績名冊封面: 段考別) beside known ones.
    known = [label for label in labels if label in _COVER]
    if labels and ((named_cover and known) or (len(known) == len(labels) >= 2)):
        values = filled[1] if len(filled) > 1 else []
        out: dict[str, str] = {}
        for i, cell in enumerate(head):
            value = values[i] if i < len(values) else ""
            if cell and value:
                out.setdefault(normalize_header(cell), value)
        return out
    # Vertical: 學校代碼 | 140302 on each row.
    pairs = [[c for c in row if c] for row in filled]
    if all(len(p) == 2 and normalize_header(p[0]) in _COVER for p in pairs) and (len(pairs) >= 2 or named_cover):
        return {normalize_header(p[0]): p[1] for p in pairs}
    return None


def sheet_label(name: str) -> str:
    """A sheet's name as a person reads it: the pilot templates' names end in a TAB (stored
    `_x0009_`) or a space."""
    return name.replace("_x0009_", "").strip()


def with_context(match: HeaderMatch, body: pl.DataFrame) -> pl.DataFrame:
    """`body` (text columns c0..) with the match's context columns (constants) and its layout's
    derived columns added at the positions the match gave them."""
    width = match.width
    adds = [pl.lit(value, dtype=pl.String).alias(f"c{width + i}") for i, (_, value) in enumerate(match.context)]
    if adds:
        body = body.with_columns(adds)
    kind = match.kind
    if not isinstance(kind, Layout):
        return body
    exprs = []
    for d in kind.derived:
        at = match.positions.get(d.name)
        if at is None or at < len(match.headers) - len(match.derived):
            continue  # the sheet has the column itself (or the context gave it): it wins
        sources = [pl.col(f"c{match.positions[s]}") if s in match.positions else pl.lit(None, dtype=pl.String)
                   for s in d.sources]
        exprs.append(DERIVATIONS[d.op](*sources).cast(pl.String).alias(f"c{at}"))
    return body.with_columns(exprs) if exprs else body


# --- derivations (by name, from layouts.Derived.op) ------------------------------------------------
def _class_of_seat_code(code: pl.Expr) -> pl.Expr:
    """班級座號代碼 = the national 班級代碼 followed by the two-digit seat: the class is all but the
    last two digits."""
    c = clean_code(code)
    return pl.when(c.str.len_chars() > 2).then(c.str.slice(0, c.str.len_chars() - 2))


def _seat_of_seat_code(code: pl.Expr) -> pl.Expr:
    c = clean_code(code)
    return pl.when(c.str.len_chars() > 2).then(c.str.slice(-2, 2))


def _grade_of_class(code: pl.Expr) -> pl.Expr:
    """The 年級 is the class code's first digit when it is 1-3 (101 = grade 1, class 01), else
    unknown: a national 班級代碼 need not begin with the grade."""
    c = clean_code(code)
    first = c.str.slice(0, 1)
    return pl.when((c.str.len_chars() > 2) & first.is_in(["1", "2", "3"])).then(first)


def _year_credits(*years: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """(grade, credits) of a 科目名冊 row offered in one school year only, else (null, null)."""
    cleaned = [clean_code(y) for y in years]
    given = [(c.is_not_null() & (c != "0") & (c != "-1")).cast(pl.Int32) for c in cleaned]
    one = pl.sum_horizontal(given) == 1
    grade = pl.coalesce(*[pl.when(g == 1).then(pl.lit(str(i + 1))) for i, g in enumerate(given)])
    credits = pl.coalesce(*[pl.when(g == 1).then(c) for c, g in zip(cleaned, given)])
    return pl.when(one).then(grade), pl.when(one).then(credits)


def _credit_flag(code: pl.Expr) -> pl.Expr:
    """是否採計學分 / 是否計算學分: 1 counted (是), 2 not (否), 3 unknown (none); other text is left
    for the yes/no parser to accept or quarantine."""
    c = clean_code(code)
    return pl.when(c == "1").then(pl.lit("是")).when(c == "2").then(pl.lit("否")).when(c == "3").then(None) \
        .otherwise(c)


def _unit_and_role(unit: pl.Expr, role: pl.Expr) -> pl.Expr:
    """An MP 幹部經歷 title, 單位名稱-擔任職務 (班級幹部-學藝股長), or whichever is given."""
    u, r = clean_text(unit), clean_text(role)
    return pl.when(u.is_not_null() & r.is_not_null()).then(pl.concat_str([u, r], separator="-")) \
        .otherwise(pl.coalesce(u, r))


def _first_given(*texts: pl.Expr) -> pl.Expr:
    return pl.coalesce(*[clean_text(t) for t in texts])


DERIVATIONS: Mapping[str, Callable[..., pl.Expr]] = {
    "credit_flag": _credit_flag,
    "unit_and_role": _unit_and_role,
    "first_given": _first_given,
    "class_of_seat_code": _class_of_seat_code,
    "seat_of_seat_code": _seat_of_seat_code,
    "grade_of_class": _grade_of_class,
    "credits_of_one_year": lambda *y: _year_credits(*y)[1],
    "grade_of_one_year": lambda *y: _year_credits(*y)[0],
}
