"""Bad files through the real command line (`.venv/bin/lp` in a subprocess, as a clerk runs it).

Every bad file gets exit code 1 and exactly one stderr line naming it (after the one summary line
"N files rejected; nothing was loaded"): no traceback, no "internal error", nothing loaded, no
database created, and the rejected run is in the ingest log without a national ID.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from lpdata.readers.ids import check_digit_for

from .test_fuzz_readers import STUDENT_HEAD, bomb_xlsx, inline_row, raw_xlsx, student_row

LP = Path(sys.executable).with_name("lp")
KEY_HEX = "11" * 32
ID = "A12345678" + check_digit_for("A12345678")


def lp(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("LP_DEBUG", "LP_DB", "LP_KEY_FILE")}
    env["COLUMNS"] = "80"  # a narrow terminal must not wrap an error line into two
    return subprocess.run([str(LP), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def key(tmp_path: Path) -> Path:
    path = tmp_path / "keys" / "id-hash.key"
    path.parent.mkdir(mode=0o700)
    path.write_text(KEY_HEX + "\n")
    path.chmod(0o600)
    return path


def students_csv(rows: int = 3) -> str:
    return "\r\n".join([",".join(STUDENT_HEAD), *(",".join(student_row(n)) for n in range(1, rows + 1))]) + "\r\n"


def valid_xlsx() -> bytes:
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    sheet = book.add_worksheet("學生")
    for r, row in enumerate([STUDENT_HEAD, *(student_row(n) for n in range(1, 40))]):
        for c, v in enumerate(row):
            sheet.write_string(r, c, v)
    book.close()
    return buf.getvalue()


def bad_files(folder: Path) -> dict[str, bytes]:
    """File name -> bytes, each rejected whole for its own reason."""
    head = ",".join(STUDENT_HEAD)
    files = {
        "empty.csv": b"",
        "picture.csv": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
        "utf16.csv": students_csv().encode("utf-16-le"),  # no BOM: a BOM makes it Unicode text, read (v2)
        "stray-quote.csv": students_csv().replace("學生2", '學"生2').encode(),
        "nul-late.csv": (students_csv(200) + "\x00\r\n").encode(),
        "no-kind.csv": b"a,b,c\r\n1,2,3\r\n",
        "missing-column.csv": students_csv().replace("學號,", "").encode("cp950"),
        "duplicate-column.csv": (head + ",學號\r\n" + ",".join(student_row(1)) + ",x\r\n").encode(),
        "mixed-up.csv": students_csv().encode("utf-8").decode("latin-1").encode("utf-8"),
        "not-really.xlsx": students_csv().encode(),
        "truncated.xlsx": valid_xlsx()[:3000],
        "bomb.xlsx": bomb_xlsx(2048),
        "cover-only.xlsx": b"",
        "bad.yaml": b"113-1: [unclosed\n",
        "nested/deep.xls": b"\xd0\xcf\x11\xe0 not really an xls",
    }
    far = raw_xlsx(folder / "far.tmp", [inline_row(1, STUDENT_HEAD), inline_row(2, student_row(1)),
                                        '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'])
    files["far-cell.xlsx"] = far.read_bytes()
    far.unlink()
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    book.add_worksheet("封面").write_string(0, 0, "學校代碼")
    book.close()
    files["cover-only.xlsx"] = buf.getvalue()
    return files


def test_every_bad_file_of_a_folder_gets_one_line(tmp_path: Path, key: Path) -> None:
    folder = tmp_path / "exports"
    files = bad_files(tmp_path)
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    (folder / "說明.pdf").write_bytes(b"%PDF-1.4")  # not an export: listed as ignored, never an error
    db = tmp_path / "db" / "lp.duckdb"
    result = lp("ingest", str(folder), "--db", str(db), "--key-file", str(key), "-q", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    assert lines[0] == f"error {len(files)} files rejected; nothing was loaded", lines[0]
    assert len(lines) == 1 + len(files), result.stderr
    for name in files:
        naming = [line for line in lines[1:] if f"/{name}" in line]
        assert len(naming) == 1, (name, result.stderr)
        assert naming[0].startswith(f"  {folder / name}"), naming[0]
    assert ID not in result.stderr
    assert not db.exists(), "a rejected ingest must not create the database"
    [record] = [json.loads(line) for line in db.with_suffix(".ingest.log").read_text(encoding="utf-8").splitlines()]
    assert record["status"] == "rejected" and len(record["errors"]) == len(files)


@pytest.mark.parametrize("name, data, words", [
    ("stray-quote.csv", students_csv().replace("學生2", '學"生2').encode(), "row 3"),
    ("bomb.xlsx", bomb_xlsx(2048), "zip bomb"),
    ("utf16.csv", students_csv().encode("utf-16-le"), "UTF-16"),
])
def test_one_bad_file_one_line(tmp_path: Path, key: Path, name: str, data: bytes, words: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    result = lp("ingest", str(path), "--db", str(tmp_path / "lp.duckdb"), "--key-file", str(key), "-q", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == ["error 1 file rejected; nothing was loaded", result.stderr.splitlines()[1]]
    line = result.stderr.splitlines()[1]
    assert line.startswith(f"  {path}") and words in line, line


def test_a_good_file_beside_a_bad_one_is_not_loaded_either(tmp_path: Path, key: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "students.csv").write_text(students_csv(), encoding="utf-8")
    (folder / "broken.xlsx").write_bytes(valid_xlsx()[:-200])
    db = tmp_path / "lp.duckdb"
    result = lp("ingest", str(folder), "--db", str(db), "--key-file", str(key), "-q", cwd=tmp_path)
    assert result.returncode == 1 and len(result.stderr.splitlines()) == 2, result.stderr
    assert "broken.xlsx" in result.stderr.splitlines()[1] and not db.exists()
    # Fixed, the folder loads: the same good file, now with nothing beside it to refuse.
    (folder / "broken.xlsx").unlink()
    ok = lp("ingest", str(folder), "--db", str(db), "--key-file", str(key), "-q", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert "3 rows loaded, 0 quarantined" in ok.stdout


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(folder to run in, a database with three students, its key)."""
    root = tmp_path_factory.mktemp("cli")
    key = root / "keys" / "id-hash.key"
    key.parent.mkdir(mode=0o700)
    key.write_text(KEY_HEX + "\n")
    key.chmod(0o600)
    good = root / "students.csv"
    good.write_text(students_csv(), encoding="utf-8")
    db = root / "data" / "lp.duckdb"
    assert lp("ingest", str(good), "--db", str(db), "--key-file", str(key), "-q", cwd=root).returncode == 0
    return root, db, key


@pytest.mark.parametrize("args, words", [
    (("ingest", "does-not-exist"), "no such file or folder"),
    (("query", "students'; DROP TABLE snap_students; --"), "no view named"),
    (("query", "class_completion", "--as-of", "2025-13-40"), "not a date"),
    (("run", "no-such-plan.yaml"), "no such file"),
])
def test_other_mistakes_get_one_line_too(loaded: tuple[Path, Path, Path], args: tuple[str, ...], words: str) -> None:
    root, db, key = loaded
    extra = ("--db", str(db)) if args[0] in ("query", "run") else ("--db", str(db), "--key-file", str(key))
    result = lp(*args, *extra, cwd=root)
    assert result.returncode == 1, result.stdout + result.stderr
    assert len(result.stderr.splitlines()) == 1 and words in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_a_key_readable_by_others_is_refused_in_one_line(tmp_path: Path, key: Path) -> None:
    key.chmod(0o644)
    good = tmp_path / "students.csv"
    good.write_text(students_csv(), encoding="utf-8")
    result = lp("ingest", str(good), "--db", str(tmp_path / "lp.duckdb"), "--key-file", str(key), "-q", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"error {key}: the ID-hash key is readable by others (mode 644); "
                                          f"run: chmod 600 {key}"]
    assert KEY_HEX not in result.stderr + result.stdout


def test_workbook_bytes_that_unzip_are_still_refused(tmp_path: Path, key: Path) -> None:
    # A zip that is no workbook at all, named .xlsx.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "hi")
    path = tmp_path / "zip.xlsx"
    path.write_bytes(buf.getvalue())
    result = lp("ingest", str(path), "--db", str(tmp_path / "lp.duckdb"), "--key-file", str(key), "-q", cwd=tmp_path)
    assert result.returncode == 1 and len(result.stderr.splitlines()) == 2, result.stderr
    assert "not a readable Excel workbook" in result.stderr
