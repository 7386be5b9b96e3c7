"""The benchmark: demo exports at a scale, then ingest, views and reports, side by side in one run.

    python bench/run.py                         # school and county (make bench)
    python bench/run.py --scales school --repeat 5
    python bench/run.py --nation                # and the nation (550,000 students; minutes)

Per scale (build/bench/<scale>/, kept between runs; the exports are regenerated only when missing):

1. `lp demo` writes the export folder. The CSV files are split by encoding into two folders of hard
   links (the same bytes): `utf8/` (UTF-8, with or without BOM) and `big5/` (CP950).
2. Ingest, each contender in its own process (bench/measure.py: wall time, CPU time, peak RSS),
   into a fresh database file, `--repeat` times, interleaved (lp, duckdb, pandas, lp, …) so that a
   change of machine load hits them alike; the median wall time and the largest peak are kept:
   - `lp ingest` of utf8/, of big5/, and of the whole folder (workbooks and YAML too);
   - DuckDB `read_csv(all_varchar)` of utf8/ and of big5/ (transcoded by Python first, counted);
   - pandas `read_csv(dtype=str)` + `to_sql` into SQLite, of utf8/ and of big5/ (not at the nation
     scale: it would need tens of GB; `--nation-pandas` to try).
3. Views: `lpdata.connect` (every view, and the base only), then every view's rows fetched (cold and
   warm where bench/contenders.py measures both, and the report queries where it times them).
   With `--limit`: bench/limit.py, DuckDB typing every contract column inside its own scan against
   its bare read of the same UTF-8 files (the physical limit of issue 14).
4. Reports: `lp run` of the weekly plan into a fresh folder (cold), then again (nothing changed);
   per report its duration and where it went (kernel, notebook cells, HTML). At the county and nation
   scales the plan is the school reports plus a sample of class dashboards (`--classes`); the full
   plan's time is extrapolated from it.

Results: bench/results.json (everything) and a table printed and written into bench/README.md
(between the `<!-- results -->` markers), with the machine it ran on and its load.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PY = sys.executable
LP = str(Path(PY).with_name("lp"))
SEED = 1
EXPORTED_AT = "2026-07-20 18:00"
#: students per scale. The county is 30 schools' worth of students in one export folder (one
#: database per school is the product's model; 30 separate schools cost 30 times the school figures).
SCALES = {"school": 1_000, "county": 30_000, "nation": 550_000}
REPEAT = {"school": 3, "county": 3, "nation": 1}
#: Issue 14's targets (2 cores, 24 GiB; ratios measured side by side in one run). Ingest ratios are
#: of wall time and of CPU time, at the county and nation scales; `county_memory_vs_pandas`: lp's
#: peak memory at the county scale at most pandas + SQLite's; `report_query_s`: every query a report
#: runs at the nation scale (one class, one term, the school-wide roll-ups); `full_view_s`: the whole
#: of these views at the nation scale. The weekly plan's targets are issue 4's, unchanged.
TARGETS: dict[str, Any] = {
    "ingest_vs_duckdb_utf8": 1.5, "ingest_vs_duckdb_big5": 2.0, "county_memory_vs_pandas": 1.0,
    "nation_ingest_s": 180, "nation_ingest_mb": 4096,
    "view_s": {"school": 0.2}, "report_query_s": {"nation": 5.0},
    "full_view_s": {"nation": 60.0}, "full_views": ["reconciliation", "compliance"],
    "plan_cold_s": 60, "plan_warm_s": 5, "overhead_per_report_s": 1.0,
}


def log(msg: str) -> None:
    print(f"[{dt.datetime.now():%H:%M:%S}] {msg}", flush=True)


# --- the machine -------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    versions = {}
    for mod in ("polars", "duckdb", "pyarrow", "pandas", "papermill"):
        try:
            versions[mod] = __import__(mod).__version__
        except Exception:
            versions[mod] = None
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                                    capture_output=True, text=True).stdout.strip())
    except OSError:
        commit, dirty = "", False
    return {"nproc": os.cpu_count(), "ram_gb": mem_gb, "cpu": cpu, "python": platform.python_version(),
            "system": f"{platform.system()} {platform.release()}", "versions": versions,
            "commit": commit + ("+changes" if dirty else "")}


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# --- measuring one process ---------------------------------------------------------------------


def measure(name: str, cmd: list[str], work: Path, env: dict[str, str] | None = None,
            ok: tuple[int, ...] = (0,)) -> dict[str, Any]:
    out = work / "measure" / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([PY, str(BENCH / "measure.py"), str(out), "--", *cmd], check=True,
                   env={**os.environ, **(env or {})})
    result: dict[str, Any] = json.loads(out.read_text())
    result["load"] = load()
    if result["returncode"] not in ok:
        tail = out.with_suffix(".log").read_text(errors="replace")[-2000:]
        raise RuntimeError(f"{name} failed ({result['returncode']}):\n{tail}")
    return result


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {"wall_s": round(statistics.median(r["wall_s"] for r in runs), 3),
            "cpu_s": round(statistics.median(r["cpu_s"] for r in runs), 3),
            "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
            "runs": [{k: r[k] for k in ("wall_s", "cpu_s", "peak_rss_mb", "load")} for r in runs]}


# --- exports -----------------------------------------------------------------------------------


def exports(scale: str, work: Path) -> dict[str, Any]:
    folder = work / "exports"
    stamp = work / "exports.json"
    info: dict[str, Any] = {}
    if stamp.exists() and folder.is_dir():
        info = json.loads(stamp.read_text())
    if info.get("students") != SCALES[scale] or info.get("seed") != SEED:
        shutil.rmtree(folder, ignore_errors=True)
        log(f"{scale}: generating {SCALES[scale]:,} students")
        t = time.perf_counter()
        subprocess.run([LP, "demo", "--out", str(folder), "--students", str(SCALES[scale]), "--seed", str(SEED)],
                       check=True, stdout=subprocess.DEVNULL)
        info = {"students": SCALES[scale], "seed": SEED, "generate_s": round(time.perf_counter() - t, 1)}
        stamp.write_text(json.dumps(info))
    # utf8/ and big5/: hard links to the CSV files, by encoding.
    for sub in ("utf8", "big5"):
        shutil.rmtree(work / sub, ignore_errors=True)
        (work / sub).mkdir()
    sizes = {"utf8": 0, "big5": 0, "all": 0}
    for path in sorted(folder.iterdir()):
        sizes["all"] += path.stat().st_size
        if path.suffix.lower() != ".csv":
            continue
        sub = "utf8" if _is_utf8(path) else "big5"
        os.link(path, work / sub / path.name)
        sizes[sub] += path.stat().st_size
    info["mb"] = {k: round(v / 1e6, 1) for k, v in sizes.items()}
    info["files"] = {sub: sorted(p.name for p in (work / sub).iterdir()) for sub in ("utf8", "big5")}
    return info


def _is_utf8(path: Path) -> bool:
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as fh:
        try:
            while chunk := fh.read(1 << 24):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


# --- ingest ------------------------------------------------------------------------------------


def ingest(scale: str, work: Path, repeat: int, pandas: bool, only: set[str] | None = None) -> dict[str, Any]:
    dbs = work / "dbs"
    key = work / "id-hash.key"
    if not key.exists():
        key.write_text(os.urandom(32).hex() + "\n")
        key.chmod(0o600)
    env = {"LP_KEY_FILE": str(key)}
    contenders: list[tuple[str, str, list[str]]] = []  # (name, subset, command with {db})
    for sub, enc in (("utf8", "utf-8"), ("big5", "cp950")):
        folder = str(work / sub)
        contenders.append((f"lp_{sub}", sub, [LP, "ingest", folder, "--db", "{db}", "--exported-at", EXPORTED_AT]))
        contenders.append((f"duckdb_{sub}", sub, [PY, str(BENCH / "contenders.py"), "duckdb-raw", folder, "{db}",
                                                  "--encoding", enc]))
        if pandas:
            contenders.append((f"pandas_{sub}", sub, [PY, str(BENCH / "contenders.py"), "pandas-sqlite", folder,
                                                      "{db}", "--encoding", enc]))
    contenders.append(("lp_all", "all", [LP, "ingest", str(work / "exports"), "--db", "{db}", "--exported-at",
                                         EXPORTED_AT]))
    if only:
        contenders = [c for c in contenders if c[0] in only]
    for stale in (work / "measure").glob("*.runs.json"):  # --skip ingest shows this run's contenders only
        stale.unlink()
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name, _, _ in contenders}
    for i in range(repeat):
        for name, _, cmd in contenders:
            shutil.rmtree(dbs, ignore_errors=True)
            dbs.mkdir(parents=True)
            db = dbs / (f"{name}.sqlite" if name.startswith("pandas") else f"{name}.duckdb")
            log(f"{scale}: ingest {name} ({i + 1}/{repeat})")
            runs[name].append(measure(f"{name}-{i}", [c.replace("{db}", str(db)) for c in cmd], work, env))
            runs[name][-1]["db_mb"] = round(sum(p.stat().st_size for p in dbs.iterdir()) / 1e6, 1)
            if name == "lp_all" and i == repeat - 1:  # keep the last full database for views and reports
                keep = work / "lp.duckdb"
                for old in work.glob("lp.duckdb*"):  # the file, its log, DuckDB's spill folder
                    shutil.rmtree(old) if old.is_dir() else old.unlink()
                shutil.move(str(db), keep)
                log_file = db.with_suffix(".ingest.log")
                if log_file.exists():
                    shutil.move(str(log_file), work / "lp.ingest.log")
    shutil.rmtree(dbs, ignore_errors=True)
    for name, r in runs.items():  # kept beside the measurements, for --skip ingest
        (work / "measure" / f"{name}.runs.json").write_text(json.dumps(r))
    return ingest_summary(runs)


def ingest_summary(runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    result = {name: summarise(r) | {"db_mb": r[-1].get("db_mb")} for name, r in runs.items()}
    ratios: dict[str, Any] = {}
    for sub in ("utf8", "big5"):
        if f"lp_{sub}" not in result or f"duckdb_{sub}" not in result:
            continue
        lp, raw = result[f"lp_{sub}"], result[f"duckdb_{sub}"]
        ratios[f"lp_vs_duckdb_{sub}"] = round(lp["wall_s"] / raw["wall_s"], 2)
        ratios[f"lp_vs_duckdb_{sub}_memory"] = round(lp["peak_rss_mb"] / raw["peak_rss_mb"], 2)
        ratios[f"lp_vs_duckdb_{sub}_cpu"] = round(lp["cpu_s"] / raw["cpu_s"], 2)
        if f"pandas_{sub}" in result:
            pd = result[f"pandas_{sub}"]
            ratios[f"pandas_vs_lp_{sub}_time"] = round(pd["wall_s"] / lp["wall_s"], 2)
            ratios[f"pandas_vs_lp_{sub}_memory"] = round(pd["peak_rss_mb"] / lp["peak_rss_mb"], 2)
    return {"contenders": result, "ratios": ratios}


# --- views -------------------------------------------------------------------------------------


#: Per view: seconds before it is interrupted, and DuckDB's memory limit while views run.
VIEW_TIMEOUT = {"school": 60, "county": 120, "nation": 300}
VIEW_MEMORY = {"school": None, "county": None, "nation": "8GB"}
#: At the nation, what the targets name (every query a report runs, the whole reconciliation and
#: compliance) and the view the class dashboards and the runner read: each cold run builds the
#: building blocks it reads from 13 million items, so all 41 views would take hours.
#: `--nation-all-views` measures every one.
NATION_VIEWS = (
    "class_completion", "compliance", "reconciliation",
    "class_completion of the term", "class_chase_list of a class", "class_chase_summary of a class",
    "backlog_by_course of a class", "certification_backlog to the term", "teacher_certification of the term",
    "effectiveness_by_role of the term", "reconciliation_actions of the term", "paper_mail",
    "reconciliation_funnel of the term", "reconciliation_states of the term", "compliance of the term")


#: `python -c PREPARE DB OUT`: the views `lp run` prepares, timed per view into OUT (JSON).
PREPARE = """import json, sys
from lpdata.prepared import prepare
r = prepare(sys.argv[1])
json.dump({"as_of": r.as_of.isoformat(), "current": r.current, "seconds": round(r.seconds, 3),
           "views": {v.name: {"rows": v.rows, "seconds": v.seconds} for v in r.views}}, open(sys.argv[2], "w"))
"""


#: `python -c UNPREPARE DB`: the database as an ingest leaves it, without prepared views.
UNPREPARE = """import sys
from pathlib import Path
from lpdata.store import open_db
from lpdata.views import drop_prepared
con = open_db(Path(sys.argv[1]))
drop_prepared(con)
con.close()
"""


def views(scale: str, work: Path, repeat: int, every: bool = False) -> dict[str, Any]:
    """The prepared views computed (`lpdata.prepared.prepare`, timed: "prepare"), then
    bench/contenders.py `views` in a process of its own. What the table reads of its JSON: per
    view in "views" its "rows", "median_s" and "failed" (if it did), and where measured "cold_s"
    (the first run on a fresh connection) and "warm_s"; "report_queries", if present, the same per
    query a report runs. The targets are judged on cold times where there are any."""
    out = work / "views.json"
    log(f"{scale}: prepared views (lpdata.prepared, as `lp run` computes them before its reports)")
    prepared = work / "prepare.json"
    subprocess.run([PY, "-c", UNPREPARE, str(work / "lp.duckdb")], check=True)  # as an ingest leaves it
    p = measure("prepare", [PY, "-c", PREPARE, str(work / "lp.duckdb"), str(prepared)], work)
    log(f"{scale}: views")
    limit_ = VIEW_MEMORY[scale]
    memory = ["--memory", limit_] if limit_ else []
    m = measure("views", [PY, str(BENCH / "contenders.py"), "views", str(work / "lp.duckdb"), str(out),
                          "--repeat", str(max(repeat, 3) if scale != "nation" else 1),
                          "--timeout", str(VIEW_TIMEOUT[scale]), *memory,
                          *(["--only", ",".join(NATION_VIEWS)] if scale == "nation" and not every else [])], work)
    result: dict[str, Any] = json.loads(out.read_text())
    result["process"] = {k: m[k] for k in ("wall_s", "peak_rss_mb", "load")}
    result["prepare"] = json.loads(prepared.read_text()) | {k: p[k] for k in ("wall_s", "cpu_s", "peak_rss_mb")}
    return result


# --- the limit ---------------------------------------------------------------------------------


def limit(scale: str, work: Path, repeat: int) -> dict[str, Any]:
    """bench/limit.py on utf8/: DuckDB's bare read_csv against one CREATE TABLE AS SELECT that types
    every contract column inside DuckDB's scan (each a process, interleaved)."""
    out = work / "limit.json"
    log(f"{scale}: the limit (DuckDB typing in its scan against its bare read, UTF-8)")
    subprocess.run([PY, str(BENCH / "limit.py"), "compare", str(work / "utf8"), "--repeat", str(repeat),
                    "--work", str(work / "limit"), "--key-file", str(work / "id-hash.key"), "--out", str(out)],
                   check=True, stdout=subprocess.DEVNULL)
    result: dict[str, Any] = json.loads(out.read_text())
    return result


# --- reports -----------------------------------------------------------------------------------


def plan_file(scale: str, work: Path, classes: int) -> tuple[Path, int, int]:
    """The weekly plan; at the larger scales the school reports plus `classes` class dashboards spread
    over the class list. Returns (plan, classes in the plan, classes of the term)."""
    sys.path.insert(0, str(ROOT))
    from lpdata.report.plan import classes_of_term, load_plan, term_of
    from lpdata.report.runner import default_as_of

    weekly = ROOT / "parameters" / "plans" / "weekly.yaml"
    db = work / "lp.duckdb"
    as_of = default_as_of(db)
    term = load_plan(weekly).term or term_of(as_of)
    every = classes_of_term(db, as_of, term)
    if scale == "school" or len(every) <= classes:
        return weekly, len(every), len(every)
    step = len(every) / classes
    sample = [every[int(i * step)] for i in range(classes)]
    text = weekly.read_text(encoding="utf-8")
    grid = "for_each: {class_name: [" + ", ".join(f'"{c}"' for c in sample) + "]}"
    text = text.replace("for_each: class", grid, 1)
    text += f"\nnotebooks_dir: {ROOT / 'notebooks'}\n"
    path = work / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    return path, len(sample), len(every)


def reports(scale: str, work: Path, classes: int) -> dict[str, Any]:
    plan, sampled, total_classes = plan_file(scale, work, classes)
    out = work / "reports"
    shutil.rmtree(out, ignore_errors=True)
    cmd = [LP, "run", str(plan), "--db", str(work / "lp.duckdb"), "--out", str(out), "--quiet"]
    # Cold as after an ingest: the views step left the views prepared, which `lp run` must now
    # compute itself, inside the time measured.
    subprocess.run([PY, "-c", UNPREPARE, str(work / "lp.duckdb")], check=True)
    log(f"{scale}: reports, cold ({sampled} of {total_classes} class dashboards)")
    cold = measure("reports-cold", cmd, work, ok=(0, 1))  # 1: some report failed (listed below)
    per_report = _per_report(out)
    log(f"{scale}: reports, nothing changed")
    warm = measure("reports-warm", cmd, work, ok=(0, 1))
    ran = [r for r in per_report if r["status"] == "ok"]
    dashboards = [r for r in ran if r["notebook"] == "class_dashboard"]
    result: dict[str, Any] = {
        "plan": str(plan.relative_to(ROOT) if plan.is_relative_to(ROOT) else plan),
        "reports": len(per_report), "failed": sum(r["status"] != "ok" for r in per_report),
        "failures": [f"{r['notebook']}/{r['job']}: {r.get('error')}" for r in per_report if r["status"] != "ok"],
        "class_dashboards": sampled, "classes_in_term": total_classes,
        "cold": {k: cold[k] for k in ("wall_s", "cpu_s", "peak_rss_mb", "load")},
        "warm": {k: warm[k] for k in ("wall_s", "cpu_s", "peak_rss_mb", "load")},
        "per_report": per_report,
    }
    if ran:
        result["median_report_s"] = round(statistics.median(r["duration_s"] for r in ran), 3)
        result["median_overhead_s"] = round(statistics.median(r["overhead_s"] for r in ran), 3)
        result["median_cells_s"] = round(statistics.median(r["cells_s"] for r in ran), 3)
    if dashboards and sampled < total_classes:
        # The whole plan: the run's fixed part (start, school reports) plus every class's dashboard.
        per_dashboard = statistics.median(r["duration_s"] for r in dashboards)
        workers = os.cpu_count() or 1
        result["full_plan_estimate_s"] = round(
            cold["wall_s"] + (total_classes - sampled) * per_dashboard / workers, 1)
    return result


def _per_report(out: Path) -> list[dict[str, Any]]:
    """Each report's duration and where it went: kernel (start or reset), the notebook's cells
    (papermill's own record), HTML; overhead = everything but the cells."""
    rows = []
    for manifest in out.glob("*/manifest.json"):
        for entry in json.loads(manifest.read_text(encoding="utf-8")):
            cells = 0.0
            ipynb = (entry.get("outputs") or {}).get("ipynb")
            if ipynb:
                nb = json.loads((manifest.parent / ipynb).read_text(encoding="utf-8"))
                for cell in nb.get("cells", []):
                    pm = (cell.get("metadata") or {}).get("papermill") or {}
                    tags = (cell.get("metadata") or {}).get("tags") or []
                    if "injected-parameters" not in tags and pm.get("duration") is not None:
                        cells += pm["duration"]
            timings = entry.get("timings") or {}
            rows.append({"notebook": entry["notebook"], "job": entry["job"], "status": entry["status"],
                         "error": (entry.get("error") or {}).get("message"),
                         "duration_s": entry["duration_s"], "cells_s": round(cells, 3),
                         "overhead_s": round(entry["duration_s"] - cells, 3),
                         **{k: v for k, v in timings.items()}})
    return rows


# --- the table ---------------------------------------------------------------------------------


def _has_cold(results: dict[str, Any]) -> bool:
    """Whether any scale's views carry cold and warm times (bench/contenders.py `views`)."""
    return any("cold_s" in v for r in results["scales"].values()
               for part in ("views", "report_queries") for v in ((r.get("views") or {}).get(part) or {}).values())


def _view_s(v: dict[str, Any]) -> float:
    """The time a target is judged on: cold (a report's first query on its connection) where
    measured, else the median of the runs. A view that failed counts as infinitely slow."""
    if v.get("failed"):
        return float("inf")
    return float(v["cold_s"] if "cold_s" in v else v["median_s"])


def _judged(v: dict[str, Any]) -> str:
    """The time a target is judged on, or why there is none."""
    return str(v["failed"]) if v.get("failed") else f"{_view_s(v):.3f} s"


def _slowest(entries: dict[str, dict[str, Any]]) -> str:
    name = max(entries, key=lambda k: _view_s(entries[k]))
    return f"{name} {_judged(entries[name])}"


def _view_cell(v: dict[str, Any]) -> str:
    if v.get("failed"):
        return str(v["failed"])
    time_ = (f"{v['cold_s']:.3f} / {v['warm_s']:.3f} s" if "cold_s" in v and "warm_s" in v
             else f"{_view_s(v):.3f} s")
    return f"{time_} ({v['rows']:,})" if "rows" in v else time_


def _views_over(r: dict[str, Any], limit: float) -> str:
    return ", ".join(k for k, v in r["views"]["views"].items() if _view_s(v) > limit) or "none"


def table(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [f"Run {results['started_at']} on {m['cpu'] or 'an unknown CPU'}, {m['nproc']} cores, "
             f"{m['ram_gb']} GiB RAM, {m['system']}, Python {m['python']}, polars {m['versions']['polars']}, "
             f"duckdb {m['versions']['duckdb']}; commit {m['commit']}. Load average (1, 5, 15 min): "
             f"{results['load_before']} before, {results['load_after']} after.", ""]
    scales = [s for s in SCALES if s in results["scales"]]
    head = "| | " + " | ".join(f"{s} ({SCALES[s]:,} students, {results['scales'][s]['exports']['mb']['all']:,} MB)"
                                 for s in scales) + " |"
    lines += [head, "|---" * (len(scales) + 1) + "|"]

    def row(label: str, fn: Any, optional: bool = False) -> None:
        """One line of the table; an optional one (a part not measured in any scale) is left out."""
        cells = []
        for s in scales:
            try:
                cells.append(fn(results["scales"][s]))
            except (KeyError, TypeError, ZeroDivisionError, ValueError):
                cells.append("—")
        if optional and all(c == "—" for c in cells):
            return
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    def ing(name: str) -> Any:
        return lambda r: (f"{r['ingest']['contenders'][name]['wall_s']:.2f} s, "
                          f"{r['ingest']['contenders'][name]['peak_rss_mb']:,.0f} MB")

    for sub, label in (("utf8", "UTF-8 CSV"), ("big5", "Big5 CSV")):
        row(f"{label}: lp ingest", ing(f"lp_{sub}"))
        row(f"{label}: DuckDB read_csv", ing(f"duckdb_{sub}"))
        row(f"{label}: pandas + SQLite", ing(f"pandas_{sub}"))
        row(f"{label}: lp ÷ DuckDB (wall time, CPU time)",
            lambda r, s=sub: f"{r['ingest']['ratios'][f'lp_vs_duckdb_{s}']:.2f}×, "
                             f"{r['ingest']['ratios'][f'lp_vs_duckdb_{s}_cpu']:.2f}×")
        row(f"{label}: pandas ÷ lp (time, memory)",
            lambda r, s=sub: f"{r['ingest']['ratios'][f'pandas_vs_lp_{s}_time']:.2f}×, "
                             f"{r['ingest']['ratios'][f'pandas_vs_lp_{s}_memory']:.2f}×")
    row("whole folder: lp ingest", ing("lp_all"))
    row("whole folder: lp ingest CPU time", lambda r: f"{r['ingest']['contenders']['lp_all']['cpu_s']:,.0f} s")
    row("database size", lambda r: f"{r['ingest']['contenders']['lp_all']['db_mb']:,.0f} MB")
    row("prepared views (`lp run` computes them once before its reports: wall, CPU, peak)",
        lambda r: f"{r['views']['prepare']['wall_s']:,.1f} s, {r['views']['prepare']['cpu_s']:,.1f} s, "
                  f"{r['views']['prepare']['peak_rss_mb']:,.0f} MB", optional=True)
    row("lpdata.connect (every view / base only)",
        lambda r: f"{r['views']['connect_s']:.2f} s / {r['views']['connect_base_s']:.2f} s")
    row("slowest view" + (" (cold)" if _has_cold(results) else ""), lambda r: _slowest(r["views"]["views"]))
    row(f"views over {TARGETS['view_s']['school']:g} s (school target" + ("; cold" if _has_cold(results) else "")
        + ")", lambda r: _views_over(r, TARGETS["view_s"]["school"]) if r["scale"] == "school" else "—")
    row(f"full {' / '.join(TARGETS['full_views'])} (nation target {TARGETS['full_view_s']['nation']:g} s)",
        lambda r: ", ".join(f"{name} " + _judged(r["views"]["views"][name]) for name in TARGETS["full_views"]))
    row("report queries: slowest (nation target "
        f"{TARGETS['report_query_s']['nation']:g} s" + ("; cold" if _has_cold(results) else "") + ")",
        lambda r: _slowest(r["views"]["report_queries"]), optional=True)
    row(f"report queries over {TARGETS['report_query_s']['nation']:g} s",
        lambda r: ", ".join(k for k, v in r["views"]["report_queries"].items()
                            if v.get("failed") or _view_s(v) > TARGETS["report_query_s"]["nation"]) or "none",
        optional=True)
    row("DuckDB typing in its scan ÷ bare read_csv, UTF-8 (wall, CPU; bench/limit.py)",
        lambda r: f"{r['limit']['typed_vs_bare']:.2f}×, {r['limit']['typed_vs_bare_cpu']:.2f}× "
                  f"({r['limit']['typed']['wall_s']:.2f} s against {r['limit']['bare']['wall_s']:.2f} s)",
        optional=True)
    row("scale run at (load before → after)",
        lambda r: f"{r['run_at'][11:16]} ({r['load_before'][0]} → {r['load_after'][0]})")
    row("report plan: reports (class dashboards of classes), failed",
        lambda r: f"{r['reports']['reports']} ({r['reports']['class_dashboards']} of "
                  f"{r['reports']['classes_in_term']}), "
                  f"{r['reports']['failed']} failed")
    row("report plan: cold / nothing changed",
        lambda r: f"{r['reports']['cold']['wall_s']:.1f} s / {r['reports']['warm']['wall_s']:.1f} s")
    row("full weekly plan, cold (estimated from the sample)",
        lambda r: f"{r['reports'].get('full_plan_estimate_s', r['reports']['cold']['wall_s']):,.0f} s")
    row("per report: median time / overhead (not cells)",
        lambda r: f"{r['reports']['median_report_s']:.2f} s / {r['reports']['median_overhead_s']:.2f} s")
    cold = _has_cold(results)
    for title, key in (("Views", "views"), ("Report queries (as the notebooks run them)", "report_queries")):
        names = list(dict.fromkeys(n for r in results["scales"].values()
                                   for n in ((r.get("views") or {}).get(key) or {})))
        if not names:
            continue
        how = ("cold: the first run on a fresh connection; warm: the median of the runs after it"
               if cold else "median of the runs")
        lines += ["", f"{title} ({how}; rows fetched):", "",
                  f"| {'view' if key == 'views' else 'query'} | " + " | ".join(scales) + " |",
                  "|---" * (len(scales) + 1) + "|"]
        for name in names:
            cells = []
            for s in scales:
                v = ((results["scales"][s].get("views") or {}).get(key) or {}).get(name)
                cells.append("—" if not v else _view_cell(v))
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_readme(text: str) -> None:
    readme = BENCH / "README.md"
    if not readme.exists():
        return
    content = readme.read_text(encoding="utf-8")
    start, end = "<!-- results -->", "<!-- /results -->"
    if start in content and end in content:
        before, rest = content.split(start, 1)
        _, after = rest.split(end, 1)
        readme.write_text(f"{before}{start}\n{text}\n{end}{after}", encoding="utf-8")


# --- main --------------------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scales", default="school,county", help="comma list of school, county, nation")
    ap.add_argument("--nation", action="store_true", help="add the nation scale (550,000 students; minutes)")
    ap.add_argument("--nation-pandas", action="store_true", help="also run pandas at the nation scale")
    ap.add_argument("--nation-all-views", action="store_true",
                    help="at the nation, every view (default: the report queries, reconciliation, compliance)")
    ap.add_argument("--nation-reports", action="store_true",
                    help="also run the report sample at the nation scale (class_completion needs >8 GB there)")
    ap.add_argument("--repeat", type=int, default=None, help="ingest runs per contender (default 3, nation 1)")
    ap.add_argument("--classes", type=int, default=12, help="class dashboards sampled at county/nation scale")
    ap.add_argument("--skip", default="", help="comma list of parts to skip: ingest, views, reports")
    ap.add_argument("--limit", action="store_true",
                    help="also measure the limit of typing inside DuckDB's scan (bench/limit.py; UTF-8 files)")
    ap.add_argument("--contenders", default="", help="comma list of ingest contenders to run (default all): "
                    "lp_utf8, duckdb_utf8, pandas_utf8, lp_big5, duckdb_big5, pandas_big5, lp_all")
    ap.add_argument("--work", type=Path, default=ROOT / "build" / "bench")
    ap.add_argument("--out", type=Path, default=BENCH / "results.json")
    ap.add_argument("--no-readme", action="store_true", help="do not write the table into bench/README.md")
    args = ap.parse_args()
    scales = [s.strip() for s in args.scales.split(",") if s.strip()]
    if args.nation and "nation" not in scales:
        scales.append("nation")
    unknown = set(scales) - set(SCALES)
    if unknown:
        ap.error(f"unknown scale(s): {', '.join(sorted(unknown))}")
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    results: dict[str, Any] = {"started_at": dt.datetime.now().isoformat(timespec="seconds"),
                               "machine": machine(), "load_before": load(), "targets": TARGETS, "scales": {}}
    previous = json.loads(args.out.read_text()) if args.out.exists() else {}
    # Scales not run this time keep their last results (each says when it ran).
    for scale, kept in (previous.get("scales") or {}).items():
        if scale not in scales:
            results["scales"][scale] = kept
    for scale in scales:
        work = args.work / scale
        work.mkdir(parents=True, exist_ok=True)
        repeat = args.repeat or REPEAT[scale]
        r: dict[str, Any] = {"scale": scale, "students": SCALES[scale], "run_at": dt.datetime.now().isoformat(
            timespec="seconds"), "load_before": load(), "exports": exports(scale, work)}
        saved = sorted((work / "measure").glob("*.runs.json"))
        if "ingest" not in skip or not (work / "lp.duckdb").exists() or not saved:
            r["ingest"] = ingest(scale, work, repeat, pandas=scale != "nation" or args.nation_pandas,
                                 only={c for c in args.contenders.split(",") if c} or None)
        else:  # the last measured runs of this scale
            r["ingest"] = ingest_summary({p.name.split(".")[0]: json.loads(p.read_text()) for p in saved})
        before = (previous.get("scales") or {}).get(scale) or {}
        if "views" not in skip:
            r["views"] = views(scale, work, repeat, every=args.nation_all_views)
        elif before.get("views"):  # skipped: the last measurement, saying when it was taken
            r["views"] = before["views"] | {"measured_at": before["views"].get("measured_at", before.get("run_at"))}
        if args.limit:
            r["limit"] = limit(scale, work, repeat)
        elif before.get("limit"):
            r["limit"] = before["limit"] | {"measured_at": before["limit"].get("measured_at", before.get("run_at"))}
        if "reports" not in skip and (scale != "nation" or args.nation_reports):
            r["reports"] = reports(scale, work, args.classes)
        elif before.get("reports"):
            r["reports"] = before["reports"] | {"measured_at": before["reports"].get("measured_at",
                                                                                    before.get("run_at"))}
        r["load_after"] = load()
        results["scales"][scale] = dict(sorted(r.items(), key=lambda kv: list(r).index(kv[0])))
        args.out.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    results["load_after"] = load()
    results["finished_at"] = dt.datetime.now().isoformat(timespec="seconds")
    args.out.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    text = table(results)
    print(text)
    if not args.no_readme:
        write_readme(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
