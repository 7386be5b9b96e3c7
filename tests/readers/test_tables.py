"""lpdata.readers.tables: CSV encodings, CSV bodies with spreadsheet row numbers, Excel workbooks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from conftest import write_xls, write_xlsx

from lpdata.errors import EmptyFileError, InputFileError, NotASpreadsheetError, UndecodableFileError
from lpdata.readers.tables import (
    EXTRA,
    ROW,
    Decoded,
    decode_csv_bytes,
    preview_csv,
    read_csv_body,
    read_workbook,
)

FILE = Path("exports/學生名冊.csv")
TEXT = "學生名冊 113學年度\r\n學年度,學期,姓名,班級名稱\r\n113,1,王小明,0301\r\n113,1,陳美麗,0302\r\n"


# --- encodings -----------------------------------------------------------------------------------
@pytest.mark.parametrize("encoding, detected", [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp950", "cp950"),
                                                ("big5", "cp950")])
def test_decode_csv_bytes(encoding: str, detected: str) -> None:
    decoded = decode_csv_bytes(TEXT.encode(encoding), FILE)
    assert decoded == Decoded(TEXT.encode("utf-8"), detected)


def test_big5_text_that_is_not_utf8_is_cp950() -> None:
    raw = "身分證號,姓名\r\nA123456789,許功蓋\r\n".encode("cp950")  # 許功蓋: Big5 bytes with a 0x5C trail byte
    decoded = decode_csv_bytes(raw, FILE)
    assert decoded.encoding == "cp950"
    assert decoded.data.decode("utf-8") == "身分證號,姓名\r\nA123456789,許功蓋\r\n"


def test_cp950_only_characters() -> None:
    # 碁 and 銹 are among the characters CP950 adds to plain Big5.
    raw = "名稱\r\n碁銹\r\n".encode("cp950")
    assert decode_csv_bytes(raw, FILE) == Decoded("名稱\r\n碁銹\r\n".encode(), "cp950")


def test_undecodable_bytes_name_the_file_and_both_offsets() -> None:
    raw = b"ok" + "中".encode("cp950") + b"\xff,x\r\n"  # UTF-8 breaks at byte 2, CP950 at byte 4
    with pytest.raises(UndecodableFileError) as info:
        decode_csv_bytes(raw, FILE)
    err = info.value
    assert err.file == str(FILE)
    assert err.message == "not UTF-8 (bad byte at offset 2) nor Big5/CP950 (bad byte at offset 4)"
    assert str(err).startswith(f"{FILE}: not UTF-8 (bad byte at offset 2)")
    assert err.code == "undecodable"


def test_bom_then_bad_utf8_names_the_offset_in_the_file() -> None:
    with pytest.raises(UndecodableFileError) as info:
        decode_csv_bytes(b"\xef\xbb\xbfab\xffcd", FILE)
    assert info.value.message == "starts with a UTF-8 byte-order mark but byte 5 is not UTF-8"
    assert info.value.file == str(FILE)


@pytest.mark.parametrize("raw", [
    # UTF-16 with its BOM is Excel's Unicode text, read since v2 (test_utf16_with_a_bom_is_read)
    "學年度,學期\r\n".encode("utf-16-le"),    # without
    b"a,b\r\n1,\x002\r\n",
    b"PK\x03\x04\x14\x00\x00\x00",            # an .xlsx renamed .csv
])
def test_utf16_and_binary_are_undecodable(raw: bytes) -> None:
    with pytest.raises(UndecodableFileError, match="UTF-16 or binary data") as info:
        decode_csv_bytes(raw, FILE)
    assert info.value.file == str(FILE)


@pytest.mark.parametrize("raw", [b"", b"   ", b"\r\n\r\n", b"\t \n"])
def test_empty_file(raw: bytes) -> None:
    with pytest.raises(EmptyFileError) as info:
        decode_csv_bytes(raw, FILE)
    assert str(info.value) == f"{FILE}: the file is empty"


# --- CSV bodies ----------------------------------------------------------------------------------
def body(text: str, header_index: int, width: int) -> pl.DataFrame:
    return read_csv_body(decode_csv_bytes(text.encode(), FILE), header_index, width, FILE)


def test_preview_respects_quotes() -> None:
    text = 'title,,\r\na,b,c\r\n1,"x, y","line\r\nbreak"\r\n'
    assert preview_csv(decode_csv_bytes(text.encode(), FILE), FILE) == [
        ["title", "", ""], ["a", "b", "c"], ["1", "x, y", "line\r\nbreak"]]


def test_row_numbers_as_a_spreadsheet_shows_them() -> None:
    text = (
        "學生名冊 113學年度,,\r\n"   # row 1: title
        "a,b,c\r\n"                  # row 2: header
        "1,2,3\r\n"                  # row 3
        "\r\n"                       # row 4: blank, dropped
        '4,"two\r\nlines",6\r\n'     # row 5: one record, one spreadsheet row
        "7,8,9\r\n"                  # row 6
        ",,\r\n"                     # row 7: only separators, dropped
        "10,11\r\n"                  # row 8: short, the missing cell is null
    )
    frame = body(text, 1, 3)
    assert frame.columns == ["c0", "c1", "c2", ROW, EXTRA]
    assert frame.rows() == [
        ("1", "2", "3", 3, None),
        ("4", "two\r\nlines", "6", 5, None),
        ("7", "8", "9", 6, None),
        ("10", "11", None, 8, None),
    ]
    assert frame.schema == pl.Schema({"c0": pl.String, "c1": pl.String, "c2": pl.String, ROW: pl.Int64,
                                      EXTRA: pl.String})


def test_quoted_newline_in_a_title_row_above_the_header() -> None:
    text = '"學生名冊\n113學年度",,\na,b,c\n1,2,3\n'
    decoded = decode_csv_bytes(text.encode(), FILE)
    preview = preview_csv(decoded, FILE)
    assert preview[1] == ["a", "b", "c"]
    assert read_csv_body(decoded, 1, 3, FILE).rows() == [("1", "2", "3", 3, None)]


def test_blank_lines_above_the_header_count() -> None:
    assert body("\n\na,b,c\n1,2,3\n", 2, 3).rows() == [("1", "2", "3", 4, None)]


def test_cells_are_text_and_keep_leading_zeros() -> None:
    frame = body("a,b,c\n0301,007,00123\n", 0, 3)
    assert frame.rows() == [("0301", "007", "00123", 2, None)]


@pytest.mark.parametrize("line, extra", [
    ("1,2,3,x", "x"),          # one cell too many
    ("1,2,3,,x", "x"),         # the extra text is not in the first overflow cell
    ("1,2,3,,,,y,z", "y"),     # the first non-empty one is kept
    ("1,2,3, ,x", "x"),        # a blank overflow cell is not extra text
    ("1,2,3,,", None),         # trailing empty cells are not extra
    ("1,2,3", None),
])
def test_extra_cells(line: str, extra: str | None) -> None:
    assert body(f"a,b,c\n{line}\n", 0, 3).rows() == [("1", "2", "3", 2, extra)]


def test_a_row_with_only_an_extra_cell_is_kept() -> None:
    # Cells past the header's width are data too: the row is not blank, it has too many fields.
    assert body("a,b,c\n,,,x\n", 0, 3).rows() == [(None, None, None, 2, "x")]


def test_unreadable_csv_is_an_input_file_error() -> None:
    with pytest.raises(InputFileError, match="not a readable CSV file") as info:
        body('a,b,c\n1,"2,3\n4,5,6\n', 0, 3)
    assert info.value.file == str(FILE)


# --- Excel ---------------------------------------------------------------------------------------
def test_read_xlsx(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "學生名冊.xlsx", {
        "封面": [["學校代碼", "140302"], ["學年度", 113], ["名冊別", "學生名冊"]],
        "名冊": [
            ["113學年度 學生名冊"],
            ["學號", "班級名稱", "座號", "分數", "出生日期", "登錄時間", "勾選"],
            ["0001", "0301", 7, 59.5, dt.date(2008, 3, 1), dt.datetime(2024, 10, 24, 14, 3, 5), True],
            ["0002", "301", 12, 100, None, None, False],
        ],
    })
    sheets = read_workbook(path)
    assert [s.name for s in sheets] == ["封面", "名冊"]
    assert sheets[0].rows == [["學校代碼", "140302"], ["學年度", "113"], ["名冊別", "學生名冊"]]
    data = sheets[1].rows
    assert data[0] == ["113學年度 學生名冊", None, None, None, None, None, None]
    assert data[2] == ["0001", "0301", "7", "59.5", "2008-03-01", "2024-10-24 14:03:05", "TRUE"]
    assert data[3] == ["0002", "301", "12", "100", None, None, "FALSE"]
    frame = sheets[1].body(1, 7)
    assert frame.select("c0", "c1", "c2", ROW, EXTRA).rows() == [
        ("0001", "0301", "7", 3, None), ("0002", "301", "12", 4, None)]


def test_xlsx_body_row_numbers_and_extra(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "t.xlsx", {"data": [
        ["title"],
        ["a", "b"],
        ["1", "2"],
        [],                        # row 4: blank, dropped
        ["3", "4", None, "x"],     # row 5: a cell beyond the header, not in the first overflow column
        [None, None, "only"],      # row 6: nothing but an extra cell
    ]})
    [sheet] = read_workbook(path)
    assert sheet.body(1, 2).rows() == [("1", "2", None, 3), ("3", "4", "x", 5), (None, None, "only", 6)]
    assert sheet.body(1, 2).columns == ["c0", "c1", EXTRA, ROW]


def test_read_xls(tmp_path: Path) -> None:
    path = write_xls(tmp_path / "舊格式.xls", {
        "Sheet1": [
            ["學號", "班級名稱", "座號", "出生日期", "分數"],
            ["0001", "0301", 7, dt.date(2008, 3, 1), 59.5],
            ["0002", "0302", 12, "97/03/01", 100],
        ],
    })
    [sheet] = read_workbook(path)
    assert sheet.name == "Sheet1"
    assert sheet.rows == [
        ["學號", "班級名稱", "座號", "出生日期", "分數"],
        ["0001", "0301", "7", "2008-03-01", "59.5"],
        ["0002", "0302", "12", "97/03/01", "100"],
    ]


@pytest.mark.parametrize("name, content", [
    ("fake.xlsx", b"a,b\r\n1,2\r\n"),
    ("fake.xls", b"a,b\r\n1,2\r\n"),
    ("truncated.xlsx", b"PK\x03\x04 not really a zip"),
])
def test_not_a_spreadsheet(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(NotASpreadsheetError) as info:
        read_workbook(path)
    assert info.value.file == str(path)
    assert info.value.message.startswith("not a readable Excel workbook")
    assert info.value.expected == ".xlsx or .xls (Excel 97-2003)"
