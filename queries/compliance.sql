-- grain: rule_id, academic_year, semester
-- owner: academic_director
-- meaning: For every rule the records can decide and every term (semester NULL: academic year) started by the as-of date: pass, fail or unknown, with one line of evidence a person can check.
-- order: rule_order, rule_id, academic_year, semester NULLS FIRST
-- metrics.md's `compliance`, plus `rule_title` (short Chinese title), `owner` (the role of rules.md's
-- 分工 table that acts on it), `setting` (the rule value applied, as text) and `in_progress` (the
-- period has not ended by as_of). The rules are decided in three private parts:
--   _compliance_records (meetings, trainings, schedule, roster), _compliance_items (CLO/MP items
--   and submissions), _compliance_people (retention, proxies, paper mail); their headers say why.
--   Where a public view already defines a figure it is read, not redone: quota_breaches,
--   retention, certification_backlog (needs_proxy), receipt_confirmation (mail_needed).
-- Terms: those the roster or the schedule names, once started (_compliance_periods); settings:
-- the rules in force that year (_compliance_settings).
-- status: 'unknown' = the records needed are not loaded, or a minimum ("at least N per term") is
-- not met yet while the period still runs (the evidence then says "in progress"); a breach of a
-- prohibition fails at once. A rule not in force that year (R-FILE-LIMITS before 109) has no row.
-- R-NO-FORCE has no row: no record can show whether a school forced subjects or counts; the
-- workbench keeps it by design (reports show participation, never a ranking of students).
-- `evidence_zh`: the same evidence in Traditional Chinese, from the same figures (zh-TW reports show
-- it; `evidence` stays English): roles, records and schedule dates by their Chinese names.
-- Evidence names teacher codes, class names, batches and courses, never a student: students are
-- counted, and counts under P-SMALL-CELL read "fewer than N".
WITH decided AS (
    SELECT * FROM _compliance_records
    UNION ALL SELECT * FROM _compliance_items
    UNION ALL SELECT * FROM _compliance_people
),
rule_info (rule_order, rule_id, rule_title, owner) AS (
    VALUES
        (1,  'R-TF-MEET',        '工作小組每學期開會',         'academic_director'),   -- executive secretary
        (2,  'R-CLO-UPLOAD-MAX', '課程學習成果每學期上傳上限', 'registrar_clerk'),     -- CLO 檢核
        (3,  'R-CLO-CERT',       '課程學習成果須先認證',       'course_teacher'),
        (4,  'R-CLO-SUBMIT-MAX', '課程學習成果每學年提交上限', 'portfolio_assistant'), -- submits CLO
        (5,  'R-MP-SUBMIT-MAX',  '多元表現每學年提交上限',     'activities_head'),     -- submits MP
        (6,  'R-CHECK-LEAD',     '上傳期限一週前完成檢核',     'portfolio_assistant'),
        (7,  'R-SCHEDULE',       '公告每學期作業期程',         'registrar_head'),      -- 註冊組 with 協行教師
        (8,  'R-ROSTER-VERIFY',  '學籍資料每學期檢核確認',     'registrar_clerk'),
        (9,  'R-RETENTION',      '畢業生資料封存期滿刪除',     'tech_services'),       -- backups and archiving
        (10, 'R-PROXY-ADMIN',    '行政人員代理順位',           'academic_director'),   -- task force names proxies
        (11, 'R-PROXY-TEACHER',  '離職教師成果認證代理人',     'academic_director'),
        (12, 'R-LEFT-MAIL',      '離校學生紙本郵寄收訖確認',   'registrar_head'),      -- receipt details
        (13, 'R-TRAIN-STUDENT',  '每學期選課說明會',           'research_head'),       -- 選課作業 (實研組)
        (14, 'R-TRAIN-NEW',      '新生說明會及高一系統操作課', 'portfolio_assistant'),
        (15, 'R-TRAIN-TEACHER',  '每學年教師專業研習',         'academic_director'),   -- 教務處
        (16, 'R-TRAIN-PARENT',   '每學年親師說明會',           'counselling_office'),  -- 輔導室 first
        (17, 'R-RECEIPT-WINDOW', '收訖確認期間天數',           'registrar_head'),
        (18, 'R-CLO-WINDOW',     '成果上傳於休業式後截止',     'academic_director'),   -- platform unlock settings
        (19, 'R-FILE-LIMITS',    '檔案大小與簡述字數上限',     'registrar_clerk')      -- CLO 檢核
)
SELECT
    d.rule_id,
    d.academic_year,
    d.semester,
    r.rule_title,
    r.owner,
    d.setting,
    d.status,
    d.evidence,
    d.evidence_zh,
    -- rows judging the as-of state (R-RETENTION, R-PROXY-ADMIN) belong to the year holding as_of
    coalesce(NOT p.ended, true) AS in_progress,
    r.rule_order  -- the rows' order: rules.md's (one number per rule_id)
FROM decided d
JOIN rule_info r USING (rule_id)
LEFT JOIN _compliance_periods p
    ON p.academic_year = d.academic_year AND p.semester IS NOT DISTINCT FROM d.semester
ORDER BY r.rule_order, d.rule_id, d.academic_year, d.semester NULLS FIRST
