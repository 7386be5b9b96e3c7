"""bench/equivalence.py, the tool that proves a change altered no table or view: it must call two
dumps of the same database the same, and find a changed row."""

from __future__ import annotations

import datetime as dt
import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType

import duckdb
import pytest

ROOT = Path(__file__).resolve().parent.parent


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_equivalence", ROOT / "bench" / "equivalence.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


equivalence = _tool()


def _db(path: Path, rows: list[tuple[int, str | None]], started: str) -> Path:
    """A database of two tables: `items` with `rows` in the given physical order, and an ingest log
    whose clock differs from run to run."""
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE items (id INTEGER, name VARCHAR)")
    con.executemany("INSERT INTO items VALUES (?, ?)", rows)
    con.execute("CREATE TABLE ingest_runs (ingest_id INTEGER, started_at TIMESTAMP, finished_at TIMESTAMP, "
                "source VARCHAR)")
    con.execute("INSERT INTO ingest_runs VALUES (1, ?, ?, 'exports')", [started, started])
    con.close()
    return path


def test_the_same_rows_in_another_physical_order_and_another_clock_compare_equal(tmp_path: Path) -> None:
    a = _db(tmp_path / "a.duckdb", [(1, "甲"), (2, "乙"), (3, None)], "2026-07-20 18:00")
    b = _db(tmp_path / "b.duckdb", [(3, None), (1, "甲"), (2, "乙")], "2026-12-05 08:00")
    assert equivalence.main(["dump", str(a), str(tmp_path / "da"), "--no-views"]) == 0
    assert equivalence.main(["dump", str(b), str(tmp_path / "db"), "--no-views"]) == 0
    assert equivalence.main(["compare", str(tmp_path / "da"), str(tmp_path / "db")]) == 0


def test_a_changed_row_and_a_missing_table_are_found(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = _db(tmp_path / "a.duckdb", [(1, "甲"), (2, "乙")], "2026-07-20 18:00")
    b = _db(tmp_path / "b.duckdb", [(1, "甲"), (2, "丙")], "2026-07-20 18:00")
    con = duckdb.connect(str(b))
    con.execute("CREATE TABLE extra (x INTEGER)")
    con.close()
    equivalence.main(["dump", str(a), str(tmp_path / "da"), "--no-views"])
    equivalence.main(["dump", str(b), str(tmp_path / "db"), "--no-views"])
    capsys.readouterr()
    assert equivalence.main(["compare", str(tmp_path / "da"), str(tmp_path / "db")]) == 1
    out = capsys.readouterr().out
    assert "DIFFERS  table items" in out
    assert "1 rows only in A, 1 only in B" in out
    assert "乙" in out and "丙" in out
    assert "MISSING  table extra: only in B" in out
    assert "ingest_runs" not in out
    assert equivalence.main(["compare", str(tmp_path / "da"), str(tmp_path / "db"), "--common"]) == 1
    out = capsys.readouterr().out
    assert "DIFFERS  table items" in out and "extra" not in out  # --common: what both hold


def test_views_of_an_lp_database_are_dumped_and_a_changed_row_is_found(
        tmp_path: Path, export_folder: Path, key_file: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from lpdata.ingest import ingest
    from lpdata.views import QUERIES_ENV, queries_dir

    # Three views of queries/ (a building block, two ordered public views) keep the test fast.
    queries = tmp_path / "queries"
    queries.mkdir()
    for name in ("_macros", "_enrolment", "load_status", "data_quality"):
        shutil.copyfile(queries_dir() / f"{name}.sql", queries / f"{name}.sql")
    monkeypatch.setenv(QUERIES_ENV, str(queries))

    db = tmp_path / "lp.duckdb"
    ingest(export_folder, db=db, exported_at=dt.datetime(2024, 12, 1, 12), key_file=key_file)
    changed = tmp_path / "changed.duckdb"
    shutil.copyfile(db, changed)
    con = duckdb.connect(str(changed))
    assert con.execute("UPDATE snap_students SET name = name || '!' WHERE name IS NOT NULL "
                       "AND _row = (SELECT min(_row) FROM snap_students WHERE name IS NOT NULL)").fetchall()[0][0] == 1
    con.close()
    for name, path in (("one", db), ("two", db), ("changed", changed)):
        assert equivalence.main(["dump", str(path), str(tmp_path / name), "--as-of", "default"]) == 0
    manifest = equivalence._load_manifest(tmp_path / "one")
    views = {k: v for k, v in manifest["entries"].items() if v["kind"] == "view"}
    assert "default/load_status" in views and views["default/load_status"]["ordered"]
    assert not views["default/_enrolment"]["ordered"]  # a building block: no ORDER BY of its own
    capsys.readouterr()
    assert equivalence.main(["compare", str(tmp_path / "one"), str(tmp_path / "two")]) == 0
    assert equivalence.main(["compare", str(tmp_path / "one"), str(tmp_path / "changed")]) == 1
    out = capsys.readouterr().out
    assert "DIFFERS  table snap_students" in out
    assert "DIFFERS  view default/_enrolment" in out


def test_a_view_is_held_to_its_order_only_when_its_sql_orders_it() -> None:
    con = duckdb.connect()
    assert equivalence.ordered_by_query(con, "SELECT a FROM t ORDER BY a")
    assert not equivalence.ordered_by_query(con, "SELECT a FROM (SELECT a FROM t ORDER BY a) s")
    assert not equivalence.ordered_by_query(con, "WITH s AS (SELECT a FROM t ORDER BY a) SELECT * FROM s")
