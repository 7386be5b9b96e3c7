"""Materialised building blocks (docs/views.md): a view answers the same rows, in the same order,
whether its blocks are materialised or not, on every path that moves a connection's as-of date."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest

from lpdata import connect
from lpdata.dates import newest_export, set_as_of
from lpdata.report.session import at_dates
from lpdata.views import MATERIALISE, ensure_views, load_queries, materialised

#: Days back from the demo's newest export: a date inside the data (the blocks hold other rows there).
EARLIER = dt.timedelta(days=150)


def _rows(con: duckdb.DuckDBPyConnection, name: str) -> list[tuple[Any, ...]]:
    rows = con.execute(f'SELECT * FROM "{name}"').fetchall()
    # A building block (`_…`) has no ORDER BY: its order is DuckDB's, plain or not. Public views
    # keep their order (docs/views.md), so theirs is compared as it comes.
    return sorted(rows, key=repr) if name.startswith("_") else rows


def _points_at_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    sql = con.execute("SELECT sql FROM duckdb_views() WHERE view_name = ?", [name]).fetchall()[0][0]
    return f"lp_mat_{name}" in sql


@pytest.fixture(scope="module")
def demo(demo_school: Any) -> tuple[Path, dt.date, dt.date]:
    _, db, _ = demo_school
    con = connect(db, views=(), rules_file=False)
    newest = newest_export(con)
    con.close()
    assert newest is not None
    return db, newest - EARLIER, newest


def test_every_view_materialised_answers_the_plain_rows_at_two_dates(demo: tuple[Path, dt.date, dt.date]) -> None:
    db, earlier, newest = demo
    plain = {day: connect(db, as_of=day, rules_file=False, materialise=False) for day in (earlier, newest)}
    con = connect(db, as_of=newest, views=(), rules_file=False)
    try:
        for day in (earlier, newest, earlier):  # back to a date whose blocks another date replaced
            set_as_of(con, day)
            for query in load_queries():
                ensure_views(con, [query.name])
                assert _rows(con, query.name) == _rows(plain[day], query.name), (day, query.name)
            assert materialised(con) == dict.fromkeys(MATERIALISE, day)
            assert all(_points_at_table(con, name) for name in MATERIALISE)
        assert all(not _points_at_table(c, name) for c in plain.values() for name in MATERIALISE)
    finally:
        con.close()
        for c in plain.values():
            c.close()


def test_a_direct_query_after_set_as_of_answers_for_the_new_date(demo: tuple[Path, dt.date, dt.date]) -> None:
    db, earlier, newest = demo
    con = connect(db, as_of=newest, views=(), rules_file=False)
    ensure_views(con, ["reconciliation", "compliance"])
    fresh = connect(db, as_of=earlier, rules_file=False)
    try:
        at_newest = con.sql("SELECT * FROM reconciliation").fetchall()
        assert materialised(con)["_receipt_matches"] == newest
        set_as_of(con, earlier)  # dates.set_as_of, as a user in JupyterLab calls it; nothing else
        assert not any(_points_at_table(con, name) for name in materialised(con))
        for name in ("reconciliation", "compliance", "_portfolio_items"):
            assert _rows(con, name) == _rows(fresh, name), name
        set_as_of(con, newest)  # the tables built for this date are read again
        assert all(_points_at_table(con, name) for name in materialised(con))
        assert con.sql("SELECT * FROM reconciliation").fetchall() == at_newest
    finally:
        con.close()
        fresh.close()


def test_a_table_of_another_date_is_never_read(demo: tuple[Path, dt.date, dt.date]) -> None:
    db, earlier, newest = demo
    con = connect(db, as_of=newest, views=(), rules_file=False)
    ensure_views(con, ["_receipt_matches"])
    try:
        assert _points_at_table(con, "_receipt_matches")
        # lp_as_of moved behind set_as_of's back: the view refuses rather than answer for `newest`
        con.execute("UPDATE lp_as_of SET as_of = ?, as_of_end = ?::DATE + 1", [earlier, earlier])
        with pytest.raises(duckdb.Error, match="built for another as-of date"):
            con.sql("SELECT * FROM _receipt_matches").fetchall()
    finally:
        con.close()


def test_connect_with_views_builds_nothing_until_a_query_needs_it(demo: tuple[Path, dt.date, dt.date]) -> None:
    db, _, newest = demo
    con = connect(db, as_of=newest, views=["reconciliation"], rules_file=False)
    try:  # a caller reading once (lp query, the runner's class list) is quicker plain
        assert materialised(con) == {}
        ensure_views(con, ["reconciliation"])
        assert set(materialised(con)) == {"_receipt_matches"}
    finally:
        con.close()


def test_a_read_write_connection_materialises_nothing(demo: tuple[Path, dt.date, dt.date], tmp_path: Path) -> None:
    db, _, newest = demo
    copy = tmp_path / "rw.duckdb"
    shutil.copy(db, copy)
    con = connect(copy, as_of=newest, views=(), rules_file=False, read_only=False)
    ensure_views(con, ["reconciliation"])
    try:  # its data may change under a table (purge writes through such a connection)
        assert materialised(con) == {}
        assert not _points_at_table(con, "_receipt_matches")
    finally:
        con.close()


def test_at_dates_answers_each_date_and_keeps_the_connection_tables(demo: tuple[Path, dt.date, dt.date]) -> None:
    db, earlier, newest = demo
    sql = "SELECT kind, state, items FROM reconciliation_states ORDER BY ALL"
    con = connect(db, as_of=newest, views=(), rules_file=False)
    ensure_views(con, ["reconciliation_states"])
    fresh = {day: connect(db, as_of=day, rules_file=False, materialise=False) for day in (earlier, newest)}
    try:
        built = materialised(con)
        assert built["_receipt_matches"] == newest
        over_time = at_dates(con, sql, [], [earlier, newest])
        for day, c in fresh.items():
            got = over_time.filter(over_time["as_of"] == day).drop("as_of").rows()
            assert got == c.sql(sql).fetchall(), day
        assert materialised(con) == built  # no table built for `earlier`, none rebuilt for `newest`
        assert all(_points_at_table(con, name) for name in built)
        assert con.sql(sql).fetchall() == fresh[newest].sql(sql).fetchall()
    finally:
        con.close()
        for c in fresh.values():
            c.close()
