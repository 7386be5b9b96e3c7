-- grain: file_id
-- owner: registrar_clerk
-- meaning: Every file data_quality lists, once: its kind, rows read, loaded and quarantined, its encoding and export time.
-- data_quality has a row per file and reason; these columns are the file's own, the same on each.
SELECT
    file_id,
    file,
    kind,
    any_value(rows_read) AS rows_read,
    any_value(rows_loaded) AS rows_loaded,
    any_value(rows_quarantined) AS rows_quarantined,
    any_value(encoding) AS encoding,
    any_value(exported_at) AS exported_at
FROM data_quality
GROUP BY file_id, file, kind
ORDER BY file_id
