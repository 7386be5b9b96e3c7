"""A database that cannot be written (a read-only file, folder or filesystem, a full disk) gives one
clear line and exit 1, never a traceback, and changes nothing; once the disk is fine, the next ingest
works.

Read-only: file modes (as root, the `lp` process first drops root's right to ignore them), and a
read-only tmpfs when this machine lets the tests mount one. Disk full: a file size limit
(RLIMIT_FSIZE: writes past it fail with EFBIG, portable and unprivileged), and a real full tmpfs
(ENOSPC) when the tests may mount one.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from lpdata.backup import backup
from lpdata.ingest import ingest

from .faults import contents, copy_db, lp, one_error_line, remount, tiny_filesystem

AS_OF = "2024-12-01"
EXPORTED = dt.datetime(2024, 12, 1, 18, 0)  # files without event times would otherwise take the ingest time


@pytest.fixture
def small(export_folder: Path, tmp_path: Path, key_file: Path) -> tuple[Path, Path, dict]:
    """A database holding the student roster of `export_folder`; ingesting the whole folder then adds
    CLO, staff and the schedule. (db, reference db after that full ingest, the contents before)."""
    db = tmp_path / "db" / "lp.duckdb"
    ingest(export_folder / "學生名冊.csv", db=db, key_file=key_file, exported_at=EXPORTED)
    reference = copy_db(db, tmp_path / "ref" / "lp.duckdb")
    ingest(export_folder, db=reference, key_file=key_file, exported_at=EXPORTED)
    return db, reference, contents(db)


def ingest_args(folder: Path, db: Path, key_file: Path) -> list[object]:
    return ["ingest", folder, "--db", db, "--key-file", key_file, "-q", "--exported-at", f"{EXPORTED:%Y-%m-%d %H:%M}"]


def lp_backup(db: Path, to: Path, **how) -> Path:
    """`lp backup` in its own process; the new backup folder."""
    done = lp("backup", "--db", db, "--to", to, **how)
    assert done.returncode == 0, done.stderr
    (folder,) = [p for p in to.iterdir() if p.name.startswith(db.stem + "-")]
    return folder


def assert_next_ingest_works(folder: Path, db: Path, key_file: Path, reference: Path) -> None:
    ingest(folder, db=db, key_file=key_file, exported_at=EXPORTED)
    assert contents(db) == contents(reference)


# --- read-only -----------------------------------------------------------------------------------
def test_a_read_only_database_file(small, export_folder: Path, key_file: Path, tmp_path: Path) -> None:
    db, reference, before = small
    db.chmod(0o444)
    try:
        failed = lp(*ingest_args(export_folder, db, key_file), no_dac=True)
        one_error_line(failed, str(db), "cannot open the database", "Permission denied")
        purge = lp("purge", "--apply", "--db", db, "--as-of", AS_OF, no_dac=True)
        one_error_line(purge, "cannot open the database", "Permission denied")
        saved = lp_backup(db, tmp_path / "backups", no_dac=True)  # reading is still allowed: so is a backup
        restore = lp("restore", saved, "--db", db, "--force", no_dac=True)
        one_error_line(restore, "Permission denied")
        status = lp("status", "--db", db, no_dac=True)  # and so is every report
        assert status.returncode == 0, status.stderr
        assert contents(db) == before
        assert not Path(str(db) + ".wal").exists() and not list(db.parent.glob("*.restore-tmp"))
    finally:
        db.chmod(0o644)
    assert_next_ingest_works(export_folder, db, key_file, reference)


def test_a_read_only_folder(small, export_folder: Path, key_file: Path, tmp_path: Path) -> None:
    db, reference, before = small
    folder = db.parent
    log_before = db.with_suffix(".ingest.log").read_text(encoding="utf-8")
    folder.chmod(0o555)
    try:
        # DuckDB opens the file, writes the rows, and cannot create its write-ahead log at COMMIT.
        failed = lp(*ingest_args(export_folder, db, key_file), no_dac=True)
        one_error_line(failed, "cannot write the database, so nothing was changed", "Permission denied")
        saved = lp_backup(db, tmp_path / "backups", no_dac=True)  # its log line is simply not written
        restore_into = lp("restore", saved, "--db", folder / "new.duckdb", no_dac=True)
        one_error_line(restore_into, "Permission denied")
        assert sorted(p.name for p in folder.iterdir()) == ["lp.duckdb", "lp.ingest.log"]
        assert contents(db) == before
    finally:
        folder.chmod(0o755)
    # The run log could not be written either: the error was not hidden by that.
    assert db.with_suffix(".ingest.log").read_text(encoding="utf-8").startswith(log_before)
    assert_next_ingest_works(export_folder, db, key_file, reference)


def test_a_read_only_filesystem(small, export_folder: Path, key_file: Path, tmp_path: Path) -> None:
    db, reference, before = small
    with tiny_filesystem(tmp_path / "ro", 16 << 20) as mount:
        target = copy_db(db, mount / "lp.duckdb")
        remount(mount, "ro")
        failed = lp(*ingest_args(export_folder, target, key_file))
        one_error_line(failed, "cannot open the database", "Read-only file system")
        one_error_line(lp("purge", "--apply", "--db", target, "--as-of", AS_OF), "Read-only file system")
        status = lp("status", "--db", target)
        assert status.returncode == 0, status.stderr
        lp_backup(target, tmp_path / "backups")
        assert contents(target) == before
        remount(mount, "rw")
        assert_next_ingest_works(export_folder, target, key_file, reference)


# --- disk full -----------------------------------------------------------------------------------
def test_disk_full_as_a_file_size_limit(small, export_folder: Path, key_file: Path, tmp_path: Path) -> None:
    db, reference, before = small
    limit = 4096  # below the write-ahead log this ingest needs; the database file is larger already
    assert db.stat().st_size > limit
    failed = lp(*ingest_args(export_folder, db, key_file), fsize=limit)
    one_error_line(failed, "cannot write the database, so nothing was changed", "File too large")
    assert contents(db) == before

    backups = tmp_path / "backups"
    full = lp("backup", "--db", db, "--to", backups, fsize=limit)
    one_error_line(full, "cannot write the backup", "File too large")
    assert list(backups.iterdir()) == []  # no half-written backup is left to be mistaken for one

    saved = backup(db, backups)
    new = tmp_path / "restored" / "lp.duckdb"
    restore = lp("restore", saved.path, "--db", new, fsize=limit)
    one_error_line(restore, "File too large")
    assert not new.exists() and not list(new.parent.glob("*.restore-tmp*"))
    replace = lp("restore", saved.path, "--db", db, "--force", fsize=limit)
    one_error_line(replace, "File too large")
    assert contents(db) == before

    assert_next_ingest_works(export_folder, db, key_file, reference)


def test_a_full_disk(small, export_folder: Path, key_file: Path, tmp_path: Path) -> None:
    db, reference, before = small
    size = db.stat().st_size + (db.with_suffix(".ingest.log").stat().st_size + 8192) // 4096 * 4096
    with tiny_filesystem(tmp_path / "full", size) as mount:
        target = copy_db(db, mount / "lp.duckdb")
        failed = lp(*ingest_args(export_folder, target, key_file))
        one_error_line(failed, "cannot write the database, so nothing was changed", "No space left")
        assert contents(target) == before
        remount(mount, f"size={64 << 20}")  # room again
        assert_next_ingest_works(export_folder, target, key_file, reference)
