"""lpdata.store's typed query helpers: a value of the wrong type is a StoreError naming the query."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from lpdata.errors import StoreError
from lpdata.store import one_row, scalar, scalar_as, scalar_int, scalar_str


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


def test_typed_scalars_return_the_value(con: duckdb.DuckDBPyConnection) -> None:
    assert scalar_int(con, "SELECT count(*) FROM range(3)") == 3
    assert scalar_int(con, "SELECT ? + 1", [41]) == 42
    assert scalar_str(con, "SELECT 'a' || ?", ["b"]) == "ab"
    assert scalar_as(con, "SELECT DATE '2024-08-01'", dt.date) == dt.date(2024, 8, 1)


def test_a_wrong_type_names_the_query(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(StoreError, match=r"`SELECT 'x'` returned str, not int"):
        scalar_int(con, "SELECT 'x'")
    with pytest.raises(StoreError, match=r"returned NoneType, not str"):
        scalar_str(con, "SELECT NULL::VARCHAR")
    with pytest.raises(StoreError, match=r"SELECT 1 WHERE false"):
        scalar_int(con, "SELECT 1\n    WHERE false")  # no row; the query on one line


def test_scalar_and_one_row(con: duckdb.DuckDBPyConnection) -> None:
    assert scalar(con, "SELECT 1 WHERE false") is None
    assert one_row(con, "SELECT count(*), max(x) FROM range(2) t(x)") == (2, 1)
    with pytest.raises(StoreError, match="returned no row"):
        one_row(con, "SELECT 1 WHERE false")
