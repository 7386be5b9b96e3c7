-- meaning: DuckDB macros the views share: each idiom written once. Not a view: lpdata.views creates
-- these on every connection before the views (a macro reads only its arguments, never a view).

-- The first 3 values of a list, joined by ', ', then ', …' when it holds more than 3 (NULLs are
-- neither shown nor counted). Evidence texts name a few examples, e.g.
-- lp_first_3(list(DISTINCT teacher_code ORDER BY teacher_code) FILTER (uncertified)).
CREATE OR REPLACE TEMP MACRO lp_first_3(items) AS
    array_to_string(items[1:3], ', ')
    || CASE WHEN list_aggregate(items, 'count') > 3 THEN ', …' ELSE '' END;

-- A count of students as the task force may read it (P-SMALL-CELL.min_students): from 1 to
-- min_n - 1 the text 'fewer than <min_n>', else the number as text (0 stays 0: nobody is no one's
-- disclosure; NULL stays NULL). The report layer's suppress_small shows the same counts as "<min_n".
CREATE OR REPLACE TEMP MACRO lp_small_cell(n, min_n) AS
    CASE WHEN n BETWEEN 1 AND min_n - 1 THEN 'fewer than ' || min_n ELSE n::VARCHAR END;

-- lp_small_cell in Traditional Chinese, with the unit: '未滿 <min_n> 人' from 1 to min_n - 1, else
-- '<n> 人' (the compliance views' evidence_zh; NULL stays NULL).
CREATE OR REPLACE TEMP MACRO lp_small_cell_zh(n, min_n) AS
    CASE WHEN n BETWEEN 1 AND min_n - 1 THEN '未滿 ' || min_n || ' 人' ELSE n::VARCHAR || ' 人' END;
