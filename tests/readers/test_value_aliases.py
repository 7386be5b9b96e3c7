"""Value aliases (`parameters/value_aliases.yaml`): a school's own spellings of closed values."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import header, make_id, write_csv

from lpdata.contract import KINDS_BY_NAME
from lpdata.errors import ConfigError
from lpdata.readers import Aliases, HeaderResolver, IdHasher, read_file
from lpdata.readers.detect import ValueAliases

A = make_id("A12345678")
B = make_id("B12345678")
ROSTER = header("students", "academic_year", "semester", "national_id", "student_no", "name", "sex", "grade",
                "class_name", "seat_no", "status")
SHIPPED = Path(__file__).resolve().parents[2] / "parameters" / "value_aliases.yaml"


def roster(path: Path, status: str, sex: str = "男", semester: str = "1") -> Path:
    return write_csv(path, [ROSTER, ["113", semester, A, "1130001", "王小明", sex, "1", "101", "1", status],
                            ["113", semester, B, "1130002", "陳美麗", "女", "1", "101", "2", "在學"]])


def aliases_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "value_aliases.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_file_is_only_comments() -> None:
    assert ValueAliases.load(SHIPPED) == ValueAliases()


def test_an_unknown_spelling_is_quarantined_with_the_alias_line_that_would_accept_it(tmp_path: Path,
                                                                                    hasher: IdHasher) -> None:
    [export] = read_file(roster(tmp_path / "r.csv", "延長修業"), resolver=HeaderResolver(), hasher=hasher)
    assert export.rows.height == 1
    [reject] = export.rejects.to_dicts()
    assert (reject["column"], reject["reason"], reject["value"]) == ("學籍狀態", "invalid_choice", "延長修業")
    assert reject["detail"].startswith("one of 在學/休學/轉出/退學/畢業/")
    assert reject["detail"].endswith("; to accept '延長修業', add under status: in parameters/value_aliases.yaml "
                                     "the line  延長修業: <the value it means>")
    assert "\n" not in reject["detail"]


def test_an_empty_required_choice_says_what_it_expects(tmp_path: Path, hasher: IdHasher) -> None:
    """missing_value in an aliasable column: its detail is what the column expects (it was empty:
    the alias line's format had no value to quote; found by the fuzz test)."""
    [export] = read_file(roster(tmp_path / "r.csv", "  "), resolver=HeaderResolver(), hasher=hasher)
    [reject] = export.rejects.to_dicts()
    assert (reject["column"], reject["reason"], reject["value"]) == ("學籍狀態", "missing_value", "  ")
    assert reject["detail"].startswith("one of 在學/休學/轉出/退學/畢業/")
    assert "value_aliases" not in reject["detail"]


def test_a_choice_outside_the_alias_sections_keeps_its_v1_detail(tmp_path: Path, hasher: IdHasher) -> None:
    clo = KINDS_BY_NAME["clo"]
    head = [c.header for c in clo.required]
    row = {"成果編號": "1", "學年度": "113", "學期": "1", "身分證號": A, "課程代碼": "X" * 23,
           "成果簡述": "s", "上傳時間": "113/10/01", "認證狀態": "審核中", "勾選": "是"}
    path = write_csv(tmp_path / "clo.csv", [head, [row[h] for h in head]])
    [export] = read_file(path, resolver=HeaderResolver(), hasher=hasher)
    assert export.rejects["detail"].to_list() == ["one of 待認證/認證通過/認證未通過/通過/未通過"]


def test_aliases_are_accepted_in_every_section(tmp_path: Path, hasher: IdHasher) -> None:
    path = aliases_file(tmp_path, "status:\n  延長修業: 在學\n  ' 離校 ': 畢業或離校\nsex:\n  M: 男\n"
                        "semester:\n  第一學期: 上學期\ncategory:\n  社團活動: 團體活動\nabsence_type:\n  身心調適假: 病假\n")
    values = ValueAliases.load(path)
    assert dict(values.sections["status"]) == {"延長修業": "enrolled", "離校": "graduated"}
    assert dict(values.sections["absence_type"]) == {"身心調適假": "03"}
    resolver = HeaderResolver(Aliases.load(None, path))
    [export] = read_file(roster(tmp_path / "r.csv", "延長修業", sex="m", semester="第一學期"),
                         resolver=resolver, hasher=hasher)
    assert export.rejects.height == 0
    assert export.rows.select("semester", "sex", "status").rows() == [(1, 1, "enrolled"), (1, 2, "enrolled")]
    # The school's spellings extend the kinds that have such a column, nothing else.
    mp = next(k for k in resolver.kinds if k.name == "mp")
    assert mp.column("category").choices["社團活動"] == "團體活動"
    assert next(k for k in resolver.kinds if k.name == "staff") is KINDS_BY_NAME["staff"]
    assert HeaderResolver().kinds[0] is KINDS_BY_NAME["students"]


@pytest.mark.parametrize("text, column, message", [
    ("stauts:\n  延長修業: 在學\n", "stauts", "unknown section 'stauts'"),
    ("status:\n  延長修業: 在校\n", "status: 延長修業", "'在校' is not a status value the contract accepts"),
    ("status:\n  延長修業:\n", "status: 延長修業", "None is not a status value"),
    ("status:\n  畢業: 在學\n", "status: 畢業", "already reads '畢業' as another value"),
    ("status: [在學]\n", "status", "must map spellings"),
    ("sex:\n  M: 1\nabsence_type:\n  身心調適假: 13\n", "absence_type: 身心調適假", "13 is not a absence_type"),
])
def test_a_wrong_alias_file_names_the_file_and_key(tmp_path: Path, text: str, column: str, message: str) -> None:
    path = aliases_file(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        ValueAliases.load(path)
    assert info.value.file == str(path) and info.value.column == column
    assert message in str(info.value)


def test_an_alias_to_an_equal_value_and_a_list_of_yaml_scalars(tmp_path: Path) -> None:
    path = aliases_file(tmp_path, "status:\n  在學: 一般\nsemester:\n  3: 2\n")  # nonsense, but well formed
    assert dict(ValueAliases.load(path).sections["semester"]) == {"3": "2"}


def test_not_yaml_or_not_a_mapping(tmp_path: Path) -> None:
    for text in ("status: [", "- a\n- b\n"):
        with pytest.raises(ConfigError) as info:
            ValueAliases.load(aliases_file(tmp_path, text))
        assert info.value.file is not None
