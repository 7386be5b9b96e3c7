-- grain: rule_id, academic_year, semester
-- owner: academic_director
-- meaning: The rules about people: graduates' data past its seal, proxies for administrators and for teachers who left, and paper mail to students who left.
-- Private part of `compliance` (which adds each rule's title and owner); columns: setting, status,
-- evidence. One definition per figure: who is due for deletion is `retention`'s, who needs a proxy
-- is `certification_backlog`'s, who needs a letter is `receipt_confirmation`'s.
-- Decisions the spec leaves open:
-- * R-RETENTION and R-PROXY-ADMIN judge the state on the as-of date (staff have no history, and a
--   purge leaves no trace of earlier years): one row, for the academic year holding as_of,
--   semester NULL. Records can only show data kept too long, never data deleted too early.
-- * R-RETENTION fails while any graduate `retention` marks due_for_deletion is still held (its seal
--   is the rule of the graduation year; the seal_until day is still sealed).
-- * R-PROXY-ADMIN: the chain is 協行教師 → 註冊組長 → 註冊組幹事. It holds while someone in it is
--   active: an inactive member is covered by any active member of the chain, or by a proxy of
--   record in force (`proxies`) not known to be inactive. Nobody in the staff list holding a role
--   of the chain fails.
-- * R-PROXY-TEACHER (per term of the item, as of as_of): no pending item of certification_backlog
--   with needs_proxy (its teacher no longer active, no proxy in force). A teacher missing from the
--   staff list counts as active there, so it never fails this rule.
-- * With no proxies file loaded, an uncovered case is 'unknown' (a proxy may exist unrecorded).
-- * R-LEFT-MAIL (per 學年度 of the receipt batches received by as_of): the mail list itself is
--   computed by the workbench (receipt_confirmation.mail_needed), so with the receipts, the
--   confirmations of each batch and a roster of a started term loaded the rule passes, and the
--   evidence counts who must get a letter; any of them missing: 'unknown'.
-- * Student counts under P-SMALL-CELL read "fewer than N" (lp_small_cell, _macros.sql): the task force sees this evidence.
WITH a AS (
    SELECT
        as_of, as_of_end,
        -- the 學年度 holding as_of: Aug-Jul
        year(as_of) - 1911 - CASE WHEN month(as_of) < 8 THEN 1 ELSE 0 END AS as_of_year
    FROM lp_as_of
),
periods AS (SELECT * FROM _compliance_periods),
settings AS (SELECT * FROM _compliance_settings),
as_of_settings AS (  -- the settings in force in the 學年度 holding as_of
    SELECT s.* FROM settings s JOIN a ON s.academic_year = a.as_of_year
),
-- A kind counts as loaded once any file of it was ingested.
loaded AS (
    SELECT
        count(*) FILTER (kind = 'students') > 0 AS students,
        count(*) FILTER (kind = 'staff') > 0 AS staff,
        count(*) FILTER (kind = 'proxies') > 0 AS proxies
    FROM snapshots
),

-- ---------------------------------------------------------------------------------------------
-- R-RETENTION: no graduate held past the seal period.
held AS (
    SELECT
        count(*) AS graduates,
        count(*) FILTER (r.state = 'due_for_deletion') AS due,
        max(r.graduated_on) FILTER (r.state = 'due_for_deletion') AS last_due_graduation,
        max(r.seal_until) FILTER (r.state = 'due_for_deletion') AS last_due_seal,
        min(r.seal_until) AS first_seal,
        string_agg(DISTINCT format('{:g}', r.seal_years), '/') AS seal_years
    FROM retention r
    CROSS JOIN a
    WHERE r.graduated_on <= a.as_of  -- graduated by the as-of date
),
retention_decided AS (
    SELECT
        'R-RETENTION' AS rule_id, a.as_of_year AS academic_year, NULL::BIGINT AS semester,
        'graduates deleted only after a seal of ' || coalesce(h.seal_years, format('{:g}', k.seal_years))
            || if(coalesce(h.seal_years, format('{:g}', k.seal_years)) = '1', ' year', ' years')
            || ' from graduation (the rule of their graduation year)' AS setting,
        CASE WHEN NOT l.students THEN 'unknown'
             WHEN h.due > 0 THEN 'fail'
             ELSE 'pass' END AS status,
        CASE WHEN NOT l.students THEN 'no roster loaded'
             WHEN h.due > 0 THEN
                 lp_small_cell(h.due, k.small_cell)
                 || ' graduates past the seal still held (graduated on or before ' || h.last_due_graduation
                 || ', sealed until ' || h.last_due_seal || ' at the latest)'
             WHEN h.graduates = 0 THEN 'no graduate in the roster'
             ELSE lp_small_cell(h.graduates, k.small_cell)
                  || ' graduates held, all within the seal (the first seal ends ' || h.first_seal || ')' END
            AS evidence,
        CASE WHEN NOT l.students THEN '未載入學生名冊'
             WHEN h.due > 0 THEN
                 '已過封存期仍保存的畢業生 ' || lp_small_cell_zh(h.due, k.small_cell)
                 || '（於 ' || h.last_due_graduation || ' 或之前畢業，封存期最晚至 ' || h.last_due_seal || '）'
             WHEN h.graduates = 0 THEN '名冊中沒有畢業生'
             ELSE '保存中的畢業生 ' || lp_small_cell_zh(h.graduates, k.small_cell)
                  || '，均在封存期內（最早的封存期至 ' || h.first_seal || ' 屆滿）' END
            AS evidence_zh
    FROM a
    CROSS JOIN loaded l
    CROSS JOIN held h
    JOIN as_of_settings k ON k.seal_years IS NOT NULL  -- the rule in force
),

-- ---------------------------------------------------------------------------------------------
-- R-PROXY-ADMIN: someone active in the proxy chain of the administrators.
-- role_zh: the contract's Chinese name of the role (ROLES), as evidence_zh writes it
chain (role, step, role_zh) AS (
    VALUES ('portfolio_assistant', 1, '學習歷程檔案協行教師'), ('registrar_head', 2, '註冊組長'),
           ('registrar_clerk', 3, '註冊組幹事')
),
chain_members AS (
    SELECT
        st.teacher_code,
        min(c.step) AS step,
        string_agg(c.role, '/' ORDER BY c.step) AS chain_roles,
        string_agg(c.role_zh, '／' ORDER BY c.step) AS chain_roles_zh,
        any_value(st.active) AS active,
        any_value(st.inactive_since) AS inactive_since,
        any_value(st.proxy_code) AS proxy_code,
        -- a proxy of record counts unless the staff list shows them inactive too
        any_value(st.proxy_code IS NOT NULL AND coalesce(px.active, true)) AS has_proxy
    FROM _staff_status st
    JOIN chain c ON list_contains(st.roles, c.role)
    LEFT JOIN _staff_status px ON px.teacher_code = st.proxy_code
    GROUP BY st.teacher_code
),
chain_summary AS (
    SELECT
        count(*) AS members,
        count(*) FILTER (active) AS active_members,
        count(*) FILTER (NOT active AND NOT has_proxy) AS inactive_without_proxy,
        string_agg(teacher_code || ' (' || chain_roles || ')', ', ' ORDER BY step, teacher_code)
            FILTER (active) AS active_list,
        string_agg(teacher_code || ' (' || chain_roles || ') since ' || inactive_since
                   || CASE WHEN has_proxy THEN ', proxy ' || proxy_code ELSE ', no proxy in force' END,
                   ', ' ORDER BY step, teacher_code) FILTER (NOT active) AS inactive_list,
        string_agg(teacher_code || '（' || chain_roles_zh || '）', '、' ORDER BY step, teacher_code)
            FILTER (active) AS active_list_zh,
        string_agg(teacher_code || '（' || chain_roles_zh || '）自 ' || inactive_since || ' 起離職或停用'
                   || CASE WHEN has_proxy THEN '，代理人 ' || proxy_code ELSE '，尚無有效代理人' END,
                   '、' ORDER BY step, teacher_code) FILTER (NOT active) AS inactive_list_zh
    FROM chain_members
),
proxy_admin_decided AS (
    SELECT
        'R-PROXY-ADMIN' AS rule_id, a.as_of_year AS academic_year, NULL::BIGINT AS semester,
        'proxy order portfolio_assistant → registrar_head → registrar_clerk, someone in it active' AS setting,
        CASE WHEN NOT l.staff THEN 'unknown'
             WHEN c.members = 0 THEN 'fail'
             WHEN c.active_members > 0 OR c.inactive_without_proxy = 0 THEN 'pass'
             WHEN NOT l.proxies THEN 'unknown'
             ELSE 'fail' END AS status,
        CASE WHEN NOT l.staff THEN 'no staff file loaded'
             WHEN c.members = 0 THEN 'no one in the staff list is portfolio_assistant, registrar_head or registrar_clerk'
             ELSE concat_ws('; ',
                      coalesce('active: ' || c.active_list, 'no one in the chain active'),
                      'inactive: ' || c.inactive_list,
                      CASE WHEN c.active_members = 0 AND c.inactive_without_proxy > 0 AND NOT l.proxies
                           THEN 'no proxies file loaded' END) END AS evidence,
        CASE WHEN NOT l.staff THEN '未載入教職員檔'
             WHEN c.members = 0 THEN '教職員名單中沒有學習歷程檔案協行教師、註冊組長或註冊組幹事'
             ELSE concat_ws('；',
                      coalesce('在職：' || c.active_list_zh, '代理順位中無人在職'),
                      '不在職：' || c.inactive_list_zh,
                      CASE WHEN c.active_members = 0 AND c.inactive_without_proxy > 0 AND NOT l.proxies
                           THEN '未載入代理人檔' END) END AS evidence_zh
    FROM a
    CROSS JOIN loaded l
    CROSS JOIN chain_summary c
),

-- ---------------------------------------------------------------------------------------------
-- R-PROXY-TEACHER: every pending item of a teacher no longer active has a proxy in force.
stranded AS (  -- certification_backlog's items whose teacher is no longer active, per teacher
    SELECT
        academic_year, semester, teacher_code,
        any_value(assignee_code) AS proxy_code,  -- the proxy in force, if any
        bool_or(needs_proxy) AS needs_proxy,
        count(*) AS items
    FROM certification_backlog
    WHERE NOT teacher_active
    GROUP BY ALL
),
stranded_summary AS (
    SELECT
        academic_year, semester,
        sum(items) AS items,
        coalesce(sum(items) FILTER (needs_proxy), 0) AS uncovered,
        lp_first_3(list(teacher_code || ' (' || items || ')' ORDER BY items DESC, teacher_code) FILTER (needs_proxy))
            AS uncovered_teachers,
        lp_first_3(list(teacher_code || '→' || proxy_code ORDER BY teacher_code) FILTER (NOT needs_proxy))
            AS covered_teachers,
        lp_first_3(list(teacher_code || '（' || items || ' 件）' ORDER BY items DESC, teacher_code) FILTER (needs_proxy))
            AS uncovered_teachers_zh
    FROM stranded
    GROUP BY ALL
),
proxy_teacher_decided AS (
    SELECT
        'R-PROXY-TEACHER' AS rule_id, p.academic_year, p.semester,
        'every pending CLO of a teacher no longer active has a proxy in force' AS setting,
        CASE WHEN NOT p.clo_loaded OR NOT l.staff THEN 'unknown'
             WHEN coalesce(s.uncovered, 0) = 0 THEN 'pass'
             WHEN NOT l.proxies THEN 'unknown'
             ELSE 'fail' END AS status,
        CASE WHEN NOT p.clo_loaded THEN 'no CLO file of ' || p.period || ' loaded'
             WHEN NOT l.staff THEN 'no staff file loaded'
             WHEN coalesce(s.items, 0) = 0 THEN 'no pending item of a teacher no longer active'
             WHEN s.uncovered = 0 THEN s.items || ' pending item' || if(s.items = 1, '', 's')
                                       || ' of teachers no longer active, all with a proxy: ' || s.covered_teachers
             ELSE s.uncovered || ' pending item' || if(s.uncovered = 1, '', 's')
                  || ' of teachers no longer active without a proxy in force: ' || s.uncovered_teachers
                  || CASE WHEN NOT l.proxies THEN '; no proxies file loaded' ELSE '' END END AS evidence,
        CASE WHEN NOT p.clo_loaded THEN '未載入 ' || p.period_zh || '課程學習成果檔'
             WHEN NOT l.staff THEN '未載入教職員檔'
             WHEN coalesce(s.items, 0) = 0 THEN '沒有離職教師的待認證成果'
             WHEN s.uncovered = 0 THEN '離職教師的待認證成果 ' || s.items || ' 件，均已有代理人：' || s.covered_teachers
             ELSE '離職教師的待認證成果中，' || s.uncovered || ' 件尚無有效代理人：' || s.uncovered_teachers_zh
                  || CASE WHEN NOT l.proxies THEN '；未載入代理人檔' ELSE '' END END AS evidence_zh
    FROM periods p
    CROSS JOIN loaded l
    LEFT JOIN stranded_summary s ON s.academic_year = p.academic_year AND s.semester = p.semester
    WHERE p.period_noun = 'term'
),

-- ---------------------------------------------------------------------------------------------
-- R-LEFT-MAIL: students who left with unconfirmed receipt details, for the paper-mail list.
receipt_batches AS (  -- batches received by as_of, with their 學年度
    SELECT r.receipt_batch, min(r.academic_year) AS academic_year
    FROM receipts r
    CROSS JOIN a
    GROUP BY r.receipt_batch
    HAVING min(r.received_at) < any_value(a.as_of_end)
),
batch_state AS (
    SELECT b.*, c.part IS NOT NULL AS confirmations_loaded
    FROM receipt_batches b
    LEFT JOIN (SELECT DISTINCT part FROM current_snapshots WHERE kind = 'confirmations') c
        ON c.part = b.receipt_batch
),
mail_list AS (  -- paper_mail's students (one letter each) with a batch of the 學年度 to write about
    SELECT
        b.academic_year,
        count(DISTINCT pm.national_id_hash) AS students,
        count(*) FILTER (rc.mail_needed IS NULL) AS enrolment_unknown,
        -- Left unconfirmed, but the batch's confirmation period has closed: no letter is due any more
        -- (metrics v2), and the evidence must not read as if nobody had been left unconfirmed.
        count(DISTINCT rc.national_id_hash) FILTER (rc.state = 'unconfirmed' AND NOT rc.enrolled AND rc.period_closed)
            AS closed_unconfirmed
    FROM receipt_confirmation rc
    JOIN receipt_batches b USING (receipt_batch)
    LEFT JOIN paper_mail pm ON rc.mail_needed AND pm.national_id_hash = rc.national_id_hash
    GROUP BY b.academic_year
),
mail_years AS (
    SELECT
        p.academic_year, p.semester,
        count(DISTINCT b.receipt_batch) AS batches,
        array_to_string(list(DISTINCT b.receipt_batch ORDER BY b.receipt_batch) FILTER (b.receipt_batch IS NOT NULL), ', ')
            AS batch_list,
        array_to_string(list(DISTINCT b.receipt_batch ORDER BY b.receipt_batch) FILTER (NOT b.confirmations_loaded), ', ')
            AS unconfirmed_batches,
        coalesce(any_value(m.students), 0) AS students,
        coalesce(any_value(m.enrolment_unknown), 0) AS enrolment_unknown,
        coalesce(any_value(m.closed_unconfirmed), 0) AS closed_unconfirmed
    FROM periods p
    LEFT JOIN batch_state b ON b.academic_year = p.academic_year
    LEFT JOIN mail_list m ON m.academic_year = p.academic_year
    WHERE p.period_noun = 'year'
    GROUP BY p.academic_year, p.semester
),
left_mail_decided AS (
    SELECT
        'R-LEFT-MAIL' AS rule_id, m.academic_year, m.semester,
        'every unconfirmed receipt of a student no longer enrolled on the mail list' AS setting,
        CASE WHEN NOT l.students OR m.batches = 0 OR coalesce(m.unconfirmed_batches, '') <> ''
                  OR m.enrolment_unknown > 0 THEN 'unknown'
             ELSE 'pass' END AS status,
        CASE WHEN NOT l.students THEN 'no roster loaded'
             WHEN m.batches = 0 THEN 'no receipt batch of ' || m.academic_year || ' loaded'
             WHEN coalesce(m.unconfirmed_batches, '') <> ''
                  THEN 'no confirmations of batch ' || m.unconfirmed_batches || ' loaded'
             WHEN m.enrolment_unknown > 0 THEN 'enrolment unknown: no roster of a term started by the as-of date'
             WHEN m.students = 0 AND m.closed_unconfirmed > 0
                  THEN 'no letter due: the confirmation period has closed for the '
                       || lp_small_cell(m.closed_unconfirmed, k.small_cell)
                       || ' students no longer enrolled with unconfirmed receipts (batches ' || m.batch_list || ')'
             WHEN m.students = 0 THEN 'no student who left has an unconfirmed receipt (batches ' || m.batch_list || ')'
             ELSE lp_small_cell(m.students, k.small_cell)
                  || ' students no longer enrolled with unconfirmed receipts (batches ' || m.batch_list
                  || '): on the mail list (receipt_confirmation.mail_needed)' END AS evidence,
        CASE WHEN NOT l.students THEN '未載入學生名冊'
             WHEN m.batches = 0 THEN '未載入 ' || m.academic_year || ' 學年度的收訖明細'
             WHEN coalesce(m.unconfirmed_batches, '') <> ''
                  THEN '未載入批次 ' || m.unconfirmed_batches || ' 的收訖確認'
             WHEN m.enrolment_unknown > 0 THEN '在學狀態不明：未載入資料日期前已開始之學期的學生名冊'
             WHEN m.students = 0 AND m.closed_unconfirmed > 0
                  THEN '無需寄發：已不在學且未確認收訖的學生 ' || lp_small_cell_zh(m.closed_unconfirmed, k.small_cell)
                       || '，其收訖確認期間已結束（批次 ' || m.batch_list || '）'
             WHEN m.students = 0 THEN '沒有已離校且未確認收訖的學生（批次 ' || m.batch_list || '）'
             ELSE '已不在學且未確認收訖的學生 ' || lp_small_cell_zh(m.students, k.small_cell)
                  || '（批次 ' || m.batch_list || '）：已列入紙本通知名單' END AS evidence_zh
    FROM mail_years m
    CROSS JOIN loaded l
    JOIN settings k ON k.academic_year = m.academic_year
)

SELECT * FROM retention_decided
UNION ALL SELECT * FROM proxy_admin_decided
UNION ALL SELECT * FROM proxy_teacher_decided
UNION ALL SELECT * FROM left_mail_decided
