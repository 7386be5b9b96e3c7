-- grain: academic_year, semester, kind
-- owner: registrar_head
-- meaning: For each term and kind, how many items got how far: selected, submitted, received in the national database's receipt details, and confirmed by the student.
-- Counts rows of reconciliation (an item, or a receipt line that matches none), stage by stage:
-- selected: every row but a line that matches no submitted item (received_not_submitted);
-- submitted: states received, submitted_not_received and awaiting_receipt; received: state received;
-- confirmed: received, and the student's confirmation of that receipt batch is `confirmed`
-- (receipt_confirmation). A stage nobody reached counts 0; a kind with no row in the term has no row.
SELECT
    r.academic_year,
    r.semester,
    r.kind,
    count(*) FILTER (WHERE r.state <> 'received_not_submitted') AS selected,
    count(*) FILTER (WHERE r.state IN ('received', 'submitted_not_received', 'awaiting_receipt')) AS submitted,
    count(*) FILTER (WHERE r.state = 'received') AS received,
    count(*) FILTER (WHERE r.state = 'received' AND c.state = 'confirmed') AS confirmed
FROM reconciliation r
LEFT JOIN receipt_confirmation c USING (receipt_batch, national_id_hash)
GROUP BY r.academic_year, r.semester, r.kind
ORDER BY academic_year, semester, kind
