-- grain: academic_year, semester, national_id_hash
-- owner: registrar_clerk
-- meaning: Each student's roster row of each term, and whether it counts as enrolled in the term (status 在學 or 畢業).
-- Private building block (leading underscore): its columns may change; reports read the public views.
-- "Enrolled in a term = the student's newest roster row for that term has status 在學, or 畢業"
-- (metrics.md v2): a student who graduates at the end of a term was enrolled in it, so grade-3
-- classes keep their students after graduation day. The current roster snapshot of the term holds
-- one row per student, so that row decides. A 畢業 row counts only when the graduation is dated in
-- the term or undated (status_changed_on on or after the term's start, 1 Aug / 1 Feb): a roster that
-- still lists a student who graduated in an earlier term does not make them enrolled again.
-- `in_school`: the row says 在學 — what "enrolled as of as_of" (receipt_confirmation) reads: a
-- graduate has left the school.
SELECT
    s.academic_year,
    s.semester,
    s.national_id_hash,
    s.student_no,
    s.name,
    s.grade,
    s.class_name,
    s.seat_no,
    s.status,
    s.status_changed_on,
    s.verified_on,
    s.postcode,
    s.address,
    s.status = 'enrolled'
        OR (s.status = 'graduated'
            AND (s.status_changed_on IS NULL
                 OR s.status_changed_on >= make_date((s.academic_year + 1911 + (s.semester = 2)::INTEGER)::BIGINT,
                                                     CASE s.semester WHEN 1 THEN 8 ELSE 2 END, 1)))
        AS enrolled,
    s.status = 'enrolled' AS in_school
FROM students s
