"""Prove that a change altered nothing a user sees: dump every table and view, then compare two dumps.

    python bench/equivalence.py dump DB OUT_DIR [--as-of DATE ...] [--no-views] [--no-tables] [--view NAME ...]
    python bench/equivalence.py compare DIR_A DIR_B [--rows 5] [--common]

`dump` copies the database to a temporary file (the original is never opened, so a running `lp`
or a lock does not matter), then writes:

- every base table (`duckdb_tables()`), ordered by all its columns, to `OUT_DIR/tables/<name>.parquet`
  (a table's row order is no contract: only its rows are), leaving out only the clock columns of
  `EXCLUDED` below, which differ between two ingests of the same files;
- every view of `queries/` (`lpdata.views.load_queries`, through `lpdata.connect(copy, as_of=D)`,
  read-only) at each `--as-of` date (`default`: the newest export time, as `lp` picks it when no
  date is given; several `--as-of` may be given, `default` among them), with its rows in the view's
  own order (the order is part of a view's contract), to `OUT_DIR/views/<as_of>/<name>.parquet`;
- `OUT_DIR/manifest.json`: per table and view its columns and types, row count and a content hash.

The views come from whatever `lpdata` is first on `PYTHONPATH`: the same dump run with the old tree
and with a new one compares old and new views on one database:

    cd /work/wt/base && PYTHONPATH=/work/wt/base .venv/bin/python /work/wt/equiv/bench/equivalence.py \\
        dump /work/base/school.duckdb /tmp/old.dump --as-of default
    PYTHONPATH=$PWD .venv/bin/python bench/equivalence.py dump /tmp/x.duckdb /tmp/new.dump --as-of default
    .venv/bin/python bench/equivalence.py compare /tmp/old.dump /tmp/new.dump

`compare` prints per table and view: same, differs (columns, row counts, the first differing rows
of each side) or missing (in one dump only); its exit status is 0 only when everything is the same.
A view whose own SELECT ends in ORDER BY (every public view) must return its rows in the same
order; a view without one (the `_…` building blocks: DuckDB returns their rows in a different order
from one run to the next of the same code) and a table are compared as multisets of rows.

The content hash is DuckDB's: per row the MD5 of the row as text (`CAST(row AS VARCHAR)`, so a
DOUBLE is compared to its last digit), in the Parquet file's row order, then the SHA-256 of those.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

#: Columns left out of the table dumps: (table, column) -> why. Only clocks that differ between two
#: ingests of the same files by the same code; everything else (paths, ids, the user and host of a
#: run, lp's version) is the same when the same folder is ingested on the same machine, and a change
#: in any of them is a change a user sees.
EXCLUDED: dict[tuple[str, str], str] = {
    ("ingest_runs", "started_at"): "wall-clock time the ingest began",
    ("ingest_runs", "finished_at"): "wall-clock time the ingest ended",
    ("purge_runs", "run_at"): "wall-clock time of an `lp purge --apply` (no ingest writes it; kept for a purged copy)",
}

MANIFEST = "manifest.json"
#: The hash of a Parquet file's rows in file order (see the module's docstring).
_HASH_SQL = """SELECT count(*),
    sha256(coalesce(string_agg(h, ',' ORDER BY n), '')), sha256(coalesce(string_agg(h, ',' ORDER BY h), ''))
FROM (SELECT file_row_number AS n, md5(CAST(struct_pack(*COLUMNS(* EXCLUDE (file_row_number))) AS VARCHAR)) AS h
      FROM read_parquet(?, file_row_number = true))"""


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _hash_parquet(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[int, str, str]:
    """(rows, hash of the rows in the file's order, hash of the rows as a multiset)."""
    row = con.execute(_HASH_SQL, [str(path)]).fetchall()[0]
    return int(row[0]), str(row[1]), str(row[2])


def ordered_by_query(con: duckdb.DuckDBPyConnection, sql: str) -> bool:
    """Whether a view's own SELECT ends in ORDER BY (DuckDB's parser, no binding): only then is its
    row order part of its contract. A view without one (the `_…` building blocks) returns its rows
    in whatever order DuckDB's threads finish, different from one run to the next of the same code."""
    try:
        tree = json.loads(con.execute("SELECT json_serialize_sql(?)", [sql]).fetchall()[0][0])
        node = tree["statements"][0]["node"]
    except (duckdb.Error, KeyError, IndexError, ValueError):
        return True  # not parsed: hold the view to its order, the stricter comparison
    return any(m.get("type") == "ORDER_MODIFIER" for m in node.get("modifiers") or [])


def _copy_db(db: Path, tmp: Path) -> Path:
    """A copy of the database file (and its write-ahead log, if any) to open without touching the original."""
    copy = tmp / db.name
    shutil.copyfile(db, copy)
    wal = db.with_name(db.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, copy.with_name(copy.name + ".wal"))
    return copy


def dump_tables(copy: Path, out: Path) -> dict[str, Any]:
    """Every base table, ordered by all its columns, to Parquet; its manifest entries."""
    entries: dict[str, Any] = {}
    folder = out / "tables"
    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(copy), read_only=True)
    try:
        tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables() "
                             "WHERE NOT temporary ORDER BY schema_name, table_name").fetchall()
        for schema, table in tables:
            name = table if schema == "main" else f"{schema}.{table}"
            columns = con.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = ? "
                                  "AND table_name = ? ORDER BY column_index", [schema, table]).fetchall()
            kept = [(c, t) for c, t in columns if (table, c) not in EXCLUDED]
            path = folder / f"{name}.parquet"
            select = ", ".join(_quote(c) for c, _ in kept)
            # ORDER BY ALL: a total order on the rows' content (rows that tie are identical), so two
            # tables with the same rows in any physical order give the same file.
            con.execute(f"COPY (SELECT {select} FROM {_quote(schema)}.{_quote(table)} ORDER BY ALL) "
                        f"TO '{path}' (FORMAT parquet)")
            rows, _, digest = _hash_parquet(con, path)
            entries[name] = {"kind": "table", "file": str(path.relative_to(out)), "rows": rows, "hash": digest,
                             "rows_hash": digest, "ordered": False, "columns": [[c, t] for c, t in kept],
                             "excluded": [c for c, _ in columns if (table, c) in EXCLUDED]}
    finally:
        con.close()
    return entries


def dump_views(copy: Path, out: Path, as_of: str, only: set[str] | None = None) -> dict[str, Any]:
    """Every view of queries/ as of `as_of` ('default': lp's own choice), rows in the view's order."""
    import pyarrow.parquet as pq

    import lpdata
    from lpdata.views import connect, load_queries

    label = as_of
    folder = out / "views" / label
    folder.mkdir(parents=True, exist_ok=True)
    entries: dict[str, Any] = {}
    hasher = duckdb.connect()
    con = connect(copy, as_of=None if as_of == "default" else as_of, read_only=True)
    try:
        try:  # the date the views answer for (lpdata.dates.set_as_of's table)
            day = str(con.execute("SELECT as_of FROM lp_as_of").fetchall()[0][0])
        except duckdb.Error:
            day = "?"
        for query in load_queries():
            if only is not None and query.name not in only:
                continue
            t = time.perf_counter()
            rel = con.sql(f"SELECT * FROM {_quote(query.name)}")
            columns = [[c, str(ty)] for c, ty in zip(rel.columns, rel.types, strict=True)]
            table = rel.to_arrow_table()  # the rows as a user fetches them, in the view's order
            path = folder / f"{query.name}.parquet"
            pq.write_table(table, path)
            rows, digest, rows_digest = _hash_parquet(hasher, path)
            entries[f"{label}/{query.name}"] = {
                "kind": "view", "as_of": label, "as_of_date": day, "file": str(path.relative_to(out)), "rows": rows,
                "hash": digest, "rows_hash": rows_digest, "ordered": ordered_by_query(hasher, query.sql),
                "columns": columns, "seconds": round(time.perf_counter() - t, 3)}
    finally:
        con.close()
        hasher.close()
    print(f"views as of {label} ({day}): {len(entries)} from {Path(lpdata.__file__).parent}", file=sys.stderr)
    return entries


def dump(db: Path, out: Path, as_of: list[str], views: bool, tables: bool = True,
         only: set[str] | None = None) -> int:
    """`only`: these views of queries/ alone (None: every one)."""
    if not db.is_file():
        print(f"no database at {db}", file=sys.stderr)
        return 2
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    manifest: dict[str, Any] = {"db": str(db.resolve()), "made_at": dt.datetime.now().isoformat(timespec="seconds"),
                                "duckdb": duckdb.__version__,
                                "excluded": {f"{t}.{c}": why for (t, c), why in EXCLUDED.items()}}
    with tempfile.TemporaryDirectory(prefix="lp-equiv-") as tmp:
        copy = _copy_db(db, Path(tmp))
        t = time.perf_counter()
        entries = dump_tables(copy, out) if tables else {}
        print(f"tables: {len(entries)} in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        if views:
            import lpdata

            manifest["lpdata"] = str(Path(lpdata.__file__).resolve().parent)
            manifest["as_of"] = as_of
            for day in as_of:
                t = time.perf_counter()
                entries |= dump_views(copy, out, day, only)
                print(f"  in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    manifest["entries"] = entries
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


# --- compare -------------------------------------------------------------------------------------


def _load_manifest(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    return data


def _differences(a: Path, b: Path, kind: str, show: int) -> list[str]:
    """Why two Parquet files differ: rows only in one side (as multisets), or the same rows in another
    order, and the first position where they part."""
    con = duckdb.connect()
    try:
        lines: list[str] = []
        sql_a, sql_b = f"read_parquet('{a}')", f"read_parquet('{b}')"
        try:
            only_a = con.execute(f"SELECT count(*) FROM (SELECT * FROM {sql_a} EXCEPT ALL SELECT * FROM {sql_b})"
                                 ).fetchall()[0][0]
            only_b = con.execute(f"SELECT count(*) FROM (SELECT * FROM {sql_b} EXCEPT ALL SELECT * FROM {sql_a})"
                                 ).fetchall()[0][0]
        except duckdb.Error as exc:  # columns of other types or numbers: rows cannot be set against each other
            return [f"rows not comparable: {str(exc).splitlines()[0]}"]
        if only_a == 0 and only_b == 0:
            lines.append("the same rows in another order")
        else:
            lines.append(f"{only_a:,} rows only in A, {only_b:,} only in B")
        # The first position where the two sides part, and a few rows from there on each side.
        first = con.execute(
            f"""SELECT min(n) FROM (
                  SELECT coalesce(x.n, y.n) AS n FROM
                    (SELECT file_row_number AS n, md5(CAST(r AS VARCHAR)) AS h
                       FROM read_parquet('{a}', file_row_number = true) r) x
                    FULL JOIN
                    (SELECT file_row_number AS n, md5(CAST(r AS VARCHAR)) AS h
                       FROM read_parquet('{b}', file_row_number = true) r) y
                    ON x.n = y.n
                  WHERE x.h IS DISTINCT FROM y.h)""").fetchall()[0][0]
        if first is not None:
            lines.append(f"first difference at row {first:,} (0-based, in the dump's order):")
            for side, path in (("A", a), ("B", b)):
                rows = con.execute(f"SELECT * EXCLUDE (file_row_number) FROM read_parquet('{path}', "
                                   f"file_row_number = true) WHERE file_row_number >= ? ORDER BY file_row_number "
                                   f"LIMIT ?", [first, show]).fetchall()
                if not rows:
                    lines.append(f"  {side}: (no row)")
                for row in rows:
                    text = repr(row)
                    lines.append(f"  {side}: {text[:400]}{'…' if len(text) > 400 else ''}")
        return lines
    finally:
        con.close()


def compare(dir_a: Path, dir_b: Path, show: int, common: bool = False) -> int:
    """`common`: only what both dumps hold (a dump of some views against a full one)."""
    man_a, man_b = _load_manifest(dir_a), _load_manifest(dir_b)
    ent_a, ent_b = man_a["entries"], man_b["entries"]
    same = differs = missing = 0
    print(f"A: {dir_a} (db {man_a['db']}, lpdata {man_a.get('lpdata', '-')})")
    print(f"B: {dir_b} (db {man_b['db']}, lpdata {man_b.get('lpdata', '-')})")
    for name in sorted(set(ent_a) | set(ent_b), key=lambda n: (ent_a.get(n, ent_b.get(n))["kind"] == "view", n)):
        a, b = ent_a.get(name), ent_b.get(name)
        kind = (a or b or {}).get("kind", "?")
        if (a is None or b is None) and common:
            continue
        if a is None or b is None:
            missing += 1
            print(f"MISSING  {kind} {name}: only in {'B' if a is None else 'A'}")
            continue
        # A view whose SQL orders its rows is compared in that order; a table, or a view without an
        # ORDER BY, as a multiset of rows (its order differs between two runs of the same code).
        ordered = a.get("ordered", True) or b.get("ordered", True)
        key = "hash" if ordered else "rows_hash"
        if a[key] == b[key] and a["rows"] == b["rows"] and a["columns"] == b["columns"]:
            same += 1
            continue
        differs += 1
        order_only = (a["columns"] == b["columns"] and a.get("rows_hash") is not None
                      and a.get("rows_hash") == b.get("rows_hash"))
        print(f"DIFFERS  {kind} {name}: rows {a['rows']:,} vs {b['rows']:,}"
              + (" (the same rows in another order: the view's ORDER BY leaves ties?)" if order_only else ""))
        if a["columns"] != b["columns"]:
            print(f"  columns A: {a['columns']}")
            print(f"  columns B: {b['columns']}")
        for line in _differences(dir_a / a["file"], dir_b / b["file"], kind, show):
            print("  " + line)
    print(f"{same} same, {differs} differ, {missing} missing")
    if same + differs == 0:  # nothing compared is no proof of anything
        print("nothing compared: the two dumps hold no table or view in common")
        return 1
    return 0 if differs == 0 and missing == 0 else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="what", required=True)
    p = sub.add_parser("dump", help="dump every table and view of a database")
    p.add_argument("db", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--as-of", action="append", default=None,
                   help="a date (YYYY-MM-DD) or 'default'; may repeat (default: default only)")
    p.add_argument("--no-views", action="store_true", help="tables only (no lpdata needed)")
    p.add_argument("--no-tables", action="store_true", help="views only")
    p.add_argument("--view", action="append", default=None, help="only this view of queries/; may repeat")
    p = sub.add_parser("compare", help="compare two dumps; exit 0 only when all the same")
    p.add_argument("dir_a", type=Path)
    p.add_argument("dir_b", type=Path)
    p.add_argument("--rows", type=int, default=5, help="rows shown of each side where they differ")
    p.add_argument("--common", action="store_true",
                   help="compare only what both dumps hold (e.g. a dump of a few views against a baseline)")
    args = ap.parse_args(argv)
    if args.what == "dump":
        return dump(args.db, args.out, args.as_of or ["default"], views=not args.no_views,
                    tables=not args.no_tables, only=set(args.view) if args.view else None)
    return compare(args.dir_a, args.dir_b, args.rows, args.common)


if __name__ == "__main__":
    sys.exit(main())
