"""One root, `LpdataError`; every child names where the problem is (file, sheet, row, column).

Each error has a stable `code` (a reason code, like pandera's) so that callers and tests branch on
codes, not on message text. `str(error)` is the one line the CLI prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TypedDict, Unpack


class Where(TypedDict, total=False):
    """Where a problem is: `LpdataError`'s keywords, passed on by the errors that add their own."""

    file: str | Path | None
    sheet: str | None
    row: int | None
    column: str | None
    expected: str | None
    cell: int | None


class LpdataError(Exception):
    """Root of every error lp-workbench raises on purpose."""

    code: str = "lpdata_error"

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
        expected: str | None = None,
        cell: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = str(file) if file is not None else None
        self.sheet = sheet
        self.row = row
        self.column = column
        self.expected = expected
        self.cell = cell

    @property
    def location(self) -> str:
        parts: list[str] = []
        if self.file:
            parts.append(self.file)
        if self.sheet:
            parts.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column!r}")
        if self.cell is not None:
            parts.append(f"cell {self.cell}")
        return ", ".join(parts)

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}" if self.location else self.message
        if self.expected:
            text += f" (expected {self.expected})"
        return text


# --- a file that cannot be read as a whole: it is rejected and changes nothing -----------------
class InputFileError(LpdataError):
    """A whole file is rejected."""

    code = "bad_file"


class UndecodableFileError(InputFileError):
    """Bytes that decode in none of the accepted encodings. When the bad byte's place is known,
    `offset` (in the file) and `text_encoding` (the encoding that read furthest) say where, so the
    reader can name the row and column."""

    code = "undecodable"
    offset: int | None = None
    text_encoding: str | None = None


class NotASpreadsheetError(InputFileError):
    code = "not_a_spreadsheet"


class EmptyFileError(InputFileError):
    code = "empty_file"


class UnknownKindError(InputFileError):
    """The header row matches no export kind; names the nearest kind and its missing columns."""

    code = "unknown_kind"

    def __init__(self, message: str, *, nearest: str | None = None,
                 missing: Sequence[str] = (), **where: Unpack[Where]) -> None:
        super().__init__(message, **where)
        self.nearest = nearest
        self.missing = tuple(missing)


class DuplicateColumnError(InputFileError):
    code = "duplicate_column"


class AmbiguousKindError(InputFileError):
    code = "ambiguous_kind"


class FileTooLargeError(InputFileError):
    code = "too_large"


class NotAnExportError(InputFileError):
    """A text file (.txt) with no header row of an export kind: listed as ignored, not rejected."""

    code = "not_an_export"


# --- configuration and the store --------------------------------------------------------------
class ConfigError(LpdataError):
    """A parameter, alias or rules file is wrong."""

    code = "bad_config"


class DateError(LpdataError):
    """A date given to lp (an as-of date, --exported-at) is not a date, or not one allowed there."""

    code = "bad_date"


class KeyFileError(LpdataError):
    """The ID-hash key is missing, unreadable, too open or not the one this database was built with."""

    code = "bad_key"


class StoreError(LpdataError):
    code = "store_error"


class DatabaseBusyError(StoreError):
    code = "database_busy"


class UnknownViewError(LpdataError):
    """`lp query` of a name that is no view; `views` are the public ones it lists instead."""

    code = "unknown_view"

    def __init__(self, name: str, views: Sequence[str]) -> None:
        super().__init__(f"no view named {name!r}", expected="one of " + ", ".join(views))
        self.name = name
        self.views = tuple(views)


class IngestRejected(LpdataError):
    """An ingest refused because one or more files were rejected; the database is unchanged."""

    code = "ingest_rejected"

    def __init__(self, errors: Sequence[LpdataError]) -> None:
        self.errors = tuple(errors)
        n = len(self.errors)
        head = f"{n} file{'s' if n != 1 else ''} rejected; nothing was loaded"
        super().__init__(head)

    def __str__(self) -> str:
        return "\n".join([self.message, *(f"  {e}" for e in self.errors)])


# --- reports: parameter sets, plans and notebook runs (lpdata.report) ---------------------------
class ParameterError(ConfigError):
    """A parameter set or plan value is wrong; names the file, its line and the key
    (a dotted path such as `reports[2].parameters.class_name`)."""

    code = "bad_parameter"

    def __init__(self, message: str, *, key: str | None = None, line: int | None = None,
                 **where: Unpack[Where]) -> None:
        super().__init__(message, **where)
        self.key = key
        self.line = line

    @property
    def location(self) -> str:
        parts = [self.file] if self.file else []
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.key:
            parts.append(f"key {self.key!r}")
        return ", ".join(parts)


class PlanError(ParameterError):
    """A plan file is wrong (its structure, a notebook it names, a grid it cannot expand)."""

    code = "bad_plan"


class NotebookError(LpdataError):
    """A report notebook is missing, unreadable or failed; names the notebook and the cell
    (0-based index in the notebook as written, before papermill injects its parameters cell)."""

    code = "notebook_error"

    def __init__(self, message: str, *, notebook: str | None = None, **where: Unpack[Where]) -> None:
        super().__init__(message, **where)
        self.notebook = notebook


class ReportRunBusyError(LpdataError):
    """Another `lp run` is writing the same reports folder."""

    code = "run_busy"
