-- grain: file_id, reason
-- owner: registrar_clerk
-- meaning: For every file of the current snapshots: rows read, loaded and quarantined, and each reason rows were quarantined, with one example.
-- A clean file has one row with reason NULL. `file` is the path as it stood in the ingested folder;
-- `file_id` tells apart two loads of files with the same name.
WITH current_files AS (
    SELECT f.*, s.kind, s.exported_at
    FROM snapshot_files f
    JOIN snapshots s USING (snapshot_id)
    WHERE f.snapshot_id IN (SELECT snapshot_id FROM current_snapshots)
),
reasons AS (
    SELECT
        file_id,
        reason,
        count(*) AS rows_with_reason,
        arg_min(
            'row ' || coalesce(row_number::VARCHAR, '?')
            || coalesce(' (sheet ' || sheet || ')', '')
            || coalesce(', column ' || column_name, '')
            || coalesce(' = ''' || value || '''', '')
            || coalesce(': expected ' || detail, '')
            || coalesce(' | ' || raw_row, ''),
            row_number
        ) AS example_row
    FROM quarantine
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
    r.example_row,
    f.file_id,
    f.snapshot_id,
    f.exported_at,
    f.encoding
FROM current_files f
LEFT JOIN reasons r USING (file_id)
ORDER BY f.path, r.reason NULLS FIRST
