-- grain: item_id
-- owner: course_teacher
-- meaning: Every CLO item with its state as of the as-of date: live or not, certification state, selection, and the course's teacher.
-- Private building block. As of `as_of` (metrics.md): an item uploaded after it is not live yet; an
-- item deleted after it is still live; a certification or rejection after it is still pending; a
-- selection after it is not selected yet. A decision or selection with no time is taken as made
-- (nothing dates it after as_of). The teacher is the item's 任課教師代碼, else the course's teacher
-- in the student's class that term, else the course's teacher in any class (one course code can be
-- taught in several classes).
WITH a AS (SELECT as_of, as_of_end FROM lp_as_of),
items AS (
    SELECT c.*, e.class_name AS student_class, e.student_no, e.enrolled AS student_enrolled
    FROM clo c
    LEFT JOIN _enrolment e USING (academic_year, semester, national_id_hash)
),
course_in_class AS (
    SELECT academic_year, semester, course_code, class_name,
           any_value(teacher_code) AS teacher_code, any_value(teacher_name) AS teacher_name,
           any_value(course_name) AS course_name, max(credits) AS credits
    FROM courses GROUP BY ALL
),
course_any AS (
    SELECT academic_year, semester, course_code,
           min(teacher_code) AS teacher_code, arg_min(teacher_name, teacher_code) AS teacher_name,
           min(course_name) AS course_name, max(credits) AS credits
    FROM courses GROUP BY ALL
)
SELECT
    i.item_id,
    i.academic_year,
    i.semester,
    i.national_id_hash,
    i.student_no,
    i.student_class AS class_name,
    i.student_enrolled,
    i.course_code,
    coalesce(i.course_name, cc.course_name, ca.course_name) AS course_name,
    coalesce(cc.credits, ca.credits) AS credits,
    coalesce(i.teacher_code, cc.teacher_code, ca.teacher_code) AS teacher_code,
    i.summary,
    i.file_type,
    i.file_kb,
    i.uploaded_at,
    i.deleted_at,
    i.uploaded_at < a.as_of_end AND (i.deleted_at IS NULL OR i.deleted_at >= a.as_of_end) AS live,
    CASE WHEN i.cert_status IN ('certified', 'rejected')
              AND (i.certified_at IS NULL OR i.certified_at < a.as_of_end)
         THEN i.cert_status ELSE 'pending' END AS cert_state,
    CASE WHEN i.cert_status IN ('certified', 'rejected')
              AND (i.certified_at IS NULL OR i.certified_at < a.as_of_end)
         THEN i.certified_at END AS decided_at,
    i.cert_status AS cert_status_exported,
    i.certified_by,
    i.certified_at,
    coalesce(i.selected, false) AND (i.selected_at IS NULL OR i.selected_at < a.as_of_end) AS selected,
    i.selected_at
FROM items i
CROSS JOIN a
LEFT JOIN course_in_class cc
    ON cc.academic_year = i.academic_year AND cc.semester = i.semester
   AND cc.course_code = i.course_code AND cc.class_name = i.student_class
LEFT JOIN course_any ca
    ON ca.academic_year = i.academic_year AND ca.semester = i.semester AND ca.course_code = i.course_code
