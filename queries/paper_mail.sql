-- grain: national_id_hash
-- owner: registrar_head
-- meaning: The paper-mail list (R-LEFT-MAIL): one line per student who needs a letter — some receipt batch unconfirmed, not enrolled as of the as-of date, its confirmation period not closed — with their batches listed together.
-- order: class_name, student_no, national_id_hash
-- The students are receipt_confirmation's rows with mail_needed, so every report and the briefing
-- that counts mail students counts these, once each (a student in two batches is one letter).
-- receipt_batches: the batches joined by 、 in batch order; batches: how many; lines: the student's
-- receipt lines of those batches. Name, student_no, class_name, postcode and address are the same
-- on every row of a student in receipt_confirmation (newest roster row; newest with an address).
SELECT
    national_id_hash,
    any_value(student_no) AS student_no,
    any_value(name) AS student_name,
    any_value(class_name) AS class_name,
    string_agg(receipt_batch, '、' ORDER BY receipt_batch) AS receipt_batches,
    count(*) AS batches,
    sum(lines) AS lines,
    any_value(postcode) AS postcode,
    any_value(address) AS address
FROM receipt_confirmation
WHERE mail_needed
GROUP BY national_id_hash
ORDER BY class_name NULLS LAST, student_no NULLS LAST, national_id_hash
