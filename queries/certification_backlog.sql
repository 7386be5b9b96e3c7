-- grain: item_id
-- owner: course_teacher
-- meaning: Every CLO item waiting for certification as of the as-of date: how long it has waited, its certification due date, and who must certify it now (the teacher, else the teacher's proxy).
-- Waiting = live and not certified or rejected on or before as_of (_clo_items: a decision after
-- as_of is still pending), whoever uploaded it (a student who left is still listed).
-- waiting_days: whole days from the upload date to as_of. days_to_due = certify_due - as_of
-- (0 on the due date, negative once overdue).
-- No 期程 for the item's term: certify_due, days_to_due and overdue are NULL (unknown, not "on time").
-- The teacher is _clo_items' (the item's 任課教師代碼, else the course's). A teacher missing from the
-- staff list is taken as active: no 離職日期 or 帳號停用日期 says otherwise, and the item stays
-- theirs (teacher_in_staff = false flags it). An item whose teacher is unknown altogether (no code in
-- the row nor in courses) has teacher_active, assignee_code and needs_proxy NULL: the course list
-- needs fixing before anyone can be named.
-- teacher_name: the staff list's, else the name the course list prints for that code (newest term).
WITH a AS (SELECT as_of FROM lp_as_of),
waiting_items AS (
    SELECT * FROM _clo_items WHERE live AND cert_state = 'pending'
),
names_in_courses AS (
    SELECT teacher_code,
           first(teacher_name ORDER BY academic_year DESC, semester DESC, teacher_name) AS teacher_name
    FROM courses
    WHERE teacher_name IS NOT NULL
    GROUP BY teacher_code
),
with_teacher AS (
    SELECT w.*,
           coalesce(st.name, nc.teacher_name) AS teacher_name,
           st.teacher_code IS NOT NULL AS teacher_in_staff,
           CASE WHEN w.teacher_code IS NOT NULL THEN coalesce(st.active, true) END AS teacher_active,
           st.inactive_since AS teacher_inactive_since,
           st.proxy_code,
           st.proxy_basis
    FROM waiting_items w
    LEFT JOIN _staff_status st ON st.teacher_code = w.teacher_code
    LEFT JOIN names_in_courses nc ON nc.teacher_code = w.teacher_code
),
with_assignee AS (
    SELECT t.*,
           CASE WHEN t.teacher_active THEN t.teacher_code
                WHEN NOT t.teacher_active THEN t.proxy_code END AS assignee_code,
           NOT t.teacher_active AND t.proxy_code IS NULL AS needs_proxy
    FROM with_teacher t
)
SELECT
    w.item_id,
    w.academic_year,
    w.semester,
    w.class_name,
    w.student_no,
    w.national_id_hash,
    w.student_enrolled,
    w.course_code,
    w.course_name,
    w.teacher_code,
    w.teacher_name,
    w.uploaded_at,
    date_diff('day', w.uploaded_at::DATE, a.as_of) AS waiting_days,
    s.clo_certify_due AS certify_due,
    date_diff('day', a.as_of, s.clo_certify_due) AS days_to_due,
    a.as_of > s.clo_certify_due AS overdue,
    w.teacher_active,
    w.teacher_in_staff,
    w.teacher_inactive_since,
    w.assignee_code,
    coalesce(asg.name, CASE WHEN w.assignee_code = w.teacher_code THEN w.teacher_name END) AS assignee_name,
    CASE WHEN NOT w.teacher_active THEN w.proxy_basis END AS proxy_basis,
    w.needs_proxy
FROM with_assignee w
CROSS JOIN a
LEFT JOIN schedule s USING (academic_year, semester)
LEFT JOIN staff asg ON asg.teacher_code = w.assignee_code
ORDER BY item_id
