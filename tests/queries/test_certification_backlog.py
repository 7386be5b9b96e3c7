"""certification_backlog: CLO items waiting for certification as of a date, and who must certify them."""

from __future__ import annotations

import datetime as dt

from .school import School

AS_OF = "2024-12-01"
K = {n: "B" * 16 + f"{n:07d}" for n in range(1, 7)}  # 23-character course codes

COLUMNS = ("item_id", "academic_year", "semester", "class_name", "student_no", "course_code", "course_name",
           "teacher_code", "teacher_name", "uploaded_at", "waiting_days", "certify_due", "days_to_due",
           "overdue", "teacher_active", "assignee_code", "needs_proxy")


def ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _clo(school: School, item_id: str, n: int, course: int, uploaded_at: str, cert_status: str = "待認證", *,
         certified_at: str | None = None, deleted_at: str | None = None, teacher_code: str | None = None,
         semester: int = 1) -> dict:
    return dict(item_id=item_id, academic_year=113, semester=semester, national_id=school.student(n),
                course_code=K[course], teacher_code=teacher_code, summary="成果", uploaded_at=uploaded_at,
                cert_status=cert_status, certified_at=certified_at, selected="", deleted_at=deleted_at)


def _build(school: School, *, with_schedule: bool = True) -> None:
    school.add("students", [
        dict(academic_year=113, semester=1, national_id=school.student(n), student_no=f"113{n:04d}",
             name=f"學生{n}", grade=1, class_name="101", seat_no=n, status=status)
        for n, status in ((1, "在學"), (2, "在學"), (3, "轉出"))
    ])
    school.add("courses", [
        dict(academic_year=113, semester=1, course_code=K[c], course_name=name, credits=2, class_name="101",
             teacher_code=teacher, teacher_name=teacher_name)
        for c, name, teacher, teacher_name in (
            (1, "國語文", "T10", "陳老師"),
            (2, "數學", "T11", "李老師"),
            (3, "英語文", "T13", "吳老師"),
            (4, "物理", "T14", "周老師"),
            (5, "音樂", "T99", "外聘老師"),  # T99 is not in the staff list
        )
    ])
    school.add("staff", [
        dict(teacher_code="T10", name="陳大文", roles="任課教師"),                         # active
        dict(teacher_code="T11", name="李小華", roles="任課教師", left_on="2024-11-15"),    # left
        dict(teacher_code="T12", name="黃代理", roles="任課教師"),                         # a proxy
        dict(teacher_code="T13", name="吳明", roles="任課教師", disabled_on="2024-12-01"),  # off on as_of
        dict(teacher_code="T14", name="周杰", roles="任課教師", left_on="2024-12-02"),      # leaves later
    ])
    school.add("proxies", [
        dict(original_code="T11", proxy_code="T12", basis="會議", starts_on="2024-11-16"),           # in force
        dict(original_code="T13", proxy_code="T12", basis="簽呈", starts_on="2024-11-01",
             ends_on="2024-11-30"),                                                                # expired
    ])
    school.add("clo", [
        _clo(school, "B1", 1, 1, "2024-10-01 10:00"),
        _clo(school, "B2", 1, 2, "2024-11-20 23:30"),
        _clo(school, "B3", 2, 3, "2024-11-30 08:00"),
        _clo(school, "B4", 3, 4, "2024-11-01 09:00", "認證通過", certified_at="2024-12-05 10:00"),
        _clo(school, "B5", 1, 5, "2024-11-10 10:00"),
        _clo(school, "B6", 2, 1, "2024-12-01 23:59", teacher_code="T12"),  # the row names its teacher
        _clo(school, "B7", 1, 1, "2024-10-01 10:00", "認證通過", certified_at="2024-10-02 10:00"),
        _clo(school, "B8", 1, 1, "2024-10-01 10:00", deleted_at="2024-11-20 10:00"),
        _clo(school, "B9", 1, 1, "2024-12-03 10:00"),
        _clo(school, "B10", 2, 1, "2024-10-01 10:00", "認證未通過", certified_at="2024-11-29 10:00"),
        _clo(school, "B11", 2, 6, "2024-11-25 10:00", deleted_at="2024-12-10 10:00"),  # course not listed
    ])
    if with_schedule:
        school.schedule({"113-1": {"clo_upload_due": "2024-11-15", "clo_certify_due": "2024-11-30"}})
    school.ingest()


def _rows(school: School, as_of: str = AS_OF) -> list[tuple]:
    return [tuple(r[c] for c in COLUMNS)
            for r in school.query("certification_backlog", as_of=as_of, order_by="item_id")]


def test_backlog_lists_pending_live_items_and_who_must_certify_them(school: School) -> None:
    _build(school)
    # as_of 2024-12-01, certify_due 2024-11-30: days_to_due = -1, overdue for every 113-1 item.
    # Not listed: B7 (certified 10-02), B8 (deleted 11-20), B9 (uploaded 12-03), B10 (rejected 11-29).
    assert _rows(school) == [
        # B1: teacher from courses (no code in the row); waiting 10-01 -> 12-01 = 61 days.
        ("B1", 113, 1, "101", "1130001", K[1], "國語文", "T10", "陳大文", ts("2024-10-01 10:00"), 61,
         d("2024-11-30"), -1, True, True, "T10", False),
        # B10 < B11 < B2 in text order. B10 is rejected, so not here.
        # B11: course in no course list, no code in the row -> teacher unknown: active/assignee/
        # needs_proxy NULL. Deleted 12-10, after as_of: still waiting. 11-25 -> 12-01 = 6 days.
        ("B11", 113, 1, "101", "1130002", K[6], None, None, None, ts("2024-11-25 10:00"), 6,
         d("2024-11-30"), -1, True, None, None, None),
        # B2: T11 left 11-15; proxy T12 in force since 11-16 -> assignee T12. Uploaded 23:30 on 11-20:
        # whole days by date, 11-20 -> 12-01 = 11.
        ("B2", 113, 1, "101", "1130001", K[2], "數學", "T11", "李小華", ts("2024-11-20 23:30"), 11,
         d("2024-11-30"), -1, True, False, "T12", False),
        # B3: T13's account disabled on as_of itself -> inactive; the proxy ended 11-30 -> none in force.
        ("B3", 113, 1, "101", "1130002", K[3], "英語文", "T13", "吳明", ts("2024-11-30 08:00"), 1,
         d("2024-11-30"), -1, True, False, None, True),
        # B4: a student who transferred out; certified only on 12-05 -> still pending. T14 leaves 12-02
        # -> still active on as_of.
        ("B4", 113, 1, "101", "1130003", K[4], "物理", "T14", "周杰", ts("2024-11-01 09:00"), 30,
         d("2024-11-30"), -1, True, True, "T14", False),
        # B5: T99 is not in the staff list -> name from courses, taken as active.
        ("B5", 113, 1, "101", "1130001", K[5], "音樂", "T99", "外聘老師", ts("2024-11-10 10:00"), 21,
         d("2024-11-30"), -1, True, True, "T99", False),
        # B6: uploaded 23:59 on as_of -> live, waiting 0 days; the row's own teacher code T12 wins
        # over the course's T10.
        ("B6", 113, 1, "101", "1130002", K[1], "國語文", "T12", "黃代理", ts("2024-12-01 23:59"), 0,
         d("2024-11-30"), -1, True, True, "T12", False),
    ]


def test_backlog_extra_columns_name_the_assignee_and_flag_staff_gaps(school: School) -> None:
    _build(school)
    rows = {r["item_id"]: r for r in school.query("certification_backlog", as_of=AS_OF)}
    assert (rows["B2"]["assignee_name"], rows["B2"]["proxy_basis"], rows["B2"]["teacher_inactive_since"]) \
        == ("黃代理", "meeting", d("2024-11-15"))
    assert (rows["B1"]["assignee_name"], rows["B1"]["proxy_basis"]) == ("陳大文", None)
    assert (rows["B5"]["teacher_in_staff"], rows["B5"]["assignee_name"]) == (False, "外聘老師")
    assert rows["B4"]["student_enrolled"] is False and rows["B1"]["student_enrolled"] is True


def test_backlog_before_the_due_date_and_once_proxies_change(school: School) -> None:
    _build(school)
    # as_of 2024-11-20: waiting are B1 (up 10-01), B10 (rejected only on 11-29), B2 (up 23:30 on
    # as_of itself), B4 (up 11-01), B5 (up 11-10). B7 is certified; B8 was deleted on as_of (gone);
    # B3, B6, B9, B11 are not up yet. T11 left 11-15 and the proxy starts 11-16 -> T12.
    # days_to_due = 11-30 - 11-20 = 10, not overdue. waiting: 10-01 -> 11-20 = 50, 11-01 -> 19.
    rows = _rows(school, "2024-11-20")
    assert [(r[0], r[10], r[12], r[13], r[14], r[15], r[16]) for r in rows] == [
        ("B1", 50, 10, False, True, "T10", False),
        ("B10", 50, 10, False, True, "T10", False),
        ("B2", 0, 10, False, False, "T12", False),
        ("B4", 19, 10, False, True, "T14", False),
        ("B5", 10, 10, False, True, "T99", False),
    ]
    # as_of 2024-11-16: T11 left (11-15) and the proxy is in force from 11-16 (its first day).
    # as_of 2024-11-15: T11 leaves that day -> inactive, and no proxy yet -> needs a proxy.
    school.add("clo", [_clo(school, "B12", 1, 2, "2024-11-14 10:00")])
    school.ingest()
    b12 = {r[0]: r for r in _rows(school, "2024-11-16")}["B12"]
    assert (b12[14], b12[15], b12[16]) == (False, "T12", False)
    b12 = {r[0]: r for r in _rows(school, "2024-11-15")}["B12"]
    assert (b12[14], b12[15], b12[16]) == (False, None, True)


def test_backlog_without_a_schedule_leaves_due_figures_unknown(school: School) -> None:
    _build(school, with_schedule=False)
    rows = {r[0]: r for r in _rows(school)}
    # No 期程 loaded: certify_due, days_to_due and overdue are NULL, the rest is unchanged.
    assert rows["B1"] == ("B1", 113, 1, "101", "1130001", K[1], "國語文", "T10", "陳大文",
                          ts("2024-10-01 10:00"), 61, None, None, None, True, "T10", False)
    assert sorted(rows) == ["B1", "B11", "B2", "B3", "B4", "B5", "B6"]


def test_backlog_grain_is_unique(school: School) -> None:
    _build(school)
    for as_of in ("2024-11-20", AS_OF, "2025-07-31"):
        ids = [r["item_id"] for r in school.query("certification_backlog", as_of=as_of)]
        assert ids and len(ids) == len(set(ids))
