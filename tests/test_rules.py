"""Rules as dated settings: the defaults of rules.md, overridden by an ingested rules file and by
`parameters/rules.yaml`, resolved per academic year."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from lpdata.contract import RULE_SETTINGS
from lpdata.errors import InputFileError, LpdataError
from lpdata.readers import read_rules_file
from lpdata.rules import DEFAULT_RULES, in_force, merged_rules


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_are_the_numbers_of_rules_md() -> None:
    got = {(r["rule_id"], r["setting"]): r["value"] for r in read_rules_file(DEFAULT_RULES).iter_rows(named=True)}
    assert got[("R-CLO-UPLOAD-MAX", "max_per_semester")] == 10
    assert got[("R-CLO-SUBMIT-MAX", "max_per_year")] == 6
    assert got[("R-MP-SUBMIT-MAX", "max_per_year")] == 10
    assert got[("R-CHECK-LEAD", "lead_days")] == 7
    assert got[("R-RETENTION", "seal_years")] == 5
    assert got[("R-RECEIPT-WINDOW", "min_days")] == 3
    assert got[("R-CLO-WINDOW", "min_days_after_closing")] == 14
    assert got[("R-TF-MEET", "min_per_semester")] == 1
    assert got[("R-FILE-LIMITS", "summary_max_chars")] == 100
    # every setting the contract knows has a default
    assert {(r, s) for r, settings in RULE_SETTINGS.items() for s in settings} == set(got)


def test_the_shipped_school_file_parses() -> None:
    path = Path(__file__).resolve().parent.parent / "parameters" / "rules.yaml"
    assert read_rules_file(path).height == 0  # only commented examples ship


def test_newest_entry_not_after_the_year_is_in_force(tmp_path: Path) -> None:
    school = write(tmp_path / "rules.yaml", """
rules:
  - effective_from: 115
    R-CLO-UPLOAD-MAX: {max_per_semester: 8}
  - effective_from: 117
    R-CLO-UPLOAD-MAX: {max_per_semester: 9}
""")
    ingested = pl.DataFrame({"effective_from": [115, 116], "rule_id": ["R-CLO-UPLOAD-MAX"] * 2,
                             "setting": ["max_per_semester"] * 2, "value": [12.0, 7.0]})
    merged = merged_rules(ingested, school)
    by_year = in_force(merged).filter(pl.col("rule_id") == "R-CLO-UPLOAD-MAX")
    value = dict(zip(by_year["academic_year"], by_year["value"]))
    source = dict(zip(by_year["academic_year"], by_year["source"]))
    assert value[114] == 10 and source[114] == "default"
    assert value[115] == 8 and source[115] == str(school)  # parameters beat the ingested file
    assert value[116] == 7 and source[116] == "ingested"
    assert value[117] == 9 and value[150] == 9
    assert 107 not in value  # before the first entry no rule is in force


@pytest.mark.parametrize("text, column, message", [
    ("rules:\n  - effective_from: 113\n    R-CLO-MAX: {limit: 3}\n", "R-CLO-MAX", "unknown rule"),
    ("rules:\n  - effective_from: 113\n    R-CLO-UPLOAD-MAX: {max: 3}\n", "R-CLO-UPLOAD-MAX.max", "has no setting"),
    ("rules:\n  - effective_from: 113\n    R-CLO-UPLOAD-MAX: {max_per_semester: ten}\n",
     "R-CLO-UPLOAD-MAX.max_per_semester", "not a number"),
    ("rules:\n  - effective_from: 2024\n    R-CLO-UPLOAD-MAX: {max_per_semester: 3}\n", "effective_from", "not a 學年度"),
    ("rules:\n  - R-CLO-UPLOAD-MAX: {max_per_semester: 3}\n", "entry 1", "needs effective_from"),
    ("rules:\n  - effective_from: 113\n    R-TF-MEET: {min_per_semester: 1}\n  - effective_from: 113\n"
     "    R-TF-MEET: {min_per_semester: 2}\n", "R-TF-MEET.min_per_semester", "set twice"),
])
def test_a_typo_is_an_error_naming_file_and_key(tmp_path: Path, text: str, column: str, message: str) -> None:
    path = write(tmp_path / "rules.yaml", text)
    with pytest.raises(InputFileError, match=message) as err:
        read_rules_file(path)
    assert err.value.file == str(path) and err.value.column == column


def test_not_a_rules_file(tmp_path: Path) -> None:
    with pytest.raises(LpdataError, match="one key, `rules:`"):
        read_rules_file(write(tmp_path / "rules.yaml", "rules: 3\n"))
