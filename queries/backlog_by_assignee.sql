-- grain: academic_year, semester, assignee_code
-- owner: registrar_clerk
-- meaning: For each term, each person who must certify CLO items now (a teacher, or a departed teacher's proxy): their items waiting from that term and every earlier one, how many are overdue, the longest wait, and whom they cover for.
-- The certification backlog report of a term lists the items of that term and earlier ones (an item
-- of a past term still waits). So each row counts the assignee's items of its term or before, and a
-- row exists for each term that has a pending item with an assignee; for a term that has none of
-- its own, read the newest term before it (the same items).
-- covers_for: the teachers (codes, in order) whose items the assignee certifies as their proxy.
-- Items with no assignee (teacher unknown, or departed with no proxy) are not counted here: see
-- backlog_needing_proxy and certification_backlog.
WITH items AS (
    SELECT * FROM certification_backlog WHERE assignee_code IS NOT NULL
),
terms AS (
    SELECT DISTINCT academic_year, semester FROM items
)
SELECT
    t.academic_year,
    t.semester,
    i.assignee_code,
    any_value(i.assignee_name) AS assignee_name,  -- one name per code (staff list, else course list)
    string_agg(DISTINCT i.teacher_code, ', ' ORDER BY i.teacher_code)
        FILTER (WHERE i.teacher_code IS DISTINCT FROM i.assignee_code) AS covers_for,
    count(*) AS pending,
    count(*) FILTER (WHERE i.overdue) AS overdue,
    max(i.waiting_days) AS oldest_waiting_days
FROM terms t
JOIN items i ON (i.academic_year, i.semester) <= (t.academic_year, t.semester)
GROUP BY t.academic_year, t.semester, i.assignee_code
ORDER BY academic_year, semester, assignee_code
