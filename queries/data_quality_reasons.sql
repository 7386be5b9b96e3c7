-- grain: reason, kind
-- owner: registrar_clerk
-- meaning: For each reason rows were quarantined or noticed, and each kind: how many rows (cells, for notices) over every file data_quality lists.
-- A clean file (reason NULL) adds nothing.
SELECT
    reason,
    kind,
    sum(rows_with_reason)::BIGINT AS rows
FROM data_quality
WHERE reason IS NOT NULL
GROUP BY reason, kind
ORDER BY reason, kind
