-- grain: teacher_code
-- owner: academic_director
-- meaning: Every staff member as of the as-of date: active or not, and the proxy in force for them.
-- Private building block. Not active once 離職日期 or 帳號停用日期 is on or before as_of
-- (metrics.md, certification_backlog). The proxy in force: a proxies row for the person with
-- 生效日期 on or before as_of and no 結束日期 before as_of; several: the latest to start wins (two
-- starting the same day: the lower proxy code, only so the answer never changes between runs).
WITH a AS (SELECT as_of FROM lp_as_of),
proxy_in_force AS (
    SELECT teacher_code, proxy_code, proxy_basis, proxy_since FROM (
        SELECT p.original_code AS teacher_code, p.proxy_code, p.basis AS proxy_basis,
               p.starts_on AS proxy_since,
               row_number() OVER (PARTITION BY p.original_code
                                  ORDER BY p.starts_on DESC, p.proxy_code) AS pick
        FROM proxies p CROSS JOIN a
        WHERE p.starts_on <= a.as_of AND (p.ends_on IS NULL OR p.ends_on >= a.as_of))
    WHERE pick = 1
)
SELECT
    s.teacher_code,
    s.name,
    s.roles,
    s.hired_on,
    s.left_on,
    s.disabled_on,
    least(s.left_on, s.disabled_on) AS inactive_since,
    coalesce(least(s.left_on, s.disabled_on) > a.as_of, true) AS active,
    p.proxy_code,
    p.proxy_basis,
    p.proxy_since
FROM staff s
CROSS JOIN a
LEFT JOIN proxy_in_force p USING (teacher_code)
