"""Where one view's time and memory go on a real database: DuckDB's own profile, its costliest operators.

    python bench/profile_view.py DB VIEW [--memory 8GB] [--as-of DATE] [--count] [--top 20] [--json OUT]

Opens DB read-only as a report does (`lpdata.views.connect(db, views=())`, then `ensure_views`
without materialising, so VIEW and every block it reads are computed inside the one query), sets
DuckDB's `memory_limit`, and runs `CREATE TEMP TABLE … AS SELECT * FROM VIEW` (every column, as a
materialised block is built; `--count` runs `SELECT count(*)`, which lets DuckDB drop the columns
nobody counts). Prints the wall and CPU time, the process's peak resident memory, DuckDB's peak
buffer memory and spill, and the `--top` operators by their own time with their rows, the bytes
that passed through them and what they are (CTE name, join type or projection). An out-of-memory
is printed as such. This is how issue 14's `_receipt_matches` figures in bench/README.md were
taken (nation: `build/bench/nation/lp.duckdb`, `--memory 8GB` and `19GB`); `LP_QUERIES_DIR`
points it at another queries/ folder to compare two versions of a view on one database.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path
from typing import Any


def _operators(profile: dict[str, Any]) -> list[tuple[float, str, int, int, str]]:
    rows: list[tuple[float, str, int, int, str]] = []

    def walk(node: dict[str, Any]) -> None:
        info = node.get("extra_info") or {}
        what = info.get("CTE Name") or info.get("Join Type") or info.get("Projections") or info.get("Table") or ""
        rows.append((float(node.get("timing", 0.0)), str(node.get("name")), int(node.get("intermediate_rows", 0)),
                     int(node.get("intermediate_size_bytes", 0)), str(what)[:80]))
        for child in node.get("children", []):
            walk(child)

    for op in profile.get("operator", []):
        walk(op)
    return sorted(rows, reverse=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("db", type=Path)
    p.add_argument("view")
    p.add_argument("--memory", default=None, help="DuckDB memory_limit (default DuckDB's: 80%% of RAM)")
    p.add_argument("--as-of", default=None)
    p.add_argument("--count", action="store_true", help="SELECT count(*) instead of building the whole view")
    p.add_argument("--top", type=int, default=20)
    p.add_argument("--json", type=Path, default=None, help="also keep DuckDB's whole profile here")
    args = p.parse_args()

    import duckdb

    from lpdata.views import check_view_name, connect, ensure_views

    view = check_view_name(args.view)
    con = connect(args.db, as_of=args.as_of, views=())
    if args.memory:
        con.execute("SET memory_limit = ?", [args.memory])
    ensure_views(con, [view], materialise=False)
    out = args.json or Path(tempfile.mkstemp(suffix=".json")[1])
    con.execute("SET enable_profiling = 'json'")
    con.execute("SET profiling_output = ?", [str(out)])
    sql = f'SELECT count(*) FROM "{view}"' if args.count else f'CREATE TEMP TABLE lp_profiled AS SELECT * FROM "{view}"'
    wall, cpu = time.perf_counter(), time.process_time()
    failed = None
    try:
        con.execute(sql).fetchall()
    except duckdb.OutOfMemoryException as exc:
        failed = f"out of memory (limit {args.memory or 'default'}): {str(exc).splitlines()[0]}"
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    con.execute("PRAGMA disable_profiling")
    con.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"{view} ({'count' if args.count else 'every column'}), memory_limit {args.memory or 'default'}: "
          f"{wall:.1f} s wall, {cpu:.1f} s CPU, peak resident {peak:,} MB" + (f"; {failed}" if failed else ""))
    if failed or not out.exists() or out.stat().st_size == 0:
        return
    profile = json.loads(out.read_text())
    system = profile.get("system", {})
    buffers, spilled = system.get("peak_buffer_memory", 0) // 2**20, system.get("total_bytes_spilled", 0) // 2**20
    print(f"DuckDB: query {profile['query']['total_time']:.1f} s, peak buffer memory {buffers:,} MB, "
          f"spilled {spilled:,} MB")
    for timing, name, rows, size, what in _operators(profile)[:args.top]:
        print(f"{timing:8.2f} s  {name:20s} {rows:>12,} rows {size // 2**20:>8,} MB  {what}")
    if args.json is None:
        out.unlink()


if __name__ == "__main__":
    main()
