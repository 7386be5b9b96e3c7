-- grain: academic_year, semester, national_id_hash
-- owner: registrar_clerk
-- meaning: Each student's roster row of each term, and whether it counts as enrolled (status 在學).
-- Private building block (leading underscore): its columns may change; reports read the public views.
-- "Enrolled in a term = the student's newest roster row for that term has status 在學" (metrics.md):
-- the current roster snapshot of the term holds one row per student, so that row decides.
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
    s.status = 'enrolled' AS enrolled
FROM students s
