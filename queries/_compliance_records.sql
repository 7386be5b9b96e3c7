-- grain: rule_id, academic_year, semester
-- owner: academic_director
-- meaning: The rules decided from the school's own records, the schedule and the roster: task-force meetings, trainings, the published schedule, the receipt and upload windows, roster re-verification.
-- Private part of `compliance` (which adds each rule's title and owner); columns: setting, status,
-- evidence. Decisions the spec leaves open:
-- * A records kind (meetings, trainings, schedule) counts as loaded once any file of it was
--   ingested, even an empty one (the school recorded none); never loaded: 'unknown'.
-- * Only records dated on or before as_of count. "At least N per period" passes as soon as N are
--   there; short of N it fails once the period has ended, and is 'unknown' while it runs ("in
--   progress").
-- * R-SCHEDULE: the term's schedule must carry a published_on on or before as_of and not after the
--   term's end.
-- * R-ROSTER-VERIFY: every enrolled student's roster row of the term needs a verification date
--   inside the term (not just one row), since the registrar re-verifies each student's data; and
--   the setting counts verification rounds: distinct such dates on the term's roster (as
--   effectiveness' roster_verification_dates).
-- * R-RECEIPT-WINDOW counts both ends (receipt_confirm_to − receipt_confirm_from + 1 days); no
--   window in the schedule is 'unknown' (the window often opens after the term ends).
-- * R-CLO-WINDOW: the schedule holds one clo_upload_due per term, the date for grades 1-2 (grade 3's
--   semester-2 deadline is exempt and is not in the schedule), so every term is checked.
-- * Student counts under P-SMALL-CELL read "fewer than N" (lp_small_cell, _macros.sql): the task force sees this evidence.
WITH periods AS (SELECT * FROM _compliance_periods),
settings AS (SELECT * FROM _compliance_settings),
-- A kind of the school's records is loaded once any file of it was ingested.
loaded AS (
    SELECT
        count(*) FILTER (kind = 'meetings') > 0 AS meetings,
        count(*) FILTER (kind = 'trainings') > 0 AS trainings,
        count(*) FILTER (kind = 'schedule') > 0 AS schedule
    FROM snapshots
),

-- ---------------------------------------------------------------------------------------------
-- Rules counting dated records: at least N per semester or per academic year.
-- noun_zh / kind_zh: the same words for evidence_zh (Chinese has no plural: one noun).
counting_rules (rule_id, setting, per, kind, training_type, one, many, noun_zh, kind_zh) AS (
    VALUES
        ('R-TF-MEET',       'min_per_semester',       'term', 'meetings',  NULL,               'meeting',                   'meetings',                   '工作小組會議', '工作小組會議紀錄'),
        ('R-TRAIN-STUDENT', 'min_per_semester',       'term', 'trainings', 'course_selection', 'course-selection briefing', 'course-selection briefings', '選課說明會',   '研習及說明會紀錄'),
        ('R-TRAIN-TEACHER', 'min_per_year',           'year', 'trainings', 'teacher_workshop', 'teacher workshop',          'teacher workshops',          '教師研習',     '研習及說明會紀錄'),
        ('R-TRAIN-PARENT',  'min_per_year',           'year', 'trainings', 'parent_briefing',  'parent briefing',           'parent briefings',           '親師說明會',   '研習及說明會紀錄'),
        -- R-TRAIN-NEW's briefings; its platform classes are checked below.
        ('R-TRAIN-NEW',     'min_briefings_per_year', 'year', 'trainings', 'new_student',      'new-student briefing',      'new-student briefings',      '新生說明會',   '研習及說明會紀錄')
),
events AS (
    SELECT 'meetings' AS kind, NULL AS training_type, date AS day FROM meetings
    UNION ALL
    SELECT 'trainings', type, date FROM trainings
),
rule_periods AS (
    SELECT
        r.*,
        p.academic_year, p.semester, p.period, p.period_zh, p.period_noun, p.starts_on, p.ends_on, p.ended, p.checked_to,
        s.value AS need,
        CASE r.kind WHEN 'meetings' THEN l.meetings ELSE l.trainings END AS kind_loaded
    FROM counting_rules r
    JOIN periods p ON p.period_noun = r.per
    CROSS JOIN loaded l
    -- the rule's setting in force that year (none: the rule is not in force, no row)
    JOIN rules_in_force s
        ON s.rule_id = r.rule_id AND s.setting = r.setting AND s.academic_year = p.academic_year
),
counted AS (
    SELECT
        rp.rule_id, rp.academic_year, rp.semester,
        any_value(rp.kind) AS kind, any_value(rp.kind_loaded) AS kind_loaded, any_value(rp.need) AS need,
        any_value(rp.per) AS per, any_value(rp.period) AS period, any_value(rp.period_noun) AS period_noun,
        any_value(rp.period_zh) AS period_zh, any_value(rp.noun_zh) AS noun_zh, any_value(rp.kind_zh) AS kind_zh,
        any_value(rp.starts_on) AS starts_on, any_value(rp.ends_on) AS ends_on, any_value(rp.ended) AS ended,
        count(e.day) AS n,
        any_value(rp.one) AS one, any_value(rp.many) AS many,
        CASE WHEN count(e.day) = 1 THEN any_value(rp.one) ELSE any_value(rp.many) END AS noun,
        array_to_string((list(e.day::VARCHAR ORDER BY e.day) FILTER (e.day IS NOT NULL))[1:5], ', ')
            || CASE WHEN count(e.day) > 5 THEN ', …' ELSE '' END AS days
    FROM rule_periods rp
    LEFT JOIN events e
        ON e.kind = rp.kind AND e.training_type IS NOT DISTINCT FROM rp.training_type
       AND e.day BETWEEN rp.starts_on AND rp.checked_to
    GROUP BY rp.rule_id, rp.academic_year, rp.semester
),
counting_decided AS (
    SELECT
        rule_id, academic_year, semester,
        '≥' || format('{:g}', need) || ' ' || CASE WHEN need = 1 THEN one ELSE many END
            || ' per ' || CASE per WHEN 'term' THEN 'semester' ELSE 'academic year' END AS setting,
        CASE WHEN NOT kind_loaded THEN 'unknown'
             WHEN n >= need THEN 'pass'
             WHEN ended THEN 'fail'
             ELSE 'unknown' END AS status,
        CASE WHEN NOT kind_loaded THEN 'no ' || kind || ' file loaded'
             WHEN n >= need THEN n || ' ' || noun || coalesce(': ' || days, '')
             WHEN ended THEN n || ' ' || noun || ' in ' || period || ' (' || starts_on || ' – ' || ends_on
                             || '), ≥' || format('{:g}', need) || ' required' || coalesce(': ' || days, '')
             ELSE period_noun || ' in progress until ' || ends_on || ': ' || n || ' ' || noun || ' so far'
                  || coalesce(': ' || days, '') END AS evidence,
        CASE WHEN NOT kind_loaded THEN '未載入' || kind_zh || '檔'
             WHEN n >= need THEN noun_zh || ' ' || n || ' 次' || coalesce('：' || days, '')
             WHEN ended THEN period_zh || '（' || starts_on || ' 至 ' || ends_on || '）' || noun_zh || ' ' || n
                             || ' 次，規定至少 ' || format('{:g}', need) || ' 次' || coalesce('：' || days, '')
             ELSE if(per = 'term', '本學期', '本學年度') || '進行中（至 ' || ends_on || '）：目前' || noun_zh || ' ' || n
                  || ' 次' || coalesce('：' || days, '') END AS evidence_zh
    FROM counted
    WHERE rule_id <> 'R-TRAIN-NEW'
),

-- ---------------------------------------------------------------------------------------------
-- R-TRAIN-NEW: the new-student briefings above, and a platform class for every grade-1 class.
grade1_classes AS (  -- grade-1 classes with an enrolled student in a term of the year
    SELECT DISTINCT academic_year, class_name FROM _enrolment WHERE grade = 1 AND enrolled
),
class_sessions AS (
    SELECT
        g.academic_year, g.class_name,
        any_value(s.train_new_sessions_min) AS need_sessions,
        count(t.date) AS sessions
    FROM grade1_classes g
    JOIN periods p ON p.academic_year = g.academic_year AND p.semester IS NULL
    JOIN settings s ON s.academic_year = g.academic_year
    LEFT JOIN trainings t
        ON t.type = 'platform_class' AND t.target_class = g.class_name
       AND t.date BETWEEN p.starts_on AND p.checked_to
    GROUP BY g.academic_year, g.class_name
),
class_summary AS (
    SELECT
        academic_year,
        count(*) AS classes,
        count(*) FILTER (sessions < need_sessions) AS short,
        array_to_string((list(class_name ORDER BY class_name) FILTER (sessions < need_sessions))[1:5], ', ')
            || CASE WHEN count(*) FILTER (sessions < need_sessions) > 5 THEN ', …' ELSE '' END AS short_classes
    FROM class_sessions
    GROUP BY academic_year
),
new_students AS (
    SELECT
        c.*,
        st.train_new_sessions_min AS need_sessions,
        p.students_loaded AS roster_loaded,
        coalesce(s.classes, 0) AS classes,
        coalesce(s.short, 0) AS short,
        s.short_classes,
        c.n >= c.need AS briefings_ok
    FROM counted c
    JOIN periods p ON p.academic_year = c.academic_year AND p.semester IS NULL
    JOIN settings st ON st.academic_year = c.academic_year
    LEFT JOIN class_summary s ON s.academic_year = c.academic_year
    WHERE c.rule_id = 'R-TRAIN-NEW'
),
new_students_decided AS (
    SELECT
        rule_id, academic_year, semester,
        '≥' || format('{:g}', need) || ' ' || if(need = 1, one, many) || ' per academic year; ≥'
            || format('{:g}', need_sessions) || ' platform class' || if(need_sessions = 1, '', 'es')
            || ' per grade-1 class' AS setting,
        CASE WHEN NOT kind_loaded THEN 'unknown'
             WHEN briefings_ok AND roster_loaded AND short = 0 THEN 'pass'
             WHEN ended AND (NOT briefings_ok OR short > 0) THEN 'fail'
             ELSE 'unknown' END AS status,
        CASE WHEN NOT kind_loaded THEN 'no trainings file loaded'
             ELSE CASE WHEN NOT ended AND NOT (briefings_ok AND roster_loaded AND short = 0)
                       THEN 'year in progress until ' || ends_on || ': ' ELSE '' END
                  || n || ' ' || noun || coalesce(': ' || days, '') || '; '
                  || CASE WHEN NOT roster_loaded THEN 'grade-1 classes unknown: no roster of ' || period || ' loaded'
                          WHEN classes = 0 THEN 'no grade-1 class in the roster'
                          WHEN short = 0 THEN 'all ' || classes || ' grade-1 classes had ≥'
                                              || format('{:g}', need_sessions) || ' platform class'
                                              || if(need_sessions = 1, '', 'es')
                          ELSE short || ' of ' || classes || ' grade-1 classes without ≥'
                               || format('{:g}', need_sessions) || ' platform class'
                               || if(need_sessions = 1, '', 'es') || ': ' || short_classes END
             END AS evidence,
        CASE WHEN NOT kind_loaded THEN '未載入' || kind_zh || '檔'
             ELSE CASE WHEN NOT ended AND NOT (briefings_ok AND roster_loaded AND short = 0)
                       THEN '本學年度進行中（至 ' || ends_on || '）：' ELSE '' END
                  || noun_zh || ' ' || n || ' 次' || coalesce('：' || days, '') || '；'
                  || CASE WHEN NOT roster_loaded THEN '未載入 ' || period_zh || '學生名冊，無法判定高一班級'
                          WHEN classes = 0 THEN '名冊中沒有高一班級'
                          WHEN short = 0 THEN '高一 ' || classes || ' 班均已上系統操作課至少 '
                                              || format('{:g}', need_sessions) || ' 次'
                          ELSE '高一 ' || classes || ' 班中有 ' || short || ' 班系統操作課未達 '
                               || format('{:g}', need_sessions) || ' 次：' || short_classes END
             END AS evidence_zh
    FROM new_students
),

-- ---------------------------------------------------------------------------------------------
-- Rules read from the schedule (期程) of each term.
schedule_terms AS (
    SELECT
        p.*,
        l.schedule AS kind_loaded,
        s.academic_year IS NOT NULL AS has_entry,
        s.published_on, s.closing_ceremony, s.clo_upload_due, s.receipt_confirm_from, s.receipt_confirm_to,
        st.schedule_min, st.receipt_window_days, st.clo_window_days
    FROM periods p
    CROSS JOIN loaded l
    JOIN settings st ON st.academic_year = p.academic_year
    LEFT JOIN schedule s ON s.academic_year = p.academic_year AND s.semester = p.semester
    WHERE p.period_noun = 'term'
),
published AS (
    SELECT
        'R-SCHEDULE' AS rule_id, academic_year, semester, period, period_zh, ends_on, ended, kind_loaded, has_entry,
        published_on,
        schedule_min AS need,
        -- published by as_of, and not after the term it plans
        coalesce(published_on <= checked_to, false)::INTEGER AS n
    FROM schedule_terms
),
published_decided AS (
    SELECT
        rule_id, academic_year, semester,
        '≥' || format('{:g}', need) || ' schedule per semester, published on or before the as-of date' AS setting,
        CASE WHEN NOT kind_loaded THEN 'unknown'
             WHEN n >= need THEN 'pass'
             WHEN ended THEN 'fail'
             ELSE 'unknown' END AS status,
        CASE WHEN NOT kind_loaded THEN 'no schedule file loaded'
             WHEN n >= need AND n > 0 THEN 'published ' || published_on
             WHEN n >= need THEN 'not published (none required)'
             ELSE CASE WHEN ended THEN '' ELSE 'term in progress until ' || ends_on || ': ' END
                  || CASE WHEN NOT has_entry THEN 'no ' || period || ' entry in the schedule'
                          WHEN published_on IS NULL THEN 'the ' || period || ' schedule has no published_on'
                          WHEN published_on > ends_on THEN 'published ' || published_on || ', after the term ended'
                          ELSE 'published_on ' || published_on || ' is after the as-of date' END
             END AS evidence,
        CASE WHEN NOT kind_loaded THEN '未載入期程檔'
             WHEN n >= need AND n > 0 THEN '已於 ' || published_on || ' 公告'
             WHEN n >= need THEN '未公告（規定不需公告）'
             ELSE CASE WHEN ended THEN '' ELSE '本學期進行中（至 ' || ends_on || '）：' END
                  || CASE WHEN NOT has_entry THEN '期程中沒有 ' || period_zh
                          WHEN published_on IS NULL THEN period_zh || '期程未填公告日期'
                          WHEN published_on > ends_on THEN '於 ' || published_on || ' 公告，已在學期結束之後'
                          ELSE '公告日期 ' || published_on || ' 在資料日期之後' END
             END AS evidence_zh
    FROM published
    WHERE need IS NOT NULL
),
receipt_window AS (
    SELECT
        'R-RECEIPT-WINDOW' AS rule_id, academic_year, semester, period, period_zh, kind_loaded,
        receipt_confirm_from, receipt_confirm_to,
        receipt_window_days AS need,
        receipt_confirm_to - receipt_confirm_from + 1 AS days  -- both ends count
    FROM schedule_terms
),
receipt_window_decided AS (
    SELECT
        rule_id, academic_year, semester,
        '≥' || format('{:g}', need) || ' days to confirm receipt details (both ends counted)' AS setting,
        CASE WHEN NOT kind_loaded OR days IS NULL THEN 'unknown'
             WHEN days >= need THEN 'pass'
             ELSE 'fail' END AS status,
        CASE WHEN NOT kind_loaded THEN 'no schedule file loaded'
             WHEN days IS NULL THEN 'no receipt_confirm_from/receipt_confirm_to in the ' || period || ' schedule'
             ELSE receipt_confirm_from || ' – ' || receipt_confirm_to || ': ' || days || ' days' END AS evidence,
        CASE WHEN NOT kind_loaded THEN '未載入期程檔'
             WHEN days IS NULL THEN period_zh || '期程未填收訖確認起迄日'
             ELSE receipt_confirm_from || ' 至 ' || receipt_confirm_to || '：共 ' || days || ' 天' END AS evidence_zh
    FROM receipt_window
    WHERE need IS NOT NULL
),
upload_window AS (
    SELECT
        'R-CLO-WINDOW' AS rule_id, academic_year, semester, period, period_zh, kind_loaded,
        closing_ceremony, clo_upload_due,
        clo_window_days AS need,
        clo_upload_due - closing_ceremony AS days
    FROM schedule_terms
),
upload_window_decided AS (
    SELECT
        rule_id, academic_year, semester,
        'clo_upload_due ≥' || format('{:g}', need) || ' days after closing_ceremony (grade 3 semester 2 exempt)'
            AS setting,
        CASE WHEN NOT kind_loaded OR days IS NULL THEN 'unknown'
             WHEN days >= need THEN 'pass'
             ELSE 'fail' END AS status,
        CASE WHEN NOT kind_loaded THEN 'no schedule file loaded'
             WHEN days IS NULL THEN 'no closing_ceremony/clo_upload_due in the ' || period || ' schedule'
             ELSE 'clo_upload_due ' || clo_upload_due || ' is ' || days || ' days after closing_ceremony '
                  || closing_ceremony || CASE WHEN semester = 2 THEN ' (grades 1-2)' ELSE '' END END AS evidence,
        CASE WHEN NOT kind_loaded THEN '未載入期程檔'
             WHEN days IS NULL THEN period_zh || '期程未填休業式或成果上傳截止日'
             ELSE '成果上傳截止 ' || clo_upload_due || ' 在休業式 ' || closing_ceremony || ' 之後 ' || days || ' 天'
                  || CASE WHEN semester = 2 THEN '（高一、高二）' ELSE '' END END AS evidence_zh
    FROM upload_window
    WHERE need IS NOT NULL
),

-- ---------------------------------------------------------------------------------------------
-- R-ROSTER-VERIFY: every enrolled student's roster row of the term verified inside the term.
roster_terms AS (
    SELECT
        p.*,
        p.students_loaded AS roster_loaded,
        st.roster_verify_min AS need,
        st.small_cell AS small
    FROM periods p
    JOIN settings st ON st.academic_year = p.academic_year
    WHERE p.period_noun = 'term'
),
roster_rows AS (
    SELECT
        r.academic_year, r.semester, e.national_id_hash, e.enrolled, e.class_name, e.verified_on,
        -- not after as_of: a verification dated later has not happened yet
        coalesce(e.verified_on BETWEEN r.starts_on AND r.checked_to, false) AS verified_in_term
    FROM roster_terms r
    JOIN _enrolment e ON e.academic_year = r.academic_year AND e.semester = r.semester
),
verification AS (
    SELECT
        r.academic_year, r.semester,
        any_value(r.period) AS period, any_value(r.period_zh) AS period_zh, any_value(r.ends_on) AS ends_on, any_value(r.ended) AS ended,
        any_value(r.roster_loaded) AS roster_loaded, any_value(r.need) AS need, any_value(r.small) AS small,
        count(e.national_id_hash) FILTER (e.enrolled) AS enrolled,
        count(e.national_id_hash) FILTER (e.enrolled AND NOT e.verified_in_term) AS short,
        -- verification rounds: distinct dates inside the term over the whole roster (as effectiveness'
        -- roster_verification_dates, whose target is the same setting)
        count(DISTINCT e.verified_on) FILTER (e.verified_in_term) AS dates,
        min(e.verified_on) FILTER (e.verified_in_term) AS first_verified,
        max(e.verified_on) FILTER (e.verified_in_term) AS last_verified,
        array_to_string((list(DISTINCT e.class_name ORDER BY e.class_name)
                         FILTER (e.enrolled AND NOT e.verified_in_term))[1:5], ', ')
            || CASE WHEN count(DISTINCT e.class_name) FILTER (e.enrolled AND NOT e.verified_in_term) > 5
                    THEN ', …' ELSE '' END AS short_classes
    FROM roster_terms r
    LEFT JOIN roster_rows e ON e.academic_year = r.academic_year AND e.semester = r.semester
    WHERE r.need IS NOT NULL
    GROUP BY r.academic_year, r.semester
),
verification_decided AS (
    SELECT
        'R-ROSTER-VERIFY' AS rule_id, academic_year, semester,
        'every enrolled student''s roster row verified inside the term; ≥' || format('{:g}', need)
            || ' verification date' || if(need = 1, '', 's') || ' per semester' AS setting,
        CASE WHEN NOT roster_loaded THEN 'unknown'
             WHEN short = 0 AND dates >= need THEN 'pass'
             WHEN ended THEN 'fail'
             ELSE 'unknown' END AS status,
        CASE WHEN NOT roster_loaded THEN 'no roster of ' || period || ' loaded'
             WHEN short = 0 AND dates >= need THEN
                 CASE WHEN enrolled = 0 THEN 'no enrolled student in the ' || period || ' roster'
                      ELSE 'all ' || enrolled_shown || ' enrolled students verified in the term' END
                 || coalesce(' (' || dates || ' date' || if(dates = 1, ': ' || first_verified,
                                                             's, ' || first_verified || ' – ' || last_verified)
                             || ')', '')
             ELSE CASE WHEN ended THEN '' ELSE 'term in progress until ' || ends_on || ': ' END
                  || concat_ws('; ',
                         CASE WHEN short > 0 THEN
                             lp_small_cell(short, small)
                             || ' of ' || enrolled_shown || ' enrolled students not verified '
                             || CASE WHEN ended THEN 'in the term' ELSE 'yet' END || '; classes ' || short_classes END,
                         CASE WHEN dates < need THEN
                             dates || ' verification date' || if(dates = 1, '', 's') || ' in the term, ≥'
                             || format('{:g}', need) || ' required' END)
             END AS evidence,
        CASE WHEN NOT roster_loaded THEN '未載入 ' || period_zh || '學生名冊'
             WHEN short = 0 AND dates >= need THEN
                 CASE WHEN enrolled = 0 THEN period_zh || '名冊中沒有在學學生'
                      ELSE '在學學生 ' || enrolled_zh || '均已於學期內完成檢核' END
                 || coalesce('（' || dates || ' 個檢核日期：' || if(dates = 1, first_verified::VARCHAR,
                                                                 first_verified || ' 至 ' || last_verified)
                             || '）', '')
             ELSE CASE WHEN ended THEN '' ELSE '本學期進行中（至 ' || ends_on || '）：' END
                  || concat_ws('；',
                         CASE WHEN short > 0 THEN
                             '在學學生 ' || enrolled_zh || '中，' || lp_small_cell_zh(short, small)
                             || CASE WHEN ended THEN '未於學期內完成檢核' ELSE '尚未完成檢核' END
                             || '，班級：' || short_classes END,
                         CASE WHEN dates < need THEN
                             '學期內檢核日期 ' || dates || ' 個，規定至少 ' || format('{:g}', need) || ' 個' END)
             END AS evidence_zh
    FROM (SELECT *, lp_small_cell(enrolled, small) AS enrolled_shown, lp_small_cell_zh(enrolled, small) AS enrolled_zh
          FROM verification)
)

SELECT * FROM counting_decided
UNION ALL SELECT * FROM new_students_decided
UNION ALL SELECT * FROM published_decided
UNION ALL SELECT * FROM receipt_window_decided
UNION ALL SELECT * FROM upload_window_decided
UNION ALL SELECT * FROM verification_decided
