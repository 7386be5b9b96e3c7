"""deploy/: the weekly script, its systemd units and the cron example. The script runs for real once
(a tiny export folder, a plan of one report), and a second run while the lock is held runs nothing."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import table_contents

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
SCRIPT = DEPLOY / "weekly.sh"
UNITS = ("lp-workbench-weekly.service", "lp-workbench-weekly.timer")
PLACEHOLDER = "/opt/lp-workbench"
BUSY = 75


def test_files_are_there_and_the_script_parses() -> None:
    for name in (*UNITS, "weekly.sh", "crontab.example"):
        assert (DEPLOY / name).is_file(), name
    assert os.access(SCRIPT, os.X_OK), "deploy/weekly.sh must be executable"
    result = subprocess.run(["bash", "-n", str(SCRIPT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    text = SCRIPT.read_text(encoding="utf-8")
    assert "set -euo pipefail" in text and "flock -n" in text and "LP_PLAN" in text
    service = (DEPLOY / UNITS[0]).read_text(encoding="utf-8")
    assert f"ExecStart={PLACEHOLDER}/deploy/weekly.sh" in service and f"WorkingDirectory={PLACEHOLDER}" in service
    timer = (DEPLOY / UNITS[1]).read_text(encoding="utf-8")
    assert "OnCalendar=Mon *-*-* 06:30:00 Asia/Taipei" in timer and "Persistent=true" in timer
    cron = [line for line in (DEPLOY / "crontab.example").read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#") and "=" not in line.split()[0]]
    assert len(cron) == 1 and cron[0].split()[:6] == ["30", "6", "*", "*", "1", "lp"], cron
    assert f"{PLACEHOLDER}/deploy/weekly.sh" in cron[0]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_units_verify(tmp_path: Path) -> None:
    # the placeholder checkout replaced by this one, so that ExecStart names an executable
    for name in UNITS:
        text = (DEPLOY / name).read_text(encoding="utf-8").replace(PLACEHOLDER, str(ROOT))
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = subprocess.run(["systemd-analyze", "verify", *(str(tmp_path / n) for n in UNITS)],
                            capture_output=True, text=True, timeout=60)
    ours = [line for line in (result.stdout + result.stderr).splitlines() if "lp-workbench" in line]
    assert result.returncode == 0 and not ours, result.stdout + result.stderr  # unknown keys only warn
    calendar = subprocess.run(["systemd-analyze", "calendar", "Mon *-*-* 06:30:00 Asia/Taipei"],
                              capture_output=True, text=True, timeout=60)
    assert calendar.returncode == 0, calendar.stderr


def _lp_bin() -> Path:
    found = shutil.which("lp", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip("the lp command is not installed next to this Python (pip install -e .)")
    return Path(found)


def test_weekly_runs_once_and_never_twice_at_a_time(export_folder: Path, key_file: Path, tmp_path: Path) -> None:
    if shutil.which("flock") is None:
        pytest.skip("flock (util-linux) not installed")
    plan = tmp_path / "plan.yaml"
    plan.write_text("title: deploy test\nreports:\n  - notebook: data_quality\n", encoding="utf-8")
    db = tmp_path / "data" / "lp.duckdb"
    reports = tmp_path / "reports"
    env = {**os.environ, "LP_EXPORTS": str(export_folder), "LP_DB": str(db), "LP_REPORTS": str(reports),
           "LP_PLAN": str(plan), "LP_KEY_FILE": str(key_file), "LP_JOBS": "1", "LP_BIN": str(_lp_bin())}
    for name in ("LP_LOCK", "LP_NOTEBOOKS_DIR", "LP_QUERIES_DIR", "LP_PARAMETERS_DIR"):
        env.pop(name, None)

    first = subprocess.run([str(SCRIPT)], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-4000:]
    assert "weekly: ingest" in first.stdout and "weekly: done" in first.stdout
    assert db.is_file() and (reports / "index.html").is_file()
    (manifest,) = reports.glob("*/manifest.json")
    entries = json.loads(manifest.read_text(encoding="utf-8"))
    assert [(e["notebook"], e["status"]) for e in entries] == [("data_quality", "ok")]
    assert (manifest.parent / entries[0]["outputs"]["html"]).is_file()
    assert not (db.stat().st_mode & 0o007), "the database must not be readable by other users"
    lock = Path(f"{db}.weekly.lock")
    assert lock.exists()

    # a run while another holds the lock (held here by flock(1)): it stops at once and runs nothing
    before_db, before_manifest = table_contents(db), manifest.read_bytes()
    holder = subprocess.Popen(["flock", str(lock), "sleep", "120"], start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while subprocess.run(["flock", "-n", str(lock), "true"]).returncode == 0:
            assert time.monotonic() < deadline, "the test could not take the lock"
            time.sleep(0.05)
        started = time.monotonic()
        second = subprocess.run([str(SCRIPT)], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
        took = time.monotonic() - started
    finally:
        os.killpg(holder.pid, signal.SIGKILL)  # flock and its sleep: the group this test started
        holder.wait(timeout=30)
    assert second.returncode == BUSY, second.stdout + second.stderr
    assert "another run holds" in second.stderr and "weekly: ingest" not in second.stdout
    assert took < 10, took
    assert table_contents(db) == before_db and manifest.read_bytes() == before_manifest


def test_weekly_refuses_without_an_export_folder(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "LP_EXPORTS"}
    env["LP_DB"] = str(tmp_path / "lp.duckdb")
    result = subprocess.run([str(SCRIPT)], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 2 and "LP_EXPORTS is not set" in result.stderr
    assert not (tmp_path / "lp.duckdb").exists()
