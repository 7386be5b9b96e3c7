"""One table of Chinese column labels (lpdata/labels.py) for `lp query --labels zh` and the reports,
and no key written twice: a dict display that repeats a key keeps the last value silently, which is
how two tables once disagreed on five labels without anyone seeing it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from lpdata import labels
from lpdata.contract import KINDS_BY_NAME
from lpdata.report import i18n

ROOT = Path(__file__).resolve().parents[1]
ZH = i18n.strings("zh-TW")


def repeated_keys(source: str) -> list[tuple[int, object]]:
    """(line, key) of every constant key a dict display of `source` writes a second time."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Dict):
            seen: set[object] = set()
            for key in node.keys:
                if isinstance(key, ast.Constant):
                    if key.value in seen:
                        found.append((key.lineno, key.value))
                    seen.add(key.value)
    return found


def test_the_scan_finds_a_repeated_key() -> None:
    assert repeated_keys('T = {"a": "甲", "b": "乙",\n     "a": "丙"}\nU = {"a": 1}\n') == [(2, "a")]


def test_no_dict_display_repeats_a_key() -> None:
    """Every module of lpdata (the label tables, TEXT, VALUES, COLUMNS_EN and the rest)."""
    found = [f"{path.relative_to(ROOT)}:{line} {key!r}" for path in sorted((ROOT / "lpdata").rglob("*.py"))
             for line, key in repeated_keys(path.read_text(encoding="utf-8"))]
    assert found == []


def test_the_reports_have_no_chinese_column_table_of_their_own() -> None:
    assert not hasattr(i18n, "COLUMNS_ZH")
    for name, label in labels.COLUMNS_ZH.items():  # a view that is not a kind: the table's label
        assert ZH.column(name, "class_completion") == label == labels.zh_labels("class_completion", [name])[name]


def test_a_kinds_own_view_shows_its_contract_headers() -> None:
    submissions = KINDS_BY_NAME["submissions"]
    names = [c.stored_name for c in submissions.columns]
    assert ZH.columns(names, "submissions") == {c.stored_name: c.header for c in submissions.columns}


#: The five labels the two tables disagreed on, as decided (docs/decisions.md).
DECIDED = {
    "decided_by_due": "期限內認證件數",
    "items_uploaded_by_due": "期限內上傳件數",
    "kinds": "名冊別",
    "submitted_by": "提交人員代碼",
    "teacher_inactive_since": "離職或停用日",
}


@pytest.mark.parametrize("name, label", sorted(DECIDED.items()))
def test_the_decided_labels(name: str, label: str) -> None:
    assert ZH.column(name, "certification_backlog") == label
    assert labels.zh_labels("certification_backlog", [name]) == {name: label}
