-- grain: kind, term_or_batch
-- owner: registrar_clerk
-- meaning: What is loaded: for each kind and term (or batch), the current snapshot, when it was exported, its rows, and how many older snapshots are kept as history.
SELECT
    c.kind,
    c.part AS term_or_batch,
    c.snapshot_id,
    c.exported_at,
    p.rows,
    s.rows_quarantined AS snapshot_rows_quarantined,
    (SELECT count(*) FROM snapshot_partitions h WHERE h.kind = c.kind AND h.part = c.part) - 1
        AS older_snapshots,
    (SELECT string_agg(f.path, ', ' ORDER BY f.path) FROM snapshot_files f
     WHERE f.snapshot_id = c.snapshot_id) AS files
FROM current_snapshots c
JOIN snapshot_partitions p USING (snapshot_id, part)
JOIN snapshots s USING (snapshot_id)
ORDER BY c.kind, c.part
