"""The report strings: Traditional Chinese first, English as an option.

    t = strings("zh-TW")
    t("class_dashboard.title", class_name="301")   # text, `str.format` fields filled
    t.column("clo_upload_rate")                     # a column's label
    t.value("state", "selected_not_submitted")      # a code's label

Column labels in Chinese come from `lpdata.labels` (the contract's headers, then its one table of
column labels, which `lp query --labels zh` reads too); in English from `COLUMNS_EN` here. Codes
(states, roles, kinds, reasons, metrics) are labelled from the contract where it names them, else
from `VALUES` here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..contract import KINDS_BY_NAME, ROLES
from ..labels import zh_labels
from ..readers.rows import REASONS

LANGS = ("zh-TW", "en")

#: key -> (zh-TW, en). Fields in braces are filled by `Strings.__call__`.
TEXT: Mapping[str, tuple[str, str]] = {
    # --- every page
    "term": ("{academic_year} 學年度第 {semester} 學期", "Academic year {academic_year}, semester {semester}"),
    "as_of": ("資料日期 {as_of}", "As of {as_of}"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "missing": ("—", "—"),
    "none": ("無", "None"),
    "notes": ("附註與定義", "Notes and definitions"),
    "rows_more": ("另有 {n} 列未列出，請見 Excel 檔。", "{n} more rows not shown: see the Excel file."),
    "rows_more_plain": ("另有 {n} 列未列出。", "{n} more rows not shown."),
    "excel_written": ("行動清單（Excel）：{path}", "Action list (Excel): {path}"),
    "no_rows": ("（無資料）", "(nothing to show)"),
    "school": ("全校", "School"),
    "grade_n": ("{grade} 年級", "Grade {grade}"),
    "grade_unknown": ("年級不明", "Grade unknown"),
    "this_class": ("本班", "This class"),
    "this_grade": ("同年級", "Same grade"),
    "date": ("日期", "Date"),
    "rate": ("比例", "Share"),
    "count": ("件數", "Items"),
    "students_n": ("人數", "Students"),
    "series": ("項目", "Series"),
    "deadline": ("截止日", "Deadline"),
    "suppressed_note": ("「<{n}」：人數未滿 {n} 人不公開（P-SMALL-CELL），比例亦同。",
                        "\"<{n}\": counts under {n} students are not shown (P-SMALL-CELL), nor rates made from them."),
    # --- definitions (footnotes; also shown on hover of the headline numbers)
    "def.enrolled": ("在學：該學期學生名冊最新一筆的學籍狀態為「在學」；只有在學學生計入各比例的分母。",
                     "Enrolled: the student's newest roster row of the term says 在學; only enrolled students count in a rate's denominator."),
    "def.live": ("有效件：在資料日期當天或之前上傳、且當時尚未刪除的成果或多元表現。",
                 "Live item: uploaded on or before the as-of date and not deleted by then."),
    "def.clo_upload_rate": ("成果上傳率：在學學生中，本學期至少有一件有效課程學習成果的比例。只看參與，不比較、不排名學生。",
                            "CLO upload rate: the share of enrolled students with at least one live course learning outcome this term. Participation only: students are never compared or ranked."),
    "def.mp_upload_rate": ("多元表現上傳率：在學學生中，本學期至少有一件有效多元表現的比例。",
                           "MP upload rate: the share of enrolled students with at least one live diverse-performance item this term."),
    "def.pending": ("待認證：已上傳、在資料日期時尚未認證通過或不通過的課程學習成果。",
                    "Pending: a live CLO item not certified or rejected on or before the as-of date."),
    "def.overdue": ("逾期：資料日期已過該學期期程的認證截止日（clo_certify_due）仍待認證。",
                    "Overdue: still pending after the term's certification due date (clo_certify_due)."),
    "def.waiting_days": ("等待天數：上傳日到資料日期的整日數。", "Waiting days: whole days from the upload date to the as-of date."),
    "def.needs_proxy": ("需指定代理人：任課教師已離職或帳號停用，且工作小組尚未指定代理人（R-PROXY-TEACHER）。",
                        "Needs a proxy: the teacher has left or their account is disabled, and the task force has named no proxy (R-PROXY-TEACHER)."),
    "def.as_of": ("資料日期：所有數字都是「截至此日」的狀態，依已載入的最新匯出檔計算。",
                  "As-of date: every figure is the state on that day, from the newest exports loaded."),
    "def.curve": ("累積曲線：每一點是該日的「在學學生中已上傳的比例」（同一檢視在該日的數字）；直線為期程截止日。",
                  "Cumulative curve: each point is the share of enrolled students who had uploaded by that day (the same view as of that day); vertical rules are the schedule's deadlines."),
    "def.rollup": ("年級與全校的比例由各班人數加總後再相除，不是各班比例的平均。",
                   "Grade and school rates divide summed counts; they are not averages of class rates."),
    "def.trend": ("趨勢：每週一點，加上每次載入匯出檔的日期；每一點是該日的 class_completion 檢視。",
                  "Trend: one point a week plus each date an export was loaded; each point is the class_completion view as of that day."),
    "def.no_ranking": ("依 R-NO-FORCE，報表只呈現參與情形，不對學生排名；班級依班級代碼排列。",
                       "R-NO-FORCE: reports show participation and never rank students; classes are listed by class code."),
    "def.turnaround": ("認證天數中位數：從上傳到認證通過或不通過的天數中位數（資料日期前已決定者）。",
                       "Median turnaround: median days from upload to the certification decision, over items decided by the as-of date."),
    "def.by_due": ("如期認證率：上傳截止日前上傳的成果中，於認證截止日前完成認證（通過或不通過）的比例。",
                   "Certified by due: of the items uploaded by the upload due date, the share decided by the certification due date."),
    "def.proxy": ("代理人：教師離職或帳號停用後，由工作小組以會議或簽呈指定，代為認證。",
                  "Proxy: named by the task force (meeting or memo) to certify for a teacher who has left."),
    "def.recon_states": ("對帳：學校平臺勾選 → 提交國教署 → 收訖明細回傳 → 學生確認。差異為勾選未提交、提交未收訖、收訖無提交紀錄，以及提交時未認證者。",
                         "Reconciliation: selected on the platform → submitted → received in the receipt details → confirmed by the student. Discrepancies: selected but not submitted, submitted but not received, received with no submission, and items submitted while not certified."),
    "def.awaiting": ("待回傳：已提交，但該類別與學年度的收訖明細尚未載入，不算差異。",
                     "Awaiting receipt: submitted, and no receipt batch of that kind and year is loaded yet; not a discrepancy."),
    "def.mail": ("紙本通知：已不在學且尚未確認收訖明細的學生，依 R-LEFT-MAIL 以紙本郵寄通知；清單含所有收訖批次。",
                 "Paper mail: students no longer enrolled who have not confirmed their receipt details (R-LEFT-MAIL); the list covers every receipt batch."),
    "def.confirmed_stage": ("已確認：收訖件中，學生已於該批次確認無誤者（以學生與批次對應）。",
                            "Confirmed: received items whose student confirmed that batch's receipt details."),
    "def.compliance": ("符合：紀錄足以判定且符合規定；不符合：紀錄顯示未符合；未知：所需紀錄未載入，或期間尚未結束。",
                       "Pass: the records show the rule kept; fail: they show it broken; unknown: the records needed are not loaded, or the period is still running."),
    "def.effectiveness": ("成效評核（§8）呈現各職務人員的指標與目標；未設目標者僅供參考。導師的上傳率只看參與，不設目標（R-NO-FORCE）。",
                          "Effectiveness review (§8): each person's figures against targets; where no target applies the figure is for information. Homeroom upload rates show participation only, with no target (R-NO-FORCE)."),
    "def.briefing_privacy": ("本簡報供工作小組（含學生及家長代表）使用：不列任何學生姓名、學號或身分證號，未滿 {n} 人的人數不公開。",
                             "This briefing is for the task force, which seats a student and a parent: no student's name, number or ID appears, and counts under {n} students are not shown."),
    "def.quarantine": ("隔離列：讀取時格式不符（如身分證號檢查碼錯誤、日期不存在）而未載入的列；範例列的身分證號已遮蔽。",
                       "Quarantined rows: rows not loaded because a value did not parse (a bad ID check digit, an impossible date); IDs in the example are masked."),
    # --- class_dashboard
    "class_dashboard.title": ("{class_name} 班學習歷程檔案上傳概況", "Class {class_name}: portfolio uploads"),
    "class_dashboard.intro": ("導師 {teacher}：本頁呈現本班上傳參與情形、尚未上傳的同學，以及本班待認證的成果。",
                              "Homeroom teacher {teacher}: your class's participation, who has not uploaded yet, and the class's items waiting for certification."),
    "class_dashboard.compare": ("本班與同年級、全校比較", "This class against its grade and the school"),
    "class_dashboard.curve": ("累積上傳曲線與截止日", "Cumulative uploads against the deadlines"),
    "class_dashboard.not_uploaded": ("尚未上傳的同學", "Who has not uploaded yet"),
    "class_dashboard.not_uploaded_none": ("本班在學同學都已上傳課程學習成果與多元表現。",
                                          "Every enrolled student of the class has uploaded a CLO and an MP item."),
    "class_dashboard.not_uploaded_missing": ("尚無 student_uploads 檢視，無法列出名單；請見各班上傳人數。",
                                             "The student_uploads view is not available, so no list can be shown; see the class counts above."),
    "class_dashboard.backlog": ("本班待認證成果（依科目）", "The class's items waiting for certification, by course"),
    "class_dashboard.no_class": ("{term} 沒有班級資料。", "No class in {term}."),
    "h.students": ("在學人數", "Enrolled students"),
    "h.clo_rate": ("成果上傳率", "CLO upload rate"),
    "h.mp_rate": ("多元表現上傳率", "MP upload rate"),
    "h.clo_pending": ("待認證成果", "CLO items pending"),
    "h.next_deadline": ("距 {what} 還有", "Days to {what}"),
    "h.days": ("{n} 天", "{n} days"),
    "h.vs_school": ("全校 {rate}", "school {rate}"),
    "sched.clo_upload_due": ("成果上傳截止", "CLO upload due"),
    "sched.clo_certify_due": ("成果認證截止", "CLO certification due"),
    "sched.clo_select_due": ("成果勾選截止", "CLO selection due"),
    "sched.mp_select_due": ("多元表現勾選截止", "MP selection due"),
    "sched.national_due": ("國教署上傳截止", "National upload due"),
    "sched.closing_ceremony": ("休業式", "Closing ceremony"),
    # --- school_completion
    "school_completion.title": ("全校學習歷程檔案上傳概況", "School portfolio uploads"),
    "school_completion.by_class": ("各班上傳率（依班級代碼排列）", "Upload rates by class (in class-code order)"),
    "school_completion.too_many_classes": ("共 {classes} 班，一張圖畫不下；各班數字見下方「各班明細」。",
                                           ("{classes} classes are too many for one chart; every class's figures "
                                            "are in the table below.")),
    "school_completion.by_grade": ("各年級與全校", "By grade and for the school"),
    "school_completion.trend": ("上傳率趨勢", "Upload rates over time"),
    "school_completion.classes": ("各班明細", "Every class"),
    "h.classes": ("班級數", "Classes"),
    "h.clo_items": ("有效成果件數", "Live CLO items"),
    # --- certification_backlog
    "certification_backlog.title": ("課程學習成果待認證追蹤", "CLO certification backlog"),
    "certification_backlog.scope": ("範圍：{term}及以前各學期仍待認證的成果。", "Scope: items still pending from {term} and earlier terms."),
    "certification_backlog.by_teacher": ("各教師認證情形（本學期）", "Each teacher's certification this term"),
    "certification_backlog.by_assignee": ("待認證件數（依負責認證人，含代理）", "Pending items by who must certify them (proxies included)"),
    "certification_backlog.ageing": ("等待天數分布", "How long items have waited"),
    "certification_backlog.overdue": ("逾期待認證", "Overdue items"),
    "certification_backlog.no_proxy": ("離職教師尚無代理人", "Departed teachers with no proxy"),
    "certification_backlog.no_proxy_none": ("所有離職教師的待認證成果都已指定代理人。",
                                           "Every pending item of a departed teacher has a proxy."),
    "certification_backlog.unknown_teacher": ("另有 {n} 件成果無法判定任課教師，請先修正開課名冊。",
                                             "{n} more items have no known teacher: fix the course list first."),
    "h.pending": ("待認證", "Pending"),
    "h.overdue": ("已逾期", "Overdue"),
    "h.needs_proxy": ("需指定代理人", "Need a proxy"),
    "h.oldest": ("最久等待", "Longest wait"),
    "h.teachers_pending": ("有待認證的教師", "Teachers with pending items"),
    "bucket": ("等待天數", "Days waiting"),
    "bucket.0": ("0–7 天", "0–7 days"),
    "bucket.1": ("8–14 天", "8–14 days"),
    "bucket.2": ("15–30 天", "15–30 days"),
    "bucket.3": ("31–60 天", "31–60 days"),
    "bucket.4": ("60 天以上", "over 60 days"),
    "overdue_state": ("是否逾期", "Overdue"),
    "overdue_state.true": ("已逾期", "overdue"),
    "overdue_state.false": ("未逾期", "not overdue"),
    "overdue_state.null": ("無期程", "no schedule"),
    # --- reconciliation
    "reconciliation.title": ("勾選、提交、收訖與確認對帳", "Selected, submitted, received, confirmed"),
    "reconciliation.funnel": ("對帳流程", "From selection to confirmation"),
    "reconciliation.states": ("各狀態件數", "Items by state"),
    "reconciliation.discrepancies": ("所有差異", "Every discrepancy"),
    "reconciliation.discrepancies_none": ("本學期沒有差異。", "No discrepancy this term."),
    "reconciliation.confirmation": ("收訖確認（依批次，人數）", "Receipt confirmation by batch (students)"),
    "reconciliation.mail": ("紙本通知名單（已離校未確認）", "Paper-mail list (left the school, not confirmed)"),
    "reconciliation.mail_none": ("目前沒有需要紙本通知的學生。", "No student needs a paper letter now."),
    "stage": ("階段", "Stage"),
    "stage.selected": ("已勾選", "Selected"),
    "stage.submitted": ("已提交", "Submitted"),
    "stage.received": ("已收訖", "Received"),
    "stage.confirmed": ("學生已確認", "Confirmed"),
    "h.discrepancies": ("差異件數", "Discrepancies"),
    "h.mail_needed": ("需紙本通知", "Paper letters to send"),
    "h.awaiting": ("待回傳", "Awaiting receipt"),
    "h.uncertified": ("提交時未認證", "Submitted uncertified"),
    "kind_col": ("類別", "Kind"),
    # --- taskforce_briefing
    "taskforce_briefing.title": ("學習歷程檔案工作小組簡報", "Portfolio task force briefing"),
    "taskforce_briefing.headline": ("本學期重點數字", "This term's headline figures"),
    "taskforce_briefing.compliance": ("規定符合情形", "Compliance with every rule"),
    "taskforce_briefing.compliance_chart": ("各規定判定結果", "Rules by result"),
    "taskforce_briefing.effectiveness": ("成效評核：各職務指標與目標", "Effectiveness review: figures against targets"),
    "taskforce_briefing.effectiveness_chart": ("達成目標人數（依指標）", "People meeting the target, by metric"),
    "taskforce_briefing.grades": ("各年級上傳參與", "Upload participation by grade"),
    "taskforce_briefing.effectiveness_note": (
        "各職務只列總數，不列個人：有目標的指標列出有數值的人員中達成目標的人數；未設目標的指標只列中位數，呈現參與情形。",
        "Each role in aggregate, nobody named: for a metric with a target, how many of the people with a figure met it; "
        "for one without, only the median figure (participation)."),
    "taskforce_briefing.def_effectiveness": (
        "成效評核：每位人員的指標依職務彙總。人員數為擔任該職務者（活動單位以組計）；達成人數只計有數值者；"
        "中位數為有數值者的中間值，校務單位全校共用一個數值時即為該數值。",
        "Effectiveness review: each person's figures summed up by role. People: those holding the role (activities "
        "units count as units); met counts only people with a figure; the median is the middle figure of those with one "
        "(for an office-wide duty, the office's one figure)."),
    "taskforce_briefing.def_mail": (
        "需紙本通知：已不在學、尚有收訖明細未確認且確認期間未結束的學生人數，每人只算一次（寄一封信）。",
        "Paper letters: students no longer enrolled with a receipt batch still unconfirmed while its confirmation "
        "period is open, each counted once (one letter)."),
    "effectiveness.met_of": ("{met}\u00a0/\u00a0{of}\u00a0人", "{met}\u00a0of\u00a0{of}"),  # kept on one line
    # --- effectiveness (staff only)
    "effectiveness.title": ("成效評核：各職務人員指標", "Effectiveness review: each person's figures"),
    "effectiveness.intro": (
        "本報表僅供校內同仁使用：列出每位人員本學期的各項指標，有目標者標示 ✓（達成）或 ✗（未達成）。"
        "工作小組簡報只呈現各職務的彙總。",
        "For staff only: each person's figures this term, with ✓ (met) or ✗ (not met) where a target applies. "
        "The task-force briefing shows only each role in aggregate."),
    "effectiveness.summary": ("各職務彙總", "Each role in aggregate"),
    "effectiveness.people": ("各職務人員", "Each person, by role"),
    "effectiveness.none": ("本學期沒有成效評核資料。", "No effectiveness figures for this term."),
    "effectiveness.def_marks": ("✓ 達成目標；✗ 未達成；無目標者只列數值；「—」表示沒有可計算的紀錄。",
                                "✓ target met; ✗ not met; with no target only the figure is shown; "
                                "\u201c—\u201d: no records to measure."),
    "sheet.effectiveness": ("成效評核", "Effectiveness"),
    "h.rules_pass": ("符合規定", "Rules kept"),
    "h.rules_fail": ("不符合", "Rules broken"),
    "h.rules_unknown": ("未能判定", "Undecided"),
    "h.receipts_confirmed": ("收訖已確認（人次）", "Receipts confirmed (student-batches)"),
    "met_state": ("達成", "Target"),
    "met_state.true": ("達成", "met"),
    "met_state.false": ("未達成", "not met"),
    "met_state.null": ("無資料", "no data"),
    "met_state.no_target": ("無目標", "no target"),
    "people": ("人數", "People"),
    "target_is": ("目標 {target}", "target {target}"),
    # --- data_quality
    "data_quality.title": ("匯入資料品質", "Data quality of the loaded exports"),
    "data_quality.by_reason": ("隔離列數（依原因）", "Quarantined rows by reason"),
    "data_quality.files": ("各檔案讀取與隔離", "Every file: read, loaded, quarantined"),
    "data_quality.reasons": ("隔離原因與範例", "Why rows were quarantined, with an example"),
    "data_quality.loaded": ("已載入的資料", "What is loaded"),
    "data_quality.clean": ("所有檔案都已完整載入，沒有隔離列。", "Every file loaded whole: no row was quarantined."),
    "h.files": ("檔案數", "Files"),
    "h.rows_read": ("讀取列數", "Rows read"),
    "h.rows_quarantined": ("隔離列數", "Rows quarantined"),
    "h.quarantine_share": ("隔離比例", "Share quarantined"),
    # --- Excel sheets
    "sheet.all": ("總表", "All"),
    "sheet.no_proxy": ("未指定代理人", "No proxy"),
    "sheet.unknown_teacher": ("教師不明", "Teacher unknown"),
    "sheet.mail": ("紙本通知名單", "Paper mail"),
    "sheet.discrepancies": ("對帳差異", "Discrepancies"),
}

COLUMNS_EN: Mapping[str, str] = {
    "academic_year": "Year", "semester": "Sem.", "class_name": "Class", "grade": "Grade",
    "homeroom_teacher_code": "Homeroom teacher code", "homeroom_teacher_name": "Homeroom teacher",
    "students": "Enrolled", "students_not_enrolled": "Not enrolled", "clo_uploaders": "CLO uploaders",
    "clo_upload_rate": "CLO upload rate", "clo_items": "CLO items", "clo_certified": "Certified",
    "clo_pending": "Pending", "clo_rejected": "Rejected", "clo_certified_students": "Students with a certified CLO",
    "clo_selected": "CLO selected", "mp_uploaders": "MP uploaders", "mp_upload_rate": "MP upload rate",
    "mp_items": "MP items", "mp_selected": "MP selected", "item_id": "Item", "student_no": "Student no.",
    "name": "Name", "seat_no": "Seat", "course_code": "Course code", "course_name": "Course",
    "teacher_code": "Teacher code", "teacher_name": "Teacher", "uploaded_at": "Uploaded",
    "waiting_days": "Days waiting", "certify_due": "Certification due", "days_to_due": "Days to due",
    "overdue": "Overdue", "teacher_active": "Teacher active", "assignee_code": "Certifier code",
    "assignee_name": "Certifier", "needs_proxy": "Needs a proxy", "pending": "Pending",
    "oldest_waiting_days": "Longest wait (days)", "certified": "Certified", "rejected": "Rejected",
    "median_turnaround_days": "Median turnaround (days)", "certified_by_due_rate": "Certified by due",
    "items": "Items", "kind": "Kind", "receipt_batch": "Receipt batch", "receipt_line": "Receipt line",
    "receipt_file": "Receipt file", "state": "State", "submitted_uncertified": "Submitted uncertified",
    "explanation": "Explanation", "batch_id": "Submission batch", "submitted_at": "Submitted",
    "received_at": "Received", "selected_at": "Selected", "enrolled": "Enrolled", "mail_needed": "Paper mail",
    "lines": "Lines", "postcode": "Postcode", "address": "Address", "role": "Role", "person_code": "Code",
    "person_name": "Name", "metric": "Metric", "unit": "Unit", "value": "Value", "target": "Target",
    "met": "Met", "definition": "Definition", "status": "Status", "evidence": "Evidence",
    "rule_id": "Rule ID", "rule_title": "Rule", "owner": "Owner", "setting": "Setting", "file": "File",
    "rows_read": "Rows read", "rows_loaded": "Rows loaded", "rows_quarantined": "Rows quarantined",
    "reason": "Reason", "rows_with_reason": "Rows", "example_row": "Example", "term_or_batch": "Term or batch",
    "exported_at": "Exported", "rows": "Rows", "older_snapshots": "Older snapshots", "files": "Files",
    "proxy_basis": "Proxy basis", "teacher_inactive_since": "Left on", "category": "Category",
    "title": "Title", "summary": "Summary", "receipt_summary": "Receipt summary", "has_clo": "Uploaded a CLO",
    "has_mp": "Uploaded an MP item", "as_of": "As of", "series": "Series", "people_met": "Meeting the target",
    "people_total": "People", "teachers": "Teachers", "classes": "Classes", "rules": "Rules",
    "waiting_bucket": "Days waiting", "stage": "Stage", "count": "Count", "limit": "Limit",
    "covers_for": "Covering for", "people": "People", "people_with_value": "With a figure", "not_met": "Not met",
    "median_value": "Median",
}

#: Code labels: column -> code -> (zh-TW, en). Roles, kinds and reasons come from the contract too.
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
}

_ROLES_EN = {
    "academic_director": "Academic director", "registrar_head": "Registrar head", "registrar_clerk": "Registrar clerk",
    "portfolio_assistant": "Portfolio assistant", "discipline_clerk": "Discipline clerk",
    "activities_clerk": "Activities clerk", "activities_head": "Activities head", "activities_unit": "Activities unit",
    "instruction_head": "Instruction head", "research_head": "Research head", "counselling_office": "Counselling office",
    "course_counsellor": "Course counsellor", "homeroom_teacher": "Homeroom teacher", "course_teacher": "Course teacher",
    "tech_services": "Technical services",
}
_ROLES_ZH_EXTRA = {"activities_unit": "訓育組／活動組"}
#: Columns holding the codes of another (a list of kinds).
_SAME_CODES = {"kinds": "kind"}


@dataclass(frozen=True)
class Strings:
    """The report strings of one language."""

    lang: str

    @property
    def zh(self) -> bool:
        return self.lang == "zh-TW"

    def __call__(self, key: str, **fields: Any) -> str:
        pair = TEXT[key]
        text = pair[0] if self.zh else pair[1]
        return text.format(**fields) if fields else text

    def column(self, name: str, view: str | None = None) -> str:
        return self.columns([name], view)[name]

    def columns(self, names: list[str], view: str | None = None) -> dict[str, str]:
        """A label for every column, no two alike (a second use gets its name in brackets)."""
        if self.zh:
            labels = zh_labels(view or "", names)
        else:
            labels = {n: COLUMNS_EN.get(n) or n.replace("_", " ").capitalize() for n in names}
        seen: set[str] = set()
        for name in names:
            if labels[name] in seen:
                labels[name] = f"{labels[name]} ({name})"
            seen.add(labels[name])
        return labels

    def value(self, column: str, code: Any) -> str:
        """The label of a code in `column`; a code with no label is shown as it is."""
        column = _SAME_CODES.get(column, column)
        if code is None:
            return self("missing")
        if isinstance(code, bool):
            return self("yes") if code else self("no")
        if column in ("role", "owner"):
            if self.zh:
                return ROLES[code][0] if code in ROLES else _ROLES_ZH_EXTRA.get(code, str(code))
            return _ROLES_EN.get(code, str(code))
        if column == "kind" and code in KINDS_BY_NAME and code not in VALUES["kind"]:
            kind = KINDS_BY_NAME[code]
            return kind.label_zh if self.zh else kind.label_en
        if column == "reason" and not self.zh and code in REASONS and code not in VALUES["reason"]:
            return REASONS[code]
        pair = VALUES.get(column, {}).get(str(code))
        if pair is None:
            return str(code)
        return pair[0] if self.zh else pair[1]

    def has_values(self, column: str) -> bool:
        return _SAME_CODES.get(column, column) in VALUES or column in ("role", "owner")


def strings(lang: str) -> Strings:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, not {lang!r}")
    return Strings(lang)
