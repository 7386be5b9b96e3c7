"""lpdata.purge_needed: the mark a restore leaves and `lp status`'s warning (the whole story, restore
to purge, is tests/reliability/test_backup.py)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb

from lpdata.purge_needed import MARK_KEY, MissedPurge, needed_mark, purge_message, purge_warning

RESTORED = dt.datetime(2025, 9, 1, 9, 0)


def test_the_mark_names_the_last_purge_and_the_latest_as_of_date() -> None:
    missed = [MissedPurge(1, dt.datetime(2025, 8, 2, 10), dt.date(2025, 8, 1), "database"),
              MissedPurge(2, dt.datetime(2025, 8, 3, 10), dt.date(2025, 7, 31), "lp.duckdb.log.jsonl"),
              MissedPurge(3, dt.datetime(2025, 8, 1, 10), None, "database")]
    assert needed_mark(missed, RESTORED) == {"purge_id": 2, "run_at": "2025-08-03T10:00:00", "as_of": "2025-08-01",
                                             "purges": 3, "restored_at": "2025-09-01T09:00:00"}
    # a purge whose as-of date is unknown: the day it ran
    assert needed_mark(missed[2:], RESTORED)["as_of"] == "2025-08-01"


def test_the_message_says_how_many_and_what_to_run() -> None:
    mark = {"purge_id": 2, "run_at": "2025-08-03T10:00:00", "as_of": "2025-08-01", "purges": 1}
    one = purge_message(mark, Path("data/lp.duckdb"))
    assert one.startswith("this backup was taken before purge #2 on 2025-08-03: run `lp purge --apply "
                          "--as-of 2025-08-01 --db data/lp.duckdb` again")
    assert "(and 1 earlier purge)" in purge_message({**mark, "purges": 2}, Path("x"))
    assert "(and 2 earlier purges)" in purge_message({**mark, "purges": 3}, Path("x"))


def test_the_warning_lasts_until_a_purge_as_of_that_date_runs() -> None:
    con = duckdb.connect()
    try:
        assert purge_warning(con, "lp.duckdb") is None  # no lp tables
        con.execute("CREATE TABLE lp_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)")
        con.execute("CREATE TABLE purge_runs (purge_id INTEGER, run_at TIMESTAMP, as_of DATE)")
        assert purge_warning(con, "lp.duckdb") is None  # no mark
        mark = needed_mark([MissedPurge(1, dt.datetime(2025, 8, 2, 10), dt.date(2025, 8, 1), "database")], RESTORED)
        con.execute("INSERT INTO lp_meta VALUES (?, ?)", [MARK_KEY, json.dumps(mark)])
        assert purge_warning(con, "lp.duckdb") == purge_message(mark, Path("lp.duckdb"))
        con.execute("INSERT INTO purge_runs VALUES (2, '2025-09-01 10:00', '2025-07-31')")  # too early a date
        assert purge_warning(con, "lp.duckdb") is not None
        con.execute("INSERT INTO purge_runs VALUES (3, '2025-09-01 11:00', '2025-08-01')")
        assert purge_warning(con, "lp.duckdb") is None
        con.execute("UPDATE lp_meta SET value = 'not json'")
        assert purge_warning(con) == "a restore marked this database as needing `lp purge --apply` again"
    finally:
        con.close()
