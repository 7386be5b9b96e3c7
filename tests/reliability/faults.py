"""Helpers for the fault tests: run `lp` as another process (optionally with a file size limit or
without root's right to ignore file permissions), compare databases, mount a tiny filesystem."""

from __future__ import annotations

import ctypes
import os
import resource
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[2]
LP = [sys.executable, "-m", "lpdata.cli"]

# Columns that differ between two runs of the same ingest (when it ran), and lp_meta keys a restore adds.
VOLATILE = {"ingest_runs": ("started_at", "finished_at"), "purge_runs": ("run_at",)}
RESTORE_KEYS = ("restored_from", "purge_needed")

_PR_CAPBSET_DROP = 24
_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH, _CAP_FOWNER = 1, 2, 3


def lp_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           # errors must be the one-line kind, not a traceback; no pause unless asked for
           if k not in ("LP_DEBUG", "LP_DB", "LP_KEY_FILE", "LP_TEST_PAUSE_BEFORE_COMMIT")}
    return {**env, "COLUMNS": "200", **extra}


def _preexec(fsize: int | None, no_dac: bool):
    def setup() -> None:
        if fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
        if no_dac and os.geteuid() == 0:
            # root ignores file permissions through these capabilities; dropping them from the
            # bounding set before exec makes root obey a file's mode like anyone else.
            libc = ctypes.CDLL(None, use_errno=True)
            for cap in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH, _CAP_FOWNER):
                if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
                    os._exit(97)
    return setup


def lp_popen(args: Sequence[str], *, env: dict[str, str] | None = None, fsize: int | None = None,
             no_dac: bool = False) -> subprocess.Popen[str]:
    return subprocess.Popen([*LP, *map(str, args)], cwd=REPO, env=env or lp_env(), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=_preexec(fsize, no_dac) if (fsize is not None or no_dac) else None)


def lp(*args: object, env: dict[str, str] | None = None, fsize: int | None = None, no_dac: bool = False,
       timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run `lp ARGS` in another process. `fsize`: a file size limit in bytes (RLIMIT_FSIZE: a write
    past it fails with EFBIG, as a full disk fails with ENOSPC). `no_dac`: obey file modes even as root."""
    proc = lp_popen([str(a) for a in args], env=env, fsize=fsize, no_dac=no_dac)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    if proc.returncode == 97 and no_dac:
        pytest.skip("cannot drop root's file-permission override (no CAP_SETPCAP) to simulate a read-only file")
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def one_error_line(result: subprocess.CompletedProcess[str], *needles: str) -> str:
    """The command failed with exit 1 and one clear line on stderr (no traceback); returns it."""
    assert result.returncode == 1, (result.returncode, result.stdout[-2000:], result.stderr[-2000:])
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error "), lines[0]
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def contents(db: Path, *, stable: bool = True, skip_meta: Sequence[str] = RESTORE_KEYS) -> dict[str, list[str]]:
    """Every row of every table, sorted (as tests.conftest.table_contents), without the columns that
    say when an ingest ran (`stable`) and without the lp_meta rows a restore adds."""
    if not db.exists():
        return {}
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        result: dict[str, list[str]] = {}
        for name in names:
            drop = VOLATILE.get(name, ()) if stable else ()
            cols = f"* EXCLUDE ({', '.join(drop)})" if drop else "*"
            where = ""
            if name == "lp_meta" and skip_meta:
                where = " WHERE key NOT IN (" + ", ".join(f"'{k}'" for k in skip_meta) + ")"
            result[name] = sorted(map(repr, con.execute(f'SELECT {cols} FROM "{name}"{where}').fetchall()))
        return result
    finally:
        con.close()


def differing(a: dict[str, list[str]], b: dict[str, list[str]]) -> list[str]:
    return sorted(t for t in set(a) | set(b) if a.get(t) != b.get(t))


def copy_db(src: Path, dst: Path) -> Path:
    """The database file and its run log (no write-ahead log may be pending)."""
    assert not Path(str(src) + ".wal").exists()
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dst)
    log = src.with_suffix(".ingest.log")
    if log.exists():
        shutil.copy2(log, dst.with_suffix(".ingest.log"))
    return dst


@contextmanager
def tiny_filesystem(where: Path, size: int) -> Iterator[Path]:
    """A tmpfs of `size` bytes mounted at `where` (root with mount rights only; else the test skips)."""
    where.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tiny filesystem needs root")
    name = f"lp-test-{uuid.uuid4().hex[:8]}"
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", name, str(where)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def remount(where: Path, options: str) -> None:
    """Remount a `tiny_filesystem` with other options (`ro`, `size=...`)."""
    done = subprocess.run(["mount", "-o", f"remount,{options}", str(where)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot remount {where} with {options}: {done.stderr.strip()}")
