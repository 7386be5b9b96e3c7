"""What the report pages show: escaped HTML, rates as %, small cells suppressed, terms resolved,
figures over time read from the views themselves, and both languages complete."""

from __future__ import annotations

import datetime as dt
import re
import string

import polars as pl
import pytest

from lpdata.report import i18n, page

ZH = i18n.strings("zh-TW")
EN = i18n.strings("en")
EVIL = "<script>alert('x')</script>&\""


def test_table_escapes_every_value_and_label():
    frame = pl.DataFrame({"class_name": [EVIL], "name": ["王<b>小明</b>"], "students": [3]})
    html = page.table(frame, ZH, labels={"students": "<i>人數</i>"}, caption=EVIL)
    assert "<script>" not in html and "<b>" not in html and "<i>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&amp;&quot;" in html
    assert "王&lt;b&gt;小明&lt;/b&gt;" in html
    assert ">班級名稱<" in html and ">姓名<" in html  # Chinese column labels (lpdata.labels)


def test_headline_title_and_footnotes_escape():
    html = page.headline([page.Number(EVIL, EVIL, note=EVIL, definition=EVIL)], ZH)
    assert "<script>" not in html and html.count("&lt;script&gt;") == 4  # value, label, note, hover
    term = page.Term(113, 2, dt.date(2025, 3, 1))
    title = page.title(ZH, "class_dashboard.title", term, class_name=EVIL)
    assert "<script>" not in title and "113 學年度第 2 學期" in title and "2025-03-01" in title
    assert "<script>" not in page.footnotes(ZH, ["def.enrolled"], extra=[EVIL])
    assert "<script>" not in page.section(EVIL) and "<script>" not in page.paragraph(EVIL)


def test_table_shows_rates_as_percent_flags_as_words_and_codes_as_labels():
    frame = pl.DataFrame({"clo_upload_rate": [0.5, None], "overdue": [True, False],
                          "state": ["selected_not_submitted", "something_new"], "items": [1234, 0],
                          "uploaded_at": [dt.datetime(2025, 3, 1, 9, 5), None]})
    html = page.table(frame, ZH)
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", html)
    assert cells == ["50.0%", "是", "勾選未提交", "1,234", "2025-03-01 09:05",
                     "—", "否", "something_new", "0", "—"]
    en = page.table(frame, EN)
    assert "selected, not submitted" in en and ">yes<" in en and ">CLO upload rate<" in en


def test_table_hover_definitions_and_row_limit():
    frame = pl.DataFrame({"pending": list(range(5))})
    html = page.table(frame, ZH, definitions={"pending": "待認證的定義"}, max_rows=2)
    assert 'title="待認證的定義"' in html
    assert html.count("<tr>") == 3 and "另有 3 列未列出" in html
    assert "（無資料）" in page.table(frame.clear(), ZH)


def test_suppress_small_hides_counts_under_min_n_and_the_rates_they_give_away():
    frame = pl.DataFrame({
        "grade": [1, 2, 3, 4, 5],
        "students": [30, 2, 30, 0, 30],
        "uploaders": [0, 1, 2, 0, 29],
        "rate": [0.0, 0.5, 2 / 30, None, 29 / 30],
    })
    out = page.suppress_small(frame, ["students", "uploaders"], 3, {"rate": ("uploaders", "students")})
    assert out["students"].to_list() == ["30", "<3", "30", "0", "30"]
    assert out["uploaders"].to_list() == ["0", "<3", "<3", "0", "29"]
    # 0/30 is shown (nobody); 1/2 and 2/30 give away a small count; 29/30 gives away the 1 without
    assert out["rate"].to_list() == [0.0, None, None, None, None]
    assert out["grade"].to_list() == [1, 2, 3, 4, 5]


def test_a_suppressed_rate_shows_a_dash_never_the_small_marker():
    """A rate made from a hidden count reads "—" in every report that hides small cells (a "<3" in a
    % column reads as "under 3 %"), a hidden count "<3", and the footnote says both."""
    frame = page.suppress_small(pl.DataFrame({"grade": ["一年級"], "students": [2], "clo_uploaders": [1],
                                              "clo_upload_rate": [0.5]}),
                                ["students", "clo_uploaders"], 3, {"clo_upload_rate": ("clo_uploaders", "students")})
    for t in (ZH, EN):
        shown = str(page.table(frame, t, numeric=["students", "clo_uploaders"]))
        cells = re.findall(r"<td[^>]*>(.*?)</td>", shown)
        assert cells == ["一年級", "&lt;3", "&lt;3", "—"]
        note = page.suppressed_note(t, 3)
        assert "<3" in note and "「—」" in note if t is ZH else '"—"' in note
    assert "P-SMALL-CELL" not in page.suppressed_note(ZH, 3)  # the rule's Chinese name, not its id
    # The effectiveness table (the per-person table and the briefing's): a suppressed homeroom rate is
    # "—", a suppressed count of students "<3"; an unsuppressed rate is a %.
    effectiveness = pl.DataFrame({
        "role": ["homeroom_teacher", "homeroom_teacher", "course_counsellor"],
        "person_code": ["T1", "T2", "T3"], "person_name": ["甲", "乙", "丙"],
        "metric": ["clo_upload_rate", "clo_upload_rate", "students_consulted"],
        "unit": ["rate", "rate", "count"], "value": [None, 0.9, None], "target": [None, None, None],
        "met": [None, None, None], "suppressed": [True, False, True],
    })
    assert page.effectiveness_table(effectiveness, ZH, 3)["value"].to_list() == ["—", "90.0%", "<3"]


def test_suppress_small_follows_min_n():
    frame = pl.DataFrame({"n": [3, 4, 5]})
    assert page.suppress_small(frame, ["n"], 5)["n"].to_list() == ["<5", "<5", "5"]
    with pytest.raises(ValueError):
        page.suppress_small(frame, ["n"], 0)


def test_min_students_is_the_rules_setting(tiny_db, isolated):
    con = page.connect(tiny_db)
    try:
        default = page.min_students(con, 113)
    finally:
        con.close()
    (isolated / "parameters" / "rules.yaml").write_text(
        f"rules:\n  - effective_from: 113\n    P-SMALL-CELL: {{min_students: {default + 2}}}\n", encoding="utf-8")
    con = page.connect(tiny_db)
    try:
        assert page.min_students(con, 113) == default + 2
    finally:
        con.close()


def test_rollup_divides_sums_never_averages_rates():
    frame = pl.DataFrame({"grade": [1, 1, 2], "students": [10, 30, 0], "uploaders": [10, 0, 0]})
    out = page.rollup(frame, ["grade"], ["students", "uploaders"], {"rate": ("uploaders", "students")})
    assert out.rows() == [(1, 40, 10, 0.25), (2, 0, 0, None)]
    whole = page.rollup(frame, [], ["students", "uploaders"], {"rate": ("uploaders", "students")})
    assert whole.rows() == [(40, 10, 0.25)]


@pytest.mark.parametrize("day, term", [
    (dt.date(2024, 8, 1), (113, 1)), (dt.date(2025, 1, 31), (113, 1)), (dt.date(2025, 2, 1), (113, 2)),
    (dt.date(2025, 7, 31), (113, 2)), (dt.date(2024, 7, 31), (112, 2)),
])
def test_term_of(day, term):
    assert page.term_of(day) == term
    t = page.Term(*term, day)
    assert t.starts_on <= day <= t.ends_on


def test_resolve_term_and_at_dates(tiny_db):
    con = page.connect(tiny_db)
    try:
        assert page.resolve_term(con) == page.Term(113, 2, dt.date(2025, 3, 1))
        assert page.resolve_term(con, 113, 1).semester == 1
        assert page.resolve_term(con, "112").semester == 2  # a past year: its second semester
        assert page.resolve_term(con, semester=1).academic_year == 113
        sql = "SELECT count(*) AS n, (SELECT as_of FROM lp_as_of) AS seen FROM class_completion"
        days = [dt.date(2025, 2, 1), dt.date(2025, 2, 8)]
        out = page.at_dates(con, sql, [], days)
        assert out["seen"].to_list() == days and out["as_of"].to_list() == days
        assert page.as_of_date(con) == dt.date(2025, 3, 1)  # restored
    finally:
        con.close()


def test_as_of_points_end_on_the_date_and_keep_extras():
    extra = [dt.date(2025, 2, 2), dt.date(2026, 1, 1)]  # the second is outside the range
    points = page.as_of_points(dt.date(2025, 2, 1), dt.date(2025, 2, 20), extra=extra)
    assert points == [dt.date(2025, 2, 2), dt.date(2025, 2, 6), dt.date(2025, 2, 13), dt.date(2025, 2, 20)]


def test_effectiveness_for_taskforce_hides_small_student_counts():
    eff = pl.DataFrame({
        "role": ["homeroom_teacher", "homeroom_teacher", "course_counsellor", "course_teacher"],
        "person_code": ["T1", "T2", "T3", "T4"], "person_name": ["甲", "乙", "丙", "丁"],
        "metric": ["clo_upload_rate", "clo_upload_rate", "students_consulted", "certified_by_due_rate"],
        "unit": ["rate", "rate", "count", "rate"], "value": [2 / 30, 0.5, 2.0, 0.5],
        "target": [None, None, None, 1.0], "met": [None, None, None, False],
    })
    classes = pl.DataFrame({"homeroom_teacher_code": ["T1", "T2", "T2"], "students": [30, 10, 10],
                            "clo_uploaders": [2, 5, 5], "mp_uploaders": [0, 0, 0]})
    out = page.effectiveness_for_taskforce(eff, classes, 3)
    assert out["suppressed"].to_list() == [True, False, True, False]
    assert out["value"].to_list() == [None, 0.5, None, 0.5]
    shown = page.effectiveness_table(out, ZH, 3)
    # T1's rate is over 2 uploaders: hidden, and a hidden rate reads "—" ("<3" is for counts).
    assert shown["value"].to_list() == ["—", "50.0%", "<3", "50.0%"]
    assert shown["met"].to_list() == ["無目標", "無目標", "無目標", "未達成"]
    roles = page.effectiveness_per_person(out, ZH, 3)
    assert [r[0] for r in roles] == ["導師", "課程諮詢教師", "任課教師"]
    assert roles[2][1]["certified_by_due_rate"].to_list() == ["50.0% ✗"]


def test_effectiveness_in_aggregate_counts_people_and_names_nobody():
    rows = pl.DataFrame({
        "role": ["course_teacher", "homeroom_teacher", "course_counsellor", "registrar_clerk"],
        "metric": ["certified_by_due_rate", "clo_upload_rate", "students_consulted", "roster_verification_dates"],
        "people": [67, 33, 7, 1], "people_with_value": [61, 33, 7, 0], "met": [13, None, None, 0],
        "not_met": [48, None, None, 0], "target": [1.0, None, None, 3.0], "median_value": [0.9429, 0.8182, 2.0, None],
        "unit": ["rate", "rate", "count", "count"], "definition": ["甲", "乙", "丙", "丁"],
        "definition_en": ["a", "b", "c", "d"],
    })
    shown = page.effectiveness_in_aggregate(rows, ZH, 3)
    assert shown.columns == ["role", "metric", "people", "target", "met", "median_value", "definition"]
    assert shown["role"].to_list() == ["任課教師", "導師", "課程諮詢教師", "註冊組幹事"]
    assert shown["target"].to_list() == ["100.0%", "—", "—", "3"]
    # met of the people with a figure; no target: participation only; a target but nobody measured: no data
    assert shown["met"].to_list() == ["13\u00a0/\u00a061\u00a0人", "無目標", "無目標", "無資料"]
    # a median of 2 students consulted is a count under 3 students: hidden from the task force
    assert shown["median_value"].to_list() == ["94.3%", "81.8%", "<3", "—"]
    assert shown["definition"].to_list() == ["甲", "乙", "丙", "丁"]
    english = page.effectiveness_in_aggregate(rows, i18n.strings("en"), 3)
    assert english["definition"].to_list() == ["a", "b", "c", "d"] and english["met"][0] == "13\u00a0of\u00a061"
    chart = page.effectiveness_met_chart(rows, ZH)
    assert chart.rows() == [("如期認證率", "達成", 13), ("如期認證率", "未達成", 48), ("如期認證率", "無資料", 6),
                            ("學籍檢核日期數", "達成", 0), ("學籍檢核日期數", "未達成", 0), ("學籍檢核日期數", "無資料", 1)]


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_string_has_both_languages_with_the_same_fields():
    for key, (zh, en) in i18n.TEXT.items():
        assert zh and en, key
        assert _fields(zh) == _fields(en), key
    for column, codes in i18n.VALUES.items():
        for code, (zh, en) in codes.items():
            assert zh and en, (column, code)
    with pytest.raises(ValueError):
        i18n.strings("fr")


def test_column_labels_never_repeat():
    labels = ZH.columns(["name", "person_name", "count", "items"])
    assert len(set(labels.values())) == 4


def test_suppressed_counts_are_shown_and_aligned_as_numbers():
    frame = page.suppress_small(pl.DataFrame({"grade": ["一年級", "二年級"], "students": [1234, 2]}), ["students"], 3)
    shown = str(page.table(frame, i18n.strings("en"), numeric=["students"]))
    assert '<td class="lp-n">1,234</td>' in shown and '<td class="lp-n">&lt;3</td>' in shown
    plain = str(page.table(frame, i18n.strings("en")))  # without `numeric`: text, as it is
    assert "<td>1234</td>" in plain


def test_page_is_a_facade_exporting_what_notebooks_and_tests_use():
    import ast
    import json
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    texts = ["".join(c["source"]) for nb in sorted((root / "notebooks").glob("*.ipynb"))
             for c in json.loads(nb.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"]
    texts += [p.read_text(encoding="utf-8") for p in [Path(__file__), *sorted((root / "tests/reliability").glob("*.py"))]]
    used = {name for text in texts for name in re.findall(r"\bpage\.(?!py\b)([A-Za-z]\w*)", text)}
    assert used <= set(page.__all__), sorted(used - set(page.__all__))
    assert all(hasattr(page, name) for name in page.__all__)
    tree = ast.parse((root / "lpdata/report/page.py").read_text(encoding="utf-8"))
    defined = [n for n in tree.body if not isinstance(n, (ast.Expr, ast.ImportFrom, ast.Import))]
    assert [ast.unparse(n).split(" =")[0] for n in defined] == ["__all__"]  # the rooms define, page gathers
