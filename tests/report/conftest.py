"""A tiny school for the report tests: three classes in 113-2 (one named to escape reports/) and
one in 113-1, ingested once per session; and the test notebooks (named after real report notebooks,
so their parameters are validated by the real models)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.queries.school import KEY_HEX, School

NOTEBOOKS = Path(__file__).parent / "notebooks"
AS_OF = "2025-03-01"          # in 113-2 (Feb–Jul 2025)
EVIL = "../../evil'\"<x>"     # a class name that must never write outside reports/
CLASSES_113_2 = sorted(["0301", "0302", EVIL])


@pytest.fixture(scope="session")
def tiny_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("report-school")
    key = root / "keys" / "id-hash.key"
    key.parent.mkdir()
    key.write_text(KEY_HEX + "\n")
    key.chmod(0o600)
    school = School(root / "school", key)

    def student(n: int, year: int, semester: int, class_name: str) -> dict:
        return dict(academic_year=year, semester=semester, national_id=school.student(n),
                    student_no=f"113{n:04d}", name=f"學生{n}", grade=3, class_name=class_name, seat_no=n,
                    status="在學")

    school.add("students", [student(1, 113, 2, "0301"), student(2, 113, 2, "0302"), student(3, 113, 2, EVIL),
                            student(4, 113, 1, "0201")])
    return school.ingest("2025-03-01 18:00")


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Queries and parameters of this test only (a copy of queries/, no school rules), so that other
    work in the checkout cannot change the input hashes in the middle of a test."""
    queries = tmp_path / "queries"
    shutil.copytree(Path(__file__).resolve().parents[2] / "queries", queries)
    params = tmp_path / "parameters"
    params.mkdir()
    monkeypatch.setenv("LP_QUERIES_DIR", str(queries))
    monkeypatch.setenv("LP_PARAMETERS_DIR", str(params))
    monkeypatch.delenv("LP_NOTEBOOKS_DIR", raising=False)
    return tmp_path
