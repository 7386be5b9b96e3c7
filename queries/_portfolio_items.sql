-- grain: kind, item_id
-- owner: portfolio_assistant
-- meaning: Every CLO and MP item, on the platform or only in a submission record, with its first submission on or before the as-of date.
-- Private building block (reconciliation, quota_breaches). CLO items come from _clo_items and MP
-- items from _mp_items, each with its own 學年度, term and as-of state (live, selected, certified).
-- An item submitted in several batches (a resubmission after a correction) counts once: its
-- earliest submission on or before as_of gives `batch_id`, `submitted_at` and `submitted_by`;
-- `times_submitted` counts them all. A submission after as_of is not made yet.
-- A submitted item the platform export does not hold (`on_platform` false) keeps the submission's
-- national_id_hash; its year, term, course, summary and certification are unknown (NULL).
-- Submissions are the 提交紀錄 rows and the rows of the uploaded national workbooks
-- (_workbook_submissions): a workbook row that matched a platform item submits that item exactly
-- as a 提交紀錄 row naming it would (its batch_id and submitted_at; submitted_by unknown), and an
-- item named by both counts its earliest submission, times_submitted counting both. A workbook
-- row that matched no platform item is a submitted item of its own (`workbook_only`; item_id
-- `[batch_id]sheet!row`, see _workbook_submissions), not on the platform, with the year, term,
-- course code, category, title and summary the row gives (so a receipt line can still match it).
WITH a AS (SELECT as_of_end FROM lp_as_of),
platform AS (
    SELECT 'clo' AS kind, item_id, academic_year, semester, national_id_hash, student_no, class_name,
           course_code, NULL::VARCHAR AS category, NULL::VARCHAR AS title, summary,
           uploaded_at, deleted_at, live, selected, selected_at,
           cert_state, cert_status_exported, certified_at
    FROM _clo_items
    UNION ALL
    SELECT 'mp', item_id, academic_year, semester, national_id_hash, student_no, class_name,
           NULL, category, title, summary,
           uploaded_at, deleted_at, live, selected, selected_at,
           NULL, NULL, NULL
    FROM _mp_items
),
-- Submissions made on or before as_of (提交紀錄 rows, then workbook rows: _workbook_submissions
-- keeps only those made by then), numbered per item from the earliest.
sent AS (
    SELECT s.kind, s.item_id, s.batch_id, s.submitted_at, s.submitted_by, s.national_id_hash,
           0 AS source, NULL::VARCHAR AS workbook_sheet, NULL::BIGINT AS workbook_row, false AS workbook_only,
           NULL::BIGINT AS academic_year, NULL::BIGINT AS semester, NULL::VARCHAR AS course_code,
           NULL::VARCHAR AS category, NULL::VARCHAR AS title, NULL::VARCHAR AS summary
    FROM submissions s CROSS JOIN a
    WHERE s.submitted_at < a.as_of_end
    UNION ALL
    SELECT kind, item_id, batch_id, submitted_at, NULL, national_id_hash,
           1, workbook_sheet, workbook_row, platform_item_id IS NULL,
           academic_year, semester, course_code, category, title, summary
    FROM _workbook_submissions
),
made AS (
    SELECT s.*,
           row_number() OVER (PARTITION BY s.kind, s.item_id
                              ORDER BY s.submitted_at, s.batch_id, s.source, s.workbook_sheet, s.workbook_row) AS nth,
           count(*) OVER (PARTITION BY s.kind, s.item_id) AS times_submitted
    FROM sent s
),
first_submission AS (
    SELECT kind, item_id, batch_id, submitted_at, submitted_by, times_submitted,
           national_id_hash AS submitted_id_hash, workbook_only,
           academic_year, semester, course_code, category, title, summary
    FROM made WHERE nth = 1
)
SELECT
    coalesce(p.kind, f.kind) AS kind,
    coalesce(p.item_id, f.item_id) AS item_id,
    p.item_id IS NOT NULL AS on_platform,
    coalesce(p.item_id IS NULL AND f.workbook_only, false) AS workbook_only,
    if(p.item_id IS NULL, f.academic_year, p.academic_year) AS academic_year,
    if(p.item_id IS NULL, f.semester, p.semester) AS semester,
    coalesce(p.national_id_hash, f.submitted_id_hash) AS national_id_hash,
    p.student_no,
    p.class_name,
    if(p.item_id IS NULL, f.course_code, p.course_code) AS course_code,
    if(p.item_id IS NULL, f.category, p.category) AS category,
    if(p.item_id IS NULL, f.title, p.title) AS title,
    if(p.item_id IS NULL, f.summary, p.summary) AS summary,
    p.uploaded_at,
    p.deleted_at,
    coalesce(p.live, false) AS live,
    coalesce(p.selected, false) AS selected,
    p.selected_at,
    p.cert_state,
    p.cert_status_exported,
    p.certified_at,
    f.item_id IS NOT NULL AS submitted,
    f.batch_id,
    f.submitted_at,
    f.submitted_by,
    coalesce(f.times_submitted, 0) AS times_submitted
FROM platform p
FULL OUTER JOIN first_submission f ON f.kind = p.kind AND f.item_id = p.item_id
