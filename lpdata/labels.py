"""Chinese column labels, one table for `lp query --labels zh` and the reports: a kind's own view
shows its contract headers, every other column the label `COLUMNS_ZH` gives its name.

A name is labelled once, here (tests/test_labels.py checks no key is written twice): the reports'
`i18n.Strings.columns` reads this table, so a column reads the same on the screen and in print."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .contract import KINDS_BY_NAME, ROLES

COLUMNS_ZH: Mapping[str, str] = {
    "file": "檔案", "kind": "名冊別", "reason": "原因", "rows_read": "讀取列數", "rows_loaded": "載入列數",
    "rows_quarantined": "隔離列數", "rows_with_reason": "此原因列數", "example_row": "範例列",
    "file_id": "檔案編號", "snapshot_id": "快照編號", "exported_at": "匯出時間", "encoding": "編碼",
    "example_row_number": "範例列號", "example_sheet": "範例工作表", "example_column": "範例欄位",
    "example_value": "範例值", "example_detail": "範例說明", "example_raw": "範例原始列",
    "term_or_batch": "學期或批次", "rows": "列數", "older_snapshots": "歷史快照數", "files": "檔案",
    "snapshot_rows_quarantined": "快照隔離列數", "national_id_hash": "身分證號雜湊", "_file_id": "來源檔案",
    "_row": "來源列", "academic_year": "學年度", "semester": "學期", "class_name": "班級名稱",
    "student_no": "學號", "grade": "年級",
    # metrics.md
    "homeroom_teacher_code": "導師代碼", "homeroom_teacher_name": "導師", "students": "在學人數",
    "clo_uploaders": "成果上傳人數", "clo_upload_rate": "成果上傳率", "clo_items": "成果件數",
    "clo_certified": "已認證", "clo_pending": "待認證", "clo_rejected": "認證未通過",
    "clo_certified_students": "有認證成果人數", "clo_selected": "成果勾選件數", "mp_uploaders": "多元表現上傳人數",
    "mp_upload_rate": "多元表現上傳率", "mp_items": "多元表現件數", "mp_selected": "多元表現勾選件數",
    "item_id": "項目編號", "course_code": "課程代碼", "course_name": "科目名稱", "teacher_code": "任課教師代碼",
    "teacher_name": "任課教師", "uploaded_at": "上傳時間", "waiting_days": "等待天數", "certify_due": "認證截止日",
    "days_to_due": "距截止天數", "overdue": "逾期", "teacher_active": "教師在職", "assignee_code": "負責認證人代碼",
    "needs_proxy": "需指定代理人", "pending": "待認證", "oldest_waiting_days": "最久等待天數", "certified": "已認證",
    "rejected": "未通過", "median_turnaround_days": "認證天數中位數", "certified_by_due_rate": "如期認證率",
    "items": "件數", "receipt_batch": "收訖批次", "receipt_line": "收訖明細列", "state": "狀態",
    "submitted_uncertified": "未認證即提交", "batch_id": "提交批次", "submitted_at": "提交時間",
    "explanation": "說明", "rule_id": "規則編號", "count": "件數", "limit": "上限", "enrolled": "在學",
    "mail_needed": "需紙本通知", "lines": "明細筆數", "name": "姓名", "address": "通訊地址", "postcode": "郵遞區號",
    "role": "職務", "person_code": "人員代碼", "person_name": "姓名", "metric": "指標", "unit": "單位",
    "value": "數值", "target": "目標", "met": "達成", "definition": "定義", "definition_en": "定義 (英文)",
    "status": "狀態", "evidence": "佐證",
    "evidence_zh": "佐證（中文）", "rule_title": "規則", "owner": "負責職務", "setting": "設定值",
    "graduated_on": "畢業日期", "seal_until": "封存至", "effective_from": "生效學年度", "source": "來源",
    "excess": "超出件數", "submitted": "已提交", "selected_not_submitted": "勾選未提交",
    "breached_semesters": "超量學期", "student_enrolled": "學生在學", "teacher_in_staff": "在教職員名冊",
    "teacher_inactive_since": "離職或停用日", "assignee_name": "負責認證人", "proxy_basis": "代理依據",
    "kinds": "名冊別", "confirmed_at": "確認時間", "report_text": "回報內容", "school_finding": "學校查核結果",
    "checked_at": "查核時間", "resubmitted_at": "重新提交時間", "graduated_on_from": "畢業日期來源",
    "seal_years": "封存年限", "deletable_from": "可刪除日", "students_not_enrolled": "非在學人數",
    "in_progress": "期間進行中", "items_uploaded_by_due": "期限內上傳件數", "decided_by_due": "期限內認證件數",
    "upload_due": "上傳截止日", "metric_order": "指標順序", "receipt_file": "收訖檔案",
    "submitted_by": "提交人員代碼", "times_submitted": "提交次數", "received_at": "收訖時間",
    "seat_no": "座號", "has_clo": "已上傳成果", "has_mp": "已上傳多元表現",
    "selected_at": "勾選時間", "category": "類別", "title": "名稱", "summary": "簡述", "receipt_summary": "收訖簡述",
    "period_closed": "確認期間已截止", "rule_order": "規則順序",
    # columns only the reports' tables and charts make
    "uploaders_rate": "上傳率", "as_of": "資料日期", "series": "項目", "people_met": "達成人數", "people_total": "人數",
    "teachers": "教師數", "classes": "班級數", "rules": "規定數", "waiting_bucket": "等待天數", "stage": "階段",
    "student_name": "學生姓名", "covers_for": "代理的教師",
    # class_chase_list, class_chase_summary, backlog_by_course.certifier (the class dashboard)
    "to_upload": "待上傳", "to_select": "待勾選", "to_reupload": "需重新上傳科目數",
    "reupload_courses": "需重新上傳的科目", "needs_action": "尚有待辦", "clo_selected_year": "本學年成果勾選件數",
    "clo_select_max": "成果每學年勾選上限", "mp_selected_year": "本學年多元表現勾選件數",
    "mp_select_max": "多元表現每學年勾選上限", "students_to_chase": "待追蹤人數", "students_to_upload": "待上傳人數",
    "students_to_select": "待勾選人數", "students_pending": "有成果待認證人數",
    "students_to_reupload": "需重新上傳人數", "clo_selectors": "成果勾選人數",
    "clo_can_select": "可勾選成果人數", "clo_at_max": "成果勾選達上限人數", "mp_selectors": "多元表現勾選人數",
    "mp_can_select": "有多元表現人數", "mp_at_max": "多元表現勾選達上限人數", "certifier": "負責認證情形",
    # reconciliation_actions, reconciliation_discrepancies, paper_mail
    "national_due": "國教署上傳截止日", "deadline_passed": "截止日已過", "to_act_on": "需處理",
    "not_received": "已回傳卻未收訖", "not_submitted": "逾期未提交", "received_not_submitted": "收訖無提交紀錄",
    "still_to_submit": "待提交", "awaiting_receipt": "待回傳", "explanation_zh": "說明（中文）",
    "receipt_batches": "收訖批次（併列）", "batches": "批次數",
    # effectiveness_by_role
    "people": "人員數", "people_with_value": "有數值人數", "not_met": "未達成", "median_value": "中位數",
}


#: The public views (`queries/*.sql` not starting with `_`): (Chinese name, English name), for
#: `lp query --help` and its unknown-view error. tests/test_labels.py checks every public view has one.
VIEW_NAMES: Mapping[str, tuple[str, str]] = {
    "class_completion": ("各班上傳完成情形", "Class completion"),
    "student_uploads": ("學生上傳情形", "Student uploads"),
    "certification_backlog": ("待認證成果", "Certification backlog"),
    "backlog_by_course": ("各科待認證件數", "Backlog by course"),
    "class_chase_list": ("班級追蹤名單", "Class chase list"),
    "class_chase_summary": ("班級待辦與勾選概況", "Class chase summary"),
    "backlog_by_assignee": ("各認證人待認證件數", "Backlog by assignee"),
    "backlog_needing_proxy": ("需指定代理人的離職教師", "Backlog needing a proxy"),
    "teacher_certification": ("教師認證情形", "Teacher certification"),
    "reconciliation": ("勾選、提交與收訖對帳", "Reconciliation"),
    "reconciliation_discrepancies": ("對帳差異", "Reconciliation discrepancies"),
    "reconciliation_funnel": ("對帳進度", "Reconciliation funnel"),
    "reconciliation_states": ("對帳狀態統計", "Reconciliation states"),
    "receipt_confirmation": ("收訖確認", "Receipt confirmation"),
    "receipt_confirmation_states": ("收訖確認狀態統計", "Receipt confirmation states"),
    "paper_mail": ("紙本郵寄通知名單", "Paper mail list"),
    "reconciliation_actions": ("對帳待處理與等待件數", "Reconciliation: to act on and waiting"),
    "effectiveness_by_role": ("各職務成效達成情形", "Effectiveness by role"),
    "quota_breaches": ("超過件數上限", "Quota breaches"),
    "effectiveness": ("成效評核", "Effectiveness"),
    "compliance": ("規定執行情形", "Compliance"),
    "retention": ("畢業生資料保存", "Retention"),
    "data_quality": ("資料品質", "Data quality"),
    "data_quality_files": ("各檔案資料品質", "Data quality by file"),
    "data_quality_reasons": ("隔離原因統計", "Data quality by reason"),
    "load_status": ("載入狀態", "Load status"),
}


#: Code labels: column -> code -> (zh-TW, en), for the reports (`i18n.Strings.value`) and
#: `lp query --labels zh`. Roles and kinds come from the contract too.
VALUES: Mapping[str, Mapping[str, tuple[str, str]]] = {
    "state": {
        "received": ("已收訖", "received"),
        "selected_not_submitted": ("勾選未提交", "selected, not submitted"),
        "submitted_not_received": ("提交未收訖", "submitted, not received"),
        "awaiting_receipt": ("待回傳", "awaiting receipt"),
        "received_not_submitted": ("收訖無提交紀錄", "received, never submitted"),
        "confirmed": ("確認無誤", "confirmed"),
        "reported_error_open": ("回報有誤（待查）", "reported an error (open)"),
        "reported_error_resolved": ("回報有誤（已處理）", "reported an error (resolved)"),
        "unconfirmed": ("未確認", "unconfirmed"),
        "sealed": ("封存中", "sealed"),
        "due_for_deletion": ("應刪除", "due for deletion"),
    },
    "status": {"pass": ("符合", "pass"), "fail": ("不符合", "fail"), "unknown": ("未知", "unknown")},
    "kind": {"clo": ("課程學習成果", "CLO"), "mp": ("多元表現", "MP")},
    "proxy_basis": {"meeting": ("會議", "meeting"), "memo": ("簽呈", "memo")},
    # backlog_by_course.certifier: why someone (or nobody) certifies a course's items
    "certifier": {
        "teacher": ("任課教師", "the course teacher"),
        "proxy": ("代理人", "a proxy"),
        "needs_proxy": ("任課教師已離職，尚無代理人：請教務主任指定", "the teacher has left and no proxy is named yet: the academic director names one"),
        "teacher_unknown": ("任課教師不明：請教學組長更正開課資料", "no teacher is known: the instruction head corrects the course list"),
    },
    "unit": {"rate": ("比例", "share"), "days": ("天", "days"), "count": ("次／件", "count")},
    "series": {
        "clo_upload_rate": ("成果上傳率", "CLO upload rate"),
        "mp_upload_rate": ("多元表現上傳率", "MP upload rate"),
    },
    "reason": {
        "invalid_national_id": ("身分證號格式或檢查碼錯誤", "not a valid national ID"),
        "invalid_date": ("日期無法辨識或不存在", "not a date"),
        "invalid_time": ("時間無法辨識", "not a time"),
        "invalid_boolean": ("是否欄位無法辨識", "not a yes/no value"),
        "invalid_number": ("不是數字", "not a number"),
        "out_of_range": ("數值超出範圍", "out of range"),
        "invalid_choice": ("不是允許的選項", "not an allowed value"),
        "missing_value": ("必填欄位空白", "a required value is empty"),
        "too_many_fields": ("欄位數多於標題", "more cells than headers"),
        "duplicate_key": ("與前面的列重複", "repeats an earlier row's key"),
        "unknown_student_no": ("無身分證號，且同學期名冊查無此學號", "no national ID, and no roster row has its 學號"),
        "ambiguous_student_no": ("無身分證號，且同學期名冊有多人使用此學號",
                                 "no national ID, and several roster rows have its 學號"),
        "whole_year_semester": ("封面學期為 0（全學年），但此名冊需要學期", "學期 0 (whole year) where a semester is needed"),
        # Notices: the rows ARE loaded (the label says so; the detail says to correct them at the source).
        "eudc_character": ("造字（已載入）", "造字 (loaded)"),
        "replaced_character": ("姓名中有 ?（已載入）", "? in a name (loaded)"),
    },
    "metric": {
        "median_turnaround_days": ("認證天數中位數", "median turnaround (days)"),
        "certified_by_due_rate": ("如期認證率", "certified by due"),
        "clo_upload_rate": ("班級成果上傳率", "class CLO upload rate"),
        "mp_upload_rate": ("班級多元表現上傳率", "class MP upload rate"),
        "roster_verified": ("學籍資料檢核率", "roster verified"),
        "roster_verification_dates": ("學籍檢核日期數", "roster verification dates"),
        "grades_entered_rate": ("成績登錄率", "grades entered"),
        "attendance_entry_lag_days": ("缺勤登錄天數中位數", "attendance entry lag (days)"),
        "cadre_records": ("幹部及社團紀錄筆數", "cadre and club records"),
        "cadre_entry_lag_days": ("幹部紀錄登錄天數中位數", "cadre entry lag (days)"),
        "consultation_sessions": ("諮詢場次", "consultation sessions"),
        "students_consulted": ("諮詢學生數", "students consulted"),
        "submitted_on_time_rate": ("如期提交率", "submitted on time"),
        "selected_submitted_rate": ("勾選已提交率", "selected items submitted"),
        "receipts_confirmed_rate": ("收訖確認率", "receipts confirmed"),
    },
    # A rule's Chinese name (compliance.sql's rule_title, and rules.md's two rules the records cannot
    # decide); English keeps the rule's id, which is how the English reports name it.
    "rule_id": {
        "R-TF-MEET": ("工作小組每學期開會", "R-TF-MEET"),
        "R-CLO-UPLOAD-MAX": ("課程學習成果每學期上傳上限", "R-CLO-UPLOAD-MAX"),
        "R-CLO-CERT": ("課程學習成果須先認證", "R-CLO-CERT"),
        "R-CLO-SUBMIT-MAX": ("課程學習成果每學年提交上限", "R-CLO-SUBMIT-MAX"),
        "R-MP-SUBMIT-MAX": ("多元表現每學年提交上限", "R-MP-SUBMIT-MAX"),
        "R-CHECK-LEAD": ("上傳期限一週前完成檢核", "R-CHECK-LEAD"),
        "R-SCHEDULE": ("公告每學期作業期程", "R-SCHEDULE"),
        "R-ROSTER-VERIFY": ("學籍資料每學期檢核確認", "R-ROSTER-VERIFY"),
        "R-RETENTION": ("畢業生資料封存期滿刪除", "R-RETENTION"),
        "R-PROXY-ADMIN": ("行政人員代理順位", "R-PROXY-ADMIN"),
        "R-PROXY-TEACHER": ("離職教師成果認證代理人", "R-PROXY-TEACHER"),
        "R-LEFT-MAIL": ("離校學生紙本郵寄收訖確認", "R-LEFT-MAIL"),
        "R-TRAIN-STUDENT": ("每學期選課說明會", "R-TRAIN-STUDENT"),
        "R-TRAIN-NEW": ("新生說明會及高一系統操作課", "R-TRAIN-NEW"),
        "R-TRAIN-TEACHER": ("每學年教師專業研習", "R-TRAIN-TEACHER"),
        "R-TRAIN-PARENT": ("每學年親師說明會", "R-TRAIN-PARENT"),
        "R-RECEIPT-WINDOW": ("收訖確認期間天數", "R-RECEIPT-WINDOW"),
        "R-CLO-WINDOW": ("成果上傳於休業式後截止", "R-CLO-WINDOW"),
        "R-FILE-LIMITS": ("檔案大小與簡述字數上限", "R-FILE-LIMITS"),
        "R-NO-FORCE": ("不強制、不排名原則", "R-NO-FORCE"),
        "P-SMALL-CELL": ("小樣本不公開原則", "P-SMALL-CELL"),
    },
}

ROLES_EN: Mapping[str, str] = {
    "academic_director": "Academic director", "registrar_head": "Registrar head", "registrar_clerk": "Registrar clerk",
    "portfolio_assistant": "Portfolio assistant", "discipline_clerk": "Discipline clerk",
    "activities_clerk": "Activities clerk", "activities_head": "Activities head", "activities_unit": "Activities unit",
    "instruction_head": "Instruction head", "research_head": "Research head", "counselling_office": "Counselling office",
    "course_counsellor": "Course counsellor", "homeroom_teacher": "Homeroom teacher", "course_teacher": "Course teacher",
    "tech_services": "Technical services",
}
ROLES_ZH_EXTRA: Mapping[str, str] = {"activities_unit": "訓育組／活動組"}
#: Columns holding the codes of another (a list of kinds).
SAME_CODES: Mapping[str, str] = {"kinds": "kind", "to_upload": "kind", "to_select": "kind"}


def zh_labels(view: str, columns: Sequence[str]) -> dict[str, str]:
    """A rename map for `columns`; names with no Chinese label keep their English name."""
    kind = KINDS_BY_NAME.get(view)
    by_name = {c.stored_name: c.header for c in kind.columns} if kind else {}
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for col in columns:
        label = by_name.get(col) or COLUMNS_ZH.get(col) or col
        if label in used:  # two columns must never share a label
            label = f"{label} ({col})"
        used.add(label)
        mapping[col] = label
    return mapping


def value_label(column: str, code: object, *, zh: bool) -> str:
    """The label of a code in `column` (a boolean: 是/否, yes/no); a code with no label is shown as it is."""
    column = SAME_CODES.get(column, column)
    if isinstance(code, bool):
        return ("是" if code else "否") if zh else ("yes" if code else "no")
    text = str(code)
    if column in ("role", "owner"):
        if zh:
            return ROLES[text][0] if text in ROLES else ROLES_ZH_EXTRA.get(text, text)
        return ROLES_EN.get(text, text)
    if column == "kind" and text in KINDS_BY_NAME and text not in VALUES["kind"]:
        kind = KINDS_BY_NAME[text]
        return kind.label_zh if zh else kind.label_en
    pair = VALUES.get(column, {}).get(text)
    if pair is None:
        return text
    return pair[0] if zh else pair[1]


def has_values(column: str) -> bool:
    """Whether `column` holds codes this module labels."""
    return SAME_CODES.get(column, column) in VALUES or column in ("role", "owner")
