"""The data-quality texts in Traditional Chinese: quarantine details, notices, examples, encodings.

The loader stores its texts in English (`quarantine.detail`, `row_notices.detail`, and
`data_quality.example_row` joins them): what is stored does not change with a report's language.
This module writes them for zh-TW readers from `data_quality`'s example parts:

    example_zh(row)          # "第 2730 列，欄位 身分證號 = 'V1******36'：應為身分證號或居留證號：…"
    detail_zh("a number from 0 to 100")   # "0 到 100 之間的數字"
    encoding_label("cp950")  # "Big5"

Every English text the readers can produce has a rendering here: fixed texts in `_EXACT`, texts
with a value in them (a range, a row number, a term) in `_PATTERNS`. tests/report/test_dq_text.py
enumerates every text of the readers and fails on one without a rendering; an unknown text is
shown as it is (never an error in a report).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

import polars as pl

from ..labels import zh_labels
from .i18n import Strings

#: Fixed English texts -> zh-TW: the readers' expectations by column type (readers.rows
#: _EXPECTED_BY_TYPE and the type names it falls back on), the notices (readers.notices.NOTICES)
#: and the literal details of readers.rows, readers.partial.
_EXACT: Mapping[str, str] = {
    # by column type
    "a national ID or resident permit: a letter, 1/2/8/9 or A-D, eight digits, a valid check digit":
        "身分證號或居留證號：1 個英文字母，接 1、2、8、9 或 A 至 D，再接 8 位數字，且檢查碼正確",
    "a date like 113/10/24, 1131024 or 2024-10-24": "日期，如 113/10/24、1131024 或 2024-10-24",
    "a date and time like 113/10/24 14:03 or 2024-10-24 下午 02:03":
        "日期與時間，如 113/10/24 14:03 或 2024-10-24 下午 02:03",
    "a time like 14:03": "時間，如 14:03",
    "是/否, Y/N, TRUE/FALSE, 1/0 or ✓": "是/否、Y/N、TRUE/FALSE、1/0 或 ✓",
    "a whole number": "整數",
    "a number": "數字",
    "role codes or names separated by commas": "以逗號分隔的職務代碼或職務名稱",
    "text": "文字（不可空白）",
    "code": "代碼（不可空白）",
    "choice": "允許的選項之一",
    "int": "整數",
    "number": "數字",
    "date": "日期",
    "datetime": "日期與時間",
    "time": "時間",
    "bool": "是或否",
    "national_id": "身分證號或居留證號",
    "roles": "職務代碼或職務名稱",
    # readers.rows, readers.partial
    "學期 1 or 2: 學期 0 means the whole year, and these rows belong to one semester":
        "學期 1 或 2：學期 0 代表全學年，而這些列屬於某一學期",
    "a 年級 column, or a class name that tells the grade (301, 普一甲)":
        "年級欄，或看得出年級的班級名稱（如 301、普一甲）",
    # readers.notices.NOTICES
    "a 造字 (a private character of the sender's font): it shows only where that font is installed and "
    "matches nothing typed elsewhere; correct it at the source to a standard character (or a described "
    "substitute)":
        "造字（寄送端字型的私用字元）：只有裝了該字型的電腦才顯示得出來，也對不上別處輸入的字；"
        "請在來源系統改為標準字（或加註替代說明）",
    "a ? where a character was lost (Excel writes ? for a character the file's encoding lacks); correct "
    "the name at the source, or export as UTF-8 or Unicode text":
        "遺失的字成了 ?（檔案編碼沒有的字，Excel 會寫成 ?）；請在來源系統修正姓名，或改以 UTF-8 或 Unicode 文字匯出",
}


def _term_zh(term: str) -> str:
    """resolve.py's term: 'any term', '113 (either 學期)' or '113-1'."""
    if term == "any term":
        return "任何學期"
    if m := re.fullmatch(r"(\d+) \(either 學期\)", term):
        return f"{m[1]} 學年度（任一學期）"
    if m := re.fullmatch(r"(\d+)-(\d+)", term):
        return f"{m[1]} 學年度第 {m[2]} 學期"
    return term


def _one_of(shown: str) -> str:
    return "下列之一：" + shown


#: English texts with values in them -> zh-TW (first match wins; the more specific first).
_PATTERNS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    # readers.rows._expected_expr: a closed value a school may alias
    (re.compile(r"(?s)(.+); to accept '(.*)', add under (\S+): in (\S+) the line  (.*): <the value it means>"),
     lambda m: f"{detail_zh(m[1])}；若要接受「{m[2]}」，請在 {m[4]} 的 {m[3]}: 之下加一行  {m[5]}: <它代表的值>"),
    # readers.rows._expected: a national code table, a choice, a range
    (re.compile(r"(?s)one of (.*) or a code (\d+)-(\d+) of the national table"),
     lambda m: f"{_one_of(m[1])}，或全國代碼表的代碼 {m[2]} 至 {m[3]}"),
    (re.compile(r"(?s)one of (.*)"), lambda m: _one_of(m[1])),
    (re.compile(r"a number from (\S+) to (\S+)"), lambda m: f"{m[1]} 到 {m[2]} 之間的數字"),
    (re.compile(r"a number ≥ (\S+)"), lambda m: f"大於或等於 {m[1]} 的數字"),
    (re.compile(r"at most (\d+) cells, as the header has"), lambda m: f"最多 {m[1]} 個儲存格（與標題列欄數相同）"),
    # readers.rows._DUPLICATE_DETAIL, readers.__init__ (a key repeated across sheets)
    (re.compile(r"a key no earlier row has \(row (\d+) has it\)"),
     lambda m: f"前面各列都沒有的鍵值（第 {m[1]} 列已有相同鍵值）"),
    (re.compile(r"(?s)a key no earlier row has \(sheet '(.*)' row (\d+) has it\)"),
     lambda m: f"前面各列都沒有的鍵值（工作表「{m[1]}」第 {m[2]} 列已有相同鍵值）"),
    # resolve.py: a row tied to its student by 學號
    (re.compile(r"(?s)no roster row of (.+) has 學號 (.*)"),
     lambda m: f"{_term_zh(m[1])}的學生名冊中沒有學號 {m[2]}"),
    (re.compile(r"(?s)roster rows of (.+) give 學號 (.*) to (\d+) students"),
     lambda m: f"{_term_zh(m[1])}的學生名冊中有 {m[3]} 名學生使用學號 {m[2]}"),
)


def detail_zh(text: str) -> str | None:
    """The Chinese of a stored English detail (an expectation or a notice's advice); None when the
    text is not one the readers produce."""
    if text in _EXACT:
        return _EXACT[text]
    for pattern, render in _PATTERNS:
        if m := pattern.fullmatch(text):
            return render(m)
    return None


#: Keys the readers add to a raw row's JSON (readers.rows._raw_json, readers.detect).
_EXTRA_CELLS = "(extra cells)"
_SUFFIXES = {" (cover)": "（封面）", " (layout)": "（名冊格式）"}


def raw_key_zh(key: str) -> str:
    """A raw row's key as a Chinese reader reads it: '學年度 (cover)' -> '學年度（封面）', a column a
    layout derives ('(title) (from 證照名稱, 證照代碼)', readers.detect) -> '名稱（由 證照名稱、證照代碼 推得）'."""
    if key == _EXTRA_CELLS:
        return "（多出的儲存格）"
    if m := re.fullmatch(r"column (\d+)", key):  # a blank header
        return f"第 {m[1]} 欄"
    if m := re.fullmatch(r"(?s)(.+) \(from (.+)\)", key):
        return f"{raw_key_zh(m[1])}（由 {'、'.join(m[2].split(', '))} 推得）"
    if m := re.fullmatch(r"\(([a-z_]+)\)", key):  # a contract column no file of the layout has (layouts._absent)
        return zh_labels("", [m[1]])[m[1]]
    for suffix, zh in _SUFFIXES.items():
        if key.endswith(suffix):
            return key[: -len(suffix)] + zh
    return key


def raw_zh(raw: str | None) -> str | None:
    """The raw row's cells as '標題：值' joined by '；' (an empty cell: 空白; no extra cells: left out)."""
    if not raw:
        return None
    try:
        cells = json.loads(raw)
    except ValueError:
        return raw
    if not isinstance(cells, dict):
        return raw
    parts = []
    for key, value in cells.items():
        if key == _EXTRA_CELLS and value in (None, ""):
            continue
        shown = "（空白）" if value in (None, "") else str(value)
        parts.append(f"{raw_key_zh(key)}：{shown}")
    return "；".join(parts)


#: Reasons whose example is a notice on a loaded row (its detail is advice, not an expectation).
NOTICE_REASONS = frozenset({"eudc_character", "replaced_character"})


def example_zh(row: Mapping[str, Any]) -> str | None:
    """data_quality's example in Chinese, from its parts (`example_row_number` …); None for a clean file."""
    if row.get("reason") is None:
        return None
    number = row.get("example_row_number")
    text = f"第 {number if number is not None else '?'} 列"
    if row.get("example_sheet"):
        text += f"（工作表 {row['example_sheet']}）"
    if row.get("example_column"):
        text += f"，欄位 {row['example_column']}"
    if row.get("example_value") is not None:
        text += f" = '{row['example_value']}'"
    detail = row.get("example_detail")
    if detail:
        zh = detail_zh(detail) or detail
        text += f"：{zh}" if row["reason"] in NOTICE_REASONS else f"：應為{zh}"
    raw = raw_zh(row.get("example_raw"))
    if raw:
        text += f"｜原始列：{raw}"
    return text


def with_examples(frame: pl.DataFrame, t: Strings) -> pl.DataFrame:
    """data_quality rows with `example_row` in the report's language (zh-TW: example_zh of its parts)."""
    if not t.zh:
        return frame
    texts = [example_zh(r) for r in frame.iter_rows(named=True)]
    return frame.with_columns(pl.Series("example_row", texts, dtype=pl.String))


#: Encodings as the loader names them (Python codec names) -> as staff know them.
_ENCODINGS_ZH = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8（含 BOM）", "cp950": "Big5", "big5": "Big5",
                 "big5hkscs": "Big5", "utf-16": "Unicode 文字 (UTF-16)", "utf-16-le": "Unicode 文字 (UTF-16)",
                 "utf-16-be": "Unicode 文字 (UTF-16)"}
_ENCODINGS_EN = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 (with BOM)", "cp950": "Big5", "big5": "Big5",
                 "big5hkscs": "Big5", "utf-16": "Unicode text (UTF-16)", "utf-16-le": "Unicode text (UTF-16)",
                 "utf-16-be": "Unicode text (UTF-16)"}


def encoding_label(encoding: str | None, lang: str = "zh-TW") -> str | None:
    """An encoding as staff know it (cp950 -> Big5); one not listed is shown as it is, NULL stays
    NULL (a workbook has no text encoding)."""
    if encoding is None:
        return None
    table = _ENCODINGS_ZH if lang == "zh-TW" else _ENCODINGS_EN
    return table.get(encoding.lower().replace("_", "-"), encoding)


def with_encodings(frame: pl.DataFrame, t: Strings, column: str = "encoding") -> pl.DataFrame:
    """`frame` with its encoding column as staff know it."""
    if column not in frame.columns:
        return frame
    return frame.with_columns(pl.col(column).map_elements(lambda e: encoding_label(e, t.lang), return_dtype=pl.String))
