"""data_quality_files and data_quality_reasons: data_quality rolled up per file and per reason, as the
data-quality report shows them.

Three files: the roster (clean), clo.csv (C1 twice: one row quarantined as duplicate_key, C2) and
clo_b.csv (C3 twice: one row quarantined)."""

from __future__ import annotations

import datetime as dt

from .school import School
from .test_reconciliation import clo, roster


def build(school: School) -> None:
    roster(school, (1, "1130001", "101"), (2, "1130002", "101"))
    school.add("clo", [clo("C1", 1, "閱讀報告"), clo("C1", 1, "閱讀報告"), clo("C2", 2, "小論文")])
    school.add("clo", [clo("C3", 2, "實驗心得"), clo("C3", 2, "實驗心得")], file="clo_b")
    school.ingest(exported_at="2025-01-31 18:00")


def test_one_row_per_file(school: School) -> None:
    build(school)
    got = school.query("data_quality_files", order_by="file")
    assert [(r["file"], r["kind"], r["rows_read"], r["rows_loaded"], r["rows_quarantined"]) for r in got] == [
        ("clo.csv", "clo", 3, 2, 1),
        ("clo_b.csv", "clo", 2, 1, 1),
        ("students.csv", "students", 2, 2, 0),
    ]
    assert {r["exported_at"] for r in got} == {dt.datetime(2025, 1, 31, 18, 0)}
    # The file's own columns, as data_quality has them on each of its rows.
    per_reason = school.query("data_quality")
    assert {(r["file_id"], r["encoding"]) for r in got} == {(r["file_id"], r["encoding"]) for r in per_reason}
    assert len({r["file_id"] for r in got}) == 3


def test_rows_per_reason_and_kind_over_every_file(school: School) -> None:
    build(school)
    # One duplicate_key row in each clo file; the clean roster adds nothing.
    assert [(r["reason"], r["kind"], r["rows"]) for r in school.query("data_quality_reasons")] == [
        ("duplicate_key", "clo", 2)]


def test_the_example_in_parts_is_the_example_row(school: School) -> None:
    build(school)
    rows = {r["file"]: r for r in school.query("data_quality") if r["reason"]}
    ex = rows["clo.csv"]
    # clo.csv: header on line 1, C1 on lines 2 and 3: line 3 repeats line 2's key (成果編號).
    assert (ex["example_row_number"], ex["example_sheet"], ex["example_column"], ex["example_value"],
            ex["example_detail"]) == (3, None, "成果編號", "C1", "a key no earlier row has (row 2 has it)")
    assert ex["example_raw"].startswith("{") and '"成果編號":"C1"' in ex["example_raw"]
    # example_row is the same parts joined in English (the stored text: issue 14 pins it).
    assert ex["example_row"] == (f"row 3, column 成果編號 = 'C1': expected a key no earlier row has (row 2 has it)"
                                 f" | {ex['example_raw']}")
    clean = next(r for r in school.query("data_quality") if r["file"] == "students.csv")
    assert clean["reason"] is None and clean["example_row_number"] is None and clean["example_detail"] is None
