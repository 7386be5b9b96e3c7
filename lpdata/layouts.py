"""exports.md v2 layouts as data: files schools really hold, each read into one of the contract's kinds.

A `Layout` is a `Kind` whose `name` is its *target* kind's (so the store groups it with that kind and
writes the same stored columns in the same order), with the layout's own headers, aliases and
required flags. Besides its columns it may have

- `inputs`: headers it reads only to derive a stored column (班級座號代碼 -> 班級 and 座號);
- `constants`: header -> value, constant *context* columns of every row (名冊別 = 課程學習成果, the
  MP category of a category sheet), counted as present when a header is matched;
- `derived`: stored columns computed from the text of others (`lpdata.readers.context` does it);
- `hints`: words of a sheet name (or of the cover's 名冊別) that pick this layout when several fit.

A workbook's horizontal cover (封面: one header row such as 學校代碼 · 學年度 · 學期 · 名冊別, one
row of values) gives more context columns, for every data sheet of the workbook; a data sheet's own
column beats the layout's constants, which beat the cover.

This module is a leaf like `contract`: it reads nothing but the contract.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Mapping

from .contract import (ABSENCE_NAMES, KINDS_BY_NAME, MP_CATEGORY, NATIONAL_UPLOADS, SEX, Column, ColumnType,
                       Kind, _choices)

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

    layout: str = ""  # what the layout is called where it comes from (國教署 學生成績名冊)
    book: str = ""  # the national 名冊 it belongs to, e.g. "3 學生成績名冊"
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
#: 學籍狀態代碼 of the national 學生資料名冊 -> the contract's status.
#: TODO(dossier): the real table; until then the v1 spellings and these codes.
NATIONAL_STATUS = _choices({
    "1": "enrolled", "2": "suspended", "3": "transferred_out", "4": "withdrawn", "5": "graduated",
    "在學": "enrolled", "休學": "suspended", "轉出": "transferred_out", "退學": "withdrawn", "畢業": "graduated",
})
#: The 缺勤種類代碼 of the national 缺勤紀錄名冊: the contract's table (01-12), names and codes.
NATIONAL_ABSENCE = _choices({**{n: c for c, n in ABSENCE_NAMES.items()},
                             **{str(int(c)): c for c in ABSENCE_NAMES}})
#: 性別代碼: 1 男, 2 女.
NATIONAL_SEX = SEX

#: The MP category sheets of 學生自填多元表現名冊 -> the contract's category.
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
})
assert set(MP_SHEETS.values()) <= set(MP_CATEGORY.values())


# --- building layouts from the target kind's columns ---------------------------------------------
def _col(kind: str, name: str, header: str | None = None, *, required: bool = False,
         aliases: tuple[str, ...] = (), **changes: object) -> Column:
    """The target kind's column with this layout's header, aliases and required flag (its other
    aliases, the contract's, are kept: a header spelling added to the contract reaches every layout)."""
    base = KINDS_BY_NAME[kind].column(name)
    header = header or base.header
    names = tuple(dict.fromkeys(a for a in (*aliases, base.header, *base.aliases) if a != header))
    return replace(base, header=header, aliases=names, required=required, nullable=None, **changes)  # type: ignore[arg-type]


def _layout(kind: str, layout: str, book: str, columns: Mapping[str, Column], *,
            inputs: tuple[Column, ...] = (), constants: Mapping[str, str] | None = None,
            derived: tuple[Derived, ...] = (), hints: tuple[str, ...] = (), fallback: bool = False) -> Layout:
    """A layout of `kind`: every target column, as given in `columns` or else optional and unmatched
    by any header (a header that no file has: the column is stored empty)."""
    target = KINDS_BY_NAME[kind]
    unknown = set(columns) - {c.name for c in target.columns}
    assert not unknown, unknown
    cols = tuple(columns.get(c.name) or _absent(c) for c in target.columns)
    return Layout(kind, layout, target.label_en, cols, key=target.key, partition=target.partition,
                  source=target.source, description=f"{book}: {layout}", layout=layout, book=book,
                  inputs=inputs, constants=MappingProxyType(dict(constants or {})), derived=derived, hints=hints,
                  fallback=fallback)


def _absent(col: Column) -> Column:
    """A target column no file of the layout has: not required, matched by no header."""
    return replace(col, header=f"({col.name})", aliases=(), required=False, nullable=None)


def _text(header: str, *aliases: str, required: bool = False) -> Column:
    """An input column: read as text, only to derive a stored one."""
    return Column(header, "in:" + header, T.TEXT, required=required, aliases=aliases)


#: The term of a national sheet: from the cover (or a column of the sheet itself).
def _term(kind: str) -> dict[str, Column]:
    return {"academic_year": _col(kind, "academic_year", required=True),
            "semester": _col(kind, "semester", required=True)}


def _student(kind: str) -> dict[str, Column]:
    """身分證號 + 出生日期 identify a student in every national 名冊."""
    out = {"national_id": _col(kind, "national_id", required=True)}
    if any(c.name == "birth_date" for c in KINDS_BY_NAME[kind].columns):
        out["birth_date"] = _col(kind, "birth_date", required=True)
    return out


_SEAT_CODE = _text("班級座號代碼", required=True)
_CLASS_FROM_SEAT = (
    Derived("class_name", "class_of_seat_code", ("in:班級座號代碼",)),
    Derived("seat_no", "seat_of_seat_code", ("in:班級座號代碼",)),
    Derived("grade", "grade_of_class", ("in:班級座號代碼",)),
)

# 2 學生資料名冊: both variants (a school run by 國教署 carries no 學號, 姓名 nor status).
STUDENTS_NATIONAL = _layout("students", "學生資料名冊", "2 學生資料名冊", {
    **_term("students"), **_student("students"),
    "student_no": _col("students", "student_no"),
    "name": _col("students", "name"),
    "sex": _col("students", "sex", choices=NATIONAL_SEX),
    "department": _col("students", "department", "科/班/學程別代碼", required=True),
    "class_name": _col("students", "class_name"),
    "seat_no": _col("students", "seat_no"),
    "grade": _col("students", "grade"),
    "status": _col("students", "status", "學籍狀態代碼", choices=NATIONAL_STATUS),
    "status_changed_on": _col("students", "status_changed_on", "學籍狀態生效日期"),
}, inputs=(_SEAT_CODE,), derived=_CLASS_FROM_SEAT,
    # A roster without a status column (the national-run schools') lists the students on roll.
    constants={"學籍狀態代碼": "在學"}, hints=("學生資料",))

# 1 科目名冊: no term of its own (the cover's), no class nor teacher.
COURSES_NATIONAL = _layout("courses", "科目名冊", "1 科目名冊", {
    **_term("courses"),
    "course_code": _col("courses", "course_code", "科目代碼", required=True),
    "course_name": _col("courses", "course_name", required=True),
    "course_type": _col("courses", "course_type", "修課別"),
    "credits": _col("courses", "credits"),
    "grade": _col("courses", "grade"),
}, inputs=(_text("一年級學分", required=True), _text("二年級學分"), _text("三年級學分"), _text("是否計算學分")),
    derived=(Derived("credits", "credits_of_one_year", ("in:一年級學分", "in:二年級學分", "in:三年級學分")),
             Derived("grade", "grade_of_one_year", ("in:一年級學分", "in:二年級學分", "in:三年級學分"))),
    hints=("科目",))


def _grades(layout: str, book: str, code: str, score: str, *, retake: bool, hints: tuple[str, ...],
            credits: str | None = "科目學分") -> Layout:
    return _layout("grades", layout, book, {
        **_term("grades"), **_student("grades"),
        "course_code": _col("grades", "course_code", code, required=True),
        "credits": _col("grades", "credits", credits) if credits else _col("grades", "credits"),
        "score": _col("grades", "score", score, required=True),
        "retake": _col("grades", "retake"),
    }, inputs=(_text("出生日期", required=True),), constants={"重修重讀": "是" if retake else "否"}, hints=hints)


# 3 學生成績名冊 (with its 補修 and 重修 sheets) and 4 學生重修重讀成績名冊.
GRADES_NATIONAL = _grades("學生成績名冊", "3 學生成績名冊", "科目代碼", "原始成績", retake=False,
                          hints=("學生成績", "學期成績"))
GRADES_MAKEUP = _grades("補修成績名冊", "3 學生成績名冊", "補修科目代碼", "補修成績", retake=False, hints=("補修",),
                        credits="補修科目學分")
GRADES_RETAKE_SHEET = _grades("重修成績名冊", "3 學生成績名冊", "重修科目代碼", "重修成績", retake=True, hints=("重修成績",),
                              credits="重修科目學分")
GRADES_RETAKE_BOOK = _grades("學生重修重讀成績名冊", "4 學生重修重讀成績名冊", "科目代碼", "原始成績", retake=True,
                             hints=("重修重讀",))

# 6 缺勤紀錄名冊.
ATTENDANCE_NATIONAL = _layout("attendance", "缺勤紀錄名冊", "6 缺勤紀錄名冊", {
    **_term("attendance"), **_student("attendance"),
    "absence_code": _col("attendance", "absence_code", required=True, choices=NATIONAL_ABSENCE),
    "periods": _col("attendance", "periods", required=True),
    "start_date": _col("attendance", "start_date", required=True),
    "end_date": _col("attendance", "end_date"),
}, inputs=(_text("出生日期", required=True),), hints=("缺勤",))


# --- what the school uploaded: CLO (7, 8, 9) and MP workbooks -> national_uploads ----------------
_UP = "national_uploads"


def _upload(layout: str, book: str, kind: str, columns: Mapping[str, Column], *,
            constants: Mapping[str, str], hints: tuple[str, ...], semester_required: bool = False) -> Layout:
    return _layout(_UP, layout, book, {
        "kind": _col(_UP, "kind", "名冊種類", required=True),
        "book": _col(_UP, "book", "名冊名稱"),
        "school_code": _col(_UP, "school_code"),
        "academic_year": _col(_UP, "academic_year", required=True),
        "semester": _col(_UP, "semester", required=semester_required),
        "national_id": _col(_UP, "national_id", required=True),
        "birth_date": _col(_UP, "birth_date", required=True),
        **columns,
    }, constants={"名冊種類": kind, "名冊名稱": layout, **constants}, hints=hints)


def _clo(layout: str, book: str, hints: tuple[str, ...]) -> Layout:
    return _upload(layout, book, "課程學習成果", {
        "course_code": _col(_UP, "course_code", "課程代碼", required=True, aliases=("科目代碼",)),
        "course_name": _col(_UP, "course_name"),
        "summary": _col(_UP, "summary", "課程學習成果簡述", required=True, aliases=("成果簡述", "簡述")),
    }, constants={}, hints=hints)


CLO_TERM = _clo("學期課程學習成果", "7 學生課程學習成果名冊", ("學期課程",))
CLO_MAKEUP = _clo("補修課程學習成果", "7 學生課程學習成果名冊", ("補修",))
CLO_RETAKE_SHEET = _clo("重修課程學習成果", "7 學生課程學習成果名冊", ("重修課程",))
CLO_RETAKE_BOOK = _clo("學生重修重讀課程學習成果名冊", "8 學生重修重讀課程學習成果名冊", ("重修重讀",))
CLO_EVENING = _clo("進修學校學生課程學習成果名冊", "9 進修學校學生課程學習成果名冊", ("進修",))

#: Each MP category sheet: its title column (and other spellings of it).
MP_TITLES: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "幹部經歷暨事蹟紀錄": ("單位名稱",),
    "競賽參與紀錄": ("競賽名稱",),
    "檢定證照紀錄": ("證照名稱",),
    "服務學習紀錄": ("服務名稱", "服務單位"),
    "彈性學習時間紀錄": ("自主學習計畫名稱", "課程名稱", "名稱"),
    "團體活動時間紀錄": ("團體活動內容名稱", "活動名稱", "名稱"),
    "職場學習紀錄": ("職場學習單位", "單位名稱"),
    "作品成果紀錄": ("作品名稱",),
    "大學及技專校院先修課程紀錄": ("課程名稱",),
    "其他多元表現紀錄": ("名稱", "活動名稱"),
})


def _mp(sheet: str) -> Layout:
    title, *others = MP_TITLES[sheet]
    return _upload(sheet, "學生自填多元表現名冊", "多元表現", {
        "category": _col(_UP, "category", "類別"),
        "title": _col(_UP, "title", title, required=True, aliases=tuple(others)),
        "summary": _col(_UP, "summary", "內容簡述", aliases=("簡述", "事蹟簡述", "成果簡述")),
    }, constants={"類別": MP_SHEETS[sheet]}, hints=(sheet,))


MP_NATIONAL: tuple[Layout, ...] = tuple(_mp(sheet) for sheet in MP_SHEETS)

#: Every layout, in the order detection tries them (after the contract's own kinds).
LAYOUTS: tuple[Layout, ...] = (
    STUDENTS_NATIONAL, COURSES_NATIONAL,
    GRADES_NATIONAL, GRADES_MAKEUP, GRADES_RETAKE_SHEET, GRADES_RETAKE_BOOK,
    ATTENDANCE_NATIONAL,
    CLO_TERM, CLO_MAKEUP, CLO_RETAKE_SHEET, CLO_RETAKE_BOOK, CLO_EVENING,
    *MP_NATIONAL,
)
assert NATIONAL_UPLOADS.name == _UP
