-- grain: kind, item_id, receipt_batch, receipt_file, receipt_line
-- owner: registrar_head
-- meaning: Every selected item, submitted item and receipt line, and where it stands between the school's platform and the national database's receipt details.
-- order: kind, academic_year, class_name, student_no, item_id, receipt_batch, receipt_file, receipt_line
-- One row per item selected (live, never submitted) or submitted on or before as_of, and per
-- receipt line received on or before as_of that matches no submitted item. A matched line shares
-- its item's row. The matching itself (key, normalised summary, earliest-submitted item first) is
-- _receipt_matches'; an item submitted in several batches shows its earliest submission.
-- `receipt_line` is the line's row number in its file as the spreadsheet numbers it (header
-- included), `receipt_file` that file's path: together with `receipt_batch` they find the line.
-- States (metrics.md v2): submitted_not_received once a receipt batch of the item's kind and
-- 學年度 came back AFTER the item was submitted (its first submission): a line of the batch
-- received on or before as_of and after submitted_at. For CLO the batch must hold lines of the
-- item's semester (a receipt line's 實際修課學期); a CLO line with no 實際修課學期 counts for either
-- semester of its year (decision: nothing says which term it answers). Before such a batch:
-- awaiting_receipt, the national database has not answered this submission — even when batches of
-- the year came back before it was sent (the explanation then says when the newest one came). A
-- submitted item the platform export does not hold has no year nor term: a batch of its kind
-- received after its submission counts.
-- Submitted includes the rows of the uploaded national workbooks (_portfolio_items,
-- _workbook_submissions): a workbook row that matched a platform item submits it (batch_id = the
-- workbook), so such an item has the state a 提交紀錄 row naming it would give. A workbook row that
-- matches no platform item is a submitted item of its own, not on the platform: item_id
-- `[batch_id]sheet!row` (the workbook, its sheet and row), the year, course code (or category and
-- title) and summary its row gives, student_no and class_name from the roster; receipt lines are
-- matched to it like to any submitted item (it has the whole key), its states are those of a
-- platform item of its year, and its explanation (received too) says it is a workbook row that
-- matches no platform item. The grain stays unique: each such row has its own item_id.
-- `submitted_uncertified`: a CLO whose exported state is not 認證通過, or was certified after its
-- first submission (a certification with no time counts as made before); false for everything else.
-- student_no and class_name: the item's term roster; for a line, the roster of its 實際修課學期,
-- else of its 學年度 (newest term); student_no, failing that, from any roster.
WITH a AS (SELECT as_of, as_of_end FROM lp_as_of),
-- Items this view reports: submitted, or selected on the platform, live, and not submitted.
items AS (
    SELECT * FROM _portfolio_items WHERE submitted OR (selected AND live)
),
-- (kind, 學年度, 實際修課學期) with receipt lines received on or before as_of, and the newest of them:
-- every such line is a row of _receipt_matches, but read from the lines themselves, so the
-- matches are read once, in `joined` (twice, they were copied: at the nation 8 million rows, over 8 GB).
receipt_terms AS (
    SELECT r.kind, r.academic_year, r.semester AS receipt_semester, max(r.received_at) AS last_received_at
    FROM receipts r CROSS JOIN a
    WHERE r.received_at < a.as_of_end
    GROUP BY ALL
),
joined AS (
    SELECT
        coalesce(i.kind, m.kind) AS kind,
        coalesce(i.academic_year, m.academic_year) AS academic_year,
        coalesce(i.semester, m.receipt_semester) AS semester,
        coalesce(i.national_id_hash, m.national_id_hash) AS national_id_hash,
        i.student_no AS item_student_no,
        i.class_name AS item_class_name,
        coalesce(i.item_id, m.item_id) AS item_id,
        m.receipt_batch,
        m.receipt_file,
        m.receipt_line,
        m.received_at,
        i.item_id IS NOT NULL AS is_item,
        coalesce(i.submitted, false) AS submitted,
        coalesce(i.on_platform, false) AS on_platform,
        coalesce(i.workbook_only, false) AS workbook_only,
        i.batch_id,
        i.submitted_at,
        i.submitted_by,
        i.times_submitted,
        i.selected_at,
        i.cert_status_exported,
        i.certified_at,
        coalesce(i.course_code, m.receipt_course_code) AS course_code,
        coalesce(i.category, m.receipt_category) AS category,
        coalesce(i.title, m.receipt_title) AS title,
        i.summary,
        m.receipt_summary,
        m.subject_key,
        m.key_submitted_items,
        m.key_unsubmitted_item,
        m.key_lines,
        m.near_lines,
        m.near_summary
    FROM items i
    FULL OUTER JOIN _receipt_matches m ON m.kind = i.kind AND m.item_id = i.item_id
),
-- For each submitted item without a line: the newest receipt line of its kind, year and (CLO)
-- semester — any of its kind for an item with no year — received on or before as_of.
answers AS (
    SELECT j.kind, j.item_id, max(t.last_received_at) AS last_received_at
    FROM joined j
    JOIN receipt_terms t
      ON t.kind = j.kind
     AND (j.academic_year IS NULL OR t.academic_year = j.academic_year)
     AND (j.kind = 'mp' OR j.semester IS NULL OR t.receipt_semester IS NULL OR t.receipt_semester = j.semester)
    WHERE j.is_item AND j.submitted AND j.receipt_batch IS NULL
      AND (j.academic_year IS NOT NULL OR (NOT j.on_platform AND NOT j.workbook_only))
    GROUP BY ALL
),
stated AS (
    SELECT j.*,
        CASE
            WHEN j.is_item AND NOT j.submitted THEN 'selected_not_submitted'
            WHEN j.is_item AND j.receipt_batch IS NOT NULL THEN 'received'
            WHEN j.is_item AND ans.last_received_at > j.submitted_at THEN 'submitted_not_received'
            WHEN j.is_item THEN 'awaiting_receipt'
            ELSE 'received_not_submitted'
        END AS state,
        upper(j.kind) || ' ' || coalesce(j.academic_year::VARCHAR, '') AS kind_year,
        -- the batch an item waits for: CLO per term, MP per year
        upper(j.kind) || ' ' || coalesce(j.academic_year::VARCHAR, '')
            || CASE WHEN j.kind = 'clo' AND j.semester IS NOT NULL THEN '-' || j.semester ELSE '' END AS kind_term,
        CASE j.kind WHEN 'clo' THEN 'course code' ELSE 'category and title' END AS subject_words,
        CASE j.kind WHEN 'clo' THEN 'course code and summary' ELSE 'category, title and summary' END AS key_words,
        CASE WHEN j.is_item AND j.submitted AND j.workbook_only THEN
            format('Submitted on {} in batch {}, a workbook row that matches no item of the platform''s {} export',
                   strftime(j.submitted_at, '%Y-%m-%d'), j.batch_id, upper(j.kind))
             WHEN j.is_item AND j.submitted THEN
            format('Submitted on {} in batch {}', strftime(j.submitted_at, '%Y-%m-%d'), j.batch_id)
        END AS submitted_words,
        ans.last_received_at AS answered_last_received_at
    FROM joined j
    LEFT JOIN answers ans ON ans.kind = j.kind AND ans.item_id = j.item_id
),
-- The roster row that names the student of a row whose item did not (unmatched lines above all).
roster_year AS (
    SELECT national_id_hash, academic_year,
           arg_max(student_no, semester) AS student_no, arg_max(class_name, semester) AS class_name
    FROM _enrolment GROUP BY ALL
),
roster_any AS (
    SELECT national_id_hash, arg_max(student_no, academic_year * 10 + semester) AS student_no
    FROM _enrolment GROUP BY ALL
),
-- The rosters' names for each student, year and term a row without its item's names has: looked
-- up once per such (student, year, term), not for every row (at the nation 8 million rows, the
-- three roster joins took 50 s; the rows that need them are the unmatched lines, a few thousand).
unnamed AS (
    SELECT DISTINCT national_id_hash, academic_year, semester
    FROM joined WHERE item_student_no IS NULL OR item_class_name IS NULL  -- joined: stated's rows, already kept
),
roster_names AS (
    SELECT u.national_id_hash, u.academic_year, u.semester,
           coalesce(rt.student_no, ry.student_no, ra.student_no) AS student_no,
           coalesce(rt.class_name, ry.class_name) AS class_name
    FROM unnamed u
    LEFT JOIN _enrolment rt
      ON rt.national_id_hash = u.national_id_hash AND rt.academic_year = u.academic_year AND rt.semester = u.semester
    LEFT JOIN roster_year ry ON ry.national_id_hash = u.national_id_hash AND ry.academic_year = u.academic_year
    LEFT JOIN roster_any ra ON ra.national_id_hash = u.national_id_hash
)
SELECT
    s.kind,
    s.academic_year,
    s.semester,
    s.national_id_hash,
    coalesce(s.item_student_no, n.student_no) AS student_no,
    coalesce(s.item_class_name, n.class_name) AS class_name,
    s.item_id,
    s.receipt_batch,
    s.receipt_file,
    s.receipt_line,
    s.state,
    coalesce(s.kind = 'clo' AND s.submitted AND s.on_platform
             AND NOT (s.cert_status_exported = 'certified'
                      AND (s.certified_at IS NULL OR s.certified_at <= s.submitted_at)), false)
        AS submitted_uncertified,
    CASE s.state
        WHEN 'received' THEN if(s.workbook_only, s.submitted_words || '; a receipt line matches it.', NULL)
        WHEN 'selected_not_submitted' THEN
            format('Selected on the platform{} but in no submission batch on or before {}.',
                   coalesce(' on ' || strftime(s.selected_at, '%Y-%m-%d'), ''), a.as_of)
        WHEN 'awaiting_receipt' THEN
            CASE WHEN NOT s.on_platform AND NOT s.workbook_only
                 THEN format('{}, but the item is not in the platform''s {} export; no receipt batch for {} has come back since.',
                             s.submitted_words, upper(s.kind), upper(s.kind))
                 WHEN s.answered_last_received_at IS NOT NULL
                 THEN format('{}; the receipt batches for {} loaded so far came back before it was sent (newest line {}), so its own receipt has not come back yet.',
                             s.submitted_words, s.kind_term, strftime(s.answered_last_received_at, '%Y-%m-%d'))
                 ELSE format('{}; no receipt batch for {} has come back since.', s.submitted_words, s.kind_term)
            END
        WHEN 'submitted_not_received' THEN
            CASE WHEN NOT s.on_platform AND NOT s.workbook_only
                 THEN format('{}, but the item is not in the platform''s {} export, so no receipt line can be matched to it.',
                             s.submitted_words, upper(s.kind))
                 WHEN s.key_lines > 0
                 THEN format('{}; the {} receipt line(s) with its {} match items submitted earlier.',
                             s.submitted_words, s.key_lines, s.key_words)
                 WHEN s.near_lines > 0
                 THEN format('{}; no receipt line matches it, but {} unmatched line(s) with the same {} print another summary, e.g. "{}".',
                             s.submitted_words, s.near_lines, s.subject_words, s.near_summary)
                 ELSE format('{}; the receipt batches for {} hold no line with its {}.',
                             s.submitted_words, s.kind_year, s.key_words)
            END
        WHEN 'received_not_submitted' THEN
            CASE WHEN s.subject_key IS NULL
                 THEN format('The line has no {}, so it matches no item.', s.subject_words)
                 WHEN s.key_submitted_items > 0
                 THEN format('A repeated line: the {} submitted item(s) with the same {} already match earlier lines.',
                             s.key_submitted_items, s.key_words)
                 WHEN s.key_unsubmitted_item IS NOT NULL
                 THEN format('It matches platform item {}, which has no submission on or before {}.',
                             s.key_unsubmitted_item, a.as_of)
                 ELSE format('No platform item of this student has its year ({}), {}: the school has no record of submitting it.',
                             s.kind_year, s.key_words)
            END
    END AS explanation,
    s.batch_id,
    s.submitted_at,
    s.submitted_by,
    s.times_submitted,
    s.received_at,
    s.selected_at,
    s.course_code,
    s.category,
    s.title,
    s.summary,
    s.receipt_summary
FROM stated s
CROSS JOIN a
LEFT JOIN roster_names n
  ON  n.national_id_hash IS NOT DISTINCT FROM s.national_id_hash
  AND n.academic_year IS NOT DISTINCT FROM s.academic_year AND n.semester IS NOT DISTINCT FROM s.semester
ORDER BY s.kind, s.academic_year NULLS LAST, class_name NULLS LAST, student_no NULLS LAST, s.item_id NULLS LAST,
         s.receipt_batch, s.receipt_file, s.receipt_line
