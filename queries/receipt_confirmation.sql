-- grain: receipt_batch, national_id_hash
-- owner: registrar_head
-- meaning: For every receipt batch, each student's confirmation of the receipt details (收訖確認) as of the as-of date, and who must be sent the details by paper mail.
-- order: receipt_batch, class_name, student_no, national_id_hash
-- Students: those with a line of the batch received on or before as_of, and those with a
-- confirmations row of the batch — unless every line of the batch was received after as_of (the
-- batch has not come back yet). A batch known only from confirmations counts as come back.
-- `lines`: the student's lines of the batch received on or before as_of (0: a confirmations row only).
-- state: no confirmations row, or 未確認, or a confirmation or report dated after as_of:
-- `unconfirmed`; 確認無誤: `confirmed`; 回報有誤: `reported_error_resolved` once a 學校查核結果
-- (資料無誤 or 已更正) is recorded with 查核時間 on or before as_of (or no time), else
-- `reported_error_open`. A confirmation with no time counts as made.
-- enrolled ("enrolled as of as_of", metrics.md v2: 在學 only — a graduate has left the school,
-- unlike "enrolled in a term", which counts a 畢業 row; _enrolment.in_school): the student's roster
-- row in the reference term — the newest term that started on or before as_of (學期 1 on 1 Aug,
-- 學期 2 on 1 Feb) of those with a roster loaded — has status 在學. Not on that roster: not enrolled
-- (decision: a student missing from the newest roster has left; an older 在學 row does not make
-- them enrolled, so they still get their letter). No roster term started by as_of: enrolled is
-- NULL (unknown).
-- period_closed: the schedule's receipt_confirm_to of the batch's term is before as_of; false
-- when unknown (no schedule row or date, a batch known only from confirmations). The batch's term
-- (decision): its lines' newest 學年度, and their newest 實際修課學期 — CLO lines carry it; a batch
-- whose lines carry none (MP) is of semester 2, as an MP item with no 學期 is.
-- mail_needed (R-LEFT-MAIL): unconfirmed, not enrolled and the period not closed (a letter after
-- the confirmation period would ask for what can no longer be done); false once the period is
-- closed, else NULL while enrolment is unknown. paper_mail lists these students once each.
-- name, student_no, class_name: the student's newest roster row of a term started by as_of (else
-- the newest); address and postcode: the newest roster row that has an address.
WITH a AS (SELECT as_of, as_of_end FROM lp_as_of),
batch_state AS (
    SELECT r.receipt_batch, bool_or(r.received_at < a.as_of_end) AS come_back
    FROM receipts r CROSS JOIN a
    GROUP BY 1
),
student_lines AS (
    SELECT r.receipt_batch, r.national_id_hash, count(*) AS lines,
           list(DISTINCT r.kind ORDER BY r.kind) AS kinds
    FROM receipts r CROSS JOIN a
    WHERE r.received_at < a.as_of_end
    GROUP BY ALL
),
-- The term of each batch (see above) and whether its confirmation period has closed by as_of.
batch_term AS (
    SELECT r.receipt_batch, max(r.academic_year) AS academic_year, coalesce(max(r.semester), 2) AS semester
    FROM receipts r CROSS JOIN a
    WHERE r.received_at < a.as_of_end
    GROUP BY 1
),
batch_period AS (
    SELECT b.receipt_batch, coalesce(sc.receipt_confirm_to < a.as_of, false) AS period_closed
    FROM batch_term b
    CROSS JOIN a
    LEFT JOIN schedule sc USING (academic_year, semester)
),
pairs AS (
    SELECT receipt_batch, national_id_hash FROM student_lines
    UNION
    SELECT c.receipt_batch, c.national_id_hash
    FROM confirmations c
    LEFT JOIN batch_state b USING (receipt_batch)
    WHERE coalesce(b.come_back, true)
),
-- Terms with a roster loaded, and when each began.
terms AS (
    SELECT DISTINCT academic_year, semester,
           make_date((academic_year + 1911 + (semester = 2)::INTEGER)::BIGINT,
                     CASE semester WHEN 1 THEN 8 ELSE 2 END, 1) AS starts_on
    FROM _enrolment
),
reference_term AS (
    SELECT t.academic_year, t.semester
    FROM terms t CROSS JOIN a
    WHERE t.starts_on <= a.as_of
    ORDER BY t.academic_year DESC, t.semester DESC
    LIMIT 1
),
student_row AS (
    SELECT e.*,
           row_number() OVER (PARTITION BY e.national_id_hash
                              ORDER BY t.starts_on <= a.as_of DESC, e.academic_year DESC, e.semester DESC) AS nth
    FROM _enrolment e
    JOIN terms t USING (academic_year, semester)
    CROSS JOIN a
),
address_row AS (
    SELECT national_id_hash, address, postcode,
           row_number() OVER (PARTITION BY national_id_hash ORDER BY academic_year DESC, semester DESC) AS nth
    FROM _enrolment
    WHERE address IS NOT NULL
),
stated AS (
    SELECT
        p.receipt_batch,
        p.national_id_hash,
        c.state AS confirmation_state,
        CASE
            WHEN c.state IS NULL OR c.state = 'unconfirmed' THEN 'unconfirmed'
            WHEN c.confirmed_at >= a.as_of_end THEN 'unconfirmed'
            WHEN c.state = 'confirmed' THEN 'confirmed'
            WHEN c.school_finding IS NOT NULL AND (c.checked_at IS NULL OR c.checked_at < a.as_of_end)
                THEN 'reported_error_resolved'
            ELSE 'reported_error_open'
        END AS state,
        c.confirmed_at, c.report_text, c.school_finding, c.checked_at, c.resubmitted_at,
        coalesce(l.lines, 0) AS lines,
        l.kinds,
        CASE WHEN rt.academic_year IS NULL THEN NULL
             ELSE coalesce(e.in_school, false) END AS enrolled,
        coalesce(bp.period_closed, false) AS period_closed
    FROM pairs p
    CROSS JOIN a
    LEFT JOIN confirmations c USING (receipt_batch, national_id_hash)
    LEFT JOIN student_lines l USING (receipt_batch, national_id_hash)
    LEFT JOIN batch_period bp USING (receipt_batch)
    LEFT JOIN reference_term rt ON true
    LEFT JOIN _enrolment e
      ON e.national_id_hash = p.national_id_hash AND e.academic_year = rt.academic_year AND e.semester = rt.semester
)
SELECT
    s.receipt_batch,
    s.national_id_hash,
    sr.student_no,
    sr.class_name,
    s.enrolled,
    s.state,
    s.period_closed,
    CASE WHEN s.period_closed THEN false
         WHEN s.enrolled IS NULL THEN NULL
         ELSE s.state = 'unconfirmed' AND NOT s.enrolled END AS mail_needed,
    s.lines,
    sr.name,
    ar.postcode,
    ar.address,
    s.kinds,
    -- What the confirmations row says, as far as it happened on or before as_of.
    CASE WHEN s.state <> 'unconfirmed' THEN s.confirmed_at END AS confirmed_at,
    CASE WHEN s.state LIKE 'reported_error%' THEN s.report_text END AS report_text,
    CASE WHEN s.state = 'reported_error_resolved' THEN s.school_finding END AS school_finding,
    CASE WHEN s.state = 'reported_error_resolved' THEN s.checked_at END AS checked_at,
    CASE WHEN s.state = 'reported_error_resolved' AND s.resubmitted_at < a.as_of_end
         THEN s.resubmitted_at END AS resubmitted_at
FROM stated s
CROSS JOIN a
LEFT JOIN student_row sr ON sr.national_id_hash = s.national_id_hash AND sr.nth = 1
LEFT JOIN address_row ar ON ar.national_id_hash = s.national_id_hash AND ar.nth = 1
ORDER BY s.receipt_batch, sr.class_name NULLS LAST, sr.student_no NULLS LAST, s.national_id_hash
