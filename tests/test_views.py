"""`lpdata.views`: SQL files are found, checked for their header, and created in dependency order."""

from __future__ import annotations

from pathlib import Path

import pytest

from lpdata import connect, ingest
from lpdata.errors import LpdataError
from lpdata.views import Query, load_queries, order_by_dependencies, queries_dir, references


def q(name: str, sql: str) -> Query:
    return Query(name, sql, ("x",), "owner", "meaning", Path(f"{name}.sql"))


def test_dependencies_order_views_and_ignore_comments_and_strings() -> None:
    a = q("a", "SELECT * FROM b JOIN c USING (x)")
    b = q("b", "SELECT * FROM c -- not a: a\n WHERE y = 'a'")
    c = q("c", "SELECT 1 AS x")
    assert references(b, {"a", "b", "c"}) == {"c"}
    assert [v.name for v in order_by_dependencies((a, b, c))] == ["c", "b", "a"]


def test_a_cycle_is_an_error() -> None:
    with pytest.raises(LpdataError, match="cycle: a -> b -> a"):
        order_by_dependencies((q("a", "SELECT * FROM b"), q("b", "SELECT * FROM a")))


def test_every_sql_file_names_grain_owner_and_meaning() -> None:
    queries = load_queries()
    assert {v.name for v in queries} >= {"data_quality", "load_status"}
    for view in queries:
        assert view.grain and view.owner and view.meaning, view.path


def test_a_header_missing_its_grain_is_refused(tmp_path: Path) -> None:
    (tmp_path / "v.sql").write_text("-- owner: x\n-- meaning: y\nSELECT 1")
    with pytest.raises(LpdataError, match="lacks grain"):
        load_queries(tmp_path)


def test_every_view_has_a_unique_grain_on_the_fixture_school(export_folder: Path, tmp_path: Path,
                                                            key_file: Path) -> None:
    db = tmp_path / "lp.duckdb"
    ingest(export_folder, db=db, key_file=key_file)
    con = connect(db)
    for view in load_queries():
        cols = ", ".join(view.grain)
        total = con.execute(f'SELECT count(*) FROM "{view.name}"').fetchall()[0][0]
        distinct = con.execute(f'SELECT count(*) FROM (SELECT DISTINCT {cols} FROM "{view.name}")').fetchall()[0][0]
        assert total == distinct, view.name
    con.close()


def test_queries_dir_is_the_repository_folder() -> None:
    assert queries_dir() == Path(__file__).resolve().parent.parent / "queries"
