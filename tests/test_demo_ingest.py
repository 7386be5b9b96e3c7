"""The demo school through the real loader: every row made bad on purpose is quarantined, and
nothing else is."""

from __future__ import annotations

import duckdb


def test_every_injected_bad_row_is_quarantined_and_no_other(demo_school) -> None:
    summary, db, _ = demo_school
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(
            """SELECT regexp_extract(f.path, '[^/]+$') AS name, sum(f.rows_read), sum(f.rows_quarantined)
               FROM snapshot_files f GROUP BY name""").fetchall()
        by_reason = con.execute(
            """SELECT regexp_extract(f.path, '[^/]+$') AS name, q.reason, count(*)
               FROM quarantine q JOIN snapshot_files f USING (file_id) GROUP BY ALL""").fetchall()
    finally:
        con.close()
    loaded = {name: (read, bad) for name, read, bad in rows}
    table_files = {p.name for p in summary.files if p.suffix in (".csv", ".xlsx", ".xls")}
    assert table_files <= set(loaded), table_files - set(loaded)
    for name in table_files:
        read, bad = loaded[name]
        assert read == summary.rows[name], name
        assert bad == summary.injected_bad_rows[name], name
    got = {(name, reason): n for name, reason, n in by_reason}
    want = {(name, reason): n for name, reasons in summary.injected_by_reason.items()
            for reason, n in reasons.items() if n}
    assert got == want
