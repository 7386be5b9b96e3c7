"""Plans: terms, expansion over every class of the term, and errors that name file, line and key."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from lpdata.errors import NotebookError, ParameterError, PlanError
from lpdata.report.plan import Term, expand, load_plan, slug_part, term_of
from tests.queries.school import KEY_HEX, School

from .conftest import AS_OF, CLASSES_113_2, EVIL, NOTEBOOKS

DAY = dt.date.fromisoformat(AS_OF)


@pytest.mark.parametrize("day, term", [
    ("2024-08-01", Term(113, 1)), ("2024-12-31", Term(113, 1)), ("2025-01-31", Term(113, 1)),
    ("2025-02-01", Term(113, 2)), ("2025-07-31", Term(113, 2)), ("2025-08-01", Term(114, 1)),
])
def test_term_of(day: str, term: Term) -> None:
    assert term_of(dt.date.fromisoformat(day)) == term


def _plan(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "plan.yaml"
    path.write_text(f"notebooks_dir: {NOTEBOOKS}\n" + text, encoding="utf-8")
    return path


def test_expands_every_class_of_the_term(tmp_path: Path, tiny_db: Path) -> None:
    path = _plan(tmp_path, """
defaults: {lang: zh-TW}
reports:
  - notebook: school_completion
  - notebook: class_dashboard
    for_each: class
  - notebook: class_dashboard
    for_each: {class_name: ["0301"], lang: [en]}
  - notebook: data_quality
    parameters: {lang: en}
""")
    run_dir = tmp_path / "reports" / AS_OF
    jobs = expand(load_plan(path), db=tiny_db, as_of=DAY, run_dir=run_dir).jobs
    dashboards = [j for j in jobs if j.notebook == "class_dashboard" and j.params.lang == "zh-TW"]
    assert [j.params.class_name for j in dashboards] == CLASSES_113_2       # not 0201 of 113-1
    assert all((j.params.academic_year, j.params.semester) == (113, 2) for j in jobs)
    assert [j.key for j in jobs] == [
        "school_completion/113-2", f"class_dashboard/113-2_{slug_part(EVIL)}", "class_dashboard/113-2_0301",
        "class_dashboard/113-2_0302", "class_dashboard/113-2_0301_en", "data_quality/113-2_en"]
    for job in jobs:
        assert job.params.db == str(tiny_db.resolve()) and job.params.as_of == DAY
        out = Path(job.params.output_dir)
        assert out == (run_dir / job.notebook / job.slug).resolve() and out.is_relative_to(run_dir.resolve())
        assert set(job.slug) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def test_explicit_term(tmp_path: Path, tiny_db: Path) -> None:
    path = _plan(tmp_path, "term: {academic_year: 113, semester: 1}\nreports:\n"
                           "  - notebook: class_dashboard\n    for_each: class\n")
    jobs = expand(load_plan(path), db=tiny_db, as_of=DAY, run_dir=tmp_path / "r").jobs
    assert [(j.params.class_name, j.params.semester) for j in jobs] == [("0201", 1)]


def test_no_dashboard_for_a_class_with_no_enrolled_student(tmp_path: Path) -> None:
    """class_completion lists 0302 (its one student transferred out) and 0303 (a 導師名冊 row, no
    roster) with students = 0: an empty dashboard would read as "everyone uploaded", so none is made."""
    key = tmp_path / "keys" / "id-hash.key"
    key.parent.mkdir()
    key.write_text(KEY_HEX + "\n")
    key.chmod(0o600)
    school = School(tmp_path / "school", key)
    school.add("students", [
        dict(academic_year=113, semester=2, national_id=school.student(n), student_no=f"113{n:04d}",
             name=f"學生{n}", grade=3, class_name=c, seat_no=1, status=status)
        for n, c, status in ((1, "0301", "在學"), (2, "0302", "轉出"))])
    school.add("homerooms", [dict(academic_year=113, semester=2, class_name="0303", teacher_code="T01")])
    db = school.ingest("2025-03-01 18:00")
    listed = {r["class_name"]: r["students"] for r in school.query("class_completion", as_of=AS_OF)}
    assert listed == {"0301": 1, "0302": 0, "0303": 0}
    path = _plan(tmp_path, "reports:\n  - notebook: class_dashboard\n    for_each: class\n")
    expansion = expand(load_plan(path), db=db, as_of=DAY, run_dir=tmp_path / "r")
    assert [j.params.class_name for j in expansion.jobs] == ["0301"]
    # A term whose classes are all empty: no job, and a note that says so.
    path = _plan(tmp_path, "term: {academic_year: 113, semester: 1}\nreports:\n"
                           "  - notebook: class_dashboard\n    for_each: class\n")
    expansion = expand(load_plan(path), db=db, as_of=DAY, run_dir=tmp_path / "r")
    assert expansion.jobs == [] and "no class with an enrolled student in" in expansion.notes[0]


def test_slug_part_is_safe_and_keeps_values_apart() -> None:
    assert slug_part("0301") == "0301"
    for value in (EVIL, "..", "/", "忠班", "a b", "-rf"):
        slug = slug_part(value)
        assert slug and set(slug) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
        assert not slug.startswith("-") and ".." not in slug
    assert slug_part("3/01") != slug_part("3-01") != slug_part("301")


@pytest.mark.parametrize("text, error, where", [
    ("reports:\n  - notebook: nope\n", "no report notebook named 'nope'", "line 3, key 'reports[0].notebook'"),
    ("colour: red\nreports:\n  - notebook: data_quality\n", "a plan has no key 'colour'", "line 2, key 'colour'"),
    ("reports:\n  - notebook: data_quality\n    params: {}\n", "a report entry has no key 'params'",
     "line 4, key 'reports[0].params'"),
    ("defaults: {as_of: 2025-01-01}\nreports:\n  - notebook: data_quality\n", "is set by the runner",
     "line 2, key 'defaults.as_of'"),
    ("reports:\n  - notebook: class_dashboard\n    parameters: {class_name: 301}\n",
     "not the number 301", "line 4, key 'reports[0].parameters.class_name'"),
    ("reports:\n  - notebook: data_quality\n    for_each: class\n", "data_quality does not take",
     "line 4, key 'reports[0].for_each'"),
    ("reports:\n  - notebook: data_quality\n  - notebook: data_quality\n", "the same report twice",
     "line 4, key 'reports[1]'"),
    ("term: 2025\nreports:\n  - notebook: data_quality\n", "term must be 'current'", "line 2, key 'term'"),
    ("reports: []\n", "needs `reports:`", "line 2, key 'reports'"),
])
def test_plan_errors_name_file_line_and_key(tmp_path: Path, tiny_db: Path, text: str, error: str, where: str) -> None:
    path = _plan(tmp_path, text)
    with pytest.raises(ParameterError) as exc:
        expand(load_plan(path), db=tiny_db, as_of=DAY, run_dir=tmp_path / "r")
    assert str(exc.value).startswith(f"{path}, {where}")
    assert error in str(exc.value)


def test_notebook_must_exist_and_have_a_parameters_cell(tmp_path: Path, tiny_db: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text("notebooks_dir: nbs\nreports:\n  - notebook: data_quality\n", encoding="utf-8")
    with pytest.raises(NotebookError, match="no such notebook"):
        expand(load_plan(path), db=tiny_db, as_of=DAY, run_dir=tmp_path / "r")
    (tmp_path / "nbs").mkdir()
    (tmp_path / "nbs" / "data_quality.ipynb").write_text(
        '{"cells": [{"cell_type": "code", "metadata": {}, "source": "x = 1"}], "metadata": {}, '
        '"nbformat": 4, "nbformat_minor": 5}', encoding="utf-8")
    with pytest.raises(NotebookError, match="no cell tagged `parameters`"):
        expand(load_plan(path), db=tiny_db, as_of=DAY, run_dir=tmp_path / "r")


def test_notebooks_dir_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text("reports:\n  - notebook: data_quality\n", encoding="utf-8")
    monkeypatch.setenv("LP_NOTEBOOKS_DIR", str(NOTEBOOKS))
    assert load_plan(path).notebooks_dir == NOTEBOOKS


def test_the_weekly_plan() -> None:
    plan = load_plan(Path(__file__).resolve().parents[2] / "parameters" / "plans" / "weekly.yaml")
    assert plan.term is None
    assert [(r.notebook, r.for_each) for r in plan.reports] == [
        ("school_completion", None), ("class_dashboard", "class"), ("certification_backlog", None),
        ("reconciliation", None), ("taskforce_briefing", None), ("effectiveness", None),
        ("data_quality", None)]


def test_plan_error_is_a_plan_error(tmp_path: Path) -> None:
    path = _plan(tmp_path, "reports:\n  - {}\n")
    with pytest.raises(PlanError, match="needs `notebook:`"):
        load_plan(path)
