-- grain: kind, batch_id, workbook_sheet, workbook_row
-- owner: portfolio_assistant
-- meaning: Every row of the national CLO and MP upload workbooks the school uploaded on or before the as-of date, and the platform item it submitted (a row no platform item matches is a submitted item of its own).
-- Private building block of _portfolio_items. A CLO (名冊 7, 8, 9) or MP upload workbook is a
-- submission batch without item IDs (exports.md v2): `batch_id` is the file (its path as the
-- folder shows it), `submitted_at` its time (filled in at ingest; else the snapshot's time). A row
-- is identified by its batch, its sheet (`workbook_sheet`, NULL for a text file) and its row as
-- the spreadsheet numbers it (`workbook_row`): the sheet is needed, since the sheets of one
-- workbook (學期/補修/重修課程學習成果, the ten MP category sheets) repeat row numbers. The rows
-- are the current state of the kind `national_uploads` (its newest snapshot per batch), read from
-- the table because the kind's view does not carry the sheet. A workbook submitted after as_of
-- is not made yet: its rows are left out (and take no item).
--
-- Each row is matched to a platform item (of the kinds clo and mp: every item exported, deleted
-- ones too, as a 提交紀錄 row may name any) as _receipt_matches matches a receipt line: on
-- national_id_hash, kind, 學年度, the course code (CLO) or category + title (MP) and the
-- summary, titles and summaries normalised exactly as there (NFC, full-width ASCII
-- folded, runs of white space collapsed, trimmed). A row lacking any part of its key matches
-- nothing. Several candidates: within a key the items are ranked by upload time (then item_id),
-- earliest first, and the rows by batch time, batch, sheet and row; the n-th row takes the n-th
-- item, so one item matches one row at most (earliest-uploaded unmatched item first) — until
-- every item of the key has been taken. Decision (a re-uploaded workbook): a later row of a key
-- whose items are all taken starts again from the earliest-uploaded item, as a resubmission
-- (times_submitted counts it), unless its own workbook already names every item of the key:
-- one workbook submits an item once, so a workbook holding more rows of a key than the platform
-- has items shows the extra rows as items of their own. Where no key has more rows than items
-- (one upload per item) this is exactly the receipt rule.
--
-- `platform_item_id` is the matched platform item, NULL when none. `item_id` is that item, else
-- the row's own stable identifier `[batch_id]sheet!row` (Excel's reference style, e.g.
-- `[匯出.zip/7_學生課程學習成果名冊.xlsx]學期課程學習成果!5`; no platform 成果編號 or 表現編號
-- holds brackets), unique per kind: so a submitted row with no platform item keeps the
-- reconciliation grain (kind, item_id, receipt_*) unique. An MP row with no 學期 (學期 0, the
-- whole year) counts in semester 2, as _mp_items counts an MP item.
WITH a AS (SELECT as_of_end FROM lp_as_of),
uploaded AS (
    SELECT u.batch_id, coalesce(u.submitted_at, c.exported_at) AS submitted_at, u.kind, u.academic_year,
           u.semester, u.national_id_hash, u.course_code, u.course_name, u.category, u.title, u.summary,
           u._file_id AS file_id, u._sheet AS workbook_sheet, u._row AS workbook_row
    FROM snap_national_uploads u
    JOIN current_snapshots c
      ON c.kind = 'national_uploads' AND c.snapshot_id = u._snapshot_id AND c.part = u._part
),
made AS (
    SELECT u.* FROM uploaded u CROSS JOIN a WHERE u.submitted_at < a.as_of_end
),
-- Only the platform items of a student and year some row names are candidates (the others
-- cannot match, and normalising every item's summary costs).
students_years AS (SELECT DISTINCT kind, national_id_hash, academic_year FROM made),
-- Both sides in one list, so the normalisation is written once here (as in _receipt_matches).
sides AS (
    SELECT 'row' AS side, kind, NULL::VARCHAR AS item_id, NULL::TIMESTAMP AS uploaded_at, academic_year,
           national_id_hash, course_code, category, title, summary,
           batch_id, submitted_at, workbook_sheet, workbook_row
    FROM made
    UNION ALL
    SELECT 'item', 'clo', c.item_id, c.uploaded_at, c.academic_year, c.national_id_hash, c.course_code, NULL, NULL,
           c.summary, NULL, NULL, NULL, NULL
    FROM clo c SEMI JOIN students_years y
      ON y.kind = 'clo' AND y.national_id_hash = c.national_id_hash AND y.academic_year = c.academic_year
    UNION ALL
    SELECT 'item', 'mp', m.item_id, m.uploaded_at, m.academic_year, m.national_id_hash, NULL, m.category, m.title,
           m.summary, NULL, NULL, NULL, NULL
    FROM mp m SEMI JOIN students_years y
      ON y.kind = 'mp' AND y.national_id_hash = m.national_id_hash AND y.academic_year = m.academic_year
),
keyed AS MATERIALIZED (
    SELECT side, kind, item_id, uploaded_at, academic_year, national_id_hash,
           batch_id, submitted_at, workbook_sheet, workbook_row,
           lp_match_subject(kind, course_code, category, title) AS subject_key,
           lp_match_text(summary) AS summary_key
    FROM sides
),
-- The n-th platform item of each key, earliest uploaded first; and how many the key has.
ranked_items AS (
    SELECT kind, item_id, academic_year, national_id_hash, subject_key, summary_key,
           row_number() OVER (k ORDER BY uploaded_at, item_id) AS key_rank, count(*) OVER k AS key_items
    FROM keyed
    WHERE side = 'item' AND subject_key IS NOT NULL AND summary_key IS NOT NULL
    WINDOW k AS (PARTITION BY national_id_hash, kind, academic_year, subject_key, summary_key)
),
key_sizes AS (
    SELECT DISTINCT national_id_hash, kind, academic_year, subject_key, summary_key, key_items FROM ranked_items
),
-- Each row's place among its key's rows in its own workbook.
rows_in_batch AS (
    SELECT r.*, coalesce(z.key_items, 0) AS key_items,
           row_number() OVER (PARTITION BY r.national_id_hash, r.kind, r.academic_year, r.subject_key,
                                           r.summary_key, r.batch_id
                              ORDER BY r.workbook_sheet NULLS FIRST, r.workbook_row) AS batch_rank
    FROM keyed r
    LEFT JOIN key_sizes z
      ON  z.national_id_hash = r.national_id_hash AND z.kind = r.kind AND z.academic_year = r.academic_year
      AND z.subject_key = r.subject_key AND z.summary_key = r.summary_key
    WHERE r.side = 'row'
),
-- Rows that can take an item (their workbook has not used up the key's items), numbered across
-- workbooks in the order submitted; the n-th takes item ((n - 1) mod items) + 1.
claiming AS (
    SELECT national_id_hash, kind, academic_year, subject_key, summary_key, batch_id, workbook_sheet, workbook_row,
           (row_number() OVER (PARTITION BY national_id_hash, kind, academic_year, subject_key, summary_key
                               ORDER BY submitted_at, batch_id, workbook_sheet NULLS FIRST, workbook_row) - 1)
               % key_items + 1 AS key_rank
    FROM rows_in_batch
    WHERE batch_rank <= key_items
),
matched AS (
    SELECT c.kind, c.batch_id, c.workbook_sheet, c.workbook_row, i.item_id
    FROM claiming c
    JOIN ranked_items i
      ON  i.national_id_hash = c.national_id_hash AND i.kind = c.kind AND i.academic_year = c.academic_year
      AND i.subject_key = c.subject_key AND i.summary_key = c.summary_key AND i.key_rank = c.key_rank
)
SELECT
    u.kind,
    u.batch_id,
    u.workbook_sheet,
    u.workbook_row,
    u.file_id,
    u.submitted_at,
    u.academic_year,
    CASE WHEN u.kind = 'mp' THEN coalesce(u.semester, 2) ELSE u.semester END AS semester,
    u.national_id_hash,
    u.course_code,
    u.course_name,
    u.category,
    u.title,
    u.summary,
    m.item_id AS platform_item_id,
    coalesce(m.item_id,
             '[' || u.batch_id || ']' || coalesce(u.workbook_sheet, '') || '!' || u.workbook_row::VARCHAR)
        AS item_id
FROM made u
LEFT JOIN matched m
  ON  m.kind = u.kind AND m.batch_id = u.batch_id AND m.workbook_row = u.workbook_row
  AND m.workbook_sheet IS NOT DISTINCT FROM u.workbook_sheet
