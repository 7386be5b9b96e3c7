"""Two `lp` commands at once: while one writes, every other command that would write (ingest, purge,
backup, restore) or read fails at once with one clear line and exit 1, and the writer's work lands
whole. Nothing waits, nothing is corrupted, and the command can simply be run again afterwards.

DuckDB takes an exclusive lock on the file for a writer and a shared one for readers, across
processes; `lpdata.store.open_db` turns the lock conflict into `DatabaseBusyError`.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from lpdata.backup import backup
from lpdata.ingest import PAUSE_ENV, ingest
from lpdata.purge import apply_purge

from ..queries.school import School
from ..test_purge import AS_OF, built, school  # noqa: F401 - fixtures reused
from .faults import contents, copy_db, lp, lp_env, lp_popen, one_error_line

EXPORTED = dt.datetime(2024, 12, 1, 18, 0)
WHEN = f"{EXPORTED:%Y-%m-%d %H:%M}"
BUSY = "the database is in use by another lp command; try again when it has finished"


def wait_for(path: Path, proc, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            raise AssertionError(f"the writer ended early: {proc.stderr.read()}")
        assert time.monotonic() < deadline, "the writer never reached its commit"
        time.sleep(0.02)


def test_every_other_command_is_refused_while_an_ingest_writes(
        export_folder: Path, key_file: Path, tmp_path: Path) -> None:
    db = tmp_path / "lp.duckdb"
    ingest(export_folder / "學生名冊.csv", db=db, key_file=key_file, exported_at=EXPORTED)
    saved = backup(db, tmp_path / "backups")
    reference = copy_db(db, tmp_path / "ref" / "lp.duckdb")
    ingest(export_folder, db=reference, key_file=key_file, exported_at=EXPORTED)

    marker = tmp_path / "paused"
    writer = lp_popen(["ingest", export_folder, "--db", db, "--key-file", key_file, "-q", "--exported-at", WHEN],
                      env=lp_env(**{PAUSE_ENV: str(marker)}))
    try:
        wait_for(marker, writer)  # every row written, COMMIT not yet sent
        others = {
            "ingest": ["ingest", export_folder, "--db", db, "--key-file", key_file, "-q", "--exported-at", WHEN],
            "purge": ["purge", "--apply", "--db", db, "--as-of", "2024-12-01"],
            "backup": ["backup", "--db", db, "--to", tmp_path / "backups2"],
            "restore": ["restore", saved.path, "--db", db, "--force"],
            "status": ["status", "--db", db],  # a reader too: DuckDB's shared lock waits for no writer
        }
        running = {name: lp_popen(args) for name, args in others.items()}  # all at once
        for proc in running.values():
            out, err = proc.communicate(timeout=120)
            result = type("R", (), {"returncode": proc.returncode, "stdout": out, "stderr": err})()
            one_error_line(result, BUSY)  # type: ignore[arg-type]
    finally:
        marker.unlink(missing_ok=True)  # let the writer commit
    out, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, err
    assert contents(db) == contents(reference)  # the first writer's work landed whole
    assert not list(tmp_path.glob("backups2/*")) and not list(tmp_path.glob("*.restore-tmp*"))
    # and the refused command simply works once the writer is done
    ingest(export_folder, db=db, key_file=key_file, exported_at=EXPORTED)
    assert {t: r for t, r in contents(db).items() if t != "ingest_runs"} == \
        {t: r for t, r in contents(reference).items() if t != "ingest_runs"}


def test_an_ingest_is_refused_while_a_purge_writes(school: School, export_folder: Path, tmp_path: Path) -> None:
    seen: list[object] = []

    def second_writer() -> None:  # called inside the purge's transaction, every delete done
        seen.append(lp("ingest", export_folder, "--db", school.db, "--key-file", school.key_file, "-q"))
        seen.append(lp("backup", "--db", school.db, "--to", tmp_path / "backups"))

    result = apply_purge(school.db, as_of=AS_OF, rules_file=False, before_commit=second_writer)
    assert (result.students, result.total_rows) == (1, 13)
    for refused in seen:
        one_error_line(refused, BUSY)  # type: ignore[arg-type]
    assert len(contents(school.db)["purge_runs"]) == 1
    assert not (tmp_path / "backups").exists() or not any((tmp_path / "backups").iterdir())


def test_a_writer_is_refused_while_a_backup_reads(school: School, export_folder: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import lpdata.backup as backup_module

    before = contents(school.db)
    seen: list[object] = []
    real = backup_module._tables

    def tables_then_try_a_writer(con):  # the backup holds the file (read-only) from here to its copy's end
        if not seen:
            seen.append(lp("purge", "--apply", "--db", school.db, "--as-of", AS_OF))
        return real(con)

    monkeypatch.setattr(backup_module, "_tables", tables_then_try_a_writer)
    saved = backup(school.db, tmp_path / "backups")
    one_error_line(seen[0], BUSY)  # type: ignore[arg-type]
    assert contents(school.db) == before and saved.tables["purge_runs"] == 0
