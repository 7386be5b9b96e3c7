"""Prepared views (lpdata.prepared): computed once into the file, read by every connection whose
fingerprint (as-of date, data, rules, SQL, code) is theirs, and never read otherwise."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest

from lpdata import connect
from lpdata.dates import newest_export, set_as_of
from lpdata.ingest import ingest
from lpdata.prepared import PREPARED, prepare
from lpdata.purge import apply_purge
from lpdata.report.runner import prepare_views
from lpdata.report.session import at_dates
from lpdata.views import ensure_views, load_queries, materialised, prepared_usable

EARLIER = dt.timedelta(days=150)


def _rows(con: duckdb.DuckDBPyConnection, name: str) -> list[tuple[Any, ...]]:
    rows = con.execute(f'SELECT * FROM "{name}"').fetchall()
    return sorted(rows, key=repr) if name.startswith("_") else rows  # public views keep their order


def _reads_prepared(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    sql = con.execute("SELECT sql FROM duckdb_views() WHERE view_name = ?", [name]).fetchall()[0][0]
    return re.search(rf'lp_prepared\."?{name}"?\s', sql) is not None


def _prepared_tables(db: Path) -> set[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = "
                                          "'lp_prepared'").fetchall()}
    finally:
        con.close()


@pytest.fixture()
def demo(demo_school: Any, tmp_path: Path) -> tuple[Path, Path, dt.date, dt.date]:
    """A copy of the demo school (prepare writes into it), its key, an earlier date and the newest."""
    _, db, key = demo_school
    copy = tmp_path / "demo.duckdb"
    shutil.copy(db, copy)
    writer = duckdb.connect(str(copy))  # without the views a runner test may have prepared in it
    writer.execute("DROP SCHEMA IF EXISTS lp_prepared CASCADE")
    writer.close()
    con = connect(copy, views=(), rules_file=False)
    newest = newest_export(con)
    con.close()
    assert newest is not None
    return copy, key, newest - EARLIER, newest


def test_every_view_answers_the_same_rows_from_prepared_tables(demo: tuple[Path, Path, dt.date, dt.date]) -> None:
    db, _, earlier, newest = demo
    result = prepare(db, rules_file=False)
    assert not result.current and result.as_of == newest
    assert {p.name for p in result.views} == set(PREPARED) == _prepared_tables(db) - {"blocks"}
    assert prepare(db, rules_file=False).current  # nothing to do the second time
    plain = {day: connect(db, as_of=day, rules_file=False, materialise=False) for day in (earlier, newest)}
    con = connect(db, views=(), rules_file=False)
    try:
        for day in (newest, earlier, newest):  # away from the prepared date and back
            set_as_of(con, day)
            for query in load_queries():
                ensure_views(con, [query.name])
                assert _rows(con, query.name) == _rows(plain[day], query.name), (day, query.name)
            kept = {name for name in PREPARED if _reads_prepared(con, name)}
            assert kept == (set(PREPARED) if day == newest else set())
        assert not any(_reads_prepared(c, name) for c in plain.values() for name in PREPARED)
    finally:
        con.close()
        for c in plain.values():
            c.close()


def test_a_direct_query_after_set_as_of_reads_the_plain_view(demo: tuple[Path, Path, dt.date, dt.date]) -> None:
    db, _, earlier, newest = demo
    prepare(db, rules_file=False)
    con = connect(db, views=(), rules_file=False)
    fresh = connect(db, as_of=earlier, rules_file=False, materialise=False)
    try:
        ensure_views(con, ["reconciliation_funnel", "compliance"])  # created without what their tables hold
        assert _reads_prepared(con, "reconciliation") and _reads_prepared(con, "_compliance_items")
        assert "_clo_items" not in {r[0] for r in con.execute("SELECT view_name FROM duckdb_views()").fetchall()}
        set_as_of(con, earlier)  # as a user in JupyterLab does; no ensure_views after it
        for name in ("reconciliation", "reconciliation_funnel", "compliance"):
            assert _rows(con, name) == _rows(fresh, name), name
        set_as_of(con, newest)
        assert _reads_prepared(con, "reconciliation")
        frame = at_dates(con, "SELECT count(*) AS n FROM reconciliation", [], [earlier, newest])
        assert frame["n"].to_list() == [len(_rows(fresh, "reconciliation")), len(_rows(con, "reconciliation"))]
        assert _reads_prepared(con, "reconciliation")  # at_dates gives the connection its date back
    finally:
        con.close()
        fresh.close()


def test_a_prepared_table_is_not_read_once_data_rules_or_date_differ(
        demo: tuple[Path, Path, dt.date, dt.date], export_folder: Path, tmp_path: Path) -> None:
    db, key, earlier, _ = demo
    prepare(db, rules_file=False)
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - effective_from: 100\n    R-CLO-UPLOAD-MAX: {max_per_semester: 2}\n", encoding="utf-8")
    for kwargs in ({"rules_file": False}, {"rules_file": rules}, {"rules_file": False, "as_of": earlier}):
        con = connect(db, views=(), **kwargs)  # type: ignore[arg-type]
        try:
            expected = set(PREPARED) if kwargs == {"rules_file": False} else set()
            assert prepared_usable(con) == expected, kwargs
        finally:
            con.close()
    ingest(export_folder, db=db, key_file=key)  # new data: the tables are stale
    con = connect(db, views=(), rules_file=False)
    plain = connect(db, rules_file=False, materialise=False)
    try:
        assert prepared_usable(con) == frozenset()
        ensure_views(con, ["reconciliation", "effectiveness"])
        assert not _reads_prepared(con, "reconciliation")
        assert "_receipt_matches" in materialised(con)  # built on the connection, as without prepared views
        for name in ("reconciliation", "effectiveness"):
            assert _rows(con, name) == _rows(plain, name), name
    finally:
        con.close()
        plain.close()
    again = prepare(db, rules_file=False)
    assert not again.current and {p.name for p in again.views} == set(PREPARED)


def test_a_purge_drops_the_prepared_tables(demo: tuple[Path, Path, dt.date, dt.date]) -> None:
    db, _, _, newest = demo
    prepare(db, rules_file=False)
    assert _prepared_tables(db)
    apply_purge(db, as_of=newest)
    assert _prepared_tables(db) == set()


def test_the_runner_prepares_with_the_notebooks_rules_and_goes_on_when_it_cannot(
        demo: tuple[Path, Path, dt.date, dt.date], caplog: pytest.LogCaptureFixture) -> None:
    from lpdata.report.session import connect as notebook_connect

    db, _, _, newest = demo
    holder = duckdb.connect(str(db))  # another writer holds the file: no prepared views, no failure
    try:
        with caplog.at_level("WARNING"):
            prepare_views(db, newest)
        assert "views not prepared" in caplog.text
    finally:
        holder.close()
    prepare_views(db, newest)
    con = notebook_connect(db, newest)  # a report kernel's connection reads them
    assert prepared_usable(con) == set(PREPARED)
