"""queries/_macros.sql: the views' shared DuckDB macros, on a bare connection; and that the file is
no view."""

from __future__ import annotations

import duckdb
import pytest

from lpdata.views import MACROS_FILE, create_macros, load_macros, load_queries


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
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
