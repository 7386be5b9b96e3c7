"""`lp status`: what is loaded, read from the `load_status` view."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from .dates import as_of_date
from .purge_needed import purge_warning
from .store import one_row, scalar_int
from .views import connect


def status_frame(db: Path) -> tuple[pl.DataFrame, str]:
    """The `load_status` view, and one line: ingests, quarantined rows, default as-of date."""
    con = connect(db)
    try:
        frame = con.sql("SELECT * FROM load_status").pl()
        runs, last = one_row(con, "SELECT count(*), max(finished_at) FROM ingest_runs")
        quarantined = scalar_int(
            con, "SELECT coalesce(sum(rows_quarantined), 0) FROM snapshots "
            "WHERE snapshot_id IN (SELECT snapshot_id FROM current_snapshots)")
        as_of = as_of_date(con)
        warning = purge_warning(con, db)
        # Files of which nothing is loaded (every row quarantined): in no term above, so said here.
        unloaded = con.execute(
            "SELECT DISTINCT file, kind, rows_quarantined FROM data_quality "
            "WHERE rows_loaded = 0 AND rows_quarantined > 0 ORDER BY file").fetchall()
    finally:
        con.close()
    summary = (f"{runs} ingest run(s), the last at {last:%Y-%m-%d %H:%M}; {quarantined:,} rows in quarantine "
               f"in the current snapshots; views answer as of {as_of} by default.")
    for file, kind, rows in unloaded:
        summary += (f"\nwarning: {file} ({kind}): all {rows:,} rows quarantined, nothing of it loaded "
                    "(see `lp query data_quality`)")
    if warning:  # a restore brought back data a purge had deleted
        summary += f"\nwarning: {warning}"
    return frame, summary
