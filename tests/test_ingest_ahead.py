"""`lpdata.ingest` writes the rows of files already read while others are still read (_WriteAhead):
the database ends exactly as when everything is written after the reading, whatever the order the
files are read in and however wrong the ids guessed for rows written ahead; a rejected file still
leaves the database as it was."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from lpdata import ingest
from lpdata.errors import IngestRejected
from lpdata.readers import Aliases, HeaderResolver, IdHasher
from lpdata.store import AheadWriter, expected_ids

from .conftest import clo_rows, student_rows, table_contents, write_csv

ingest_module = __import__("lpdata.ingest", fromlist=["_peek_kind"])


def rows_in_order(db: Path) -> dict[str, list[tuple]]:
    """Every table's rows in their stored order (rowid), the run's clock columns left out."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        out = {}
        for name in names:
            cols = [r[0] for r in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index",
                [name]).fetchall() if r[0] not in ("started_at", "finished_at")]
            select = ", ".join(f'"{c}"' for c in cols)
            out[name] = con.execute(f'SELECT {select} FROM "{name}" ORDER BY rowid').fetchall()
        return out
    finally:
        con.close()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Text files only (each one's kind can be peeked): CLO in two files, then a roster."""
    out = tmp_path / "csv"
    out.mkdir()
    rows = clo_rows()
    write_csv(out / "a-clo.csv", rows[:4])
    write_csv(out / "b-clo.csv", [rows[1], *rows[4:]])  # its C1 repeats a-clo.csv's
    write_csv(out / "c-students.csv", student_rows(), encoding="cp950")
    return out


class Writes(list[tuple[str, tuple[int, int]]]):
    """The rows written ahead: (file, ids). `lead`: the file read first; the others wait for a write."""

    lead = "a-clo.csv"


@pytest.fixture
def in_steps(monkeypatch: pytest.MonkeyPatch) -> Iterator[Writes]:
    """Every file but the lead waits, before it is read, until the rows of some file were written
    ahead (10 s at most), so that the writer guesses ids while later files are unread."""
    monkeypatch.setenv("LP_READ_THREADS", "1")
    writes = Writes()
    written = threading.Condition()
    real_write, real_read = AheadWriter.write, ingest_module.read_file

    def write(self: AheadWriter, export, snapshot_id: int, file_id: int) -> None:  # type: ignore[no-untyped-def]
        real_write(self, export, snapshot_id, file_id)
        with written:
            writes.append((Path(export.file).name, (snapshot_id, file_id)))
            written.notify_all()

    def read_file(path: Path, **kw):  # type: ignore[no-untyped-def]
        if path.name != writes.lead:
            with written:
                written.wait_for(lambda: bool(writes), timeout=10)
        return real_read(path, **kw)

    monkeypatch.setattr(AheadWriter, "write", write)
    monkeypatch.setattr(ingest_module, "read_file", read_file)
    yield writes


def reference(folder: Path, db: Path, key_file: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, list[tuple]]:
    with monkeypatch.context() as m:
        m.setenv("LP_WRITE_AHEAD", "0")
        ingest(folder, db=db, key_file=key_file)
    return rows_in_order(db)


def test_rows_written_ahead_are_stored_as_after_the_reading(
        folder: Path, tmp_path: Path, key_file: Path, monkeypatch: pytest.MonkeyPatch, in_steps: Writes) -> None:
    expected = reference(folder, tmp_path / "ref.duckdb", key_file, monkeypatch)
    db = tmp_path / "lp.duckdb"
    ingest(folder, db=db, key_file=key_file)
    assert [name for name, _ in in_steps] == ["a-clo.csv", "b-clo.csv", "c-students.csv"]
    assert [ids for _, ids in in_steps] == [(1, 1), (1, 2), (2, 3)]  # guessed right: clo, then students
    assert rows_in_order(db) == expected
    # and an ingest into a database that holds them already changes nothing (no kind written ahead)
    ingest(folder, db=db, key_file=key_file)
    assert {t: r for t, r in rows_in_order(db).items() if t != "ingest_runs"} == \
        {t: r for t, r in expected.items() if t != "ingest_runs"}
    assert len(in_steps) == 3


def test_ids_guessed_wrong_are_corrected(folder: Path, tmp_path: Path, key_file: Path,
                                         monkeypatch: pytest.MonkeyPatch, in_steps: Writes) -> None:
    expected = reference(folder, tmp_path / "ref.duckdb", key_file, monkeypatch)
    # Every header not read yet taken for 幹部經歷 (cadres, the kind that sorts first): the rows
    # written ahead get ids one snapshot and one file too high.
    monkeypatch.setattr(ingest_module, "_peek_kind", lambda path, resolver: "cadres")
    db = tmp_path / "lp.duckdb"
    ingest(folder, db=db, key_file=key_file)
    assert in_steps[0] == ("a-clo.csv", (2, 3))  # after "two cadres files"; clo's are (1, 1)
    assert rows_in_order(db) == expected


def test_a_header_misread_before_the_reading_still_stores_the_same(
        folder: Path, tmp_path: Path, key_file: Path, monkeypatch: pytest.MonkeyPatch,
        in_steps: Writes) -> None:
    expected = reference(folder, tmp_path / "ref.duckdb", key_file, monkeypatch)
    # b-clo.csv read first (as a big file is, beside a-clo.csv), its rows written while a-clo.csv,
    # taken for grades by its header, is read: then a-clo.csv holds CLO rows that belong before b's.
    monkeypatch.setenv("LP_READ_THREADS", "2")
    monkeypatch.setattr(ingest_module, "_is_big", lambda path, spill: path.name == "b-clo.csv")
    in_steps.lead = "b-clo.csv"
    monkeypatch.setattr(ingest_module, "_peek_kind",
                        lambda path, resolver: "grades" if path.name == "a-clo.csv" else "students")
    db = tmp_path / "lp.duckdb"
    ingest(folder, db=db, key_file=key_file)
    assert in_steps[0][0] == "b-clo.csv"
    assert rows_in_order(db) == expected  # all rolled back and written after the reading


@pytest.mark.parametrize("existing", [False, True])
def test_a_rejection_after_rows_were_written_ahead_changes_nothing(
        folder: Path, tmp_path: Path, key_file: Path, existing: bool, in_steps: Writes,
        monkeypatch: pytest.MonkeyPatch) -> None:
    real_peek = ingest_module._peek_kind  # the junk taken for grades: no file's kind is unknown
    monkeypatch.setattr(ingest_module, "_peek_kind",
                        lambda path, resolver: "grades" if path.name == "d-junk.csv" else real_peek(path, resolver))
    db = tmp_path / "db" / "lp.duckdb"
    if existing:
        in_steps.lead = "c-students.csv"
        ingest(folder / "c-students.csv", db=db, key_file=key_file)
        in_steps.lead = "a-clo.csv"
        in_steps.clear()
    before = hashlib.sha256(db.read_bytes()).hexdigest() if existing else None
    (folder / "d-junk.csv").write_bytes(b"\x81\x39\xff\xfe\x00\x01" * 10)
    with pytest.raises(IngestRejected) as info:
        ingest(folder, db=db, key_file=key_file)
    assert [Path(e.file).name for e in info.value.errors] == ["d-junk.csv"]
    assert in_steps[:1] == [("a-clo.csv", (1, 1) if not existing else (2, 2))]  # written, then rolled back
    assert not Path(f"{db}.wal").exists()
    if existing:
        assert hashlib.sha256(db.read_bytes()).hexdigest() == before  # the very same bytes
    else:
        assert not db.exists() and table_contents(db) == {}


HOLD = "import sys, duckdb; con = duckdb.connect(sys.argv[1]); print('holding', flush=True); sys.stdin.read()"


def test_a_busy_database_is_opened_after_the_reading_as_before(
        folder: Path, tmp_path: Path, key_file: Path) -> None:
    db = tmp_path / "lp.duckdb"
    ingest(folder / "c-students.csv", db=db, key_file=key_file)
    # another process holds the file while the ingest reads (within one process DuckDB shares it)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        assert AheadWriter.begin(db, IdHasher.from_file(key_file), "1GB") is None
    finally:
        holder.communicate("", timeout=60)
    # not written ahead: the ingest opens the file after the reading, as before, and then it is free
    result = ingest(folder, db=db, key_file=key_file)
    assert {k.kind for k in result.kinds if k.status == "loaded"} == {"clo"}


def test_the_kind_of_a_text_file_is_peeked_from_its_header(folder: Path) -> None:
    resolver = HeaderResolver(Aliases.load(None, None))
    assert ingest_module._peek_kind(folder / "a-clo.csv", resolver) == "clo"
    assert ingest_module._peek_kind(folder / "c-students.csv", resolver) == "students"  # Big5
    write_csv(folder / "x.csv", [["甲", "乙"], [1, 2]])
    assert ingest_module._peek_kind(folder / "x.csv", resolver) is None


def test_expected_ids_follow_the_sorted_loaded_kinds() -> None:
    kinds = {"students": (1, True), "clo": (2, True), "cadres": (1, False), "grades": (3, True)}
    assert expected_ids(kinds, "cadres", 0, 10, 20) == (10, 20)
    assert expected_ids(kinds, "clo", 1, 10, 20) == (10, 21)  # cadres unchanged: no ids
    assert expected_ids(kinds, "grades", 2, 10, 20) == (11, 24)
    assert expected_ids(kinds, "students", 0, 10, 20) == (12, 25)
