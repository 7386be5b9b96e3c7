"""Writers: CSV (UTF-8, UTF-8 with BOM, CP950/Big5 with 造字), Excel workbooks with a cover sheet and
a title row, the national upload workbooks (a horizontal 封面), zips and the schedule YAML. Every cell
is text; output is byte-identical for the same input.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import polars as pl

#: Fixed workbook metadata: xlsxwriter would otherwise stamp the wall-clock time into the file.
WORKBOOK_CREATED = dt.datetime(2026, 1, 1, 0, 0, 0)

#: Windows' CP950 end-user-defined area (造字): (first lead byte, last lead byte, first code point).
#: Each lead byte has 157 trail bytes (0x40-0x7E, 0xA1-0xFE), numbered on from the first code point.
EUDC_RANGES = ((0xFA, 0xFE, 0xE000), (0x8E, 0xA0, 0xE311), (0x81, 0x8D, 0xEEB8))
EUDC_ERRORS = "lpdata-demo-eudc"


def eudc_bytes(char: str) -> bytes:
    """The CP950 bytes Windows writes for a Private Use Area character (its 造字 slot)."""
    cp = ord(char)
    for lead_first, lead_last, first in EUDC_RANGES:
        i = cp - first
        if 0 <= i < (lead_last - lead_first + 1) * 157:
            lead, t = lead_first + i // 157, i % 157
            return bytes((lead, 0x40 + t if t < 63 else 0xA1 + t - 63))
    raise ValueError(f"U+{cp:04X} is not in CP950's end-user-defined area")


def _eudc_errors(err: UnicodeError) -> tuple[bytes, int]:
    # Python's cp950 codec has no 造字 area: write the bytes Windows would, raise for anything else.
    if not isinstance(err, UnicodeEncodeError):
        raise err
    try:
        return b"".join(eudc_bytes(c) for c in err.object[err.start:err.end]), err.end
    except ValueError:
        raise err from None


codecs.register_error(EUDC_ERRORS, _eudc_errors)


def _csv_line(cells: Sequence[str]) -> str:
    out = []
    for c in cells:
        if any(ch in c for ch in ',"\r\n'):
            c = '"' + c.replace('"', '""') + '"'
        out.append(c)
    return ",".join(out)


def write_csv(path: Path, header: Sequence[str], chunks: Iterable[pl.DataFrame], *, encoding: str,
              title: str | None = None, crlf: bool = False) -> int:
    """Write the header (below an optional title row) and then each chunk of text columns; returns
    the number of data rows. CP950 text is encoded chunk by chunk, so memory stays bounded."""
    eol = "\r\n" if crlf else "\n"
    codec = "cp950" if encoding == "cp950" else "utf-8"
    rows = 0
    with open(path, "wb") as fh:
        if encoding == "utf-8-sig":
            fh.write(b"\xef\xbb\xbf")
        head = ([title] if title else []) + [_csv_line(header)]
        fh.write((eol.join(head) + eol).encode(codec))
        for chunk in chunks:
            rows += chunk.height
            if codec == "utf-8":
                chunk.write_csv(fh, include_header=False, line_terminator=eol)
            else:  # a Private Use Area character becomes its 造字 bytes, as Windows writes them
                fh.write(chunk.write_csv(None, include_header=False, line_terminator=eol).encode(codec, EUDC_ERRORS))
    return rows


def write_xlsx(path: Path, header: Sequence[str], sheets: Sequence[tuple[str, str | None, pl.DataFrame]],
               cover: Sequence[tuple[str, str]] | None) -> int:
    """A workbook: an optional cover sheet (封面: label/value rows, no data header), then one sheet per
    (name, title, frame) with the title merged across the first row and the header below it."""
    book = _workbook(path)
    bold = book.add_format({"bold": True})
    title_fmt = book.add_format({"bold": True, "align": "center", "font_size": 14})
    if cover is not None:
        sheet = book.add_worksheet("封面")
        for r, (label, value) in enumerate(cover):
            sheet.write_string(r, 0, label, bold)
            sheet.write_string(r, 1, value)
    rows = 0
    for name, title, frame in sheets:
        sheet = book.add_worksheet(name)
        r = 0
        if title:
            sheet.merge_range(0, 0, 0, max(len(header) - 1, 1), title, title_fmt)
            r = 1
        rows += _write_table(sheet, r, header, frame, bold)
    book.close()
    return rows


def write_national_workbook(path: Path, cover: Sequence[tuple[str, str | int]],
                            sheets: Sequence[tuple[str, Sequence[str], pl.DataFrame]]) -> int:
    """A national upload workbook (名冊) as the templates are filled: a horizontal 封面 (one header row,
    one value row; an int is written as a number, as the templates pre-print 名冊別), then each
    (sheet name, header, text frame) with its header in row 1 and the data from row 2. Returns the
    data rows written."""
    book = _workbook(path)
    sheet = book.add_worksheet("封面")
    for c, (label, _) in enumerate(cover):  # row by row: constant_memory writes each row once
        sheet.write_string(0, c, label)
    for c, (_, value) in enumerate(cover):
        if isinstance(value, int):
            sheet.write_number(1, c, value)
        else:
            sheet.write_string(1, c, value)
    rows = 0
    for name, header, frame in sheets:
        rows += _write_table(book.add_worksheet(name), 0, header, frame)
    book.close()
    return rows


def _workbook(path: Path) -> Any:
    """An xlsxwriter workbook as every demo workbook is written: rows streamed (constant memory),
    text kept as text (no number, formula or URL guessing), a fixed creation time (same bytes)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                           "strings_to_formulas": False, "strings_to_urls": False})
    book.set_properties({"created": WORKBOOK_CREATED, "author": "lp-workbench demo"})
    return book


def _write_table(sheet: Any, row: int, header: Sequence[str], frame: pl.DataFrame, header_format: Any = None) -> int:
    """The header at `row`, then the frame's rows below it as text (empty cells left blank); returns
    the data rows written."""
    for c, h in enumerate(header):
        sheet.write_string(row, c, h, header_format)
    for r, values in enumerate(frame.iter_rows(), start=row + 1):
        for c, v in enumerate(values):
            if v is not None and v != "":
                sheet.write_string(r, c, str(v))
    return frame.height


def write_zip(path: Path, members: Sequence[tuple[str, bytes]], when: dt.datetime) -> None:
    """A zip of (member name, bytes), every member dated `when` (a zip stores local time without a
    zone) and its name in UTF-8 (zipfile sets the UTF-8 flag for non-ASCII names), so the same
    members always give the same bytes."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0  # as Windows' "send to compressed folder" writes it, whatever builds it
            info.external_attr = 0x20  # FILE_ATTRIBUTE_ARCHIVE
            zf.writestr(info, data, compresslevel=6)


def write_schedule(path: Path, terms: Sequence[tuple[str, dict[str, dt.date]]], comment: str) -> None:
    """期程 YAML: `學年度-學期:` then `milestone: YYYY-MM-DD` lines, in a fixed order."""
    buf = io.StringIO()
    buf.write(f"# {comment}\n")
    for key, milestones in terms:
        buf.write(f"{key}:\n")
        for name, d in milestones.items():
            buf.write(f"  {name}: {d.isoformat()}\n")
    path.write_bytes(buf.getvalue().encode("utf-8"))
