-- grain: file_id, reason
-- owner: registrar_clerk
-- meaning: For every file of the current snapshots (and every file of a kind's newest load when none of its rows could be loaded): rows read, loaded and quarantined, each reason rows were quarantined, and each notice on loaded rows (a 造字, a ? in a name), with one example.
-- order: file, file_id, reason NULLS FIRST
-- A clean file has one row with reason NULL. `file` is the path as it stood in the ingested folder
-- (a zip member as `匯出.zip/學生名冊.csv`); `file_id` tells apart two loads of files with the same name.
-- A file all of whose rows were quarantined (rows_loaded 0) adds no term to its kind, so it is current
-- for none and replaces nothing: it is listed while its load is the newest of its kind.
-- Notices (reasons eudc_character, replaced_character) are about rows that ARE loaded: rows_with_reason
-- counts the cells, rows_quarantined does not include them.
-- The example's parts, for a report to write it in another language (lpdata.report.dq_text):
-- example_row_number, example_sheet, example_column, example_value (as found, IDs masked),
-- example_detail (the stored English detail: what was expected, or a notice's advice) and
-- example_raw (the row's cells as JSON by printed header; NULL for a notice); example_row is
-- these parts joined in English. All from the same row (the first by row number).
WITH listed AS (
    SELECT snapshot_id FROM current_snapshots
    UNION
    SELECT s.snapshot_id
    FROM snapshots s
    WHERE s.snapshot_id = (SELECT max(n.snapshot_id) FROM snapshots n WHERE n.kind = s.kind)
      AND NOT EXISTS (SELECT 1 FROM snapshot_partitions p WHERE p.snapshot_id = s.snapshot_id)
),
current_files AS (
    SELECT f.*, s.kind, s.exported_at
    FROM snapshot_files f
    JOIN snapshots s USING (snapshot_id)
    WHERE f.snapshot_id IN (SELECT snapshot_id FROM listed)
),
-- Quarantined rows and notices on loaded rows, read alike: one example per file and reason.
found AS (
    SELECT file_id, reason, row_number, sheet, column_name, value, detail, ': expected ' || detail AS detail_text,
           raw_row
    FROM quarantine
    UNION ALL
    SELECT file_id, reason, row_number, sheet, column_name, value, detail, ': ' || detail, NULL
    FROM row_notices
),
reasons AS (
    SELECT
        file_id,
        reason,
        count(*) AS rows_with_reason,
        -- one row's parts together (two arg_min calls could pick different rows of a tie)
        arg_min(
            {'text': 'row ' || coalesce(row_number::VARCHAR, '?')
                     || coalesce(' (sheet ' || sheet || ')', '')
                     || coalesce(', column ' || column_name, '')
                     || coalesce(' = ''' || value || '''', '')
                     || coalesce(detail_text, '')
                     || coalesce(' | ' || raw_row, ''),
             'row_number': row_number, 'sheet': sheet, 'column_name': column_name, 'value': value,
             'detail': detail, 'raw': raw_row},
            row_number
        ) AS example
    FROM found
    GROUP BY file_id, reason
)
SELECT
    f.path AS file,
    f.kind,
    f.rows_read,
    f.rows_loaded,
    f.rows_quarantined,
    r.reason,
    coalesce(r.rows_with_reason, 0) AS rows_with_reason,
    r.example.text AS example_row,
    f.file_id,
    f.snapshot_id,
    f.exported_at,
    f.encoding,
    r.example.row_number AS example_row_number,
    r.example.sheet AS example_sheet,
    r.example.column_name AS example_column,
    r.example.value AS example_value,
    r.example.detail AS example_detail,
    r.example.raw AS example_raw
FROM current_files f
LEFT JOIN reasons r USING (file_id)
ORDER BY f.path, f.file_id, r.reason NULLS FIRST
