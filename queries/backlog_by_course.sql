-- grain: academic_year, semester, class_name, course_code, course_name, teacher_name, assignee_name, certifier
-- owner: homeroom_teacher
-- meaning: For each class and term, its CLO items waiting for certification per course and teacher: how many, how many overdue, and the longest wait.
-- Counts certification_backlog's items by the item's term and the student's class. The grain
-- holds the names as the class dashboard shows them: a course whose items wait for two people
-- (a teacher, and a proxy for part of them) has a row per person. overdue: items past the term's
-- certify_due (an item of a term with no 期程 is not counted as overdue).
-- certifier says why someone (or nobody) certifies, so a dash in assignee_name can be explained:
-- 'teacher' (the teacher, active), 'proxy' (the teacher left; the proxy in force certifies),
-- 'needs_proxy' (the teacher left and no proxy is named: R-PROXY-TEACHER), 'teacher_unknown' (no
-- teacher code in the item nor in the course lists: the course list needs fixing). It is a key column
-- too, since a NULL assignee_name can mean a missing proxy or a proxy missing from the staff list.
SELECT
    academic_year,
    semester,
    class_name,
    course_code,
    course_name,
    teacher_name,
    assignee_name,
    CASE WHEN teacher_active IS NULL THEN 'teacher_unknown'
         WHEN needs_proxy THEN 'needs_proxy'
         WHEN teacher_active THEN 'teacher'
         ELSE 'proxy' END AS certifier,
    count(*) AS pending,
    count(*) FILTER (WHERE overdue) AS overdue,
    max(waiting_days) AS oldest_waiting_days
FROM certification_backlog
GROUP BY academic_year, semester, class_name, course_code, course_name, teacher_name, assignee_name, certifier
ORDER BY academic_year, semester, class_name, course_code, course_name, teacher_name, assignee_name, certifier
