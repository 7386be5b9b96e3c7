"""Helpers for the reader tests: write a CSV, an .xlsx or an .xls from headers + rows; a fixed key."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pytest

from lpdata.contract import KINDS_BY_NAME
from lpdata.readers.detect import HeaderResolver
from lpdata.readers.ids import IdHasher, check_digit_for

KEY = bytes.fromhex("42" * 32)

Cell = object  # str, int, float, date, datetime, bool or None


def make_id(prefix9: str) -> str:
    """A valid ID from its first nine characters."""
    return prefix9 + check_digit_for(prefix9)


def header(kind: str, *names: str) -> list[str]:
    """The printed (Chinese) headers of contract columns, by canonical name."""
    k = KINDS_BY_NAME[kind]
    return [k.column(n).header for n in names]


def csv_bytes(rows: Sequence[Sequence[Cell]], encoding: str = "utf-8") -> bytes:
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows(
        [["" if v is None else v for v in row] for row in rows])
    return buf.getvalue().encode(encoding)


def write_csv(path: Path, rows: Sequence[Sequence[Cell]], encoding: str = "utf-8") -> Path:
    path.write_bytes(csv_bytes(rows, encoding))
    return path


def write_xlsx(path: Path, sheets: Mapping[str, Sequence[Sequence[Cell]]]) -> Path:
    """Strings stay strings (codes keep their zeros); numbers, booleans and dates are typed cells."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    date_fmt = book.add_format({"num_format": "yyyy-mm-dd"})
    stamp_fmt = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, bool):
                    sheet.write_boolean(r, c, value)
                elif isinstance(value, (int, float)):
                    sheet.write_number(r, c, value)
                elif isinstance(value, dt.datetime):
                    sheet.write_datetime(r, c, value, stamp_fmt)
                elif isinstance(value, dt.date):
                    sheet.write_datetime(r, c, value, date_fmt)
                else:
                    sheet.write_string(r, c, str(value))
    book.close()
    return path


def write_xls(path: Path, sheets: Mapping[str, Sequence[Sequence[Cell]]]) -> Path:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    for name, rows in sheets.items():
        sheet = book.add_sheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, (dt.date, dt.datetime)):
                    sheet.write(r, c, value, date_style)
                else:
                    sheet.write(r, c, value)
    book.save(str(path))
    return path


@pytest.fixture
def hasher() -> IdHasher:
    return IdHasher(KEY)


@pytest.fixture
def resolver() -> HeaderResolver:
    return HeaderResolver()


@pytest.fixture
def csv_file(tmp_path: Path) -> Callable[..., Path]:
    def make(rows: Sequence[Sequence[Cell]], name: str = "export.csv", encoding: str = "utf-8") -> Path:
        return write_csv(tmp_path / name, rows, encoding)
    return make


@pytest.fixture
def xlsx_file(tmp_path: Path) -> Callable[..., Path]:
    def make(sheets: Mapping[str, Sequence[Sequence[Cell]]], name: str = "export.xlsx") -> Path:
        return write_xlsx(tmp_path / name, sheets)
    return make


@pytest.fixture
def xls_file(tmp_path: Path) -> Callable[..., Path]:
    def make(sheets: Mapping[str, Sequence[Sequence[Cell]]], name: str = "export.xls") -> Path:
        return write_xls(tmp_path / name, sheets)
    return make
