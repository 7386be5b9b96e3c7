"""Checks that keep a broken or hostile workbook from exhausting memory or reading as other text,
made before the spreadsheet library opens it.

An .xlsx is a zip of XML parts. Two shapes would take the whole machine down if handed to the
spreadsheet library as they are:

- a *zip bomb*: a part that expands to gigabytes from a few kilobytes (or simply a part far too big);
- a *sparse bomb*: a sheet with one cell at A1 and one at XFD1048576 is 1.6 kB on disk, yet the
  library lays every sheet out as a dense grid: 17 billion cells, 550 GB, and the process aborts.

So the zip's table of contents is checked first (sizes and compression ratios, no decompression),
then every part is streamed once and its checksum checked (the library does not: a flipped byte in
the shared strings would read as other text), and in each XML part the furthest cell reference is
found (numpy over 8 MB chunks: some 0.5 s for a sheet of 50,000 rows × 17 columns, which the library
then takes 2 s to read). A workbook over a limit, or a sheet of more than a million cells nearly all
empty (a value typed at A1048576), is refused whole with `FileTooLargeError`, naming the part or the
sheet's extent; a damaged one with `NotASpreadsheetError`. `.xls` files are not zips; their grid is
bounded by the format (65,536 × 256) and checked after opening (`MAX_SHEET_CELLS`, before any cell is
converted).
"""

from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path

import numpy as np

from ..errors import FileTooLargeError, NotASpreadsheetError

#: Cells one sheet may span (rows × columns of its used range, empty ones included): 500,000 rows
#: of 20 columns. A school's largest export is far below it; the national database's are CSV.
MAX_SHEET_CELLS = 10_000_000
#: A sheet spanning more than this many cells must hold something in at least 1 in SPARSE_FILL of
#: them: a value typed at A1048576 below 30 rows of data makes a million-row grid to build and
#: walk for nothing (seconds, and a gigabyte), and is almost surely a slip.
SPARSE_MIN_CELLS = 1_000_000
SPARSE_FILL = 50
#: Bytes one part of the zip may expand to, and the whole workbook.
MAX_PART_BYTES = 512 << 20
MAX_BOOK_BYTES = 1 << 30
#: A part expanding more than this many times, and beyond BOMB_MIN_BYTES, is a zip bomb. Real
#: sheets compress 5 to 30 times; deflate cannot exceed about 1,030.
BOMB_RATIO = 200
BOMB_MIN_BYTES = 64 << 20
_CHUNK = 8 << 20
_CARRY = 256  # bytes kept between chunks, so a reference cut by a chunk's end is still seen
_EXPECTED = f"a workbook of at most {MAX_SHEET_CELLS:,} cells a sheet"
_WS = np.array([0x20, 0x09, 0x0A, 0x0D], dtype=np.uint8)
_ODD_REF = re.compile(rb'\sr\s*=\s*["\']([A-Z]*)([0-9]*)')


def column_letters(n: int) -> str:
    """1 -> A, 26 -> Z, 27 -> AA, 16384 -> XFD."""
    out = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out or "A"


def check_workbook(path: Path) -> None:
    """Raise `FileTooLargeError` for a zip bomb or a sheet spanning more than `MAX_SHEET_CELLS`, and
    `NotASpreadsheetError` for a part whose checksum fails (the spreadsheet library does not check:
    a damaged shared-strings part would read as other text). Files that are not zips (.xls, junk)
    pass: the spreadsheet library says what they are."""
    try:
        book = zipfile.ZipFile(path)
    except Exception:
        return
    with book:
        infos = book.infolist()
        total = 0
        for info in infos:
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > MAX_PART_BYTES or (info.file_size > BOMB_MIN_BYTES and ratio > BOMB_RATIO):
                raise FileTooLargeError(
                    f"its part {info.filename} would expand to {info.file_size:,} bytes "
                    f"({ratio:,.0f} times its stored size): a zip bomb or far too big a workbook",
                    file=path, expected=_EXPECTED)
            if total > MAX_BOOK_BYTES:
                raise FileTooLargeError(f"it would expand to more than {MAX_BOOK_BYTES:,} bytes",
                                        file=path, expected=_EXPECTED)
        for info in infos:
            name = info.filename.lower()
            try:
                if not name.endswith(".xml") or name.endswith("sharedstrings.xml"):
                    _drain(book, info)  # read through once: its checksum is checked at the end
                    continue
                rows, cols, cells = _extent(book, info)
            except (zipfile.BadZipFile, EOFError, zlib.error) as exc:  # its sizes or checksum lie
                raise NotASpreadsheetError(f"a damaged workbook: its part {info.filename} is corrupt ({exc})",
                                           file=path, expected=".xlsx or .xls (Excel 97-2003)") from exc
            except (OSError, ValueError, RuntimeError, NotImplementedError):
                return  # an encrypted part, or a compression zipfile lacks: the spreadsheet library says
            area = rows * cols
            if area > MAX_SHEET_CELLS or (area > SPARSE_MIN_CELLS and cells * SPARSE_FILL < area):
                held = f" but only {cells:,} cells hold anything" if area <= MAX_SHEET_CELLS else ""
                raise FileTooLargeError(
                    f"a sheet ({info.filename}) spans {rows:,} rows × {cols:,} columns, up to cell "
                    f"{column_letters(cols)}{rows}{held}: delete the stray cells far below or to the right "
                    "of the data, or save it as CSV", file=path, expected=_EXPECTED)


def _drain(book: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    read = 0
    with book.open(info) as fh:
        while chunk := fh.read(_CHUNK):
            read += len(chunk)
            if read > MAX_PART_BYTES:
                raise FileTooLargeError(f"its part {info.filename} expands past {MAX_PART_BYTES:,} bytes",
                                        file=book.filename, expected=_EXPECTED)


def _extent(book: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[int, int, int]:
    """(rows, columns) the dense grid of this XML part would need: the furthest cell reference
    holding something (a self-closing `<c r="Z9" s="1"/>` holds nothing and takes no room), plus
    cells without a reference, numbered after their row's and the previous cell's; and how many
    cells the part has."""
    rows = cols = row_elements = max_row_element = 0
    cells = refs = 0
    carry = b""
    read = 0
    with book.open(info) as fh:
        while True:
            chunk = fh.read(_CHUNK)
            read += len(chunk)
            if read > MAX_PART_BYTES:
                raise FileTooLargeError(f"its part {info.filename} expands past {MAX_PART_BYTES:,} bytes",
                                        file=book.filename, expected=_EXPECTED)
            data = carry + chunk
            if not data:
                break
            # The carried tail is scanned again with the next chunk; a max is not hurt by that, the
            # counts are kept apart (cells counted in the body only).
            body_end = len(data) - _CARRY if chunk else len(data)
            r, c, re_, me, nc, nr = _scan(data, max(body_end, 0))
            rows, cols = max(rows, r), max(cols, c)
            row_elements += re_
            max_row_element = max(max_row_element, me)
            cells, refs = cells + nc, refs + nr
            if not chunk:
                break
            carry = data[max(body_end, 0):]
    if cells > refs:  # cells without a reference: numbered on from their row and previous cell
        rows = max(rows, max_row_element, row_elements)
        cols += cells - refs
    return rows, cols, cells


def _scan(data: bytes, body_end: int) -> tuple[int, int, int, int, int, int]:
    """Over `data` (counting only what starts before `body_end`): max row and column of cells that
    hold something, the number of `<row` elements and their max `r`, `<c` elements and cell refs."""
    a = np.frombuffer(data + b"\0" * 16, dtype=np.uint8)
    n = len(data)
    lt = np.flatnonzero(a[:body_end] == 0x3C)  # '<'
    after, after2 = a[lt + 1], a[lt + 2]
    c_tags = int(((after == 0x63) & (np.isin(after2, _WS) | (after2 == 0x3E) | (after2 == 0x2F))).sum())  # <c
    row_tags = int(((after == 0x72) & (after2 == 0x6F) & (a[lt + 3] == 0x77)).sum())  # <row
    eq = np.flatnonzero(a[:n] == 0x3D)  # '='
    eq = eq[eq >= 2]
    if len(eq) and (np.isin(a[eq - 1], _WS).any() or np.isin(a[eq + 1], _WS).any()):
        return _scan_odd(data, body_end, c_tags, row_tags)
    quote = (a[eq + 1] == 0x22) | (a[eq + 1] == 0x27)
    hit = eq[(a[eq - 1] == 0x72) & np.isin(a[eq - 2], _WS) & quote] + 2
    hit = hit[hit < body_end]  # the tail is carried into the next chunk and seen whole there
    letters = np.zeros(len(hit), dtype=np.int32)
    col = np.zeros(len(hit), dtype=np.int32)
    for k in range(4):  # three letters reach XFD; a fourth is past any sheet, and counted as such
        ch = a[hit + k].astype(np.int32)
        more = (ch >= 65) & (ch <= 90) & (letters == k)
        col = np.where(more, col * 26 + (ch - 64), col)
        letters += more
    digits = np.zeros(len(hit), dtype=np.int32)
    row = np.zeros(len(hit), dtype=np.int32)
    for k in range(9):  # nine digits fit an int32; more than seven are past any sheet already
        ch = a[hit + letters + k].astype(np.int32)
        more = (ch >= 48) & (ch <= 57) & (digits == k)
        row = np.where(more, row * 10 + (ch - 48), row)
        digits += more
    is_cell = letters > 0
    row_r = row[~is_cell]
    extent = _max_cell(row, col, is_cell)
    if extent[0] * extent[1] > SPARSE_MIN_CELLS:
        # Too big, unless the far cells hold nothing: a cell that closes itself (`<c r="Z9" s="1"/>`)
        # takes no room in the grid.
        gt = np.flatnonzero(a[:n] == 0x3E)
        nxt = np.searchsorted(gt, hit)
        found = nxt < len(gt)
        closes = np.zeros(len(hit), dtype=bool)
        closes[found] = a[gt[nxt[found]] - 1] == 0x2F
        extent = _max_cell(row, col, is_cell & ~closes)
    return (*extent, row_tags, int(row_r.max()) if len(row_r) else 0, c_tags, int(is_cell.sum()))


def _max_cell(row: np.ndarray, col: np.ndarray, cells: np.ndarray) -> tuple[int, int]:
    if not cells.any():
        return 0, 0
    return int(row[cells].max()), int(col[cells].max())


def _scan_odd(data: bytes, body_end: int, c_tags: int, row_tags: int) -> tuple[int, int, int, int, int, int]:
    """`_scan` for XML with white space around `=` (no spreadsheet program writes it): a regex."""
    max_row = max_col = max_row_element = refs = 0
    for m in _ODD_REF.finditer(data):
        letters, digits = m.group(1), m.group(2)
        row = int(digits[:9]) if digits else 0
        if letters:
            col = 0
            for ch in letters[:4]:
                col = col * 26 + ch - 64
            max_row, max_col = max(max_row, row), max(max_col, col)
            refs += m.start() < body_end
        elif m.start() < body_end:
            max_row_element = max(max_row_element, row)
    return max_row, max_col, row_tags, max_row_element, c_tags, refs
