"""The export folder's layout: which file holds which kind, in which format, encoding and spelling,
and how a kind's frame becomes text cells (with a few bad cells injected and counted).

Headers always come from `lpdata.contract`. Names are free and varied, as schools' folders are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from ..contract import KINDS_BY_NAME, ColumnType, Kind
from . import _words as words
from ._calendar import YEARS
from ._columns import as_enum
from ._national import odd_spacing
from ._random import stream
from ._text import REASONS, ClockStyle, DateStyle, Spoil, bool_text, date_text, datetime_text, spoil, time_text
from ._writers import write_csv, write_xlsx

XLSX_MAX_ROWS = 50_000  # larger tables are written as CSV (Excel writing is slow at national scale)
CHUNK_ROWS = 400_000
BAD_ROW_SHARE = 0.002
BAD_ROW_MIN_FILE = 100  # files smaller than this get no bad rows
RECEIPTS_ZIP = "收訖明細.zip"  # the receipt files, as downloaded together


@dataclass(frozen=True)
class FileSpec:
    """One file of the export folder."""

    kind: str
    name: str
    encoding: str = "utf-8"  # utf-8 | utf-8-sig | cp950 (CSV only)
    date: DateStyle = "roc_slash"
    clock: ClockStyle = "hm"
    booleans: tuple[str, str] = ("是", "否")
    column_booleans: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    title: str | None = None  # a title row above the header ({year} is filled per sheet)
    excel: bool = False  # an .xlsx workbook while small enough, else CSV
    cover: bool = True  # workbooks: a 封面 sheet first
    sheet_by_year: bool = False  # workbooks: one sheet per 學年度
    where: pl.Expr | None = None  # the rows of the kind this file holds
    bad: tuple[tuple[str, Spoil], ...] = ()  # (contract column, how) to spoil, in turn
    crlf: bool = False
    #: Rows the folder holds in another file (an uploaded workbook, an ischool export): dropped after
    #: the bad rows are chosen, so the rest of this file is spoilt exactly as without them; they are
    #: handed back (`Written.moved`) with their bad mark for the other file to keep.
    omit: pl.Expr | None = None
    #: One name written with a 造字 (CP950 files: its end-user-defined bytes), on a row that is not bad.
    eudc_name: bool = False
    zip: str | None = None  # the .zip of the folder this file is a member of


def plan(as_of: dt.date, exported_at: dt.datetime, held_batches: Sequence[str] = (),
         ischool: pl.Expr | None = None) -> list[FileSpec]:
    """The files of the folder. Formats vary on purpose: Big5, BOM, plain UTF-8, workbooks.

    `held_batches`: submission batches kept only as uploaded workbooks (left out of 提交紀錄);
    `ischool`: the roster rows exported from ischool instead (left out of the platform roster)."""
    roc = f"{as_of.year - 1911}{as_of:%m%d}"
    stamp = f"{as_of.year - 1911}/{as_of:%m/%d} {exported_at:%H:%M}"
    school = words.SCHOOL_NAME
    kind = pl.col("kind")
    return [
        FileSpec("students", "學生名冊_113學年度.csv", encoding="cp950", date="roc_slash", crlf=True,
                 where=pl.col("academic_year") == 113, omit=ischool, eudc_name=True,
                 bad=(("national_id", "id"), ("birth_date", "date"))),
        FileSpec("students", "stu_roster_114.csv", encoding="utf-8-sig", date="roc7",
                 where=pl.col("academic_year") == 114, omit=ischool, bad=(("national_id", "id"),)),
        FileSpec("courses", "開課名冊.xlsx", encoding="utf-8-sig", excel=True, sheet_by_year=True,
                 title=school + " {year}學年度 開課名冊", bad=(("credits", "number"),)),
        FileSpec("grades", "3_學生成績名冊.csv", encoding="utf-8-sig", date="ad_slash", clock="hm",
                 column_booleans={"passed": ("1", "0"), "credited": ("Y", "N")},
                 bad=(("score", "number"), ("national_id", "id"))),
        FileSpec("clo", f"clo-{roc}.csv", encoding="utf-8", date="roc_slash", clock="hm", booleans=("✓", ""),
                 title=f"{school} 學生課程學習成果名冊 匯出時間：{stamp}",
                 bad=(("uploaded_at", "date"), ("national_id", "id"))),
        FileSpec("mp", "多元表現_匯出.csv", encoding="utf-8-sig", date="ad_dash", clock="hms",
                 bad=(("uploaded_at", "date"), ("national_id", "id"))),
        FileSpec("submissions", "提交紀錄.csv", encoding="utf-8", date="roc_dash", clock="ampm",
                 omit=pl.col("batch_id").cast(pl.String).is_in(list(held_batches)) if held_batches else None,
                 bad=(("national_id", "id"),)),
        FileSpec("receipts", "收訖明細_課程學習成果.csv", encoding="cp950", date="ad_slash", clock="hm", crlf=True,
                 where=kind == "課程學習成果", bad=(("national_id", "id"),), zip=RECEIPTS_ZIP),
        FileSpec("receipts", "收訖明細_多元表現.csv", encoding="utf-8-sig", date="ad_slash", clock="hms",
                 where=kind == "多元表現", bad=(("national_id", "id"),), zip=RECEIPTS_ZIP),
        FileSpec("confirmations", "收訖確認.csv", encoding="cp950", date="roc_slash", clock="hm", crlf=True,
                 bad=(("confirmed_at", "date"),)),
        FileSpec("consultations", "課程諮詢紀錄.xlsx", encoding="cp950", date="roc7", clock="ampm_hm", excel=True,
                 crlf=True, bad=(("date", "date"),)),
        FileSpec("cadres", "幹部經歷_訓育組.csv", encoding="utf-8-sig", date="roc_dot", clock="hm",
                 where=pl.col("entered_by_unit") == "訓育組", bad=(("entered_at", "date"),)),
        FileSpec("cadres", "社團幹部_活動組.csv", encoding="cp950", date="roc_slash", clock="ampm", crlf=True,
                 where=pl.col("entered_by_unit") == "活動組", bad=(("entered_at", "date"),)),
        FileSpec("attendance", "缺曠紀錄.csv", encoding="cp950", date="roc_slash", clock="hms", crlf=True,
                 bad=(("periods", "number"),)),
        FileSpec("staff", "教職員.xlsx", encoding="utf-8-sig", date="ad_dash", excel=True,
                 title=school + " 教職員名冊"),
        FileSpec("homerooms", "導師名冊.csv", encoding="utf-8"),
        FileSpec("proxies", "代理人.csv", encoding="utf-8-sig", date="ad_slash"),
        FileSpec("meetings", "工作小組會議.csv", encoding="utf-8", date="roc_slash"),
        FileSpec("trainings", "研習及說明會.xlsx", encoding="utf-8", date="ad_dash", excel=True, cover=False,
                 title=school + " 學習歷程檔案研習及說明會紀錄"),
    ]


@dataclass
class Context:
    """What rendering needs besides the kind's own frame: people and course sections."""

    people: pl.DataFrame
    sections: pl.DataFrame
    exported_at: dt.datetime
    _cache: dict[str, pl.Series] = field(default_factory=dict)

    @property
    def national_id(self) -> pl.Series:
        return self.people["national_id"]


def _prepare(kind: str, chunk: pl.DataFrame, ctx: Context, spec: FileSpec) -> pl.DataFrame:
    """The chunk with every contract column it has, named as the contract names it."""
    if kind == "students":
        people = ctx.people
        s = chunk["student"]
        return chunk.with_columns(
            people["student_no"].gather(s), people["name"].gather(s), people["sex"].gather(s),
            people["birth_date"].gather(s), people["postcode"].gather(s), people["address"].gather(s),
            pl.lit("普通科").alias("department"),
        )
    if kind == "grades":
        sec = ctx.sections
        key = f"grades_entered:{spec.date}:{spec.clock}"
        if key not in ctx._cache:  # formatted once per section, then gathered per enrolment
            entered = datetime_text(pl.col("grades_entered_at"), spec.date, spec.clock)
            ctx._cache[key] = as_enum(sec.select(entered).to_series())
        i = chunk["section"]
        credits = sec["credits"].gather(i)
        score = chunk["score"]
        passed = score >= 60
        return chunk.with_columns(
            sec["academic_year"].gather(i), sec["semester"].gather(i),
            sec["course_code"].gather(i), sec["course_name"].gather(i), credits.alias("credits"),
            passed.alias("passed"), (passed & (credits > 0)).alias("credited"),
            ctx._cache[key].gather(i).alias("entered_at"),
        )
    if kind == "mp":
        return chunk.drop("category").rename({"category_text": "category"})
    if kind == "receipts":
        summary = pl.col("summary").cast(pl.String)
        return chunk.with_columns(
            pl.when(pl.col("extra")).then(pl.lit("補登：") + summary)
            .when(pl.col("odd_spacing")).then(odd_spacing(summary)).otherwise(summary).alias("summary"),
            pl.lit(words.SCHOOL_CODE).alias("school_code"),
        )
    if kind == "consultations":
        return chunk.with_columns(time_text(pl.col("time").cast(pl.String), spec.clock).alias("time"))
    return chunk


def _format(kind: Kind, frame: pl.DataFrame, ctx: Context, spec: FileSpec) -> pl.DataFrame:
    """Text cells in contract order, headed by the contract's Chinese headers."""
    exprs = []
    for col in kind.columns:
        if col.type is ColumnType.NATIONAL_ID:
            exprs.append(pl.lit(ctx.national_id.gather(frame["student"])).alias(col.header))
            continue
        if col.name not in frame.columns:
            exprs.append(pl.lit(None, dtype=pl.String).alias(col.header))
            continue
        c = pl.col(col.name)
        dtype = frame.schema[col.name]
        if dtype == pl.Date:
            e = date_text(c, spec.date)
        elif isinstance(dtype, pl.Datetime):
            e = datetime_text(c, spec.date, spec.clock)
        elif dtype == pl.Boolean:
            e = bool_text(c, spec.column_booleans.get(col.name, spec.booleans))
        else:  # text, enums and numbers: the CSV writer prints them as they are
            e = c
        exprs.append(e.alias(col.header))
    return frame.select(exprs)


@dataclass
class Written:
    path: Path
    rows: int
    bad: dict[str, int]  # reason -> rows
    moved: pl.DataFrame | None = None  # the omitted rows, with `_bad` (how the row is spoilt, or null)
    notices: dict[str, int] = field(default_factory=dict)  # reason -> rows loaded that need a look


EUDC_CHAR = "\ue000"  # the first 造字 slot (CP950 0xFA40), as Windows decodes it
NAME_HEADER = KINDS_BY_NAME["students"].column("name").header


def odd_name(name: str, char: str) -> str:
    """The name with its last character (a rare one, in the story) written as `char`."""
    return name[:-1] + char


def _omit(frame: pl.DataFrame, spec: FileSpec, bad: list[tuple[int, str, Spoil]]
          ) -> tuple[pl.DataFrame, list[tuple[int, str, Spoil]], pl.DataFrame | None]:
    """The frame without `spec.omit`'s rows, the bad rows renumbered, and the omitted rows marked."""
    if spec.omit is None:
        return frame, bad, None
    mask = frame.select(spec.omit.fill_null(False)).to_series().to_numpy()
    how = {r: h for r, _, h in bad}
    moved = frame.filter(pl.Series(mask)).with_columns(
        pl.Series("_bad", [how.get(int(r)) for r in np.flatnonzero(mask)], dtype=pl.String))
    position = np.cumsum(~mask) - 1
    kept = [(int(position[r]), col, h) for r, col, h in bad if not mask[r]]
    return frame.filter(pl.Series(~mask)), kept, moved


def _bad_rows(frame: pl.DataFrame, spec: FileSpec, rng: np.random.Generator) -> list[tuple[int, str, Spoil]]:
    """Which rows get which bad cell: about 0.2% of the rows, at least one in a file of 100 rows."""
    n = frame.height
    if not spec.bad or n < BAD_ROW_MIN_FILE:
        return []
    total = max(1, round(BAD_ROW_SHARE * n))
    taken: set[int] = set()
    out = []
    for j, (column, how) in enumerate(spec.bad):
        count = total // len(spec.bad) + (1 if j < total % len(spec.bad) else 0)
        if column not in frame.columns:  # national_id (via `student`), or joined later and never empty
            candidates = np.arange(n)
        else:
            candidates = np.flatnonzero(frame[column].is_not_null().to_numpy())
        candidates = candidates[~np.isin(candidates, list(taken))] if taken else candidates
        chosen = np.sort(rng.choice(candidates, size=min(count, candidates.size), replace=False))
        taken.update(chosen.tolist())
        out += [(int(r), column, how) for r in chosen]
    return sorted(out)


def _spoilt(text: pl.DataFrame, offset: int, bad: list[tuple[int, str, Spoil]], kind: Kind,
            rng: np.random.Generator) -> pl.DataFrame:
    here = [(r - offset, col, how) for r, col, how in bad if offset <= r < offset + text.height]
    if not here:
        return text
    updates: dict[str, tuple[list[int], list[str]]] = {}
    for r, col, how in here:
        header = kind.column(col).header
        value = str(text[header][r])
        new = spoil([value], how, rng)[0]
        idx, vals = updates.setdefault(header, ([], []))
        idx.append(r)
        vals.append(new)
    return text.with_columns(
        text[h].cast(pl.String).scatter(idx, pl.Series(vals, dtype=pl.String)) for h, (idx, vals) in updates.items())


def write_file(out: Path, spec: FileSpec, frame: pl.DataFrame, ctx: Context, seed: int) -> Written:
    """Render and write one file; returns its path, its data rows and the bad rows by reason."""
    kind = KINDS_BY_NAME[spec.kind]
    if spec.where is not None:
        frame = frame.filter(spec.where)
    rng = stream(seed, "bad:" + spec.name)
    bad = _bad_rows(frame, spec, rng)
    frame, bad, moved = _omit(frame, spec, bad)
    counts: dict[str, int] = {}
    for _, _, how in bad:
        counts[REASONS[how]] = counts.get(REASONS[how], 0) + 1
    header = [c.header for c in kind.columns]
    eudc_row = -1
    if spec.eudc_name and frame.height:
        spoilt = {r for r, _, _ in bad}
        clean = [r for r in range(min(frame.height, 1000)) if r not in spoilt]
        eudc_row = clean[int(stream(seed, "eudc:" + spec.name).integers(0, len(clean)))]

    def chunks() -> Iterator[pl.DataFrame]:
        for offset in range(0, frame.height, CHUNK_ROWS):
            part = frame.slice(offset, CHUNK_ROWS)
            text = _format(kind, _prepare(spec.kind, part, ctx, spec), ctx, spec)
            text = _spoilt(text, offset, bad, kind, rng)
            if offset <= eudc_row < offset + text.height:
                r = eudc_row - offset
                text = text.with_columns(text[NAME_HEADER].cast(pl.String).scatter(
                    r, odd_name(str(text[NAME_HEADER][r]), EUDC_CHAR)))
            yield text

    if spec.excel and frame.height <= XLSX_MAX_ROWS:
        path = out / spec.name
        text = (pl.concat(list(chunks())) if frame.height
                else _format(kind, _prepare(spec.kind, frame, ctx, spec), ctx, spec))
        if spec.sheet_by_year:
            years = sorted(set(frame["academic_year"].to_list()))
            year_col = frame["academic_year"]
            sheets = [(f"{y}學年度", (spec.title or "").format(year=y) or None, text.filter(year_col == y))
                      for y in years]
        else:
            sheets = [(kind.label_zh, spec.title, text)]
        cover: list[tuple[str, str]] | None = None
        if spec.cover:
            year_text = "、".join(str(y) for y in sorted(set(frame["academic_year"].to_list()))) \
                if "academic_year" in frame.columns else "、".join(str(y) for y in YEARS)
            cover = [("學校代碼", words.SCHOOL_CODE), ("學校名稱", words.SCHOOL_NAME), ("學年度", year_text),
                     ("名冊別", kind.label_zh), ("匯出時間", f"{ctx.exported_at:%Y/%m/%d %H:%M}")]
        rows = write_xlsx(path, header, sheets, cover)
    else:
        path = out / (Path(spec.name).stem + ".csv")
        title = spec.title.format(year="、".join(str(y) for y in sorted(set(frame["academic_year"].to_list())))) \
            if spec.title and "{year}" in spec.title else spec.title
        rows = write_csv(path, header, chunks(), encoding=spec.encoding, title=title, crlf=spec.crlf)
    notices = {"eudc_character": 1} if eudc_row >= 0 else {}
    return Written(path, rows, counts, moved, notices)
