"""Every text the readers can store as a quarantine or notice detail has a Chinese rendering
(lpdata.report.dq_text), and the zh-TW example is built from data_quality's parts."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest

from lpdata.contract import ALL_KINDS, VALUE_ALIAS_FILE, ColumnType, value_section
from lpdata.layouts import LAYOUTS
from lpdata.readers import notices, rows
from lpdata.report import dq_text
from lpdata.report.i18n import VALUES, strings

LPDATA = Path(dq_text.__file__).resolve().parents[1]

#: The details the readers write with values in them, instantiated: (source file, the literal as
#: the source writes it, an instance). The test fails if the source no longer says so (a new text
#: to translate) or the instance has no Chinese.
LITERALS = [
    ("readers/rows.py", 'f"at most {match.width} cells, as the header has"', "at most 12 cells, as the header has"),
    ("readers/rows.py", '"a key no earlier row has (row {} has it)"', "a key no earlier row has (row 5 has it)"),
    ("readers/__init__.py", "\"a key no earlier row has (sheet '{}' row {} has it)\"",
     "a key no earlier row has (sheet '學生資料' row 7 has it)"),
    ("readers/partial.py", '"a 年級 column, or a class name that tells the grade (301, 普一甲)"',
     "a 年級 column, or a class name that tells the grade (301, 普一甲)"),
    ("resolve.py", '"no roster row of {} has 學號 {}"', "no roster row of 113-1 has 學號 1130001"),
    ("resolve.py", '"no roster row of {} has 學號 {}"', "no roster row of any term has 學號 1130001"),
    ("resolve.py", '"roster rows of {} give 學號 {} to {} students"',
     "roster rows of 113 (either 學期) give 學號 1130001 to 2 students"),
    ("resolve.py", '"{} (either 學期)"', "no roster row of 114 (either 學期) has 學號 7"),
    ("readers/rows.py", "to accept '{{}}', add under {section}: in {VALUE_ALIAS_FILE}",
     f"one of 在學/畢業; to accept '休學中', add under status: in {VALUE_ALIAS_FILE} the line  休學中: "
     "<the value it means>"),
]


def _all_columns() -> list:
    return [c for kind in (*ALL_KINDS, *LAYOUTS) for c in (*kind.columns, *getattr(kind, "inputs", ()))]


def _reader_texts() -> list[str]:
    """Every expectation readers.rows can write for a contract column, and its fixed texts."""
    texts = {rows._expected(c) for c in _all_columns()}
    texts |= set(rows._EXPECTED_BY_TYPE.values()) | {t.value for t in ColumnType}
    texts.add(rows._WHOLE_YEAR_DETAIL)
    texts |= set(notices.NOTICES.values())
    return sorted(texts)


def test_every_reader_text_has_chinese() -> None:
    missing = [t for t in _reader_texts() if dq_text.detail_zh(t) is None]
    assert not missing, "no Chinese for:\n" + "\n".join(missing)


def test_chinese_of_a_choice_with_an_alias_hint() -> None:
    col = next(c for c in _all_columns() if c.type is ColumnType.CHOICE and value_section(c.choices))
    text = f"{rows._expected(col)}; to accept 'X1', add under {value_section(col.choices)}: in {VALUE_ALIAS_FILE} " \
           "the line  X1: <the value it means>"
    zh = dq_text.detail_zh(text)
    assert zh is not None and zh.startswith("下列之一：") and "若要接受「X1」" in zh and VALUE_ALIAS_FILE in zh


@pytest.mark.parametrize(("source", "literal", "instance"), LITERALS)
def test_literal_details_of_the_readers_have_chinese(source: str, literal: str, instance: str) -> None:
    assert literal in (LPDATA / source).read_text(encoding="utf-8"), f"{source} no longer writes {literal}"
    zh = dq_text.detail_zh(instance)
    assert zh is not None and not re.search(r"\b(row|sheet|roster|term|either|has|one of)\b", zh), zh


def test_hand_worked_renderings() -> None:
    assert dq_text.detail_zh("a number from 0 to 100") == "0 到 100 之間的數字"
    assert dq_text.detail_zh("a number ≥ 0") == "大於或等於 0 的數字"
    assert dq_text.detail_zh("a key no earlier row has (row 5 has it)") == "前面各列都沒有的鍵值（第 5 列已有相同鍵值）"
    assert dq_text.detail_zh("roster rows of 113-2 give 學號 1130001 to 2 students") == \
        "113 學年度第 2 學期的學生名冊中有 2 名學生使用學號 1130001"
    assert dq_text.detail_zh("no roster row of 113 (either 學期) has 學號 9") == \
        "113 學年度（任一學期）的學生名冊中沒有學號 9"
    assert dq_text.detail_zh("one of 在學/畢業 or a code 001-999 of the national table") == \
        "下列之一：在學/畢業，或全國代碼表的代碼 001 至 999"
    assert dq_text.detail_zh("something new") is None


def test_every_reason_and_notice_has_a_chinese_label() -> None:
    t = strings("zh-TW")
    for code in (*rows.REASONS, *notices.NOTICES):
        assert code in VALUES["reason"], code
        assert re.search(r"[\u4e00-\u9fff]", t.value("reason", code)), code


def test_example_in_chinese_from_its_parts() -> None:
    raw = json.dumps({"學年度": "113", "身分證號": "V1******36", "重修重讀": None, "學期 (cover)": "1",
                      "名冊種類 (layout)": "課程學習成果", "column 9": "x", "(extra cells)": None}, ensure_ascii=False)
    row = dict(reason="invalid_national_id", example_row_number=2730, example_sheet=None, example_column="身分證號",
               example_value="V1******36", example_detail=rows._EXPECTED_BY_TYPE[ColumnType.NATIONAL_ID],
               example_raw=raw)
    assert dq_text.example_zh(row) == (
        "第 2730 列，欄位 身分證號 = 'V1******36'：應為身分證號或居留證號：1 個英文字母，接 1、2、8、9 或 A 至 D，"
        "再接 8 位數字，且檢查碼正確｜原始列：學年度：113；身分證號：V1******36；重修重讀：（空白）；學期（封面）：1；"
        "名冊種類（名冊格式）：課程學習成果；第 9 欄：x")
    notice = dict(reason="replaced_character", example_row_number=305, example_sheet="學生資料", example_column="姓名",
                  example_value="蔡?", example_detail=notices.NOTICES["replaced_character"], example_raw=None)
    assert dq_text.example_zh(notice) == (
        "第 305 列（工作表 學生資料），欄位 姓名 = '蔡?'：遺失的字成了 ?（檔案編碼沒有的字，Excel 會寫成 ?）；"
        "請在來源系統修正姓名，或改以 UTF-8 或 Unicode 文字匯出")
    assert dq_text.example_zh(dict(reason=None)) is None
    assert dq_text.raw_key_zh("(extra cells)") == "（多出的儲存格）"
    # a column a layout derives from others (readers.detect), its target absent from the file (layouts._absent)
    assert dq_text.raw_key_zh("(title) (from 證照名稱, 證照代碼)") == "名稱（由 證照名稱、證照代碼 推得）"
    assert dq_text.raw_key_zh("年級 (from 班級)") == "年級（由 班級 推得）"


def test_raw_key_literals_are_still_what_the_readers_write() -> None:
    for source, literal in [("readers/rows.py", '"(extra cells)"'), ("readers/detect.py", "} (from {"),
                            ("readers/detect.py", 'f"{header} ({label})"'), ("readers/detect.py", '"cover"'),
                            ("readers/detect.py", '"layout"'), ("layouts.py", 'header=f"({col.name})"'),
                            ("readers/rows.py", 'f"column {i + 1}"')]:
        text = (LPDATA / source).read_text(encoding="utf-8")
        assert literal in text, f"{source} no longer writes {literal}"


def test_with_examples_only_in_chinese() -> None:
    frame = pl.DataFrame([dict(reason="invalid_number", example_row="row 3, column 成績 = 'x': expected a number",
                               example_row_number=3, example_sheet=None, example_column="成績", example_value="x",
                               example_detail="a number", example_raw=None)])
    assert dq_text.with_examples(frame, strings("en"))["example_row"][0].startswith("row 3")
    assert dq_text.with_examples(frame, strings("zh-TW"))["example_row"][0] == "第 3 列，欄位 成績 = 'x'：應為數字"


def test_encodings_as_staff_know_them() -> None:
    assert [dq_text.encoding_label(e) for e in ("utf-8", "utf-8-sig", "cp950", "big5", "utf-16", None)] == \
        ["UTF-8", "UTF-8（含 BOM）", "Big5", "Big5", "Unicode 文字 (UTF-16)", None]
    assert [dq_text.encoding_label(e, "en") for e in ("utf-8-sig", "cp950", "utf-16")] == \
        ["UTF-8 (with BOM)", "Big5", "Unicode text (UTF-16)"]
    frame = pl.DataFrame({"encoding": ["cp950", None]})
    assert dq_text.with_encodings(frame, strings("zh-TW"))["encoding"].to_list() == ["Big5", None]
