-- grain: kind, item_id, receipt_batch, receipt_file, receipt_line
-- owner: registrar_head
-- meaning: The rows of reconciliation someone must act on: selected but not submitted, submitted but not received, received but never submitted, or submitted while not certified.
-- order: kind, academic_year, class_name, student_no, item_id, receipt_batch, receipt_file, receipt_line
-- Every column of reconciliation, its rows filtered: state selected_not_submitted,
-- submitted_not_received or received_not_submitted, or submitted_uncertified (in any state).
-- awaiting_receipt is no discrepancy (the receipt batch has not come back yet), nor is received.
-- Added: `national_due` (the row's term in the schedule) and `to_act_on`: false only for an item
-- selected but not submitted while the term's national_due has not passed (as_of <= national_due,
-- or no national_due): it is still to submit, not late (reconciliation_actions counts the same).
-- `explanation_zh`: the explanation in Traditional Chinese, one sentence per English template.
-- The English text is reconciliation's; which template it is, and the few figures only it holds
-- (line counts, a summary, a date, an item id), are read back from it, every other value from the
-- row's columns, so the two always say the same. A text no template here knows gives NULL
-- (tests/queries/test_reconciliation_rollups.py fails on that over the demo school).
WITH a AS (SELECT as_of FROM lp_as_of),
d AS (
    SELECT r.*,
           s.national_due,
           NOT (r.state = 'selected_not_submitted' AND NOT coalesce(a.as_of > s.national_due, false)) AS to_act_on,
           a.as_of,
           CASE r.kind WHEN 'clo' THEN '課程學習成果' WHEN 'mp' THEN '多元表現' ELSE r.kind END AS k_zh,
           CASE r.kind WHEN 'clo' THEN '課程代碼' ELSE '類別與名稱' END AS subject_zh,
           CASE r.kind WHEN 'clo' THEN '課程代碼與簡述' ELSE '類別、名稱與簡述' END AS key_zh
    FROM reconciliation r
    CROSS JOIN a
    LEFT JOIN schedule s ON s.academic_year = r.academic_year AND s.semester = r.semester
    WHERE r.state IN ('selected_not_submitted', 'submitted_not_received', 'received_not_submitted')
       OR r.submitted_uncertified
),
-- The row's kind and year as staff say it ("114 學年度課程學習成果"), and its submission.
w AS (
    SELECT d.*,
           coalesce(d.academic_year::VARCHAR || ' 學年度', '') || d.k_zh AS ky_zh,
           -- The term the English names ("for CLO 114-2": a CLO semester), else the row's year.
           coalesce(nullif(regexp_extract(d.explanation, 'for (?:CLO|MP) (\d+)', 1), '') || ' 學年度'
                    || coalesce('第 ' || nullif(regexp_extract(d.explanation, 'for (?:CLO|MP) \d+-(\d)', 1), '')
                                || ' 學期', ''),
                    coalesce(d.academic_year::VARCHAR || ' 學年度', '')) || d.k_zh AS kt_zh,
           strftime(d.submitted_at, '%Y-%m-%d') || ' 於提交批次 ' || d.batch_id || ' 提交'
           || CASE WHEN d.explanation LIKE '%a workbook row that matches no item%'
                   THEN '（國教署上傳檔中的一列，平臺的' || d.k_zh || '匯出檔中沒有對應項目）' ELSE '' END AS sw_zh
    FROM d
)
SELECT
    * EXCLUDE (as_of, k_zh, subject_zh, key_zh, ky_zh, kt_zh, sw_zh),
    CASE
        WHEN explanation IS NULL THEN NULL
        WHEN state = 'selected_not_submitted' THEN
            '已' || coalesce('於 ' || strftime(selected_at, '%Y-%m-%d') || ' ', '') || '在平臺勾選，但截至 '
            || as_of || ' 未列入任何提交批次。'
        WHEN state = 'received' THEN sw_zh || '；有一筆收訖明細與它相符。'
        WHEN state = 'awaiting_receipt' AND explanation LIKE '%is not in the platform%' THEN
            sw_zh || '，但平臺的' || k_zh || '匯出檔中沒有此項目；此後尚無' || k_zh || '的收訖批次回傳。'
        -- The batches of its year (or term) came back before it was sent (reconciliation v2 says so of
        -- an item awaiting its receipt; v1 of one not received: "may not have").
        WHEN explanation LIKE '%came back before it was sent%' THEN
            sw_zh || '；目前已載入的 ' || kt_zh || '收訖批次都在它提交之前回傳（最新一筆 '
            || regexp_extract(explanation, 'newest line (\d{4}-\d{2}-\d{2})', 1) || '），它的收訖'
            || CASE WHEN explanation LIKE '%may not have come back%' THEN '可能' ELSE '' END || '尚未回傳。'
        WHEN state = 'awaiting_receipt' THEN sw_zh || '；此後尚無 ' || kt_zh || '的收訖批次回傳。'
        WHEN state = 'submitted_not_received' AND explanation LIKE '%is not in the platform%' THEN
            sw_zh || '，但平臺的' || k_zh || '匯出檔中沒有此項目，無法比對收訖明細。'
        WHEN state = 'submitted_not_received' AND regexp_matches(explanation, '; the \d+ receipt line\(s\) with its ') THEN
            sw_zh || '；' || key_zh || '相同的 ' || regexp_extract(explanation, '; the (\d+) receipt line', 1)
            || ' 筆收訖明細已對應到較早提交的項目。'
        WHEN state = 'submitted_not_received' AND regexp_matches(explanation, 'no receipt line matches it, but \d+ unmatched') THEN
            sw_zh || '；沒有收訖明細與它相符，但有 ' || regexp_extract(explanation, 'but (\d+) unmatched', 1)
            || ' 筆未對應的明細' || subject_zh || '相同、簡述不同，例如「'
            || regexp_extract(explanation, 'e\.g\. "(.*)"\.$', 1) || '」。'
        WHEN state = 'submitted_not_received' AND explanation LIKE '%hold no line with its%' THEN
            sw_zh || '；' || ky_zh || '的收訖批次中沒有' || key_zh || '相同的明細。'
        WHEN state = 'received_not_submitted' AND explanation LIKE 'The line has no %' THEN
            '此明細沒有' || subject_zh || '，無法對應任何項目。'
        WHEN state = 'received_not_submitted' AND explanation LIKE 'A repeated line:%' THEN
            '重複的明細：' || key_zh || '相同的 ' || regexp_extract(explanation, 'the (\d+) submitted item', 1)
            || ' 件已提交項目都已對應到較早的明細。'
        WHEN state = 'received_not_submitted' AND explanation LIKE 'It matches platform item %' THEN
            '與平臺項目 ' || regexp_extract(explanation, '^It matches platform item (.*), which has no submission', 1)
            || ' 相符，但該項目截至 ' || as_of || ' 沒有提交紀錄。'
        WHEN state = 'received_not_submitted' AND explanation LIKE 'No platform item of this student%' THEN
            '此學生在平臺上沒有 ' || ky_zh || '、' || key_zh || '相同的項目：學校沒有提交它的紀錄。'
    END AS explanation_zh
FROM w
ORDER BY kind, academic_year NULLS LAST, class_name NULLS LAST, student_no NULLS LAST, item_id NULLS LAST,
         receipt_batch, receipt_file, receipt_line
