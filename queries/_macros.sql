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

-- A title or summary as a receipt line and a submitted item are matched on (exports.md; the
-- match of _receipt_matches and _workbook_submissions): Unicode NFC, then full-width ASCII
-- U+FF01–U+FF5E folded to its half-width twin (lp_fold_width, which lpdata.views defines on every
-- connection; DuckDB has no NFKC), then every run of white space (\s and \p{Z}: U+3000 and NBSP
-- too) one space, trimmed; NULL for a text left empty.
-- Why two branches: nfc_normalize and the white-space pass cost more than the rest of the match at
-- the nation's 20 million texts, and nearly every text is already normal. A text made only of
-- characters NFC leaves alone whatever surrounds them (combining class 0, no decomposition, never
-- the second of a composed pair: ASCII and Latin-1 letters, CJK and its punctuation, kana,
-- bopomofo, full- and half-width forms; checked one by one against Unicode in
-- tests/queries/test_macros.py), with single spaces only between other characters, is its own
-- NFC and has no white space to collapse: it needs the fold alone. Every other text (a combining
-- mark, a CJK compatibility ideograph, U+3000, two spaces, a tab ...) takes the whole way.
CREATE OR REPLACE TEMP MACRO lp_match_text(t) AS
    CASE WHEN regexp_full_match(t,
            '[\x{21}-\x{7E}\x{A1}-\x{FF}\x{2010}-\x{2027}\x{2030}-\x{205E}\x{3001}-\x{3029}\x{3030}-\x{303F}\x{3041}-\x{3096}\x{309B}-\x{30FF}\x{3105}-\x{312F}\x{3400}-\x{4DBF}\x{4E00}-\x{9FFF}\x{FF01}-\x{FF9F}\x{FFE0}-\x{FFE6}]+'
            || '(?: [\x{21}-\x{7E}\x{A1}-\x{FF}\x{2010}-\x{2027}\x{2030}-\x{205E}\x{3001}-\x{3029}\x{3030}-\x{303F}\x{3041}-\x{3096}\x{309B}-\x{30FF}\x{3105}-\x{312F}\x{3400}-\x{4DBF}\x{4E00}-\x{9FFF}\x{FF01}-\x{FF9F}\x{FFE0}-\x{FFE6}]+)*')
         THEN lp_fold_width(t)
         ELSE nullif(trim(regexp_replace(lp_fold_width(nfc_normalize(t)), '[\s\p{Z}]+', ' ', 'g')), '')
    END;

-- The subject part of the match key: the course code of a CLO item or line (folded and canonical
-- at ingest), the category and the normalised title of an MP one ('category / title'); NULL when
-- a part is missing (then the key matches nothing).
CREATE OR REPLACE TEMP MACRO lp_match_subject(kind, course_code, category, title) AS
    CASE kind
        WHEN 'clo' THEN course_code
        WHEN 'mp' THEN category || ' / ' || lp_match_text(title)
    END;

-- The whole match key as one 64-bit hash (_receipt_matches partitions, joins and groups on it);
-- NULL when a part is missing, as such a key matches nothing. A hash may be shared by two keys:
-- the view that uses it checks that its keys have one hash each, and refuses to answer otherwise.
CREATE OR REPLACE TEMP MACRO lp_match_key(national_id_hash, kind, academic_year, subject_key, summary_key) AS
    CASE WHEN national_id_hash IS NOT NULL AND kind IS NOT NULL AND academic_year IS NOT NULL
              AND subject_key IS NOT NULL AND summary_key IS NOT NULL
         THEN hash(national_id_hash, kind, academic_year, subject_key, summary_key) END;
