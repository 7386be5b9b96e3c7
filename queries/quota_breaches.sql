-- grain: national_id_hash, academic_year, kind, rule_id
-- owner: portfolio_assistant
-- meaning: Students over a quota as of the as-of date: more CLO uploaded in a semester than R-CLO-UPLOAD-MAX, or more CLO or MP submitted in a year than R-CLO-SUBMIT-MAX or R-MP-SUBMIT-MAX.
-- order: academic_year, class_name, student_no, national_id_hash, kind, rule_id
-- Only rows with count > limit; a student exactly at the limit is not over it. Every limit is the
-- rule's value in force for the 學年度 (rules_in_force), never a literal; shown as a whole number
-- (floored: count > 6.5 is count > 6, so the comparison is unchanged).
-- R-CLO-UPLOAD-MAX (per semester): live CLO items of the student in the term (uploaded on or
-- before as_of, not deleted by then), whatever their certification. The grain has no semester, so
-- a student over the cap in both semesters of a year gets one row (decision): `semester`, `count`
-- are those of the worse semester (more items; a tie: the earlier), `breached_semesters` lists
-- every semester over the cap.
-- R-CLO-SUBMIT-MAX, R-MP-SUBMIT-MAX (per 學年度, `semester` NULL): "counting submitted items, else
-- selected ones" is read per item (decision): an item counts if it was submitted on or before
-- as_of (even if deleted from the platform since: it is in the national database), else if it is
-- selected and live. So the selections of a term not yet submitted add to what earlier terms
-- submitted, and a breach shows before the batch that would commit it. `submitted` and
-- `selected_not_submitted` split the count. A submitted item the platform export does not hold has
-- no 學年度 and is not counted.
-- student_no, class_name: the roster of the term (per-semester rule), else of the newest term of
-- the year the student is on.
WITH uploads AS (
    SELECT national_id_hash, academic_year, semester, count(*) AS items
    FROM _clo_items
    WHERE live
    GROUP BY ALL
),
uploads_over AS (  -- rules_in_force joined (one row per year, rule and setting), as rule_value() reads it
    SELECT u.*, floor(r.value)::BIGINT AS cap
    FROM uploads u
    LEFT JOIN rules_in_force r
      ON r.rule_id = 'R-CLO-UPLOAD-MAX' AND r.setting = 'max_per_semester' AND r.academic_year = u.academic_year
),
upload_breaches AS (
    SELECT national_id_hash, academic_year, 'clo' AS kind, 'R-CLO-UPLOAD-MAX' AS rule_id,
           arg_max(semester, items * 10 - semester) AS semester,   -- the worse semester; a tie: the earlier
           max(items) AS "count",
           any_value(cap) AS "limit",                               -- one year, one cap
           NULL::BIGINT AS submitted,
           NULL::BIGINT AS selected_not_submitted,
           list(semester ORDER BY semester) AS breached_semesters
    FROM uploads_over
    WHERE items > cap
    GROUP BY ALL
),
-- Per item: submitted, else selected and live.
counted AS (
    SELECT national_id_hash, academic_year, kind,
           count(*) FILTER (WHERE submitted) AS submitted,
           count(*) FILTER (WHERE NOT submitted) AS selected_not_submitted
    FROM _portfolio_items
    WHERE on_platform AND (submitted OR (selected AND live))
    GROUP BY ALL
),
submit_counts AS (
    SELECT c.*,
           CASE c.kind WHEN 'clo' THEN 'R-CLO-SUBMIT-MAX' ELSE 'R-MP-SUBMIT-MAX' END AS rule_id,
           c.submitted + c.selected_not_submitted AS "count"
    FROM counted c
),
submit_breaches AS (
    SELECT c.national_id_hash, c.academic_year, c.kind, c.rule_id,
           NULL::BIGINT AS semester,
           c."count",
           floor(r.value)::BIGINT AS "limit",
           c.submitted,
           c.selected_not_submitted,
           NULL::BIGINT[] AS breached_semesters
    FROM submit_counts c
    LEFT JOIN rules_in_force r
      ON r.rule_id = c.rule_id AND r.setting = 'max_per_year' AND r.academic_year = c.academic_year
),
breaches AS (
    SELECT * FROM upload_breaches
    UNION ALL BY NAME
    SELECT * FROM submit_breaches WHERE "count" > "limit"
),
roster_year AS (
    SELECT national_id_hash, academic_year,
           arg_max(student_no, semester) AS student_no, arg_max(class_name, semester) AS class_name
    FROM _enrolment GROUP BY ALL
)
SELECT
    b.national_id_hash,
    b.academic_year,
    b.kind,
    b.rule_id,
    b.semester,
    b."count",
    b."limit",
    coalesce(rt.student_no, ry.student_no) AS student_no,
    coalesce(rt.class_name, ry.class_name) AS class_name,
    b."count" - b."limit" AS excess,
    b.submitted,
    b.selected_not_submitted,
    b.breached_semesters
FROM breaches b
LEFT JOIN _enrolment rt
  ON rt.national_id_hash = b.national_id_hash AND rt.academic_year = b.academic_year AND rt.semester = b.semester
LEFT JOIN roster_year ry ON ry.national_id_hash = b.national_id_hash AND ry.academic_year = b.academic_year
ORDER BY b.academic_year, class_name NULLS LAST, student_no NULLS LAST, b.national_id_hash, b.kind, b.rule_id
