"""`compliance`: every rule the records can decide, per term (or academic year), pass/fail/unknown
with one line of evidence. Each test builds a tiny school, works the expected rows out by hand and
checks them exactly: a pass, a fail and an unknown per rule, rules overrides, and as-of effects."""

from __future__ import annotations

import re
from typing import Any

from .school import School

C1 = "0123456789ABCDEF1234567"  # a credited course
C0 = "0123456789ABCDEF7654321"  # an uncredited course (0 credits)


def roster(year: int, semester: int, students: range = range(1, 4), *, class_name: str = "101", grade: int = 1,
           status: str = "在學", verified_on: str | None = None) -> list[dict[str, Any]]:
    """Roster rows of a term: student n is 學號 {year}{n:04d}, named 學生n."""
    return [dict(academic_year=year, semester=semester, national_id=School.student(n), student_no=f"{year}{n:04d}",
                 name=f"學生{n}", grade=grade, class_name=class_name, seat_no=n, status=status,
                 verified_on=verified_on) for n in students]


def clo(item: str, student: int, *, year: int = 113, semester: int = 1, course: str = C1, uploaded: str = "2024-10-01",
        cert: str = "認證通過", certified_at: str | None = "2024-10-05", selected: bool = False, **extra: Any
        ) -> dict[str, Any]:
    return dict(item_id=item, academic_year=year, semester=semester, national_id=School.student(student),
                course_code=course, summary=extra.pop("summary", "實驗報告"), uploaded_at=uploaded, cert_status=cert,
                certified_at=certified_at, selected="Y" if selected else "N", **extra)


def courses(year: int = 113, semester: int = 1) -> list[dict[str, Any]]:
    return [dict(academic_year=year, semester=semester, course_code=C1, course_name="物理", credits=2,
                 class_name="101", teacher_code="T01"),
            dict(academic_year=year, semester=semester, course_code=C0, course_name="彈性學習", credits=0,
                 class_name="101", teacher_code="T02")]


def sent(batch: str, at: str, item: str, student: int, kind: str = "課程學習成果") -> dict[str, Any]:
    return dict(batch_id=batch, submitted_at=at, submitted_by="T09", kind=kind, item_id=item,
                national_id=School.student(student))


_READ: dict[tuple[str, int, str], list[dict[str, Any]]] = {}


def compliance(school: School, as_of: str) -> list[dict[str, Any]]:
    """Every row of the view as of a date; read once per loaded database and date (connecting
    creates every view, which is the slow part)."""
    key = (str(school.db), school.db.stat().st_mtime_ns, as_of)
    if key not in _READ:
        _READ[key] = school.query("compliance", as_of=as_of)
        for r in _READ[key]:  # every branch any test reaches has its Chinese evidence, in Chinese
            assert r["evidence_zh"] and not latin_words(r["evidence_zh"]), (r["rule_id"], r["evidence_zh"])
    return _READ[key]


#: Latin words evidence_zh may hold besides codes (T01, R1132C, S1): file types and their unit.
_FORMATS = {"PDF", "JPG", "PNG", "MP3", "MP4", "KB"}


def latin_words(text: str) -> list[str]:
    """Latin-script words that are neither a code (holding a digit) nor a file format."""
    return [w for w in re.findall(r"[A-Za-z][A-Za-z0-9_\-]*", text)
            if not re.search(r"\d", w) and w not in _FORMATS]


def test_latin_words_finds_english_and_spares_codes() -> None:
    assert latin_words("active: T04 (registrar_head), 4096 KB") == ["active", "registrar_head"]
    assert latin_words("在職：T04（註冊組長）、批次 R1132C、4096 KB") == []


def rule(school: School, rule_id: str, as_of: str, *, zh: bool = False) -> dict[tuple[int, int | None], tuple[str, str]]:
    """(academic_year, semester) -> (status, evidence) of one rule; `zh`: evidence_zh instead."""
    column = "evidence_zh" if zh else "evidence"
    return {(r["academic_year"], r["semester"]): (r["status"], r[column])
            for r in compliance(school, as_of) if r["rule_id"] == rule_id}


def settings(school: School, rule_id: str, as_of: str) -> dict[tuple[int, int | None], str]:
    return {(r["academic_year"], r["semester"]): r["setting"]
            for r in compliance(school, as_of) if r["rule_id"] == rule_id}


# --- which periods ------------------------------------------------------------------------------

def test_terms_come_from_roster_and_schedule_once_started(school: School) -> None:
    school.add("students", roster(113, 1))
    school.schedule({"113-2": {"published_on": "2025-02-05"}, "114-1": {"published_on": "2025-08-20"}})
    school.ingest()
    # 2025-03-01: 113-1 (roster) and 113-2 (schedule only) have started, 114-1 has not.
    terms = {(r["academic_year"], r["semester"])
             for r in school.query("compliance", as_of="2025-03-01")}
    assert terms == {(113, 1), (113, 2), (113, None)}
    # On 2025-08-01 114-1 has started (Aug 1), and with it academic year 114.
    terms = {(r["academic_year"], r["semester"]) for r in school.query("compliance", as_of="2025-08-01")}
    assert terms == {(113, 1), (113, 2), (113, None), (114, 1), (114, None)}


def test_one_row_per_rule_and_period_with_title_owner_and_no_r_no_force(school: School) -> None:
    school.add("students", roster(113, 1))
    school.ingest()
    rows = school.query("compliance", as_of="2024-12-01")
    keys = [(r["rule_id"], r["academic_year"], r["semester"]) for r in rows]
    assert len(keys) == len(set(keys))
    assert {r["rule_id"] for r in rows} == {
        "R-TF-MEET", "R-CLO-UPLOAD-MAX", "R-CLO-CERT", "R-CLO-SUBMIT-MAX", "R-MP-SUBMIT-MAX", "R-CHECK-LEAD",
        "R-SCHEDULE", "R-ROSTER-VERIFY", "R-RETENTION", "R-PROXY-ADMIN", "R-PROXY-TEACHER", "R-LEFT-MAIL",
        "R-TRAIN-STUDENT", "R-TRAIN-NEW", "R-TRAIN-TEACHER", "R-TRAIN-PARENT", "R-RECEIPT-WINDOW", "R-CLO-WINDOW",
        "R-FILE-LIMITS"}  # R-NO-FORCE: no record can decide it
    assert all(r["status"] in ("pass", "fail", "unknown") and r["evidence"] for r in rows)
    meet = next(r for r in rows if r["rule_id"] == "R-TF-MEET")
    assert (meet["rule_title"], meet["owner"], meet["setting"], meet["in_progress"]) == \
        ("工作小組每學期開會", "academic_director", "≥1 meeting per semester", True)
    owners = {r["rule_id"]: r["owner"] for r in rows}
    assert owners["R-ROSTER-VERIFY"] == "registrar_clerk" and owners["R-CLO-CERT"] == "course_teacher"
    assert owners["R-MP-SUBMIT-MAX"] == "activities_head" and owners["R-RETENTION"] == "tech_services"


# --- R-TF-MEET: counts, in progress, not loaded, as of, override --------------------------------

def test_meetings_pass_fail_and_in_progress(school: School) -> None:
    school.add("students", roster(113, 1) + roster(113, 2))
    school.add("meetings", [dict(date="2024-09-12", title="第一次會議"), dict(date="2024-12-20", title="第二次會議")])
    school.ingest()
    assert rule(school, "R-TF-MEET", "2025-08-01") == {
        (113, 1): ("pass", "2 meetings: 2024-09-12, 2024-12-20"),
        (113, 2): ("fail", "0 meetings in 113-2 (2025-02-01 – 2025-07-31), ≥1 required"),
    }
    # The last day of the term counts as ended once it is the as-of date (as_of covers its whole day).
    assert rule(school, "R-TF-MEET", "2025-07-31")[(113, 2)][0] == "fail"
    assert rule(school, "R-TF-MEET", "2025-07-30")[(113, 2)] == \
        ("unknown", "term in progress until 2025-07-31: 0 meetings so far")
    # As of 2024-10-01 only the first meeting has happened: enough for the term already.
    assert rule(school, "R-TF-MEET", "2024-10-01") == {(113, 1): ("pass", "1 meeting: 2024-09-12")}
    assert rule(school, "R-TF-MEET", "2024-09-01") == {
        (113, 1): ("unknown", "term in progress until 2025-01-31: 0 meetings so far")}
    # The same evidence in Chinese, from the same figures.
    assert rule(school, "R-TF-MEET", "2025-08-01", zh=True) == {
        (113, 1): ("pass", "工作小組會議 2 次：2024-09-12, 2024-12-20"),
        (113, 2): ("fail", "113 學年度第 2 學期（2025-02-01 至 2025-07-31）工作小組會議 0 次，規定至少 1 次"),
    }
    assert rule(school, "R-TF-MEET", "2025-07-30", zh=True)[(113, 2)] == \
        ("unknown", "本學期進行中（至 2025-07-31）：目前工作小組會議 0 次")


def test_meetings_not_loaded_is_unknown_but_an_empty_file_is_none(school: School) -> None:
    school.add("students", roster(113, 1))
    school.ingest()
    assert rule(school, "R-TF-MEET", "2025-03-01") == {(113, 1): ("unknown", "no meetings file loaded")}
    school.add("meetings", [])  # the school's file, with no meeting in it
    school.ingest()
    assert rule(school, "R-TF-MEET", "2025-03-01") == {
        (113, 1): ("fail", "0 meetings in 113-1 (2024-08-01 – 2025-01-31), ≥1 required")}
    assert rule(school, "R-TF-MEET", "2025-03-01", zh=True) == {
        (113, 1): ("fail", "113 學年度第 1 學期（2024-08-01 至 2025-01-31）工作小組會議 0 次，規定至少 1 次")}


def test_a_rules_override_applies_from_its_year(school: School) -> None:
    school.rules([{"effective_from": 114, "R-TF-MEET": {"min_per_semester": 2}}])
    school.add("students", roster(113, 1) + roster(114, 1))
    school.add("meetings", [dict(date="2024-09-12", title="113-1"), dict(date="2025-09-10", title="114-1")])
    school.ingest()
    assert rule(school, "R-TF-MEET", "2026-02-01") == {
        (113, 1): ("pass", "1 meeting: 2024-09-12"),
        (114, 1): ("fail", "1 meeting in 114-1 (2025-08-01 – 2026-01-31), ≥2 required: 2025-09-10"),
    }
    assert settings(school, "R-TF-MEET", "2026-02-01") == {
        (113, 1): "≥1 meeting per semester", (114, 1): "≥2 meetings per semester"}


# --- trainings ---------------------------------------------------------------------------------

def test_trainings_per_semester_and_per_year(school: School) -> None:
    school.add("students", roster(113, 1) + roster(113, 2))
    school.add("trainings", [
        dict(date="2024-10-07", type="選課說明會", participants=80),
        dict(date="2024-10-29", type="教師研習", participants=40),
        dict(date="2025-08-02", type="親師說明", participants=60),  # academic year 114: not 113's
    ])
    school.ingest()
    assert rule(school, "R-TRAIN-STUDENT", "2025-08-01") == {
        (113, 1): ("pass", "1 course-selection briefing: 2024-10-07"),
        (113, 2): ("fail", "0 course-selection briefings in 113-2 (2025-02-01 – 2025-07-31), ≥1 required"),
    }
    assert rule(school, "R-TRAIN-TEACHER", "2025-08-01") == {(113, None): ("pass", "1 teacher workshop: 2024-10-29")}
    assert rule(school, "R-TRAIN-PARENT", "2025-08-01") == {
        (113, None): ("fail", "0 parent briefings in 113 (2024-08-01 – 2025-07-31), ≥1 required")}
    assert rule(school, "R-TRAIN-PARENT", "2025-05-01") == {
        (113, None): ("unknown", "year in progress until 2025-07-31: 0 parent briefings so far")}
    assert rule(school, "R-TRAIN-PARENT", "2025-08-01", zh=True) == {
        (113, None): ("fail", "113 學年度（2024-08-01 至 2025-07-31）親師說明會 0 次，規定至少 1 次")}
    assert rule(school, "R-TRAIN-PARENT", "2025-05-01", zh=True) == {
        (113, None): ("unknown", "本學年度進行中（至 2025-07-31）：目前親師說明會 0 次")}
    assert rule(school, "R-TRAIN-STUDENT", "2025-08-01", zh=True)[(113, 1)] == ("pass", "選課說明會 1 次：2024-10-07")
    assert settings(school, "R-TRAIN-TEACHER", "2025-08-01") == {(113, None): "≥1 teacher workshop per academic year"}


def test_trainings_not_loaded_is_unknown(school: School) -> None:
    school.add("students", roster(113, 1))
    school.ingest()
    for rule_id in ("R-TRAIN-STUDENT", "R-TRAIN-NEW", "R-TRAIN-TEACHER", "R-TRAIN-PARENT"):
        assert {s for s, _ in rule(school, rule_id, "2025-08-01").values()} == {"unknown"}, rule_id
    assert rule(school, "R-TRAIN-NEW", "2025-08-01") == {(113, None): ("unknown", "no trainings file loaded")}
    assert rule(school, "R-TRAIN-NEW", "2025-08-01", zh=True) == {(113, None): ("unknown", "未載入研習及說明會紀錄檔")}


def test_new_students_need_a_briefing_and_a_platform_class_per_grade_1_class(school: School) -> None:
    school.add("students", roster(113, 1, range(1, 4), class_name="101")
               + roster(113, 1, range(4, 7), class_name="102")
               + roster(113, 1, range(7, 10), class_name="201", grade=2))
    school.add("trainings", [
        dict(date="2024-08-20", type="新生說明會"),
        dict(date="2024-09-03", type="系統操作說明", target_class="101"),
        dict(date="2024-09-04", type="系統操作說明", target_class="201"),  # not a grade-1 class
    ])
    school.ingest()
    assert rule(school, "R-TRAIN-NEW", "2025-08-01") == {(113, None): (
        "fail", "1 new-student briefing: 2024-08-20; 1 of 2 grade-1 classes without ≥1 platform class: 102")}
    assert rule(school, "R-TRAIN-NEW", "2025-03-01") == {(113, None): (
        "unknown", "year in progress until 2025-07-31: 1 new-student briefing: 2024-08-20; "
                   "1 of 2 grade-1 classes without ≥1 platform class: 102")}
    assert rule(school, "R-TRAIN-NEW", "2025-03-01", zh=True) == {(113, None): (
        "unknown", "本學年度進行中（至 2025-07-31）：新生說明會 1 次：2024-08-20；高一 2 班中有 1 班系統操作課未達 1 次：102")}
    school.add("trainings", [dict(date="2024-09-05", type="系統操作說明", target_class="102")])
    school.ingest()
    assert rule(school, "R-TRAIN-NEW", "2025-03-01") == {(113, None): (
        "pass", "1 new-student briefing: 2024-08-20; all 2 grade-1 classes had ≥1 platform class")}
    assert rule(school, "R-TRAIN-NEW", "2025-03-01", zh=True) == {(113, None): (
        "pass", "新生說明會 1 次：2024-08-20；高一 2 班均已上系統操作課至少 1 次")}
    assert settings(school, "R-TRAIN-NEW", "2025-03-01") == {
        (113, None): "≥1 new-student briefing per academic year; ≥1 platform class per grade-1 class"}


def test_new_students_without_a_roster_of_the_year_cannot_pass(school: School) -> None:
    school.schedule({"113-1": {"published_on": "2024-08-28"}})  # the term is known, its roster is not
    school.add("trainings", [dict(date="2024-08-20", type="新生說明會")])
    school.ingest()
    assert rule(school, "R-TRAIN-NEW", "2025-08-01") == {(113, None): (
        "unknown", "1 new-student briefing: 2024-08-20; grade-1 classes unknown: no roster of 113 loaded")}
    assert rule(school, "R-TRAIN-NEW", "2025-08-01", zh=True) == {(113, None): (
        "unknown", "新生說明會 1 次：2024-08-20；未載入 113 學年度學生名冊，無法判定高一班級")}


# --- the schedule ------------------------------------------------------------------------------

def test_schedule_published_missing_and_in_progress(school: School) -> None:
    school.add("students", roster(113, 1) + roster(113, 2) + roster(114, 1))
    school.schedule({"113-1": {"published_on": "2024-08-28"}, "113-2": {"clo_upload_due": "2025-07-10"}})
    school.ingest()
    assert rule(school, "R-SCHEDULE", "2025-08-20") == {
        (113, 1): ("pass", "published 2024-08-28"),
        (113, 2): ("fail", "the 113-2 schedule has no published_on"),
        (114, 1): ("unknown", "term in progress until 2026-01-31: no 114-1 entry in the schedule"),
    }
    # As of 2024-08-27 the 113-1 schedule is not published yet.
    assert rule(school, "R-SCHEDULE", "2024-08-27") == {
        (113, 1): ("unknown", "term in progress until 2025-01-31: published_on 2024-08-28 is after the as-of date")}
    assert rule(school, "R-SCHEDULE", "2025-08-20", zh=True) == {
        (113, 1): ("pass", "已於 2024-08-28 公告"),
        (113, 2): ("fail", "113 學年度第 2 學期期程未填公告日期"),
        (114, 1): ("unknown", "本學期進行中（至 2026-01-31）：期程中沒有 114 學年度第 1 學期"),
    }
    assert rule(school, "R-SCHEDULE", "2024-08-27", zh=True) == {
        (113, 1): ("unknown", "本學期進行中（至 2025-01-31）：公告日期 2024-08-28 在資料日期之後")}


def test_schedule_not_loaded_is_unknown(school: School) -> None:
    school.add("students", roster(113, 1))
    school.ingest()
    for rule_id in ("R-SCHEDULE", "R-RECEIPT-WINDOW", "R-CLO-WINDOW"):
        assert rule(school, rule_id, "2025-08-01") == {(113, 1): ("unknown", "no schedule file loaded")}, rule_id
        assert rule(school, rule_id, "2025-08-01", zh=True) == {(113, 1): ("unknown", "未載入期程檔")}, rule_id


def test_receipt_window_counts_both_ends(school: School) -> None:
    school.add("students", roster(113, 1) + roster(113, 2) + roster(114, 1))
    school.schedule({
        "113-1": {"receipt_confirm_from": "2025-03-24", "receipt_confirm_to": "2025-03-26"},  # Mon-Wed: 3 days
        "113-2": {"receipt_confirm_from": "2025-08-31", "receipt_confirm_to": "2025-09-01"},  # 2 days
        "114-1": {"receipt_confirm_from": "2026-04-07"},
    })
    school.ingest()
    assert rule(school, "R-RECEIPT-WINDOW", "2025-09-01") == {
        (113, 1): ("pass", "2025-03-24 – 2025-03-26: 3 days"),
        (113, 2): ("fail", "2025-08-31 – 2025-09-01: 2 days"),
        (114, 1): ("unknown", "no receipt_confirm_from/receipt_confirm_to in the 114-1 schedule"),
    }
    assert rule(school, "R-RECEIPT-WINDOW", "2025-09-01", zh=True) == {
        (113, 1): ("pass", "2025-03-24 至 2025-03-26：共 3 天"),
        (113, 2): ("fail", "2025-08-31 至 2025-09-01：共 2 天"),
        (114, 1): ("unknown", "114 學年度第 1 學期期程未填收訖確認起迄日"),
    }


def test_clo_window_after_the_closing_ceremony_with_an_override(school: School) -> None:
    school.rules([{"effective_from": 114, "R-CLO-WINDOW": {"min_days_after_closing": 21}}])
    school.add("students", roster(113, 1) + roster(113, 2) + roster(114, 1) + roster(114, 2))
    school.schedule({
        "113-1": {"closing_ceremony": "2025-01-20", "clo_upload_due": "2025-02-03"},  # 14 days
        "113-2": {"closing_ceremony": "2025-06-26", "clo_upload_due": "2025-07-09"},  # 13 days
        "114-1": {"closing_ceremony": "2026-01-20", "clo_upload_due": "2026-02-07"},  # 18 days < 21 from 114
        "114-2": {"closing_ceremony": "2026-06-26"},
    })
    school.ingest()
    assert rule(school, "R-CLO-WINDOW", "2026-03-01") == {
        (113, 1): ("pass", "clo_upload_due 2025-02-03 is 14 days after closing_ceremony 2025-01-20"),
        (113, 2): ("fail", "clo_upload_due 2025-07-09 is 13 days after closing_ceremony 2025-06-26 (grades 1-2)"),
        (114, 1): ("fail", "clo_upload_due 2026-02-07 is 18 days after closing_ceremony 2026-01-20"),
        (114, 2): ("unknown", "no closing_ceremony/clo_upload_due in the 114-2 schedule"),
    }
    assert rule(school, "R-CLO-WINDOW", "2026-03-01", zh=True) == {
        (113, 1): ("pass", "成果上傳截止 2025-02-03 在休業式 2025-01-20 之後 14 天"),
        (113, 2): ("fail", "成果上傳截止 2025-07-09 在休業式 2025-06-26 之後 13 天（高一、高二）"),
        (114, 1): ("fail", "成果上傳截止 2026-02-07 在休業式 2026-01-20 之後 18 天"),
        (114, 2): ("unknown", "114 學年度第 2 學期期程未填休業式或成果上傳截止日"),
    }
    assert settings(school, "R-CLO-WINDOW", "2026-03-01")[(114, 1)] == \
        "clo_upload_due ≥21 days after closing_ceremony (grade 3 semester 2 exempt)"


# --- the roster ----------------------------------------------------------------------------------

def test_roster_verification_of_every_enrolled_student(school: School) -> None:
    school.add("students",
               roster(113, 1, range(1, 5), verified_on="2024-09-10")
               # 113-2: students 1-3 verified, student 4 not; student 5 left (not enrolled: not needed)
               + roster(113, 2, range(1, 4), verified_on="2025-02-20")
               + roster(113, 2, range(4, 5), class_name="102")
               + roster(113, 2, range(5, 6), status="轉出")
               # 114-1: verified in the previous term only
               + roster(114, 1, range(1, 5), verified_on="2025-07-01"))
    school.schedule({"114-2": {"published_on": "2026-02-05"}})  # 114-2 has no roster loaded
    school.ingest()
    assert rule(school, "R-ROSTER-VERIFY", "2026-03-01") == {
        (113, 1): ("pass", "all 4 enrolled students verified in the term (1 date: 2024-09-10)"),
        (113, 2): ("fail", "fewer than 3 of 4 enrolled students not verified in the term; classes 102"),
        (114, 1): ("fail", "4 of 4 enrolled students not verified in the term; classes 101; "
                           "0 verification dates in the term, ≥1 required"),
        (114, 2): ("unknown", "no roster of 114-2 loaded"),
    }
    assert rule(school, "R-ROSTER-VERIFY", "2025-03-01")[(113, 2)] == (
        "unknown", "term in progress until 2025-07-31: fewer than 3 of 4 enrolled students not verified yet; "
                   "classes 102")
    # A verification after the as-of date is not there yet.
    assert rule(school, "R-ROSTER-VERIFY", "2024-09-09")[(113, 1)] == (
        "unknown", "term in progress until 2025-01-31: 4 of 4 enrolled students not verified yet; classes 101; "
                   "0 verification dates in the term, ≥1 required")
    assert rule(school, "R-ROSTER-VERIFY", "2026-03-01", zh=True) == {
        (113, 1): ("pass", "在學學生 4 人均已於學期內完成檢核（1 個檢核日期：2024-09-10）"),
        (113, 2): ("fail", "在學學生 4 人中，未滿 3 人未於學期內完成檢核，班級：102"),
        (114, 1): ("fail", "在學學生 4 人中，4 人未於學期內完成檢核，班級：101；學期內檢核日期 0 個，規定至少 1 個"),
        (114, 2): ("unknown", "未載入 114 學年度第 2 學期學生名冊"),
    }
    assert rule(school, "R-ROSTER-VERIFY", "2025-03-01", zh=True)[(113, 2)] == (
        "unknown", "本學期進行中（至 2025-07-31）：在學學生 4 人中，未滿 3 人尚未完成檢核，班級：102")


def test_roster_verification_rounds_from_a_rules_override(school: School) -> None:
    # From 114 the school verifies twice a term: two distinct dates on the term's roster.
    school.rules([{"effective_from": 114, "R-ROSTER-VERIFY": {"min_per_semester": 2}}])
    school.add("students", roster(113, 1, verified_on="2024-09-10")
               + roster(114, 1, range(1, 3), verified_on="2025-09-10")
               + roster(114, 1, range(3, 4), verified_on="2025-12-01"))
    school.ingest()
    assert rule(school, "R-ROSTER-VERIFY", "2025-10-01") == {
        (113, 1): ("pass", "all 3 enrolled students verified in the term (1 date: 2024-09-10)"),
        (114, 1): ("unknown", "term in progress until 2026-01-31: fewer than 3 of 3 enrolled students not verified "
                              "yet; classes 101; 1 verification date in the term, ≥2 required"),
    }
    assert rule(school, "R-ROSTER-VERIFY", "2026-02-01")[(114, 1)] == \
        ("pass", "all 3 enrolled students verified in the term (2 dates, 2025-09-10 – 2025-12-01)")
    assert rule(school, "R-ROSTER-VERIFY", "2026-02-01", zh=True)[(114, 1)] == \
        ("pass", "在學學生 3 人均已於學期內完成檢核（2 個檢核日期：2025-09-10 至 2025-12-01）")
    assert settings(school, "R-ROSTER-VERIFY", "2026-02-01") == {
        (113, 1): "every enrolled student's roster row verified inside the term; ≥1 verification date per semester",
        (114, 1): "every enrolled student's roster row verified inside the term; ≥2 verification dates per semester"}


# --- CLO items -----------------------------------------------------------------------------------

def test_clo_upload_quota_per_student_and_term(school: School) -> None:
    school.add("students", roster(113, 1) + roster(113, 2) + roster(114, 1))
    school.add("courses", courses(113, 1) + courses(113, 2))
    school.add("clo",
               # 113-1: student 1 has 11 items, one deleted before as_of: 10 live, at the limit
               [clo(f"A{i}", 1) for i in range(10)] + [clo("A10", 1, deleted_at="2024-12-01")]
               + [clo("B1", 2)]
               # 113-2: student 2 has 11 live items; student 3 one for an uncredited course
               + [clo(f"C{i}", 2, semester=2, uploaded="2025-03-01") for i in range(11)]
               + [clo("D1", 3, semester=2, course=C0, uploaded="2025-03-02")])
    school.ingest()
    assert rule(school, "R-CLO-UPLOAD-MAX", "2025-08-01") == {
        (113, 1): ("pass", "fewer than 3 students with live items, at most 10 each"),
        (113, 2): ("fail", "fewer than 3 students over 10 live items (most: 11); "
                           "1 live item for courses with 0 credits: 彈性學習"),
        # 114-1 (started Aug 1) has a roster but no CLO file
        (114, 1): ("unknown", "no CLO file of 114-1 loaded"),
    }
    assert rule(school, "R-CLO-UPLOAD-MAX", "2025-08-01", zh=True) == {
        (113, 1): ("pass", "有有效成果的學生 未滿 3 人，每人最多 10 件"),
        (113, 2): ("fail", "有效成果超過 10 件的學生 未滿 3 人（最多 11 件）；0 學分課程的有效成果 1 件：彈性學習"),
        (114, 1): ("unknown", "未載入 114 學年度第 1 學期課程學習成果檔"),
    }
    # Before the deletion, student 1 had 11 live items in 113-1.
    assert rule(school, "R-CLO-UPLOAD-MAX", "2024-11-30")[(113, 1)] == \
        ("fail", "fewer than 3 students over 10 live items (most: 11)")


def test_clo_upload_quota_override_from_a_year(school: School) -> None:
    school.rules([{"effective_from": 114, "R-CLO-UPLOAD-MAX": {"max_per_semester": 12}}])
    school.add("students", roster(113, 1) + roster(114, 1))
    school.add("clo", [clo(f"A{i}", 1) for i in range(11)]
               + [clo(f"B{i}", 1, year=114, uploaded="2025-10-01") for i in range(11)])
    school.ingest()
    assert rule(school, "R-CLO-UPLOAD-MAX", "2026-02-01") == {
        (113, 1): ("fail", "fewer than 3 students over 10 live items (most: 11)"),
        (114, 1): ("pass", "fewer than 3 students with live items, at most 11 each"),
    }
    assert settings(school, "R-CLO-UPLOAD-MAX", "2026-02-01")[(114, 1)] == \
        "≤12 live items per student per semester, credited courses only"


def test_clo_certified_before_selection_and_submission(school: School) -> None:
    school.add("students", roster(113, 1) + roster(113, 2))
    school.add("courses", courses(113, 1) + courses(113, 2))
    school.add("clo", [
        # 113-1: selected and certified; submitted after certification
        clo("A1", 1, selected=True, selected_at="2024-10-10"),
        # 113-2: selected while still pending (teacher T01); certified after it was submitted
        clo("B1", 1, semester=2, uploaded="2025-03-01", cert="待認證", certified_at=None, selected=True,
            selected_at="2025-03-05"),
        clo("B2", 2, semester=2, uploaded="2025-03-01", certified_at="2025-07-20", selected=True,
            selected_at="2025-03-05"),
    ])
    school.add("submissions", [sent("S1131C01", "2025-02-05 10:30", "A1", 1),
                               sent("S1132C01", "2025-07-15 10:30", "B2", 2)])
    school.ingest()
    assert rule(school, "R-CLO-CERT", "2025-08-01") == {
        (113, 1): ("pass", "1 selected item, all certified; 1 submitted item, all certified before submission"),
        (113, 2): ("fail", "1 selected item not certified (teachers T01); 1 item submitted before certification "
                           "(batches S1132C01; teachers T01)"),
    }
    assert rule(school, "R-CLO-CERT", "2025-08-01", zh=True) == {
        (113, 1): ("pass", "已勾選 1 件，均已認證；已提交 1 件，均於認證後才提交"),
        (113, 2): ("fail", "已勾選但未認證 1 件（教師 T01）；認證前即提交 1 件（批次 S1132C01；教師 T01）"),
    }
    # As of 2025-07-01: B2 selected, not certified yet, not submitted yet.
    assert rule(school, "R-CLO-CERT", "2025-07-01")[(113, 2)] == \
        ("fail", "2 selected items not certified (teachers T01)")


def test_clo_certification_without_submissions_is_unknown_unless_a_selection_fails(school: School) -> None:
    school.add("students", roster(113, 1) + roster(113, 2))
    school.add("clo", [clo("A1", 1, selected=True),
                       clo("B1", 1, semester=2, uploaded="2025-03-01", cert="認證未通過", selected=True)])
    school.ingest()
    assert rule(school, "R-CLO-CERT", "2025-08-01") == {
        (113, 1): ("unknown", "1 selected item, all certified; no submissions file loaded"),
        (113, 2): ("fail", "1 selected item not certified"),  # no courses file: no teacher known
    }
    assert rule(school, "R-CLO-CERT", "2025-08-01", zh=True) == {
        (113, 1): ("unknown", "已勾選 1 件，均已認證；未載入提交紀錄檔"),
        (113, 2): ("fail", "已勾選但未認證 1 件"),
    }


def test_submission_quotas_per_student_and_year(school: School) -> None:
    school.add("students", roster(113, 1) + roster(113, 2) + roster(114, 1))
    # Student 1 selects 7 CLO in 113 (4 + 3), the school submits 6 of them: 6 submitted counts.
    # Student 2 selects 7 CLO in 113 and nothing of theirs was submitted: 7 selected counts.
    items = ([clo(f"A{i}", 1, selected=True) for i in range(4)]
             + [clo(f"B{i}", 1, semester=2, uploaded="2025-03-01", selected=True) for i in range(3)]
             + [clo(f"C{i}", 2, semester=2, uploaded="2025-03-01", selected=True) for i in range(7)])
    school.add("clo", items)
    school.add("submissions", [sent("S1", "2025-07-15 10:00", f"A{i}", 1) for i in range(4)]
               + [sent("S1", "2025-07-15 10:00", f"B{i}", 1) for i in range(2)]
               + [sent("S2", "2025-07-20 10:00", "A0", 1)])  # sent twice: one item
    # MP: student 3 has 11 selected items of 113, 4 without 學期 (semester 2); none of 114 is loaded.
    school.add("mp", [dict(item_id=f"M{i}", academic_year=113, semester=None if i < 4 else 1,
                           national_id=School.student(3), category="競賽參與", title=f"比賽{i}",
                           uploaded_at="2024-11-01", selected="Y") for i in range(11)])
    school.ingest()
    assert rule(school, "R-CLO-SUBMIT-MAX", "2025-09-01") == {
        (113, None): ("fail", "fewer than 3 students over 6 (most: 7)"),
        (114, None): ("unknown", "no CLO file of 114 loaded"),
    }
    assert rule(school, "R-MP-SUBMIT-MAX", "2025-09-01") == {
        (113, None): ("fail", "fewer than 3 students over 10 (most: 11)"),
        (114, None): ("unknown", "no MP file of 114 loaded"),
    }
    # As of 2025-02-01 student 2 has selected nothing yet and student 1 four items: a pass so far.
    assert rule(school, "R-CLO-SUBMIT-MAX", "2025-02-01") == {
        (113, None): ("pass", "fewer than 3 students with submitted or selected items, at most 4 each")}
    assert rule(school, "R-CLO-SUBMIT-MAX", "2025-09-01", zh=True) == {
        (113, None): ("fail", "提交或勾選超過 6 件的學生 未滿 3 人（最多 7 件）"),
        (114, None): ("unknown", "未載入 114 學年度課程學習成果檔"),
    }
    assert rule(school, "R-MP-SUBMIT-MAX", "2025-09-01", zh=True)[(114, None)] == \
        ("unknown", "未載入 114 學年度多元表現檔")
    assert rule(school, "R-CLO-SUBMIT-MAX", "2025-02-01", zh=True) == {
        (113, None): ("pass", "有已提交或勾選課程學習成果的學生 未滿 3 人，每人最多 4 件")}
    assert settings(school, "R-MP-SUBMIT-MAX", "2025-09-01")[(113, None)] == \
        "≤10 MP items per student per academic year (submitted, else selected)"


def test_submission_quota_override_from_a_year(school: School) -> None:
    school.rules([{"effective_from": 114, "R-CLO-SUBMIT-MAX": {"max_per_year": 3}}])
    school.add("students", roster(113, 1) + roster(114, 1))
    school.add("clo", [clo(f"A{n}{i}", n, selected=True) for n in (1, 2, 3) for i in range(4)]
               + [clo(f"B{n}{i}", n, year=114, uploaded="2025-10-01", selected=True) for n in (1, 2, 3)
                  for i in range(4)])
    school.ingest()
    assert rule(school, "R-CLO-SUBMIT-MAX", "2026-02-01") == {
        (113, None): ("pass", "3 students with submitted or selected items, at most 4 each"),
        (114, None): ("fail", "3 students over 3 (most: 4)"),
    }
    assert rule(school, "R-CLO-SUBMIT-MAX", "2026-02-01", zh=True) == {
        (113, None): ("pass", "有已提交或勾選課程學習成果的學生 3 人，每人最多 4 件"),
        (114, None): ("fail", "提交或勾選超過 3 件的學生 3 人（最多 4 件）"),
    }


def test_check_lead_before_the_national_deadline(school: School) -> None:
    school.add("students", roster(113, 1) + roster(113, 2) + roster(114, 1))
    school.schedule({"113-1": {"national_due": "2025-02-28"}, "113-2": {"national_due": "2025-08-07"},
                     "114-1": {"published_on": "2025-08-28"}})
    school.add("clo", [clo("A1", 1), clo("A2", 2),
                       clo("B1", 1, semester=2, uploaded="2025-03-01"), clo("B2", 2, semester=2, uploaded="2025-03-01"),
                       clo("C1", 1, year=114, uploaded="2025-10-01")])
    # 113-1: on 2025-02-21 (national_due − 7 days, late in the day) is on time; A1's resubmission after
    # national_due does not count (each item counts once, by its first submission).
    # 113-2: B1 on time; B2 six days before national_due: late.
    school.add("submissions", [sent("S1", "2025-02-21 23:00", "A1", 1), sent("S1", "2025-02-21 23:00", "A2", 2),
                               sent("S1R", "2025-03-05 10:00", "A1", 1),
                               sent("S2", "2025-07-30 10:00", "B1", 1), sent("S3", "2025-08-01 10:00", "B2", 2),
                               sent("S4", "2026-02-01 10:00", "C1", 1)])
    school.ingest()
    assert rule(school, "R-CHECK-LEAD", "2025-08-10") == {
        (113, 1): ("pass", "2 submitted items, all sent on or before 2025-02-21 (national_due 2025-02-28 − 7 days); "
                           "last 2025-02-21"),
        (113, 2): ("fail", "1 of 2 submitted items sent after 2025-07-31 (national_due 2025-08-07 − 7 days): "
                           "batches S3"),
        (114, 1): ("unknown", "no national_due in the 114-1 schedule"),
    }
    # As of 2025-02-01 nothing was sent yet (113-2 starts that day).
    assert rule(school, "R-CHECK-LEAD", "2025-02-01") == {
        (113, 1): ("unknown", "no item of 113-1 submitted yet (due by 2025-02-21)"),
        (113, 2): ("unknown", "no item of 113-2 submitted yet (due by 2025-07-31)")}
    assert rule(school, "R-CHECK-LEAD", "2025-08-10", zh=True) == {
        (113, 1): ("pass", "已提交 2 件，均於 2025-02-21 或之前送出（國教署上傳截止 2025-02-28 前 7 天）；"
                           "最後一件 2025-02-21"),
        (113, 2): ("fail", "已提交 2 件中，1 件於 2025-07-31 之後才送出（國教署上傳截止 2025-08-07 前 7 天）：批次 S3"),
        (114, 1): ("unknown", "114 學年度第 1 學期期程未填國教署上傳截止日"),
    }
    assert rule(school, "R-CHECK-LEAD", "2025-02-01", zh=True)[(113, 1)] == \
        ("unknown", "113 學年度第 1 學期尚無已提交的成果（應於 2025-02-21 或之前提交）")


def test_check_lead_without_submissions_is_unknown(school: School) -> None:
    school.add("students", roster(113, 1))
    school.schedule({"113-1": {"national_due": "2025-02-28"}})
    school.ingest()
    assert rule(school, "R-CHECK-LEAD", "2025-03-01") == {(113, 1): ("unknown", "no submissions file loaded")}
    assert rule(school, "R-CHECK-LEAD", "2025-03-01", zh=True) == {(113, 1): ("unknown", "未載入提交紀錄檔")}


def test_file_limits_apply_from_109(school: School) -> None:
    school.add("students", roster(108, 1) + roster(113, 1) + roster(113, 2) + roster(114, 1))
    long_summary = "很" * 101
    school.add("clo", [
        clo("Z1", 1, year=108, uploaded="2019-10-01", file_type="pdf", file_kb=9000),  # before the rule
        clo("A1", 1, file_type="pdf", file_kb=4096),  # at the limit
        clo("A2", 2, file_type="mp4", file_kb=10240),
        clo("A3", 3, file_type="jpg", file_kb=None),  # no size: summary checked only
        clo("B1", 1, semester=2, uploaded="2025-03-01", file_type="png", file_kb=4097),
        clo("B2", 2, semester=2, uploaded="2025-03-01", file_type="mp3", file_kb=10241),
        clo("B3", 3, semester=2, uploaded="2025-03-01", file_type="pdf", file_kb=10, summary=long_summary),
    ])
    school.add("courses", courses(113, 1) + courses(113, 2))
    school.ingest()
    assert rule(school, "R-FILE-LIMITS", "2025-09-01") == {
        (113, 1): ("pass", "3 live items, all within the limits; 1 without file type or size (summary checked only)"),
        (113, 2): ("fail", "3 of 3 live items break the limits: 1 pdf/jpg/png over 4096 KB, 1 mp3/mp4 over 10240 KB, "
                           "1 with a summary empty or over 100 characters (courses 物理)"),
        (114, 1): ("unknown", "no CLO file of 114-1 loaded"),
    }
    assert rule(school, "R-FILE-LIMITS", "2025-09-01", zh=True) == {
        (113, 1): ("pass", "有效成果 3 件，均未超出限制；1 件無檔案類型或大小（僅檢查簡述）"),
        (113, 2): ("fail", "有效成果 3 件中，3 件超出限制：文件或圖檔（PDF、JPG、PNG）超過 4096 KB 1 件、"
                           "影音檔（MP3、MP4）超過 10240 KB 1 件、簡述空白或超過 100 字 1 件（課程：物理）"),
        (114, 1): ("unknown", "未載入 114 學年度第 1 學期課程學習成果檔"),
    }
    rows = school.query("compliance", as_of="2025-09-01", where="academic_year = 108")
    assert rows and "R-FILE-LIMITS" not in {r["rule_id"] for r in rows}  # not in force before 109
    assert settings(school, "R-FILE-LIMITS", "2025-09-01")[(113, 1)] == \
        "pdf/jpg/png ≤4096 KB, mp3/mp4 ≤10240 KB, summary 1-100 characters"


# --- people ----------------------------------------------------------------------------------------

def test_retention_of_graduates_as_of(school: School) -> None:
    school.add("students", roster(113, 2, range(1, 4), grade=3, class_name="301")
               + [dict(academic_year=113, semester=2, national_id=School.student(n), student_no=f"113{n:04d}",
                       name=f"學生{n}", grade=3, class_name="301", seat_no=n, status="畢業",
                       status_changed_on="2025-06-06") for n in (4, 5, 6)])
    school.ingest()
    # The seal (5 years) ends 2030-06-06, a day still sealed (retention's reading): due from 2030-06-07.
    assert rule(school, "R-RETENTION", "2030-06-06") == {
        (118, None): ("pass", "3 graduates held, all within the seal (the first seal ends 2030-06-06)")}
    assert rule(school, "R-RETENTION", "2030-06-07") == {
        (118, None): ("fail", "3 graduates past the seal still held (graduated on or before 2025-06-06, "
                              "sealed until 2030-06-06 at the latest)")}
    # Before graduation day they are no graduates yet.
    assert rule(school, "R-RETENTION", "2025-03-01") == {(113, None): ("pass", "no graduate in the roster")}
    assert rule(school, "R-RETENTION", "2030-06-06", zh=True) == {
        (118, None): ("pass", "保存中的畢業生 3 人，均在封存期內（最早的封存期至 2030-06-06 屆滿）")}
    assert rule(school, "R-RETENTION", "2030-06-07", zh=True) == {
        (118, None): ("fail", "已過封存期仍保存的畢業生 3 人（於 2025-06-06 或之前畢業，封存期最晚至 2030-06-06）")}
    assert rule(school, "R-RETENTION", "2025-03-01", zh=True) == {(113, None): ("pass", "名冊中沒有畢業生")}


def test_retention_follows_the_rule_of_the_graduation_year(school: School) -> None:
    school.rules([{"effective_from": 113, "R-RETENTION": {"seal_years": 1}},
                  {"effective_from": 115, "R-RETENTION": {"seal_years": 3}}])
    school.add("students", [dict(academic_year=113, semester=2, national_id=School.student(1), student_no="1130001",
                                 name="學生1", grade=3, class_name="301", seat_no=1, status="畢業",
                                 status_changed_on="2025-06-06")])
    school.ingest()
    # A 113 graduate keeps 113's one-year seal though 115 sets three years: past since 2026-06-07.
    assert rule(school, "R-RETENTION", "2026-08-01") == {
        (115, None): ("fail", "fewer than 3 graduates past the seal still held (graduated on or before 2025-06-06, "
                              "sealed until 2026-06-06 at the latest)")}
    assert rule(school, "R-RETENTION", "2026-08-01", zh=True) == {
        (115, None): ("fail", "已過封存期仍保存的畢業生 未滿 3 人（於 2025-06-06 或之前畢業，封存期最晚至 2026-06-06）")}
    assert settings(school, "R-RETENTION", "2026-08-01") == {
        (115, None): "graduates deleted only after a seal of 1 year from graduation (the rule of their graduation year)"}


def test_retention_without_a_roster_is_unknown(school: School) -> None:
    school.add("meetings", [dict(date="2024-09-12", title="會議")])
    school.ingest()
    assert rule(school, "R-RETENTION", "2025-03-01") == {(113, None): ("unknown", "no roster loaded")}
    assert rule(school, "R-RETENTION", "2025-03-01", zh=True) == {(113, None): ("unknown", "未載入學生名冊")}


STAFF = [
    dict(teacher_code="T01", name="物理老師", roles="任課教師", left_on="2025-01-15"),
    dict(teacher_code="T02", name="化學老師", roles="任課教師"),
    dict(teacher_code="T03", name="協行教師", roles="學習歷程檔案協行教師"),
    dict(teacher_code="T04", name="註冊組長", roles="註冊組長"),
    dict(teacher_code="T05", name="註冊組幹事", roles="註冊組幹事"),
]


def test_proxy_for_pending_items_of_a_teacher_who_left(school: School) -> None:
    school.add("students", roster(113, 1) + roster(113, 2))
    school.add("courses", courses(113, 1) + courses(113, 2))
    school.add("staff", STAFF)
    school.add("clo", [clo("A1", 1, cert="待認證", certified_at=None),  # T01's, pending
                       clo("A2", 2, cert="待認證", certified_at=None),
                       clo("A3", 3, certified_at="2024-10-05"),  # certified: needs no one
                       clo("B1", 1, semester=2, course=C0, uploaded="2025-03-01", cert="待認證", certified_at=None)])
    school.ingest()
    # As of 2025-01-14 T01 is still active.
    assert rule(school, "R-PROXY-TEACHER", "2025-01-14") == {
        (113, 1): ("pass", "no pending item of a teacher no longer active")}
    # Once T01 left, with no proxies file: unknown (a proxy may exist unrecorded).
    assert rule(school, "R-PROXY-TEACHER", "2025-03-01") == {
        (113, 1): ("unknown", "2 pending items of teachers no longer active without a proxy in force: T01 (2); "
                              "no proxies file loaded"),
        (113, 2): ("pass", "no pending item of a teacher no longer active"),
    }
    school.add("proxies", [dict(original_code="T01", proxy_code="T02", basis="會議", starts_on="2025-02-10")])
    school.ingest()
    assert rule(school, "R-PROXY-TEACHER", "2025-02-01")[(113, 1)] == \
        ("fail", "2 pending items of teachers no longer active without a proxy in force: T01 (2)")
    assert rule(school, "R-PROXY-TEACHER", "2025-03-01")[(113, 1)] == \
        ("pass", "2 pending items of teachers no longer active, all with a proxy: T01→T02")
    assert rule(school, "R-PROXY-TEACHER", "2025-03-01", zh=True)[(113, 1)] == \
        ("pass", "離職教師的待認證成果 2 件，均已有代理人：T01→T02")
    assert rule(school, "R-PROXY-TEACHER", "2025-02-01", zh=True) == {
        (113, 1): ("fail", "離職教師的待認證成果中，2 件尚無有效代理人：T01（2 件）"),
        (113, 2): ("pass", "沒有離職教師的待認證成果"),
    }


def test_proxy_for_teachers_needs_staff_and_items(school: School) -> None:
    school.add("students", roster(113, 1))
    school.add("clo", [clo("A1", 1, cert="待認證", certified_at=None)])
    school.ingest()
    assert rule(school, "R-PROXY-TEACHER", "2025-03-01") == {(113, 1): ("unknown", "no staff file loaded")}
    assert rule(school, "R-PROXY-ADMIN", "2025-03-01") == {(113, None): ("unknown", "no staff file loaded")}
    assert rule(school, "R-PROXY-ADMIN", "2025-03-01", zh=True) == {(113, None): ("unknown", "未載入教職員檔")}


def test_proxy_chain_of_administrators(school: School) -> None:
    school.add("students", roster(113, 1))
    staff = [dict(s) for s in STAFF]
    staff[2]["disabled_on"] = "2024-12-31"  # T03, the portfolio assistant, leaves
    school.add("staff", staff)
    school.ingest()
    assert rule(school, "R-PROXY-ADMIN", "2025-03-01") == {(113, None): (
        "pass", "active: T04 (registrar_head), T05 (registrar_clerk); "
                "inactive: T03 (portfolio_assistant) since 2024-12-31, no proxy in force")}
    assert rule(school, "R-PROXY-ADMIN", "2025-03-01", zh=True) == {(113, None): (
        "pass", "在職：T04（註冊組長）、T05（註冊組幹事）；"
                "不在職：T03（學習歷程檔案協行教師）自 2024-12-31 起離職或停用，尚無有效代理人")}


def test_proxy_chain_with_no_one_active(school: School) -> None:
    school.add("students", roster(113, 1))
    school.add("staff", [dict(teacher_code="T03", name="協行教師", roles="學習歷程檔案協行教師,註冊組長",
                              left_on="2024-12-31")])
    school.ingest()
    assert rule(school, "R-PROXY-ADMIN", "2025-03-01") == {(113, None): (
        "unknown", "no one in the chain active; inactive: T03 (portfolio_assistant/registrar_head) since 2024-12-31, "
                   "no proxy in force; no proxies file loaded")}
    assert rule(school, "R-PROXY-ADMIN", "2025-03-01", zh=True) == {(113, None): (
        "unknown", "代理順位中無人在職；不在職：T03（學習歷程檔案協行教師／註冊組長）自 2024-12-31 起離職或停用，"
                   "尚無有效代理人；未載入代理人檔")}
    school.add("proxies", [dict(original_code="T03", proxy_code="T09", basis="簽呈", starts_on="2025-04-01")])
    school.ingest()
    assert rule(school, "R-PROXY-ADMIN", "2025-03-01") == {(113, None): (
        "fail", "no one in the chain active; inactive: T03 (portfolio_assistant/registrar_head) since 2024-12-31, "
                "no proxy in force")}
    assert rule(school, "R-PROXY-ADMIN", "2025-04-01") == {(113, None): (
        "pass", "no one in the chain active; inactive: T03 (portfolio_assistant/registrar_head) since 2024-12-31, "
                "proxy T09")}
    assert rule(school, "R-PROXY-ADMIN", "2025-04-01", zh=True) == {(113, None): (
        "pass", "代理順位中無人在職；不在職：T03（學習歷程檔案協行教師／註冊組長）自 2024-12-31 起離職或停用，代理人 T09")}


def test_proxy_chain_nobody_holds_a_role_of_it(school: School) -> None:
    school.add("students", roster(113, 1))
    school.add("staff", STAFF[:2])
    school.ingest()
    assert rule(school, "R-PROXY-ADMIN", "2025-03-01") == {(113, None): (
        "fail", "no one in the staff list is portfolio_assistant, registrar_head or registrar_clerk")}
    assert rule(school, "R-PROXY-ADMIN", "2025-03-01", zh=True) == {(113, None): (
        "fail", "教職員名單中沒有學習歷程檔案協行教師、註冊組長或註冊組幹事")}


def test_students_who_left_with_unconfirmed_receipts(school: School) -> None:
    # 113-2: students 1-3 enrolled, 4-6 graduated. 114-1: students 1-3 enrolled, student 3 transfers out.
    school.add("students", roster(113, 2, range(1, 4)) + roster(113, 2, range(4, 7), status="畢業")
               + roster(114, 1, range(1, 3)) + roster(114, 1, range(3, 4), status="轉出"))
    school.add("receipts", [dict(receipt_batch="R1132C", academic_year=113, kind="課程學習成果",
                                 national_id=School.student(n), course_code=C1, summary="實驗報告",
                                 received_at="2025-08-20 09:00") for n in range(1, 7)])
    school.ingest()
    assert rule(school, "R-LEFT-MAIL", "2025-09-30") == {
        (113, None): ("unknown", "no confirmations of batch R1132C loaded"),
        (114, None): ("unknown", "no receipt batch of 114 loaded"),
    }
    assert rule(school, "R-LEFT-MAIL", "2025-09-30", zh=True) == {
        (113, None): ("unknown", "未載入批次 R1132C 的收訖確認"),
        (114, None): ("unknown", "未載入 114 學年度的收訖明細"),
    }
    school.add("confirmations", [
        dict(receipt_batch="R1132C", national_id=School.student(1), state="未確認"),  # enrolled: no mail
        dict(receipt_batch="R1132C", national_id=School.student(2), state="確認無誤", confirmed_at="2025-09-01"),
        dict(receipt_batch="R1132C", national_id=School.student(3), state="未確認"),  # left in 114-1
        dict(receipt_batch="R1132C", national_id=School.student(4), state="未確認"),  # graduated
        dict(receipt_batch="R1132C", national_id=School.student(5), state="未確認"),
        dict(receipt_batch="R1132C", national_id=School.student(6), state="確認無誤", confirmed_at="2025-09-02"),
    ])
    school.ingest()
    assert rule(school, "R-LEFT-MAIL", "2025-09-30")[(113, None)] == (
        "pass", "3 students no longer enrolled with unconfirmed receipts (batches R1132C): "
                "on the mail list (receipt_confirmation.mail_needed)")
    # As of 2025-08-31 student 6 had not confirmed yet, and 114-1 (Aug 1) had started: 4 to mail.
    assert rule(school, "R-LEFT-MAIL", "2025-08-31")[(113, None)] == (
        "pass", "4 students no longer enrolled with unconfirmed receipts (batches R1132C): "
                "on the mail list (receipt_confirmation.mail_needed)")
    # Before 114-1 starts, student 3 is still enrolled (113-2 roster): students 4 and 5 remain, counted as few.
    assert rule(school, "R-LEFT-MAIL", "2025-07-31") == {
        (113, None): ("unknown", "no receipt batch of 113 loaded")}  # received 2025-08-20
    assert rule(school, "R-LEFT-MAIL", "2025-09-30", zh=True)[(113, None)] == (
        "pass", "已不在學且未確認收訖的學生 3 人（批次 R1132C）：已列入紙本通知名單")
    # Once the batch's confirmation period has closed (receipt_confirm_to 2025-09-15), no letter is due
    # (metrics v2): the evidence says so, and still counts the three who never confirmed.
    school.schedule({"113-1": {"receipt_confirm_to": "2025-09-15"}, "113-2": {"receipt_confirm_to": "2025-09-15"}})
    school.ingest()
    assert rule(school, "R-LEFT-MAIL", "2025-09-30")[(113, None)] == (
        "pass", "no letter due: the confirmation period has closed for the 3 students no longer enrolled "
                "with unconfirmed receipts (batches R1132C)")
    assert rule(school, "R-LEFT-MAIL", "2025-09-30", zh=True)[(113, None)] == (
        "pass", "無需寄發：已不在學且未確認收訖的學生 3 人，其收訖確認期間已結束（批次 R1132C）")
    # Before the period closes the same three are on the mail list.
    assert rule(school, "R-LEFT-MAIL", "2025-09-14")[(113, None)][1].startswith("3 students no longer enrolled")


def test_left_mail_without_a_roster_is_unknown(school: School) -> None:
    school.schedule({"113-2": {"published_on": "2025-02-10"}})
    school.add("receipts", [dict(receipt_batch="R1132C", academic_year=113, kind="課程學習成果",
                                 national_id=School.student(1), course_code=C1, summary="實驗報告",
                                 received_at="2025-08-20 09:00")])
    school.add("confirmations", [dict(receipt_batch="R1132C", national_id=School.student(1), state="未確認")])
    school.ingest()
    assert rule(school, "R-LEFT-MAIL", "2025-09-30") == {(113, None): ("unknown", "no roster loaded")}
    assert rule(school, "R-LEFT-MAIL", "2025-09-30", zh=True) == {(113, None): ("unknown", "未載入學生名冊")}


# --- privacy -----------------------------------------------------------------------------------------

def test_evidence_names_no_student(school: School) -> None:
    school.add("students", roster(113, 1) + roster(113, 2, status="畢業"))
    school.add("courses", courses(113, 1))
    school.add("staff", STAFF)
    school.add("clo", [clo(f"A{i}", 1, selected=True, cert="待認證", certified_at=None) for i in range(12)])
    school.add("submissions", [sent("S1", "2025-02-01", "A1", 1)])
    school.ingest()
    rows = school.query("compliance", as_of="2031-01-01")
    assert any(r["status"] == "fail" for r in rows)
    for r in rows:
        for n in (1, 2, 3):
            for text in (r["evidence"], r["evidence_zh"]):
                assert f"113{n:04d}" not in text and f"學生{n}" not in text
                assert School.student(n) not in text and school.hash(School.student(n)) not in text
