-- grain: national_id_hash
-- owner: registrar_head
-- meaning: Every graduate, when they graduated, until when their data stays sealed, and whether it is now due for deletion (R-RETENTION).
-- order: graduated_on, student_no, national_id_hash
-- `lp purge` deletes exactly the `due_for_deletion` students' rows of every table: this view is the
-- one definition of who is due (R-RETENTION: "sealed for Y years after graduation, and deleted only
-- after that").
-- A graduate: the student's roster row of their newest term on the roster says 畢業 (`graduated`).
-- A later term listing them as 在學 (a correction) makes them no graduate, so nothing is deleted.
-- The graduation row is the earliest term whose row says 畢業 (a platform may list a graduate again
-- in the next term); it gives `student_no`, `class_name` and the term.
-- `graduated_on` is that row's 學籍異動日期, else the last day of that term (semester 1 ends Jan 31,
-- semester 2 Jul 31: the term's end, so a blank date never shortens the seal); `graduated_on_from`
-- says which.
-- `seal_years` is R-RETENTION's setting in force in the graduation's 學年度. `seal_until` =
-- graduated_on + seal_years (Feb 29 + whole years is Feb 28). The seal_until day itself is still
-- sealed: `due_for_deletion` once as_of > seal_until, i.e. from `deletable_from` on. With no setting in
-- force (a year before every rules entry) the graduate stays sealed: nothing is deleted without a rule.
WITH a AS (SELECT as_of FROM lp_as_of),
ranked AS (
    SELECT s.*,
           row_number() OVER (PARTITION BY s.national_id_hash
                              ORDER BY s.academic_year DESC, s.semester DESC) AS newest_first
    FROM students s
),
graduates AS (
    SELECT national_id_hash FROM ranked WHERE newest_first = 1 AND status = 'graduated'
),
graduation AS (
    SELECT s.national_id_hash,
           arg_min(s.student_no, s.academic_year * 10 + s.semester) AS student_no,
           arg_min(s.class_name, s.academic_year * 10 + s.semester) AS class_name,
           arg_min(s.academic_year, s.academic_year * 10 + s.semester) AS academic_year,
           arg_min(s.semester, s.academic_year * 10 + s.semester) AS semester,
           arg_min(s.status_changed_on, s.academic_year * 10 + s.semester) AS status_changed_on
    FROM students s
    JOIN graduates g USING (national_id_hash)
    WHERE s.status = 'graduated'
    GROUP BY s.national_id_hash
),
dated AS (
    SELECT g.*,
           coalesce(g.status_changed_on,
                    make_date(g.academic_year + 1912, CASE WHEN g.semester = 1 THEN 1 ELSE 7 END, 31))
               AS graduated_on,
           CASE WHEN g.status_changed_on IS NULL THEN 'term_end' ELSE 'status_changed_on' END
               AS graduated_on_from,
           rule_value('R-RETENTION', 'seal_years', g.academic_year) AS seal_years
    FROM graduation g
),
sealed AS (
    SELECT d.*,
           (d.graduated_on + to_months(CAST(round(d.seal_years * 12) AS INTEGER)))::DATE AS seal_until
    FROM dated d
)
SELECT
    s.national_id_hash,
    s.student_no,
    s.class_name,
    s.academic_year,
    s.semester,
    s.graduated_on,
    s.graduated_on_from,
    s.seal_years,
    s.seal_until,
    (s.seal_until + 1)::DATE AS deletable_from,
    CASE WHEN s.seal_until IS NOT NULL AND a.as_of > s.seal_until THEN 'due_for_deletion'
         ELSE 'sealed' END AS state
FROM sealed s
CROSS JOIN a
ORDER BY s.graduated_on, s.student_no, s.national_id_hash
