"""exports.md v2 layouts as data: files schools really hold, each read into one of the contract's kinds.

A `Layout` is a `Kind` whose `name` is its *target* kind's (so the store groups it with that kind and
writes the same stored columns in the same order), with the layout's own headers, aliases and
required flags. Besides its columns it may have

- `inputs`: headers it reads only to derive a stored column (班級座號代碼 -> 班級 and 座號);
- `constants`: header -> value, constant *context* columns of every row (名冊別 = 課程學習成果, the
  MP category of a category sheet), counted as present when a header is matched;
- `derived`: stored columns computed from the text of others (`lpdata.readers.context` does it);
- `books`: the 名冊別 codes (BOOKS) of the covers of its workbooks: a cover's code leaves the layouts
  of other 名冊 out;
- `hints`: words of a sheet name (or of the 名冊's name) that pick this layout when several fit
  equally well, and `fallback`, the layout taken when none does.

Sources (see docs/formats.md and the research DOSSIER): the 104-curriculum templates and generator
(ischool-desktop/LHDB_SH), the pilot 108 templates (S1), the 108 workbooks and the research release's
headers (S3, S4); the 異動代碼 table of ischoolinc/SHPermrec (UpdateCode_SHD.xml).

A workbook's horizontal cover (封面: one header row such as 學校代碼 · 學年度 · 學期 · 名冊別, one
row of values) gives more context columns, for every data sheet of the workbook; a data sheet's own
column beats the layout's constants, which beat the cover.

This module is a leaf like `contract`: it reads nothing but the contract.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from .contract import (
    ABSENCE_CODE,
    KINDS_BY_NAME,
    MP_CATEGORY,
    NATIONAL_UPLOADS,
    SEX,
    STATUS,
    Column,
    ColumnType,
    Kind,
    _choices,
)

T = ColumnType


@dataclass(frozen=True)
class Derived:
    """A stored column computed from the text of other columns (by their contract or input names).
    `op` names the computation in `lpdata.readers.context.DERIVATIONS`."""

    name: str
    op: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Layout(Kind):
    """One layout of exports.md v2, read into the kind `name` (see the module docstring)."""

    layout: str = ""  # what the layout is called where it comes from (學生成績名冊, 補修成績名冊 …)
    books: tuple[str, ...] = ()  # the 名冊別 codes of the covers of its workbooks (BOOKS)
    inputs: tuple[Column, ...] = ()
    constants: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    derived: tuple[Derived, ...] = ()
    hints: tuple[str, ...] = ()
    fallback: bool = False  # picked when it ties with other layouts and no hint decides

    @property
    def target(self) -> Kind:
        return KINDS_BY_NAME[self.name]

    @property
    def matchable(self) -> tuple[Column, ...]:
        return self.columns + self.inputs


def matchable(kind: Kind) -> tuple[Column, ...]:
    """The columns a header row is matched against: a layout's inputs too."""
    return kind.matchable if isinstance(kind, Layout) else kind.columns


# --- the cover ---------------------------------------------------------------------------------
#: Headers a national cover (封面) may hold. A row made of these alone, with a row of values below, is
#: a horizontal cover; its values are context for every data sheet of the workbook.
COVER_HEADERS: frozenset[str] = frozenset({
    "學校代碼", "學年度", "學期", "名冊別", "學校種類", "學校名稱", "科/班/學程別代碼", "年級班級代碼", "部別", "班別",
    "班級人數", "資料筆數", "上傳日期", "製表日期",
})

# --- national code tables ------------------------------------------------------------------------
#: 名冊別 on a national cover is a number (DOSSIER: S1 templates, S4 export_excel.vue): the 名冊 it is.
#: 34/74, 35/75, 36/76, 38/78 are the grade-12 early batches (第一/第二梯次) of 24, 25, 26, 28.
BOOKS: Mapping[str, str] = MappingProxyType({
    "1": "學生資料名冊", "2": "學生成績名冊", "3": "缺勤紀錄名冊", "4": "科目名冊", "6": "學生重修重讀成績名冊",
    "7": "進修學校學生成績名冊", "24": "校內幹部經歷名冊", "25": "學生自填多元表現名冊", "26": "學生課程學習成果名冊",
    "27": "學生重修重讀課程學習成果名冊", "28": "進修學校學生課程學習成果名冊",
    "34": "校內幹部經歷名冊", "74": "校內幹部經歷名冊", "35": "學生自填多元表現名冊", "75": "學生自填多元表現名冊",
    "36": "學生課程學習成果名冊", "76": "學生課程學習成果名冊", "38": "進修學校學生課程學習成果名冊",
    "78": "進修學校學生課程學習成果名冊",
})
_CLO_BOOKS = ("26", "27", "28", "36", "76", "38", "78")
_MP_BOOKS = ("25", "35", "75")
_CADRE_BOOKS = ("24", "34", "74")


def _status_of_change(code: int) -> str | None:
    """The status after a national 異動代碼 (the 學籍狀態代碼 ischool's generator writes: the code of
    the student's latest 異動; table: ischoolinc/SHPermrec UpdateCode_SHD.xml). None: no such code."""
    if 1 <= code <= 99 or 111 <= code <= 144 or 211 <= code <= 244 or code in (301, 302) or 401 <= code <= 499:
        return "enrolled"  # 新生, 轉入, 轉科/復學/重讀/延修, a change of 科 or grade, 更正 (a correction)
    if 311 <= code <= 316 or code == 369:
        return "transferred_out"  # 轉出
    if 341 <= code <= 350 or code in (368, 370) or 601 <= code <= 604 or 701 <= code <= 703:
        return "suspended"  # 休學, 延長休學, 保留 (601-604, 701-703)
    if 351 <= code <= 381:
        return "withdrawn"  # 投考軍校, 死亡, 越級考大學, 修業年限期滿, 註銷/放棄/廢止學籍 …
    if code == 501:
        return "graduated"
    return None


_CHANGE_CODES = {f"{c:03d}": st for c in range(1, 1000) if (st := _status_of_change(c)) is not None}
#: 學籍狀態代碼 of the national 學生資料名冊 -> the contract's status: the 3-digit 異動代碼 (a code
#: stored as a number, 1 for 001, too), and the v1 words. Any other code is quarantined.
NATIONAL_STATUS = _choices({**_CHANGE_CODES, **{str(int(c)): st for c, st in _CHANGE_CODES.items()},
                            **{k: v for k, v in STATUS.items() if v != k}})
#: 缺勤種類代碼 of the national 缺勤紀錄名冊: the contract's table (01 公假 … 12 曠課, DOSSIER section 5).
NATIONAL_ABSENCE = ABSENCE_CODE
#: 性別代碼: 1 男, 2 女.
NATIONAL_SEX = SEX

#: The MP category sheets of 學生自填多元表現名冊 (108, and the pilot's older names) -> the category.
MP_SHEETS: Mapping[str, str] = MappingProxyType({
    "幹部經歷暨事蹟紀錄": "幹部經歷",
    "競賽參與紀錄": "競賽參與",
    "檢定證照紀錄": "檢定證照",
    "服務學習紀錄": "志工服務",
    "彈性學習時間紀錄": "彈性學習",
    "團體活動時間紀錄": "團體活動",
    "職場學習紀錄": "職場學習",
    "作品成果紀錄": "作品成果",
    "大學及技專校院先修課程紀錄": "大學及技專校院先修課程",
    "其他多元表現紀錄": "其他多元表現",
    # The pilot (107) template's names.
    "幹部經歷紀錄": "幹部經歷",
    "志工服務紀錄": "志工服務",
    "自主學習紀錄": "彈性學習",
    "其他活動紀錄": "其他多元表現",
})
assert set(MP_SHEETS.values()) <= set(MP_CATEGORY.values())
#: The sheet's own name, a context column every data sheet has (a layout's `book` reads it).
SHEET_HEADER = "工作表"


# --- building layouts from the target kind's columns ---------------------------------------------
def _col(kind: str, name: str, header: str | None = None, *, required: bool = False,
         aliases: tuple[str, ...] = (), **changes: Any) -> Column:
    """The target kind's column with this layout's header, aliases and required flag. Under the
    contract's own header it keeps the contract's aliases (a spelling added there reaches every
    layout); under a header of its own, only the `aliases` given (so that a v1 file never fits it)."""
    base = KINDS_BY_NAME[kind].column(name)
    inherited = (base.header, *base.aliases) if header in (None, base.header) else ()
    header = header or base.header
    names = tuple(dict.fromkeys(a for a in (*aliases, *inherited) if a != header))
    # `changes`: other Column fields, by name (replace checks them)
    return replace(base, header=header, aliases=names, required=required, **changes)


def _layout(kind: str, layout: str, columns: Mapping[str, Column], *, books: tuple[str, ...],
            inputs: tuple[Column, ...] = (), constants: Mapping[str, str] | None = None,
            derived: tuple[Derived, ...] = (), hints: tuple[str, ...] = (), fallback: bool = False) -> Layout:
    """A layout of `kind`: every target column, as given in `columns` or else optional and matched
    by no header (stored empty)."""
    target = KINDS_BY_NAME[kind]
    unknown = set(columns) - {c.name for c in target.columns}
    assert not unknown, unknown
    cols = tuple(columns.get(c.name) or _absent(c) for c in target.columns)
    book = " / ".join(dict.fromkeys(BOOKS[b] for b in books))
    return Layout(kind, layout, target.label_en, cols, key=target.key, partition=target.partition,
                  source=target.source, description=f"{book}: {layout}", layout=layout, books=books,
                  inputs=inputs, constants=MappingProxyType(dict(constants or {})), derived=derived, hints=hints,
                  fallback=fallback)


def _absent(col: Column) -> Column:
    """A target column no file of the layout has: not required, matched by no header."""
    return replace(col, header=f"({col.name})", aliases=(), required=False)


def _in(header: str, *aliases: str, required: bool = False) -> Column:
    """An input column: read as text, only to derive a stored column (or to tell layouts apart)."""
    return Column(header, "in:" + header, T.TEXT, required=required, aliases=aliases)


def _term(kind: str, year: str | None = None, semester: str | None = None,
          aliases: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())) -> dict[str, Column]:
    """學年度 and 學期: from the cover, or a column of the sheet itself (it wins)."""
    year_aliases = (*aliases[0], "學年度") if year else aliases[0]
    sem_aliases = (*aliases[1], "學期") if semester else aliases[1]
    return {"academic_year": _col(kind, "academic_year", year, required=True, aliases=year_aliases),
            "semester": _col(kind, "semester", semester, required=True, aliases=sem_aliases)}


_NID = "national_id"
_BIRTH = _in("出生日期", required=True)  # every national sheet starts 身分證號 · 出生日期


def _nid(kind: str) -> Column:
    return _col(kind, _NID, required=True)


def _credited() -> tuple[Column, Derived]:
    """是否採計學分 / 是否計算學分: 1 counted, 2 not, 3 unknown (DOSSIER section 4)."""
    return _in("是否採計學分", "是否計算學分"), Derived("credited", "credit_flag", ("in:是否採計學分",))


# 2 學生資料名冊 (104 templates, both variants: a school run by 國教署 carries no 學號, 姓名 nor status).
_SEAT_CODE = _in("班級座號代碼", required=True)
STUDENTS_NATIONAL = _layout("students", "學生資料名冊", {
    **_term("students"), _NID: _nid("students"),
    "birth_date": _col("students", "birth_date", required=True),
    "student_no": _col("students", "student_no"),
    "name": _col("students", "name"),
    "sex": _col("students", "sex", choices=NATIONAL_SEX),
    "department": _col("students", "department", "科/班/學程別代碼", required=True),
    "status": _col("students", "status", "學籍狀態代碼", choices=NATIONAL_STATUS),
    "status_changed_on": _col("students", "status_changed_on", "學籍狀態生效日期"),
}, books=("1",), inputs=(_SEAT_CODE,), derived=(
    Derived("class_name", "class_of_seat_code", ("in:班級座號代碼",)),
    Derived("seat_no", "seat_of_seat_code", ("in:班級座號代碼",)),
    Derived("grade", "grade_of_class", ("in:班級座號代碼",)),
    # A roster without a status column (the national-run schools') lists the students on roll.
), constants={"學籍狀態代碼": "在學"}, hints=("學生資料",))

# 2 學生資料名冊 of the pilot (107) template: sheet 學生資料.
STUDENTS_PILOT = _layout("students", "學生資料 (試辦)", {
    **_term("students"), _NID: _nid("students"),
    "birth_date": _col("students", "birth_date", required=True),
    "department": _col("students", "department", "組別"),
    "grade": _col("students", "grade", required=True),
    "class_name": _col("students", "class_name", "班級", required=True),
    "seat_no": _col("students", "seat_no", required=True),
    "status": _col("students", "status", "學籍狀態代碼", choices=NATIONAL_STATUS),
}, books=("1",), inputs=(_in("修業類型", required=True),), constants={"學籍狀態代碼": "在學"}, hints=("學生資料",))

# 1 科目名冊: the cover's term; no class, no teacher.
COURSES_NATIONAL = _layout("courses", "科目名冊", {
    **_term("courses"),
    "course_code": _col("courses", "course_code", "科目代碼", required=True),
    "course_name": _col("courses", "course_name", required=True),
    "course_type": _col("courses", "course_type", "類別種類"),
}, books=("4",), inputs=(_in("一年級學分", required=True), _in("二年級學分"), _in("三年級學分"), _in("修課別")),
    derived=(Derived("credits", "credits_of_one_year", ("in:一年級學分", "in:二年級學分", "in:三年級學分")),
             Derived("grade", "grade_of_one_year", ("in:一年級學分", "in:二年級學分", "in:三年級學分"))),
    hints=("科目",))
# 1 科目名冊 of the pilot template: sheet 開設課程.
COURSES_PILOT = _layout("courses", "開設課程 (試辦)", {
    **_term("courses"),
    "course_code": _col("courses", "course_code", "科目代碼", required=True),
    "course_name": _col("courses", "course_name", required=True),
    "grade": _col("courses", "grade"),
    "credits": _col("courses", "credits", "學分數", required=True),
    "course_type": _col("courses", "course_type"),
}, books=("4",), hints=("開設課程",))


def _grades(layout: str, code: str, score: str, *, retake: bool, books: tuple[str, ...], hints: tuple[str, ...],
            code_aliases: tuple[str, ...] = (), credits: tuple[str, ...] = ("科目學分",), passed: str = "成績及格",
            term: dict[str, Column] | None = None, fallback: bool = False,
            inputs: tuple[Column, ...] = ()) -> Layout:
    flag, credited = _credited()
    return _layout("grades", layout, {
        **(term or _term("grades")), _NID: _nid("grades"),
        "course_code": _col("grades", "course_code", code, required=True, aliases=code_aliases),
        "credits": _col("grades", "credits", credits[0], aliases=credits[1:]),
        "score": _col("grades", "score", score, required=True),
        "passed": _col("grades", "passed", passed),
        "retake": _col("grades", "retake"),
    }, books=books, inputs=(_BIRTH, flag, *inputs), derived=(credited,),
        constants={"重修重讀": "是" if retake else "否"}, hints=hints, fallback=fallback)


# 3 學生成績名冊 (its sheets: 成績名冊/學期成績, 補修, 重修, 轉學轉科) and 4 學生重修重讀成績名冊 (重修, 重讀).
GRADES_TERM = _grades("學生成績名冊", "科目代碼", "原始成績", retake=False, books=("2", "7"),
                      hints=("學期成績", "成績名冊"), fallback=True, credits=("科目學分", "科目節數"))
GRADES_MAKEUP = _grades("補修成績名冊", "補修科目代碼", "補修成績", retake=False, books=("2",), hints=("補修",),
                        code_aliases=("科目代碼",), passed="補修及格")
GRADES_RETAKE = _grades("重修成績名冊", "重修科目代碼", "重修成績", retake=True, books=("2", "6"), hints=("重修",),
                        code_aliases=("原修課科目代碼", "原修課課程代碼"), credits=("科目學分", "原修課科目學分"),
                        passed="重修及格")
GRADES_REREAD = _grades("重讀成績", "科目代碼", "原始成績", retake=True, books=("6",), hints=("重讀",),
                        term=_term("grades", "修課學年度", "修課學期"))
GRADES_TRANSFER = _grades("轉學轉科生成績", "科目代碼", "抵免後成績", retake=False, books=("2",), hints=("轉學轉科",))

# 6 缺勤紀錄名冊.
ATTENDANCE_NATIONAL = _layout("attendance", "缺勤紀錄名冊", {
    **_term("attendance"), _NID: _nid("attendance"),
    "absence_code": _col("attendance", "absence_code", required=True, choices=NATIONAL_ABSENCE),
    "periods": _col("attendance", "periods", required=True),
    "start_date": _col("attendance", "start_date", required=True),
    "end_date": _col("attendance", "end_date"),
}, books=("3",), inputs=(_BIRTH,), hints=("缺勤",))

# The school's 校內幹部經歷名冊 (sheet 幹部經歷紀錄): no 登錄單位 nor 登錄時間 (stored empty).
CADRES_NATIONAL = _layout("cadres", "幹部經歷紀錄", {
    **_term("cadres"), _NID: _nid("cadres"),
    "unit": _col("cadres", "unit", required=True),
    "role": _col("cadres", "role", required=True),
    "level": _col("cadres", "level"),
    "start_date": _col("cadres", "start_date"),
    "end_date": _col("cadres", "end_date"),
}, books=_CADRE_BOOKS, inputs=(_BIRTH,), hints=("幹部經歷紀錄",))


# --- what the school uploaded: CLO (7, 8, 9) and MP workbooks -> national_uploads ----------------
_UP = "national_uploads"


def _upload(layout: str, kind: str, columns: Mapping[str, Column], *, books: tuple[str, ...],
            constants: Mapping[str, str] | None = None, hints: tuple[str, ...] = (),
            inputs: tuple[Column, ...] = (), derived: tuple[Derived, ...] = (), fallback: bool = False,
            year: str | None = None, semester: str | None = None) -> Layout:
    """名冊種類 (clo/mp) is the layout's; 名冊 (`book`) the sheet's name; 學年度, 學期 (0: none) and
    學校代碼 the cover's, or the row's own 實際修課學年度/實際修課學期 (the 108 CLO sheets)."""
    return _layout(_UP, layout, {
        "kind": _col(_UP, "kind", "名冊種類", required=True),
        "book": _col(_UP, "book", SHEET_HEADER),
        "school_code": _col(_UP, "school_code"),
        "academic_year": _col(_UP, "academic_year", year, required=True, aliases=("學年度",) if year else ()),
        "semester": _col(_UP, "semester", semester, aliases=("學期",) if semester else ()),
        _NID: _col(_UP, _NID, required=True),
        "birth_date": _col(_UP, "birth_date", required=True),
        **columns,
    }, books=books, constants={"名冊種類": kind, **(constants or {})}, hints=hints, inputs=inputs,
        derived=derived, fallback=fallback)


_SUMMARY_CLO = ("成果簡述", "課程學習成果簡述")
#: 7, 8, 9: 學期/補修/重讀/轉學轉科 課程學習成果 (課程代碼 or the pilot's 科目代碼) …
CLO_NATIONAL = _upload("課程學習成果", "課程學習成果", {
    "course_code": _col(_UP, "course_code", "課程代碼", required=True, aliases=("科目代碼",)),
    "course_name": _col(_UP, "course_name", "科目名稱"),
    "summary": _col(_UP, "summary", _SUMMARY_CLO[0], required=True, aliases=_SUMMARY_CLO[1:]),
}, books=_CLO_BOOKS, hints=("課程學習成果",), fallback=True, year="實際修課學年度", semester="實際修課學期")
#: … and 重修課程學習成果, whose course is the original one (原修課課程代碼).
CLO_RETAKE = _upload("重修課程學習成果", "課程學習成果", {
    "course_code": _col(_UP, "course_code", "原修課課程代碼", required=True, aliases=("原修課科目代碼",)),
    "course_name": _col(_UP, "course_name", "原修課科目名稱"),
    "summary": _col(_UP, "summary", _SUMMARY_CLO[0], required=True, aliases=_SUMMARY_CLO[1:]),
}, books=_CLO_BOOKS, hints=("重修",), year="實際修課學年度", semester="實際修課學期")


def _mp(sheets: tuple[str, ...], title: str | None, *, title_aliases: tuple[str, ...] = (),
        inputs: tuple[Column, ...] = (), derived: tuple[Derived, ...] = ()) -> Layout:
    """One MP category sheet: the sheet is the category (類別, a constant); its own column gives the
    title (`title`, or `derived` from `inputs`); 內容簡述 the summary."""
    columns = {
        "category": _col(_UP, "category"),
        "summary": _col(_UP, "summary", "內容簡述"),
    }
    if title is not None:
        columns["title"] = _col(_UP, "title", title, required=True, aliases=title_aliases)
    return _upload(sheets[0], "多元表現", columns, books=_MP_BOOKS, constants={"類別": MP_SHEETS[sheets[0]]},
                   hints=sheets, inputs=inputs, derived=derived)


_DATES = (_in("開始日期"), _in("結束日期"))
MP_NATIONAL: tuple[Layout, ...] = (
    # 幹部經歷: the title is 單位名稱-擔任職務 (as platforms title such an item: 班級幹部-學藝股長).
    _mp(("幹部經歷暨事蹟紀錄", "幹部經歷紀錄"), None,
        inputs=(_in("單位名稱", required=True), _in("擔任職務", required=True), _in("幹部等級"), *_DATES),
        derived=(Derived("title", "unit_and_role", ("in:單位名稱", "in:擔任職務")),)),
    _mp(("競賽參與紀錄",), "競賽名稱", inputs=(_in("獎項"),)),
    # 檢定證照: the upload has the 證照代碼 only (the name is in the national code table).
    _mp(("檢定證照紀錄",), None, inputs=(_in("證照代碼", required=True), _in("證照名稱")),
        derived=(Derived("title", "first_given", ("in:證照名稱", "in:證照代碼")),)),
    _mp(("服務學習紀錄", "志工服務紀錄"), "服務名稱", inputs=(_in("服務單位"),)),
    _mp(("彈性學習時間紀錄",), "內容開設名稱", title_aliases=("內容(開設名稱)",)),
    _mp(("自主學習紀錄",), "名稱", inputs=(_in("主辦單位"), *_DATES)),  # the pilot's
    _mp(("團體活動時間紀錄",), "團體活動內容名稱"),
    _mp(("職場學習紀錄",), "職場學習單位"),
    _mp(("作品成果紀錄",), "名稱", inputs=(_in("日期"),)),
    _mp(("大學及技專校院先修課程紀錄",), "課程名稱"),
    _mp(("其他多元表現紀錄", "其他活動紀錄"), "名稱", inputs=(_in("主辦單位"), *_DATES)),
)

#: Sheets of the national 名冊 that hold nothing the workbench counts: listed with the workbook's
#: skipped sheets (never silently, never rejecting the folder). A workbook holding only these is
#: listed as ignored. Sheet name (as `context.sheet_label` reads it) -> why it is not loaded.
NOT_LOADED_SHEETS: Mapping[str, str] = MappingProxyType({
    "補考成績": "進修學校 make-up exam scores: the workbench keeps term grades only",
    "借讀課程學習成果": "outcomes of courses taken at another school: no platform item of this school",
    "定期考查成績名冊": "periodic exam scores: not part of the portfolio's figures",
})

#: Every layout, in the order detection tries them (after the contract's own kinds).
LAYOUTS: tuple[Layout, ...] = (
    STUDENTS_NATIONAL, STUDENTS_PILOT, COURSES_NATIONAL, COURSES_PILOT,
    GRADES_TERM, GRADES_MAKEUP, GRADES_RETAKE, GRADES_REREAD, GRADES_TRANSFER,
    ATTENDANCE_NATIONAL, CADRES_NATIONAL, CLO_NATIONAL, CLO_RETAKE, *MP_NATIONAL,
)
assert NATIONAL_UPLOADS.name == _UP
