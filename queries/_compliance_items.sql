-- grain: rule_id, academic_year, semester
-- owner: academic_director
-- meaning: The rules decided from the portfolio items and the submissions: CLO upload quota, certification before selection or submission, yearly submission quotas, the check lead before the national deadline, file limits.
-- Private part of `compliance` (which adds each rule's title and owner); columns: setting, status,
-- evidence. One definition per figure: the quota breaches are `quota_breaches`' rows; submissions
-- are _portfolio_items' (each item once, by its first submission on or before as_of), as
-- reconciliation and effectiveness read them; the rest comes from _clo_items. Each of the three is
-- read once (a MATERIALIZED CTE of the columns and rows used): a view named in several CTEs is
-- computed once per name, and these are the heavy ones.
-- Decisions the spec leaves open:
-- * A term's items are "loaded" when the current snapshots hold that term's CLO partition; a
--   year's when they hold one of its terms (CLO, or MP). Not loaded: 'unknown'.
-- * These rules forbid something: one breach fails the term at once, even while it runs; no breach
--   passes (so far, if the term is still running).
-- * R-CLO-UPLOAD-MAX also checks "only for credited courses": a live item of a course with 0
--   credits fails the term (items whose course is not in `courses` are not judged on that).
-- * R-CLO-CERT: a live item selected as of as_of and not certified by then, or a CLO item first
--   submitted before its certification (reconciliation's submitted_uncertified; a certification
--   with no time counts as made). With no submissions file loaded and no selection breach the rule
--   is 'unknown' (half of it cannot be checked).
-- * R-CLO-SUBMIT-MAX / R-MP-SUBMIT-MAX: quota_breaches' count (per item: submitted, else selected
--   and live), so a breach shows before the batch that would commit it.
-- * R-CHECK-LEAD: each item of the term counts once, by its first submission (a resubmission after a
--   correction is not a late one), as effectiveness' submitted_on_time_rate; on time = submitted on
--   or before national_due − D days (the date, whatever the hour). No national_due in the schedule,
--   no submissions file, or no item of the term submitted yet: 'unknown'.
-- * R-FILE-LIMITS applies from its effective year only: no row before it (not in force is neither
--   pass nor fail). Items with no file type or size are only checked for their summary.
-- * Student counts under P-SMALL-CELL read "fewer than N" (lp_small_cell, _macros.sql): the task force sees this evidence.
WITH
-- Terms and years with the settings in force (small: P-SMALL-CELL).
periods AS (
    SELECT p.*, s.* EXCLUDE (academic_year), s.small_cell AS small
    FROM _compliance_periods p
    JOIN _compliance_settings s USING (academic_year)
),
terms AS (SELECT * FROM periods WHERE period_noun = 'term'),
years AS (SELECT * FROM periods WHERE period_noun = 'year'),
-- Each building block read once (a view named in several places is computed in each of them).
clo_items AS MATERIALIZED (  -- the columns used (the summary only as R-FILE-LIMITS reads it)
    SELECT item_id, academic_year, semester, national_id_hash, course_code, course_name, credits,
           teacher_code, file_type, file_kb, live, cert_state, selected,
           coalesce(trim(summary), '') = '' AS blank_summary, length(summary) AS summary_chars
    FROM _clo_items
),
portfolio_items AS MATERIALIZED (  -- every use below reads only these: submitted, else selected and live
    SELECT kind, item_id, academic_year, semester, national_id_hash, on_platform, live, selected,
           cert_status_exported, certified_at, submitted, batch_id, submitted_at
    FROM _portfolio_items
    WHERE on_platform AND (submitted OR (selected AND live))
),
breaches AS MATERIALIZED (
    SELECT rule_id, academic_year, "count", breached_semesters FROM quota_breaches
),
submissions_loaded AS (SELECT count(*) > 0 AS loaded FROM snapshots WHERE kind = 'submissions'),
schedule_loaded AS (SELECT count(*) > 0 AS loaded FROM snapshots WHERE kind = 'schedule'),

-- ---------------------------------------------------------------------------------------------
-- R-CLO-UPLOAD-MAX: no student over N live CLO items in the term, and none for an uncredited course.
live_per_student AS (  -- quota_breaches' count: live items per student and term
    SELECT academic_year, semester, national_id_hash, count(*) AS items
    FROM clo_items
    WHERE live
    GROUP BY ALL
),
upload_breaches AS (  -- quota_breaches lists a student once a year, with every semester over
    SELECT q.academic_year, b.semester, count(*) AS over
    FROM breaches q, unnest(q.breached_semesters) AS b(semester)
    WHERE q.rule_id = 'R-CLO-UPLOAD-MAX'
    GROUP BY ALL
),
uncredited AS (
    SELECT
        academic_year, semester,
        count(*) AS items,
        lp_first_3(list(DISTINCT coalesce(course_name, course_code) ORDER BY coalesce(course_name, course_code)))
            AS courses
    FROM clo_items
    WHERE live AND credits = 0
    GROUP BY ALL
),
uploads AS (
    SELECT
        t.academic_year, t.semester,
        any_value(t.period) AS period, any_value(t.period_zh) AS period_zh,
        any_value(t.clo_loaded) AS clo_loaded, any_value(t.small) AS small,
        any_value(t.clo_upload_max) AS max_items,
        count(u.national_id_hash) AS uploaders,
        max(u.items) AS most
    FROM terms t
    LEFT JOIN live_per_student u ON u.academic_year = t.academic_year AND u.semester = t.semester
    WHERE t.clo_upload_max IS NOT NULL
    GROUP BY t.academic_year, t.semester
),
uploads_decided AS (
    SELECT
        'R-CLO-UPLOAD-MAX' AS rule_id, u.academic_year, u.semester,
        '≤' || format('{:g}', u.max_items) || ' live items per student per semester, credited courses only' AS setting,
        CASE WHEN NOT u.clo_loaded THEN 'unknown'
             WHEN coalesce(b.over, 0) > 0 OR x.items > 0 THEN 'fail'
             ELSE 'pass' END AS status,
        CASE WHEN NOT u.clo_loaded THEN 'no CLO file of ' || u.period || ' loaded'
             WHEN coalesce(b.over, 0) > 0 OR x.items > 0 THEN
                 concat_ws('; ',
                     CASE WHEN b.over > 0 THEN
                         lp_small_cell(b.over, u.small)
                         || ' students over ' || format('{:g}', u.max_items) || ' live items (most: ' || u.most || ')' END,
                     CASE WHEN x.items > 0 THEN
                         x.items || ' live item' || if(x.items = 1, '', 's') || ' for courses with 0 credits: ' || x.courses END)
             WHEN u.uploaders = 0 THEN 'no live CLO item'
             ELSE lp_small_cell(u.uploaders, u.small)
                  || ' students with live items, at most ' || u.most || ' each' END AS evidence,
        CASE WHEN NOT u.clo_loaded THEN '未載入 ' || u.period_zh || '課程學習成果檔'
             WHEN coalesce(b.over, 0) > 0 OR x.items > 0 THEN
                 concat_ws('；',
                     CASE WHEN b.over > 0 THEN
                         '有效成果超過 ' || format('{:g}', u.max_items) || ' 件的學生 ' || lp_small_cell_zh(b.over, u.small)
                         || '（最多 ' || u.most || ' 件）' END,
                     CASE WHEN x.items > 0 THEN
                         '0 學分課程的有效成果 ' || x.items || ' 件：' || x.courses END)
             WHEN u.uploaders = 0 THEN '沒有有效的課程學習成果'
             ELSE '有有效成果的學生 ' || lp_small_cell_zh(u.uploaders, u.small)
                  || '，每人最多 ' || u.most || ' 件' END AS evidence_zh
    FROM uploads u
    LEFT JOIN upload_breaches b ON b.academic_year = u.academic_year AND b.semester = u.semester
    LEFT JOIN uncredited x ON x.academic_year = u.academic_year AND x.semester = u.semester
),

-- ---------------------------------------------------------------------------------------------
-- R-CLO-CERT: nothing selected or submitted before it was certified.
selections AS (
    SELECT
        academic_year, semester,
        count(*) AS selected,
        count(*) FILTER (cert_state <> 'certified') AS uncertified,
        lp_first_3(list(DISTINCT teacher_code ORDER BY teacher_code) FILTER (cert_state <> 'certified')) AS teachers
    FROM clo_items
    WHERE live AND selected
    GROUP BY ALL
),
clo_sent AS (  -- CLO items submitted on or before as_of, by their first submission
    SELECT
        p.academic_year, p.semester, p.batch_id, c.teacher_code,
        -- reconciliation's submitted_uncertified: not 認證通過, or certified after the submission
        NOT coalesce(p.cert_status_exported = 'certified'
                     AND (p.certified_at IS NULL OR p.certified_at <= p.submitted_at), false) AS uncertified
    FROM portfolio_items p
    JOIN clo_items c ON c.item_id = p.item_id
    WHERE p.kind = 'clo' AND p.submitted AND p.on_platform
),
clo_sent_summary AS (
    SELECT
        academic_year, semester,
        count(*) AS sent,
        count(*) FILTER (uncertified) AS uncertified,
        lp_first_3(list(DISTINCT batch_id ORDER BY batch_id) FILTER (uncertified)) AS batches,
        lp_first_3(list(DISTINCT teacher_code ORDER BY teacher_code) FILTER (uncertified)) AS teachers
    FROM clo_sent
    GROUP BY ALL
),
certification_decided AS (
    SELECT
        'R-CLO-CERT' AS rule_id, t.academic_year, t.semester,
        'every selected or submitted CLO certified first' AS setting,
        CASE WHEN NOT t.clo_loaded THEN 'unknown'
             WHEN coalesce(sel.uncertified, 0) > 0 OR coalesce(snt.uncertified, 0) > 0 THEN 'fail'
             WHEN NOT sl.loaded THEN 'unknown'
             ELSE 'pass' END AS status,
        CASE WHEN NOT t.clo_loaded THEN 'no CLO file of ' || t.period || ' loaded'
             WHEN coalesce(sel.uncertified, 0) > 0 OR coalesce(snt.uncertified, 0) > 0 THEN
                 concat_ws('; ',
                     CASE WHEN sel.uncertified > 0 THEN
                         sel.uncertified || ' selected item' || if(sel.uncertified = 1, '', 's')
                         || ' not certified' || coalesce(' (teachers ' || nullif(sel.teachers, '') || ')', '') END,
                     CASE WHEN snt.uncertified > 0 THEN
                         snt.uncertified || ' item' || if(snt.uncertified = 1, '', 's')
                         || ' submitted before certification (batches ' || snt.batches
                         || coalesce('; teachers ' || nullif(snt.teachers, ''), '') || ')' END)
             ELSE CASE WHEN coalesce(sel.selected, 0) = 0 THEN 'no selected item'
                       ELSE sel.selected || ' selected item' || if(sel.selected = 1, '', 's') || ', all certified' END
                  || '; '
                  || CASE WHEN NOT sl.loaded THEN 'no submissions file loaded'
                          WHEN coalesce(snt.sent, 0) = 0 THEN 'no item of ' || t.period || ' submitted'
                          ELSE snt.sent || ' submitted item' || if(snt.sent = 1, '', 's')
                               || ', all certified before submission' END
             END AS evidence,
        CASE WHEN NOT t.clo_loaded THEN '未載入 ' || t.period_zh || '課程學習成果檔'
             WHEN coalesce(sel.uncertified, 0) > 0 OR coalesce(snt.uncertified, 0) > 0 THEN
                 concat_ws('；',
                     CASE WHEN sel.uncertified > 0 THEN
                         '已勾選但未認證 ' || sel.uncertified || ' 件'
                         || coalesce('（教師 ' || nullif(sel.teachers, '') || '）', '') END,
                     CASE WHEN snt.uncertified > 0 THEN
                         '認證前即提交 ' || snt.uncertified || ' 件（批次 ' || snt.batches
                         || coalesce('；教師 ' || nullif(snt.teachers, ''), '') || '）' END)
             ELSE CASE WHEN coalesce(sel.selected, 0) = 0 THEN '沒有已勾選的成果'
                       ELSE '已勾選 ' || sel.selected || ' 件，均已認證' END
                  || '；'
                  || CASE WHEN NOT sl.loaded THEN '未載入提交紀錄檔'
                          WHEN coalesce(snt.sent, 0) = 0 THEN t.period_zh || '沒有已提交的成果'
                          ELSE '已提交 ' || snt.sent || ' 件，均於認證後才提交' END
             END AS evidence_zh
    FROM terms t
    CROSS JOIN submissions_loaded sl
    LEFT JOIN selections sel ON sel.academic_year = t.academic_year AND sel.semester = t.semester
    LEFT JOIN clo_sent_summary snt ON snt.academic_year = t.academic_year AND snt.semester = t.semester
),

-- ---------------------------------------------------------------------------------------------
-- R-CLO-SUBMIT-MAX, R-MP-SUBMIT-MAX: quota_breaches' students over the yearly quota.
counted_per_student AS (  -- quota_breaches' count, for every student (it lists only those over)
    SELECT kind, academic_year, national_id_hash, count(*) AS items
    FROM portfolio_items
    WHERE on_platform AND (submitted OR (selected AND live))
    GROUP BY ALL
),
submit_breaches AS (
    SELECT rule_id, academic_year, count(*) AS over, max("count") AS most_over
    FROM breaches
    WHERE rule_id IN ('R-CLO-SUBMIT-MAX', 'R-MP-SUBMIT-MAX')
    GROUP BY ALL
),
quota_rules (rule_id, kind, label, label_zh) AS (
    VALUES ('R-CLO-SUBMIT-MAX', 'clo', 'CLO', '課程學習成果'), ('R-MP-SUBMIT-MAX', 'mp', 'MP', '多元表現')
),
quota_years AS (
    SELECT
        q.*, y.academic_year, y.semester, y.period, y.period_zh, y.small,
        CASE q.kind WHEN 'clo' THEN y.clo_loaded ELSE y.mp_loaded END AS loaded,
        CASE q.kind WHEN 'clo' THEN y.clo_submit_max ELSE y.mp_submit_max END AS max_items
    FROM quota_rules q
    CROSS JOIN years y
),
quotas AS (
    SELECT
        q.rule_id, q.academic_year, q.semester,
        any_value(q.label) AS label, any_value(q.period) AS period, any_value(q.loaded) AS loaded,
        any_value(q.label_zh) AS label_zh, any_value(q.period_zh) AS period_zh,
        any_value(q.small) AS small, any_value(q.max_items) AS max_items,
        count(c.national_id_hash) AS students,
        max(c.items) AS most
    FROM quota_years q
    LEFT JOIN counted_per_student c ON c.kind = q.kind AND c.academic_year = q.academic_year
    WHERE q.max_items IS NOT NULL
    GROUP BY q.rule_id, q.academic_year, q.semester
),
quotas_decided AS (
    SELECT
        q.rule_id, q.academic_year, q.semester,
        '≤' || format('{:g}', q.max_items) || ' ' || q.label
            || ' items per student per academic year (submitted, else selected)' AS setting,
        CASE WHEN NOT q.loaded THEN 'unknown' WHEN coalesce(b.over, 0) > 0 THEN 'fail' ELSE 'pass' END AS status,
        CASE WHEN NOT q.loaded THEN 'no ' || q.label || ' file of ' || q.period || ' loaded'
             WHEN b.over > 0 THEN lp_small_cell(b.over, q.small)
                                  || ' students over ' || format('{:g}', q.max_items) || ' (most: ' || b.most_over || ')'
             WHEN q.students = 0 THEN 'no ' || q.label || ' item submitted or selected'
             ELSE lp_small_cell(q.students, q.small)
                  || ' students with submitted or selected items, at most ' || q.most || ' each' END AS evidence,
        CASE WHEN NOT q.loaded THEN '未載入 ' || q.period_zh || q.label_zh || '檔'
             WHEN b.over > 0 THEN '提交或勾選超過 ' || format('{:g}', q.max_items) || ' 件的學生 '
                                  || lp_small_cell_zh(b.over, q.small) || '（最多 ' || b.most_over || ' 件）'
             WHEN q.students = 0 THEN '沒有已提交或勾選的' || q.label_zh
             ELSE '有已提交或勾選' || q.label_zh || '的學生 ' || lp_small_cell_zh(q.students, q.small)
                  || '，每人最多 ' || q.most || ' 件' END AS evidence_zh
    FROM quotas q
    LEFT JOIN submit_breaches b ON b.rule_id = q.rule_id AND b.academic_year = q.academic_year
),

-- ---------------------------------------------------------------------------------------------
-- R-CHECK-LEAD: every item of the term first submitted at least D days before national_due.
lead_terms AS (
    SELECT
        t.academic_year, t.semester, t.period, t.period_zh, s.national_due,
        t.check_lead_days AS lead_days,
        s.national_due - CAST(t.check_lead_days AS INTEGER) AS check_by
    FROM terms t
    LEFT JOIN schedule s ON s.academic_year = t.academic_year AND s.semester = t.semester
    WHERE t.check_lead_days IS NOT NULL
),
lead_summary AS (
    SELECT
        l.academic_year, l.semester,
        any_value(l.period) AS period, any_value(l.period_zh) AS period_zh, any_value(l.national_due) AS national_due,
        any_value(l.lead_days) AS lead_days, any_value(l.check_by) AS check_by,
        count(x.item_id) AS sent,
        count(x.item_id) FILTER (x.submitted_at::DATE > l.check_by) AS late,
        max(x.submitted_at)::DATE AS last_sent,
        lp_first_3(list(DISTINCT x.batch_id ORDER BY x.batch_id) FILTER (x.submitted_at::DATE > l.check_by))
            AS late_batches
    FROM lead_terms l
    LEFT JOIN portfolio_items x
        ON x.academic_year = l.academic_year AND x.semester = l.semester AND x.submitted AND x.on_platform
    GROUP BY l.academic_year, l.semester
),
lead_decided AS (
    SELECT
        'R-CHECK-LEAD' AS rule_id, l.academic_year, l.semester,
        'every item submitted ≥' || format('{:g}', l.lead_days) || ' days before national_due' AS setting,
        CASE WHEN NOT sl.loaded OR NOT sch.loaded OR l.national_due IS NULL THEN 'unknown'
             WHEN l.late > 0 THEN 'fail'
             WHEN l.sent = 0 THEN 'unknown'
             ELSE 'pass' END AS status,
        CASE WHEN NOT sl.loaded THEN 'no submissions file loaded'
             WHEN NOT sch.loaded THEN 'no schedule file loaded'
             WHEN l.national_due IS NULL THEN 'no national_due in the ' || l.period || ' schedule'
             WHEN l.late > 0 THEN l.late || ' of ' || l.sent || ' submitted item' || if(l.sent = 1, '', 's')
                                  || ' sent after ' || l.check_by || ' (national_due ' || l.national_due || ' − '
                                  || format('{:g}', l.lead_days) || ' days): batches ' || l.late_batches
             WHEN l.sent = 0 THEN 'no item of ' || l.period || ' submitted yet (due by ' || l.check_by || ')'
             ELSE l.sent || ' submitted item' || if(l.sent = 1, '', 's') || ', all sent on or before ' || l.check_by
                  || ' (national_due ' || l.national_due || ' − ' || format('{:g}', l.lead_days) || ' days); last '
                  || l.last_sent END AS evidence,
        CASE WHEN NOT sl.loaded THEN '未載入提交紀錄檔'
             WHEN NOT sch.loaded THEN '未載入期程檔'
             WHEN l.national_due IS NULL THEN l.period_zh || '期程未填國教署上傳截止日'
             WHEN l.late > 0 THEN '已提交 ' || l.sent || ' 件中，' || l.late || ' 件於 ' || l.check_by
                                  || ' 之後才送出（國教署上傳截止 ' || l.national_due || ' 前 '
                                  || format('{:g}', l.lead_days) || ' 天）：批次 ' || l.late_batches
             WHEN l.sent = 0 THEN l.period_zh || '尚無已提交的成果（應於 ' || l.check_by || ' 或之前提交）'
             ELSE '已提交 ' || l.sent || ' 件，均於 ' || l.check_by || ' 或之前送出（國教署上傳截止 '
                  || l.national_due || ' 前 ' || format('{:g}', l.lead_days) || ' 天）；最後一件 '
                  || l.last_sent END AS evidence_zh
    FROM lead_summary l
    CROSS JOIN submissions_loaded sl
    CROSS JOIN schedule_loaded sch
),

-- ---------------------------------------------------------------------------------------------
-- R-FILE-LIMITS: live CLO items within the size limits of their type, with a short description.
file_checks AS (
    SELECT
        l.academic_year, l.semester, i.item_id, coalesce(i.course_name, i.course_code) AS course,
        i.file_type IN ('pdf', 'jpg', 'png') AND i.file_kb > l.document_max_kb AS big_document,
        i.file_type IN ('mp3', 'mp4') AND i.file_kb > l.media_max_kb AS big_media,
        i.blank_summary OR i.summary_chars > l.summary_max_chars AS bad_summary,
        i.file_type IS NULL OR i.file_kb IS NULL AS unsized
    FROM terms l
    JOIN clo_items i ON i.academic_year = l.academic_year AND i.semester = l.semester AND i.live
),
file_summary AS (
    SELECT
        academic_year, semester,
        count(*) AS items,
        count(*) FILTER (big_document) AS big_documents,
        count(*) FILTER (big_media) AS big_media,
        count(*) FILTER (bad_summary) AS bad_summaries,
        count(*) FILTER (coalesce(big_document OR big_media, false) OR bad_summary) AS breaking,
        count(*) FILTER (unsized) AS unsized,
        lp_first_3(list(DISTINCT course ORDER BY course)
                   FILTER (coalesce(big_document OR big_media, false) OR bad_summary)) AS courses
    FROM file_checks
    GROUP BY ALL
),
files_decided AS (
    SELECT
        'R-FILE-LIMITS' AS rule_id, l.academic_year, l.semester,
        'pdf/jpg/png ≤' || format('{:g}', l.document_max_kb) || ' KB, mp3/mp4 ≤' || format('{:g}', l.media_max_kb)
            || ' KB, summary 1-' || format('{:g}', l.summary_max_chars) || ' characters' AS setting,
        CASE WHEN NOT l.clo_loaded THEN 'unknown'
             WHEN f.breaking > 0 THEN 'fail'
             ELSE 'pass' END AS status,
        CASE WHEN NOT l.clo_loaded THEN 'no CLO file of ' || l.period || ' loaded'
             WHEN f.breaking > 0 THEN
                 f.breaking || ' of ' || f.items || ' live item' || if(f.items = 1, '', 's') || ' break the limits: '
                 || concat_ws(', ',
                        CASE WHEN f.big_documents > 0 THEN f.big_documents || ' pdf/jpg/png over '
                             || format('{:g}', l.document_max_kb) || ' KB' END,
                        CASE WHEN f.big_media > 0 THEN f.big_media || ' mp3/mp4 over '
                             || format('{:g}', l.media_max_kb) || ' KB' END,
                        CASE WHEN f.bad_summaries > 0 THEN f.bad_summaries || ' with a summary empty or over '
                             || format('{:g}', l.summary_max_chars) || ' characters' END)
                 || ' (courses ' || f.courses || ')'
             WHEN coalesce(f.items, 0) = 0 THEN 'no live CLO item'
             ELSE f.items || ' live item' || if(f.items = 1, '', 's') || ', all within the limits'
                  || CASE WHEN f.unsized > 0 THEN '; ' || f.unsized || ' without file type or size (summary checked only)'
                          ELSE '' END END AS evidence,
        CASE WHEN NOT l.clo_loaded THEN '未載入 ' || l.period_zh || '課程學習成果檔'
             WHEN f.breaking > 0 THEN
                 '有效成果 ' || f.items || ' 件中，' || f.breaking || ' 件超出限制：'
                 || concat_ws('、',
                        CASE WHEN f.big_documents > 0 THEN '文件或圖檔（PDF、JPG、PNG）超過 '
                             || format('{:g}', l.document_max_kb) || ' KB ' || f.big_documents || ' 件' END,
                        CASE WHEN f.big_media > 0 THEN '影音檔（MP3、MP4）超過 '
                             || format('{:g}', l.media_max_kb) || ' KB ' || f.big_media || ' 件' END,
                        CASE WHEN f.bad_summaries > 0 THEN '簡述空白或超過 '
                             || format('{:g}', l.summary_max_chars) || ' 字 ' || f.bad_summaries || ' 件' END)
                 || '（課程：' || f.courses || '）'
             WHEN coalesce(f.items, 0) = 0 THEN '沒有有效的課程學習成果'
             ELSE '有效成果 ' || f.items || ' 件，均未超出限制'
                  || CASE WHEN f.unsized > 0 THEN '；' || f.unsized || ' 件無檔案類型或大小（僅檢查簡述）'
                          ELSE '' END END AS evidence_zh
    FROM terms l
    LEFT JOIN file_summary f USING (academic_year, semester)
    WHERE l.document_max_kb IS NOT NULL  -- in force from its effective year only
)

SELECT * FROM uploads_decided
UNION ALL SELECT * FROM certification_decided
UNION ALL SELECT * FROM quotas_decided
UNION ALL SELECT * FROM lead_decided
UNION ALL SELECT * FROM files_decided
