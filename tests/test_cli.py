"""`lp`: every command runs, prints one clear line per error, and exits non-zero on failure."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

LP = [sys.executable, "-m", "lpdata.cli"]


def lp(*args: str, key_file: Path | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    if key_file is not None:
        env["LP_KEY_FILE"] = str(key_file)
    return subprocess.run([*LP, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120)


@pytest.mark.parametrize("command", [[], ["ingest"], ["status"], ["query"], ["demo"], ["run"], ["purge"]])
def test_help_everywhere(command: list[str]) -> None:
    result = lp(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout


def test_ingest_status_and_query(export_folder: Path, tmp_path: Path, key_file: Path) -> None:
    db = tmp_path / "lp.duckdb"
    result = lp("ingest", str(export_folder), "--db", str(db), key_file=key_file)
    assert result.returncode == 0, result.stderr
    assert "students" in result.stdout and "3 quarantined" in result.stdout
    assert "說明.pdf" in result.stdout  # ignored files are said, not skipped silently

    status = lp("status", "--db", str(db))
    assert status.returncode == 0, status.stderr
    assert "113-1" in status.stdout and "3 rows in quarantine" in status.stdout

    as_csv = lp("query", "data_quality", "--db", str(db), "--format", "csv")
    assert as_csv.returncode == 0, as_csv.stderr
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    reasons = sorted((r["file"], r["reason"]) for r in rows)
    assert reasons == [("clo-1131101.csv", "duplicate_key"), ("clo-1131101.csv", "invalid_date"),
                       ("schedule.yaml", ""), ("學生名冊.csv", "invalid_national_id"), ("教職員.xlsx", "")]
    bad_date = next(r for r in rows if r["reason"] == "invalid_date")
    assert bad_date["example_row"].startswith("row 5, column 上傳時間 = '113/02/30': expected a date")

    as_json = lp("query", "clo", "--db", str(db), "--format", "json")
    assert [r["item_id"] for r in json.loads(as_json.stdout)] == ["C1", "C2"]

    zh = lp("query", "students", "--db", str(db), "--labels", "zh")
    assert zh.returncode == 0 and "學號" in zh.stdout and "班級名稱" in zh.stdout and "0101" in zh.stdout


def test_errors_are_one_clear_line_and_exit_1(export_folder: Path, tmp_path: Path, key_file: Path) -> None:
    db = tmp_path / "lp.duckdb"
    (export_folder / "bad.csv").write_text("學年度,學期,身分證號,學號\n113,1,x,1\n", encoding="utf-8")
    result = lp("ingest", str(export_folder), "--db", str(db), key_file=key_file)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines[0].startswith("error 1 file rejected; nothing was loaded")
    assert "bad.csv" in lines[1] and "nearest is" in lines[1] and "missing column" in lines[1]
    assert not db.exists()

    unknown = lp("query", "nope", "--db", str(db))
    assert unknown.returncode == 1 and "no view named 'nope'" in unknown.stderr

    no_db = lp("status", "--db", str(tmp_path / "missing.duckdb"))
    assert no_db.returncode == 1 and "run `lp ingest" in no_db.stderr

    bad_date = lp("ingest", str(export_folder), "--db", str(db), "--exported-at", "yesterday", key_file=key_file)
    assert bad_date.returncode == 1 and "--exported-at 'yesterday' is not a date" in bad_date.stderr


# --- one_line_errors: every command's errors, one way ------------------------------------------
def _status_raising(monkeypatch: pytest.MonkeyPatch, exc: Exception) -> None:
    import lpdata.status

    def fail(db: Path) -> None:
        raise exc

    monkeypatch.setattr(lpdata.status, "status_frame", fail)


def test_an_lp_error_is_its_line_and_exit_1(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from lpdata.cli import app
    from lpdata.errors import StoreError

    _status_raising(monkeypatch, StoreError("the database is odd", file="x.duckdb"))
    result = CliRunner().invoke(app, ["status", "--db", "x.duckdb"])
    assert result.exit_code == 1 and result.output.strip() == "error x.duckdb: the database is odd"


def test_an_internal_error_is_one_line_and_exit_3_unless_lp_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from lpdata.cli import app

    monkeypatch.delenv("LP_DEBUG", raising=False)
    _status_raising(monkeypatch, KeyError("boom"))
    result = CliRunner().invoke(app, ["status", "--db", "x.duckdb"])
    assert result.exit_code == 3
    assert result.output.strip() == "internal error KeyError: 'boom' (LP_DEBUG=1 shows the traceback)"
    monkeypatch.setenv("LP_DEBUG", "1")
    debug = CliRunner().invoke(app, ["status", "--db", "x.duckdb"])
    assert isinstance(debug.exception, KeyError)  # raised as it is: the traceback is shown


def test_typer_exits_and_usage_errors_pass_through() -> None:
    import typer

    from lpdata.cli import one_line_errors

    @one_line_errors
    def exits() -> None:
        raise typer.Exit(4)

    @one_line_errors
    def misused() -> None:
        raise typer.BadParameter("no")

    with pytest.raises(typer.Exit) as info:
        exits()
    assert info.value.exit_code == 4
    with pytest.raises(typer.BadParameter):
        misused()
