"""Replacing the database file in one rename while holding its lock.

DuckDB takes a POSIX record lock (`fcntl`) on the database file: exclusive for a writer, shared for
a read-only connection. A command that swaps in a new file (`lp restore`, the purge's rewrite)
takes the same exclusive lock on the old file before the rename, so no lp command is reading or
writing the old file while it is replaced; one that started meanwhile holds the lock and the swap
is refused.

POSIX record locks belong to the process and are dropped when *any* descriptor of the file is
closed, so the lock cannot be carried over from DuckDB's own connection: the caller closes its
connection, then this takes the lock afresh. To catch a command that opened and wrote the file in
that gap, the caller passes the file's identity as it left it (`FileState`); a file changed since
is never replaced.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .errors import DatabaseBusyError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no POSIX locks; the rename is still atomic
    fcntl = None  # type: ignore[assignment]


@dataclass(frozen=True)
class FileState:
    """What identifies one version of a file: its inode, size and modification time."""

    inode: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, st: os.stat_result) -> FileState:
        return cls(st.st_ino, st.st_size, st.st_mtime_ns)


def file_state(path: Path) -> FileState:
    return FileState.of(os.stat(path))


def fsync_dir(path: Path) -> None:
    """Make a rename in `path` durable (best effort: some file systems refuse)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def locked(db: Path) -> Iterator[int]:
    """Hold DuckDB's exclusive lock on `db` (a descriptor of it is yielded); DatabaseBusyError
    when another process holds it."""
    fd = os.open(db, os.O_RDWR)
    try:
        if fcntl is not None:
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                raise DatabaseBusyError("the database is in use by another lp command; try again when it "
                                        "has finished", file=db) from exc
        yield fd
    finally:
        os.close(fd)  # drops the lock


def replace_locked(tmp: Path, db: Path, *, unchanged_since: FileState | None = None) -> None:
    """Rename `tmp` over `db` while holding `db`'s lock; the new file gets the old one's mode.
    With `unchanged_since`, refuse (DatabaseBusyError, nothing replaced) when `db` changed after
    that state was taken, or has a write-ahead log: another command wrote it meanwhile."""
    with locked(db) as fd:
        current = os.fstat(fd)
        if unchanged_since is not None and (FileState.of(current) != unchanged_since
                                            or Path(str(db) + ".wal").exists()):
            raise DatabaseBusyError("the database was written to meanwhile; nothing was replaced", file=db)
        os.chmod(tmp, stat.S_IMODE(current.st_mode))  # a file kept private stays private
        os.replace(tmp, db)
        fsync_dir(db.parent)


__all__ = ["FileState", "file_state", "fsync_dir", "locked", "replace_locked"]
