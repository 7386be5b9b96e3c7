"""`lp backup` / `lp restore`, and retention across them.

A backup restored into a new file answers every view, private ones included, and holds every base
table, row for row as the original; a damaged backup is refused by name; the purge audit survives;
a backup taken before a purge is flagged when restored, until the purge has run again; the purge
itself is idempotent and deletes nothing before the sealing period ends.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from lpdata.backup import MANIFEST, backup, read_manifest, restore, sha256_of
from lpdata.contract import ALL_KINDS
from lpdata.errors import DatabaseBusyError, StoreError
from lpdata.purge import apply_purge, plan_purge
from lpdata.status import status_frame
from lpdata.store import log_path
from lpdata.views import BASE_TABLES, connect, load_queries

from ..conftest import KEY_HEX
from ..queries.school import School
from ..test_purge import AS_OF, built, hash_of, rows_of, school  # noqa: F401 - fixtures reused
from .faults import contents, copy_db, lp

SEAL_END = "2025-06-10"  # student 1 graduated 2020-06-10; sealed five years, that day included


def every_view(db: Path) -> dict[str, list[str]]:
    """Every view lp defines (queries/*.sql, `_private` ones too, and the current rows of every kind)
    and every base table `lp query` shows, rows sorted, as of the database's default date."""
    names = [q.name for q in load_queries()] + [k.name for k in ALL_KINDS] + list(BASE_TABLES)
    con = connect(db, rules_file=False)
    try:
        return {n: sorted(map(repr, con.execute(f'SELECT * FROM "{n}"').fetchall())) for n in names}
    finally:
        con.close()


@pytest.fixture
def demo_copy(demo_school, tmp_path: Path) -> Path:
    """A private copy of the session's demo school (300 students), so its run log stays untouched."""
    _, db, _ = demo_school
    return copy_db(db, tmp_path / "demo" / "lp.duckdb")


# --- backup and restore ------------------------------------------------------------------------
def test_a_restored_backup_answers_every_view_as_the_original(demo_copy: Path, tmp_path: Path) -> None:
    saved = backup(demo_copy, tmp_path / "backups")
    restored = restore(saved.path, tmp_path / "elsewhere" / "lp.duckdb")

    assert restored.tables == saved.tables and saved.total_rows > 30_000
    original, back = every_view(demo_copy), every_view(restored.db)
    assert sum(map(len, original.values())) > 50_000 and any(n.startswith("_") for n in original)
    assert back == original
    assert contents(restored.db, stable=False) == contents(demo_copy, stable=False)  # every table, exactly
    assert not restored.missed_purges and restored.purge_needed is None


def test_the_manifest(demo_copy: Path, tmp_path: Path) -> None:
    before = contents(demo_copy, stable=False)
    saved = backup(demo_copy, tmp_path / "backups")
    assert contents(demo_copy, stable=False) == before  # a backup changes nothing
    manifest = json.loads((saved.path / MANIFEST).read_text(encoding="utf-8"))
    con = duckdb.connect(str(demo_copy), read_only=True)
    try:
        counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0] for t in manifest["tables"]}
        meta = dict(con.execute("SELECT key, value FROM lp_meta").fetchall())
        # Schema main: the prepared views (`lp_prepared`) are recomputed by the next `lp run`, not backed up.
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'")
                  .fetchall()}
    finally:
        con.close()
    assert set(manifest["tables"]) == tables
    assert {t: i["rows"] for t, i in manifest["tables"].items()} == counts == dict(saved.tables)
    for info in manifest["tables"].values():
        assert sha256_of(saved.path / info["file"]) == info["sha256"] == saved.files[info["file"]]
    assert dt.datetime.fromisoformat(manifest["created_at"]) == saved.created_at
    assert manifest["lp_version"] and manifest["duckdb_version"] == duckdb.__version__
    assert manifest["schema_version"] == meta["schema_version"]
    assert manifest["source_db"] == str(demo_copy.resolve())
    assert manifest["key_fingerprint"] == meta["key_fingerprint"] and KEY_HEX not in json.dumps(manifest)
    assert manifest["newest_purge"] is None
    # Private: the folder 0700, every file 0600 (it holds what the database holds).
    assert stat.S_IMODE(saved.path.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in saved.path.iterdir()} == {0o600}
    assert sorted(p.name for p in saved.path.iterdir()) == sorted([MANIFEST, *(f"{t}.parquet" for t in tables)])
    # Logged beside the database, and a second backup gets its own folder.
    line = json.loads(log_path(demo_copy).read_text(encoding="utf-8").splitlines()[-1])
    assert (line["event"], line["status"], line["path"]) == ("backup", "ok", str(saved.path))
    again = backup(demo_copy, tmp_path / "backups")
    assert again.path != saved.path and again.path.parent == saved.path.parent
    assert not list(saved.path.parent.glob(".lp-backup-*"))  # no leftover partial folder


@pytest.fixture
def saved(school: School, tmp_path: Path):
    return backup(school.db, tmp_path / "backups")


def test_a_damaged_backup_is_refused_by_name(saved, tmp_path: Path) -> None:
    target = tmp_path / "new" / "lp.duckdb"
    # One flipped byte in one file.
    victim = saved.path / "snap_students.parquet"
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    with pytest.raises(StoreError, match="does not match its checksum") as info:
        restore(saved.path, target)
    assert info.value.file == str(victim)
    assert (not target.exists() and not target.parent.exists()) or not any(target.parent.iterdir())

    shutil.copy2(victim, tmp_path / "keep")
    victim.unlink()  # a missing file
    with pytest.raises(StoreError, match="missing") as info:
        restore(saved.path, target)
    assert info.value.file == str(victim)

    shutil.copy2(tmp_path / "keep", victim)
    manifest = saved.path / MANIFEST  # an edited manifest (here: a row count)
    text = json.loads(manifest.read_text(encoding="utf-8"))
    text["tables"]["snap_students"]["rows"] += 1
    manifest.write_text(json.dumps(text), encoding="utf-8")
    with pytest.raises(StoreError, match="manifest was changed") as info:
        restore(saved.path, target)
    assert info.value.file == str(manifest)

    manifest.unlink()  # an incomplete backup
    with pytest.raises(StoreError, match="not a complete backup"):
        restore(saved.path, target)
    assert not target.exists()


def test_restore_replaces_a_database_only_with_force(school: School, saved, tmp_path: Path) -> None:
    before = contents(school.db, stable=False)
    apply_purge(school.db, as_of=AS_OF, rules_file=False)  # something to undo
    changed = contents(school.db)
    with pytest.raises(StoreError, match="--force"):
        restore(saved.path, school.db)
    assert contents(school.db) == changed
    school.db.chmod(0o600)
    result = restore(saved.path, school.db, force=True)
    assert result.replaced and contents(school.db, stable=False) == before
    assert stat.S_IMODE(school.db.stat().st_mode) == 0o600  # a file kept private stays private
    assert not list(school.db.parent.glob("*.restore-tmp*")) and not Path(f"{school.db}.wal").exists()


def test_restore_refuses_a_database_in_use(school: School, saved) -> None:
    before = contents(school.db)
    holder = subprocess.Popen(  # another process writing: it holds DuckDB's lock on the file
        [sys.executable, "-c", "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); print('ready', flush=True); "
         "time.sleep(60)", str(school.db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        with pytest.raises(DatabaseBusyError, match="in use by another lp command"):
            restore(saved.path, school.db, force=True)
    finally:
        holder.kill()
        holder.wait()
    assert contents(school.db) == before
    assert not list(school.db.parent.glob("*.restore-tmp*"))


def test_restore_replaces_a_damaged_database(school: School, saved) -> None:
    """What a restore is for: the file is garbage, with a stale write-ahead log beside it."""
    before = contents(school.db, stable=False)
    school.db.write_bytes(b"\0garbage" * 4096)
    Path(f"{school.db}.wal").write_bytes(b"stale log of the damaged file")
    result = restore(saved.path, school.db, force=True)
    assert any("could not be" in note for note in result.notes)
    assert not Path(f"{school.db}.wal").exists()  # never replayed onto the restored file
    assert contents(school.db, stable=False) == before


# --- retention across backups ------------------------------------------------------------------
def test_the_purge_audit_survives_a_restore(school: School, tmp_path: Path) -> None:
    first = apply_purge(school.db, as_of=AS_OF, run_by="registrar", rules_file=False)
    saved = backup(school.db, tmp_path / "backups")
    assert saved.newest_purge == {"purge_id": 1, "run_at": first.run_at.isoformat(), "as_of": AS_OF}
    restored = restore(saved.path, tmp_path / "elsewhere" / "lp.duckdb")
    audit = contents(restored.db, stable=False)["purge_runs"]
    assert audit == contents(school.db, stable=False)["purge_runs"]
    assert len(audit) == 1 and "'registrar'" in audit[0] and repr(first.run_at) in audit[0]
    assert restored.purge_needed is None  # taken after the purge: nothing to redo
    assert status_frame(restored.db)[1].count("warning") == 0


def test_a_backup_from_before_a_purge_is_flagged_until_the_purge_runs_again(
        school: School, saved, tmp_path: Path) -> None:
    h1 = hash_of(school, 1)
    assert sum(rows_of(school.db, h1).values()) == 13
    purged = apply_purge(school.db, as_of=AS_OF, rules_file=False)
    after_purge = contents(school.db, skip_meta=("restored_from", "purge_needed"))

    restored = restore(saved.path, school.db, force=True)  # the graduate is back...
    assert sum(rows_of(school.db, h1).values()) == 13
    assert [(p.purge_id, p.as_of) for p in restored.missed_purges] == [(1, dt.date.fromisoformat(AS_OF))]
    warning = restored.purge_needed
    assert warning is not None and f"purge #1 on {purged.run_at:%Y-%m-%d}" in warning
    assert f"lp purge --apply --as-of {AS_OF} --db {school.db}" in warning
    assert warning in status_frame(school.db)[1]  # ...and `lp status` says so, until it is done

    # A purge as of an earlier date does not clear it (the graduate was due only later)...
    apply_purge(school.db, as_of="2025-01-01", rules_file=False)
    assert warning in status_frame(school.db)[1]
    # ...the purge run again as the warning says does, and ends exactly where the first one did.
    again = apply_purge(school.db, as_of=AS_OF, rules_file=False)
    assert (again.students, again.total_rows) == (purged.students, purged.total_rows)
    assert "warning" not in status_frame(school.db)[1]
    now = contents(school.db)
    assert {t: r for t, r in now.items() if t not in ("purge_runs", "lp_meta")} == \
        {t: r for t, r in after_purge.items() if t not in ("purge_runs", "lp_meta")}


def test_restoring_elsewhere_reads_the_source_databases_log(school: School, saved, tmp_path: Path) -> None:
    apply_purge(school.db, as_of=AS_OF, rules_file=False)
    restored = restore(saved.path, tmp_path / "inspect" / "lp.duckdb")  # a new path, with no log of its own
    assert [p.purge_id for p in restored.missed_purges] == [1]
    assert restored.purge_needed is not None


def test_the_side_record_is_the_old_database_when_the_log_is_gone(school: School, saved) -> None:
    apply_purge(school.db, as_of=AS_OF, rules_file=False)
    log_path(school.db).unlink()
    restored = restore(saved.path, school.db, force=True)
    assert [(p.purge_id, p.source) for p in restored.missed_purges] == [(1, "database")]


def test_the_purge_is_idempotent_and_deletes_nothing_while_sealed(school: School) -> None:
    before = contents(school.db)
    early = apply_purge(school.db, as_of=SEAL_END, rules_file=False)  # the last sealed day
    assert (early.students, early.total_rows, early.file_rewritten) == (0, 0, False)
    after_early = contents(school.db)
    assert len(after_early.pop("purge_runs")) == 1
    assert after_early == {t: r for t, r in before.items() if t != "purge_runs"}
    assert [s.student_no for s in plan_purge(school.db, as_of="2025-06-11", rules_file=False).students] == ["S0001"]

    first = apply_purge(school.db, as_of=AS_OF, rules_file=False)
    assert (first.students, first.total_rows) == (1, 13)
    once = contents(school.db)
    for n in range(3):
        again = apply_purge(school.db, as_of=AS_OF, rules_file=False)
        assert (again.purge_id, again.students, again.total_rows) == (3 + n, 0, 0)
        now = contents(school.db)
        assert len(now.pop("purge_runs")) == 3 + n
        assert now == {t: r for t, r in once.items() if t != "purge_runs"}


# --- the command line --------------------------------------------------------------------------
def test_cli_backup_restore_and_status(school: School, tmp_path: Path) -> None:
    assert lp("backup", "--help").returncode == 0 and lp("restore", "--help").returncode == 0
    db = school.db
    done = lp("backup", "--db", db, "--to", tmp_path / "backups")
    assert done.returncode == 0, done.stderr
    (folder,) = (tmp_path / "backups").iterdir()
    assert f"written to {folder}" in done.stdout and "SHA-256" in done.stdout
    assert read_manifest(folder)["source_db"] == str(db.resolve())

    apply_purge(db, as_of=AS_OF, rules_file=False)
    refused = lp("restore", folder, "--db", db)
    assert refused.returncode == 1 and "--force" in refused.stderr and "Traceback" not in refused.stderr
    back = lp("restore", folder, "--db", db, "--force")
    assert back.returncode == 0, back.stderr
    assert "every checksum verified" in back.stdout
    assert "taken before purge #1" in back.stderr and f"--as-of {AS_OF}" in back.stderr
    status = lp("status", "--db", db)
    assert status.returncode == 0 and "taken before purge #1" in status.stdout

    (folder / "lp_meta.parquet").write_bytes(b"not parquet")
    damaged = lp("restore", folder, "--db", tmp_path / "x.duckdb")
    assert damaged.returncode == 1 and "lp_meta.parquet" in damaged.stderr and "checksum" in damaged.stderr
    assert "Traceback" not in damaged.stderr and not (tmp_path / "x.duckdb").exists()
    assert os.path.exists(db)
