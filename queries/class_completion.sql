-- grain: academic_year, semester, class_name
-- owner: homeroom_teacher
-- meaning: Each class of each term: its enrolled students, how many of them uploaded CLO and MP items, and their live items by certification state and selection, as of the as-of date.
-- Which classes: every class with roster rows in the term (a class whose students all left shows
-- students = 0 and NULL rates), plus every class of 導師名冊 for the term even with no roster rows
-- (students 0, grade NULL: nothing says which grade it is).
-- Only enrolled students count, in the denominator and in every item count (metrics.md v2: the
-- term's roster row says 在學 or 畢業, so a grade-3 class keeps its graduates in the term they
-- graduate; _enrolment): the item of a student who left is no longer the class's (teacher_certification still counts it for the teacher). A
-- student's class is their roster class in the item's term (_clo_items / _mp_items).
-- An MP item with no 學期 counts in semester 2 of its 學年度 (_mp_items).
-- `grade` is the roster's; if a class's rows disagree, the lowest (only so the answer is stable).
WITH roster_classes AS (
    SELECT academic_year, semester, class_name,
           min(grade) AS grade,
           count(*) FILTER (WHERE enrolled) AS students,
           count(*) FILTER (WHERE NOT enrolled) AS students_not_enrolled
    FROM _enrolment
    GROUP BY academic_year, semester, class_name
),
all_classes AS (
    SELECT academic_year, semester, class_name FROM roster_classes
    UNION
    SELECT academic_year, semester, class_name FROM homerooms
),
clo_of_enrolled AS (
    SELECT academic_year, semester, class_name,
           count(DISTINCT national_id_hash) AS clo_uploaders,
           count(*) AS clo_items,
           count(*) FILTER (WHERE cert_state = 'certified') AS clo_certified,
           count(*) FILTER (WHERE cert_state = 'pending') AS clo_pending,
           count(*) FILTER (WHERE cert_state = 'rejected') AS clo_rejected,
           count(DISTINCT national_id_hash) FILTER (WHERE cert_state = 'certified') AS clo_certified_students,
           count(*) FILTER (WHERE selected) AS clo_selected
    FROM _clo_items
    WHERE live AND student_enrolled
    GROUP BY academic_year, semester, class_name
),
mp_of_enrolled AS (
    SELECT academic_year, semester, class_name,
           count(DISTINCT national_id_hash) AS mp_uploaders,
           count(*) AS mp_items,
           count(*) FILTER (WHERE selected) AS mp_selected
    FROM _mp_items
    WHERE live AND student_enrolled
    GROUP BY academic_year, semester, class_name
)
SELECT
    c.academic_year,
    c.semester,
    c.class_name,
    r.grade,
    h.teacher_code AS homeroom_teacher_code,
    st.name AS homeroom_teacher_name,
    coalesce(r.students, 0) AS students,
    coalesce(r.students_not_enrolled, 0) AS students_not_enrolled,
    coalesce(clo.clo_uploaders, 0) AS clo_uploaders,
    coalesce(clo.clo_uploaders, 0) / nullif(r.students, 0) AS clo_upload_rate,
    coalesce(clo.clo_items, 0) AS clo_items,
    coalesce(clo.clo_certified, 0) AS clo_certified,
    coalesce(clo.clo_pending, 0) AS clo_pending,
    coalesce(clo.clo_rejected, 0) AS clo_rejected,
    coalesce(clo.clo_certified_students, 0) AS clo_certified_students,
    coalesce(clo.clo_selected, 0) AS clo_selected,
    coalesce(mp.mp_uploaders, 0) AS mp_uploaders,
    coalesce(mp.mp_uploaders, 0) / nullif(r.students, 0) AS mp_upload_rate,
    coalesce(mp.mp_items, 0) AS mp_items,
    coalesce(mp.mp_selected, 0) AS mp_selected
FROM all_classes c
LEFT JOIN roster_classes r USING (academic_year, semester, class_name)
LEFT JOIN homerooms h USING (academic_year, semester, class_name)
LEFT JOIN staff st ON st.teacher_code = h.teacher_code
LEFT JOIN clo_of_enrolled clo USING (academic_year, semester, class_name)
LEFT JOIN mp_of_enrolled mp USING (academic_year, semester, class_name)
ORDER BY c.academic_year, c.semester, c.class_name
