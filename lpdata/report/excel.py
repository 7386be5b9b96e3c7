"""Action lists as Excel workbooks the people who act open, filter and print.

    excel.teacher_pending(backlog, "reports/.../待認證清單.xlsx", t)
    excel.mail_list(paper_mail, path, t)
    excel.discrepancies(reconciliation_discrepancies, path, t)
    excel.chase_list(class_chase_list.filter(needs_action), path, t)

Every sheet: a header row of labels (Chinese by default), an autofilter, the header frozen, columns
as wide as their contents, dates and times as real Excel dates, rates as %. Text is always written
as text (`write_string`) and the workbook never turns a string into a formula or a link: a summary
typed as "=1+1", a phone "+886…", "-x" or "@x" stays exactly that.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from .i18n import Strings, strings
from .readings import in_language

WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
                    "remove_timezone": True}
MAX_WIDTH = 60
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")

#: Column orders of the three lists (columns a frame lacks are skipped; others follow at the end).
PENDING_COLUMNS = (
    "assignee_code", "assignee_name", "teacher_code", "teacher_name", "academic_year", "semester", "class_name",
    "student_no", "course_code", "course_name", "item_id", "uploaded_at", "waiting_days", "certify_due",
    "days_to_due", "overdue", "teacher_active", "proxy_basis", "needs_proxy",
)
MAIL_COLUMNS = ("class_name", "student_no", "student_name", "postcode", "address", "receipt_batches", "batches",
                "lines")
DISCREPANCY_COLUMNS = (
    "kind", "academic_year", "semester", "to_act_on", "state", "submitted_uncertified", "national_due", "class_name",
    "student_no", "item_id",
    "receipt_batch", "receipt_file", "receipt_line", "explanation", "batch_id", "submitted_at", "received_at",
    "selected_at", "course_code", "category", "title", "summary", "receipt_summary",
)
#: The homeroom teacher's chase list: who, then what is missing (its other columns are left out: a
#: printed list for one class, one line per student).
CHASE_COLUMNS = ("class_name", "seat_no", "student_no", "name", "to_upload", "to_select", "clo_pending",
                 "reupload_courses")
#: Never in an action list: the ID hash identifies nobody to a person and helps no one act.
DROPPED = ("national_id_hash",)


def _width(text: str) -> int:
    """Display width: a CJK (wide) character takes two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _ordered(frame: pl.DataFrame, order: Sequence[str]) -> pl.DataFrame:
    first = [c for c in order if c in frame.columns]
    rest = [c for c in frame.columns if c not in first and c not in DROPPED]
    return frame.select(first + rest)


def sheet_name(text: str, used: set[str]) -> str:
    """A valid, unique sheet name (≤ 31 characters, none of []:*?/\\)."""
    base = _SHEET_BAD.sub("_", text).strip("'") or "Sheet"
    base = base[:31]
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name = base[:31 - len(suffix)] + suffix
        n += 1
    used.add(name.lower())
    return name


class _Formats:
    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                                       "valign": "top"})
        self.date = book.add_format({"num_format": "yyyy-mm-dd"})
        self.datetime = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        self.rate = book.add_format({"num_format": "0.0%"})
        self.text = book.add_format({"num_format": "@"})


def write_sheet(book: xlsxwriter.Workbook, name: str, frame: pl.DataFrame, t: Strings, *,
                view: str | None = None, formats: _Formats | None = None) -> Worksheet:
    """One sheet: labelled header, values typed (dates as dates, numbers as numbers, text as text)."""
    fmt = formats or _Formats(book)
    sheet = book.add_worksheet(name)
    columns = frame.columns
    labels = t.columns(columns, view)
    widths = [_width(labels[c]) for c in columns]
    for c, col in enumerate(columns):
        sheet.write_string(0, c, labels[col], fmt.header)
    for r, row in enumerate(frame.iter_rows(), start=1):
        for c, (col, value) in enumerate(zip(columns, row)):
            shown = _write(sheet, r, c, col, value, t, fmt)
            if shown:
                widths[c] = max(widths[c], _width(shown))
    for c, w in enumerate(widths):
        sheet.set_column(c, c, min(max(w, 6) + 2, MAX_WIDTH))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(frame.height, 1), max(len(columns) - 1, 0))
    sheet.set_row(0, 30)
    return sheet


def _write(sheet: Worksheet, r: int, c: int, col: str, value: Any, t: Strings, fmt: _Formats) -> str:
    """Write one cell; returns its text as shown (for the column width)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        text = t("yes") if value else t("no")
        sheet.write_string(r, c, text)
        return text
    if isinstance(value, dt.datetime):
        sheet.write_datetime(r, c, value, fmt.datetime)
        return "yyyy-mm-dd hh:mm"
    if isinstance(value, dt.date):
        sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), fmt.date)
        return "yyyy-mm-dd"
    if isinstance(value, (int, float)):
        if col.endswith("_rate"):
            sheet.write_number(r, c, value, fmt.rate)
            return f"{value:.1%}"
        sheet.write_number(r, c, value)
        return f"{value:,}"
    if isinstance(value, (list, tuple)):
        text = ", ".join(t.value(col, v) if t.has_values(col) else str(v) for v in value)
    elif t.has_values(col):
        text = t.value(col, value)
    else:
        text = str(value)
    sheet.write_string(r, c, text, fmt.text)  # text from people: never a formula, never a link
    return text


def _book(path: str | Path) -> xlsxwriter.Workbook:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)


def write_sheets(path: str | Path, sheets: Mapping[str, pl.DataFrame], t: Strings | None = None, *,
                 view: str | None = None) -> Path:
    """A workbook of one sheet per frame (names made valid and unique)."""
    t = t or strings("zh-TW")
    book = _book(path)
    fmt = _Formats(book)
    used: set[str] = set()
    for name, frame in sheets.items():
        write_sheet(book, sheet_name(name, used), frame, t, view=view, formats=fmt)
    book.close()
    return Path(path)


def teacher_pending(frame: pl.DataFrame, path: str | Path, t: Strings | None = None) -> Path:
    """Each teacher's pending certifications (certification_backlog rows): a first sheet with every
    item and who must certify it, to filter by teacher, then one sheet per person who must certify
    (a proxy gets the items they cover), then items of departed teachers with no proxy, then items
    whose teacher is unknown. Oldest first in each sheet."""
    t = t or strings("zh-TW")
    data = _ordered(frame, PENDING_COLUMNS)
    if "waiting_days" in data.columns:
        data = data.sort(["waiting_days", "item_id"] if "item_id" in data.columns else ["waiting_days"],
                         descending=[True, False] if "item_id" in data.columns else [True], nulls_last=True)
    sheets: dict[str, pl.DataFrame] = {t("sheet.all"): data}
    if "assignee_code" in data.columns:
        assigned = data.filter(pl.col("assignee_code").is_not_null())
        for code in sorted(set(assigned["assignee_code"].to_list())):
            part = assigned.filter(pl.col("assignee_code") == code)
            name = part["assignee_name"][0] if "assignee_name" in part.columns else None
            sheets[f"{code} {name or ''}".strip()] = part
        if "needs_proxy" in data.columns:
            no_proxy = data.filter(pl.col("needs_proxy").fill_null(False))
            if not no_proxy.is_empty():
                sheets[t("sheet.no_proxy")] = no_proxy
        unknown = data.filter(pl.col("assignee_code").is_null() & pl.col("teacher_code").is_null()) \
            if "teacher_code" in data.columns else data.clear()
        if not unknown.is_empty():
            sheets[t("sheet.unknown_teacher")] = unknown
    return write_sheets(path, sheets, t, view="certification_backlog")


def mail_list(frame: pl.DataFrame, path: str | Path, t: Strings | None = None) -> Path:
    """The paper-mail list (the paper_mail view: one row per student, their receipt batches listed
    together): one sheet, with addresses, a letter per row."""
    t = t or strings("zh-TW")
    data = _ordered(frame, MAIL_COLUMNS)
    keys = [c for c in ("class_name", "student_no") if c in data.columns]
    return write_sheets(path, {t("sheet.mail"): data.sort(keys, nulls_last=True) if keys else data}, t,
                        view="paper_mail")


def discrepancies(frame: pl.DataFrame, path: str | Path, t: Strings | None = None) -> Path:
    """Every reconciliation discrepancy: one sheet, to filter by state, kind or batch; the
    explanation in the list's language (explanation_zh for zh-TW)."""
    t = t or strings("zh-TW")
    return write_sheets(path, {t("sheet.discrepancies"): _ordered(in_language(frame, t), DISCREPANCY_COLUMNS)}, t,
                        view="reconciliation")


def chase_list(frame: pl.DataFrame, path: str | Path, t: Strings | None = None) -> Path:
    """The homeroom teacher's chase list (class_chase_list rows): one sheet, one line per student in
    seat order as the view gives it (never re-sorted by what is missing: participation, not a
    ranking), the kinds to upload or select as words."""
    t = t or strings("zh-TW")
    data = frame.select([c for c in CHASE_COLUMNS if c in frame.columns])
    return write_sheets(path, {t("sheet.chase"): data}, t, view="class_chase_list")
