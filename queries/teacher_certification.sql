-- grain: academic_year, semester, teacher_code
-- owner: course_teacher
-- meaning: Each course teacher's certification work of each term as of the as-of date: items waiting and overdue, items certified and rejected, the median turnaround, and the share decided by the certification due date.
-- Counts every live CLO item of the teacher's courses whoever uploaded it: a student who left still
-- had their work certified. The teacher is _clo_items' (the item's 任課教師代碼, else the course's).
-- Which teachers: everyone teaching a course in the term (a teacher with no items shows zeros and
-- NULL figures), plus every teacher of a live item of the term. Items whose teacher is unknown (no
-- code in the row nor in courses) are kept in one row with teacher_code NULL, so nothing vanishes.
-- pending / overdue / oldest_waiting_days: items not decided on or before as_of; overdue once
-- as_of > clo_certify_due. No 期程 for the term: overdue is NULL (unknown, not 0).
-- median_turnaround_days: decided_at - uploaded_at in fractional days (epoch seconds / 86400.0),
-- over items certified or rejected on or before as_of. A decision the export gives no time for
-- counts as certified/rejected but has no turnaround, and is not "by the due date" (nothing shows it).
-- certified_by_due_rate = decided_by_due / items_uploaded_by_due, where items_uploaded_by_due are the
-- live items uploaded on or before clo_upload_due, and decided_by_due are THOSE items certified or
-- rejected on or before clo_certify_due (and on or before as_of). The numerator is restricted to the
-- denominator's items so the rate stays a fraction in [0, 1]: a late upload is neither held against
-- nor credited to the teacher. Before the due date the rate shows progress so far. NULL when the
-- denominator is 0 or the term's 期程 lacks either due date.
-- teacher_name: the staff list's, else the name the course list prints for that code (newest term).
WITH a AS (SELECT as_of FROM lp_as_of),
live_items AS (
    SELECT i.academic_year, i.semester, i.teacher_code, i.cert_state,
           date_diff('day', i.uploaded_at::DATE, a.as_of) AS waiting_days,
           a.as_of > s.clo_certify_due AS past_certify_due,
           (epoch(i.decided_at) - epoch(i.uploaded_at)) / 86400.0 AS turnaround_days,
           i.uploaded_at < s.clo_upload_due + INTERVAL 1 DAY AS uploaded_by_due,
           i.cert_state IN ('certified', 'rejected')
               AND i.decided_at < s.clo_certify_due + INTERVAL 1 DAY AS decided_by_due
    FROM _clo_items i
    CROSS JOIN a
    LEFT JOIN schedule s USING (academic_year, semester)
    WHERE i.live
),
teacher_terms AS (  -- the live items read once (live_items), not _clo_items a second time
    SELECT academic_year, semester, teacher_code FROM courses
    UNION
    SELECT academic_year, semester, teacher_code FROM live_items
),
per_teacher AS (
    SELECT academic_year, semester, teacher_code,
           count(*) AS items,
           count(*) FILTER (WHERE cert_state = 'pending') AS pending,
           count(*) FILTER (WHERE cert_state = 'pending' AND past_certify_due) AS overdue_if_known,
           max(waiting_days) FILTER (WHERE cert_state = 'pending') AS oldest_waiting_days,
           count(*) FILTER (WHERE cert_state = 'certified') AS certified,
           count(*) FILTER (WHERE cert_state = 'rejected') AS rejected,
           median(turnaround_days) FILTER (WHERE cert_state IN ('certified', 'rejected'))
               AS median_turnaround_days,
           count(*) FILTER (WHERE uploaded_by_due) AS uploaded_by_due_if_known,
           count(*) FILTER (WHERE uploaded_by_due AND decided_by_due) AS decided_by_due_if_known
    FROM live_items
    GROUP BY academic_year, semester, teacher_code
),
names_in_courses AS (
    SELECT teacher_code,
           first(teacher_name ORDER BY academic_year DESC, semester DESC, teacher_name) AS teacher_name
    FROM courses
    WHERE teacher_name IS NOT NULL
    GROUP BY teacher_code
)
SELECT
    t.academic_year,
    t.semester,
    t.teacher_code,
    coalesce(st.name, nc.teacher_name) AS teacher_name,
    CASE WHEN t.teacher_code IS NOT NULL THEN coalesce(st.active, true) END AS teacher_active,
    coalesce(p.items, 0) AS items,
    coalesce(p.pending, 0) AS pending,
    CASE WHEN d.clo_certify_due IS NOT NULL THEN coalesce(p.overdue_if_known, 0) END AS overdue,
    p.oldest_waiting_days,
    coalesce(p.certified, 0) AS certified,
    coalesce(p.rejected, 0) AS rejected,
    p.median_turnaround_days,
    CASE WHEN d.clo_upload_due IS NOT NULL THEN coalesce(p.uploaded_by_due_if_known, 0) END
        AS items_uploaded_by_due,
    CASE WHEN d.clo_upload_due IS NOT NULL AND d.clo_certify_due IS NOT NULL
         THEN coalesce(p.decided_by_due_if_known, 0) END AS decided_by_due,
    CASE WHEN d.clo_upload_due IS NOT NULL AND d.clo_certify_due IS NOT NULL
         THEN p.decided_by_due_if_known / nullif(p.uploaded_by_due_if_known, 0) END
        AS certified_by_due_rate,
    d.clo_upload_due AS upload_due,
    d.clo_certify_due AS certify_due
FROM teacher_terms t
LEFT JOIN per_teacher p
    ON p.academic_year = t.academic_year AND p.semester = t.semester
   AND p.teacher_code IS NOT DISTINCT FROM t.teacher_code
LEFT JOIN schedule d ON d.academic_year = t.academic_year AND d.semester = t.semester
LEFT JOIN _staff_status st ON st.teacher_code = t.teacher_code
LEFT JOIN names_in_courses nc ON nc.teacher_code = t.teacher_code
ORDER BY academic_year, semester, teacher_code
