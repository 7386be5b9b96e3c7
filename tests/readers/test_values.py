"""lpdata.readers.values: every cell spelling of exports.md, parsed a whole column at a time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import polars as pl
import pytest

from lpdata.contract import CERT_STATUS, FILE_TYPE, KINDS_BY_NAME, STATUS, Column, ColumnType
from lpdata.readers.values import (
    clean_code,
    clean_text,
    parse_bool,
    parse_choice,
    parse_column,
    parse_date,
    parse_datetime,
    parse_number,
    parse_roles,
    parse_time,
)

D = dt.datetime


def run(parser: Callable[[pl.Expr], tuple[pl.Expr, pl.Expr]], texts: list[str | None]) -> list[tuple[Any, Any]]:
    value, error = parser(pl.col("t"))
    frame = pl.DataFrame({"t": texts}, schema={"t": pl.String})
    return frame.select(value.alias("v"), error.alias("e")).rows()


def one(parser: Callable[[pl.Expr], tuple[pl.Expr, pl.Expr]], text: str | None) -> tuple[Any, Any]:
    return run(parser, [text])[0]


# --- dates and times ----------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    # ROC (民國) dates: year + 1911
    ("111/10/24", D(2022, 10, 24)),
    ("111-10-24", D(2022, 10, 24)),
    ("111.10.24", D(2022, 10, 24)),
    ("1111024", D(2022, 10, 24)),          # 7 digits
    ("991024", D(2010, 10, 24)),           # 6 digits: a year < 100
    ("0950301", D(2006, 3, 1)),            # 7 digits, a leading zero (national 出生日期)
    ("950301", D(2006, 3, 1)),             # the same, its zero lost (a number cell)
    ("99/10/24", D(2010, 10, 24)),
    ("113/2/3", D(2024, 2, 3)),            # no zero padding
    # AD dates
    ("2022/10/24", D(2022, 10, 24)),
    ("2022-10-24", D(2022, 10, 24)),
    ("20221024", D(2022, 10, 24)),
    ("2024-02-29", D(2024, 2, 29)),        # a leap day
    # with a time
    ("111/10/24 14:03", D(2022, 10, 24, 14, 3)),
    ("111/10/24 14:03:05", D(2022, 10, 24, 14, 3, 5)),
    ("2022-10-24 14:03:05", D(2022, 10, 24, 14, 3, 5)),
    ("2022-10-24T14:03:05", D(2022, 10, 24, 14, 3, 5)),
    ("1111024 9:03", D(2022, 10, 24, 9, 3)),
    ("111/10/24 14:03:05.250", D(2022, 10, 24, 14, 3, 5)),
    # 上午/下午 before or after the time
    ("111/10/24 下午 02:03", D(2022, 10, 24, 14, 3)),
    ("111/10/24 02:03 下午", D(2022, 10, 24, 14, 3)),
    ("111/10/24下午2:03", D(2022, 10, 24, 14, 3)),
    ("111/10/24 上午 09:15", D(2022, 10, 24, 9, 15)),
    ("111/10/24 上午 12:05", D(2022, 10, 24, 0, 5)),    # 12 a.m. is midnight
    ("111/10/24 下午 12:05", D(2022, 10, 24, 12, 5)),   # 12 p.m. is noon
    ("111/10/24 12:05 上午", D(2022, 10, 24, 0, 5)),
    ("111/10/24 下午 13:05", D(2022, 10, 24, 13, 5)),   # already 24-hour: kept
    ("2022-10-24 2:03 PM", D(2022, 10, 24, 14, 3)),
    ("2022-10-24 11:59:59 pm", D(2022, 10, 24, 23, 59, 59)),
    # full-width digits and separators; blanks around
    ("１１１／１０／２４", D(2022, 10, 24)),
    ("１１１/１０/２４ １４：０３", D(2022, 10, 24, 14, 3)),
    ("１１１１０２４", D(2022, 10, 24)),
    ("  111/10/24  ", D(2022, 10, 24)),
])
def test_datetime_spellings(text: str, expected: dt.datetime) -> None:
    assert one(parse_datetime, text) == (expected, None)


@pytest.mark.parametrize("text", [
    "113/02/30",        # no such day
    "113/13/01",        # no such month
    "113/00/10",
    "1130230",
    "2023-02-29",       # not a leap year
    "113/10/24 25:00",  # no such hour
    "113/10/24 14:60",
    "113-10-24 14:03:61",
    "113/10/24 上午 13:05",  # a morning hour past noon
    "113/10/24 上午 02:03 下午",  # two markers
    "113/10/24 下午",   # 下午 without a time
    "下午 02:03",        # a time without a date
    "garbage",
    "113/10",
    "113//10/24",
    "0111/10/24",       # a four-digit year before 1900
    "1800-01-01",
    "113/10/24 14",
    "12345",
    "123456789",
])
def test_invalid_datetimes(text: str) -> None:
    assert one(parse_datetime, text) == (None, "invalid_date")


@pytest.mark.parametrize("text", ["", "   ", "\u3000", None])
def test_empty_datetime_is_null_without_error(text: str | None) -> None:
    assert one(parse_datetime, text) == (None, None)


def test_parse_date_drops_the_time() -> None:
    assert run(parse_date, ["111/10/24 下午 02:03", "1111024", "113/02/30", ""]) == [
        (dt.date(2022, 10, 24), None), (dt.date(2022, 10, 24), None), (None, "invalid_date"), (None, None)]


def test_a_column_of_mixed_spellings() -> None:
    texts = ["111/10/24", "2022-10-24 14:03", "garbage", None, "991024"]
    assert run(parse_datetime, texts) == [
        (D(2022, 10, 24), None), (D(2022, 10, 24, 14, 3), None), (None, "invalid_date"), (None, None),
        (D(2010, 10, 24), None)]


@pytest.mark.parametrize("text, expected", [
    ("14:03", dt.time(14, 3)),
    ("14:03:05", dt.time(14, 3, 5)),
    ("9:05", dt.time(9, 5)),
    ("下午 2:03", dt.time(14, 3)),
    ("2:03 下午", dt.time(14, 3)),
    ("下午02:03", dt.time(14, 3)),
    ("上午 12:05", dt.time(0, 5)),
    ("下午 12:05", dt.time(12, 5)),
    ("上午 11:59", dt.time(11, 59)),
    ("下午 13:00", dt.time(13, 0)),
    ("2:03 PM", dt.time(14, 3)),
    ("１４：０３", dt.time(14, 3)),
    (" 14:03 ", dt.time(14, 3)),
])
def test_times(text: str, expected: dt.time) -> None:
    assert one(parse_time, text) == (expected, None)


@pytest.mark.parametrize("text", ["25:00", "14:60", "14:03:61", "9:5", "下午", "上午 13:00", "x", "1403",
                                  "113/10/24 14:03"])
def test_invalid_times(text: str) -> None:
    assert one(parse_time, text) == (None, "invalid_time")


@pytest.mark.parametrize("text", ["", " ", None])
def test_empty_time_is_null_without_error(text: str | None) -> None:
    assert one(parse_time, text) == (None, None)


# --- booleans ------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("是", True), ("否", False),
    ("Y", True), ("N", False), ("y", True), ("n", False),
    ("TRUE", True), ("FALSE", False), ("True", True), ("false", False),
    ("1", True), ("0", False),
    ("✓", True), ("✔", True),
    ("Ｙ", True), ("１", True), (" 是 ", True),
])
@pytest.mark.parametrize("empty_is_false", [True, False])
def test_booleans(text: str, expected: bool, empty_is_false: bool) -> None:
    assert one(lambda t: parse_bool(t, empty_is_false=empty_is_false), text) == (expected, None)


@pytest.mark.parametrize("text", ["", "  ", None])
def test_empty_boolean(text: str | None) -> None:
    # With the ✓ convention an empty cell is "no"; otherwise it is unknown. Never an error.
    assert one(lambda t: parse_bool(t, empty_is_false=True), text) == (False, None)
    assert one(lambda t: parse_bool(t, empty_is_false=False), text) == (None, None)


@pytest.mark.parametrize("text", ["maybe", "2", "是的", "yess", "-1"])
@pytest.mark.parametrize("empty_is_false", [True, False])
def test_junk_boolean(text: str, empty_is_false: bool) -> None:
    assert one(lambda t: parse_bool(t, empty_is_false=empty_is_false), text) == (None, "invalid_boolean")


# --- numbers -------------------------------------------------------------------------------------
PLAIN_INT = Column("次數", "n", ColumnType.INT)
PLAIN_NUMBER = Column("數值", "x", ColumnType.NUMBER)
SCORE = KINDS_BY_NAME["grades"].column("score")          # NUMBER 0..100
SEAT = KINDS_BY_NAME["students"].column("seat_no")        # INT 0..999
GRADE = KINDS_BY_NAME["students"].column("grade")         # INT 1..3
FILE_KB = KINDS_BY_NAME["clo"].column("file_kb")          # NUMBER >= 0


def number(column: Column, text: str | None) -> tuple[Any, Any]:
    integer = column.type is ColumnType.INT
    return one(lambda t: parse_number(t, column, integer=integer), text)


@pytest.mark.parametrize("column, text, expected", [
    (PLAIN_INT, "5", 5), (PLAIN_INT, " 7 ", 7), (PLAIN_INT, "1,234", 1234), (PLAIN_INT, "１２", 12),
    (PLAIN_INT, "3.0", 3), (PLAIN_INT, "-2", -2), (PLAIN_INT, "1,234,567", 1234567),
    (PLAIN_NUMBER, "3.5", 3.5), (PLAIN_NUMBER, "1,234.5", 1234.5), (PLAIN_NUMBER, "-0.25", -0.25),
    (SCORE, "0", 0.0), (SCORE, "100", 100.0), (SCORE, "59.5", 59.5),
    (SEAT, "0", 0), (SEAT, "999", 999), (GRADE, "3", 3),
    (FILE_KB, "2,048", 2048.0),
])
def test_numbers(column: Column, text: str, expected: float) -> None:
    value, error = number(column, text)
    assert (value, error) == (expected, None)
    assert type(value) is (int if column.type is ColumnType.INT else float)


@pytest.mark.parametrize("column", [PLAIN_INT, PLAIN_NUMBER, SCORE, SEAT, GRADE, FILE_KB])
@pytest.mark.parametrize("text", ["-1", " -1 ", "", None])
def test_minus_one_and_empty_are_null_without_error(column: Column, text: str | None) -> None:
    assert number(column, text) == (None, None)


@pytest.mark.parametrize("column, text", [
    (SCORE, "100.5"), (SCORE, "-5"), (SCORE, "1,234"), (SEAT, "1000"), (SEAT, "-2"), (GRADE, "4"),
    (GRADE, "0"), (FILE_KB, "-0.5"),
])
def test_out_of_range(column: Column, text: str) -> None:
    assert number(column, text) == (None, "out_of_range")


@pytest.mark.parametrize("column, text", [
    (PLAIN_INT, "abc"), (PLAIN_NUMBER, "abc"), (SCORE, "甲"), (SEAT, "3號"), (PLAIN_NUMBER, "1.2.3"),
    (SCORE, "nan"), (PLAIN_NUMBER, "nan"), (SCORE, "inf"), (PLAIN_NUMBER, "-inf"),
    # an integer column rejects a fraction, in range or not
    (PLAIN_INT, "3.5"), (SEAT, "3.5"), (GRADE, "2.5"),
])
def test_invalid_numbers(column: Column, text: str) -> None:
    assert number(column, text) == (None, "invalid_number")


# --- codes and choices ---------------------------------------------------------------------------
def test_clean_text_and_clean_code() -> None:
    frame = pl.DataFrame({"t": ["  王小明 ", "", "   ", None, "０３０１", " 0301 "]}, schema={"t": pl.String})
    assert frame.select(clean_text(pl.col("t")).alias("v"))["v"].to_list() == ["王小明", None, None, None, "０３０１", "0301"]
    assert frame.select(clean_code(pl.col("t")).alias("v"))["v"].to_list() == ["王小明", None, None, None, "0301", "0301"]


@pytest.mark.parametrize("choices, text, expected", [
    (STATUS, "在學", "enrolled"), (STATUS, "休學", "suspended"), (STATUS, "轉出", "transferred_out"),
    (STATUS, "退學", "withdrawn"), (STATUS, "畢業", "graduated"),
    (STATUS, "enrolled", "enrolled"), (STATUS, "ENROLLED", "enrolled"), (STATUS, " Graduated ", "graduated"),
    (CERT_STATUS, "待認證", "pending"), (CERT_STATUS, "認證通過", "certified"), (CERT_STATUS, "認證未通過", "rejected"),
    (CERT_STATUS, "Certified", "certified"),
    (FILE_TYPE, "PDF", "pdf"), (FILE_TYPE, "jpeg", "jpg"), (FILE_TYPE, "ＭＰ４", "mp4"),
])
def test_choices(choices: Any, text: str, expected: str) -> None:
    assert one(lambda t: parse_choice(t, choices), text) == (expected, None)


@pytest.mark.parametrize("text, expected", [("畢業", ("graduated", None)), ("畢業生", (None, "invalid_choice")),
                                            ("foo", (None, "invalid_choice")), ("", (None, None)), (None, (None, None))])
def test_unknown_choice(text: str | None, expected: tuple[Any, Any]) -> None:
    assert one(lambda t: parse_choice(t, STATUS), text) == expected


@pytest.mark.parametrize("text, expected", [("1", 1), ("2", 2), ("上", 1), ("下學期", 2), ("上學期", 1)])
def test_semester_choice_is_stored_as_a_number(text: str, expected: int) -> None:
    semester = KINDS_BY_NAME["students"].column("semester")
    assert one(lambda t: parse_column(semester, t), text) == (expected, None)
    assert one(lambda t: parse_column(semester, t), "3") == (None, "invalid_choice")


@pytest.mark.parametrize("text, expected", [("1", 1), ("2", 2), ("男", 1), ("女", 2)])
def test_sex_code(text: str, expected: int) -> None:
    sex = KINDS_BY_NAME["students"].column("sex")
    assert one(lambda t: parse_column(sex, t), text) == (expected, None)


@pytest.mark.parametrize("text, expected", [("01", "01"), ("1", "01"), ("公假", "01"), ("曠課", "12"), ("12", "12")])
def test_absence_code(text: str, expected: str) -> None:
    col = KINDS_BY_NAME["attendance"].column("absence_code")
    assert one(lambda t: parse_column(col, t), text) == (expected, None)


# --- roles ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("導師", ["homeroom_teacher"]),
    ("任課教師,導師", ["course_teacher", "homeroom_teacher"]),
    ("任課教師、導師", ["course_teacher", "homeroom_teacher"]),
    ("任課教師，導師", ["course_teacher", "homeroom_teacher"]),
    ("教務主任;註冊組長", ["academic_director", "registrar_head"]),
    ("course_teacher, homeroom_teacher", ["course_teacher", "homeroom_teacher"]),
    ("Course_Teacher", ["course_teacher"]),
    ("協行教師, 學習歷程檔案協行教師", ["portfolio_assistant"]),  # two names of one role
    ("導師,,導師", ["homeroom_teacher"]),
    ("註冊組長、registrar_clerk、生輔組幹事", ["registrar_head", "registrar_clerk", "discipline_clerk"]),
])
def test_roles(text: str, expected: list[str]) -> None:
    assert one(parse_roles, text) == (expected, None)


@pytest.mark.parametrize("text", ["校長", "導師,校長", "teacher"])
def test_unknown_role(text: str) -> None:
    assert one(parse_roles, text) == (None, "invalid_choice")


@pytest.mark.parametrize("text", ["", None])
def test_empty_roles(text: str | None) -> None:
    assert one(parse_roles, text) == (None, None)


# --- parse_column dispatch -----------------------------------------------------------------------
def test_parse_column_per_type() -> None:
    clo = KINDS_BY_NAME["clo"]
    cases = {
        "item_id": ("0301", "0301"),
        "summary": ("  實驗報告 ", "實驗報告"),
        "file_kb": ("1,024", 1024.0),
        "uploaded_at": ("113/10/24 下午 02:03", D(2024, 10, 24, 14, 3)),
        "cert_status": ("認證通過", "certified"),
        "selected": ("", False),          # required ✓ column: empty is no
    }
    for name, (text, expected) in cases.items():
        assert one(lambda t, name=name: parse_column(clo.column(name), t), text) == (expected, None), name
    # An optional boolean leaves an empty cell unknown.
    passed = KINDS_BY_NAME["grades"].column("passed")
    assert one(lambda t: parse_column(passed, t), "") == (None, None)
    consult_date = KINDS_BY_NAME["consultations"].column("date")
    assert one(lambda t: parse_column(consult_date, t), "1131024") == (dt.date(2024, 10, 24), None)
    roles = KINDS_BY_NAME["staff"].column("roles")
    assert one(lambda t: parse_column(roles, t), "導師") == (["homeroom_teacher"], None)
