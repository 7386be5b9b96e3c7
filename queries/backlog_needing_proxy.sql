-- grain: academic_year, semester, teacher_code
-- owner: registrar_clerk
-- meaning: For each term, each departed teacher whose CLO items wait with no proxy in force: their items from that term and every earlier one, and the longest wait.
-- Items: certification_backlog's needs_proxy (the teacher left or their account is disabled on or
-- before as_of, and no proxy is in force on as_of). As in backlog_by_assignee, each row counts the
-- teacher's items of its term or before, and a row exists for each term that has such an item; for
-- a term that has none of its own, read the newest term before it.
WITH items AS (
    SELECT * FROM certification_backlog WHERE needs_proxy
),
terms AS (
    SELECT DISTINCT academic_year, semester FROM items
)
SELECT
    t.academic_year,
    t.semester,
    i.teacher_code,
    any_value(i.teacher_name) AS teacher_name,  -- one name per code
    any_value(i.teacher_inactive_since) AS teacher_inactive_since,  -- one date per code
    count(*) AS pending,
    max(i.waiting_days) AS oldest_waiting_days
FROM terms t
JOIN items i ON (i.academic_year, i.semester) <= (t.academic_year, t.semester)
GROUP BY t.academic_year, t.semester, i.teacher_code
ORDER BY academic_year, semester, teacher_code
