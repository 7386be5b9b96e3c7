-- grain: academic_year, semester, role, person_code
-- owner: academic_director
-- meaning: Who held each duty in each reviewed term: every staff member with that role code in 職務 who was on the staff during some of the term.
-- Private building block of `effectiveness`. The staff file is a list as it stands now, with no
-- history of duties, so a person's current 職務 is taken for every term; "on the staff during the
-- term" = 到職日期 (if any) on or before the term's last day and not inactive (離職日期 or
-- 帳號停用日期, whichever is first) before its first day.
SELECT
    t.academic_year,
    t.semester,
    r.role,
    s.teacher_code AS person_code,
    s.name AS person_name
FROM staff s
CROSS JOIN LATERAL (SELECT DISTINCT unnest(s.roles) AS role) r
JOIN _effectiveness_terms t
  ON (s.hired_on IS NULL OR s.hired_on <= t.term_end)
 AND (least(s.left_on, s.disabled_on) IS NULL OR least(s.left_on, s.disabled_on) > t.term_start)
WHERE r.role IS NOT NULL
