"""lpdata.dates: terms and the as-of date, each rule once (what report/plan.py, report/page.py,
report/runner.py, views.py and purge.py each wrote for themselves before)."""

from __future__ import annotations

import copy
import datetime as dt
import pickle
from pathlib import Path

import duckdb
import polars as pl
import pytest

from lpdata.dates import (
    Term,
    as_of_date,
    default_as_of,
    newest_export,
    newest_export_or_today,
    parse_as_of,
    set_as_of,
    term_columns,
    term_of,
)
from lpdata.errors import DateError, LpdataError, StoreError
from lpdata.report.i18n import strings
from lpdata.store import ensure_schema, open_db

D = dt.date


# --- term_of: semester 1 from 1 August through January, semester 2 from 1 February ---------------
@pytest.mark.parametrize("day, year, semester", [
    ("2024-08-01", 113, 1), ("2024-12-31", 113, 1), ("2025-01-01", 113, 1), ("2025-01-31", 113, 1),
    ("2025-02-01", 113, 2), ("2025-07-31", 113, 2), ("2025-08-01", 114, 1), ("2024-07-31", 112, 2),
])
def test_term_of_follows_the_month_rule(day: str, year: int, semester: int) -> None:
    term = term_of(D.fromisoformat(day))
    assert term == Term(year, semester) == (year, semester)  # plan.py compared Terms, page.py pairs
    assert (term.academic_year, term.semester) == (year, semester) and term.as_of is None
    assert term.starts_on <= D.fromisoformat(day) <= term.ends_on


def test_term_columns_agree_with_term_of_every_day() -> None:
    days = [D(2023, 7, 1) + dt.timedelta(days=n) for n in range(800)]
    year, semester = term_columns(pl.col("d"))
    frame = pl.DataFrame({"d": days}).select(year.alias("academic_year"), semester.alias("semester"))
    assert frame.schema == {"academic_year": pl.Int64, "semester": pl.Int64}
    assert frame.rows() == [tuple(term_of(d)) for d in days]


# --- Term: the pair, its dates, its label ------------------------------------------------------
def test_term_spans_and_binds() -> None:
    first, second = Term(113, 1), Term(113, 2, D(2025, 3, 1))
    assert (first.starts_on, first.ends_on) == (D(2024, 8, 1), D(2025, 1, 31))
    assert (second.starts_on, second.ends_on) == (D(2025, 2, 1), D(2025, 7, 31))
    assert second.params == [113, 2] and second.as_of == D(2025, 3, 1)
    year, semester = second
    assert (year, semester) == (113, 2)


def test_term_seen_on_is_its_as_of_date_and_required() -> None:
    assert Term(113, 2, D(2025, 3, 1)).seen_on == D(2025, 3, 1)
    with pytest.raises(ValueError, match="113-1 has no as-of date"):
        _ = Term(113, 1).seen_on


def test_term_orders_hashes_and_prints_as_its_pair() -> None:
    assert sorted([Term(113, 2), Term(112, 2), Term(113, 1)]) == [Term(112, 2), Term(113, 1), Term(113, 2)]
    assert Term(113, 2, D(2025, 3, 1)) == Term(113, 2) and Term(113, 1) != Term(113, 2)
    assert {Term(113, 2): "x"}[Term(113, 2, D(2025, 3, 1))] == "x"  # a cache keyed by term
    assert str(Term(113, 2)) == "113-2" and f"of {Term(114, 1)}" == "of 114-1"
    assert repr(Term(113, 2)) == "Term(academic_year=113, semester=2)"
    assert repr(Term(113, 2, D(2025, 3, 1))) == "Term(academic_year=113, semester=2, as_of=datetime.date(2025, 3, 1))"


def test_term_is_immutable_and_survives_copy_and_pickle() -> None:
    term = Term(113, 2, D(2025, 3, 1))
    with pytest.raises(AttributeError):
        term.as_of = D(2025, 4, 1)  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del term.as_of
    for again in (copy.copy(term), copy.deepcopy(term), pickle.loads(pickle.dumps(term))):
        assert type(again) is Term and again == term and again.as_of == term.as_of


def test_term_label_in_both_languages() -> None:
    assert Term(113, 2).label(strings("zh-TW")) == "113 學年度第 2 學期"
    assert "113" in Term(113, 2).label(strings("en")) and "2" in Term(113, 2).label(strings("en"))


# --- parse_as_of: a date, YYYY-MM-DD text or None ----------------------------------------------
def test_parse_as_of_accepts_dates_text_and_none() -> None:
    assert parse_as_of(None) is None
    assert parse_as_of(D(2025, 3, 1)) == D(2025, 3, 1)
    assert parse_as_of("2025-03-01") == D(2025, 3, 1)


@pytest.mark.parametrize("text", ["someday", "2025-13-40", "", "2025-03-01'; DROP TABLE snap_students; --"])
def test_parse_as_of_names_a_bad_date(text: str) -> None:
    with pytest.raises(DateError) as info:
        parse_as_of(text)
    assert isinstance(info.value, LpdataError) and info.value.code == "bad_date"
    assert str(info.value) == f"as-of date {text!r} is not a date (expected YYYY-MM-DD)"  # views.py, purge.py
    with pytest.raises(DateError) as info:
        parse_as_of(text, what="--as-of")
    assert str(info.value) == f"--as-of {text!r} is not a date (expected YYYY-MM-DD)"  # report/runner.py


# --- the newest export and a connection's as-of date -------------------------------------------
def _lp_file(path: Path, *exported_at: dt.datetime) -> Path:
    con = open_db(path)
    try:
        ensure_schema(con)
        for n, when in enumerate(exported_at, 1):
            con.execute("INSERT INTO snapshots VALUES (?, 1, 'students', ?, 'file', 0, 0, 0)", [n, when])
    finally:
        con.close()
    return path


def test_newest_export_and_its_fallback(tmp_path: Path) -> None:
    db = _lp_file(tmp_path / "lp.duckdb", dt.datetime(2025, 3, 1, 18), dt.datetime(2025, 2, 1, 9))
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert newest_export(con) == newest_export_or_today(con) == D(2025, 3, 1)
    finally:
        con.close()
    empty = duckdb.connect(str(_lp_file(tmp_path / "empty.duckdb")))
    try:
        assert newest_export(empty) is None and newest_export_or_today(empty) == D.today()
    finally:
        empty.close()


def test_default_as_of_reads_the_file_and_refuses_nothing_loaded(tmp_path: Path) -> None:
    assert default_as_of(_lp_file(tmp_path / "lp.duckdb", dt.datetime(2025, 3, 1, 18))) == D(2025, 3, 1)
    with pytest.raises(StoreError, match="nothing is loaded yet, so there is no default as-of date; pass --as-of"):
        default_as_of(_lp_file(tmp_path / "empty.duckdb"))
    duckdb.connect(str(tmp_path / "other.duckdb")).close()
    with pytest.raises(StoreError, match=r"the database has no lp tables yet; run `lp ingest` first"):
        default_as_of(tmp_path / "other.duckdb")
    with pytest.raises(StoreError, match="no database here yet"):
        default_as_of(tmp_path / "missing.duckdb")


def test_set_as_of_moves_a_connection() -> None:
    con = duckdb.connect()
    try:
        set_as_of(con, D(2025, 3, 1))
        assert as_of_date(con) == D(2025, 3, 1)
        assert con.execute("SELECT as_of_end FROM lp_as_of").fetchall() == [(dt.datetime(2025, 3, 2),)]
        set_as_of(con, D(2024, 8, 1))
        assert as_of_date(con) == D(2024, 8, 1)
    finally:
        con.close()
