-- grain: academic_year, semester, role, person_code, metric
-- owner: academic_director
-- meaning: Evidence for the effectiveness review (成效評核, §8): per term, each person's or unit's measured figure for each duty, against its target where a rule sets one, with a one-sentence definition.
-- order: academic_year, semester, metric_order, person_code, role, metric
-- Long format: one row per term, role, person and metric (catalogue, units and definitions in
-- _effectiveness_metrics). Targets come from the rules in force for the term's 學年度; met =
-- value >= target, NULL where no target applies or the value is NULL. No student appears here:
-- every figure is a count, a rate or a median over a person's or a unit's records.
-- Terms: those of _effectiveness_terms (named by some record and begun by as_of). Every figure is
-- per term. A rate over nobody is NULL and a count over nobody 0.
-- Who:
-- * course_teacher: every row of teacher_certification (teachers of the term's courses and of its
--   live items); its median_turnaround_days and certified_by_due_rate are read as they are, so
--   both views show one number. Items with no known teacher (teacher_code NULL) are credited to no
--   one here.
-- * homeroom_teacher: the 導師代碼 of 導師名冊, with the class's clo_upload_rate and mp_upload_rate
--   of class_completion. A teacher with several classes in a term gets uploaders / students over
--   all of them (the class's own rate when there is one class).
-- * Duties of one office (registrar clerk, discipline clerk, portfolio assistant, activities head,
--   registrar head): every staff member holding the role that term (_effectiveness_duty) gets the
--   office-wide figure. The records name no person (roster, grades, attendance, receipts), or name
--   one who may be a proxy standing in for the duty holder (提交人員代碼, R-PROXY-ADMIN), and
--   selected items never sent have no sender at all: submissions are measured per duty, not per
--   提交人員代碼. Nobody holds the role: no row.
-- * activities_unit: cadre records name the entering unit (訓育組/活動組), not the person, and the
--   staff file folds 訓育組幹事 and 活動組 into one role code, so the unit itself is the "person":
--   role activities_unit, person_code = person_name = the unit, for every unit any cadres row
--   names.
-- * course_counsellor: staff holding the role that term, and every 課程諮詢教師代碼 of the term's
--   consultations.
-- Figures, as of as_of (a record entered, submitted, received or confirmed after it is not there
-- yet; one with no time is taken as there):
-- * roster_verified: enrolled roster rows whose 檢核確認日期 lies inside the term (and not after
--   as_of) / enrolled roster rows (enrolled in the term, metrics.md v2: a graduate's row of the
--   term they graduate in was a student's row of that term and is verified like the others). roster_verification_dates: distinct such dates over the term's
--   roster; the R-ROSTER-VERIFY target (min_per_semester) is met by that count.
-- * grades_entered_rate: NULL until the term has ended (as_of after its last day). Enrolments =
--   for every student enrolled or graduated in the term (a graduate's last-term grades are still
--   due), each credited course section (修課學分 > 0) of the student's class in 開課名冊, plus each 成績名冊 row of the
--   student (electives taught outside the class); entered = a 成績名冊 row with a score.
-- * attendance_entry_lag_days: whole days from 缺勤結束日期 (else 起始日期) to the day of 登錄時間.
-- * cadre_entry_lag_days: whole days from 開始日期 to the day of 登錄時間 (records with no 開始日期
--   are counted in cadre_records but have no lag).
-- * consultations: sessions dated on or before as_of; distinct 諮詢編號 and distinct students.
-- * submitted_on_time_rate: each item of the term submitted on or before as_of counts once, by its
--   first submission (_portfolio_items; a resubmission after a correction is not a late one); on
--   time = national_due - submission date >= R-CHECK-LEAD lead_days of the term's 學年度. NULL when
--   the term's 期程 has no national_due. CLO for the portfolio assistant, MP for the activities head
--   (rules.md 分工). Submitted items the platform export lacks have no term and are not counted.
-- * selected_submitted_rate: live items of the term selected on or before as_of that have a
--   submission on or before as_of / such items.
-- * receipts_confirmed_rate: per kind, (receipt batch, student) pairs with lines received on or
--   before as_of whose receipt_confirmation state is `confirmed` (確認無誤 on or before as_of; a
--   reported error, even resolved, is not a confirmation) / such pairs.
--   A batch belongs to the term of its lines: its 學年度 and the latest 實際修課學期 they name
--   (none named: semester 2, as for MP items). CLO for the registrar head, MP for the activities
--   head (rules.md 分工: 訓育組長 handles MP receipt details).
WITH a AS (SELECT as_of, as_of_end FROM lp_as_of),
t AS (SELECT * FROM _effectiveness_terms),
duty AS (SELECT * FROM _effectiveness_duty),

-- Course teachers: teacher_certification as it is.
course_teacher AS (
    SELECT tc.academic_year, tc.semester, tc.teacher_code AS person_code, tc.teacher_name AS fallback_name,
           tc.median_turnaround_days::DOUBLE AS median_turnaround_days,
           tc.certified_by_due_rate::DOUBLE AS certified_by_due_rate
    FROM teacher_certification tc
    JOIN t USING (academic_year, semester)
    WHERE tc.teacher_code IS NOT NULL
),

-- Homeroom teachers: their class's rates from class_completion.
homeroom AS (
    SELECT h.academic_year, h.semester, h.teacher_code AS person_code,
           any_value(cc.homeroom_teacher_name) AS fallback_name,
           CASE WHEN count(*) = 1 THEN any_value(cc.clo_upload_rate)::DOUBLE
                ELSE sum(cc.clo_uploaders) / nullif(sum(cc.students), 0) END AS clo_upload_rate,
           CASE WHEN count(*) = 1 THEN any_value(cc.mp_upload_rate)::DOUBLE
                ELSE sum(cc.mp_uploaders) / nullif(sum(cc.students), 0) END AS mp_upload_rate
    FROM homerooms h
    JOIN t USING (academic_year, semester)
    LEFT JOIN class_completion cc USING (academic_year, semester, class_name)
    GROUP BY h.academic_year, h.semester, h.teacher_code
),

-- Registrar clerk: roster verification and grades entry, school-wide per term.
roster AS (
    SELECT t.academic_year, t.semester,
           count(e.national_id_hash) FILTER (WHERE e.enrolled AND e.verified_on BETWEEN t.term_start
                                                                   AND least(t.term_end, a.as_of))
               / nullif(count(e.national_id_hash) FILTER (WHERE e.enrolled), 0) AS roster_verified,
           count(DISTINCT e.verified_on) FILTER (WHERE e.verified_on BETWEEN t.term_start
                                                                   AND least(t.term_end, a.as_of))
               ::DOUBLE AS roster_verification_dates
    FROM t
    CROSS JOIN a
    LEFT JOIN _enrolment e USING (academic_year, semester)
    GROUP BY t.academic_year, t.semester
),
completed_term AS (  -- of ended terms only: grades_entered_rate is NULL for the others anyway
    SELECT e.academic_year, e.semester, e.national_id_hash, e.class_name
    FROM _enrolment e
    JOIN t USING (academic_year, semester)
    WHERE e.status IN ('enrolled', 'graduated') AND t.ended
),
-- Enrolments = the student's grade rows, plus the credited sections of the class the student has
-- no grade row for (so each (student, course) once: the grades key is one row per student and
-- course, as the roster's is one per student and term). Entered = grade rows with a score entered
-- by as_of: a scored row is a grade row of the student, so it is always among the enrolments.
-- Counted this way, not as a UNION of both lists: no 1.4-million-row de-duplication for a county.
graded AS (
    SELECT g.academic_year, g.semester,
           count(*) AS enrolments,
           count(*) FILTER (WHERE g.score IS NOT NULL AND (g.entered_at IS NULL OR g.entered_at < a.as_of_end))
               AS entered
    FROM grades g
    JOIN completed_term s USING (academic_year, semester, national_id_hash)
    CROSS JOIN a
    GROUP BY g.academic_year, g.semester
),
credited_sections AS (  -- 修課學分 0 = not credited: no 學期學業成績 is due for it
    SELECT DISTINCT academic_year, semester, class_name, course_code FROM courses WHERE credits > 0
),
ungraded AS (
    SELECT s.academic_year, s.semester, count(*) AS enrolments
    FROM completed_term s
    JOIN credited_sections c USING (academic_year, semester, class_name)
    ANTI JOIN grades g
      ON g.academic_year = s.academic_year AND g.semester = s.semester
     AND g.national_id_hash = s.national_id_hash AND g.course_code = c.course_code
    GROUP BY s.academic_year, s.semester
),
grades_entry AS (
    SELECT t.academic_year, t.semester,
           CASE WHEN t.ended THEN coalesce(g.entered, 0)
                                  / nullif(coalesce(g.enrolments, 0) + coalesce(u.enrolments, 0), 0) END
               AS grades_entered_rate
    FROM t
    LEFT JOIN graded g USING (academic_year, semester)
    LEFT JOIN ungraded u USING (academic_year, semester)
),

-- Discipline clerk: attendance entry lag.
attendance_lag AS (
    SELECT t.academic_year, t.semester,
           quantile_cont((x.entered_at::DATE - coalesce(x.end_date, x.start_date))::DOUBLE, 0.5)
               AS attendance_entry_lag_days
    FROM t
    CROSS JOIN a
    LEFT JOIN attendance x
           ON x.academic_year = t.academic_year AND x.semester = t.semester AND x.entered_at < a.as_of_end
    GROUP BY t.academic_year, t.semester
),

-- Activities units (訓育組, 活動組): cadre records by entering unit.
units AS (SELECT DISTINCT entered_by_unit AS unit FROM cadres WHERE entered_by_unit IS NOT NULL),
cadre_work AS (
    SELECT t.academic_year, t.semester, u.unit AS person_code, u.unit AS fallback_name,
           count(x.entered_at)::DOUBLE AS cadre_records,
           quantile_cont((x.entered_at::DATE - x.start_date)::DOUBLE, 0.5) AS cadre_entry_lag_days
    FROM t
    CROSS JOIN units u
    CROSS JOIN a
    LEFT JOIN cadres x
           ON x.academic_year = t.academic_year AND x.semester = t.semester
          AND x.entered_by_unit = u.unit AND x.entered_at < a.as_of_end
    GROUP BY t.academic_year, t.semester, u.unit
),

-- Course counsellors: consultation sessions and students.
sessions AS (
    SELECT c.academic_year, c.semester, c.counsellor_code, c.session_id, c.national_id_hash
    FROM consultations c CROSS JOIN a
    WHERE c.date <= a.as_of AND (c.entered_at IS NULL OR c.entered_at < a.as_of_end)
),
counsellors AS (
    SELECT academic_year, semester, person_code FROM duty WHERE role = 'course_counsellor'
    UNION
    SELECT academic_year, semester, counsellor_code FROM sessions WHERE counsellor_code IS NOT NULL
),
counselling AS (
    SELECT p.academic_year, p.semester, p.person_code,
           count(DISTINCT s.session_id)::DOUBLE AS consultation_sessions,
           count(DISTINCT s.national_id_hash)::DOUBLE AS students_consulted
    FROM counsellors p
    JOIN t USING (academic_year, semester)
    LEFT JOIN sessions s
           ON s.academic_year = p.academic_year AND s.semester = p.semester
          AND s.counsellor_code = p.person_code
    GROUP BY p.academic_year, p.semester, p.person_code
),

-- Submissions (portfolio assistant: CLO; activities head: MP), per term and kind.
kinds AS (SELECT * FROM (VALUES ('clo', 'portfolio_assistant', 'registrar_head'),
                                ('mp', 'activities_head', 'activities_head'))
          AS k(kind, submitter_role, receipt_role)),
submission_work AS (
    SELECT t.academic_year, t.semester, k.kind,
           CASE WHEN any_value(d.national_due) IS NOT NULL THEN
               count(*) FILTER (WHERE i.submitted AND d.national_due - i.submitted_at::DATE
                                      >= rule_value('R-CHECK-LEAD', 'lead_days', t.academic_year))
               / nullif(count(*) FILTER (WHERE i.submitted), 0) END AS submitted_on_time_rate,
           count(*) FILTER (WHERE i.live AND i.selected AND i.submitted)
               / nullif(count(*) FILTER (WHERE i.live AND i.selected), 0) AS selected_submitted_rate
    FROM t
    CROSS JOIN kinds k
    LEFT JOIN schedule d USING (academic_year, semester)
    LEFT JOIN _portfolio_items i
           ON i.academic_year = t.academic_year AND i.semester = t.semester AND i.kind = k.kind
    GROUP BY t.academic_year, t.semester, k.kind
),

-- Receipt confirmation (registrar head: CLO; activities head: MP), per term and kind.
received AS (
    SELECT r.receipt_batch, r.kind, r.academic_year, r.semester, r.national_id_hash
    FROM receipts r CROSS JOIN a
    WHERE r.received_at < a.as_of_end
),
batch_year AS (
    SELECT receipt_batch, kind, max(academic_year) AS academic_year FROM received GROUP BY ALL
),
batch_term AS (
    SELECT b.receipt_batch, b.kind, b.academic_year, coalesce(max(r.semester), 2) AS semester
    FROM batch_year b
    JOIN received r USING (receipt_batch, kind, academic_year)
    GROUP BY ALL
),
receipt_students AS (
    SELECT DISTINCT b.academic_year, b.semester, r.kind, r.receipt_batch, r.national_id_hash
    FROM received r
    JOIN batch_term b USING (receipt_batch, kind)
),
receipt_work AS (
    SELECT t.academic_year, t.semester, k.kind,
           count(rs.national_id_hash) FILTER (WHERE rc.state = 'confirmed')
               / nullif(count(rs.national_id_hash), 0) AS receipts_confirmed_rate
    FROM t
    CROSS JOIN kinds k
    LEFT JOIN receipt_students rs
           ON rs.academic_year = t.academic_year AND rs.semester = t.semester AND rs.kind = k.kind
    LEFT JOIN receipt_confirmation rc
           ON rc.receipt_batch = rs.receipt_batch AND rc.national_id_hash = rs.national_id_hash
    GROUP BY t.academic_year, t.semester, k.kind
),

-- Every figure in long format: (term, role, person, metric, value).
figures AS (
    SELECT academic_year, semester, 'course_teacher' AS role, person_code, fallback_name,
           'median_turnaround_days' AS metric, median_turnaround_days AS value FROM course_teacher
    UNION ALL SELECT academic_year, semester, 'course_teacher', person_code, fallback_name,
           'certified_by_due_rate', certified_by_due_rate FROM course_teacher
    UNION ALL SELECT academic_year, semester, 'homeroom_teacher', person_code, fallback_name,
           'clo_upload_rate', clo_upload_rate FROM homeroom
    UNION ALL SELECT academic_year, semester, 'homeroom_teacher', person_code, fallback_name,
           'mp_upload_rate', mp_upload_rate FROM homeroom
    UNION ALL SELECT d.academic_year, d.semester, d.role, d.person_code, NULL, m.metric,
           CASE m.metric WHEN 'roster_verified' THEN r.roster_verified
                         WHEN 'roster_verification_dates' THEN r.roster_verification_dates
                         WHEN 'grades_entered_rate' THEN g.grades_entered_rate END
    FROM duty d
    JOIN roster r USING (academic_year, semester)
    JOIN grades_entry g USING (academic_year, semester)
    CROSS JOIN (VALUES ('roster_verified'), ('roster_verification_dates'), ('grades_entered_rate')) m(metric)
    WHERE d.role = 'registrar_clerk'
    UNION ALL SELECT d.academic_year, d.semester, d.role, d.person_code, NULL,
           'attendance_entry_lag_days', l.attendance_entry_lag_days
    FROM duty d JOIN attendance_lag l USING (academic_year, semester)
    WHERE d.role = 'discipline_clerk'
    UNION ALL SELECT academic_year, semester, 'activities_unit', person_code, fallback_name,
           'cadre_records', cadre_records FROM cadre_work
    UNION ALL SELECT academic_year, semester, 'activities_unit', person_code, fallback_name,
           'cadre_entry_lag_days', cadre_entry_lag_days FROM cadre_work
    UNION ALL SELECT academic_year, semester, 'course_counsellor', person_code, NULL,
           'consultation_sessions', consultation_sessions FROM counselling
    UNION ALL SELECT academic_year, semester, 'course_counsellor', person_code, NULL,
           'students_consulted', students_consulted FROM counselling
    UNION ALL SELECT d.academic_year, d.semester, d.role, d.person_code, NULL,
           'submitted_on_time_rate', w.submitted_on_time_rate
    FROM duty d JOIN kinds k ON k.submitter_role = d.role
    JOIN submission_work w ON w.academic_year = d.academic_year AND w.semester = d.semester AND w.kind = k.kind
    UNION ALL SELECT d.academic_year, d.semester, d.role, d.person_code, NULL,
           'selected_submitted_rate', w.selected_submitted_rate
    FROM duty d JOIN kinds k ON k.submitter_role = d.role
    JOIN submission_work w ON w.academic_year = d.academic_year AND w.semester = d.semester AND w.kind = k.kind
    UNION ALL SELECT d.academic_year, d.semester, d.role, d.person_code, NULL,
           'receipts_confirmed_rate', w.receipts_confirmed_rate
    FROM duty d JOIN kinds k ON k.receipt_role = d.role
    JOIN receipt_work w ON w.academic_year = d.academic_year AND w.semester = d.semester AND w.kind = k.kind
),
lead_rule AS (
    SELECT academic_year, value AS lead_days FROM rules_in_force
    WHERE rule_id = 'R-CHECK-LEAD' AND setting = 'lead_days'
)
SELECT
    f.academic_year,
    f.semester,
    f.role,
    f.person_code,
    f.metric,
    coalesce(st.name, f.fallback_name) AS person_name,
    m.unit,
    f.value,
    tg.value AS target,
    f.value >= tg.value AS met,
    replace(m.definition, '{D}', coalesce(CASE WHEN l.lead_days = round(l.lead_days)
                                              THEN l.lead_days::BIGINT::VARCHAR
                                              ELSE l.lead_days::VARCHAR END, 'D')) AS definition,
    replace(m.definition_en, '{D}', coalesce(CASE WHEN l.lead_days = round(l.lead_days)
                                                 THEN l.lead_days::BIGINT::VARCHAR
                                                 ELSE l.lead_days::VARCHAR END, 'D')) AS definition_en,
    m.rule_id,
    m.metric_order
FROM figures f
JOIN _effectiveness_metrics m USING (role, metric)
LEFT JOIN staff st ON st.teacher_code = f.person_code
LEFT JOIN rules_in_force tg
       ON tg.academic_year = f.academic_year AND tg.rule_id = m.target_rule AND tg.setting = m.target_setting
LEFT JOIN lead_rule l ON l.academic_year = f.academic_year
ORDER BY f.academic_year, f.semester, m.metric_order, f.person_code, f.role, f.metric
