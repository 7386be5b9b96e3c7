"""Export contract v1 (`shared/spec/exports.md`) as data: every kind, its headers and types.

This module is a leaf: readers, the store and the demo generator all read it, it reads nothing.
The Chinese header is what platforms print; `name` is the canonical column in the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType


class ColumnType(str, Enum):
    TEXT = "text"  # free text, trimmed
    CODE = "code"  # identifiers and codes: text, leading zeros kept, never numbers
    INT = "int"
    NUMBER = "number"  # decimal (scores, sizes)
    DATE = "date"
    DATETIME = "datetime"
    TIME = "time"
    BOOL = "bool"
    NATIONAL_ID = "national_id"  # validated, stored only as `national_id_hash`
    CHOICE = "choice"  # a closed set of spellings mapped to a stored code
    ROLES = "roles"  # a comma list of role codes or their Chinese names


@dataclass(frozen=True)
class Column:
    header: str
    name: str
    type: ColumnType = ColumnType.TEXT
    required: bool = False  # the header must be present
    nullable: bool | None = None  # may a value be empty? default: not when required
    aliases: tuple[str, ...] = ()
    choices: Mapping[str, str] | None = None  # accepted spelling -> stored value
    stamp: bool = False  # an event time: the newest one dates the export
    low: float | None = None  # inclusive bounds for numbers
    high: float | None = None
    as_int: bool = False  # a choice whose stored value is a number (學期, 性別代碼)

    @property
    def allows_null(self) -> bool:
        return (not self.required) if self.nullable is None else self.nullable

    @property
    def stored_name(self) -> str:
        return "national_id_hash" if self.type is ColumnType.NATIONAL_ID else self.name


@dataclass(frozen=True)
class Kind:
    name: str
    label_zh: str
    label_en: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()  # unique within one export; later duplicates are quarantined
    partition: tuple[str, ...] = ()  # the newest export of a partition is its current state
    source: str = "platform"  # platform | school
    description: str = ""

    @property
    def required(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        """The column by its contract name or its stored name (`national_id_hash`)."""
        for c in self.columns:
            if name in (c.name, c.stored_name):
                return c
        raise KeyError(name)

    @property
    def stored_columns(self) -> tuple[str, ...]:
        return tuple(c.stored_name for c in self.columns)


def _choices(pairs: Mapping[str, str]) -> Mapping[str, str]:
    """Accept each Chinese spelling and the stored code itself."""
    out = dict(pairs)
    for code in set(pairs.values()):
        out.setdefault(code, code)
    return MappingProxyType(out)


T = ColumnType

STATUS = _choices({"在學": "enrolled", "休學": "suspended", "轉出": "transferred_out",
                   "退學": "withdrawn", "畢業": "graduated",
                   # ischool / 1Campus (exports.md v2): 一般 is an ordinary enrolled student; 延修, a
                   # student in extended study (past the third year, still enrolled and still taking
                   # courses, so counted as enrolled); 輟學, dropped out (no longer attending: withdrawn);
                   # 畢業或離校, graduated or otherwise gone (ischool's one word for both: graduated).
                   "一般": "enrolled", "延修": "enrolled", "輟學": "withdrawn", "畢業或離校": "graduated"})
CERT_STATUS = _choices({"待認證": "pending", "認證通過": "certified", "認證未通過": "rejected",
                        "通過": "certified", "未通過": "rejected"})
PORTFOLIO_KIND = _choices({"課程學習成果": "clo", "多元表現": "mp"})
CONFIRM_STATE = _choices({"未確認": "unconfirmed", "確認無誤": "confirmed", "回報有誤": "reported_error"})
SCHOOL_FINDING = _choices({"資料無誤": "data_correct", "已更正": "corrected"})
CONSULT_MODE = _choices({"團體": "group", "個別": "individual"})
SEMESTER = _choices({"1": "1", "2": "2", "上": "1", "下": "2", "上學期": "1", "下學期": "2"})
SEX = _choices({"1": "1", "2": "2", "男": "1", "女": "2"})
FILE_TYPE = _choices({t: t for t in ("pdf", "jpg", "jpeg", "png", "mp3", "mp4")} | {"jpeg": "jpg"})
MP_CATEGORY = _choices({
    "幹部經歷": "幹部經歷", "競賽參與": "競賽參與", "檢定證照": "檢定證照",
    "志工服務": "志工服務", "服務學習": "志工服務",
    "彈性學習": "彈性學習", "自主學習": "彈性學習",
    "團體活動": "團體活動", "職場學習": "職場學習", "作品成果": "作品成果",
    "大學及技專校院先修課程": "大學及技專校院先修課程", "其他多元表現": "其他多元表現",
})
ENTRY_UNIT = _choices({"訓育組": "訓育組", "活動組": "活動組"})
ABSENCE_NAMES = {"01": "公假", "02": "事假", "03": "病假", "04": "婚假", "05": "產前假", "06": "娩假",
                 "07": "陪產假", "08": "流產假", "09": "育嬰假", "10": "生理假", "11": "喪假", "12": "曠課"}
ABSENCE_CODE = _choices({**{n: c for c, n in ABSENCE_NAMES.items()},
                         **{str(int(c)): c for c in ABSENCE_NAMES}})
#: The closed values a school may give its own spellings of (`parameters/value_aliases.yaml`):
#: section -> the contract's choices. A column belongs to a section when it accepts all of them.
VALUE_ALIAS_FILE = "parameters/value_aliases.yaml"
VALUE_ALIAS_SECTIONS: Mapping[str, Mapping[str, str]] = MappingProxyType({
    "status": STATUS, "sex": SEX, "semester": SEMESTER, "category": MP_CATEGORY, "absence_type": ABSENCE_CODE,
})


def value_section(choices: Mapping[str, str] | None) -> str | None:
    """The value-alias section of a choice column (its choices, possibly extended by aliases)."""
    if not choices:
        return None
    for section, base in VALUE_ALIAS_SECTIONS.items():
        if all(choices.get(k) == v for k, v in base.items()):
            return section
    return None


TRAINING_TYPE = _choices({"選課說明會": "course_selection", "新生說明會": "new_student",
                          "系統操作說明": "platform_class", "教師研習": "teacher_workshop",
                          "親師說明": "parent_briefing", "親師說明會": "parent_briefing"})
PROXY_BASIS = _choices({"會議": "meeting", "簽呈": "memo"})

#: Roles of rules.md: code -> Chinese names accepted in 職務.
ROLES: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "academic_director": ("教務主任",),
    "registrar_head": ("註冊組長",),
    "registrar_clerk": ("註冊組幹事",),
    "portfolio_assistant": ("學習歷程檔案協行教師", "協行教師"),
    "discipline_clerk": ("生輔組幹事",),
    "activities_clerk": ("訓育組幹事", "活動組", "活動組幹事"),
    "activities_head": ("訓育組長",),
    "instruction_head": ("教學組長",),
    "research_head": ("實研組長",),
    "counselling_office": ("輔導室",),
    "course_counsellor": ("課程諮詢教師",),
    "homeroom_teacher": ("導師",),
    "course_teacher": ("任課教師",),
    "tech_services": ("技術服務組",),
})
ROLE_CHOICES = _choices({zh: code for code, names in ROLES.items() for zh in names})

# Columns shared by many kinds.
# exports.md v2 built-in spellings: the national database's research releases print `sch_year` and
# `semester`; rosters print the ID as 身分證統一編號, 國民身分證統一編號, 身份證字號 (份) or 身分證號碼.
_YEAR = Column("學年度", "academic_year", T.INT, required=True, low=1, high=300, aliases=("sch_year",))
_SEM = Column("學期", "semester", T.CHOICE, required=True, choices=SEMESTER, as_int=True, aliases=("semester",))
_NID = Column("身分證號", "national_id", T.NATIONAL_ID, required=True,
              aliases=("身分證字號", "統一證號", "身分證統一編號", "國民身分證統一編號", "身份證字號", "身分證號碼"))
_COURSE = Column("課程代碼", "course_code", T.CODE, required=True)

KINDS: tuple[Kind, ...] = (
    Kind("students", "學生名冊", "student roster", (
        _YEAR, _SEM, _NID,
        Column("學號", "student_no", T.CODE, required=True),
        Column("姓名", "name", T.TEXT, required=True, aliases=("學生姓名",)),
        Column("性別代碼", "sex", T.CHOICE, choices=SEX, as_int=True, aliases=("性別",)),
        Column("出生日期", "birth_date", T.DATE, aliases=("生日",)),
        Column("年級", "grade", T.INT, required=True, low=1, high=3),
        Column("班級名稱", "class_name", T.CODE, required=True, aliases=("班級", "班別名稱")),
        Column("座號", "seat_no", T.INT, required=True, low=0, high=999),
        Column("科別", "department", T.TEXT),
        Column("學籍狀態", "status", T.CHOICE, required=True, choices=STATUS, aliases=("在學狀態",)),
        Column("學籍異動日期", "status_changed_on", T.DATE, stamp=True),
        Column("郵遞區號", "postcode", T.CODE),
        Column("通訊地址", "address", T.TEXT),
        Column("檢核確認日期", "verified_on", T.DATE, stamp=True),
    ), key=("academic_year", "semester", "national_id_hash"), partition=("academic_year", "semester")),
    Kind("courses", "開課名冊", "course sections", (
        _YEAR, _SEM,
        Column("課程代碼", "course_code", T.CODE, required=True),
        Column("科目名稱", "course_name", T.TEXT, required=True),
        Column("開課年級", "grade", T.INT, low=1, high=3),
        Column("修課學分", "credits", T.NUMBER, required=True, low=0, high=30),
        Column("開課班級", "class_name", T.CODE, required=True),
        Column("任課教師代碼", "teacher_code", T.CODE, required=True),
        Column("任課教師", "teacher_name", T.TEXT),
        Column("課程類別", "course_type", T.TEXT),
    ), key=("academic_year", "semester", "course_code", "class_name"), partition=("academic_year", "semester")),
    Kind("grades", "學生成績名冊", "course grades", (
        _YEAR, _SEM, _NID, _COURSE,
        Column("科目名稱", "course_name", T.TEXT),
        Column("修課學分", "credits", T.NUMBER, low=0, high=30),
        Column("學期學業成績", "score", T.NUMBER, required=True, nullable=True, low=0, high=100),
        Column("成績及格", "passed", T.BOOL),
        Column("是否採計學分", "credited", T.BOOL),
        Column("登錄時間", "entered_at", T.DATETIME, stamp=True),
        # exports.md v2: rows of the national 學生重修重讀成績名冊 (4) and the 重修 sheets are retakes.
        Column("重修重讀", "retake", T.BOOL),
    ), key=("academic_year", "semester", "national_id_hash", "course_code"), partition=("academic_year", "semester")),
    Kind("clo", "課程學習成果", "course learning outcomes", (
        Column("成果編號", "item_id", T.CODE, required=True),
        _YEAR, _SEM, _NID, _COURSE,
        Column("科目名稱", "course_name", T.TEXT),
        Column("任課教師代碼", "teacher_code", T.CODE),
        Column("成果簡述", "summary", T.TEXT, required=True),
        Column("檔案格式", "file_type", T.CHOICE, choices=FILE_TYPE),
        Column("檔案大小KB", "file_kb", T.NUMBER, low=0),
        Column("上傳時間", "uploaded_at", T.DATETIME, required=True, stamp=True),
        Column("認證狀態", "cert_status", T.CHOICE, required=True, choices=CERT_STATUS),
        Column("認證教師代碼", "certified_by", T.CODE),
        Column("認證時間", "certified_at", T.DATETIME, stamp=True),
        Column("認證意見", "cert_note", T.TEXT),
        Column("勾選", "selected", T.BOOL, required=True),
        Column("勾選時間", "selected_at", T.DATETIME, stamp=True),
        Column("刪除時間", "deleted_at", T.DATETIME, stamp=True),
    ), key=("item_id",), partition=("academic_year", "semester")),
    Kind("mp", "多元表現", "diverse performances", (
        Column("表現編號", "item_id", T.CODE, required=True),
        _YEAR,
        Column("學期", "semester", T.CHOICE, choices=SEMESTER, as_int=True, aliases=("semester",)),
        _NID,
        Column("類別", "category", T.CHOICE, required=True, choices=MP_CATEGORY),
        Column("名稱", "title", T.TEXT, required=True),
        Column("內容簡述", "summary", T.TEXT),
        Column("開始日期", "start_date", T.DATE),
        Column("結束日期", "end_date", T.DATE),
        Column("上傳時間", "uploaded_at", T.DATETIME, required=True, stamp=True),
        Column("勾選", "selected", T.BOOL, required=True),
        Column("勾選時間", "selected_at", T.DATETIME, stamp=True),
        Column("刪除時間", "deleted_at", T.DATETIME, stamp=True),
    ), key=("item_id",), partition=("academic_year", "semester")),
    Kind("submissions", "提交紀錄", "submissions", (
        Column("提交批次", "batch_id", T.CODE, required=True),
        Column("提交時間", "submitted_at", T.DATETIME, required=True, stamp=True),
        Column("提交人員代碼", "submitted_by", T.CODE, required=True),
        Column("名冊別", "kind", T.CHOICE, required=True, choices=PORTFOLIO_KIND),
        Column("項目編號", "item_id", T.CODE, required=True),
        _NID,
    ), key=("batch_id", "kind", "item_id"), partition=("batch_id",)),
    Kind("receipts", "收訖明細", "receipt details", (
        Column("收訖批次", "receipt_batch", T.CODE, required=True),
        Column("學校代碼", "school_code", T.CODE),
        _YEAR,
        Column("名冊別", "kind", T.CHOICE, required=True, choices=PORTFOLIO_KIND),
        _NID,
        Column("實際修課學期", "semester", T.CHOICE, choices=SEMESTER, as_int=True),
        Column("課程代碼", "course_code", T.CODE),
        Column("科目名稱", "course_name", T.TEXT),
        Column("類別", "category", T.CHOICE, choices=MP_CATEGORY),
        Column("名稱", "title", T.TEXT),
        Column("簡述", "summary", T.TEXT, required=True),
        Column("收訖時間", "received_at", T.DATETIME, required=True, stamp=True),
    ), partition=("receipt_batch",)),
    Kind("confirmations", "收訖確認", "receipt confirmations", (
        Column("收訖批次", "receipt_batch", T.CODE, required=True),
        _NID,
        Column("確認狀態", "state", T.CHOICE, required=True, choices=CONFIRM_STATE),
        Column("確認時間", "confirmed_at", T.DATETIME, stamp=True),
        Column("回報內容", "report_text", T.TEXT),
        Column("學校查核結果", "school_finding", T.CHOICE, choices=SCHOOL_FINDING),
        Column("查核時間", "checked_at", T.DATETIME, stamp=True),
        Column("重新提交時間", "resubmitted_at", T.DATETIME, stamp=True),
    ), key=("receipt_batch", "national_id_hash"), partition=("receipt_batch",)),
    Kind("consultations", "課程諮詢紀錄", "course consultations", (
        Column("諮詢編號", "session_id", T.CODE, required=True),
        Column("諮詢類型", "mode", T.CHOICE, required=True, choices=CONSULT_MODE),
        Column("日期", "date", T.DATE, required=True, stamp=True),
        Column("時間", "time", T.TIME, required=True),
        Column("地點", "place", T.TEXT, required=True),
        Column("課程諮詢教師代碼", "counsellor_code", T.CODE, required=True),
        _NID,
        Column("諮詢內容及意見", "content", T.TEXT, required=True),
        Column("登錄時間", "entered_at", T.DATETIME, stamp=True),
    ), key=("session_id", "national_id_hash"), partition=("academic_year", "semester")),
    Kind("cadres", "幹部經歷", "cadre and club records", (
        _YEAR, _SEM, _NID,
        Column("單位名稱", "unit", T.TEXT, required=True),
        Column("擔任職務", "role", T.TEXT, required=True),
        Column("幹部等級", "level", T.INT, low=1, high=3),
        Column("開始日期", "start_date", T.DATE),
        Column("結束日期", "end_date", T.DATE),
        Column("登錄單位", "entered_by_unit", T.CHOICE, required=True, choices=ENTRY_UNIT),
        Column("登錄時間", "entered_at", T.DATETIME, required=True, stamp=True),
    ), key=("academic_year", "semester", "national_id_hash", "unit", "role"), partition=("academic_year", "semester")),
    Kind("attendance", "缺勤紀錄", "absences", (
        _YEAR, _SEM, _NID,
        Column("缺勤種類代碼", "absence_code", T.CHOICE, required=True, choices=ABSENCE_CODE),
        Column("缺勤節數", "periods", T.INT, required=True, low=0, high=1000),
        Column("缺勤起始日期", "start_date", T.DATE, required=True),
        Column("缺勤結束日期", "end_date", T.DATE),
        Column("登錄時間", "entered_at", T.DATETIME, required=True, stamp=True),
    ), key=("academic_year", "semester", "national_id_hash", "absence_code", "start_date"),
        partition=("academic_year", "semester")),
    # The school's own records.
    Kind("staff", "教職員", "staff", (
        Column("教師代碼", "teacher_code", T.CODE, required=True),
        Column("姓名", "name", T.TEXT, required=True),
        Column("職務", "roles", T.ROLES, required=True, nullable=True),
        Column("到職日期", "hired_on", T.DATE),
        Column("離職日期", "left_on", T.DATE),
        Column("帳號停用日期", "disabled_on", T.DATE),
    ), key=("teacher_code",), source="school"),
    Kind("homerooms", "導師名冊", "homeroom teachers", (
        _YEAR, _SEM,
        Column("班級名稱", "class_name", T.CODE, required=True, aliases=("班級", "班別名稱")),
        Column("導師代碼", "teacher_code", T.CODE, required=True),
    ), key=("academic_year", "semester", "class_name"), partition=("academic_year", "semester"), source="school"),
    Kind("proxies", "代理人", "proxies", (
        Column("原人員代碼", "original_code", T.CODE, required=True),
        Column("代理人代碼", "proxy_code", T.CODE, required=True),
        Column("依據", "basis", T.CHOICE, required=True, choices=PROXY_BASIS),
        Column("生效日期", "starts_on", T.DATE, required=True),
        Column("結束日期", "ends_on", T.DATE),
    ), key=("original_code", "proxy_code", "starts_on"), source="school"),
    Kind("meetings", "工作小組會議", "task-force meetings", (
        Column("日期", "date", T.DATE, required=True),
        Column("會議名稱", "title", T.TEXT, required=True),
        Column("出席人數", "attendees", T.INT, low=0, high=1000),
    ), key=("date", "title"), source="school"),
    Kind("trainings", "研習及說明會", "trainings and briefings", (
        Column("日期", "date", T.DATE, required=True),
        Column("類型", "type", T.CHOICE, required=True, choices=TRAINING_TYPE),
        Column("對象班級", "target_class", T.CODE),
        Column("參加人數", "participants", T.INT, low=0, high=100000),
    ), key=("date", "type", "target_class"), source="school"),
)

#: The schedule (期程) is YAML, not a table: `學年度-學期` -> {milestone: AD date}.
SCHEDULE_MILESTONES: tuple[str, ...] = (
    "published_on", "closing_ceremony", "clo_upload_due", "clo_certify_due", "clo_select_due",
    "mp_select_due", "national_due", "receipt_confirm_from", "receipt_confirm_to",
)
SCHEDULE = Kind("schedule", "期程", "schedule", (
    _YEAR, _SEM, *(Column(m, m, T.DATE) for m in SCHEDULE_MILESTONES),
), key=("academic_year", "semester"), partition=("academic_year", "semester"), source="school")

#: The rules (規則) are YAML too: dated settings of the rules in rules.md. Rule id -> its settings.
#: Rules with no number (R-CLO-CERT's duty itself, the proxy chains, R-LEFT-MAIL, R-NO-FORCE) are
#: decided from the records alone; P-SMALL-CELL is the privacy threshold of task-force briefings.
RULE_SETTINGS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "R-TF-MEET": ("min_per_semester",),
    "R-CLO-UPLOAD-MAX": ("max_per_semester",),
    "R-CLO-CERT": ("certified_by_due_target",),
    "R-CLO-SUBMIT-MAX": ("max_per_year",),
    "R-MP-SUBMIT-MAX": ("max_per_year",),
    "R-CHECK-LEAD": ("lead_days", "on_time_target"),
    "R-SCHEDULE": ("min_per_semester",),
    "R-ROSTER-VERIFY": ("min_per_semester",),
    "R-RETENTION": ("seal_years",),
    "R-PROXY-ADMIN": (),
    "R-PROXY-TEACHER": (),
    "R-LEFT-MAIL": (),
    "R-TRAIN-STUDENT": ("min_per_semester",),
    "R-TRAIN-NEW": ("min_briefings_per_year", "min_sessions_per_grade1_class"),
    "R-TRAIN-TEACHER": ("min_per_year",),
    "R-TRAIN-PARENT": ("min_per_year",),
    "R-RECEIPT-WINDOW": ("min_days",),
    "R-CLO-WINDOW": ("min_days_after_closing",),
    "R-NO-FORCE": (),
    "R-FILE-LIMITS": ("document_max_kb", "media_max_kb", "summary_max_chars"),
    "P-SMALL-CELL": ("min_students",),
})
RULES = Kind("rules", "規則", "rules", (
    Column("effective_from", "effective_from", T.INT, required=True, low=1, high=300),
    Column("rule_id", "rule_id", T.CODE, required=True),
    Column("setting", "setting", T.CODE, required=True),
    Column("value", "value", T.NUMBER, required=True),
), key=("effective_from", "rule_id", "setting"), source="school")

#: exports.md v2: the rows of a national CLO (名冊 7, 8, 9) or MP upload workbook. Such a workbook is
#: what the school uploaded, a submission batch without item IDs: the batch is the file
#: (`batch_id`, its path as shown in the folder) and its time `submitted_at` (--exported-at, else
#: the file's modification time, else the ingest time), both set at ingest. Its rows are matched to
#: platform items as receipt lines are. Read only through the national layouts (no header of its own).
NATIONAL_UPLOADS = Kind("national_uploads", "上傳國教署名冊", "uploaded national workbooks", (
    Column("名冊批次", "batch_id", T.CODE, required=True),
    Column("上傳時間", "submitted_at", T.DATETIME, stamp=True),
    Column("名冊別", "kind", T.CHOICE, required=True, choices=PORTFOLIO_KIND),
    Column("名冊", "book", T.TEXT),
    Column("學校代碼", "school_code", T.CODE),
    _YEAR,
    Column("學期", "semester", T.CHOICE, choices=SEMESTER, as_int=True, aliases=("semester",)),
    _NID,
    Column("出生日期", "birth_date", T.DATE, aliases=("生日",)),
    Column("課程代碼", "course_code", T.CODE),
    Column("科目名稱", "course_name", T.TEXT),
    Column("類別", "category", T.CHOICE, choices=MP_CATEGORY),
    Column("名稱", "title", T.TEXT),
    Column("簡述", "summary", T.TEXT),
), partition=("batch_id",))

ALL_KINDS: tuple[Kind, ...] = (*KINDS, SCHEDULE, RULES, NATIONAL_UPLOADS)
KINDS_BY_NAME: Mapping[str, Kind] = MappingProxyType({k.name: k for k in ALL_KINDS})

#: Kinds whose term is derived from a date column rather than read.
DERIVED_TERM: Mapping[str, str] = MappingProxyType({"consultations": "date"})
