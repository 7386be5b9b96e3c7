-- grain: academic_year, semester, role, metric
-- owner: academic_director
-- meaning: The effectiveness review in aggregate, for the task force: per term, role and metric, how many people have a figure and how many of them met the target, with the metric's definition; no person is named.
-- Reads `effectiveness` as it is (one definition): its rows of a (term, role, metric) are counted,
-- never recomputed. The task force sees this view, not the per-person one (issue 13: no per-person
-- list in a room with a student and a parent; the per-person table is the staff-only report).
-- * people: people (or units) with a row; people_with_value: those whose figure is not NULL (a
--   course teacher with no item has nothing to measure).
-- * target: the target in force that 學年度 (one rules setting per metric, so one value per
--   group); NULL where no target applies (R-NO-FORCE: participation only).
-- * met / not_met: people whose figure reached / fell short of the target; NULL where no target
--   applies (0 is a real answer: nobody met it). met + not_met = people_with_value when a target applies.
-- * median_value: the median figure over people_with_value: "participation in aggregate" for the
--   metrics with no target (for an office-wide duty every holder has the office's figure, so it is
--   that figure). NULL over nobody. A count of students (students_consulted) is suppressed by the
--   report, not here: staff may read this view.
-- * unit, definition, definition_en, rule_id, metric_order: the catalogue's, as effectiveness shows them.
SELECT
    academic_year,
    semester,
    role,
    metric,
    count(*) AS people,
    count(value) AS people_with_value,
    CASE WHEN any_value(target) IS NOT NULL THEN count(*) FILTER (WHERE met) END AS met,
    CASE WHEN any_value(target) IS NOT NULL THEN count(*) FILTER (WHERE NOT met) END AS not_met,
    any_value(target) AS target,
    quantile_cont(value, 0.5) AS median_value,
    any_value(unit) AS unit,
    any_value(definition) AS definition,
    any_value(definition_en) AS definition_en,
    any_value(rule_id) AS rule_id,
    any_value(metric_order) AS metric_order
FROM effectiveness
GROUP BY academic_year, semester, role, metric
ORDER BY academic_year, semester, role, metric
