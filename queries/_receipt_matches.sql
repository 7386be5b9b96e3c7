-- grain: kind, item_id, receipt_batch, receipt_file_id, receipt_line
-- owner: registrar_head
-- meaning: Every item submitted and every receipt line received on or before the as-of date, paired where a line matches an item.
-- Private building block of reconciliation: a row with both item_id and receipt_line is a match,
-- one with item_id only a submitted item no line matches, one with receipt_line only a line that
-- matches no submitted item. Items submitted after as_of are not submitted yet; lines received
-- after as_of are not received yet.
--
-- The match key (exports.md): national_id_hash, kind, 學年度, the course code (CLO) or category +
-- title (MP), and the normalised summary. Normalised (the macros lp_match_text and
-- lp_match_subject, queries/_macros.sql) = Unicode NFC, then full-width ASCII U+FF01–U+FF5E folded
-- to its half-width twin U+0021–U+007E (DuckDB has nfc_normalize but no NFKC; for the text of
-- these exports full-width ASCII is the part of NFKC that matters), then every run of white
-- space — \s and \p{Z}, so the ideographic space U+3000 and NBSP too — collapsed to one space,
-- and trimmed. MP titles are normalised the same way (decision: the national database reprints
-- titles as it reprints summaries). Course codes and categories are already folded and canonical
-- at ingest. A line lacking any part of its key matches nothing.
--
-- Several candidates (an assignment): within one match key the submitted items are ranked by
-- their first submission (then item_id) and the lines by received_at (then batch, file, row),
-- and the n-th line matches the n-th item. Every item of a key is a candidate for every line of
-- it, so this is exactly "each line, in the order received, takes the earliest-submitted item
-- still unmatched" (across receipt batches too): one item matches one line at most, one line
-- one item at most, and once a key's items are used up its further lines match nothing.
--
-- A receipt line is identified by its file (`receipt_file_id`, the loaded file; `receipt_file`
-- its path) and `receipt_line`, its row number as the spreadsheet numbers it (header row
-- included). Two data sheets of one workbook holding the same batch would repeat row numbers:
-- the views of the kinds do not expose the sheet, so that case is not told apart.
WITH a AS (SELECT as_of_end FROM lp_as_of),
lines AS (
    SELECT r.receipt_batch, r._file_id AS receipt_file_id, r._row AS receipt_line, r.received_at,
           r.kind, r.academic_year, r.semester, r.national_id_hash,
           r.course_code, r.course_name, r.category, r.title, r.summary
    FROM receipts r CROSS JOIN a
    WHERE r.received_at < a.as_of_end
),
-- Platform items (submitted or not: an unsubmitted one with a line's key explains that line) and
-- submitted items the platform does not hold: named by a 提交紀錄 row (no key: they match
-- nothing), or a workbook row no platform item matches (its row gives the whole key: matched like
-- any submitted item).
items AS (
    SELECT kind, item_id, academic_year, national_id_hash, course_code, category, title, summary,
           submitted, submitted_at
    FROM _portfolio_items
),
-- Both sides in one list, so the keys are computed in one place (kept apart, the two lists
-- measured slower at the nation: 187 s against 126 s at 8 GB).
sides AS (
    SELECT 'line' AS side, kind, NULL::VARCHAR AS item_id, academic_year, national_id_hash,
           course_code, category, title, summary, false AS submitted, NULL::TIMESTAMP AS submitted_at,
           receipt_batch, receipt_file_id, receipt_line, received_at, semester, course_name
    FROM lines
    UNION ALL
    SELECT 'item', kind, item_id, academic_year, national_id_hash,
           course_code, category, title, summary, submitted, submitted_at,
           NULL, NULL, NULL, NULL, NULL, NULL
    FROM items
),
-- Kept: the keys, and the line's own columns (an item's title and summary are not needed again).
-- The key's parts (lp_match_subject, lp_match_text: _macros.sql) and `key_hash`, one 64-bit number
-- for the whole key (lp_match_key; NULL where a part is missing, as such a key matches nothing).
-- Rows are partitioned, joined and grouped by the hash instead of five columns, two of them long
-- texts: at the nation's 20 million rows the windows, joins and groups on the texts took most of
-- the view's time and 19 GB. Two keys sharing a hash would be taken for one: `one_hash_per_key`
-- stops the view then, so every answer it gives is the exact one.
keyed AS MATERIALIZED (
    SELECT *, lp_match_key(national_id_hash, kind, academic_year, subject_key, summary_key) AS key_hash
    FROM (
        SELECT side, kind, item_id, academic_year, national_id_hash, submitted, submitted_at,
               receipt_batch, receipt_file_id, receipt_line, received_at, semester, course_name,
               if(side = 'line', course_code, NULL) AS line_course_code,
               if(side = 'line', category, NULL) AS line_category,
               if(side = 'line', title, NULL) AS line_title,
               if(side = 'line', summary, NULL) AS line_summary,
               lp_match_subject(kind, course_code, category, title) AS subject_key,
               lp_match_text(summary) AS summary_key
        FROM sides
    )
),
-- Every key, with what the explanations need: how many submitted items share it (all taken by
-- earlier lines: a duplicate line), which platform item shares it without having been submitted,
-- how many items and how many lines have it. Grouped by the hash alone: the texts are not kept.
key_stats AS MATERIALIZED (
    SELECT key_hash,
           count(*) FILTER (WHERE side = 'item' AND submitted) AS key_submitted_items,
           min(item_id) FILTER (WHERE side = 'item' AND NOT submitted) AS key_unsubmitted_item,
           count(*) FILTER (WHERE side = 'item') AS key_items,
           count(*) FILTER (WHERE side = 'line') AS key_lines
    FROM keyed
    WHERE key_hash IS NOT NULL
    GROUP BY key_hash
),
-- As many whole keys as hashes, or no answer (an error naming the view). The one place the texts
-- are grouped: some 10 s of the nation's build, the price of exact answers.
one_hash_per_key AS (
    SELECT CASE WHEN (SELECT count(*) FROM key_stats) = count(*) THEN true
                ELSE error('_receipt_matches: two match keys share one 64-bit hash; this view cannot tell them apart')
           END AS ok
    FROM (SELECT DISTINCT national_id_hash, kind, academic_year, subject_key, summary_key
          FROM keyed WHERE key_hash IS NOT NULL)
),
-- The n-th submitted item of each key, earliest first submission first.
ranked_items AS (
    SELECT kind, item_id, academic_year, national_id_hash, subject_key, summary_key, key_hash,
           row_number() OVER (PARTITION BY key_hash ORDER BY submitted_at, item_id) AS key_rank
    FROM keyed WHERE side = 'item' AND submitted
),
-- The n-th line of each key, earliest received first (then batch, file, row: a stable order).
ranked_lines AS (
    SELECT *, row_number() OVER (PARTITION BY key_hash
                                 ORDER BY received_at, receipt_batch, receipt_file_id, receipt_line) AS key_rank
    FROM keyed WHERE side = 'line'
),
pairs AS (
    SELECT coalesce(i.kind, l.kind) AS kind,
           i.item_id,
           l.receipt_batch, l.receipt_file_id, l.receipt_line, l.received_at,
           coalesce(i.academic_year, l.academic_year) AS academic_year,
           coalesce(i.national_id_hash, l.national_id_hash) AS national_id_hash,
           coalesce(i.subject_key, l.subject_key) AS subject_key,
           coalesce(i.summary_key, l.summary_key) AS summary_key,
           coalesce(i.key_hash, l.key_hash) AS key_hash,
           l.semester AS receipt_semester, l.line_course_code AS receipt_course_code,
           l.course_name AS receipt_course_name, l.line_category AS receipt_category,
           l.line_title AS receipt_title, l.line_summary AS receipt_summary
    FROM ranked_items i
    FULL OUTER JOIN ranked_lines l
      ON l.key_hash = i.key_hash AND l.key_rank = i.key_rank
),
-- Why a submitted item matched nothing: its key's lines all went to items submitted earlier, or
-- an unmatched line of the same student, year and course (or category + title) prints another
-- summary — one that no platform item has (a line explained by another item is no hint).
unmatched_line_subjects AS (
    SELECT p.national_id_hash, p.kind, p.academic_year, p.subject_key,
           count(*) AS near_lines,
           arg_min(p.receipt_summary, (p.received_at, p.receipt_batch, p.receipt_file_id, p.receipt_line))
               AS near_summary
    FROM pairs p
    ANTI JOIN key_stats k ON k.key_hash = p.key_hash AND k.key_items > 0
    WHERE p.item_id IS NULL AND p.subject_key IS NOT NULL
    GROUP BY ALL
)
SELECT
    p.kind,
    p.item_id,
    p.receipt_batch,
    p.receipt_file_id,
    f.path AS receipt_file,
    p.receipt_line,
    p.received_at,
    p.academic_year,
    p.national_id_hash,
    p.subject_key,
    p.summary_key,
    p.receipt_semester,
    p.receipt_course_code,
    p.receipt_course_name,
    p.receipt_category,
    p.receipt_title,
    p.receipt_summary,
    CASE WHEN p.item_id IS NULL AND k.key_items > 0 THEN k.key_submitted_items END AS key_submitted_items,
    CASE WHEN p.item_id IS NULL THEN k.key_unsubmitted_item END AS key_unsubmitted_item,
    CASE WHEN p.receipt_batch IS NULL THEN nullif(k.key_lines, 0) END AS key_lines,
    CASE WHEN p.receipt_batch IS NULL THEN u.near_lines END AS near_lines,
    CASE WHEN p.receipt_batch IS NULL THEN u.near_summary END AS near_summary
FROM pairs p
JOIN one_hash_per_key g ON g.ok  -- the check, read (a join to a column nobody reads may be dropped)
LEFT JOIN snapshot_files f ON f.file_id = p.receipt_file_id
LEFT JOIN key_stats k ON k.key_hash = p.key_hash
LEFT JOIN unmatched_line_subjects u
  ON  p.receipt_batch IS NULL
  AND u.national_id_hash = p.national_id_hash AND u.kind = p.kind AND u.academic_year = p.academic_year
  AND u.subject_key = p.subject_key
