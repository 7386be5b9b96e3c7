-- grain: academic_year, semester
-- owner: academic_director
-- meaning: The terms the effectiveness review covers: every term some record names, once it has begun, with its first and last day and whether it has ended.
-- Private building block of `effectiveness`. Calendar of exports.md: 學期 1 = Aug–Jan, 2 = Feb–Jul
-- of the 學年度 that begins in August of ROC year + 1911. A term that has not begun by as_of is left
-- out (a schedule published in advance gives no one anything to be reviewed on yet). MP items with
-- no 學期 count in semester 2, as in `_mp_items`.
WITH named AS (
    SELECT academic_year, semester FROM students
    UNION SELECT academic_year, semester FROM courses
    UNION SELECT academic_year, semester FROM grades
    UNION SELECT academic_year, semester FROM homerooms
    UNION SELECT academic_year, semester FROM schedule
    UNION SELECT academic_year, semester FROM clo
    UNION SELECT academic_year, semester FROM _mp_items
    UNION SELECT academic_year, semester FROM cadres
    UNION SELECT academic_year, semester FROM attendance
    UNION SELECT academic_year, semester FROM consultations
),
dated AS (
    SELECT
        academic_year,
        semester,
        CASE semester WHEN 1 THEN make_date(academic_year::INT + 1911, 8, 1)
                      ELSE make_date(academic_year::INT + 1912, 2, 1) END AS term_start,
        CASE semester WHEN 1 THEN make_date(academic_year::INT + 1912, 1, 31)
                      ELSE make_date(academic_year::INT + 1912, 7, 31) END AS term_end
    FROM named
    WHERE academic_year IS NOT NULL AND semester IN (1, 2)
)
SELECT
    d.academic_year,
    d.semester,
    d.term_start,
    d.term_end,
    a.as_of > d.term_end AS ended
FROM dated d
CROSS JOIN lp_as_of a
WHERE d.term_start <= a.as_of
