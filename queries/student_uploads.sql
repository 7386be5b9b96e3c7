-- grain: academic_year, semester, national_id_hash
-- owner: homeroom_teacher
-- meaning: Each enrolled student of each term and whether they have a live CLO and a live MP item of the term, as of the as-of date (the homeroom teacher's "not uploaded yet" list).
-- order: academic_year, semester, class_name, seat_no, student_no, national_id_hash
-- The same definitions as class_completion (enrolled students — 在學, or 畢業 in the term —, live items of the term, MP with no
-- 學期 in semester 2), so a class's rows add up to its clo_uploaders / mp_uploaders / students.
-- Names and student numbers are here because the homeroom teacher needs them; task-force
-- briefings never read this view (R-NO-FORCE: it lists participation, never a ranking).
WITH clo AS (
    SELECT academic_year, semester, national_id_hash, count(*) AS clo_items
    FROM _clo_items WHERE live GROUP BY ALL
),
mp AS (
    SELECT academic_year, semester, national_id_hash, count(*) AS mp_items
    FROM _mp_items WHERE live GROUP BY ALL
)
SELECT
    e.academic_year,
    e.semester,
    e.national_id_hash,
    e.class_name,
    e.grade,
    e.seat_no,
    e.student_no,
    e.name,
    clo.national_id_hash IS NOT NULL AS has_clo,
    mp.national_id_hash IS NOT NULL AS has_mp,
    coalesce(clo.clo_items, 0) AS clo_items,
    coalesce(mp.mp_items, 0) AS mp_items
FROM _enrolment e
LEFT JOIN clo USING (academic_year, semester, national_id_hash)
LEFT JOIN mp USING (academic_year, semester, national_id_hash)
WHERE e.enrolled
ORDER BY e.academic_year, e.semester, e.class_name, e.seat_no, e.student_no, e.national_id_hash
