"""Upgrading a database written by an older lp-workbench to this one's schema.

    migrate(Path("data/lp.duckdb"))   # None when there is nothing to do

`lpdata.store.open_db` calls this whenever it opens a file whose `lp_meta.schema_version` is older
than `store.SCHEMA_VERSION`, so the first command of a new release upgrades the file, whatever the
command (ingest, query, status, run, purge, backup). In order:

1. The file is opened for writing: DuckDB's exclusive lock, so no other lp command reads or writes
   it meanwhile (one that holds it makes this a DatabaseBusyError: try again).
2. A byte copy of the file as it is (and of its write-ahead log, if one is left) is written beside
   it, `lp.duckdb.v1-backup-YYYYMMDD-HHMMSS`, with the file's own permissions. It is read through a
   descriptor kept open until DuckDB has closed the file: POSIX locks belong to the process and
   closing any descriptor of the file drops them (see `_filelock`), so the lock is held throughout.
   The copy opens as the old database with the old release (rename it back to restore it).
3. One transaction: every step from the file's version to this one (`store.upgrade_schema`), and
   the new version recorded.
   A failure rolls it back: the file stays as it was (DuckDB writes nothing to it before a commit),
   and the copy, now redundant, is removed.
4. One line on stderr says what was done and where the copy is; the run log beside the database
   records it too.

A file newer than this lp-workbench is refused (`store.check_version`), and so is an upgrade the
disk or the file's permissions refuse: with one clear line saying the upgrade needs write access.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from ._filelock import fsync_dir
from .errors import DatabaseBusyError, LpdataError, StoreError
from .store import (
    SCHEMA_VERSION,
    _connect,
    append_log,
    check_version,
    error_record,
    schema_version,
    transaction,
    upgrade_schema,
)


@dataclass(frozen=True)
class Migration:
    db: Path
    from_version: str
    to_version: str
    backup: Path  # the copy of the file as it was
    at: dt.datetime

    @property
    def message(self) -> str:
        return (f"lp: upgraded the database {self.db} from schema version {self.from_version} to "
                f"{self.to_version}; the file as it was is kept at {self.backup}")


def migrate(db: str | Path, *, before_commit: Callable[[], None] | None = None,
            stderr: TextIO | None = None) -> Migration | None:
    """Upgrade the file at `db` to SCHEMA_VERSION (see the module's docstring); None when it already
    is (or holds no lp tables). `before_commit` exists for fault tests."""
    db = Path(db)
    started = dt.datetime.now()
    try:
        con = _connect(db, read_only=False)
    except DatabaseBusyError:
        raise
    except StoreError as exc:
        raise StoreError("the database was written by an older lp-workbench and must be upgraded once, "
                         f"which needs write access to it and its folder: {exc.message}", file=db) from exc
    fd: int | None = None
    copy: Path | None = None
    committed = False
    try:
        version = schema_version(con)
        if version is None or version == SCHEMA_VERSION:
            return None  # another command upgraded it meanwhile, or it holds no lp tables
        check_version(version, db)
        fd = os.open(db, os.O_RDONLY)
        copy = _copy(fd, db, version, started)
        with transaction(con):
            upgrade_schema(con, version)  # the statements live with the schema, in lpdata.store
            con.execute("UPDATE lp_meta SET value = ? WHERE key = 'schema_version'", [SCHEMA_VERSION])
            if before_commit is not None:
                before_commit()
        committed = True
    except BaseException as exc:
        if copy is not None and not committed:
            for leftover in (copy, _wal(copy)):
                try:
                    leftover.unlink(missing_ok=True)
                except OSError:
                    pass
        record = {"event": "migrate", "started_at": started.isoformat(timespec="seconds"), "db": str(db),
                  "status": "failed"}
        errors = [error_record(exc)] if isinstance(exc, LpdataError) else [{"code": type(exc).__name__}]
        append_log(db, record | {"errors": errors})
        raise
    finally:
        con.close()  # the checkpoint: the upgrade is folded into the file
        if fd is not None:
            os.close(fd)  # only now: closing it earlier would have dropped DuckDB's lock
    assert copy is not None
    result = Migration(db, version, SCHEMA_VERSION, copy, started)
    append_log(db, {"event": "migrate", "started_at": started.isoformat(timespec="seconds"), "db": str(db),
                    "status": "ok", "from_version": version, "to_version": SCHEMA_VERSION, "backup": str(copy)})
    print(result.message, file=stderr or sys.stderr, flush=True)
    return result


def _wal(path: Path) -> Path:
    return Path(str(path) + ".wal")


def backup_name(db: Path, version: str, at: dt.datetime) -> Path:
    """`lp.duckdb.v1-backup-20250801-093000` beside the file (`-2`, `-3` … when taken twice a second)."""
    base = f"{db.name}.v{version}-backup-{at:%Y%m%d-%H%M%S}"
    for n in range(1, 1000):
        path = db.with_name(base if n == 1 else f"{base}-{n}")
        if not path.exists() and not _wal(path).exists():
            return path
    raise StoreError("too many upgrade copies with the same name", file=db)  # pragma: no cover


def _copy(fd: int, db: Path, version: str, at: dt.datetime) -> Path:
    """Copy the file (read through `fd`) and its write-ahead log, if any, beside it; the copy's path."""
    target = backup_name(db, version, at)
    mode = stat.S_IMODE(os.fstat(fd).st_mode)
    written: list[Path] = []
    try:
        _copy_fd(fd, target, mode)
        written.append(target)
        wal = _wal(db)
        if wal.exists():  # a log not yet folded in is part of the file as it was
            wal_fd = os.open(wal, os.O_RDONLY)  # another file: closing it drops no lock of db's
            try:
                _copy_fd(wal_fd, _wal(target), mode)
                written.append(_wal(target))
            finally:
                os.close(wal_fd)
        fsync_dir(db.parent)
    except OSError as exc:
        for path in written:
            path.unlink(missing_ok=True)
        text = exc.strerror or str(exc)
        raise StoreError("cannot write the copy of the database kept before its upgrade, so nothing was "
                         f"changed (is the disk full, or the folder read-only?): {text}", file=target) from exc
    return target


def _copy_fd(source: int, target: Path, mode: int) -> None:
    out = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        offset = 0
        while chunk := os.pread(source, 1 << 20, offset):
            view = memoryview(chunk)
            while view:
                view = view[os.write(out, view):]
            offset += len(chunk)
        os.fchmod(out, mode)  # a file kept private stays private
        os.fsync(out)
    except BaseException:
        os.close(out)
        target.unlink(missing_ok=True)
        raise
    os.close(out)


__all__ = ["Migration", "backup_name", "migrate"]
