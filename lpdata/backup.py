"""`lp backup` and `lp restore`: a consistent, checksummed copy of the database, and bringing it back.

    result = backup("data/lp.duckdb", "backups/")   # backups/lp-20250731-180000/
    restore(result.path, "data/lp.duckdb", force=True)

**Backup.** The database is opened read-only, which holds DuckDB's shared lock on the file: no
writer (`lp ingest`, `lp purge --apply`, `lp restore`) can run during the copy, and a copy started
while one runs fails with the same "in use" message they give each other. Every table is written,
in one read transaction, to one Parquet file (DuckDB's own writer: readable by any tool, and by
later DuckDB versions, unlike the database file's storage format). `backup.json` then records when,
which lp, schema and DuckDB version, the source path, each table's row count, file and SHA-256, the
newest purge in the copy, and the ID-hash key's fingerprint (never the key). The folder is built
under a hidden temporary name and renamed when complete, so a folder with a `backup.json` is a
whole backup. Folder 0700, files 0600: a backup holds the same personal data as the database.

**Restore.** Refuses a backup whose manifest or any file fails its checksum (naming the file) and an
existing database unless `force`. Builds the new database in a file beside the target, checks
every table's row count, then swaps it in with one `os.replace` while holding the old file's lock;
a crash at any point leaves the old database or the restored one, never a mix.

**A backup taken before a purge.** Restoring it brings back graduates a purge had deleted. The
purge's own audit (`purge_runs`) is inside the database being replaced, so restore also reads the
run log beside the target (and beside the backup's source database), where every purge appends a
line. A purge that ran after the backup was taken (a later `purge_id`, or a later time) makes the
restore say so, and writes `purge_needed` into `lp_meta`; `lp status` repeats the warning until a
purge as of that date or later has run on the restored database. `restored_from` records the
backup every restore came from.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import socket
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from . import __version__
from ._filelock import fsync_dir, locked
from .errors import DatabaseBusyError, LpdataError, StoreError
from .purge_needed import MARK_KEY, MissedPurge, needed_mark, purge_message
from .store import (
    SCHEMA_VERSION,
    _user,
    append_log,
    ensure_schema,
    error_record,
    first_row,
    log_path,
    open_db,
    scalar_int,
    transaction,
    write_refused,
)

MANIFEST = "backup.json"
FORMAT = "lp-backup/1"
_NAME = re.compile(r"^[A-Za-z0-9_]+$")


# --- results ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class BackupResult:
    path: Path  # the backup folder (holds backup.json and one .parquet per table)
    db: Path
    created_at: dt.datetime
    tables: Mapping[str, int]  # table -> rows
    files: Mapping[str, str]  # file name -> sha256
    newest_purge: Mapping[str, Any] | None
    bytes: int

    @property
    def total_rows(self) -> int:
        return sum(self.tables.values())


@dataclass(frozen=True)
class RestoreResult:
    db: Path
    backup: Path
    created_at: dt.datetime  # when the backup was taken
    restored_at: dt.datetime
    tables: Mapping[str, int]
    replaced: bool  # an existing database was replaced
    missed_purges: tuple[MissedPurge, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def total_rows(self) -> int:
        return sum(self.tables.values())

    @property
    def purge_needed(self) -> str | None:
        """The warning to print, or None when no purge ran after the backup was taken."""
        return purge_message(needed_mark(self.missed_purges, self.restored_at), self.db) if self.missed_purges else None


# --- small helpers ---------------------------------------------------------------------------
def _sql_str(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _manifest_digest(manifest: Mapping[str, Any]) -> str:
    body = {k: v for k, v in manifest.items() if k != "manifest_sha256"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute("""SELECT table_name FROM duckdb_tables()
                          WHERE database_name = current_database() AND schema_name = 'main' AND NOT temporary
                          ORDER BY 1""").fetchall()
    return [r[0] for r in rows]


def _wal(db: Path) -> Path:
    return Path(str(db) + ".wal")


def _io_error(what: str, exc: BaseException, file: Path) -> StoreError:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(exc, OSError) and exc.strerror:
        text = exc.strerror
    return StoreError(f"{what} (is the disk full, or the folder read-only?): {text}", file=file)


# --- backup ----------------------------------------------------------------------------------
def backup(db: str | Path, to_dir: str | Path) -> BackupResult:
    """Write a consistent, checksummed copy of the database into a new folder under `to_dir`."""
    db, to_dir = Path(db), Path(to_dir)
    record: dict[str, object] = {"event": "backup", "started_at": dt.datetime.now().isoformat(timespec="seconds"),
                                 "db": str(db), "to": str(to_dir)}
    if not db.is_file():
        raise StoreError("no database here yet; run `lp ingest FOLDER --db PATH` first", file=db)
    staging: Path | None = None
    try:
        con = open_db(db, read_only=True)  # DuckDB's shared lock: no writer runs during the copy
        try:
            created = dt.datetime.now()
            tables = _tables(con)
            if "lp_meta" not in tables:
                raise StoreError("not an lp-workbench database (it has no lp_meta table)", file=db)
            bad = [t for t in tables if not _NAME.match(t)]
            if bad:
                raise StoreError(f"a table name cannot be a file name: {bad[0]!r}", file=db)
            meta = dict(con.execute("SELECT key, value FROM lp_meta").fetchall())
            try:
                to_dir.mkdir(parents=True, exist_ok=True)
                staging = Path(tempfile.mkdtemp(prefix=".lp-backup-", suffix=".partial", dir=to_dir))
            except OSError as exc:
                raise _io_error("cannot create the backup folder", exc, to_dir) from exc
            counts: dict[str, int] = {}
            con.execute("BEGIN TRANSACTION")  # one snapshot of every table
            try:
                for table in tables:
                    target = _sql_str(staging / (table + ".parquet"))
                    written = con.execute(f'COPY (SELECT * FROM "{table}") TO {target} '
                                          "(FORMAT parquet, COMPRESSION zstd)").fetchall()
                    counts[table] = int(written[0][0]) if written else 0
                newest = None
                if "purge_runs" in tables:
                    row = first_row(con, "SELECT purge_id, run_at, as_of FROM purge_runs "
                                         "ORDER BY purge_id DESC, run_at DESC LIMIT 1")
                    if row is not None:
                        newest = {"purge_id": int(row[0]), "run_at": row[1].isoformat(), "as_of": row[2].isoformat()}
            finally:
                try:
                    con.execute("ROLLBACK")  # read only: nothing to commit
                except duckdb.Error:
                    pass
        finally:
            con.close()
        manifest = _finish(db, staging, created, counts, meta, newest)
        final = _final_name(to_dir, db, created)
        os.rename(staging, final)
        staging = None
        fsync_dir(to_dir)
    except BaseException as exc:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, (duckdb.Error, OSError)):
            error = (_io_error("cannot write the backup", exc, to_dir) if write_refused(exc) is not None
                     else StoreError(f"the backup failed: {str(exc).splitlines()[0]}", file=db))
            append_log(db, record | {"status": "failed", "errors": [error_record(error)]})
            raise error from exc
        errors = [error_record(exc)] if isinstance(exc, LpdataError) else [{"code": type(exc).__name__}]
        append_log(db, record | {"status": "failed", "errors": errors})
        raise
    files = {info["file"]: info["sha256"] for info in manifest["tables"].values()}
    size = sum(info["bytes"] for info in manifest["tables"].values())
    append_log(db, record | {"status": "ok", "path": str(final), "tables": len(counts), "rows": sum(counts.values()),
                             "newest_purge_id": (newest or {}).get("purge_id")})
    return BackupResult(final, db, created, counts, files, newest, size)


def _finish(db: Path, staging: Path, created: dt.datetime, counts: Mapping[str, int],
            meta: Mapping[str, str], newest: Mapping[str, Any] | None) -> dict[str, Any]:
    """Read every file back (row counts), checksum it, make it private and write the manifest."""
    check = duckdb.connect()
    tables: dict[str, dict[str, Any]] = {}
    try:
        for table, rows in counts.items():
            path = staging / f"{table}.parquet"
            back = scalar_int(check, f"SELECT count(*) FROM read_parquet({_sql_str(path)})")
            if back != rows:
                raise StoreError(f"the copy of {table} reads back {back} rows, not {rows}", file=path)
            os.chmod(path, 0o600)
            with path.open("rb") as fh:  # on disk before the manifest says the backup is whole
                os.fsync(fh.fileno())
            tables[table] = {"file": path.name, "rows": rows, "sha256": sha256_of(path), "bytes": path.stat().st_size}
    finally:
        check.close()
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "created_at": created.isoformat(),
        "created_at_utc": created.astimezone(dt.UTC).isoformat(),
        "lp_version": __version__,
        "duckdb_version": duckdb.__version__,
        "schema_version": meta.get("schema_version"),
        "source_db": str(db.resolve()),
        "host": socket.gethostname(),
        "run_by": _user(),
        "key_fingerprint": meta.get("key_fingerprint"),
        "newest_purge": dict(newest) if newest else None,
        "tables": tables,
    }
    manifest["manifest_sha256"] = _manifest_digest(manifest)
    path = staging / MANIFEST
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, ensure_ascii=False, indent=2)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    fsync_dir(staging)
    return manifest


def _final_name(to_dir: Path, db: Path, created: dt.datetime) -> Path:
    base = f"{db.stem}-{created:%Y%m%d-%H%M%S}"
    for n in range(1, 1000):
        path = to_dir / (base if n == 1 else f"{base}-{n}")
        if not path.exists():
            return path
    raise StoreError("too many backups with the same name", file=to_dir)  # pragma: no cover


# --- reading and checking a backup -----------------------------------------------------------
def read_manifest(backup_dir: str | Path) -> dict[str, Any]:
    """The manifest of a backup folder, checked: format, its own checksum, the schema version."""
    backup_dir = Path(backup_dir)
    path = backup_dir / MANIFEST
    if not backup_dir.is_dir():
        raise StoreError("no such backup folder", file=backup_dir)
    if not path.is_file():
        raise StoreError(f"not a complete backup: it has no {MANIFEST}", file=backup_dir)
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StoreError(f"the backup manifest cannot be read ({type(exc).__name__}); the backup is damaged",
                         file=path) from exc
    if (not isinstance(manifest, dict) or manifest.get("format") != FORMAT
            or not isinstance(manifest.get("tables"), dict)):
        raise StoreError(f"not an lp-workbench backup manifest (expected format {FORMAT})", file=path)
    if manifest.get("manifest_sha256") != _manifest_digest(manifest):
        raise StoreError("the backup manifest was changed after it was written (its checksum does not match); "
                         "the backup is damaged", file=path)
    version = manifest.get("schema_version")
    if version is not None and str(version).isdigit() and int(version) > int(SCHEMA_VERSION):
        raise StoreError(f"this backup has schema version {version}, newer than this lp-workbench's "
                         f"{SCHEMA_VERSION}; restore it with the lp-workbench that wrote it "
                         f"({manifest.get('lp_version')})", file=path)
    return manifest


def verify(backup_dir: str | Path, manifest: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Check every file of a backup against its SHA-256; a damaged or missing file is refused by name."""
    backup_dir = Path(backup_dir)
    manifest = dict(manifest) if manifest is not None else read_manifest(backup_dir)
    for table, info in manifest["tables"].items():
        name = str(info.get("file", ""))
        if not _NAME.match(str(table)) or name != f"{table}.parquet":
            raise StoreError(f"the backup manifest names an unexpected file {name!r}", file=backup_dir / MANIFEST)
        path = backup_dir / name
        if not path.is_file():
            raise StoreError("a file of the backup is missing; the backup is damaged", file=path)
        if sha256_of(path) != info.get("sha256"):
            raise StoreError("the file does not match its checksum in backup.json; the backup is damaged",
                             file=path)
    return manifest


# --- restore ---------------------------------------------------------------------------------
def restore(backup_dir: str | Path, db: str | Path, *, force: bool = False) -> RestoreResult:
    """Bring a backup back as the database at `db` (replacing one only with `force`), atomically."""
    backup_dir, db = Path(backup_dir), Path(db)
    restored_at = dt.datetime.now()
    record: dict[str, object] = {"event": "restore", "started_at": restored_at.isoformat(timespec="seconds"),
                                 "db": str(db), "backup": str(backup_dir)}
    manifest = verify(backup_dir)
    created = dt.datetime.fromisoformat(manifest["created_at"])
    if db.is_dir():
        raise StoreError("this is a folder, not a database file", file=db)
    exists = db.exists()
    if exists and not force:
        raise StoreError("a database is already here; pass --force to replace it with the backup", file=db)
    tmp = db.with_name(db.name + ".restore-tmp")
    notes: list[str] = []
    try:
        try:
            db.parent.mkdir(parents=True, exist_ok=True)
            for leftover in (tmp, _wal(tmp)):
                leftover.unlink(missing_ok=True)
        except OSError as exc:
            raise _io_error("cannot write beside the database", exc, db) from exc
        counts = _build(tmp, backup_dir, manifest, notes)
        old_purges: list[MissedPurge] = []
        old_readable = True
        if exists:
            old_purges, old_readable = _settle_old(db, notes)
        missed = _missed_purges(manifest, created, db, old_purges)
        _mark(tmp, manifest, backup_dir, restored_at, missed)
        _swap(tmp, db, exists=exists, old_readable=old_readable)
    except BaseException as exc:
        for leftover in (tmp, _wal(tmp)):
            try:
                leftover.unlink(missing_ok=True)
            except OSError:
                pass
        if isinstance(exc, (duckdb.Error, OSError)):
            refused = write_refused(exc) or StoreError(f"the restore failed: {str(exc).splitlines()[0]}", file=db)
            append_log(db, record | {"status": "failed", "errors": [error_record(refused)]})
            raise refused from exc
        errors = [error_record(exc)] if isinstance(exc, LpdataError) else [{"code": type(exc).__name__}]
        append_log(db, record | {"status": "failed", "errors": errors})
        raise
    result = RestoreResult(db, backup_dir, created, restored_at, counts, exists, tuple(missed), tuple(notes))
    append_log(db, record | {"status": "ok", "backup_created_at": created.isoformat(timespec="seconds"),
                             "replaced": exists, "tables": len(counts), "rows": result.total_rows,
                             "purge_needed": [p.purge_id for p in missed]})
    return result


def _build(tmp: Path, backup_dir: Path, manifest: Mapping[str, Any], notes: list[str]) -> dict[str, int]:
    """The restored database, in `tmp`: lp's own schema, then every table's rows, counts checked."""
    con = duckdb.connect(str(tmp))
    counts: dict[str, int] = {}
    try:
        with transaction(con):
            ensure_schema(con)
            con.execute("DELETE FROM lp_meta")  # the backup's own lp_meta comes next
            known = set(_tables(con))
            for table, info in sorted(manifest["tables"].items()):
                source = f"read_parquet({_sql_str(backup_dir / info['file'])})"
                if table in known:
                    con.execute(f'INSERT INTO "{table}" BY NAME SELECT * FROM {source}')
                else:  # a table this version does not create: keep its rows (its constraints are not kept)
                    con.execute(f'CREATE TABLE "{table}" AS SELECT * FROM {source}')
                    notes.append(f"table {table} is not one this lp-workbench creates; its rows were restored "
                                 "without its constraints")
                counts[table] = scalar_int(con, f'SELECT count(*) FROM "{table}"')
                if counts[table] != int(info["rows"]):
                    raise StoreError(f"table {table} restored {counts[table]} rows, but the backup says "
                                     f"{info['rows']}; the backup is damaged", file=backup_dir / info["file"])
            # The file was built with this version's tables (a backup of an older one restores into them,
            # its missing columns NULL), so it has this version, whatever the backup's lp_meta said.
            con.execute("INSERT OR REPLACE INTO lp_meta VALUES ('schema_version', ?)", [SCHEMA_VERSION])
    finally:
        con.close()
    return counts


def _settle_old(db: Path, notes: list[str]) -> tuple[list[MissedPurge], bool]:
    """Before it is replaced: fold the old database's write-ahead log into it (so none is left behind
    to be replayed onto the restored file) and read its purge audit. (purges, readable)."""
    try:
        con = open_db(db, migrate=False)  # about to be replaced: not worth upgrading
    except DatabaseBusyError:
        raise
    except LpdataError as exc:
        notes.append(f"the database being replaced could not be opened ({exc.message}); replaced anyway")
        return [], False
    try:
        rows: list[tuple[Any, ...]] = []
        if "purge_runs" in _tables(con):
            rows = con.execute("SELECT purge_id, run_at, as_of FROM purge_runs").fetchall()
        con.execute("CHECKPOINT")
    except duckdb.Error as exc:
        notes.append(f"the database being replaced could not be read ({str(exc).splitlines()[0]}); replaced anyway")
        return [], False
    finally:
        con.close()
    return [MissedPurge(int(r[0]), r[1], r[2], "database") for r in rows], True


def _logged_purges(log: Path) -> list[MissedPurge]:
    """Every purge the run log says was applied."""
    found: list[MissedPurge] = []
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return found
    for line in lines:
        try:
            entry = json.loads(line)
            if entry.get("event") != "purge" or entry.get("status") != "ok":
                continue
            as_of = dt.date.fromisoformat(entry["as_of"]) if entry.get("as_of") else None
            found.append(MissedPurge(int(entry["purge_id"]), dt.datetime.fromisoformat(entry["started_at"]),
                                     as_of, str(log)))
        except (ValueError, TypeError, KeyError, AttributeError):
            continue
    return found


def _missed_purges(manifest: Mapping[str, Any], created: dt.datetime, db: Path,
                   old: list[MissedPurge]) -> list[MissedPurge]:
    """Purges recorded beside the target (or the backup's source, or in the database being replaced)
    that ran after the backup was taken: a later purge_id, or a later time."""
    newest = (manifest.get("newest_purge") or {}).get("purge_id") or 0
    logs = {log_path(db).resolve()}
    source = manifest.get("source_db")
    if source:
        logs.add(log_path(Path(source)).resolve())
    logged = [p for log in sorted(logs) for p in _logged_purges(log)]

    def recorded(p: MissedPurge) -> bool:  # the log line of a purge the replaced database also holds
        return any(p.purge_id == q.purge_id and dt.timedelta(0) <= q.run_at - p.run_at <= dt.timedelta(minutes=10)
                   for q in old)

    missed: dict[tuple[int, str], MissedPurge] = {}
    for p in old + [p for p in logged if not recorded(p)]:
        if p.purge_id > int(newest) or p.run_at > created:
            missed.setdefault((p.purge_id, p.run_at.isoformat(timespec="seconds")), p)
    return sorted(missed.values(), key=lambda p: (p.run_at, p.purge_id))


def _mark(tmp: Path, manifest: Mapping[str, Any], backup_dir: Path, restored_at: dt.datetime,
          missed: list[MissedPurge]) -> None:
    """Record where the database came from and, when a purge ran after the backup, that it must run again."""
    con = duckdb.connect(str(tmp))
    try:
        with transaction(con):
            origin = {"backup": str(backup_dir.resolve()), "backup_created_at": manifest["created_at"],
                      "source_db": manifest.get("source_db"), "restored_at": restored_at.isoformat()}
            con.execute("INSERT OR REPLACE INTO lp_meta VALUES ('restored_from', ?)", [json.dumps(origin)])
            if missed:  # (a flag the backup itself carries stays: `purge_warning` judges it against purge_runs)
                con.execute("INSERT OR REPLACE INTO lp_meta VALUES (?, ?)",
                            [MARK_KEY, json.dumps(needed_mark(missed, restored_at))])
        con.execute("CHECKPOINT")
    finally:
        con.close()
    if _wal(tmp).exists():  # a clean close leaves none; never swap in a file whose log is not folded in
        raise StoreError("the restored database did not close cleanly; nothing was replaced", file=tmp)


def _swap(tmp: Path, db: Path, *, exists: bool, old_readable: bool) -> None:
    """Replace `db` with `tmp` in one rename, holding the old file's lock (the same POSIX lock DuckDB
    takes), so no lp command is writing the old file while it is replaced."""
    if not exists:
        os.replace(tmp, db)
        fsync_dir(db.parent)
        return
    with locked(db) as fd:
        os.chmod(tmp, stat.S_IMODE(os.fstat(fd).st_mode))  # a file kept private stays private
        wal = _wal(db)
        if wal.exists():
            if old_readable:  # written to since we folded its log in: someone else is at work
                raise DatabaseBusyError("the database was written to during the restore; nothing was "
                                        "replaced, try again", file=db)
            wal.unlink()  # the log of a file that could not be opened: it belongs to nothing we keep
        os.replace(tmp, db)
        fsync_dir(db.parent)


__all__ = ["BackupResult", "MissedPurge", "RestoreResult", "backup", "read_manifest", "restore", "sha256_of",
           "verify"]
