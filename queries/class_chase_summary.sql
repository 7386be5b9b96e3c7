-- grain: academic_year, semester, class_name
-- owner: homeroom_teacher
-- meaning: Each class and term with enrolled students: how many are on the chase list, and where the class stands on selection (勾選): who has selected, how many items, against the yearly quota, as of the as-of date.
-- class_chase_list's rows counted per class (so the dashboard's figures add up to its list). A class
-- with no enrolled student in the term has no row (nothing to chase; the report plan makes no
-- dashboard for it).
-- students_to_upload, _to_select, _pending, _to_reupload: students with that on the list (one student
-- can be in several, so they do not add up to students_to_chase).
-- clo_selectors / mp_selectors: students with at least one live item of the term selected;
-- clo_selected / mp_selected: those items (the same count as class_completion's);
-- clo_can_select: students with a certified live CLO item of the term (only those can select one);
-- clo_at_max / mp_at_max: students whose selected items of the 學年度 reached the quota
-- (R-CLO-SUBMIT-MAX / R-MP-SUBMIT-MAX, per student per year: clo_select_max / mp_select_max).
SELECT
    academic_year,
    semester,
    class_name,
    count(*) AS students,
    count(*) FILTER (WHERE needs_action) AS students_to_chase,
    count(*) FILTER (WHERE len(to_upload) > 0) AS students_to_upload,
    count(*) FILTER (WHERE len(to_select) > 0) AS students_to_select,
    count(*) FILTER (WHERE clo_pending > 0) AS students_pending,
    count(*) FILTER (WHERE to_reupload > 0) AS students_to_reupload,
    count(*) FILTER (WHERE clo_selected > 0) AS clo_selectors,
    sum(clo_selected)::BIGINT AS clo_selected,
    count(*) FILTER (WHERE clo_certified > 0) AS clo_can_select,
    count(*) FILTER (WHERE clo_selected_year >= clo_select_max) AS clo_at_max,
    max(clo_select_max) AS clo_select_max,
    count(*) FILTER (WHERE mp_selected > 0) AS mp_selectors,
    sum(mp_selected)::BIGINT AS mp_selected,
    count(*) FILTER (WHERE mp_items > 0) AS mp_can_select,
    count(*) FILTER (WHERE mp_selected_year >= mp_select_max) AS mp_at_max,
    max(mp_select_max) AS mp_select_max
FROM class_chase_list
GROUP BY academic_year, semester, class_name
ORDER BY academic_year, semester, class_name
