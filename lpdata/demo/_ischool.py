"""Part of the roster as the registrar exports it from ischool (the school's 校務系統), beside the
portfolio platform's own roster (/work/wt/DOSSIER.md section 7, source `ischoolinc/SHCore`).

Which rows (decided here): the newest term's grade-3 students (by default 114-2, the graduating
class) come from ischool; the rest of that term's roster stays in the platform file, so the term's
roster is split over two files of the kind, which `lp ingest` reads together as one snapshot
(docs/decisions.md, "A snapshot is one kind from one ingest run"). Students who transferred out stay
in the platform file: ischool's one word for them, 畢業或離校, also means graduated, and would turn a
transfer into a graduation. A term bigger than `XLSX_MAX_ROWS` rows keeps its whole roster in the
platform file.

Layout: ischool's fixed leading fields `學生系統編號 · 學號 · 班級 · 座號 · 科別 · 姓名`, then the fields
the registrar ticked: 學年度 · 學期 · 年級 (as the 學期歷程 export prints them), 身分證號, 性別 (男/女),
生日 (AD, `2008/09/02`) and the status as 在學狀態 in ischool's words (一般, 休學, 輟學, 畢業或離校). An
.xlsx with one sheet, no cover and no title row. A row made bad on purpose in the platform file keeps
its bad ID here; one name carries a `?` where Excel could not save a character.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import cast

import polars as pl

from ._ids import break_check_digit
from ._random import stream
from ._text import REASONS
from ._writers import write_xlsx

ISCHOOL_FILE = "ischool_學生資料匯出.xlsx"
ISCHOOL_SHEET = "學生資料"
XLSX_MAX_ROWS = 50_000
GRADE = 3
HEADER = ("學生系統編號", "學號", "班級", "座號", "科別", "姓名", "學年度", "學期", "年級", "身分證號", "性別", "生日",
          "在學狀態")
#: The contract's status words in ischool's (在學 is 一般; 轉出 never reaches this file).
STATUS_WORDS = {"在學": "一般", "休學": "休學", "退學": "輟學", "畢業": "畢業或離校"}
SYSTEM_ID_BASE = 20_000  # ischool's own student numbering (學生系統編號), unrelated to 學號
REPLACED = "?"  # what Excel writes for a character it could not save


def ischool_rows(roster: pl.DataFrame) -> pl.Expr | None:
    """The roster rows the ischool export holds (None: none, the platform file keeps them all)."""
    if roster.height == 0:
        return None
    term = int(cast(int, roster["term"].max()))  # an integer column with rows
    rows = (pl.col("term") == term) & (pl.col("grade") == GRADE) & (pl.col("status") != "轉出")
    if roster.filter(rows).height > XLSX_MAX_ROWS or roster.filter(rows).height == 0:
        return None
    return rows


@dataclass
class Exported:
    path: Path
    rows: int
    bad: dict[str, int]  # reason -> rows
    notices: dict[str, int]


def write_ischool(out: Path, moved: pl.DataFrame, people: pl.DataFrame, seed: int) -> Exported:
    """The ischool export of `moved` (roster rows, with `_bad`: how each was spoilt, or null)."""
    s = moved["student"]
    ids = people["national_id"].gather(s).to_list()
    bad = [i for i, b in enumerate(moved["_bad"].to_list()) if b == "id"]
    for i, broken in zip(bad, break_check_digit([ids[i] for i in bad], stream(seed, "bad:" + ISCHOOL_FILE))):
        ids[i] = broken
    names = people["name"].gather(s).to_list()
    clean = [i for i in range(len(names)) if i not in set(bad) and len(names[i]) >= 2]
    notices = {}
    if clean:
        r = clean[int(stream(seed, "replaced:" + ISCHOOL_FILE).integers(0, len(clean)))]
        names[r] = names[r][:-1] + REPLACED
        notices["replaced_character"] = 1
    text = pl.DataFrame({
        "學生系統編號": (s.cast(pl.Int64) + SYSTEM_ID_BASE).cast(pl.String),
        "學號": people["student_no"].gather(s),
        "班級": moved["class_name"].cast(pl.String),
        "座號": moved["seat_no"].cast(pl.String),
        "科別": pl.Series(["普通科"] * moved.height, dtype=pl.String),
        "姓名": pl.Series(names, dtype=pl.String),
        "學年度": moved["academic_year"].cast(pl.String),
        "學期": moved["semester"].cast(pl.String),
        "年級": moved["grade"].cast(pl.String),
        "身分證號": pl.Series(ids, dtype=pl.String),
        "性別": people["sex"].gather(s).replace_strict({1: "男", 2: "女"}, return_dtype=pl.String),
        "生日": people["birth_date"].gather(s).dt.strftime("%Y/%m/%d"),
        "在學狀態": moved["status"].replace_strict(STATUS_WORDS, return_dtype=pl.String),
    })
    path = out / ISCHOOL_FILE
    rows = write_xlsx(path, HEADER, [(ISCHOOL_SHEET, None, text)], None)
    return Exported(path, rows, {REASONS["id"]: len(bad)} if bad else {}, notices)
