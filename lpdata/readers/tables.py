"""File formats read as text grids: CSV and tab-separated text (UTF-8, UTF-8 with BOM, UTF-16,
CP950/Big5), Excel (.xlsx, .xls) and YAML.

Nothing here knows about export kinds: a format gives a *preview* (the first rows, to find the
header) and then the *body* below a chosen header row, as a frame of text columns `c0..cN` with
`_row`, the row number as a spreadsheet shows it, and `_extra`, any cell past the header's width.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypedDict, TypeVar, cast

import polars as pl

from ..errors import EmptyFileError, FileTooLargeError, InputFileError, NotASpreadsheetError, UndecodableFileError
from .eudc import decode_cp950

PREVIEW_ROWS = 30
TABLE_SUFFIXES = frozenset({".csv", ".xlsx", ".xls", ".xlsm"})
#: Text files read like CSV when a header is recognised in them, else listed as ignored.
TEXT_SUFFIXES = frozenset({".txt", ".tsv"})
YAML_SUFFIXES = frozenset({".yaml", ".yml"})
EXTRA = "_extra"
ROW = "_row"
#: Cells read past the header's width to spot a row with too many cells (commas shifted columns).
OVERFLOW_CELLS = 16


@dataclass(frozen=True)
class Decoded:
    """A CSV file's text as UTF-8 bytes, and the encoding it was written in."""

    data: bytes
    encoding: str  # utf-8 | utf-8-sig | cp950 | utf-16


_EXPECTED_TEXT = "UTF-8, UTF-8 with BOM, UTF-16 (Unicode text) or Big5/CP950 text"


def undecodable(message: str, file: Path, offset: int, encoding: str) -> UndecodableFileError:
    """The error for a byte that does not decode; `offset` and `encoding` (the one the file most
    likely is in) are kept on it, so the caller can name the row and column (`locate`)."""
    error = UndecodableFileError(message, file=file, expected=_EXPECTED_TEXT)
    error.offset = offset
    error.text_encoding = encoding
    return error


_UTF8_HEAD = 1 << 16


def check_utf8(data: bytes) -> None:
    """Raise the UnicodeDecodeError `data.decode("utf-8")` raises, if any. Polars checks the bytes
    first (the same strict UTF-8: no surrogates, no overlong forms) without building a str, some
    4 times faster; only bytes it refuses are decoded by Python, for the error and its position.
    Python reads the first 64 KB first: a Big5 file fails there at once, where Polars would check
    all of it before saying no. (A Polars string holds at most 4 GB: larger bytes, never a CSV read
    whole, go to Python.)"""
    if len(data) <= _UTF8_HEAD:  # all of it is the head: one decode says everything
        data.decode("utf-8")
        return
    try:  # not final: a character cut by the end of the head is no error
        codecs.getincrementaldecoder("utf-8")().decode(data[:_UTF8_HEAD])
    except UnicodeDecodeError:
        data.decode("utf-8")  # the same bad byte: the error as Python words it for the whole
    if len(data) < 1 << 31:
        try:
            pl.Series([data], dtype=pl.Binary).cast(pl.String)
            return
        except pl.exceptions.ComputeError:
            pass
    data.decode("utf-8")


def decode_csv_bytes(raw: bytes, file: Path) -> Decoded:
    """Detect UTF-8 (with or without BOM), UTF-16 with a BOM (Excel's 「Unicode 文字」) or
    CP950/Big5 (its 造字 decoded as Windows does, eudc.py); never ask the user."""
    if not raw or raw.isspace():  # as `not raw.strip()`, without copying the file
        raise EmptyFileError("the file is empty", file=file)
    if raw.startswith(b"\xef\xbb\xbf"):
        body = raw[3:]
        try:
            check_utf8(body)
        except UnicodeDecodeError as exc:
            raise undecodable(f"starts with a UTF-8 byte-order mark but byte {exc.start + 3} is not UTF-8",
                              file, exc.start + 3, "utf-8-sig") from exc
        _refuse_nul(body, file, offset=3)
        return Decoded(body, "utf-8-sig")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise undecodable(f"starts with a UTF-16 byte-order mark but byte {exc.start} is not UTF-16",
                              file, exc.start, "utf-16") from exc
        if not text.strip():
            raise EmptyFileError("the file is empty", file=file)
        at = text.find("\x00")
        if at >= 0:
            raise UndecodableFileError(f"contains a NUL character at character {at}: not a text file",
                                       file=file, expected=_EXPECTED_TEXT)
        return Decoded(text.encode("utf-8"), "utf-16")
    if b"\x00" in raw[:4096]:
        raise UndecodableFileError(
            "looks like UTF-16 or binary data (NUL bytes) without a byte-order mark; save it as CSV UTF-8, "
            "Big5 or Unicode text", file=file, expected=_EXPECTED_TEXT)
    _refuse_nul(raw, file)
    try:
        check_utf8(raw)
        return Decoded(raw, "utf-8")
    except UnicodeDecodeError as utf8_error:
        try:
            text = decode_cp950(raw)
        except UnicodeDecodeError as big5_error:
            # The file is most likely in the encoding that read further.
            at, encoding = ((big5_error.start, "cp950") if big5_error.start >= utf8_error.start
                            else (utf8_error.start, "utf-8"))
            raise undecodable(f"not UTF-8 (bad byte at offset {utf8_error.start}) nor Big5/CP950 "
                              f"(bad byte at offset {big5_error.start})", file, at, encoding) from None
        if "\x00" in text:
            raise UndecodableFileError("contains NUL bytes: not a text file", file=file) from None
        return Decoded(text.encode("utf-8"), "cp950")


def _refuse_nul(data: bytes, file: Path, offset: int = 0) -> None:
    """A NUL byte anywhere (not only in the first 4 KB) means binary data, not a CSV text."""
    at = data.find(b"\x00")
    if at >= 0:
        raise UndecodableFileError(f"contains a NUL byte at offset {at + offset}: not a text file",
                                   file=file, expected=_EXPECTED_TEXT)


class RecordCounter:
    """Where a position in CSV text falls: the record (as a spreadsheet numbers its rows, from 1)
    and the cell (from 0), quotes respected. Fed the text in pieces (a big file's too)."""

    def __init__(self, delimiter: str = ",") -> None:
        self.delimiter = delimiter
        self.row, self.cell, self.quoted = 1, 0, False

    def feed(self, text: str) -> None:
        if not self.quoted and '"' not in text:  # the common case, without a loop over characters
            lines = text.count("\n")
            if lines:
                self.row += lines
                self.cell = text[text.rindex("\n") + 1:].count(self.delimiter)
            else:
                self.cell += text.count(self.delimiter)
            return
        for ch in text:
            if ch == '"':
                self.quoted = not self.quoted  # a doubled "" toggles twice: the same
            elif self.quoted:
                continue
            elif ch == "\n":
                self.row, self.cell = self.row + 1, 0
            elif ch == self.delimiter:
                self.cell += 1


def locate(prefix: str, delimiter: str) -> tuple[int, int]:
    """(row, cell index) of the character just after `prefix`, the text before it."""
    counter = RecordCounter(delimiter)
    counter.feed(prefix)
    return counter.row, counter.cell


def preview_csv(decoded: Decoded, file: Path, delimiter: str = ",") -> list[list[str]]:
    """The first rows of a CSV, parsed as a spreadsheet would (quotes respected)."""
    head = decoded.data[: 1 << 20].decode("utf-8", errors="ignore")
    try:
        reader = csv.reader(io.StringIO(head, newline=""), delimiter=delimiter)
        rows = []
        for row in reader:
            rows.append(row)
            if len(rows) >= PREVIEW_ROWS:
                break
    except csv.Error as exc:
        raise InputFileError(f"not a readable CSV file: {exc}", file=file) from exc
    return rows


Found = TypeVar("Found")


def sniff_delimiter(decoded: Decoded, file: Path,
                    find: Callable[[list[list[str]]], Found | None]) -> tuple[str, list[list[str]], Found | None]:
    """(delimiter, preview rows, what `find` found in them): a comma, or a tab when the text has tabs
    and its rows split by tabs hold the header `find` recognises (Excel's 「Unicode 文字」, a TSV),
    rather than split by commas. When both or neither do, the split whose header row has more cells
    wins (a tab-separated file whose header has a comma in a cell, or the other way round)."""
    rows = preview_csv(decoded, file)
    if b"\t" not in decoded.data[: 1 << 20]:
        return ",", rows, find(rows)
    tab_rows = preview_csv(decoded, file, "\t")
    tried: list[tuple[str, list[list[str]], Found | None, Exception | None]] = []
    for delimiter, got in ((",", rows), ("\t", tab_rows)):
        try:
            tried.append((delimiter, got, find(got), None))
        except Exception as exc:
            tried.append((delimiter, got, None, exc))
    found = [t for t in tried if t[2] is not None]
    pick = found if found else tried
    best = max(pick, key=lambda t: (_width(t[1]), t[0] == ","))
    if best[3] is not None and not found:
        raise best[3]
    return best[0], best[1], best[2]


def _width(rows: list[list[str]]) -> int:
    return max((sum(1 for c in row if c.strip()) for row in rows[:PREVIEW_ROWS]), default=0)


_PYTHON_CODEC = {"utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "cp950": "cp950", "utf-16": "utf-16"}


def _chunks(source: bytes | Path, end: int) -> Iterator[bytes]:
    """The first `end` bytes of a file or of bytes, in pieces."""
    if isinstance(source, bytes):
        yield source[:end]
        return
    with open(source, "rb") as fh:
        left = end
        while left > 0 and (chunk := fh.read(min(left, 16 << 20))):
            left -= len(chunk)
            yield chunk


def locate_undecodable(exc: UndecodableFileError, source: bytes | Path, file: Path,
                       find: Callable[[list[list[str]]], Any]) -> UndecodableFileError:
    """`exc` (from `decode_csv_bytes` or a big file's decoding) with the row (as a spreadsheet numbers
    it) and the column (its header as printed, else its letter) of the bad byte filled in, when its
    offset is known. `find` recognises the header row in the first rows (`HeaderResolver.find_header`)."""
    from .guard import column_letters

    offset, encoding = exc.offset, exc.text_encoding
    if offset is None or encoding not in _PYTHON_CODEC:
        return exc
    head = b"".join(_chunks(source, 1 << 20))
    head_text = head.decode(_PYTHON_CODEC[encoding], errors="replace")
    try:
        delimiter, _, found = sniff_delimiter(Decoded(head_text.encode(), encoding), file, find)
    except Exception:
        delimiter, found = ",", None
    decoder = codecs.getincrementaldecoder(_PYTHON_CODEC[encoding])(errors="replace")
    counter = RecordCounter(delimiter)
    for chunk in _chunks(source, offset):
        counter.feed(decoder.decode(chunk))
    counter.feed(decoder.decode(b"", final=True))
    exc.row = counter.row
    header = None
    if found is not None and counter.row > found[0] + 1 and counter.cell < len(found[1].headers):
        header = found[1].headers[counter.cell].strip() or None
    exc.column = header or column_letters(counter.cell + 1)
    return exc


def read_csv_body(decoded: Decoded, header_index: int, width: int, file: Path,
                  delimiter: str = ",") -> pl.DataFrame:
    """Rows below the header (0-based `header_index`) as text columns `c0..c{width-1}`."""
    try:
        frame = pl.read_csv(io.BytesIO(decoded.data), **csv_options(header_index, width, delimiter))
    except pl.exceptions.PolarsError as exc:
        raise _csv_error(decoded.data, file, delimiter) from exc
    return finish_csv_body(frame, header_index, width)


class CsvOptions(TypedDict):
    """The keywords `csv_options` gives `pl.read_csv` / `pl.scan_csv` (typed, so a call checks them)."""

    has_header: bool
    schema: Mapping[str, type[pl.DataType]]
    skip_rows: int
    truncate_ragged_lines: bool
    missing_columns: Literal["insert", "raise"]
    row_index_name: str
    quote_char: str
    raise_if_empty: bool
    infer_schema: bool
    separator: str


def csv_options(header_index: int, width: int, delimiter: str = ",") -> CsvOptions:
    """How Polars reads the body (`read_csv`, or `scan_csv` in batches for a big file): text cells
    `c0..`, OVERFLOW_CELLS more to spot extra cells, the record's index as `_idx`."""
    overflow = [f"_o{i}" for i in range(OVERFLOW_CELLS)]
    schema = {f"c{i}": pl.String for i in range(width)} | {o: pl.String for o in overflow}
    return CsvOptions(has_header=False, schema=schema, skip_rows=header_index + 1, truncate_ragged_lines=True,
                      missing_columns="insert", row_index_name="_idx", quote_char='"', raise_if_empty=False,
                      infer_schema=False, separator=delimiter)


def finish_csv_body(frame: pl.DataFrame, header_index: int, width: int) -> pl.DataFrame:
    """`_row`, `_extra`, and no blank rows, from what `csv_options` read."""
    overflow = [f"_o{i}" for i in range(OVERFLOW_CELLS)]
    # The spreadsheet's row number: the header's (1-based) plus the record's position below it.
    # `_extra` holds the first non-empty cell past the header's width, if any (the overflow cells
    # no row reaches, nearly all of them, are not looked at).
    reached = [o for o in overflow if frame[o].null_count() < frame.height]
    extra = (pl.coalesce([pl.when(pl.col(o).str.strip_chars() != "").then(pl.col(o)) for o in reached])
             if reached else pl.lit(None, dtype=pl.String))
    frame = frame.with_columns(
        (pl.col("_idx").cast(pl.Int64) + header_index + 2).alias(ROW), extra.alias(EXTRA),
    ).drop("_idx", *overflow)
    return _drop_blank_rows(frame, width)


def _csv_error(data: bytes, file: Path, delimiter: str = ",") -> InputFileError:
    """The error for a CSV Polars cannot split: almost always a double quote that does not pair up.
    Names the row (as a spreadsheet numbers it) where the quoting first goes wrong, when found."""
    row, problem = _bad_quote(data.decode("utf-8", errors="replace"), delimiter)
    if row is None:
        return InputFileError("not a readable CSV file: its double quotes do not pair up", file=file,
                              expected='a cell holding " quoted whole, with the " doubled ("a""b")')
    return InputFileError(f"not a readable CSV file: {problem}", file=file, row=row,
                          expected='a cell holding " quoted whole, with the " doubled ("a""b")')


_QUOTED_FIELD = re.compile(r'"(?:[^"]++|"")*+"')
_UNQUOTED_FIELD = {",": re.compile(r'[^,"\r\n]*+'), "\t": re.compile(r'[^\t"\r\n]*+')}


def _bad_quote(text: str, delimiter: str = ",") -> tuple[int | None, str]:
    """(row, problem) of the first record whose quotes break the CSV rules, or (None, "")."""
    record, buf = 1, ""  # the record (spreadsheet row) being read, and its lines so far
    for line in text.split("\n"):
        if not buf and '"' not in line:
            record += 1
            continue
        buf += line + "\n"
        state = _scan_record(buf, delimiter)
        if state == "open":  # a quoted cell goes on to the next line
            continue
        if state:
            return record, state
        record, buf = record + 1, ""
    if buf and _scan_record(buf.removesuffix("\n"), delimiter) == "open":
        return record, "a quoted cell is opened but never closed"
    return None, ""


def _scan_record(rec: str, delimiter: str = ",") -> str:
    """"" for a well-quoted record, "open" when a quoted cell runs past its end, else the problem."""
    pos, n = 0, len(rec)
    while True:
        if pos < n and rec[pos] == '"':
            m = _QUOTED_FIELD.match(rec, pos)
            if m is None:
                return "open"
            pos = m.end()
            if pos < n and rec[pos] not in delimiter + "\r\n":
                return "text follows the closing quote of a quoted cell"
        else:
            # Never None: the pattern also matches an empty cell.
            pos = cast(re.Match[str], _UNQUOTED_FIELD[delimiter].match(rec, pos)).end()
            if pos < n and rec[pos] == '"':
                return "a double quote inside a cell that does not begin with one"
        if pos >= n or rec[pos] in "\r\n":
            return ""
        pos += 1


def _drop_blank_rows(frame: pl.DataFrame, width: int) -> pl.DataFrame:
    cells = [f"c{i}" for i in range(width)] + [EXTRA]

    def empty(c: str) -> pl.Expr:
        return pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "")

    # A row is blank when every cell is: the first cell is tested on every row, the others only on
    # the (few) rows whose first cell is empty.
    first = frame.select(empty(cells[0])).to_series()
    if not first.any():
        return frame
    at = first.arg_true()
    blank = first.clone().scatter(at, frame[at].select(pl.all_horizontal([empty(c) for c in cells])).to_series())
    return frame.filter(~blank)


# --- Excel -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sheet:
    """One worksheet as a grid of text (None for an empty cell); row i is spreadsheet row i+1."""

    name: str
    rows: list[list[str | None]] = field(repr=False)

    def body(self, header_index: int, width: int) -> pl.DataFrame:
        below = self.rows[header_index + 1:]
        columns: dict[str, list[str | None]] = {f"c{i}": [] for i in range(width)}
        extra: list[str | None] = []
        for row in below:
            for i in range(width):
                columns[f"c{i}"].append(row[i] if i < len(row) else None)
            rest = [c for c in row[width:] if c]
            extra.append(rest[0] if rest else None)
        frame = pl.DataFrame(columns | {EXTRA: extra}, schema={k: pl.String for k in [*columns, EXTRA]})
        frame = frame.with_columns(pl.int_range(header_index + 2, header_index + 2 + len(below),
                                                dtype=pl.Int64).alias(ROW))
        return _drop_blank_rows(frame, width)


def _cell_text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        # Excel stores 301 as 301.0; a code typed as a number must read back as "301".
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, dt.timedelta):  # a time-of-day cell in some workbooks
        secs = int(value.total_seconds())
        return f"{secs // 3600:02d}:{secs % 3600 // 60:02d}:{secs % 60:02d}"
    return str(value)


def read_workbook(path: Path) -> list[Sheet]:
    """Every sheet of an .xlsx/.xls workbook as text grids."""
    from python_calamine import CalamineError, CalamineWorkbook

    from .guard import MAX_SHEET_CELLS, check_workbook, column_letters

    check_workbook(path)  # a zip bomb, or a stray cell at XFD1048576, is refused before it is read
    try:
        book = CalamineWorkbook.from_path(str(path))
        sheets = []
        for name in book.sheet_names:
            sheet = book.get_sheet_by_name(name)
            if sheet.height * sheet.width > MAX_SHEET_CELLS:
                raise FileTooLargeError(
                    f"sheet {name!r} spans {sheet.height:,} rows × {sheet.width:,} columns (to "
                    f"{column_letters(sheet.width)}{sheet.height}): delete the stray cells far below or to the "
                    "right of the data", file=path, expected=f"at most {MAX_SHEET_CELLS:,} cells a sheet")
            grid = sheet.to_python(skip_empty_area=False)
            sheets.append(Sheet(name, [[_cell_text(v) for v in row] for row in grid]))
    except (CalamineError, ValueError, OSError, KeyError) as exc:
        raise NotASpreadsheetError(f"not a readable Excel workbook ({exc})", file=path,
                                   expected=".xlsx or .xls (Excel 97-2003)") from exc
    return sheets

