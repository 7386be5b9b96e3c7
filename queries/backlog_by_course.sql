-- grain: academic_year, semester, class_name, course_code, course_name, teacher_name, assignee_name
-- owner: homeroom_teacher
-- meaning: For each class and term, its CLO items waiting for certification per course and teacher: how many, how many overdue, and the longest wait.
-- Counts certification_backlog's items by the item's term and the student's class. The grain
-- holds the names as the class dashboard shows them: a course whose items wait for two people
-- (a teacher, and a proxy for part of them) has a row per person. overdue: items past the term's
-- certify_due (an item of a term with no 期程 is not counted as overdue).
SELECT
    academic_year,
    semester,
    class_name,
    course_code,
    course_name,
    teacher_name,
    assignee_name,
    count(*) AS pending,
    count(*) FILTER (WHERE overdue) AS overdue,
    max(waiting_days) AS oldest_waiting_days
FROM certification_backlog
GROUP BY academic_year, semester, class_name, course_code, course_name, teacher_name, assignee_name
ORDER BY academic_year, semester, class_name, course_code, course_name, teacher_name, assignee_name
