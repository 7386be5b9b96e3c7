"""The class dashboard's sentences: deadlines by their names (never the setting key), and the
certifier column that explains a dash."""

from __future__ import annotations

import datetime as dt

import polars as pl

from lpdata.report import chase, i18n

ZH, EN = i18n.strings("zh-TW"), i18n.strings("en")
AS_OF = dt.date(2026, 7, 14)


def test_deadline_lines_say_the_name_and_the_date() -> None:
    assert chase.deadline_line(ZH, "clo_select_due", dt.date(2026, 7, 17), AS_OF) == "成果勾選截止：2026-07-17，還有 3 天。"
    assert chase.deadline_line(ZH, "mp_select_due", AS_OF, AS_OF) == "多元表現勾選截止：今天（2026-07-14）截止。"
    assert chase.deadline_line(ZH, "clo_select_due", dt.date(2026, 7, 1), AS_OF) == "成果勾選截止（2026-07-01）已過。"
    assert chase.deadline_line(ZH, "clo_select_due", None, AS_OF) == "本學期期程未列成果勾選截止日期。"
    assert chase.deadline_line(EN, "clo_select_due", dt.date(2026, 7, 17), AS_OF) == "CLO selection due: 2026-07-17, 3 days from now."


def test_upload_line_once_the_date_has_passed() -> None:
    passed = chase.upload_deadline_line(ZH, dt.date(2026, 7, 10), AS_OF)
    assert passed.startswith("成果上傳截止（2026-07-10）已過") and "clo_upload_due" not in passed
    assert chase.upload_deadline_line(ZH, AS_OF, AS_OF) == "成果上傳截止：今天（2026-07-14）截止。"
    assert "has passed" in chase.upload_deadline_line(EN, dt.date(2026, 7, 10), AS_OF)


def test_a_dash_in_the_certifier_column_is_explained() -> None:
    rows = pl.DataFrame({"course_code": ["K1", "K2", "K3", "K4", "K5"],
                         "assignee_name": ["陳大文", "黃代理", None, None, None],
                         "certifier": ["teacher", "proxy", "needs_proxy", "teacher_unknown", "proxy"]})
    assert chase.explain_certifier(rows, ZH).to_dicts() == [
        {"course_code": "K1", "assignee_name": "陳大文"},
        {"course_code": "K2", "assignee_name": "黃代理"},
        {"course_code": "K3", "assignee_name": "任課教師已離職，尚無代理人：請教務主任指定"},
        {"course_code": "K4", "assignee_name": "任課教師不明：請教學組長更正開課資料"},
        {"course_code": "K5", "assignee_name": "已指定代理人，但不在教職員名冊：請更新教職員名冊"},
    ]
    en = chase.explain_certifier(rows, EN)["assignee_name"].to_list()
    assert en[2] == "the teacher has left and no proxy is named yet: the academic director names one"
