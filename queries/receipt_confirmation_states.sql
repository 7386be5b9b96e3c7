-- grain: receipt_batch, state
-- owner: registrar_head
-- meaning: For every receipt batch, how many students are in each state of their confirmation of the receipt details (收訖確認) as of the as-of date.
-- Counts the students of receipt_confirmation (its states and its rule of which students a batch
-- has). A state no student of the batch is in has no row.
SELECT
    receipt_batch,
    state,
    count(*) AS students
FROM receipt_confirmation
GROUP BY receipt_batch, state
ORDER BY receipt_batch, state
