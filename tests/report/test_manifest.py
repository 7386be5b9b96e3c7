"""The manifest's typed entries: the file's spelling round-trips exactly, an older or odd entry is
read with empty values (and written back as it was), a broken manifest is named."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from lpdata.errors import LpdataError
from lpdata.report.index import write_index
from lpdata.report.manifest import (
    MANIFEST,
    FailingCell,
    ManifestEntry,
    Outputs,
    RunError,
    read_manifest,
    write_manifest,
)

FAILED = {
    "run_id": "20250301-180000-123", "notebook": "data_quality", "job": "113-2", "label": "data_quality 113-2",
    "parameters": {"db": "/x/lp.duckdb", "academic_year": 113, "semester": 2, "as_of": "2025-03-01",
                   "lang": "zh-TW", "output_dir": "/r/2025-03-01/data_quality/113-2"},
    "input_hash": "a" * 64, "inputs": {"notebook": "b" * 64, "queries": "c" * 64, "parameters": "d" * 64,
                                       "data": "e" * 64, "rules": "f" * 64},
    "status": "failed", "reason": "new", "started_at": "2025-03-01T18:00:00+08:00", "duration_s": 1.234,
    "outputs": {"ipynb": "data_quality/113-2.ipynb", "html": "data_quality/113-2.html", "files": []},
    "failing_cell": {"index": 2, "execution_count": 4, "source": "raise ValueError('x')", "error": "ValueError",
                     "message": "x"},
    "error": {"name": "ValueError", "message": "x"}, "skipped_from": None,
    "timings": {"kernel_s": 0.1, "execute_s": 1.0, "html_s": 0.1}, "log": "run-20250301-180000-123.log",
    "kernel": "python3", "lp_version": "0.1.0", "homeroom_teacher": None,
}

#: An entry as an older or hand-edited manifest may hold it: fields missing, one of the wrong type.
OLD = {"run_id": "20240101-000000-000", "notebook": "school_completion", "job": "112-1", "status": "ok",
       "duration_s": "slow", "outputs": {"html": "school_completion/112-1.html"}, "comment": "by hand"}


def test_a_new_entry_is_spelled_as_the_manifest_always_was() -> None:
    entry = ManifestEntry.from_json(FAILED)
    assert entry.failing_cell == FailingCell(2, 4, "raise ValueError('x')", "ValueError", "x")
    assert entry.failing_cell.number == 3 and entry.error == RunError("ValueError", "x")
    assert entry.key == "data_quality/113-2" and entry.duration_s == 1.234
    fresh = dataclasses.replace(entry)  # built from its fields, not from what was read
    assert fresh == entry
    assert json.dumps(fresh.to_json()) == json.dumps(FAILED)  # names, values and order
    assert fresh["failing_cell"]["index"] == 2 and fresh["error"] == {"name": "ValueError", "message": "x"}


def test_an_older_entry_reads_with_empty_values_and_is_written_back_as_it_was(tmp_path: Path) -> None:
    entry = ManifestEntry.from_json(OLD)
    assert (entry.label, entry.input_hash, entry.inputs, entry.reason, entry.started_at) == ("", "", {}, "", "")
    assert entry.duration_s is None and entry.failing_cell is None and entry.error is None and entry.log is None
    assert entry.outputs == Outputs(None, "school_completion/112-1.html", ())
    assert entry.to_json() == OLD and entry["comment"] == "by hand"
    write_manifest(tmp_path, [entry, ManifestEntry.from_json(FAILED)])
    assert json.loads((tmp_path / MANIFEST).read_text(encoding="utf-8")) == [OLD, FAILED]
    assert dataclasses.replace(entry, status="failed").to_json()["label"] == ""  # a changed entry: every field


def test_outputs_exist_only_with_a_page_and_every_file(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text("x")
    (tmp_path / "a.ipynb").write_text("x")
    assert Outputs("a.ipynb", "a.html").exist_in(tmp_path)
    assert not Outputs("a.ipynb", None).exist_in(tmp_path)
    assert not Outputs("a.ipynb", "a.html", ("a/list.xlsx",)).exist_in(tmp_path)


def test_read_manifest(tmp_path: Path) -> None:
    assert read_manifest(tmp_path) == []
    (tmp_path / MANIFEST).write_text(json.dumps([FAILED, "not an entry"]), encoding="utf-8")
    assert [e.status for e in read_manifest(tmp_path)] == ["failed"]
    (tmp_path / MANIFEST).write_text("{", encoding="utf-8")
    with pytest.raises(LpdataError, match="not readable JSON"):
        read_manifest(tmp_path)
    (tmp_path / MANIFEST).write_text("{}", encoding="utf-8")
    with pytest.raises(LpdataError, match="not a list"):
        read_manifest(tmp_path)


def test_the_index_shows_older_entries_and_passes_over_broken_manifests(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    (out / "2024-01-01").mkdir(parents=True)
    (out / "2024-01-01" / MANIFEST).write_text(json.dumps([OLD]), encoding="utf-8")
    (out / "2024-02-01").mkdir()
    (out / "2024-02-01" / MANIFEST).write_text("{", encoding="utf-8")
    (out / "2025-03-01").mkdir()
    (out / "2025-03-01" / MANIFEST).write_text(json.dumps([FAILED]), encoding="utf-8")
    index = write_index(out).read_text(encoding="utf-8")
    assert "資料日期 2024-01-01" in index and "2024-02-01" not in index
    # the older entry's page is not there: named, not linked; the failed one's cell is shown
    assert 'href="2024-01-01/school_completion/112-1.html"' not in index and "全校學習歷程檔案上傳概況" in index
    assert "第 3 格 (In [4]):\nValueError: x" in index and "1.2" in index
    (out / "2024-01-01" / "school_completion").mkdir()
    (out / "2024-01-01" / "school_completion" / "112-1.html").write_text("x", encoding="utf-8")
    assert 'href="2024-01-01/school_completion/112-1.html"' in write_index(out).read_text(encoding="utf-8")
