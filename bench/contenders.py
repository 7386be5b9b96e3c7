"""The baselines lp ingest is measured against, and the view timings; each run as its own process
(bench/measure.py records its time and peak memory).

    python bench/contenders.py duckdb-raw FOLDER DB --encoding utf-8|cp950
    python bench/contenders.py pandas-sqlite FOLDER DB --encoding utf-8|cp950
    python bench/contenders.py views DB OUT.json [--repeat 3]   # views: cold and warm, the notebooks' queries

duckdb-raw: DuckDB's own CSV reader, `CREATE TABLE t AS SELECT * FROM read_csv(file, all_varchar=true)`,
one table per file into a fresh database file: no header recognition, no typing, no checks, no
hashing: the physical limit of getting these bytes into DuckDB. Big5 files are first transcoded to
UTF-8 by Python (decode cp950, encode UTF-8, write a temporary file), and that time counts: DuckDB
reads UTF-8 only. Title rows above the header are skipped (the first line with a comma is the header).

pandas-sqlite: what an office would otherwise write: `pandas.read_csv(file, dtype=str, encoding=...)`
then `DataFrame.to_sql` into a fresh SQLite file, one table per file. Lines with too many cells are
skipped (`on_bad_lines="skip"`), as pandas would otherwise stop.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

HEADER_SCAN_LINES = 30


def csv_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() == ".csv")


def header_line(path: Path, encoding: str) -> int:
    """0-based index of the first line holding a comma (lines above it are titles)."""
    with open(path, encoding="utf-8-sig" if encoding == "utf-8" else encoding, errors="replace") as fh:
        for i, line in enumerate(fh):
            if "," in line or i >= HEADER_SCAN_LINES:
                return i
    return 0


def duckdb_raw(folder: Path, db: Path, encoding: str) -> None:
    import duckdb

    con = duckdb.connect(str(db))
    with tempfile.TemporaryDirectory(prefix="bench-big5-", dir=db.parent) as tmp:
        for i, path in enumerate(csv_files(folder)):
            source = path
            if encoding != "utf-8":  # DuckDB reads UTF-8: transcode first (counted)
                source = Path(tmp) / f"{i}.csv"
                # errors="replace": a 造字 byte pair (the demo's Big5 roster has one) stops a strict
                # cp950; the baseline only has to move the bytes, as fast as it can.
                with open(path, encoding=encoding, errors="replace", newline="") as src, \
                        open(source, "w", encoding="utf-8", newline="") as dst:
                    while chunk := src.read(1 << 24):
                        dst.write(chunk)
            skip = header_line(source, "utf-8")
            con.execute(f"CREATE TABLE t{i} AS SELECT * FROM read_csv(?, all_varchar = true, header = true, "
                        f"skip = {skip}, strict_mode = false, null_padding = true)", [str(source)])
            if source != path:
                source.unlink()
    con.close()


def pandas_sqlite(folder: Path, db: Path, encoding: str) -> None:
    import sqlite3

    import pandas as pd

    con = sqlite3.connect(str(db))
    for i, path in enumerate(csv_files(folder)):
        enc = "utf-8-sig" if encoding == "utf-8" else encoding
        frame = pd.read_csv(path, dtype=str, encoding=enc, skiprows=header_line(path, encoding),
                            on_bad_lines="skip", encoding_errors="replace")
        frame.to_sql(f"t{i}", con, index=False, if_exists="replace")
        del frame
    con.commit()
    con.close()


#: The queries the notebooks send (lpdata/report/readings.py and notebooks/*.ipynb, as `page.read`
#: sends them): one class, one term, the school-wide roll-ups. `?` are the term's (academic_year,
#: semester) and, where a third, the class: bound as the notebooks bind them.
REPORT_QUERIES: dict[str, tuple[str, str]] = {  # name: (parameters: "term", "term+class" or "", SQL)
    "class_completion of the term": (
        "term",
        "SELECT * FROM class_completion WHERE academic_year = ? AND semester = ? ORDER BY class_name"),
    "class_chase_summary of a class": (
        "term+class",
        "SELECT * FROM class_chase_summary WHERE academic_year = ? AND semester = ? AND class_name = ?"),
    "class_chase_list of a class": (
        "term+class",
        "SELECT class_name, seat_no, student_no, name, to_upload, to_select, clo_pending, reupload_courses "
        "FROM class_chase_list WHERE academic_year = ? AND semester = ? AND class_name = ? AND needs_action "
        "ORDER BY seat_no NULLS LAST, student_no, national_id_hash"),
    "backlog_by_course of a class": (
        "term+class",
        "SELECT course_code, course_name, teacher_name, assignee_name, certifier, pending, overdue, "
        "oldest_waiting_days FROM backlog_by_course WHERE academic_year = ? AND semester = ? AND class_name ="
        " ? ORDER BY course_code, teacher_name, course_name, assignee_name, certifier"),
    "certification_backlog to the term": (
        "term",
        "SELECT * FROM certification_backlog WHERE (academic_year, semester) <= (?, ?) ORDER BY waiting_days "
        "DESC, item_id"),
    "teacher_certification of the term": (
        "term",
        "SELECT teacher_code, teacher_name, teacher_active, items, pending, overdue, oldest_waiting_days, "
        "certified, rejected, median_turnaround_days, certified_by_due_rate FROM teacher_certification WHERE "
        "academic_year = ? AND semester = ? AND items > 0 ORDER BY teacher_code NULLS LAST"),
    "effectiveness of the term": (
        "term",
        "SELECT * FROM effectiveness WHERE academic_year = ? AND semester = ? ORDER BY metric_order, role, "
        "person_code"),
    "effectiveness_by_role of the term": (
        "term",
        "SELECT * FROM effectiveness_by_role WHERE academic_year = ? AND semester = ? ORDER BY metric_order, "
        "role"),
    "reconciliation_actions of the term": (
        "term",
        "SELECT * FROM reconciliation_actions WHERE academic_year = ? AND semester = ? ORDER BY kind"),
    "paper_mail": (
        "",
        "SELECT * EXCLUDE (national_id_hash) FROM paper_mail ORDER BY class_name, student_no"),
    "reconciliation_funnel of the term": (
        "term",
        "SELECT kind, selected, submitted, received, confirmed FROM reconciliation_funnel WHERE academic_year"
        " = ? AND semester = ? ORDER BY kind"),
    "reconciliation_states of the term": (
        "term",
        "SELECT kind, state, items, submitted_uncertified FROM reconciliation_states WHERE academic_year = ? "
        "AND semester = ? ORDER BY kind, state"),
    "compliance of the term": (
        "term",
        "SELECT rule_id, rule_title, owner, status, evidence, evidence_zh FROM compliance WHERE academic_year"
        " = ? AND (semester = ? OR semester IS NULL)"),
}
#: The weekly as-of dates of the class dashboards' school-wide curve (`readings.completion_over_time`).
AT_DATES_WEEKS = 25


def _cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def views(db: Path, out: Path, repeat: int, timeout: float, memory: str | None,
          only: set[str] | None = None) -> None:
    """Connecting (every view, and only the base), then every view of queries/ as a report meets
    it: a fresh `connect(db, views=())`, the view made ready (`ensure_views`: its building blocks
    materialised for the as-of date) and its rows fetched, `cold`; then `repeat - 1` more times on
    that connection, `warm`. `first_s` is the cold run, `median_s` the median of all runs. Then the
    notebooks' queries (REPORT_QUERIES) the same way, and the class dashboards' curve (`at_dates`
    over AT_DATES_WEEKS weekly dates). A view still running after `timeout` seconds is interrupted
    and recorded as such; one that runs out of memory (`memory`: DuckDB's limit) too. `only`: just
    these views and notebook queries (by name), for a quick look."""
    import datetime as dt
    import threading

    import duckdb

    t0 = time.perf_counter()
    import lpdata
    from lpdata.dates import as_of_date
    from lpdata.report.session import at_dates
    from lpdata.views import connect, ensure_views, load_queries, views_in
    result: dict[str, object] = {"import_s": round(time.perf_counter() - t0, 3), "timeout_s": timeout,
                                 "memory_limit": memory}
    connects, lazy = [], []
    for _ in range(repeat):
        t = time.perf_counter()
        connect(db).close()
        connects.append(time.perf_counter() - t)
        t = time.perf_counter()
        connect(db, views=()).close()
        lazy.append(time.perf_counter() - t)
    result["connect_s"] = round(statistics.median(connects), 3)
    result["connect_base_s"] = round(statistics.median(lazy), 3)

    def fresh() -> duckdb.DuckDBPyConnection:
        con = connect(db, views=())
        if memory:
            con.execute(f"SET memory_limit = '{memory}'")
        return con

    def runs(con: duckdb.DuckDBPyConnection, sql: str, params: list[object]) -> dict[str, object]:
        """Cold then warm runs of one query on `con` (ensure_views counted: it builds the blocks)."""
        walls: list[float] = []
        cpus: list[float] = []
        rows, failed = 0, None
        for _ in range(max(repeat, 2)):
            timer = threading.Timer(timeout, con.interrupt)
            timer.start()
            t, c = time.perf_counter(), _cpu()
            try:
                ensure_views(con, views_in(sql))
                rows = con.sql(sql, params=params or None).to_arrow_table().num_rows
            except duckdb.InterruptException:
                failed = f"over {timeout:g} s (interrupted)"
            except duckdb.OutOfMemoryException:
                failed = f"out of memory (limit {memory})"
            finally:
                timer.cancel()
            walls.append(time.perf_counter() - t)
            cpus.append(_cpu() - c)
            if failed:
                break
        entry: dict[str, object] = {
            "rows": rows, "first_s": round(walls[0], 4), "median_s": round(statistics.median(walls), 4),
            "cold_s": round(walls[0], 4), "cold_cpu_s": round(cpus[0], 3)}
        if len(walls) > 1:
            entry |= {"warm_s": round(statistics.median(walls[1:]), 4),
                      "warm_cpu_s": round(statistics.median(cpus[1:]), 3)}
        if failed:
            entry["failed"] = failed
        return entry

    def show(name: str, entry: dict[str, object]) -> None:
        print(f"{name:36s} {entry['rows']:>10,} rows  cold {entry['cold_s']:8.3f} s ({entry['cold_cpu_s']} CPU)"
              f"  warm {entry.get('warm_s', float('nan')):8.3f} s {entry.get('failed', '')}", flush=True)

    timings: dict[str, object] = {}
    for q in load_queries():
        if only is not None and q.name not in only:
            continue
        con = fresh()
        try:
            timings[q.name] = entry = runs(con, f'SELECT * FROM "{q.name}"', [])
        finally:
            con.close()
        show(q.name, entry)
        out.write_text(json.dumps(result | {"views": timings}, indent=1))
    result["views"] = timings

    con = fresh()
    try:
        day = as_of_date(con)
        term = [day.year - 1911, 1] if day.month >= 8 else [day.year - 1912, 1 if day.month == 1 else 2]
        ensure_views(con, ["class_completion"])
        first = con.execute("SELECT min(class_name) FROM class_completion WHERE academic_year = ? AND semester = ?",
                            term).fetchall()[0][0]
    finally:
        con.close()
    reports: dict[str, object] = {}
    for name, (needs, sql) in REPORT_QUERIES.items():
        if only is not None and name not in only:
            continue
        params: list[object] = [] if not needs else [*term, first] if needs == "term+class" else list(term)
        con = fresh()
        try:
            reports[name] = entry = runs(con, sql, params) | {"sql": sql}
        finally:
            con.close()
        show(name, entry)
        out.write_text(json.dumps(result | {"report_queries": reports}, indent=1))
    result["report_queries"] = reports

    # The class dashboards' school-wide curve: on a connection that has read class_completion (as
    # the dashboard has), then at_dates over the weekly dates up to the as-of date.
    con = fresh()
    try:
        sql = ("SELECT class_name, grade, students, clo_uploaders, mp_uploaders FROM class_completion "
               "WHERE academic_year = ? AND semester = ?")
        ensure_views(con, views_in(sql))
        con.sql(sql, params=term).to_arrow_table()
        dates = [day - dt.timedelta(days=7 * k) for k in range(AT_DATES_WEEKS - 1, -1, -1)]
        t, c = time.perf_counter(), _cpu()
        rows = at_dates(con, sql, term, dates).height
        result["at_dates"] = {"dates": len(dates), "rows": rows, "s": round(time.perf_counter() - t, 3),
                              "cpu_s": round(_cpu() - c, 3)}
        print(f"at_dates ({len(dates)} dates) {rows:,} rows {result['at_dates']}", flush=True)
    finally:
        con.close()
    out.write_text(json.dumps(result, indent=1))
    del lpdata


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="what", required=True)
    for name in ("duckdb-raw", "pandas-sqlite"):
        p = sub.add_parser(name)
        p.add_argument("folder", type=Path)
        p.add_argument("db", type=Path)
        p.add_argument("--encoding", default="utf-8")
    p = sub.add_parser("views")
    p.add_argument("db", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--timeout", type=float, default=600)
    p.add_argument("--memory", default=None, help="DuckDB memory_limit for the views (default DuckDB's)")
    p.add_argument("--only", default=None, help="comma-separated views and notebook queries to measure (default all)")
    args = ap.parse_args()
    if args.what == "duckdb-raw":
        duckdb_raw(args.folder, args.db, args.encoding)
    elif args.what == "pandas-sqlite":
        pandas_sqlite(args.folder, args.db, args.encoding)
    else:
        views(args.db, args.out, args.repeat, args.timeout, args.memory,
              set(args.only.split(",")) if args.only else None)


if __name__ == "__main__":
    sys.exit(main())
