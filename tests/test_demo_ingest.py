"""The demo school through the real loader: every row made bad on purpose is quarantined, and
nothing else is; every row with a 造字 or a replaced character is loaded and listed for a look."""

from __future__ import annotations

from pathlib import Path

import duckdb


def _name(path: str, out: Path) -> str:
    """A loaded file's name as the folder shows it (a zip member: `收訖明細.zip/收訖明細_課程學習成果.csv`),
    the way DemoSummary keys it: snapshot_files holds paths relative to the folder ingested."""
    root = str(out).rstrip("/") + "/"
    return path[len(root):] if path.startswith(root) else path


def test_every_injected_bad_row_is_quarantined_and_no_other(demo_school) -> None:
    summary, db, _ = demo_school
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT path, sum(rows_read), sum(rows_quarantined) FROM snapshot_files GROUP BY path").fetchall()
        by_reason = con.execute(
            """SELECT f.path, q.reason, count(*)
               FROM quarantine q JOIN (SELECT DISTINCT file_id, path FROM snapshot_files) f USING (file_id)
               GROUP BY ALL""").fetchall()
        notices = con.execute(
            """SELECT f.path, n.reason, count(*)
               FROM row_notices n JOIN (SELECT DISTINCT file_id, path FROM snapshot_files) f USING (file_id)
               GROUP BY ALL""").fetchall()
    finally:
        con.close()
    loaded: dict[str, tuple[int, int]] = {}
    for path, read, bad in rows:
        name = _name(path, summary.out)
        r, b = loaded.get(name, (0, 0))
        loaded[name] = (r + read, b + bad)
    table_files = {name for name in summary.rows if Path(name).suffix in (".csv", ".xlsx", ".xls")}
    assert table_files <= set(loaded), table_files - set(loaded)
    for name in table_files:
        read, bad = loaded[name]
        assert read == summary.rows[name], name
        assert bad == summary.injected_bad_rows[name], name
    got: dict[tuple[str, str], int] = {}
    for path, reason, n in by_reason:
        key = (_name(path, summary.out), reason)
        got[key] = got.get(key, 0) + n
    want = {(name, reason): n for name, reasons in summary.injected_by_reason.items()
            for reason, n in reasons.items() if n}
    assert got == want
    listed: dict[tuple[str, str], int] = {}
    for path, reason, n in notices:
        key = (_name(path, summary.out), reason)
        listed[key] = listed.get(key, 0) + n
    assert listed == {(name, reason): n for name, reasons in summary.injected_notices.items()
                      for reason, n in reasons.items()}
