"""The national upload workbooks the school kept: what it uploaded to 國教署學習歷程資料庫 for its
newest submission batches, as the national templates are filled (/work/wt/DOSSIER.md, sources S1,
S3 and S4; docs/formats.md once merged).

Which submissions they hold (decided here, so the demo stays realistic and its figures do not move):
- For each kind, the newest batch sent by the export moment (by default 114-2's `S1142C01` and
  `S1142M01`) was uploaded by hand on the national site, so the platform's 提交紀錄 does not list it:
  the folder holds it only as `7_學生課程學習成果名冊.xlsx` (CLO) and `學生自填多元表現名冊.xlsx` (MP).
  Reconciliation matches their rows to the platform's items like receipt lines (ID, kind, 學年度,
  course code or category + title, normalised summary), so it finds the same states as if the batch
  were listed. Their receipts are not back yet at the default as_of, so no receipt depends on them.
- A batch of more than `XLSX_MAX_ROWS` items (county- or nation-sized demos) stays in 提交紀錄: one
  school never uploads a workbook that size, and Excel writing is slow at that scale.
- A submission row made bad on purpose in 提交紀錄 keeps its bad ID in the workbook (the school's
  copy as uploaded, which the national database rejected), so the same rows are quarantined.
- Each workbook's modification time is its batch's submission time (Asia/Taipei): `lp ingest`
  takes a workbook's submission time from `--exported-at`, else from the file's modification time.
  Loaded with `--exported-at` (as `lp demo --ingest-into` does), the batch counts as sent at the
  export moment instead, a day or two later: still well before 114-2's national deadline, so only
  the submission dates shown (and an item certified in between) differ.

Layouts (DOSSIER.md; no source prints the whole header row of a 108 workbook, so):
- CLO (名冊 7, 名冊別 26) follows S1's template `7_學生課程學習成果名冊.xlsx` exactly: 封面 `學校代碼 · 學年度 ·
  學期 · 名冊別` with one value row (the batch's term, 26 as a number as the template pre-prints it;
  the 108 generator S4 writes 學期 0 there, but then S1's sheet would lose the term); sheet
  學期課程學習成果 `身分證號 · 出生日期 · 科目代碼 · 開課年級 · 科目學分 · 課程學習成果檔案 · 課程學習成果簡述 ·
  課程學習成果影音連結` (科目代碼 holds the 23-character 課程代碼; 課程學習成果檔案 a file name; no
  學年度/學期 columns). The template's other sheets (補修, 轉學轉科) are left out: the demo has no such
  items, and a reader need not meet a header-only sheet of a layout it does not load.
- MP (名冊別 25): 封面 with 學期 `0` (the whole year, as S1 and S4 write it), then the ten category sheets
  of the 108 workbook in S4's order, always all ten (an empty category keeps its header row, as the
  template does), each `身分證號 · 出生日期` (S1) followed by the category's own columns as the research
  release prints them (S3); no 類別 column (the sheet is the category). The platform title goes in
  the sheet's title column (`MP_SHEETS`, the one DOSSIER.md names), except 幹部經歷暨事蹟紀錄, whose
  title `單位-職務` (班級幹部-學藝股長) is split into 單位名稱 and 擔任職務 (readers join them with `-`);
  for 檢定證照紀錄 the title column is 證照代碼: the demo has no national certificate code table, so it
  prints the certificate's name there.
- Dates are 7-digit ROC (`0950301`), as the templates' 出生日期; national code columns whose values
  the sources do not list (競賽等級代碼, 團體活動時間類別代碼 …) are left empty.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import numpy as np
import polars as pl

from . import _words as words
from ._ids import break_check_digit
from ._national import BATCHES, KIND_ZH
from ._random import stream
from ._text import REASONS
from ._writers import write_national_workbook

CLO_WORKBOOK = "7_學生課程學習成果名冊.xlsx"
MP_WORKBOOK = "學生自填多元表現名冊.xlsx"
CLO_BOOK_CODE = 26  # 名冊別 of 學生課程學習成果名冊, as the templates pre-print it
MP_BOOK_CODE = 25  # 名冊別 of 學生自填多元表現名冊
XLSX_MAX_ROWS = 50_000
TAIPEI = dt.timezone(dt.timedelta(hours=8))

CLO_SHEET = "學期課程學習成果"
CLO_HEADER = ("身分證號", "出生日期", "科目代碼", "開課年級", "科目學分", "課程學習成果檔案", "課程學習成果簡述",
              "課程學習成果影音連結")
_ID_HEAD = ("身分證號", "出生日期")

#: Contract category -> (sheet, its columns after 身分證號 · 出生日期, the column holding the title).
MP_SHEETS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "幹部經歷": ("幹部經歷暨事蹟紀錄", ("單位名稱", "開始日期", "結束日期", "擔任職務", "內容簡述", "幹部等級"), "擔任職務"),
    "競賽參與": ("競賽參與紀錄", ("競賽名稱", "項目", "競賽等級代碼", "獎項", "結果公布日期", "內容簡述", "團體參與代碼"),
             "競賽名稱"),
    "檢定證照": ("檢定證照紀錄", ("證照代碼", "註1", "分數", "分項結果", "取得證照日期", "證照字號", "檢定組別", "內容簡述"),
             "證照代碼"),
    "志工服務": ("服務學習紀錄", ("服務名稱", "服務單位", "開始日期", "結束日期", "時數", "內容簡述"), "服務名稱"),
    "彈性學習": ("彈性學習時間紀錄", ("彈性學習時間類別種類代碼", "內容開設名稱", "開設單位", "開設學年度", "開設學期", "每週節數",
                              "開設週數", "內容簡述"), "內容開設名稱"),
    "團體活動": ("團體活動時間紀錄", ("團體活動時間類別代碼", "辦理單位", "團體活動內容名稱", "活動學年度", "活動學期", "節數",
                              "內容簡述"), "團體活動內容名稱"),
    "職場學習": ("職場學習紀錄", ("職場學習類別代碼", "職場學習單位", "職場學習職稱", "開始日期", "結束日期", "時數", "內容簡述"),
             "職場學習單位"),
    "作品成果": ("作品成果紀錄", ("名稱", "日期", "內容簡述"), "名稱"),
    "大學及技專校院先修課程": ("大學及技專校院先修課程紀錄", ("計畫專案", "開設單位", "課程名稱", "開始日期", "結束日期", "學分數",
                                          "總時數", "內容簡述"), "課程名稱"),
    "其他多元表現": ("其他多元表現紀錄", ("名稱", "主辦單位", "開始日期", "結束日期", "時數", "內容簡述"), "名稱"),
}
UNIVERSITY = "國立臺東大學"  # who runs the university courses students take early
_AWARDS = ("特優", "優等", "甲等", "佳作", "第一名", "第二名", "第三名", "參賽")


def held_batches(submissions: pl.DataFrame, exported_at: dt.datetime) -> tuple[str, ...]:
    """The batches kept only as uploaded workbooks: per kind, the newest batch sent by the export
    moment, unless it is too big for one workbook."""
    sizes = dict(submissions.group_by(pl.col("batch_id").cast(pl.String)).len().iter_rows())
    sent = int(exported_at.replace(tzinfo=dt.UTC).timestamp())  # naive local seconds, like BATCHES
    out = []
    for kind in KIND_ZH:
        mine = [b for k, _, b, at in BATCHES if k == kind and at <= sent and sizes.get(b, 0) > 0]
        if mine and sizes[mine[-1]] <= XLSX_MAX_ROWS:
            out.append(mine[-1])
    return tuple(out)


@dataclass
class Uploaded:
    path: Path
    rows: int
    bad: dict[str, int]  # reason -> rows


def roc7(col: pl.Expr) -> pl.Expr:
    """A date as the national templates print it: 3-digit ROC year, month, day (`0950301`)."""
    return pl.concat_str([(col.dt.year() - 1911).cast(pl.String).str.zfill(3), col.dt.strftime("%m%d")])


def _ids(rows: pl.DataFrame, people: pl.DataFrame, name: str, seed: int) -> tuple[pl.DataFrame, int]:
    """身分證號 and 出生日期 of each row; a row marked bad (`_bad` = id) gets a wrong check digit."""
    ids = people["national_id"].gather(rows["student"]).to_list()
    bad = [i for i, b in enumerate(rows["_bad"].to_list()) if b == "id"]
    if bad:
        broken = break_check_digit([ids[i] for i in bad], stream(seed, "bad:" + name))
        for i, b in zip(bad, broken):
            ids[i] = b
    birth = people.select(roc7(pl.col("birth_date")))["birth_date"].gather(rows["student"])
    return pl.DataFrame({"身分證號": ids, "出生日期": birth}, schema={"身分證號": pl.String, "出生日期": pl.String}), len(bad)


def _stamp(path: Path, submitted_at: dt.datetime) -> None:
    """The file's modification time: when the batch was uploaded (Taipei time)."""
    at = submitted_at.replace(tzinfo=TAIPEI).timestamp()
    os.utime(path, (at, at))


def _cover(year: int, semester: int, code: int) -> list[tuple[str, str | int]]:
    return [("學校代碼", words.SCHOOL_CODE), ("學年度", str(year)), ("學期", str(semester)), ("名冊別", code)]


def write_clo_workbook(out: Path, sent: pl.DataFrame, clo: pl.DataFrame, sections: pl.DataFrame,
                       people: pl.DataFrame, seed: int) -> Uploaded:
    """名冊 7 of one CLO batch (`sent`: its submission rows, in 提交紀錄 order, with `_bad`)."""
    items = sent.select("item_id", "_bad").join(
        clo.select("item_id", "student", "academic_year", "semester", "section", "course_code", "summary",
                   "file_type"), on="item_id", how="left", maintain_order="left")
    sec = items["section"]
    head, bad = _ids(items, people, CLO_WORKBOOK, seed)
    body = head.hstack([
        items["course_code"].cast(pl.String).alias("科目代碼"),
        sections["grade"].gather(sec).cast(pl.String).alias("開課年級"),
        sections["credits"].gather(sec).cast(pl.String).alias("科目學分"),
        (items["item_id"] + "." + items["file_type"].cast(pl.String)).alias("課程學習成果檔案"),
        items["summary"].cast(pl.String).alias("課程學習成果簡述"),
        pl.Series("課程學習成果影音連結", [None] * items.height, dtype=pl.String),
    ])
    path = out / CLO_WORKBOOK
    year, semester = int(items["academic_year"][0]), int(items["semester"][0])
    rows = write_national_workbook(path, _cover(year, semester, CLO_BOOK_CODE), [(CLO_SHEET, CLO_HEADER, body)])
    _stamp(path, cast(dt.datetime, sent["submitted_at"].max()))  # a Datetime column; a batch has rows
    return Uploaded(path, rows, {REASONS["id"]: bad} if bad else {})


def _mp_columns(cat: str, items: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """The category sheet's own columns (after 身分證號 · 出生日期) for its items."""
    _, columns, title_col = MP_SHEETS[cat]
    n = items.height
    hours = items["summary"].cast(pl.String).str.extract(r"共(\d+)小時")
    year = items["academic_year"].cast(pl.String)
    semester = items["semester"].cast(pl.String)
    start = items.select(roc7(pl.col("start_date")))["start_date"]
    end = items.select(roc7(pl.col("end_date")))["end_date"]
    school = pl.Series([words.SCHOOL_NAME] * n, dtype=pl.String)
    title = items["title"].cast(pl.String)
    known: dict[str, pl.Series] = {
        title_col: title,
        "內容簡述": items["summary"].cast(pl.String),
        "開始日期": start, "結束日期": end, "日期": end, "結果公布日期": end, "取得證照日期": end,
        "時數": hours, "總時數": hours, "節數": hours,
        "服務單位": school, "辦理單位": school,
        "開設單位": pl.Series([UNIVERSITY if cat == "大學及技專校院先修課程" else words.SCHOOL_NAME] * n, dtype=pl.String),
        "開設學年度": year, "活動學年度": year, "開設學期": semester, "活動學期": semester,
        "幹部等級": pl.Series(rng.integers(1, 4, n)).cast(pl.String),
        "獎項": pl.Series(_AWARDS).gather(rng.integers(0, len(_AWARDS), n)),
        "每週節數": pl.Series(["2"] * n), "開設週數": pl.Series(["18"] * n), "職場學習職稱": pl.Series(["學員"] * n),
    }
    if cat == "幹部經歷":  # the title 單位-職務 (班級幹部-學藝股長) is the two columns, as readers join them
        parts = title.str.split_exact("-", 1)
        known["單位名稱"], known["擔任職務"] = parts.struct.field("field_0"), parts.struct.field("field_1")
    return pl.DataFrame([known.get(c, pl.Series([None] * n, dtype=pl.String)).alias(c) for c in columns])


def write_mp_workbook(out: Path, sent: pl.DataFrame, mp: pl.DataFrame, people: pl.DataFrame,
                      seed: int) -> Uploaded:
    """學生自填多元表現名冊 of one MP batch: 封面 (學期 0) and the ten category sheets."""
    items = sent.select("item_id", "_bad").join(
        mp.select("item_id", "student", "academic_year", "semester", "category", "title", "summary",
                  "start_date", "end_date"), on="item_id", how="left", maintain_order="left")
    head, bad = _ids(items, people, MP_WORKBOOK, seed)
    items = items.hstack(head)
    rng = stream(seed, "uploads-mp")
    sheets = []
    for cat, (sheet, columns, _) in MP_SHEETS.items():
        mine = items.filter(pl.col("category").cast(pl.String) == cat)
        body = mine.select(*_ID_HEAD).hstack(_mp_columns(cat, mine, rng))
        sheets.append((sheet, _ID_HEAD + columns, body))
    path = out / MP_WORKBOOK
    year = int(items["academic_year"][0])
    rows = write_national_workbook(path, _cover(year, 0, MP_BOOK_CODE), sheets)
    _stamp(path, cast(dt.datetime, sent["submitted_at"].max()))  # a Datetime column; a batch has rows
    return Uploaded(path, rows, {REASONS["id"]: bad} if bad else {})
