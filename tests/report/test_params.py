"""Parameter files: the YAML reader keeps what a clerk typed; the models are strict and closed, and
every error names the file, line and key."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from lpdata.errors import LpdataError, ParameterError
from lpdata.report.params import (
    NOTEBOOKS,
    ClassDashboardParams,
    Where,
    load_yaml,
    load_yaml_text,
    notebook_values,
    validate,
    where_in,
)
from lpdata.report.plan import load_plan

BASE = dict(db="/data/lp.duckdb", academic_year=113, semester=2, output_dir="/reports/x")


def test_yaml_keeps_class_codes_and_words_as_text() -> None:
    data = load_yaml_text("a: 0301\nb: 0908\nc: 12\nd: yes\ne: true\nf: 0x1F\ng: 2025-06-30\nh: No\ni: 1_000\n")
    assert data == {"a": "0301", "b": "0908", "c": 12, "d": "yes", "e": True, "f": "0x1F",
                    "g": dt.date(2025, 6, 30), "h": "No", "i": "1_000"}
    assert isinstance(data["c"], int) and data["e"] is True


def test_yaml_duplicate_key_and_syntax_errors_name_file_line_and_key(tmp_path: Path) -> None:
    path = tmp_path / "set.yaml"
    path.write_text("notebook: class_dashboard\nclass_name: '0301'\nclass_name: '0302'\n", encoding="utf-8")
    with pytest.raises(ParameterError) as exc:
        load_yaml(path)
    assert str(exc.value) == f"{path}, line 3, key 'class_name': the key is written twice"
    path.write_text("a: [1, 2\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=rf"^{path}, line \d+: not valid YAML"):
        load_yaml(path)
    with pytest.raises(ParameterError, match="no such file"):
        load_yaml(tmp_path / "missing.yaml")


def test_every_notebook_has_a_model_with_the_common_fields() -> None:
    assert set(NOTEBOOKS) == {"class_dashboard", "school_completion", "certification_backlog", "reconciliation",
                              "taskforce_briefing", "data_quality", "effectiveness"}
    for model in NOTEBOOKS.values():
        assert {"db", "academic_year", "semester", "as_of", "lang", "output_dir"} <= set(model.model_fields)
    assert set(ClassDashboardParams.model_fields) - set(NOTEBOOKS["school_completion"].model_fields) == {"class_name"}


def test_valid_parameters_and_what_papermill_gets() -> None:
    params = validate("class_dashboard", dict(BASE, class_name="0301", as_of=dt.date(2025, 3, 1), lang="en"))
    assert params.class_name == "0301" and params.lang == "en"
    assert notebook_values(params) == dict(BASE, class_name="0301", as_of="2025-03-01", lang="en")
    assert validate("school_completion", BASE).lang == "zh-TW"


def _where_all(text: str, file: str) -> tuple[dict, dict]:
    data = load_yaml_text(text, file=file)
    return data, {k: where_in(data, k, file=file, prefix="") for k in data}


@pytest.mark.parametrize("text, line, key, message", [
    ("class_name: 301\n", 1, "class_name", "not the number 301; write class codes as text"),
    ("class_name: '0301'\ncolour: red\n", 2, "colour", "class_dashboard has no parameter 'colour'"),
    ("class_name: '0301'\nsemester: '2'\n", 2, "semester", "input should be 1 or 2, not the text '2'"),
    ("class_name: '0301'\nsemester: 3\n", 2, "semester", "input should be 1 or 2"),
    ("class_name: '0301'\nsemester: true\n", 2, "semester", "semester must be the number 1 or 2"),
    ("class_name: '0301'\nacademic_year: '113'\n", 2, "academic_year", "valid integer, not the text '113'"),
    ("class_name: '0301'\nlang: fr\n", 2, "lang", "input should be 'zh-TW' or 'en'"),
])
def test_wrong_values_name_file_line_and_key(text: str, line: int, key: str, message: str) -> None:
    values, where = _where_all(text, "parameters/sets/c.yaml")
    with pytest.raises(ParameterError) as exc:
        validate("class_dashboard", {**BASE, **values}, where)
    error = exc.value
    assert (error.file, error.line, error.key) == ("parameters/sets/c.yaml", line, key)
    assert str(error).startswith(f"parameters/sets/c.yaml, line {line}, key '{key}': ")
    assert message in str(error)
    assert isinstance(error, LpdataError) and error.code == "bad_parameter"


def test_missing_key_points_at_the_entry() -> None:
    with pytest.raises(ParameterError) as exc:
        validate("class_dashboard", BASE, {}, default=Where("plans/p.yaml", "reports[1]", 7))
    assert str(exc.value).startswith("plans/p.yaml, line 7, key 'reports[1].class_name': class_dashboard needs")


def test_unknown_notebook() -> None:
    with pytest.raises(ParameterError, match="no report notebook named 'nope'"):
        validate("nope", BASE)


def test_parameter_set_file_as_a_plan(tmp_path: Path) -> None:
    path = tmp_path / "class_0301.yaml"
    path.write_text("notebook: class_dashboard\nclass_name: 0301\nlang: en\n", encoding="utf-8")
    plan = load_plan(path)
    (spec,) = plan.reports
    assert spec.notebook == "class_dashboard" and dict(spec.parameters) == {"class_name": "0301", "lang": "en"}

    path.write_text("notebook: class_dashboard\nclass_name: '0301'\ndb: other.duckdb\n", encoding="utf-8")
    with pytest.raises(ParameterError) as exc:
        load_plan(path)
    assert str(exc.value).startswith(f"{path}, line 3, key 'db': 'db' is set by the runner")

    path.write_text("class_name: '0301'\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="needs `notebook:`"):
        load_plan(path)
