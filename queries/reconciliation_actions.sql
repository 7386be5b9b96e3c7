-- grain: academic_year, semester, kind
-- owner: registrar_head
-- meaning: For each term and kind, what needs someone's action in the reconciliation (not received although the national database answered, selected but not submitted by the national deadline, submitted before certification, received but never submitted), kept apart from what is simply waiting (still to submit before the deadline, awaiting the receipt).
-- Counts rows of reconciliation (reconciliation_discrepancies' `to_act_on` marks the same rows):
-- not_received: state submitted_not_received (a receipt batch received after the submission exists
--   and none of its lines matches, metrics v2); received_not_submitted: that state;
-- not_submitted: selected_not_submitted once the term's national_due (schedule) has passed, i.e.
--   as_of > national_due; before it, or with no national_due in the schedule, the row is
--   still_to_submit, waiting and no failure (a missing deadline cannot make an item late);
-- submitted_uncertified: the flag, in any state; awaiting_receipt: that state (waiting);
-- to_act_on: rows counted in not_received, not_submitted, received_not_submitted or
--   submitted_uncertified, each once (an uncertified submission may also be not received).
-- The term is the row's (semester NULL: a receipt line with no 實際修課學期; no deadline applies).
WITH a AS (SELECT as_of FROM lp_as_of),
rows_due AS (
    SELECT r.academic_year, r.semester, r.kind, r.state, r.submitted_uncertified,
           s.national_due, coalesce(a.as_of > s.national_due, false) AS deadline_passed
    FROM reconciliation r
    CROSS JOIN a
    LEFT JOIN schedule s ON s.academic_year = r.academic_year AND s.semester = r.semester
)
SELECT
    academic_year,
    semester,
    kind,
    any_value(national_due) AS national_due,
    bool_or(deadline_passed) AS deadline_passed,
    count(*) FILTER (WHERE state = 'submitted_not_received'
                        OR (state = 'selected_not_submitted' AND deadline_passed)
                        OR state = 'received_not_submitted'
                        OR submitted_uncertified) AS to_act_on,
    count(*) FILTER (WHERE state = 'submitted_not_received') AS not_received,
    count(*) FILTER (WHERE state = 'selected_not_submitted' AND deadline_passed) AS not_submitted,
    count(*) FILTER (WHERE submitted_uncertified) AS submitted_uncertified,
    count(*) FILTER (WHERE state = 'received_not_submitted') AS received_not_submitted,
    count(*) FILTER (WHERE state = 'selected_not_submitted' AND NOT deadline_passed) AS still_to_submit,
    count(*) FILTER (WHERE state = 'awaiting_receipt') AS awaiting_receipt
FROM rows_due
GROUP BY academic_year, semester, kind
ORDER BY academic_year, semester NULLS LAST, kind
