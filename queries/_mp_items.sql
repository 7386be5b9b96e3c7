-- grain: item_id
-- owner: homeroom_teacher
-- meaning: Every MP item with its term (no 學期 counts as semester 2) and its state as of the as-of date.
-- Private building block. Same as-of reading as _clo_items: uploaded after as_of = not live yet,
-- deleted after as_of = still live, selected after as_of = not selected yet.
WITH a AS (SELECT as_of, as_of_end FROM lp_as_of),
items AS (SELECT m.*, coalesce(m.semester, 2) AS term_semester FROM mp m)
SELECT
    i.item_id,
    i.academic_year,
    i.term_semester AS semester,
    i.semester AS semester_exported,
    i.national_id_hash,
    e.student_no,
    e.class_name,
    e.enrolled AS student_enrolled,
    i.category,
    i.title,
    i.summary,
    i.uploaded_at,
    i.deleted_at,
    i.uploaded_at < a.as_of_end AND (i.deleted_at IS NULL OR i.deleted_at >= a.as_of_end) AS live,
    coalesce(i.selected, false) AND (i.selected_at IS NULL OR i.selected_at < a.as_of_end) AS selected,
    i.selected_at
FROM items i
CROSS JOIN a
LEFT JOIN _enrolment e
    ON e.academic_year = i.academic_year AND e.semester = i.term_semester
   AND e.national_id_hash = i.national_id_hash
