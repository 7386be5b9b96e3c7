"""Text exports besides CSV (v2): Excel's 「Unicode 文字」 (UTF-16, tab-separated), tab-separated
text in every encoding, other .txt files ignored; 造字 and `?` notices; an undecodable byte named
by its row and column."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import polars as pl
import pytest
from conftest import csv_bytes, make_id
from test_read_file import expected_students, read_one, student_rows

from lpdata.errors import NotAnExportError, UndecodableFileError, UnknownKindError
from lpdata.readers import HeaderResolver, IdHasher, Spill, read_file
from lpdata.readers.notices import NOTICE_SCHEMA


def tsv_text(rows: list[list[object]]) -> str:
    """What Excel's 「Unicode 文字」 and 「文字檔 (Tab 字元分隔)」 hold: cells joined by tabs, CRLF."""
    import csv

    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter="\t", lineterminator="\r\n").writerows(rows)
    return buf.getvalue()


@pytest.mark.parametrize("name, encoding, detected", [
    ("學生名冊.txt", "utf-16", "utf-16"),          # Excel's Unicode text: UTF-16 LE with a BOM
    ("學生名冊.txt", "utf-8", "utf-8"),
    ("學生名冊.txt", "utf-8-sig", "utf-8-sig"),
    ("學生名冊.txt", "cp950", "cp950"),            # 「文字檔 (Tab 字元分隔)」 on a Taiwanese Windows
    ("學生名冊.csv", "cp950", "cp950"),            # tab-separated, though named .csv
    ("學生名冊.tsv", "utf-8", "utf-8"),
])
def test_tab_separated_text_reads_like_csv(tmp_path: Path, hasher: IdHasher, name: str, encoding: str,
                                           detected: str) -> None:
    path = tmp_path / name
    path.write_bytes(tsv_text(student_rows()).encode(encoding))
    export = read_one(path, hasher)
    assert export.kind.name == "students" and export.encoding == detected
    assert export.rows.to_dicts() == expected_students(hasher)
    assert export.rejects.height == 0


def test_a_utf16_csv_is_read(tmp_path: Path, hasher: IdHasher) -> None:
    path = tmp_path / "s.csv"
    path.write_bytes(csv_bytes(student_rows()).decode().encode("utf-16"))
    export = read_one(path, hasher)
    assert export.encoding == "utf-16"
    assert export.rows.to_dicts() == expected_students(hasher)


def test_a_comma_in_a_cell_of_a_tab_separated_file(tmp_path: Path, hasher: IdHasher) -> None:
    rows = student_rows()
    rows[2][4] = "王小明, Jr."
    path = tmp_path / "s.txt"
    path.write_bytes(tsv_text(rows).encode("utf-16"))
    export = read_one(path, hasher)
    assert export.rows["name"].to_list()[0] == "王小明, Jr."


def test_a_tab_in_a_cell_of_a_comma_separated_file(tmp_path: Path, hasher: IdHasher) -> None:
    rows = student_rows()
    rows[2][4] = "王\t小明"
    path = tmp_path / "s.csv"
    path.write_bytes(csv_bytes(rows))
    export = read_one(path, hasher)
    assert export.rows["name"].to_list()[0] == "王\t小明"


@pytest.mark.parametrize("data", [
    "這是一份說明文件。\r\n請於期限內上傳。\r\n".encode(),
    "note\tvalue\r\na\tb\r\n".encode("utf-16"),
    b"",
    bytes(range(256)),
])
def test_other_text_files_are_not_exports(tmp_path: Path, hasher: IdHasher, data: bytes) -> None:
    path = tmp_path / "readme.txt"
    path.write_bytes(data)
    with pytest.raises(NotAnExportError) as info:
        read_file(path, resolver=HeaderResolver(), hasher=hasher)
    assert info.value.file == str(path)


def test_a_csv_with_no_header_is_still_an_error(tmp_path: Path, hasher: IdHasher) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes("a\tb\r\n1\t2\r\n".encode("utf-16"))
    with pytest.raises(UnknownKindError):
        read_file(path, resolver=HeaderResolver(), hasher=hasher)


def test_the_modification_time_is_kept(tmp_path: Path, hasher: IdHasher) -> None:
    import os

    path = tmp_path / "s.csv"
    path.write_bytes(csv_bytes(student_rows()))
    when = dt.datetime(2025, 3, 4, 5, 6, 7)
    os.utime(path, (when.timestamp(), when.timestamp()))
    assert read_one(path, hasher).modified_at == when


# --- 造字 and `?` -----------------------------------------------------------------------------------
EUDC_NAME = "王\ue000明"  # Big5 bytes A4FD FA40 A9FA


def big5_with_eudc() -> bytes:
    rows = student_rows()
    rows[2][4] = "@@@"
    return csv_bytes(rows, "cp950").replace(b"@@@", b"\xa4\xfd\xfa\x40\xa9\xfa")


def test_a_big5_eudc_name_is_loaded_with_a_notice(tmp_path: Path, hasher: IdHasher) -> None:
    path = tmp_path / "s.csv"
    path.write_bytes(big5_with_eudc())
    export = read_one(path, hasher)
    assert export.rows.height == 3 and export.rejects.height == 0
    assert export.rows["name"].to_list()[0] == EUDC_NAME
    notices = export.notices.to_dicts()
    assert [(n["_row"], n["column"], n["reason"], n["value"]) for n in notices] == [
        (3, "姓名", "eudc_character", EUDC_NAME)]
    assert "correct it at the source" in notices[0]["detail"]
    assert export.notices.schema == pl.Schema(NOTICE_SCHEMA)


def test_the_same_eudc_is_the_same_character_in_a_big_file(tmp_path: Path, hasher: IdHasher) -> None:
    from lpdata.readers import big

    path = tmp_path / "s.csv"
    path.write_bytes(big5_with_eudc())
    with Spill(tmp_path / "spill") as spill:
        got = big.read_big_csv(path, resolver=HeaderResolver(), hasher=hasher, spill=spill,
                               unnamed=lambda m, b: (), rows=1)
        assert got.rows.collect()["name"].to_list()[0] == EUDC_NAME
    assert got.notices.drop("detail").to_dicts() == read_one(path, hasher).notices.drop("detail").to_dicts()


@pytest.mark.parametrize("name, reason", [
    ("王?明", "replaced_character"), ("?明", "replaced_character"), ("王？", "replaced_character"),
    ("???", "replaced_character"), ("王\U000F0001明", "eudc_character"),
    ("Mary?", None), ("王小明", None),
])
def test_notices_in_utf8_and_excel_cells(tmp_path: Path, hasher: IdHasher, xlsx_file, name: str,
                                         reason: str | None) -> None:
    rows = student_rows()
    rows[2][4] = name
    for path in (tmp_path / "s.csv", xlsx_file({"學生": rows[1:]})):
        if path.suffix == ".csv":
            path.write_bytes(csv_bytes(rows))
        export = read_one(path, hasher)
        assert export.rows.height == 3
        assert export.notices["reason"].to_list() == ([reason] if reason else [])


def test_a_question_mark_outside_a_name_is_no_notice(tmp_path: Path, hasher: IdHasher) -> None:
    from test_read_file import CLO_HEADER, COURSE

    path = tmp_path / "clo.csv"
    path.write_bytes(csv_bytes([CLO_HEADER, ["C1", "113", "1", make_id("A12345678"), COURSE, "為什麼?好問題",
                                             "113/10/24", "待認證", "", ""]]))
    assert read_one(path, hasher).notices.height == 0


def test_a_quarantined_row_has_no_notice(tmp_path: Path, hasher: IdHasher) -> None:
    rows = student_rows()
    rows[2][4] = "王?明"
    rows[2][2] = "A123456788"  # a bad ID: the row is quarantined, not loaded
    path = tmp_path / "s.csv"
    path.write_bytes(csv_bytes(rows))
    export = read_one(path, hasher)
    assert export.rejects.height == 1 and export.notices.height == 0


def test_notice_values_mask_ids(tmp_path: Path, hasher: IdHasher) -> None:
    rows = student_rows()
    rows[2][4] = "王?明A123456789"
    path = tmp_path / "s.csv"
    path.write_bytes(csv_bytes(rows))
    assert read_one(path, hasher).notices["value"].to_list() == ["王?明A1******89"]


# --- undecodable bytes: file, row and column --------------------------------------------------------
@pytest.mark.parametrize("encoding, big_file", [("cp950", False), ("utf-8", False), ("cp950", True),
                                                ("utf-8", True)])
def test_an_undecodable_byte_names_row_and_column(tmp_path: Path, hasher: IdHasher, encoding: str,
                                                  big_file: bool) -> None:
    rows = student_rows()
    rows[3][4] = "陳@@"  # row 4 of the sheet, column 姓名
    path = tmp_path / "s.csv"
    path.write_bytes(csv_bytes(rows, encoding).replace(b"@@", b"\xc8\x20" if encoding == "cp950" else b"\xff"))
    with pytest.raises(UndecodableFileError) as info:
        if big_file:
            from lpdata.readers import big

            with Spill(tmp_path / "spill") as spill:
                big.read_big_csv(path, resolver=HeaderResolver(), hasher=hasher, spill=spill,
                                 unnamed=lambda m, b: (), rows=1)
        else:
            read_file(path, resolver=HeaderResolver(), hasher=hasher)
    err = info.value
    assert (err.file, err.row, err.column) == (str(path), 4, "姓名")
    assert f"{path}, row 4, column '姓名':" in str(err)


def test_an_undecodable_byte_in_a_quoted_multiline_cell(tmp_path: Path, hasher: IdHasher) -> None:
    rows = student_rows()
    rows[2][11] = "line one\r\nline two"  # a cell over two lines: row 3 stays row 3
    rows[3][4] = "@@"
    path = tmp_path / "s.csv"
    path.write_bytes(csv_bytes(rows, "cp950").replace(b"@@", b"\x80"))
    with pytest.raises(UndecodableFileError) as info:
        read_file(path, resolver=HeaderResolver(), hasher=hasher)
    assert (info.value.row, info.value.column) == (4, "姓名")


def test_an_undecodable_byte_above_the_header_names_the_column_letter(tmp_path: Path, hasher: IdHasher) -> None:
    rows = student_rows()
    rows[0] = ["x", "標題@@"]
    path = tmp_path / "s.csv"
    path.write_bytes(csv_bytes(rows, "cp950").replace(b"@@", b"\x80"))
    with pytest.raises(UndecodableFileError) as info:
        read_file(path, resolver=HeaderResolver(), hasher=hasher)
    assert (info.value.row, info.value.column) == (1, "B")
