"""The report strings: Traditional Chinese first, English as an option.

    t = strings("zh-TW")
    t("class_dashboard.title", class_name="301")   # text, `str.format` fields filled
    t.column("clo_upload_rate")                     # a column's label
    t.value("state", "selected_not_submitted")      # a code's label

Column labels in Chinese come from `lpdata.labels` (the contract's headers, then its one table of
column labels, which `lp query --labels zh` reads too); in English from `COLUMNS_EN` here. Codes
(states, roles, kinds, reasons, metrics) are labelled from the contract where it names them, else
from `lpdata.labels.VALUES` (one table, which `lp query --labels zh` reads too).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..labels import VALUES as VALUES  # re-exported: the reports read their code labels here
from ..labels import has_values, value_label, zh_labels
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
    "suppressed_note": ("「<{n}」：依小樣本不公開原則，未滿 {n} 人的人數不公開；由這類人數算出的比例顯示為「—」。",
                        "\"<{n}\": counts under {n} students are not shown (P-SMALL-CELL); a rate made from such a count shows \"—\"."),
    # --- definitions (footnotes; also shown on hover of the headline numbers)
    "def.enrolled": ("在學：該學期學生名冊最新一筆的學籍狀態為「在學」或「畢業」（三年級班級於畢業日後仍計入該學期）；只有在學學生計入各比例的分母。",
                     "Enrolled: the student's newest roster row of the term says 在學 or 畢業 (grade-3 classes keep their graduates in that term); only enrolled students count in a rate's denominator."),
    "def.live": ("有效件：在資料日期當天或之前上傳、且當時尚未刪除的成果或多元表現。",
                 "Live item: uploaded on or before the as-of date and not deleted by then."),
    "def.clo_upload_rate": ("成果上傳率：在學學生中，本學期至少有一件有效課程學習成果的比例。只看參與，不比較、不排名學生。",
                            "CLO upload rate: the share of enrolled students with at least one live course learning outcome this term. Participation only: students are never compared or ranked."),
    "def.mp_upload_rate": ("多元表現上傳率：在學學生中，本學期至少有一件有效多元表現的比例。",
                           "MP upload rate: the share of enrolled students with at least one live diverse-performance item this term."),
    "def.pending": ("待認證：已上傳、在資料日期時尚未認證通過或不通過的課程學習成果。",
                    "Pending: a live CLO item not certified or rejected on or before the as-of date."),
    "def.overdue": ("逾期：資料日期已過該學期期程的成果認證截止日，仍待認證。",
                    "Overdue: still pending after the term's certification due date (clo_certify_due)."),
    "def.waiting_days": ("等待天數：上傳日到資料日期的整日數。", "Waiting days: whole days from the upload date to the as-of date."),
    "def.needs_proxy": ("需指定代理人：任課教師已離職或帳號停用，且工作小組尚未指定代理人（依「離職教師成果認證代理人」規定）。",
                        "Needs a proxy: the teacher has left or their account is disabled, and the task force has named no proxy (R-PROXY-TEACHER)."),
    "def.as_of": ("資料日期：所有數字都是「截至此日」的狀態，依已載入的最新匯出檔計算。",
                  "As-of date: every figure is the state on that day, from the newest exports loaded."),
    "def.curve": ("累積曲線：每一點是該日的「在學學生中已上傳的比例」（同一檢視在該日的數字）；直線為期程截止日。",
                  "Cumulative curve: each point is the share of enrolled students who had uploaded by that day (the same view as of that day); vertical rules are the schedule's deadlines."),
    "def.rollup": ("年級與全校的比例由各班人數加總後再相除，不是各班比例的平均。",
                   "Grade and school rates divide summed counts; they are not averages of class rates."),
    "def.trend": ("趨勢：每週一點，加上每次載入匯出檔的日期；每一點是以該日為資料日期計算的各班上傳率。",
                  "Trend: one point a week plus each date an export was loaded; each point is the class_completion view as of that day."),
    "def.no_ranking": ("依「不強制、不排名」原則，報表只呈現參與情形，不對學生排名；班級依班級代碼排列，學生依座號排列。",
                       "R-NO-FORCE: reports show participation and never rank students; classes are listed by class code, students by seat number."),
    "def.chase": ("追蹤名單：在學同學中，本學期尚無有效的課程學習成果或多元表現（待上傳）；有已認證成果或多元表現卻一件都未勾選、且本學年尚未達勾選上限（待勾選）；有成果待任課教師認證（待認證）；或某科目最新一件成果認證未通過（需重新上傳，已重新上傳者不列）。",
                  "Chase list: enrolled students with no live CLO or MP item this term (to upload); with a certified CLO or an MP item but none selected, and under the year's selection limit (to select); with items waiting for the teacher's certification (pending); or whose newest item of a course was rejected (upload again; an item uploaded again is not listed)."),
    "def.select_quota": ("勾選上限：依「課程學習成果提交上限」與「多元表現提交上限」，每位學生每學年至多勾選 {clo} 件課程學習成果、{mp} 件多元表現提交至中央資料庫；只看參與，不要求件數。",
                         "Selection limits (R-CLO-SUBMIT-MAX, R-MP-SUBMIT-MAX): each student selects at most {clo} CLO and {mp} MP items a year for the national database; participation only, no count is required."),
    "def.certifier": ("負責認證人為「—」時，旁邊說明原因：任課教師已離職且尚無代理人（依「離職教師成果認證代理人」規定，由工作小組以會議或簽呈指定，教務主任為執行秘書），或開課資料查無任課教師。",
                      "Where the certifier is a dash, the note says why: the teacher has left and no proxy is named yet (R-PROXY-TEACHER: the task force names one by meeting or memo; the academic director is its executive secretary), or the course list names no teacher."),
    "def.turnaround": ("認證天數中位數：從上傳到認證通過或不通過的天數中位數（資料日期前已決定者）。",
                       "Median turnaround: median days from upload to the certification decision, over items decided by the as-of date."),
    "def.by_due": ("如期認證率：上傳截止日前上傳的成果中，於認證截止日前完成認證（通過或不通過）的比例。",
                   "Certified by due: of the items uploaded by the upload due date, the share decided by the certification due date."),
    "def.proxy": ("代理人：教師離職或帳號停用後，由工作小組以會議或簽呈指定，代為認證。",
                  "Proxy: named by the task force (meeting or memo) to certify for a teacher who has left."),
    "def.recon_states": ("對帳：學校平臺勾選 → 提交國教署 → 收訖明細回傳 → 學生確認。差異為勾選未提交、提交未收訖、收訖無提交紀錄，以及提交時未認證者。",
                         "Reconciliation: selected on the platform → submitted → received in the receipt details → confirmed by the student. Discrepancies: selected but not submitted, submitted but not received, received with no submission, and items submitted while not certified."),
    "def.awaiting": ("待回傳：已提交，但國教署在提交之後尚未回傳該類別、該學年度（課程學習成果另看學期）的收訖批次；這是等待，不算差異。",
                     "Awaiting receipt: submitted, and no receipt batch of its kind and year (for CLO, of its semester) has come back since the submission; waiting, not a discrepancy."),
    "def.mail": ("紙本通知：已不在學、尚未確認收訖明細、且確認期間尚未結束的學生，依「離校學生紙本郵寄收訖確認」規定以紙本郵寄通知；每人一列，未確認的各收訖批次併列。",
                 "Paper mail: students no longer enrolled who have not confirmed their receipt details while the confirmation period is open (R-LEFT-MAIL); one line per student, their unconfirmed receipt batches listed together."),
    "def.confirmed_stage": ("已確認：收訖件中，學生已於該批次確認無誤者（以學生與批次對應）。",
                            "Confirmed: received items whose student confirmed that batch's receipt details."),
    "def.compliance": ("符合：紀錄足以判定且符合規定；不符合：紀錄顯示未符合；未知：所需紀錄未載入，或期間尚未結束。",
                       "Pass: the records show the rule kept; fail: they show it broken; unknown: the records needed are not loaded, or the period is still running."),
    "def.effectiveness": ("成效評核（§8）呈現各職務人員的指標與目標；未設目標者僅供參考。導師的上傳率只看參與，不設目標（「不強制、不排名」原則）。",
                          "Effectiveness review (§8): each person's figures against targets; where no target applies the figure is for information. Homeroom upload rates show participation only, with no target (R-NO-FORCE)."),
    "def.briefing_privacy": ("本簡報供工作小組（含學生及家長代表）使用：不列任何學生姓名、學號或身分證號，未滿 {n} 人的人數不公開。",
                             "This briefing is for the task force, which seats a student and a parent: no student's name, number or ID appears, and counts under {n} students are not shown."),
    "def.quarantine": ("隔離列：讀取時格式不符（如身分證號檢查碼錯誤、日期不存在）而未載入的列；範例列的身分證號已遮蔽。",
                       "Quarantined rows: rows not loaded because a value did not parse (a bad ID check digit, an impossible date); IDs in the example are masked."),
    # --- class_dashboard
    "class_dashboard.title": ("{class_name} 班學習歷程檔案上傳概況", "Class {class_name}: portfolio uploads"),
    "class_dashboard.intro": ("導師 {teacher}：本頁呈現本班上傳參與情形、尚有待辦的同學（追蹤名單）、勾選情形，以及本班待認證的成果。",
                              "Homeroom teacher {teacher}: your class's participation, the students with something still to do (the chase list), selection, and the class's items waiting for certification."),
    "class_dashboard.compare": ("本班與同年級、全校比較", "This class against its grade and the school"),
    "class_dashboard.curve": ("累積上傳曲線與截止日", "Cumulative uploads against the deadlines"),
    "class_dashboard.chase": ("追蹤名單：尚有待辦的同學（依座號）", "Chase list: students with something still to do (by seat number)"),
    "class_dashboard.chase_count": ("在學 {students} 人中，{n} 人尚有待辦（一人可能有多項）：待上傳 {upload} 人、待勾選 {select} 人、有成果待認證 {pending} 人、需重新上傳 {reupload} 人。",
                                    "{n} of {students} enrolled students have something to do (one may have several things): {upload} to upload, {select} to select, {pending} with items waiting for certification, {reupload} to upload a rejected item again."),
    "class_dashboard.no_students": ("本學期本班沒有在學學生，沒有待辦事項可列。", "The class has no enrolled student this term: nothing to chase."),
    "class_dashboard.chase_none": ("本班在學同學目前都沒有待辦事項。", "No enrolled student of the class has anything left to do."),
    "class_dashboard.selection": ("勾選情形", "Selection (勾選)"),
    "class_dashboard.selection_clo": ("課程學習成果：{selectors} 位同學已勾選本學期 {items} 件（有已認證成果可勾選者 {can} 人）；每人每學年至多勾選 {max} 件，已達上限 {at_max} 人。",
                                      "Course learning outcomes: {selectors} students selected {items} items of this term ({can} have a certified item they can select); each student selects at most {max} a year, and {at_max} have reached that."),
    "class_dashboard.selection_mp": ("多元表現：{selectors} 位同學已勾選本學期 {items} 件（有多元表現可勾選者 {can} 人）；每人每學年至多勾選 {max} 件，已達上限 {at_max} 人。",
                                     "Diverse performance: {selectors} students selected {items} items of this term ({can} have an item they can select); each student selects at most {max} a year, and {at_max} have reached that."),
    "class_dashboard.due_ahead": ("{what}：{date}，還有 {n} 天。", "{what}: {date}, {n} days from now."),
    "class_dashboard.due_today": ("{what}：今天（{date}）截止。", "{what}: today ({date})."),
    "class_dashboard.due_passed": ("{what}（{date}）已過。", "{what} passed on {date}."),
    "class_dashboard.due_unknown": ("本學期期程未列{what}日期。", "This term's schedule gives no date for {what}."),
    "class_dashboard.upload_passed": ("{what}（{date}）已過：本學期的課程學習成果已不能再上傳，名單中的「待上傳」成果僅供記錄；多元表現仍可上傳。",
                                      "The {what} date ({date}) has passed: this term's course learning outcomes can no longer be uploaded, so a CLO \"to upload\" on the list is for the record; MP items can still be uploaded."),
    "class_dashboard.excel": ("追蹤名單（Excel，可列印）：{path}", "Chase list (Excel, to print): {path}"),
    "class_dashboard.certifier_proxy_unlisted": ("已指定代理人，但不在教職員名冊：請更新教職員名冊", "a proxy is named but is not in the staff list: update the staff list"),
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
    "h.mail_needed": ("需紙本通知", "Paper letters to send"),
    "reconciliation.act": ("需要處理", "Needs someone's action"),
    "reconciliation.wait": ("等待中（不需處理）", "Waiting (nothing to do yet)"),
    "reconciliation.actions_by_kind": ("各類別待處理與等待件數", "To act on and waiting, by kind"),
    "reconciliation.kind": ("類別", "Kind"),
    "reconciliation.confirmation_none": ("本學期的收訖批次尚未回傳，還沒有學生確認資料。",
                                         "No receipt batch of this term has come back yet: nothing to confirm."),
    "h.recon_to_act_on": ("需處理件數", "Rows to act on"),
    "h.recon_not_received": ("已回傳卻未收訖", "Not received though answered"),
    "h.recon_not_submitted": ("逾期未提交", "Not submitted by the deadline"),
    "h.recon_submitted_uncertified": ("未認證即提交", "Submitted uncertified"),
    "h.recon_received_not_submitted": ("收訖無提交紀錄", "Received, never submitted"),
    "h.recon_still_to_submit": ("待提交（截止日前）", "Still to submit"),
    "h.recon_awaiting_receipt": ("待回傳", "Awaiting receipt"),
    "note.recon_to_act_on": ("本區以下四類合計（紙本通知另計），同一件只算一次",
                             "the next four kinds together (letters apart), each row once"),
    "note.recon_not_received": ("已提交，之後國教署回傳的收訖批次卻沒有這一件",
                                "submitted; a receipt batch came back after it, without it"),
    "note.recon_not_submitted": ("已勾選，國教署上傳截止日 {due} 已過仍未提交",
                                 "selected, not submitted though the national upload due date {due} has passed"),
    "note.recon_not_due_yet": ("國教署上傳截止日 {due} 未到：尚未提交者列為待提交",
                               "national upload due date {due} not passed: unsubmitted items are still to submit"),
    "note.recon_no_due": ("期程沒有國教署上傳截止日：尚未提交者列為待提交",
                          "no national upload due date in the schedule: unsubmitted items are still to submit"),
    "note.recon_uncertified": ("課程學習成果在提交當時尚未認證通過", "course learning outcomes not yet certified when submitted"),
    "note.recon_received_not_submitted": ("收訖明細有、學校卻沒有提交紀錄的筆數",
                                          "receipt lines matching no item the school submitted"),
    "note.recon_mail": ("已離校、收訖明細未確認、確認期間未結束的學生，每人一封",
                        "students who left, receipt details unconfirmed, period open: one letter each"),
    "note.recon_still_to_submit": ("已勾選未提交，國教署上傳截止日 {due} 前仍可提交",
                                   "selected, not yet submitted; can still be sent until {due}"),
    "note.recon_still_no_due": ("已勾選未提交；期程沒有截止日，不算逾期", "selected, not yet submitted; no due date, so not late"),
    "note.recon_awaiting": ("已提交，國教署尚未回傳其後的收訖批次", "submitted; no receipt batch has come back since"),
    "def.recon_deadline": ("逾期未提交與待提交以期程的國教署上傳截止日區分：資料日期晚於截止日，勾選而未提交者才算逾期。",
                           "Not submitted by the deadline and still to submit are told apart by the schedule's national upload due date: a selected item is late only once the as-of date is after it."),
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
    "data_quality.by_reason": ("需更正的列數（依原因）：隔離未載入，或標「已載入」者已載入但需在來源更正",
                                "Rows to correct, by reason: quarantined (not loaded), or marked \"loaded\" (loaded, to be corrected at the source)"),
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
    # --- the reports index (reports/index.html) and the link back to it on every page
    "index.back": ("← 回報表索引", "← Back to the reports index"),
    "index.title": ("學習歷程檔案報表", "Learning portfolio reports"),
    "index.lead": ("資料日期 {as_of} 的報表，依使用者分組。索引更新於 {generated}。",
                   "The reports for {as_of}, by reader. Index updated {generated}."),
    "index.empty": ("尚無報表：每週報表執行後，這裡會列出每一份報表。",
                    "No reports yet: once the weekly reports have run, every report is listed here."),
    "index.reader.homeroom": ("導師", "Homeroom teachers"),
    "index.reader.homeroom.about": ("各班的上傳概況與待辦名單，每班一份。", "One dashboard per class: uploads and who still has something to do."),
    "index.reader.office": ("教務處", "Academic affairs office"),
    "index.reader.office.about": ("全校完成情形、待認證、對帳、資料品質與人員成效評核（限校內人員）。",
                                  "School completion, certification backlog, reconciliation, data quality and the staff effectiveness review (staff only)."),
    "index.reader.taskforce": ("工作小組", "Task force"),
    "index.reader.taskforce.about": ("會議用簡報：不列任何學生，可印出分發。", "The meeting briefing: no student is named; ready to print."),
    "index.reader.other": ("其他報表", "Other reports"),
    "index.reader.other.about": ("計畫中其他的報表。", "The plan's other reports."),
    "index.class": ("班級", "Class"),
    "index.class_name": ("{class_name} 班", "Class {class_name}"),
    "index.teacher": ("導師", "Homeroom teacher"),
    "index.report": ("報表", "Report"),
    "index.term": ("學期", "Term"),
    "index.term_short": ("{academic_year} 學年度第 {semester} 學期", "{academic_year}-{semester}"),
    "index.files": ("附檔", "Files"),
    "index.open": ("開啟報表", "Open"),
    "index.lang.en": ("（英文版）", " (English)"),
    "index.lang.zh-TW": ("（中文版）", " (Chinese)"),
    "index.not_made": ("本次未能產出：請洽系統管理者（見執行細節）。", "Not made this time: ask the operator (see the operator details)."),
    "index.stale": ("本次未能產出，以下是先前的版本。", "Not made this time: this is the earlier version."),
    "index.earlier_days": ("較早的資料日期", "Earlier as-of dates"),
    "index.operator": ("執行細節（系統管理者用）", "Operator details"),
    "index.operator.about": ("每次執行的參數、所花秒數、執行後的筆記本與失敗的儲存格；最新一次在前。",
                             "Each run's parameters, seconds, executed notebooks and failing cells; the latest run first."),
    "index.run": ("執行 {run_id}", "Run {run_id}"),
    "index.run_counts": ("開始於 {started}：成功 {ok}、失敗 {failed}、未變更 {skipped}",
                         "started {started}: {ok} ok, {failed} failed, {skipped} unchanged"),
    "index.earlier_runs": ("較早的執行（{n} 次）", "Earlier runs ({n})"),
    "index.log": ("執行紀錄", "Run log"),
    "index.status": ("狀態", "Status"),
    "index.status.ok": ("成功", "ok"),
    "index.status.failed": ("失敗", "failed"),
    "index.status.skipped": ("未變更", "unchanged"),
    "index.notebook": ("筆記本", "Notebook"),
    "index.parameters": ("參數", "Parameters"),
    "index.seconds": ("秒", "Seconds"),
    "index.details": ("說明", "Details"),
    "index.page": ("網頁", "Page"),
    "index.cell": ("第 {n} 格", "cell {n}"),
    "index.skipped_from": ("輸入未變更，沿用執行 {run_id} 的檔案", "inputs unchanged: the files of run {run_id}"),
    "index.reason.new": ("首次執行", "new"),
    "index.reason.forced": ("強制重新執行", "forced"),
    "index.reason.failed_before": ("上次執行失敗", "the last run failed"),
    "index.reason.missing": ("檔案已不在", "its files are missing"),
    "index.reason.unchanged": ("未變更", "unchanged"),
    "index.reason.changed": ("已變更：{what}", "changed: {what}"),
    "index.input.notebook": ("筆記本", "notebook"),
    "index.input.queries": ("查詢", "queries"),
    "index.input.parameters": ("參數", "parameters"),
    "index.input.data": ("資料", "data"),
    "index.input.rules": ("規則", "rules"),
    "index.param.academic_year": ("學年度", "academic_year"),
    "index.param.semester": ("學期", "semester"),
    "index.param.lang": ("語言", "lang"),
    "index.param.class_name": ("班級", "class_name"),
    "index.lang_name.zh-TW": ("中文", "zh-TW"),
    "index.lang_name.en": ("英文", "en"),
    "sheet.chase": ("追蹤名單", "Chase list"),
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
    "covers_for": "Covering for",
    "to_upload": "To upload", "to_select": "To select", "to_reupload": "Courses to upload again",
    "reupload_courses": "Rejected: upload again", "needs_action": "Something to do",
    "clo_selected_year": "CLO selected this year", "clo_select_max": "CLO selection limit a year",
    "mp_selected_year": "MP selected this year", "mp_select_max": "MP selection limit a year",
    "students_to_chase": "Students with something to do", "students_to_upload": "Students to upload",
    "students_to_select": "Students to select", "students_pending": "Students with items pending",
    "students_to_reupload": "Students to upload again",
    "clo_selectors": "Students who selected a CLO", "clo_can_select": "Students who can select a CLO",
    "clo_at_max": "Students at the CLO limit", "mp_selectors": "Students who selected an MP item",
    "mp_can_select": "Students with an MP item", "mp_at_max": "Students at the MP limit", "certifier": "Who certifies",
    "national_due": "National upload due", "deadline_passed": "Due date passed",
    "to_act_on": "To act on", "not_received": "Not received", "not_submitted": "Not submitted by the deadline",
    "received_not_submitted": "Received, never submitted", "still_to_submit": "Still to submit",
    "awaiting_receipt": "Awaiting receipt", "explanation_zh": "Explanation (Chinese)",
    "receipt_batches": "Receipt batches", "batches": "Batches", "student_name": "Name",
    "people": "People", "people_with_value": "With a figure", "not_met": "Not met",
    "median_value": "Median",
}

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
        """The label of a code in `column` (`lpdata.labels.VALUES`); a code with no label is shown as it is."""
        if code is None:
            return self("missing")
        if isinstance(code, bool):
            return self("yes") if code else self("no")
        if column == "reason" and not self.zh and code in REASONS and code not in VALUES["reason"]:
            return REASONS[code]
        return value_label(column, code, zh=self.zh)

    def has_values(self, column: str) -> bool:
        return has_values(column)


def strings(lang: str) -> Strings:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, not {lang!r}")
    return Strings(lang)
