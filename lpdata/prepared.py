"""Prepared views: the heavy views kept in the database file, computed once for every report.

    result = prepare("data/lp.duckdb")          # as of the newest export; `lp run` does this first

A report's kernel opens its own read-only connection, and each used to compute the building blocks
it reads (`views.MATERIALISE`) and the heavy views (`reconciliation`, `effectiveness` …) from the
raw rows again: a school's 39 reports computed `_receipt_matches` 39 times, the nation's each for
minutes. `prepare` computes the views of PREPARED once, in dependency order, into tables of the
schema `lp_prepared`, with a registry (`lp_prepared.blocks`) naming the fingerprint they were
computed for. A connection uses a prepared table only while its own fingerprint is that one: the
same as-of date, data (snapshots, files, purges: `store.data_digest`), rules in force, SQL of
queries/, code that shapes the views and DuckDB version. Anything else and the views compute
from the rows as before: a stale table is never read, only replaced by the next `prepare`.

Privacy: the tables hold what the views show (hashed IDs, names), like the rest of the file. A
purge drops them in its own transaction (`views.drop_prepared`); backups copy the schema `main` only.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path

from .dates import as_of_date
from .store import transaction
from .views import (
    PREPARED_REGISTRY,
    PREPARED_SCHEMA,
    connect,
    drop_prepared,
    ensure_views,
    fingerprint,
    load_queries,
    prepared_kept,
    prepared_table,
)

#: The views worth keeping: the per-connection blocks, `_portfolio_items` (read by five of them),
#: the public views whose plans are deepest or whose inputs largest (bench/README.md, "Targets"),
#: and those reading every CLO item or receipt line of the school that the reports query (at the
#: nation a cold read of the items costs some 20 s whatever the filter; `receipt_confirmation`,
#: read by `paper_mail` and `reconciliation_funnel`, 6–11 s). Views reading them (the
#: reconciliation summaries, `effectiveness_by_role`, `compliance`, `class_chase_summary`, the
#: backlog views, `paper_mail`) then read a table.
PREPARED = ("_portfolio_items", "_receipt_matches", "_compliance_items", "_compliance_people", "_compliance_records",
            "reconciliation", "effectiveness", "class_chase_list", "quota_breaches", "class_completion",
            "certification_backlog", "teacher_certification", "receipt_confirmation")


@dataclass(frozen=True)
class Prepared:
    """One view kept: its rows and how long computing it took."""

    name: str
    rows: int
    seconds: float


@dataclass(frozen=True)
class PrepareResult:
    """What `prepare` did: `views` computed now, or none when the tables were already current."""

    db: Path
    as_of: dt.date
    fingerprint: str
    views: tuple[Prepared, ...]
    current: bool  # the tables were already this fingerprint's: nothing computed
    seconds: float


def prepare(db: str | Path, as_of: dt.date | str | None = None, *,
            rules_file: Path | bool | None = True) -> PrepareResult:
    """Compute the views of PREPARED into the database for `as_of` (default: the newest export) and
    the rules of `rules_file` (as `views.connect`), replacing the tables of any other fingerprint;
    nothing when they are current. Takes the database for writing: a `DatabaseBusyError` (or
    DuckDB's lock error) while another process has it open."""
    t0 = time.perf_counter()
    db = Path(db)
    con = connect(db, as_of=as_of, views=(), rules_file=rules_file, materialise=False)
    try:
        day, print_ = as_of_date(con), fingerprint(con)
        current = frozenset(PREPARED) <= prepared_kept(con, print_)
    finally:
        con.close()
    if current:
        return PrepareResult(db, day, print_, (), True, time.perf_counter() - t0)
    con = connect(db, as_of=day, read_only=False, views=(), rules_file=rules_file, materialise=False)
    done: list[Prepared] = []
    try:
        print_ = fingerprint(con)  # the data as this writer sees it
        # The old tables go first, in a transaction of their own, and the checkpoint frees their
        # blocks for the new ones: dropped in the same transaction, the file grew by both (the
        # nation's 2.4 GB file reached 7 GB after two prepares). Meanwhile the views compute from
        # the rows, as without prepared tables: never wrong, only slower.
        with transaction(con):
            drop_prepared(con)
        con.execute("CHECKPOINT")
        with transaction(con):
            con.execute(f"CREATE SCHEMA {PREPARED_SCHEMA}")
            con.execute(f"CREATE TABLE {PREPARED_REGISTRY} (name VARCHAR PRIMARY KEY, fingerprint VARCHAR NOT NULL, "
                        "as_of DATE NOT NULL, built_at TIMESTAMP NOT NULL, rows BIGINT NOT NULL, "
                        "seconds DOUBLE NOT NULL)")
            for query in load_queries():  # dependency order: a view reads the tables kept before it
                if query.name not in PREPARED:
                    continue
                t = time.perf_counter()
                ensure_views(con, [query.name], materialise=False)
                con.execute(f'CREATE TABLE {prepared_table(query.name)} AS SELECT * FROM "{query.name}"')
                con.execute(f'CREATE OR REPLACE TEMP VIEW "{query.name}" AS SELECT * FROM {prepared_table(query.name)}')
                rows = int(con.execute(f"SELECT count(*) FROM {prepared_table(query.name)}").fetchall()[0][0])
                seconds = time.perf_counter() - t
                con.execute(f"INSERT INTO {PREPARED_REGISTRY} VALUES (?, ?, ?, ?, ?, ?)",
                            [query.name, print_, day, dt.datetime.now(), rows, seconds])
                done.append(Prepared(query.name, rows, round(seconds, 3)))
    finally:
        con.close()
    return PrepareResult(db, day, print_, tuple(done), False, time.perf_counter() - t0)


__all__ = ["PREPARED", "PrepareResult", "Prepared", "prepare"]
