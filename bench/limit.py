"""How close can typing inside DuckDB's own scan come to DuckDB's bare read? The limit issue 14 names.

    python bench/limit.py FOLDER [--repeat 3] [--out limit.json] [--work DIR] [--key-file KEY]
    python bench/limit.py run bare|typed PLAN.json DB [--key-file KEY] [--out files.json]  # one process

For the UTF-8 CSV files of FOLDER (others are skipped), two contenders, each a process of its own
(bench/measure.py: wall time, CPU time, peak memory), interleaved, `--repeat` times, into a fresh
database file:

- **bare**: `CREATE TABLE t AS SELECT * FROM read_csv(file, all_varchar = true, header = true, …)`,
  exactly bench/contenders.py's `duckdb-raw`: every cell stored as text nobody looked at;
- **typed**: one `CREATE TABLE t AS SELECT <expressions> FROM read_csv(<the same options>)` that
  types every column of the export contract (`lpdata.contract`) the file's header names: trimmed
  text and codes; integers and numbers by TRY_CAST; choices (學籍狀態, 認證狀態, 學期 …) by CASE over
  the contract's spellings; booleans by CASE over lp's spellings; ROC and AD dates and date-times
  (`113/09/02 12:22`, `114-02-22 上午 10:30:00`, `113.08.30`, `1140912`, `990702`, `2024-08-26`)
  by `split_part` and `make_date` / `make_timestamp`; the national ID's check digit by arithmetic on
  `ascii()` and integer arithmetic, and its keyed hash as lp stores it, HMAC-SHA-256 built from
  DuckDB's `sha256` (the key's inner and outer pads as BLOB parameters; checked against
  `lpdata.readers.ids.IdHasher` on the first ID of each file), computed once per distinct ID and
  joined back, as lp does; plus one `_ok` flag per row (every non-empty cell typed, required cells present,
  the ID valid), what a kept/quarantined split would filter on. Columns outside the contract are
  dropped, as lp ignores them.

It is a model of the cost, not a loader: no quarantine table, no messages, no NFKC of full-width
IDs (DuckDB has NFC only), no header aliases beyond the contract's, no row-level JSON. So it is a
lower bound for any loader that types in DuckDB's scan: if `typed ÷ bare` is already near 1.5, the
quarantine split, the messages and the process's imports must cost almost nothing more.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PY = sys.executable
HEADER_SCAN_LINES = 30
#: ID letters in the order of their numbers (10 for A … 35 for O: I, O, W … are out of order).
ID_LETTERS = "ABCDEFGHJKLMNPQRSTUVXYWZIO"
ID_PATTERN = "[A-Z](?:[12]|[89]|[A-D])[0-9]{8}"
#: read_csv's options, the same for both contenders (and bench/contenders.py's duckdb-raw).
READ_CSV = "read_csv(?, all_varchar = true, header = true, skip = {skip}, strict_mode = false, null_padding = true)"

# ROC or AD date and date-time text -> parts. Dates are typed in stages (see `typed_query`): the
# cell with '.' and '-' made '/' and 上午/下午 (AM/PM) taken out (`n`), its date part `d` and time part
# `t`, their fields, then the numbers, then make_date / make_timestamp. Nesting these as macros instead repeats
# each argument's expression many times over: planning and running took minutes on a small file.
MACROS = r"""
CREATE OR REPLACE TEMP MACRO lp_norm(v) AS
    trim(replace(replace(replace(replace(replace(replace(v, '.', '/'), '-', '/'), '上午', ' '), '下午', ' '),
                 'AM', ' '), 'PM', ' '));
CREATE OR REPLACE TEMP MACRO lp_ad(y) AS CASE WHEN y < 1000 THEN y + 1911 ELSE y END;
CREATE OR REPLACE TEMP MACRO lp_idsum(l, second, d) AS
    l // 10 + (l % 10) * 9 + second * 8 + (d // 10000000) * 7 + (d // 1000000 % 10) * 6 + (d // 100000 % 10) * 5
    + (d // 10000 % 10) * 4 + (d // 1000 % 10) * 3 + (d // 100 % 10) * 2 + (d // 10 % 10) + d % 10;
CREATE OR REPLACE TEMP MACRO lp_hmac(s, ipad, opad) AS sha256(opad || unhex(sha256(ipad || encode(s))));
"""
#: lp's spellings of yes and no (lpdata/readers/values.py), copied: importing it would load Polars.
_TRUE = ("是", "Y", "YES", "TRUE", "T", "1", "✓", "✔", "V", "☑", "O", "勾選", "已勾選")
_FALSE = ("否", "N", "NO", "FALSE", "F", "0", "✗", "X", "☐", "未勾選")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def utf8_csv_files(folder: Path) -> list[Path]:
    files = []
    for path in sorted(p for p in folder.iterdir() if p.suffix.lower() == ".csv"):
        try:
            with open(path, encoding="utf-8") as fh:
                while fh.read(1 << 24):
                    pass
        except UnicodeDecodeError:
            continue
        files.append(path)
    return files


def header(path: Path) -> tuple[int, list[str]]:
    """The 0-based line of the header (the first line holding a comma; titles above it) and its cells."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for i, line in enumerate(fh):
            if "," in line or i >= HEADER_SCAN_LINES:
                return i, [c.strip() for c in next(csv.reader([line]))]
    return 0, []


def contract_columns(cells: list[str]) -> tuple[str, dict[str, Any]]:
    """The kind whose contract names most of these header cells, and header cell -> Column."""
    from lpdata.contract import KINDS

    best: tuple[int, str, dict[str, Any]] = (0, "", {})
    for kind in KINDS:
        names = {}
        for column in kind.columns:
            for spelling in (column.header, *column.aliases):
                if spelling in cells and spelling not in names:
                    names[spelling] = column
                    break
        if len(names) > best[0]:
            best = (len(names), kind.name, names)
    return best[1], best[2]


def _choice_sql(v: str, choices: Mapping[str, str], as_int: bool) -> str:
    whens = " ".join(f"WHEN {_literal(k)} THEN {_literal(val)}" for k, val in sorted(choices.items()))
    expr = f"CASE {v} {whens} END"
    return f"CAST({expr} AS BIGINT)" if as_int else expr


def typed_query(cells: list[str], source: str) -> tuple[str, str, int]:
    """One SELECT over `source` (read_csv) that types every contract column of a file with this
    header, its kind, and how many columns it types. Projections are stacked (each reads the one
    below): DuckDB runs them in the same pipeline as the scan, one pass over the rows."""
    from lpdata.contract import ColumnType as T

    kind, columns = contract_columns(cells)
    # Per column: the select items of stages 2-4 (stage 1 is v{i}, the trimmed cell); then its
    # typed expression and its checks over the names of its last stage.
    stage1: list[str] = []
    stages: list[list[list[str]]] = []
    finals: list[str] = []
    checks: list[str] = []
    ids: list[int] = []
    for i, (cell, column) in enumerate(columns.items()):
        v = f"v{i}"
        stage1.append(f"nullif(trim({_quote(cell)}), '') AS {v}")
        t = column.type
        own: list[list[str]] = []
        if t in (T.DATE, T.DATETIME):
            # n: the text normalised only where it needs it (most cells are `2025/01/24 16:08`);
            # p: year, month, day as text (split at '/', or cut from 1140912, 990702, 20240826);
            # q: hour, minute, second as text.
            own = [[v, f"CASE WHEN contains({v}, '-') OR contains({v}, '.') OR contains({v}, '午') "
                       f"OR contains({v}, 'M') THEN lp_norm({v}) ELSE {v} END AS n{i}",
                    f"(contains({v}, '下午') OR contains({v}, 'PM')) AS pm{i}",
                    f"(contains({v}, '上午') OR contains({v}, 'AM')) AS am{i}"],
                   [v, f"pm{i}", f"am{i}", f"split_part(n{i}, ' ', 1) AS d{i}",
                    f"trim(substr(n{i}, length(split_part(n{i}, ' ', 1)) + 1)) AS t{i}"],
                   [v, f"pm{i}", f"am{i}",
                    f"CASE WHEN contains(d{i}, '/') THEN string_split(d{i}, '/') ELSE [d{i}[1:length(d{i}) - 4], "
                    f"d{i}[length(d{i}) - 3:length(d{i}) - 2], d{i}[length(d{i}) - 1:length(d{i})]] END AS p{i}",
                    f"string_split(t{i}, ':') AS q{i}"],
                   [v, f"lp_ad(TRY_CAST(p{i}[1] AS INTEGER)) AS y{i}", f"TRY_CAST(p{i}[2] AS INTEGER) AS m{i}",
                    f"TRY_CAST(p{i}[3] AS INTEGER) AS dd{i}", f"coalesce(TRY_CAST(q{i}[1] AS INTEGER), 0) AS h{i}",
                    f"coalesce(TRY_CAST(q{i}[2] AS INTEGER), 0) AS mi{i}",
                    f"coalesce(TRY_CAST(q{i}[3] AS DOUBLE), 0) AS s{i}", f"pm{i}", f"am{i}"]]
        elif t is T.NATIONAL_ID:  # the letter's number, the second character's, the 8 digits as one number
            own = [[v, f"upper({v}) AS u{i}"],
                   [v, f"u{i}", f"instr('{ID_LETTERS}', u{i}[1]) + 9 AS l{i}",
                    f"CASE WHEN u{i}[2] >= 'A' THEN (instr('{ID_LETTERS}', u{i}[2]) + 9) % 10 "
                    f"ELSE ascii(u{i}[2]) - 48 END AS sc{i}", f"TRY_CAST(u{i}[3:10] AS BIGINT) AS dg{i}",
                    f"regexp_full_match(u{i}, '{ID_PATTERN}') AS fmt{i}"]]
            ids.append(i)
        stages.append(own)
        if t in (T.TEXT, T.CODE):
            typed = v
        elif t in (T.INT, T.NUMBER):  # -1 is "none" in numeric fields (exports.md)
            typed = f"TRY_CAST(nullif({v}, '-1') AS {'BIGINT' if t is T.INT else 'DOUBLE'})"
        elif t is T.CHOICE:
            typed = _choice_sql(v, column.choices or {}, column.as_int)
        elif t is T.BOOL:  # a required one: an empty cell is no (the ✓ convention), as lp reads it
            typed = (f"CASE WHEN upper({v}) IN ({', '.join(map(_literal, _TRUE))}) THEN true "
                     f"WHEN upper({v}) IN ({', '.join(map(_literal, _FALSE))}) THEN false "
                     f"WHEN {v} IS NULL THEN {'false' if column.required else 'NULL'} END")
        elif t is T.DATE:
            typed = f"TRY(make_date(y{i}, m{i}, dd{i}))"
        elif t is T.DATETIME:
            hour = (f"CASE WHEN pm{i} AND h{i} < 12 THEN h{i} + 12 WHEN am{i} AND h{i} = 12 THEN 0 "
                    f"ELSE h{i} END")
            typed = f"TRY(make_timestamp(y{i}, m{i}, dd{i}, {hour}, mi{i}, s{i}))"
        elif t is T.TIME:
            typed = f"TRY_CAST({v} AS TIME)"
        elif t is T.ROLES:
            typed = f"string_split({v}, ',')"
        elif t is T.NATIONAL_ID:  # hashed below, once per distinct ID
            typed = f"u{i}"
            checks.append(f"coalesce(fmt{i} AND lp_idsum(l{i}, sc{i}, dg{i}) % 10 = 0, false)")
        else:  # a type this model does not know: kept as text
            typed = v
        finals.append(f"{typed} AS {_quote('_u' if t is T.NATIONAL_ID else column.stored_name)}")
        if column.low is not None or column.high is not None:
            lo = "" if column.low is None else f" AND {typed} >= {column.low}"
            hi = "" if column.high is None else f" AND {typed} <= {column.high}"
            checks.append(f"({v} IS NULL OR {v} = '-1' OR ({typed} IS NOT NULL{lo}{hi}))")
        elif t not in (T.TEXT, T.CODE, T.NATIONAL_ID):
            checks.append(f"({v} IS NULL OR {typed} IS NOT NULL)")
        if not column.allows_null and not (t is T.BOOL and column.required):
            checks.append(f"{v} IS NOT NULL")
    depth = max((len(st) for st in stages), default=0)
    sql = f"SELECT {', '.join(stage1) or '1 AS _none'} FROM {source}"
    for level in range(depth):
        items: list[str] = []
        for own in stages:
            if level < len(own):
                items += own[level]
            elif own:  # past its last stage: the names that stage gave
                items += [item.rsplit(" AS ", 1)[-1] for item in own[-1]]
        for i, own in enumerate(stages):
            if not own:
                items.append(f"v{i}")
        sql = f"SELECT {', '.join(items)} FROM ({sql})"
    ok = " AND ".join(checks) or "true"
    sql = f"SELECT {', '.join([*finals, f'coalesce({ok}, false) AS _ok'])} FROM ({sql})"
    if ids:
        # The keyed hash of each distinct ID, joined back, as lp hashes (IDs repeat: 1.4 million
        # grade rows hold about 50,000): per row, two SHA-256s cost 2 µs, 2.5× the bare read's
        # whole time for the grades file.
        assert len(ids) == 1, "one ID column per kind"
        sql = (f"WITH t AS ({sql}), h AS (SELECT _u, lp_hmac(_u, $ipad, $opad) AS _h FROM (SELECT DISTINCT _u FROM t)) "
               "SELECT t.* EXCLUDE (_u), h._h AS national_id_hash FROM t LEFT JOIN h ON h._u = t._u")
    return sql, kind, len(columns)


def _pads(key: bytes) -> tuple[bytes, bytes]:
    key = key if len(key) <= 64 else hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def make_plan(folder: Path) -> list[dict[str, Any]]:
    """Per UTF-8 CSV file: its header line and the typed SELECT (built here, in the parent: the
    measured processes import DuckDB only, as bench/contenders.py's duckdb-raw does)."""
    plan = []
    for path in utf8_csv_files(folder):
        skip, cells = header(path)
        sql, kind, typed = typed_query(cells, READ_CSV.format(skip=skip).replace("?", "$path"))
        id_cell = next((cell for cell, col in contract_columns(cells)[1].items()
                        if col.type.value == "national_id"), None)
        plan.append({"file": str(path), "skip": skip, "sql": sql, "kind": kind, "typed_columns": typed,
                     "id_cell": id_cell})
    return plan


def run(mode: str, plan_file: Path, db: Path, key_file: Path | None, out: Path | None) -> None:
    """One contender over the plan's files, in this process; per file its wall and CPU time."""
    import duckdb

    plan = json.loads(plan_file.read_text(encoding="utf-8"))
    con = duckdb.connect(str(db))
    key = bytes.fromhex(key_file.read_text().strip()) if key_file else os.urandom(32)
    ipad, opad = _pads(key)
    if mode == "typed":
        con.execute(MACROS)
    per_file = []
    for i, entry in enumerate(plan):
        t, c = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
        if mode == "bare":
            con.execute(f"CREATE TABLE t{i} AS SELECT * FROM {READ_CSV.format(skip=entry['skip'])}", [entry["file"]])
        else:
            params: dict[str, object] = {"path": entry["file"]}
            if "$ipad" in entry["sql"]:
                params |= {"ipad": ipad, "opad": opad}
            con.execute(f"CREATE TABLE t{i} AS {entry['sql']}", params)
        c2 = resource.getrusage(resource.RUSAGE_SELF)
        done = {"file": Path(entry["file"]).name, "table": f"t{i}", "wall_s": round(time.perf_counter() - t, 3),
                "cpu_s": round(c2.ru_utime + c2.ru_stime - c.ru_utime - c.ru_stime, 3)}
        per_file.append(done)
        log(f"{mode} {done['file']}: {done['wall_s']:.2f} s, CPU {done['cpu_s']:.2f} s")
    con.close()
    if out:
        out.write_text(json.dumps(per_file, indent=1, ensure_ascii=False))


def verify(plan: list[dict[str, Any]], db: Path, key_file: Path | None) -> dict[str, dict[str, Any]]:
    """After the runs, on the last typed database: rows read and rows that pass every check (to set
    against lp's own quarantine counts), and whether the SQL HMAC of the file's first valid ID is
    lp's (`IdHasher`), found among the stored hashes."""
    import duckdb

    from lpdata.readers.ids import IdHasher, is_valid_id

    con = duckdb.connect(str(db), read_only=True)
    hasher = IdHasher(bytes.fromhex(key_file.read_text().strip())) if key_file else None
    result = {}
    for i, entry in enumerate(plan):
        rows, ok = con.execute(f"SELECT count(*), count(*) FILTER (_ok) FROM t{i}").fetchall()[0]
        checked: bool | None = None
        if entry["id_cell"] and hasher:
            with open(entry["file"], encoding="utf-8-sig", newline="") as fh:
                reader = csv.reader(fh)
                for _ in range(entry["skip"]):
                    next(reader)
                head = next(reader)
                column = [c.strip() for c in head].index(entry["id_cell"])
                first = next((r[column].strip().upper() for r in reader
                              if len(r) > column and is_valid_id(r[column])), None)
            if first:
                checked = con.execute(f"SELECT count(*) > 0 FROM t{i} WHERE national_id_hash = ?",
                                      [hasher.hash(first)]).fetchall()[0][0]
        result[Path(entry["file"]).name] = {"rows": rows, "rows_ok": ok, "hmac_matches_lp": checked}
    con.close()
    return result


def measure(name: str, cmd: list[str], work: Path) -> dict[str, Any]:
    out = work / f"{name}.json"
    subprocess.run([PY, str(BENCH / "measure.py"), str(out), "--", *cmd], check=True)
    result: dict[str, Any] = json.loads(out.read_text())
    if result["returncode"] != 0:
        raise RuntimeError(f"{name} failed:\n{out.with_suffix('.log').read_text(errors='replace')[-2000:]}")
    return result


def compare(folder: Path, work: Path, repeat: int, key_file: Path | None) -> dict[str, Any]:
    """Both contenders, interleaved, `repeat` times; medians and the ratios typed ÷ bare."""
    work.mkdir(parents=True, exist_ok=True)
    plan = make_plan(folder)
    plan_file = work / "plan.json"
    plan_file.write_text(json.dumps(plan, indent=1, ensure_ascii=False), encoding="utf-8")
    runs: dict[str, list[dict[str, Any]]] = {"bare": [], "typed": []}
    files: dict[str, list[list[dict[str, Any]]]] = {"bare": [], "typed": []}
    for i in range(repeat):
        for mode in runs:
            db = work / f"{mode}.duckdb"
            for stale in work.glob(f"{mode}.duckdb*"):
                stale.unlink()
            per_file = work / f"{mode}-{i}.files.json"
            cmd = [PY, str(Path(__file__).resolve()), "run", mode, str(plan_file), str(db), "--out", str(per_file)]
            if key_file:
                cmd += ["--key-file", str(key_file)]
            log(f"limit: {mode} ({i + 1}/{repeat})")
            runs[mode].append(measure(f"limit-{mode}-{i}", cmd, work))
            files[mode].append(json.loads(per_file.read_text()))
    checks = verify(plan, work / "typed.duckdb", key_file)
    for stale in work.glob("*.duckdb*"):
        stale.unlink()
    result: dict[str, Any] = {"folder": str(folder), "repeat": repeat,
                              "mb": round(sum(Path(e["file"]).stat().st_size for e in plan) / 1e6, 1)}
    for mode, rs in runs.items():
        result[mode] = {"wall_s": round(statistics.median(r["wall_s"] for r in rs), 3),
                        "cpu_s": round(statistics.median(r["cpu_s"] for r in rs), 3),
                        "peak_rss_mb": max(r["peak_rss_mb"] for r in rs),
                        "runs": [{k: r[k] for k in ("wall_s", "cpu_s", "peak_rss_mb")} for r in rs]}
    result["typed_vs_bare"] = round(result["typed"]["wall_s"] / result["bare"]["wall_s"], 2)
    result["typed_vs_bare_cpu"] = round(result["typed"]["cpu_s"] / result["bare"]["cpu_s"], 2)
    # Per file: the median over the runs of its statement's time inside the process.
    per: dict[str, dict[str, Any]] = {}
    for entry in plan:
        name = Path(entry["file"]).name
        per[name] = {"kind": entry["kind"], "typed_columns": entry["typed_columns"], **checks[name]}
        for mode, all_runs in files.items():
            for key in ("wall_s", "cpu_s"):
                per[name][f"{mode}_{key}"] = round(statistics.median(
                    f[key] for run_files in all_runs for f in run_files if f["file"] == name), 3)
    result["files"] = per
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="what")
    p = sub.add_parser("run", help="one contender in this process")
    p.add_argument("mode", choices=("bare", "typed"))
    p.add_argument("plan", type=Path, help="the plan.json `compare` writes")
    p.add_argument("db", type=Path)
    p.add_argument("--key-file", type=Path, default=None)
    p.add_argument("--out", type=Path, default=None)
    p = sub.add_parser("compare", help="both contenders, each a process, interleaved")
    p.add_argument("folder", type=Path)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--work", type=Path, default=ROOT / "build" / "limit")
    p.add_argument("--key-file", type=Path, default=None)
    p.add_argument("--out", type=Path, default=None, help="write the result as JSON here")
    argv = sys.argv[1:]
    if argv and argv[0] not in ("run", "compare", "-h", "--help"):
        argv = ["compare", *argv]  # `limit.py FOLDER` is `limit.py compare FOLDER`
    args = ap.parse_args(argv)
    if args.what == "run":
        run(args.mode, args.plan, args.db, args.key_file, args.out)
        return 0
    sys.path.insert(0, str(ROOT))  # lpdata, for the contract (not in the measured processes)
    result = compare(args.folder, args.work, args.repeat, args.key_file)
    text = json.dumps(result, indent=1, ensure_ascii=False)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
