-- grain: academic_year, semester, kind, state
-- owner: registrar_head
-- meaning: For each term and kind, how many rows of reconciliation are in each state, and how many of them were submitted while not certified.
-- A state no row of the term is in has no row (not a 0).
SELECT
    academic_year,
    semester,
    kind,
    state,
    count(*) AS items,
    count(*) FILTER (WHERE submitted_uncertified) AS submitted_uncertified
FROM reconciliation
GROUP BY academic_year, semester, kind, state
ORDER BY academic_year, semester, kind, state
