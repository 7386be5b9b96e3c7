"""Files lacking a column the workbench works out: ischool rosters, rows tied by 學號 (exports.md v2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import make_id, write_csv, write_xlsx

from lpdata.contract import KINDS, KINDS_BY_NAME
from lpdata.errors import InputFileError, UnknownKindError
from lpdata.readers import HeaderResolver, IdHasher, read_file
from lpdata.readers.partial import PARTIAL_KINDS, RAW, STUDENT_NO, fallback_resolvers, term_of

A, B, C = make_id("A12345678"), make_id("B22345678"), make_id("C12345678")
# ischool's student export: its fixed six fields, then the chosen ones (SHCore ExportStudent).
ISCHOOL = ["學生系統編號", "學號", "班級", "座號", "科別", "姓名", "身分證號", "生日", "性別"]


def ischool_rows(with_id: bool = True) -> list[list[object]]:
    head = ISCHOOL if with_id else [h for h in ISCHOOL if h != "身分證號"]
    rows = [["1001", "110123", "301", "1", "普通科", "王小明", A, "96/8/8", "男"],
            ["1002", "110124", "普一甲", "2", "普通科", "陳美麗", B, "960828", "女"],
            ["1003", "110125", "0302", "3", "普通科", "林大同", C, "2007/8/28", "男"]]
    if not with_id:
        rows = [[v for h, v in zip(ISCHOOL, r) if h != "身分證號"] for r in rows]
    return [head, *rows]


def read(path: Path, hasher: IdHasher):  # type: ignore[no-untyped-def]
    [export] = read_file(path, resolver=HeaderResolver(), hasher=hasher)
    return export


def test_an_ischool_roster_takes_its_term_from_the_file_name(tmp_path: Path, hasher: IdHasher) -> None:
    export = read(write_csv(tmp_path / "學生基本資料_113-1.csv", ischool_rows()), hasher)
    assert export.kind is KINDS_BY_NAME["students"] or export.kind == KINDS_BY_NAME["students"]
    assert export.rejects.height == 0
    got = export.rows.select("academic_year", "semester", "student_no", "grade", "class_name", "status", "sex",
                             "department", "_part").rows()
    assert got == [(113, 1, "110123", 3, "301", "enrolled", 1, "普通科", "113-1"),
                   (113, 1, "110124", 1, "普一甲", "enrolled", 2, "普通科", "113-1"),
                   (113, 1, "110125", 3, "0302", "enrolled", 1, "普通科", "113-1")]
    assert export.rows["national_id_hash"].to_list() == [hasher.hash(i) for i in (A, B, C)]
    assert export.rows.columns == ["_row", "_sheet", *KINDS_BY_NAME["students"].stored_columns, "_part"]
    assert "學生系統編號" in export.ignored_columns


def test_an_ischool_roster_takes_its_term_from_a_title_row_and_its_status_words(tmp_path: Path,
                                                                               hasher: IdHasher) -> None:
    rows = ischool_rows()
    rows[0] = [*rows[0], "狀態"]
    for row, status in zip(rows[1:], ("一般", "延修", "畢業或離校")):
        row.append(status)
    path = write_xlsx(tmp_path / "roster.xlsx", {"學生": [["某某高中 113學年度第2學期 學生名冊"], *rows]})
    export = read(path, hasher)
    assert export.rows.select("academic_year", "semester", "status").rows() == [
        (113, 2, "enrolled"), (113, 2, "enrolled"), (113, 2, "graduated")]


def test_an_ischool_roster_with_no_term_names_the_columns_to_add(tmp_path: Path, hasher: IdHasher) -> None:
    with pytest.raises(InputFileError) as info:
        read(write_csv(tmp_path / "學生基本資料.csv", ischool_rows()), hasher)
    assert info.value.column == "學年度" and "add the columns 學年度 and 學期" in str(info.value)
    assert "學生基本資料.csv" in str(info.value)


def test_a_class_name_that_does_not_tell_the_grade(tmp_path: Path, hasher: IdHasher) -> None:
    rows = ischool_rows()
    rows[2][2] = "甲班"
    export = read(write_csv(tmp_path / "r_113-1.csv", rows), hasher)
    assert export.rows["student_no"].to_list() == ["110123", "110125"]
    [reject] = export.rejects.to_dicts()
    assert (reject["_row"], reject["column"], reject["reason"], reject["value"]) == (3, "班級", "missing_value", "甲班")
    assert "年級" in reject["detail"] and json.loads(reject["raw"])["學號"] == "110124"
    assert reject["national_id_hash"] == hasher.hash(B)


def test_a_roster_with_its_own_grade_and_term_columns(tmp_path: Path, hasher: IdHasher) -> None:
    rows = ischool_rows()
    rows[0] = [*rows[0], "年級", "學年度", "學期"]
    for row in rows[1:]:
        row += ["2", "112", "2"]
    export = read(write_csv(tmp_path / "r_113-1.csv", rows), hasher)
    assert set(export.rows.select("academic_year", "semester", "grade").rows()) == {(112, 2, 2)}


def test_an_ischool_roster_without_ids_keeps_its_rows_by_student_no(tmp_path: Path, hasher: IdHasher) -> None:
    export = read(write_csv(tmp_path / "r_113-1.csv", ischool_rows(with_id=False)), hasher)
    assert export.rejects.height == 0
    assert export.rows[STUDENT_NO].to_list() == ["110123", "110124", "110125"]
    assert export.rows["national_id_hash"].null_count() == 3
    assert json.loads(export.rows[RAW][0])["姓名"] == "王小明"


GRADES_BY_NO = ["學年度", "學期", "學號", "姓名", "課程代碼", "學期學業成績"]
COURSE = "0123456789ABCDEF1234567"


def test_grades_with_student_no_and_no_id_column(tmp_path: Path, hasher: IdHasher) -> None:
    path = write_csv(tmp_path / "g.csv", [GRADES_BY_NO, ["113", "1", "110123", "王小明", COURSE, "88"],
                                          ["113", "1", "110124", "陳美麗", COURSE, "77"],
                                          ["113", "1", "110123", "王小明", COURSE, "60"],
                                          ["113", "1", "", "無名", COURSE, "60"]])
    export = read(path, hasher)
    assert export.kind == KINDS_BY_NAME["grades"]
    assert export.rows.select("_row", STUDENT_NO, "score").rows() == [(2, "110123", 88.0), (3, "110124", 77.0)]
    assert export.rejects.select("_row", "reason").rows() == [(4, "duplicate_key"), (5, "missing_value")]
    assert export.rejects["column"][1] == "學號"


def test_an_empty_id_cell_in_a_file_with_an_id_column_stays_missing(tmp_path: Path, hasher: IdHasher) -> None:
    head = ["學年度", "學期", "身分證號", "學號", "課程代碼", "學期學業成績"]
    export = read(write_csv(tmp_path / "g.csv", [head, ["113", "1", "", "110123", COURSE, "88"]]), hasher)
    assert STUDENT_NO not in export.rows.columns
    assert export.rejects.select("column", "reason").rows() == [("身分證號", "missing_value")]


def test_a_file_lacking_more_than_the_id_is_still_rejected_naming_the_nearest_kind(tmp_path: Path,
                                                                                    hasher: IdHasher) -> None:
    with pytest.raises(UnknownKindError) as info:
        read(write_csv(tmp_path / "g.csv", [["學年度", "學號", "課程代碼", "學期學業成績"], ["113", "1", COURSE, "1"]]),
             hasher)
    assert info.value.nearest == "grades"


@pytest.mark.parametrize("kind", [k for k in KINDS if any(c.name == "national_id" for c in k.columns)],
                         ids=lambda k: k.name)
def test_each_kind_is_recognised_with_student_no_for_its_id(kind) -> None:  # type: ignore[no-untyped-def]
    head = ["學號" if c.name == "national_id" else c.header for c in kind.required]
    if "學號" not in head:
        head.append("學號")
    head = list(dict.fromkeys(head))
    assert HeaderResolver().find_header([head], file=Path("x.csv")) is None  # never a v1 kind
    found = fallback_resolvers(HeaderResolver())[1].find_header([head], file=Path("x.csv"))
    assert found is not None and found[1].kind.name == kind.name


def test_partial_kinds_are_never_tried_for_a_v1_header() -> None:
    resolver = HeaderResolver()
    for kind in KINDS:
        found = resolver.find_header([[c.header for c in kind.columns]], file=Path("x.csv"))
        assert found is not None and found[1].kind in resolver.kinds
    assert len(PARTIAL_KINDS) == 1 + sum(any(c.name == "national_id" for c in k.columns) for k in KINDS)


@pytest.mark.parametrize("title, name, term", [
    ([["113學年度第1學期 學生名冊"]], "x", (113, 1)),
    ([["112 學年度 下學期"]], "x", (112, 2)),
    ([], "學生名冊_113-2", (113, 2)),
    ([], "113學年度第一學期學生", (113, 1)),
    ([], "export-2024-10-24", None),
    ([], "學生", None),
])
def test_term_of(title, name: str, term) -> None:  # type: ignore[no-untyped-def]
    assert term_of(title, Path(name + ".csv")) == term
