"""Chinese column labels, one table for `lp query --labels zh` and the reports: a kind's own view
shows its contract headers, every other column the label `COLUMNS_ZH` gives its name.

A name is labelled once, here (tests/test_labels.py checks no key is written twice): the reports'
`i18n.Strings.columns` reads this table, so a column reads the same on the screen and in print."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .contract import KINDS_BY_NAME

COLUMNS_ZH: Mapping[str, str] = {
    "file": "檔案", "kind": "名冊別", "reason": "原因", "rows_read": "讀取列數", "rows_loaded": "載入列數",
    "rows_quarantined": "隔離列數", "rows_with_reason": "此原因列數", "example_row": "範例列",
    "file_id": "檔案編號", "snapshot_id": "快照編號", "exported_at": "匯出時間", "encoding": "編碼",
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
    "status": "狀態", "evidence": "佐證", "rule_title": "規則", "owner": "負責職務", "setting": "設定值",
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
    # columns only the reports' tables and charts make
    "uploaders_rate": "上傳率", "as_of": "資料日期", "series": "項目", "people_met": "達成人數", "people_total": "人數",
    "teachers": "教師數", "classes": "班級數", "rules": "規定數", "waiting_bucket": "等待天數", "stage": "階段",
    "student_name": "學生姓名", "covers_for": "代理的教師",
    # effectiveness_by_role
    "people": "人員數", "people_with_value": "有數值人數", "not_met": "未達成", "median_value": "中位數",
}


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
