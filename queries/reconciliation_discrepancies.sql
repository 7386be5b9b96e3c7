-- grain: kind, item_id, receipt_batch, receipt_file, receipt_line
-- owner: registrar_head
-- meaning: The rows of reconciliation someone must act on: selected but not submitted, submitted but not received, received but never submitted, or submitted while not certified.
-- order: kind, academic_year, class_name, student_no, item_id, receipt_batch, receipt_file, receipt_line
-- Every column of reconciliation, its rows filtered: state selected_not_submitted,
-- submitted_not_received or received_not_submitted, or submitted_uncertified (in any state).
-- awaiting_receipt is no discrepancy (the receipt batch has not come back yet), nor is received.
SELECT *
FROM reconciliation
WHERE state IN ('selected_not_submitted', 'submitted_not_received', 'received_not_submitted')
   OR submitted_uncertified
ORDER BY kind, academic_year, class_name, student_no, item_id, receipt_batch, receipt_file, receipt_line
