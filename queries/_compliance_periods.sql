-- grain: academic_year, semester
-- owner: academic_director
-- meaning: The terms (and, with semester NULL, the academic years) the compliance view judges, with their dates, whether they have ended by the as-of date, and which of their records are loaded.
-- Private part of `compliance`. A term is judged when the roster or the schedule names it and it
-- has started on or before as_of (term 1 of 學年度 Y starts Aug 1 of Y+1911, term 2 Feb 1 of
-- Y+1912); an academic year when one of its judged terms has started. Only years the rules cover
-- (rules_in_force starts at the oldest entry, 108 by default): before them no rule applies.
-- `period` is written as the snapshots name a term's partition ('113-1'), or the bare year ('113').
-- `ended`: as_of covers its whole day (lp_as_of.as_of_end is the next midnight), so a period whose
-- last day is on or before as_of has ended; `checked_to` is the last day whose records count.
-- `*_loaded`: the current snapshots hold the period's partition of that kind (for a year: one of
-- its terms). An export with no rows makes no partition, so it reads as not loaded.
WITH a AS (SELECT as_of FROM lp_as_of),
named_terms AS (
    SELECT academic_year, semester FROM students
    UNION
    SELECT academic_year, semester FROM schedule
),
terms AS (
    SELECT
        academic_year,
        semester,
        CASE semester WHEN 1 THEN make_date(academic_year + 1911, 8, 1)
                      ELSE make_date(academic_year + 1912, 2, 1) END AS starts_on,
        CASE semester WHEN 1 THEN make_date(academic_year + 1912, 1, 31)
                      ELSE make_date(academic_year + 1912, 7, 31) END AS ends_on
    FROM named_terms
    WHERE semester IN (1, 2)
      AND academic_year IN (SELECT academic_year FROM rules_in_force)
),
started_terms AS (
    SELECT t.* FROM terms t CROSS JOIN a WHERE t.starts_on <= a.as_of
),
years AS (
    SELECT DISTINCT
        academic_year,
        NULL::BIGINT AS semester,
        make_date(academic_year + 1911, 8, 1) AS starts_on,
        make_date(academic_year + 1912, 7, 31) AS ends_on
    FROM started_terms
),
periods AS (
    SELECT *, academic_year || '-' || semester AS period, 'term' AS period_noun,
           academic_year || ' 學年度第 ' || semester || ' 學期' AS period_zh
    FROM started_terms
    UNION ALL
    SELECT *, academic_year::VARCHAR AS period, 'year' AS period_noun, academic_year || ' 學年度' AS period_zh
    FROM years
),
-- Partitions of the term-partitioned kinds ('113-1'; an MP export with no 學期 gives '113-').
loaded_parts AS (
    SELECT
        kind,
        TRY_CAST(split_part(part, '-', 1) AS BIGINT) AS academic_year,
        TRY_CAST(split_part(part, '-', 2) AS BIGINT) AS semester
    FROM current_snapshots
    WHERE kind IN ('students', 'clo', 'mp')
)
SELECT
    p.academic_year,
    p.semester,
    any_value(p.period) AS period,
    any_value(p.period_noun) AS period_noun,
    any_value(p.period_zh) AS period_zh,  -- the period as evidence_zh writes it
    any_value(p.starts_on) AS starts_on,
    any_value(p.ends_on) AS ends_on,
    any_value(p.ends_on) <= any_value(a.as_of) AS ended,
    least(any_value(p.ends_on), any_value(a.as_of)) AS checked_to,
    coalesce(bool_or(l.kind = 'students'), false) AS students_loaded,
    coalesce(bool_or(l.kind = 'clo'), false) AS clo_loaded,
    coalesce(bool_or(l.kind = 'mp'), false) AS mp_loaded
FROM periods p
CROSS JOIN a
LEFT JOIN loaded_parts l
    ON l.academic_year = p.academic_year AND (p.semester IS NULL OR l.semester = p.semester)
GROUP BY p.academic_year, p.semester
