"""Writers: CSV (UTF-8, UTF-8 with BOM, CP950/Big5), Excel workbooks with a cover sheet and a title
row, and the schedule YAML. Every cell is text; output is byte-identical for the same input.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Iterable, Sequence

import polars as pl

#: Fixed workbook metadata: xlsxwriter would otherwise stamp the wall-clock time into the file.
WORKBOOK_CREATED = dt.datetime(2026, 1, 1, 0, 0, 0)


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
            else:
                fh.write(chunk.write_csv(None, include_header=False, line_terminator=eol).encode(codec))
    return rows


def write_xlsx(path: Path, header: Sequence[str], sheets: Sequence[tuple[str, str | None, pl.DataFrame]],
               cover: Sequence[tuple[str, str]] | None) -> int:
    """A workbook: an optional cover sheet (封面: label/value rows, no data header), then one sheet per
    (name, title, frame) with the title merged across the first row and the header below it."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                           "strings_to_formulas": False, "strings_to_urls": False})
    book.set_properties({"created": WORKBOOK_CREATED, "author": "lp-workbench demo"})
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
        for c, h in enumerate(header):
            sheet.write_string(r, c, h, bold)
        for values in frame.iter_rows():
            r += 1
            for c, v in enumerate(values):
                if v is not None and v != "":
                    sheet.write_string(r, c, str(v))
        rows += frame.height
    book.close()
    return rows


def write_schedule(path: Path, terms: Sequence[tuple[str, dict[str, dt.date]]], comment: str) -> None:
    """期程 YAML: `學年度-學期:` then `milestone: YYYY-MM-DD` lines, in a fixed order."""
    buf = io.StringIO()
    buf.write(f"# {comment}\n")
    for key, milestones in terms:
        buf.write(f"{key}:\n")
        for name, d in milestones.items():
            buf.write(f"  {name}: {d.isoformat()}\n")
    path.write_bytes(buf.getvalue().encode("utf-8"))
