"""The baselines lp ingest is measured against, and the view timings; each run as its own process
(bench/measure.py records its time and peak memory).

    python bench/contenders.py duckdb-raw FOLDER DB --encoding utf-8|cp950
    python bench/contenders.py pandas-sqlite FOLDER DB --encoding utf-8|cp950
    python bench/contenders.py views DB OUT.json [--repeat 3]

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


def views(db: Path, out: Path, repeat: int, timeout: float, memory: str | None) -> None:
    """Connecting (every view, and only the base), then every view of queries/: its rows fetched,
    `repeat` times on one connection (the first run reads the file cold-ish; the median is shown).
    A view still running after `timeout` seconds is interrupted and recorded as such; one that runs
    out of memory (`memory`: DuckDB's limit) too."""
    import threading

    import duckdb

    t0 = time.perf_counter()
    import lpdata
    from lpdata.views import connect, load_queries
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
    con = connect(db)
    if memory:
        con.execute(f"SET memory_limit = '{memory}'")
    timings: dict[str, object] = {}
    for q in load_queries():
        runs, rows, failed = [], 0, None
        for _ in range(repeat):
            timer = threading.Timer(timeout, con.interrupt)
            timer.start()
            t = time.perf_counter()
            try:
                rows = con.sql(f'SELECT * FROM "{q.name}"').to_arrow_table().num_rows
            except duckdb.InterruptException:
                failed = f"over {timeout:g} s (interrupted)"
            except duckdb.OutOfMemoryException:
                failed = f"out of memory (limit {memory})"
            finally:
                timer.cancel()
            runs.append(time.perf_counter() - t)
            if failed:
                break
        entry = {"rows": rows, "first_s": round(runs[0], 4), "median_s": round(statistics.median(runs), 4)}
        if failed:
            entry["failed"] = failed
        timings[q.name] = entry
        print(f"{q.name:28s} {rows:>10,} rows {statistics.median(runs):8.3f} s {failed or ''}", flush=True)
        out.write_text(json.dumps(result | {"views": timings}, indent=1))
    result["views"] = timings
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
    args = ap.parse_args()
    if args.what == "duckdb-raw":
        duckdb_raw(args.folder, args.db, args.encoding)
    elif args.what == "pandas-sqlite":
        pandas_sqlite(args.folder, args.db, args.encoding)
    else:
        views(args.db, args.out, args.repeat, args.timeout, args.memory)


if __name__ == "__main__":
    sys.exit(main())
