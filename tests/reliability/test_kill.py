"""SIGKILL part-way (`make test-slow`): `lp ingest`, `lp purge --apply` and `lp restore` killed at
random points leave the database exactly as it was before or exactly as it is after, never in
between, and the next run works.

The ingest loads a second demo school export (every kind changes) into a database holding a first
one. Its timeline is measured from an uninterrupted run; the kills are spread over the write (from
the moment the process opens the database, found in /proc/<pid>/fd, to its exit: the rows, COMMIT,
the write-ahead log, the checkpoint on close), plus one while still reading files and one at a known
point inside the transaction (LP_TEST_PAUSE_BEFORE_COMMIT). Figures go to
build/reliability/kill.json and docs/reliability.md.

    LP_KILL_STUDENTS=300 LP_KILL_TRIALS=6 LP_KILL_SEED=20250731 make test-slow
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import random
import signal
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from lpdata.backup import backup
from lpdata.ingest import PAUSE_ENV, ingest
from lpdata.purge import apply_purge

from ..conftest import KEY_HEX
from ..test_purge import AS_OF, built  # noqa: F401 - fixture reused
from .faults import REPO, contents, copy_db, differing, lp, lp_env, lp_popen

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to time the kills")]

STUDENTS = int(os.environ.get("LP_KILL_STUDENTS", "300"))
TRIALS = int(os.environ.get("LP_KILL_TRIALS", "6"))  # random kills during the write, per command
SEED = int(os.environ.get("LP_KILL_SEED", "20250731"))
REPORT = REPO / "build" / "reliability" / "kill.json"


# --- running a command and killing it ------------------------------------------------------------
@dataclasses.dataclass
class Run:
    plan: str
    returncode: int | None = None
    killed: bool = False
    opened_at: float | None = None  # seconds from start until the process had the database open
    ended_at: float = 0.0  # seconds from start until it was killed or ended
    wal_after: bool = False  # a write-ahead log was left beside the database
    outcome: str = ""  # before | after
    recovered: bool = False  # the next run worked and ended exactly at the after-state
    rows_lost: int = 0  # rows of the after-state missing once the next run had worked


def holds(pid: int, target: str) -> bool:
    try:
        names = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for name in names:
        try:
            if os.readlink(f"/proc/{pid}/fd/{name}") == target:
                return True
        except OSError:
            continue
    return False


def run_and_maybe_kill(args: list[object], db: Path, plan: str, *, env: dict[str, str] | None = None,
                       at: float | None = None, after_open: float | None = None,
                       marker: Path | None = None) -> Run:
    """Run `lp ARGS`; SIGKILL it `at` seconds after start, `after_open` seconds after it opened the
    database, or once `marker` exists. Without any of them, let it finish (and time it)."""
    target = str(db.resolve())
    run = Run(plan)
    start = time.monotonic()
    proc = lp_popen(args, env=env)
    while proc.poll() is None:
        now = time.monotonic() - start
        if run.opened_at is None and holds(proc.pid, target):
            run.opened_at = now
        if ((at is not None and now >= at) or (marker is not None and marker.exists())
                or (after_open is not None and run.opened_at is not None and now >= run.opened_at + after_open)):
            os.kill(proc.pid, signal.SIGKILL)
            break
        assert now < 600, "the command hung"
        time.sleep(0.003)
    proc.communicate(timeout=120)
    run.ended_at = time.monotonic() - start
    run.returncode = proc.returncode
    run.killed = proc.returncode == -signal.SIGKILL
    run.wal_after = Path(f"{db}.wal").exists()
    return run


def judge(run: Run, db: Path, before: dict, after: dict, ignore: tuple[str, ...] = ()) -> None:
    now = {t: r for t, r in contents(db).items() if t not in ignore}
    if now == {t: r for t, r in before.items() if t not in ignore}:
        run.outcome = "before"
    elif now == {t: r for t, r in after.items() if t not in ignore}:
        run.outcome = "after"
    else:
        pytest.fail(f"{run}: the database is neither before nor after; tables differing from after: "
                    f"{differing(now, after)}, from before: {differing(now, before)}")


def lost(now: dict, after: dict, ignore: tuple[str, ...] = ()) -> int:
    """Rows of the after-state (as a multiset, table by table) missing from `now`."""
    return sum(sum((Counter(after[t]) - Counter(now.get(t, []))).values()) for t in after if t not in ignore)


def report(name: str, runs: list[Run], extra: dict) -> dict:
    kills = [r for r in runs if r.killed]
    summary = {
        "command": name, "seed": SEED, "kills": len(kills), "missed": len(runs) - len(kills),
        "survived": sum(bool(r.outcome) and r.recovered and not r.rows_lost for r in kills),
        "left_before": sum(r.outcome == "before" for r in kills),
        "left_after": sum(r.outcome == "after" for r in kills),
        "killed_with_wal_left": sum(r.wal_after for r in kills),
        "rows_lost": sum(r.rows_lost for r in runs), "runs": [dataclasses.asdict(r) for r in runs], **extra,
    }
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    everything = json.loads(REPORT.read_text(encoding="utf-8")) if REPORT.exists() else {}
    everything[name] = summary | {"at": dt.datetime.now().isoformat(timespec="seconds")}
    REPORT.write_text(json.dumps(everything, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\n{name}: {summary['kills']} kills ({summary['missed']} missed), {summary['survived']} survived "
          f"({summary['left_before']} before, {summary['left_after']} after, "
          f"{summary['killed_with_wal_left']} with a write-ahead log left)")
    return summary


# --- lp ingest -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def schools(tmp_path_factory: pytest.TempPathFactory):
    """Two demo exports of the same size; the database after the first is `before`."""
    from lpdata.demo import generate

    root = tmp_path_factory.mktemp("kill")
    key = root / "keys" / "id-hash.key"
    key.parent.mkdir()
    key.write_text(KEY_HEX + "\n")
    key.chmod(0o600)
    first = generate(root / "first", students=STUDENTS, seed=11)
    second = generate(root / "second", students=STUDENTS, seed=12)
    db = root / "before" / "lp.duckdb"
    ingest(first.out, db=db, exported_at=first.exported_at, key_file=key)
    when = f"{second.exported_at + dt.timedelta(days=1):%Y-%m-%d %H:%M}"
    return root, key, db, second.out, when


def test_killing_lp_ingest(schools) -> None:
    root, key, before_db, folder, when = schools
    rng = random.Random(SEED)

    def args(db: Path) -> list[object]:
        return ["ingest", folder, "--db", db, "--key-file", key, "-q", "--exported-at", when]

    # The after-state, and the timeline, from an uninterrupted run.
    after_db = copy_db(before_db, root / "after" / "lp.duckdb")
    baseline = run_and_maybe_kill(args(after_db), after_db, "uninterrupted")
    assert baseline.returncode == 0 and baseline.opened_at is not None, baseline
    before, after = contents(before_db), contents(after_db)
    assert differing(before, after)  # the ingest changes every kind
    write_time = baseline.ended_at - baseline.opened_at

    runs: list[Run] = []

    def trial(plan: str, how: dict) -> Run:
        db = copy_db(before_db, root / f"trial-{len(runs)}" / "lp.duckdb")
        env = None
        if how.pop("marker", False):
            marker = db.parent / "paused"
            env, how = lp_env(**{PAUSE_ENV: str(marker)}), {"marker": marker}
        run = run_and_maybe_kill(args(db), db, plan, env=env, **how)
        runs.append(run)
        judge(run, db, before, after)
        # The next ingest works and ends exactly where an uninterrupted one does.
        again = lp(*args(db))
        assert again.returncode == 0, again.stderr
        now = contents(db)
        run.rows_lost = lost(now, after, ("ingest_runs",))
        assert {t: r for t, r in now.items() if t != "ingest_runs"} == \
            {t: r for t, r in after.items() if t != "ingest_runs"}
        assert len(now["ingest_runs"]) == len(after["ingest_runs"]) + (run.outcome == "after")
        run.recovered = True
        return run

    paused = trial("paused before COMMIT", {"marker": True})
    assert paused.killed and paused.outcome == "before"  # inside the transaction: nothing committed
    trial("while reading files", {"at": rng.uniform(0.3, 0.9) * baseline.opened_at})
    for attempt in range(3 * TRIALS):  # a kill drawn after the process ended is a miss: draw again
        if sum(r.killed and r.plan.startswith("writing") for r in runs) == TRIALS:
            break
        trial(f"writing, random {attempt + 1}", {"after_open": rng.uniform(0.0, 1.05) * write_time})
    assert sum(r.killed for r in runs) >= 5, runs
    summary = report("lp ingest", runs, {
        "students": STUDENTS, "rows_in_ingest": sum(map(len, after.values())) - sum(map(len, before.values())),
        "uninterrupted_s": round(baseline.ended_at, 2), "write_phase_s": round(write_time, 2)})
    assert summary["survived"] == summary["kills"]


# --- lp restore --------------------------------------------------------------------------------
def test_killing_lp_restore(schools) -> None:
    """The database holds the second school; the backup the first. Killed anywhere, the file is
    one or the other."""
    root, key, before_db, folder, when = schools
    rng = random.Random(SEED + 1)
    saved = backup(before_db, root / "backups")
    old_db = copy_db(before_db, root / "restore-old" / "lp.duckdb")
    ingest(folder, db=old_db, key_file=key, exported_at=dt.datetime.fromisoformat(when))
    old, new = contents(old_db), contents(before_db)

    timing = copy_db(old_db, root / "restore-timing" / "lp.duckdb")
    baseline = run_and_maybe_kill(["restore", saved.path, "--db", timing, "--force"], timing, "uninterrupted")
    assert baseline.returncode == 0 and contents(timing) == new, baseline
    assert baseline.opened_at is not None  # when it opened the old file: its log folded in, then the swap
    swap_time = baseline.ended_at - baseline.opened_at
    runs: list[Run] = []
    for n in range(3 * (TRIALS + 2)):
        if sum(r.killed for r in runs) == TRIALS + 2:
            break
        db = copy_db(old_db, root / f"restore-{n}" / "lp.duckdb")
        # Every other kill anywhere in the run (checksums, building the new file), the rest from the
        # moment it opens the old file to its exit (the swap).
        how = ({"at": rng.uniform(0.25, 1.05) * baseline.ended_at} if n % 2 == 0 else
               {"after_open": rng.uniform(0.0, 1.05) * swap_time})
        run = run_and_maybe_kill(["restore", saved.path, "--db", db, "--force"], db,
                                 f"{'anywhere' if n % 2 == 0 else 'swapping'}, random {n + 1}", **how)
        runs.append(run)
        judge(run, db, old, new)
        again = lp("restore", saved.path, "--db", db, "--force")
        assert again.returncode == 0, again.stderr
        run.rows_lost = lost(contents(db), new)
        assert contents(db) == new and not list(db.parent.glob("*.restore-tmp*"))
        run.recovered = True
    summary = report("lp restore", runs, {"uninterrupted_s": round(baseline.ended_at, 2)})
    assert summary["survived"] == summary["kills"] and summary["kills"] >= 5


# --- lp purge --apply ----------------------------------------------------------------------------
def test_killing_lp_purge(built: Path, tmp_path: Path) -> None:
    """The purge deletes one graduate's 13 rows, then rewrites the file; killed anywhere, the graduate
    is wholly there or wholly gone, and the next purge works."""
    rng = random.Random(SEED + 2)
    source = built / "school" / "lp.duckdb"
    before = contents(source)
    after_db = copy_db(source, tmp_path / "after" / "lp.duckdb")
    apply_purge(after_db, as_of=AS_OF, rules_file=False)
    after = contents(after_db)
    ignore = ("purge_runs",)  # who and where are the same; the audit row itself is judged below

    def args(db: Path) -> list[object]:
        return ["purge", "--apply", "--db", db, "--as-of", AS_OF]

    timing = copy_db(source, tmp_path / "timing" / "lp.duckdb")
    baseline = run_and_maybe_kill(args(timing), timing, "uninterrupted")
    assert baseline.returncode == 0 and baseline.opened_at is not None, baseline
    write_time = baseline.ended_at - baseline.opened_at
    runs: list[Run] = []
    for n in range(3 * (TRIALS + 2)):
        if sum(r.killed for r in runs) == TRIALS + 2:
            break
        db = copy_db(source, tmp_path / f"purge-{n}" / "lp.duckdb")
        run = run_and_maybe_kill(args(db), db, f"random {n + 1}", after_open=rng.uniform(0.0, 1.05) * write_time)
        runs.append(run)
        judge(run, db, before, after, ignore)
        assert len(contents(db)["purge_runs"]) == (run.outcome == "after")  # the audit goes with the deletes
        again = lp(*args(db))
        assert again.returncode == 0, again.stderr
        now = contents(db)
        run.rows_lost = lost(now, after, ignore)
        assert {t: r for t, r in now.items() if t not in ignore} == {t: r for t, r in after.items() if t not in ignore}
        run.recovered = True
    summary = report("lp purge --apply", runs, {"uninterrupted_s": round(baseline.ended_at, 2),
                                                "write_phase_s": round(write_time, 2)})
    assert summary["survived"] == summary["kills"] and summary["kills"] >= 5
