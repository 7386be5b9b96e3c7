-- grain: academic_year
-- owner: academic_director
-- meaning: The rule settings the compliance view applies, one row per 學年度 and one column per setting (NULL where the rule is not in force that year).
-- Private part of `compliance`: rules_in_force turned into columns once, so each rule joins one
-- row by year instead of looking every value up (one definition: the rules files; no literal here).
SELECT
    academic_year,
    max(value) FILTER (rule_id = 'R-TF-MEET'        AND setting = 'min_per_semester')              AS tf_meet_min,
    max(value) FILTER (rule_id = 'R-CLO-UPLOAD-MAX' AND setting = 'max_per_semester')              AS clo_upload_max,
    max(value) FILTER (rule_id = 'R-CLO-SUBMIT-MAX' AND setting = 'max_per_year')                  AS clo_submit_max,
    max(value) FILTER (rule_id = 'R-MP-SUBMIT-MAX'  AND setting = 'max_per_year')                  AS mp_submit_max,
    max(value) FILTER (rule_id = 'R-CHECK-LEAD'     AND setting = 'lead_days')                     AS check_lead_days,
    max(value) FILTER (rule_id = 'R-SCHEDULE'       AND setting = 'min_per_semester')              AS schedule_min,
    max(value) FILTER (rule_id = 'R-ROSTER-VERIFY'  AND setting = 'min_per_semester')              AS roster_verify_min,
    max(value) FILTER (rule_id = 'R-RETENTION'      AND setting = 'seal_years')                    AS seal_years,
    max(value) FILTER (rule_id = 'R-TRAIN-STUDENT'  AND setting = 'min_per_semester')              AS train_student_min,
    max(value) FILTER (rule_id = 'R-TRAIN-NEW'      AND setting = 'min_briefings_per_year')        AS train_new_briefings_min,
    max(value) FILTER (rule_id = 'R-TRAIN-NEW'      AND setting = 'min_sessions_per_grade1_class') AS train_new_sessions_min,
    max(value) FILTER (rule_id = 'R-TRAIN-TEACHER'  AND setting = 'min_per_year')                  AS train_teacher_min,
    max(value) FILTER (rule_id = 'R-TRAIN-PARENT'   AND setting = 'min_per_year')                  AS train_parent_min,
    max(value) FILTER (rule_id = 'R-RECEIPT-WINDOW' AND setting = 'min_days')                      AS receipt_window_days,
    max(value) FILTER (rule_id = 'R-CLO-WINDOW'     AND setting = 'min_days_after_closing')        AS clo_window_days,
    max(value) FILTER (rule_id = 'R-FILE-LIMITS'    AND setting = 'document_max_kb')               AS document_max_kb,
    max(value) FILTER (rule_id = 'R-FILE-LIMITS'    AND setting = 'media_max_kb')                  AS media_max_kb,
    max(value) FILTER (rule_id = 'R-FILE-LIMITS'    AND setting = 'summary_max_chars')             AS summary_max_chars,
    -- task-force briefings show no count under this many students
    CAST(max(value) FILTER (rule_id = 'P-SMALL-CELL' AND setting = 'min_students') AS BIGINT)      AS small_cell
FROM rules_in_force
GROUP BY academic_year
