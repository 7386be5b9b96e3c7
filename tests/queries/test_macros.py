"""queries/_macros.sql: the views' shared DuckDB macros, on a bare connection; and that the file is
no view."""

from __future__ import annotations

import re
import unicodedata

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lpdata.fold_width import define_functions
from lpdata.views import MACROS_FILE, create_macros, load_macros, load_queries


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    define_functions(connection)  # lp_match_text calls lp_fold_width: DuckDB binds it at creation
    create_macros(connection, load_macros())
    yield connection
    connection.close()


def one(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    return con.execute(sql).fetchall()[0][0]


def test_first_3_names_three_and_marks_more(con: duckdb.DuckDBPyConnection) -> None:
    assert one(con, "SELECT lp_first_3(['a', 'b'])") == "a, b"
    assert one(con, "SELECT lp_first_3(['a', 'b', 'c'])") == "a, b, c"
    assert one(con, "SELECT lp_first_3(['a', 'b', 'c', 'd'])") == "a, b, c, …"
    # NULLs are neither shown nor counted (list(DISTINCT x) keeps a NULL; count(DISTINCT x) does not).
    assert one(con, "SELECT lp_first_3(['a', 'b', 'c', NULL])") == "a, b, c"
    assert one(con, "SELECT lp_first_3(list(DISTINCT x ORDER BY x)) FROM (VALUES ('b'), (NULL), ('a'), ('b')) t(x)") \
        == "a, b"
    # An aggregate over no row (a FILTER nothing passes) gives no list, and no text.
    assert one(con, "SELECT lp_first_3(list(x) FILTER (x > 'z')) FROM (VALUES ('a')) t(x)") is None


def test_small_cell_hides_counts_from_1_to_min_minus_1(con: duckdb.DuckDBPyConnection) -> None:
    got = [r[0] for r in con.execute("SELECT lp_small_cell(n, 3) FROM range(0, 5) t(n) ORDER BY n").fetchall()]
    assert got == ["0", "fewer than 3", "fewer than 3", "3", "4"]
    assert one(con, "SELECT lp_small_cell(NULL::BIGINT, 3)") is None


def test_small_cell_in_chinese_with_its_unit(con: duckdb.DuckDBPyConnection) -> None:
    got = [r[0] for r in con.execute("SELECT lp_small_cell_zh(n, 3) FROM range(0, 5) t(n) ORDER BY n").fetchall()]
    assert got == ["0 人", "未滿 3 人", "未滿 3 人", "3 人", "4 人"]
    assert one(con, "SELECT lp_small_cell_zh(NULL::BIGINT, 3)") is None


def test_the_macros_file_is_no_view() -> None:
    assert MACROS_FILE not in {q.path.name for q in load_queries()}
    macros = load_macros()
    assert macros is not None and macros.path.name == MACROS_FILE


# --- lp_match_text: the normalised text receipt lines and items are matched on ----------------
FULL_WAY = r"nullif(trim(regexp_replace(lp_fold_width(nfc_normalize(t)), '[\s\p{Z}]+', ' ', 'g')), '')"


@pytest.fixture(scope="module")
def text_con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    define_functions(connection)
    create_macros(connection, load_macros())
    yield connection
    connection.close()


def _quick_class() -> list[tuple[int, int]]:
    """The code point ranges of lp_match_text's quick branch, read from the macro's own text."""
    macros = load_macros()
    assert macros is not None
    text = macros.sql
    body = text[text.index("MACRO lp_match_text"):]
    classes = re.findall(r"\[((?:\\x\{[0-9A-F]+\}-\\x\{[0-9A-F]+\})+)\]\+", body)
    assert len(classes) == 2 and classes[0] == classes[1]  # the first word's and the following words'
    return [(int(a, 16), int(b, 16)) for a, b in re.findall(r"\\x\{([0-9A-F]+)\}-\\x\{([0-9A-F]+)\}", classes[0])]


def test_match_text_quick_characters_are_their_own_nfc_whatever_surrounds_them() -> None:
    """Each character the quick branch lets through: assigned, combining class 0, NFC leaves it
    alone, never the second of a canonical pair (so nothing before it composes with it), and no
    white space. A string of such characters is then NFC (Unicode's quick check says YES)."""
    seconds = set()
    for cp in range(0x110000):
        decomposition = unicodedata.decomposition(chr(cp))
        if decomposition and not decomposition.startswith("<") and len(decomposition.split()) == 2:
            seconds.add(int(decomposition.split()[1], 16))
    ranges = _quick_class()
    assert len(ranges) == 13
    for low, high in ranges:
        for cp in range(low, high + 1):
            char = chr(cp)
            assert unicodedata.category(char) not in {"Cn", "Cc", "Zs", "Zl", "Zp"}, hex(cp)
            assert unicodedata.combining(char) == 0, hex(cp)
            assert unicodedata.normalize("NFC", char) == char, hex(cp)
            assert cp not in seconds, hex(cp)
            assert not re.fullmatch(r"\s", char), hex(cp)


def test_match_text_examples(text_con: duckdb.DuckDBPyConnection) -> None:
    cases = {
        "課程，學習（一）": "課程,學習(一)",       # full-width punctuation folded (quick branch)
        " a  b ": "a b",                          # white space collapsed and trimmed
        "e\u0301x": "\u00e9x",                    # a combining mark: NFC composes it
        "\u3000中文\u00a0報告": "中文 報告",        # the ideographic space and NBSP are white space
        "\uf9a8中": "\u4ee4中",                    # a CJK compatibility ideograph: NFC maps it
        "Ａ Ｂ": "A B",
        "\t": None, "": None,
    }
    for text, expected in cases.items():
        assert one(text_con, f"SELECT lp_match_text({_literal(text)})") == expected, text
    assert one(text_con, "SELECT lp_match_text(NULL::VARCHAR)") is None


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


_TRICKY = ("a", "Z", "1", " ", "  ", "\t", "\n", "\u000b", "\u3000", "\u00a0", "\u2003", "，", "Ａ", "～",
           "中", "學", "\uf9a8", "\u0301", "\u3099", "か", "\u309b", "e", "é", "Å", "\u212b", "\u2126", "ｶ", "ﾞ",
           "\u302a", "、", "\U00020000", "ㄅ", "\u00ad", "\u200b", "\ufeff", "'")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_TRICKY), max_size=12).map("".join))
def test_match_text_is_the_full_way_for_every_text(text_con: duckdb.DuckDBPyConnection, text: str) -> None:
    """Both branches agree with the whole normalisation (NFC, fold, white space) on any text."""
    quick, full = text_con.execute(
        f"SELECT lp_match_text(t), {FULL_WAY} FROM (SELECT ?::VARCHAR AS t)", [text]).fetchall()[0]
    assert quick == full, repr(text)
