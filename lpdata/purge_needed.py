"""A purge to run again: what `lp restore` leaves when it brought back graduates a purge had deleted.

The restore (lpdata.backup) finds the purges that ran after its backup was taken and writes their
summary into `lp_meta` under `purge_needed`; `lp status` (lpdata.status) repeats the warning until
a purge as of that date or later has run on the restored database. The mark's shape and its words
live here, read by both, so neither command imports the other.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from .store import scalar

MARK_KEY = "purge_needed"


@dataclass(frozen=True)
class MissedPurge:
    """A purge that ran after the backup was taken (from the run log or the replaced database)."""

    purge_id: int
    run_at: dt.datetime
    as_of: dt.date | None
    source: str  # where it was found: the log's path, or "database"


def needed_mark(missed: Sequence[MissedPurge], restored_at: dt.datetime) -> dict[str, Any]:
    """The `purge_needed` value: the last missed purge, the latest as-of date among them (a purge as
    of it deletes what each deleted), how many, and when the restore ran."""
    last = max(missed, key=lambda p: (p.run_at, p.purge_id))
    dates = [p.as_of for p in missed if p.as_of is not None]
    as_of = max(dates) if dates else last.run_at.date()
    return {"purge_id": last.purge_id, "run_at": last.run_at.isoformat(timespec="seconds"),
            "as_of": as_of.isoformat(), "purges": len(missed), "restored_at": restored_at.isoformat()}


def purge_message(needed: Mapping[str, Any], db: Path) -> str:
    """The warning, with the command that settles it."""
    others = int(needed.get("purges", 1)) - 1
    more = f" (and {others} earlier purge{'s' if others != 1 else ''})" if others > 0 else ""
    return (f"this backup was taken before purge #{needed['purge_id']} on {str(needed['run_at'])[:10]}{more}: "
            f"run `lp purge --apply --as-of {needed['as_of']} --db {db}` again, or graduates that purge deleted "
            "stay in the database")


def purge_warning(con: duckdb.DuckDBPyConnection, db: str | Path | None = None) -> str | None:
    """`lp status`'s warning: a restore brought back a backup older than a purge, and no purge as of
    that date or later has run since. None otherwise."""
    try:
        value = scalar(con, "SELECT value FROM lp_meta WHERE key = ?", [MARK_KEY])
    except duckdb.Error:
        return None
    if not value:
        return None
    try:
        needed = json.loads(str(value))
        done = scalar(con, "SELECT count(*) FROM purge_runs WHERE run_at >= ?::TIMESTAMP AND as_of >= ?::DATE",
                      [needed["restored_at"], needed["as_of"]])
    except (ValueError, KeyError, TypeError, duckdb.Error):
        return "a restore marked this database as needing `lp purge --apply` again"
    if done:
        return None
    path = Path(db) if db is not None else Path(str(scalar(con, "SELECT path FROM duckdb_databases() "
                                                             "WHERE database_name = current_database()")))
    return purge_message(needed, path)


__all__ = ["MARK_KEY", "MissedPurge", "needed_mark", "purge_message", "purge_warning"]
