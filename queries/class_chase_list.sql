-- grain: academic_year, semester, national_id_hash
-- owner: homeroom_teacher
-- meaning: Each enrolled student of each term and what is still missing as of the as-of date: an upload (no live CLO or MP item), a selection (勾選), items waiting for certification, rejected items to upload again (the homeroom teacher's chase list).
-- order: academic_year, semester, class_name, seat_no, student_no, national_id_hash
-- One row per enrolled student (the same students as student_uploads and class_completion), not per
-- item: the teacher chases a person, and a printed list needs one line each. `needs_action` says
-- whether anything is missing; the dashboard lists those rows, in seat order (R-NO-FORCE:
-- participation only, never a ranking), so rows come ordered by class, seat, student number.
-- to_upload: kinds ('clo', 'mp') with no live item of the term (an MP item with no 學期 counts in
-- semester 2, as in class_completion).
-- to_select: 'clo' when the student has a certified live CLO item of the term, none of the term's
-- selected, and fewer selected in the 學年度 than R-CLO-SUBMIT-MAX (only certified items can be
-- selected, R-CLO-CERT; a student at the year's quota has nothing left to select); 'mp' likewise
-- with any live MP item of the term and R-MP-SUBMIT-MAX. Selection is counted on live items, as
-- class_completion.clo_selected is.
-- to_reupload: courses whose newest live CLO item of the term (by upload time, then item_id) is
-- rejected: an item rejected and then uploaded again is no longer missing, whatever the new one's
-- state. reupload_courses names them (course name, else code) in course-code order.
-- clo_pending: live CLO items of the term waiting for the course teacher (nothing the student can
-- do; the homeroom teacher may remind the teacher, whom the dashboard's backlog table names).
-- The students and their live items of the term are student_uploads' (the same enrolled students and
-- counts as class_completion); this view adds what they are in.
WITH clo AS (
    SELECT academic_year, semester, national_id_hash,
           count(*) FILTER (WHERE cert_state = 'certified') AS clo_certified,
           count(*) FILTER (WHERE cert_state = 'pending') AS clo_pending,
           count(*) FILTER (WHERE cert_state = 'rejected') AS clo_rejected,
           count(*) FILTER (WHERE selected) AS clo_selected
    FROM _clo_items
    WHERE live
    GROUP BY academic_year, semester, national_id_hash
),
clo_year AS (
    SELECT academic_year, national_id_hash, count(*) FILTER (WHERE selected) AS clo_selected_year
    FROM _clo_items
    WHERE live
    GROUP BY academic_year, national_id_hash
),
mp AS (
    SELECT academic_year, semester, national_id_hash,
           count(*) FILTER (WHERE selected) AS mp_selected
    FROM _mp_items
    WHERE live
    GROUP BY academic_year, semester, national_id_hash
),
mp_year AS (
    SELECT academic_year, national_id_hash, count(*) FILTER (WHERE selected) AS mp_selected_year
    FROM _mp_items
    WHERE live
    GROUP BY academic_year, national_id_hash
),
newest_per_course AS (
    SELECT academic_year, semester, national_id_hash, course_code, course_name, cert_state,
           row_number() OVER (PARTITION BY academic_year, semester, national_id_hash, course_code
                              ORDER BY uploaded_at DESC, item_id DESC) AS nth
    FROM _clo_items
    WHERE live
),
reupload AS (
    SELECT academic_year, semester, national_id_hash,
           count(*) AS to_reupload,
           string_agg(coalesce(course_name, course_code), '、' ORDER BY course_code) AS reupload_courses
    FROM newest_per_course
    WHERE nth = 1 AND cert_state = 'rejected'
    GROUP BY academic_year, semester, national_id_hash
),
students AS (
    SELECT
        e.academic_year,
        e.semester,
        e.national_id_hash,
        e.class_name,
        e.grade,
        e.seat_no,
        e.student_no,
        e.name,
        e.clo_items,
        coalesce(clo.clo_certified, 0) AS clo_certified,
        coalesce(clo.clo_pending, 0) AS clo_pending,
        coalesce(clo.clo_rejected, 0) AS clo_rejected,
        coalesce(clo.clo_selected, 0) AS clo_selected,
        coalesce(cy.clo_selected_year, 0) AS clo_selected_year,
        floor(rule_value('R-CLO-SUBMIT-MAX', 'max_per_year', e.academic_year))::BIGINT AS clo_select_max,
        e.mp_items,
        coalesce(mp.mp_selected, 0) AS mp_selected,
        coalesce(my.mp_selected_year, 0) AS mp_selected_year,
        floor(rule_value('R-MP-SUBMIT-MAX', 'max_per_year', e.academic_year))::BIGINT AS mp_select_max,
        coalesce(r.to_reupload, 0) AS to_reupload,
        r.reupload_courses
    FROM student_uploads e
    LEFT JOIN clo USING (academic_year, semester, national_id_hash)
    LEFT JOIN clo_year cy USING (academic_year, national_id_hash)
    LEFT JOIN mp USING (academic_year, semester, national_id_hash)
    LEFT JOIN mp_year my USING (academic_year, national_id_hash)
    LEFT JOIN reupload r USING (academic_year, semester, national_id_hash)
),
flags AS (
    SELECT s.*,
           list_filter([CASE WHEN s.clo_items = 0 THEN 'clo' END,
                        CASE WHEN s.mp_items = 0 THEN 'mp' END], lambda k: k IS NOT NULL) AS to_upload,
           list_filter([CASE WHEN s.clo_certified > 0 AND s.clo_selected = 0
                                  AND s.clo_selected_year < coalesce(s.clo_select_max, 0) THEN 'clo' END,
                        CASE WHEN s.mp_items > 0 AND s.mp_selected = 0
                                  AND s.mp_selected_year < coalesce(s.mp_select_max, 0) THEN 'mp' END],
                       lambda k: k IS NOT NULL) AS to_select
    FROM students s
)
SELECT
    academic_year,
    semester,
    national_id_hash,
    class_name,
    grade,
    seat_no,
    student_no,
    name,
    to_upload,
    to_select,
    clo_pending,
    to_reupload,
    reupload_courses,
    len(to_upload) > 0 OR len(to_select) > 0 OR clo_pending > 0 OR to_reupload > 0 AS needs_action,
    clo_items,
    clo_certified,
    clo_rejected,
    clo_selected,
    clo_selected_year,
    clo_select_max,
    mp_items,
    mp_selected,
    mp_selected_year,
    mp_select_max
FROM flags
ORDER BY academic_year, semester, class_name, seat_no NULLS LAST, student_no, national_id_hash
