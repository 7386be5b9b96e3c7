"""`lp_fold_width`, the SQL function the receipt matching folds full-width ASCII with: the same as
`str.translate` over U+FF01–U+FF5E, on any text, through DuckDB and on sliced Arrow arrays."""

from __future__ import annotations

import duckdb
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from lpdata.fold_width import FULL_WIDTH, HALF_WIDTH, define_functions, fold_width

TABLE = str.maketrans(dict(zip(FULL_WIDTH, HALF_WIDTH)))
# Full-width ASCII and its neighbours (U+FF00, U+FF5F: not folded), CJK, other 3-byte UTF-8 led by
# 0xEF (U+F000–U+FFFF), ASCII, 2- and 4-byte characters.
CHARS = st.one_of(st.characters(min_codepoint=0xFF00, max_codepoint=0xFF60),
                  st.characters(min_codepoint=0xF000, max_codepoint=0xFFFD, exclude_categories=("Cs",)),
                  st.sampled_from("學生報告　 ab~!éß😀"), st.characters(max_codepoint=0x7F, exclude_characters="\x00"))
TEXTS = st.lists(st.one_of(st.none(), st.text(CHARS, max_size=12)), max_size=30)


def expected(values: list[str | None]) -> list[str | None]:
    return [None if v is None else v.translate(TABLE) for v in values]


@settings(max_examples=300, deadline=None)
@given(TEXTS, st.integers(0, 5), st.integers(0, 5))
def test_fold_width_equals_translate_on_sliced_arrays(values: list[str | None], head: int, tail: int) -> None:
    for kind in (pa.string(), pa.large_string()):
        array = pa.array(values, type=kind)
        part = array.slice(min(head, len(values)), max(0, len(values) - head - tail))
        got = fold_width(part).to_pylist()
        assert got == expected(part.to_pylist())
        assert fold_width(pa.chunked_array([array, array], type=kind)).to_pylist() == expected(values * 2)


def test_fold_width_in_sql_over_many_chunks() -> None:
    con = duckdb.connect()
    define_functions(con)
    rows = [f"Ａ{i}　ｂ～＂" if i % 3 else None for i in range(5000)]
    con.execute("CREATE TABLE t AS SELECT * FROM (SELECT unnest(?) AS s)", [rows])
    got = [r[0] for r in con.execute("SELECT lp_fold_width(s) FROM t").fetchall()]
    assert sorted(map(str, got)) == sorted(map(str, expected(rows)))
