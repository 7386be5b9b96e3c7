"""The Makefile's promises, read from `make -n` (nothing is installed or started): `make lab` needs no
flags to know (root gets --allow-root, a machine with no graphical session --no-browser), and
`make report` installs lp-workbench without the dev extra, which `make test` keeps."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make not installed")


def _make(*args: str, uid: int, tmp_path: Path, display: str | None = None) -> str:
    """`make -n ARGS` as a user whose `id -u` is `uid` (a stand-in `id` first on PATH)."""
    fake = tmp_path / f"bin-{uid}"
    fake.mkdir(exist_ok=True)
    (fake / "id").write_text(f"#!/bin/sh\necho {uid}\n")
    (fake / "id").chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "MAKEFLAGS", "MFLAGS")}
    env["PATH"] = f"{fake}{os.pathsep}{env.get('PATH', '')}"
    if display is not None:
        env["DISPLAY"] = display
    demo_db = tmp_path / "demo.duckdb"  # there: `make lab` does not build the demo school first
    demo_db.touch()
    result = subprocess.run(["make", "-n", "-C", str(ROOT), f"DEMO_DB={demo_db}", *args], capture_output=True,
                            text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _lab_line(out: str) -> str:
    lines = [line for line in out.splitlines() if "jupyter lab" in line]
    assert len(lines) == 1, out
    return lines[0]


@pytest.mark.skipif(os.uname().sysname == "Darwin", reason="macOS opens a browser without DISPLAY")
def test_make_lab_needs_no_flags(tmp_path: Path) -> None:
    as_root = _lab_line(_make("lab", uid=0, tmp_path=tmp_path))
    assert "--allow-root" in as_root and "--no-browser" in as_root  # root on a server: both
    as_user = _lab_line(_make("lab", uid=1000, tmp_path=tmp_path))
    assert "--allow-root" not in as_user and "--no-browser" in as_user
    at_a_desk = _lab_line(_make("lab", uid=1000, tmp_path=tmp_path, display=":0"))
    assert "--allow-root" not in at_a_desk and "--no-browser" not in at_a_desk
    assert f"--notebook-dir={ROOT}/notebooks" in at_a_desk and "LP_DB=" in at_a_desk
    extra = _lab_line(_make("lab", "LAB_ARGS=--port 8890", uid=1000, tmp_path=tmp_path, display=":0"))
    assert extra.rstrip().endswith("--port 8890")


def test_make_report_installs_no_test_tools(tmp_path: Path) -> None:
    # -W pyproject.toml: as if it had just changed, so every install step it triggers is shown
    report = _make("-W", "pyproject.toml", "report", uid=1000, tmp_path=tmp_path)
    installs = [line for line in report.splitlines() if "pip install" in line and "--upgrade pip" not in line]
    assert installs and all(line.rstrip(" ;\\").endswith("-e .") for line in installs), installs
    assert "dev" not in report and "lp run parameters/plans/weekly.yaml" in report
    lab = _make("-W", "pyproject.toml", "lab", uid=1000, tmp_path=tmp_path)
    assert "pip install --quiet -e ." in lab and "dev" not in lab
    test = _make("-W", "pyproject.toml", "test", uid=1000, tmp_path=tmp_path)
    assert "pip install --quiet -e '.[dev]'" in test and "pytest" in test
