"""The students' portfolio items: course learning outcomes (課程學習成果, CLO) and diverse
performances (多元表現, MP), with uploads, certification, selection (勾選) and deletion.

Calibration (public figures for a typical school year):
- about 29% of enrolled students submit no CLO in an academic year and about 47% no MP;
- those who submit, submit "about 7 of each".
R-CLO-SUBMIT-MAX caps CLO submission at 6 a year (MP at 10), so "about 7" cannot hold for CLO as
submitted items. We read it as: MP submitters submit ~7.3 a year (1-10, a handful over 10); CLO
submitters sit close to the cap (70% submit exactly 6, mean ~5.3) while *uploading* ~7-9 a year,
since students upload more than they may submit. A handful breach each quota (7-8 CLO submitted,
11-12 MP, 11-13 CLO uploads in a semester) so the quota view has something to find.

Everything here is the whole simulated history; `_asof` later cuts it at the export moment (an item
certified after `as_of` is still pending in the files, and so on). Items are made one term at a
time, so the national-scale run holds one term's working arrays at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
import numpy.typing as npt
import polars as pl

from . import _words as words
from ._calendar import DAY, HOUR, NEVER, STUDENT_HOURS, TERMS, day, time_of_day, to_date, to_datetime
from ._columns import enum_table, take
from ._courses import Courses, section_of
from ._people import Students
from ._random import expand, stream, weighted
from ._staff import Staff

CLO_SUBMITTER_SHARE = 0.73  # a little over 71%: a few submitters lose their items (left, late, deleted)
CLO_COUNTS = (1, 2, 3, 4, 5, 6)
CLO_COUNT_WEIGHTS = (3, 4, 5, 8, 10, 70)
CLO_SUBMIT_BREACH = 0.005  # submitters who select 7-8 (over R-CLO-SUBMIT-MAX)
CLO_UPLOAD_CAP = 10  # R-CLO-UPLOAD-MAX
CLO_UPLOAD_BREACH = 0.0025  # student-terms over the upload cap
MP_SUBMITTER_SHARE = 0.54
MP_SUBMIT_BREACH = 0.005
SURGE_SHARE = 0.36  # uploads in the last three days before clo_upload_due
SURGE_DAYS = (0.55, 0.30, 0.15)  # on the due day, the day before, two days before
CERT_TAIL_SHARE = 0.10  # certifications that take 8-40 days (of items students do not go on to select)
CERT_TAIL_SELECTED_SHARE = 0.02  # of items they select: those mostly got certified in time
REJECT_SHARE = 0.06
DELETE_SHARE = 0.03
LATE_SELECT_SHARE = 0.01
UNCERTIFIED_SUBMIT_SHARE = 0.004
MP_NO_SEMESTER_SHARE = 0.15
CERT_STATUS = ("待認證", "認證通過", "認證未通過")


def batch_times() -> dict[tuple[str, int], list[tuple[str, int]]]:
    """(kind, term) -> [(batch id, submitted at in epoch seconds)]. The school submits the day after
    the selection deadline; 113-2 CLO has a supplementary batch a week later; 113-1 MP went out
    late, four days before the national deadline (R-CHECK-LEAD fails there)."""
    out: dict[tuple[str, int], list[tuple[str, int]]] = {}
    for t in TERMS:
        clo_main = (day(t.due("clo_select_due")) + 1) * DAY + 10 * HOUR + 30 * 60 + t.index * 7 * 60
        out[("clo", t.index)] = [(f"S{t.year}{t.semester}C01", clo_main)]
        if t.index == 1:
            out[("clo", t.index)].append((f"S{t.year}{t.semester}C02",
                                          (day(t.due("clo_select_due")) + 8) * DAY + 15 * HOUR + 10 * 60))
        if t.index == 0:
            mp = (day(t.due("national_due")) - 4) * DAY + 16 * HOUR + 45 * 60
        else:
            mp = (day(t.due("mp_select_due")) + 2) * DAY + 14 * HOUR + 20 * 60 + t.index * 3 * 60
        out[("mp", t.index)] = [(f"S{t.year}{t.semester}M01", mp)]
    return out


@dataclass(frozen=True)
class Plan:
    """Per student-term (rows of the active roster): items to upload and how many to select."""

    rows: pl.DataFrame
    uploads: np.ndarray
    selects: np.ndarray


def _student_terms(students: Students) -> tuple[pl.DataFrame, np.ndarray, int]:
    """Roster rows of students who studied in the term; each row's student-year, and their count."""
    rows = students.roster.filter(pl.col("active")).select(
        "term", "academic_year", "semester", "student", "grade", "class_no", "leaving", "graduating",
        pl.col("last_day").cast(pl.Int32).cast(pl.Int64).alias("last_day"),
    ).with_columns((~pl.col("leaving") & ~pl.col("graduating")).alias("selectable"))
    sy = rows["student"].to_numpy().astype(np.int64) * 2 + rows["academic_year"].to_numpy() - TERMS[0].year
    keys, inverse = np.unique(sy, return_inverse=True)
    return rows, inverse, keys.size


def _split_by_term(rng: np.random.Generator, rows: pl.DataFrame, inverse: np.ndarray, n_sy: int,
                   submitter: np.ndarray, k: np.ndarray, first_share: float) -> np.ndarray:
    """How many of a student-year's `k` selections fall in each of its selectable terms (a student
    who leaves, or graduates in semester 2, selects everything in the term they can)."""
    selectable = rows["selectable"].to_numpy()
    n_selectable = np.bincount(inverse, weights=selectable, minlength=n_sy).astype(np.int64)
    first_part = rng.binomial(k, first_share)
    sem = rows["semester"].to_numpy()
    kk, first, nsel = k[inverse], first_part[inverse], n_selectable[inverse]
    s = np.where(nsel == 2, np.where(sem == 1, first, kk - first), kk)
    return np.where(selectable & submitter[inverse], s, 0)


def _upload_days(rng: np.random.Generator, start: np.ndarray, end: np.ndarray, due: np.ndarray,
                 surge_share: float) -> np.ndarray:
    """Upload days: a spread that leans late in the term, plus a surge just before the deadline."""
    n = start.size
    spread = start + np.floor(np.maximum(end - start + 1, 1) * rng.beta(1.6, 1.0, n)).astype(np.int64)
    surge = (end >= due) & (rng.random(n) < surge_share)
    surge_day = due - weighted(rng, SURGE_DAYS, n)
    days: npt.NDArray[np.int64] = np.minimum(np.where(surge, surge_day, spread), end)
    return days


def _ids(prefix: str, year: int, semester: int, n: int, width: int) -> pl.Series:
    """Platform item numbers: prefix, 學年度, 學期, then a count in upload order."""
    return pl.select(pl.concat_str([pl.lit(f"{prefix}{year}{semester}"),
                                    (pl.int_range(1, n + 1)).cast(pl.String).str.zfill(width)])).to_series()


def _departures(staff: Staff) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per teacher: the first second without access (NEVER if still here), proxy, proxy's start."""
    n = staff.frame.height
    gone = np.full(n, NEVER, dtype=np.int64)
    proxy = np.full(n, -1, dtype=np.int64)
    proxy_from = np.zeros(n, dtype=np.int64)
    d = staff.departed
    if d.height:
        t = d["teacher"].to_numpy()
        gone[t] = d["gone_day"].to_numpy() * DAY
        proxy[t] = d["proxy"].to_numpy()
        proxy_from[t] = d["proxy_from"].to_numpy() * DAY + 9 * HOUR
    return gone, proxy, proxy_from


def plan_clo(students: Students, seed: int) -> Plan:
    rng = stream(seed, "clo-plan")
    rows, inverse, n_sy = _student_terms(students)
    submitter = rng.random(n_sy) < CLO_SUBMITTER_SHARE
    k = np.asarray(CLO_COUNTS)[weighted(rng, CLO_COUNT_WEIGHTS, n_sy)]
    k = np.where(rng.random(n_sy) < CLO_SUBMIT_BREACH, rng.integers(7, 9, n_sy), k)
    s = _split_by_term(rng, rows, inverse, n_sy, submitter, k, 0.5)
    selectable = rows["selectable"].to_numpy()
    n = rows.height
    extra_sub = rng.poisson(1.8, n)
    extra_non = (rng.random(n) < 0.35) * (1 + rng.poisson(1.0, n))
    extra_gone = (rng.random(n) < 0.5) * rng.poisson(1.5, n)
    u = np.where(selectable, np.where(submitter[inverse], s + extra_sub, extra_non), extra_gone)
    u = np.minimum(u, CLO_UPLOAD_CAP)
    over = (u >= 4) & (rng.random(n) < CLO_UPLOAD_BREACH)
    u = np.where(over, rng.integers(CLO_UPLOAD_CAP + 1, CLO_UPLOAD_CAP + 4, n), u)
    return Plan(rows, np.maximum(u, s), s)


def build_clo(students: Students, courses: Courses, staff: Staff, seed: int) -> pl.DataFrame:
    plan = plan_clo(students, seed)
    sections = courses.sections
    # Summaries: course name + form + topic, as one enum over every combination.
    names = pl.Series(cast(pl.Enum, sections["course_name"].dtype).categories)  # an enum: build_courses
    forms, topics = len(words.CLO_FORMS), len(words.CLO_TOPICS)
    summaries = enum_table([f"{n}{f}：{t}" for n in names.to_list() for f in words.CLO_FORMS for t in words.CLO_TOPICS])
    name_idx = sections["course_name"].to_physical().to_numpy().astype(np.int64)
    tables = {
        "course_code": sections["course_code"], "course_name": sections["course_name"],
        "teacher_code": staff_codes(staff), "file_type": enum_table([t for t, _ in words.FILE_TYPES]),
        "status": enum_table(CERT_STATUS), "notes_rejected": enum_table(words.CERT_NOTES_REJECTED),
        "notes": enum_table(words.CERT_NOTES_REJECTED + words.CERT_NOTES_CERTIFIED), "summary": summaries,
    }
    gone, proxy, proxy_from = _departures(staff)
    teacher_of = sections["teacher"].to_numpy()
    frames = []
    for t in TERMS:
        rng = stream(seed, f"clo-{t.key}")
        in_term = plan.rows["term"].to_numpy() == t.index
        rows = plan.rows.filter(pl.Series(in_term))
        owner, rank = expand(plan.uploads[in_term])
        m = owner.size
        if m == 0:
            continue
        to_select = rank < plan.selects[in_term][owner]
        grade = rows["grade"].to_numpy().astype(np.int64)[owner]
        class_no = rows["class_no"].to_numpy().astype(np.int64)[owner]
        student = rows["student"].to_numpy()[owner]
        first = section_of(courses, np.full(m, t.index), grade, class_no, students.classes_per_grade,
                           np.full(m, t.semester))
        section = first + (rng.random(m) * courses.credited[t.semester - 1, grade - 1]).astype(np.int64)
        teacher = teacher_of[section].astype(np.int64)
        del first, grade, class_no

        # Uploads: from three weeks into the term to the deadline (or the day the student left).
        due = day(t.due("clo_upload_due"))
        end = np.minimum(rows["last_day"].to_numpy()[owner], due)
        up_day = _upload_days(rng, np.full(m, day(t.classes_start) + 21), end, np.full(m, due), SURGE_SHARE)
        uploaded = up_day * DAY + time_of_day(rng, m, STUDENT_HOURS)
        del up_day, end

        # Certification: most within days, a tail of weeks (past clo_certify_due).
        delay = np.exp(rng.normal(np.log(2.5 * DAY), 0.9, m))
        tail = rng.random(m) < np.where(to_select, CERT_TAIL_SELECTED_SHARE, CERT_TAIL_SHARE)
        delay = np.where(tail, rng.uniform(8 * DAY, 40 * DAY, m), delay)
        certified = uploaded + delay.astype(np.int64)
        del delay
        rejected = ~to_select & (rng.random(m) < REJECT_SHARE)
        # Teachers who left: after their last day a proxy certifies (slowly, not always), or no one.
        stranded = certified >= gone[teacher]
        has_proxy = stranded & (proxy[teacher] >= 0)
        proxy_delay = np.exp(rng.normal(np.log(4 * DAY), 0.8, m)).astype(np.int64)
        certified = np.where(has_proxy, np.maximum(certified, proxy_from[teacher]) + proxy_delay, certified)
        certifier = np.where(has_proxy, proxy[teacher], teacher)
        never = (stranded & ~has_proxy) | (has_proxy & (rng.random(m) < 0.15))
        del proxy_delay, has_proxy
        # Deletions (never of items to be selected): deleted before certification, it stays pending.
        deleted = np.where(~to_select & (rng.random(m) < DELETE_SHARE),
                           uploaded + rng.integers(HOUR // 2, 15 * DAY, m), NEVER)
        never |= deleted < certified
        certified = np.where(never, NEVER, certified)
        decided = ~never

        # Selection: between certification and the deadline, leaning late; a few late or uncertified.
        select_end = t.end_of("clo_select_due")
        main_batch = batch_times()[("clo", t.index)][0][1]
        selects = to_select & decided & ~rejected
        late = rng.random(m) < LATE_SELECT_SHARE
        on_time = (certified < select_end) & ~late
        sel = np.where(on_time, certified + ((select_end - certified) * rng.beta(2.0, 1.2, m)).astype(np.int64),
                       np.maximum(certified, select_end) + rng.integers(HOUR, 8 * DAY, m))
        sel = np.maximum(sel, certified + 60)
        uncertified = selects & ~stranded & (rng.random(m) < UNCERTIFIED_SUBMIT_SHARE)
        certified = np.where(uncertified, main_batch + rng.integers(DAY, 6 * DAY, m), certified)
        sel = np.where(uncertified, uploaded + rng.integers(HOUR, 2 * DAY, m), sel)
        sel = np.where(selects, sel, NEVER)
        del late, on_time, uncertified, stranded

        # Content.
        summary = (name_idx[section] * forms + rng.integers(0, forms, m)) * topics + rng.integers(0, topics, m)
        ftype = weighted(rng, [w for _, w in words.FILE_TYPES], m)
        kb = np.where(ftype >= 3, rng.integers(800, 10_240, m), np.minimum(np.exp(rng.normal(6.3, 0.9, m)), 4096))
        status = np.where(never, 0, np.where(rejected, 2, 1))
        note_pick = rng.integers(0, 1000, m)
        note = np.where(status == 2, note_pick % len(words.CERT_NOTES_REJECTED),
                        len(words.CERT_NOTES_REJECTED) + note_pick % len(words.CERT_NOTES_CERTIFIED))
        no_note = (status == 0) | ((status == 1) & (note_pick >= 80))

        order = np.lexsort((student, uploaded))  # item numbers follow upload order
        def o(a: np.ndarray, order: np.ndarray = order) -> np.ndarray:  # rows in item-number order
            reordered: np.ndarray = a[order]  # any dtype: ids, days, codes, flags
            return reordered

        frames.append(pl.DataFrame([
            _ids("C", t.year, t.semester, m, 7).alias("item_id"),
            pl.Series("term", np.full(m, t.index, dtype=np.int8)),
            pl.Series("academic_year", np.full(m, t.year, dtype=np.int16)),
            pl.Series("semester", np.full(m, t.semester, dtype=np.int8)),
            pl.Series("student", o(student)),
            pl.Series("section", o(section).astype(np.int32)),
            take(tables["course_code"], o(section), "course_code"),
            take(tables["course_name"], o(section), "course_name"),
            take(tables["teacher_code"], o(teacher), "teacher_code"),
            take(tables["summary"], o(summary), "summary"),
            take(tables["file_type"], o(ftype), "file_type"),
            pl.Series("file_kb", np.rint(o(kb)).astype(np.int32)),
            to_datetime(o(uploaded), "uploaded_at"),
            take(tables["status"], o(status), "cert_status"),
            take(tables["teacher_code"], o(certifier), "certified_by", missing=o(never)),
            to_datetime(o(certified), "certified_at"),
            take(tables["notes"], o(note), "cert_note", missing=o(no_note)),
            pl.Series("selected", o(sel) < NEVER),
            to_datetime(o(sel), "selected_at"),
            to_datetime(o(deleted), "deleted_at"),
        ]))
    return pl.concat(frames)


def staff_codes(staff: Staff) -> pl.Series:
    return enum_table(staff.frame["teacher_code"])


def plan_mp(students: Students, seed: int) -> Plan:
    rng = stream(seed, "mp-plan")
    rows, inverse, n_sy = _student_terms(students)
    # Seniors do select MP in their last semester (before they graduate), unlike CLO.
    rows = rows.with_columns((~pl.col("leaving")).alias("selectable"))
    submitter = rng.random(n_sy) < MP_SUBMITTER_SHARE
    k = np.clip(np.rint(rng.normal(7.4, 2.0, n_sy)), 1, 10).astype(np.int64)
    k = np.where(rng.random(n_sy) < MP_SUBMIT_BREACH, rng.integers(11, 13, n_sy), k)
    s = _split_by_term(rng, rows, inverse, n_sy, submitter, k, 0.45)
    selectable = rows["selectable"].to_numpy()
    n = rows.height
    u = np.where(selectable,
                 np.where(submitter[inverse], s + rng.poisson(1.2, n),
                          (rng.random(n) < 0.3) * (1 + rng.poisson(0.8, n))),
                 (rng.random(n) < 0.3) * rng.poisson(1.0, n))
    return Plan(rows, np.maximum(u, s), s)


def build_mp(students: Students, seed: int) -> pl.DataFrame:
    plan = plan_mp(students, seed)
    cat_names = [c for c, _ in words.MP_CATEGORIES]
    categories = enum_table(cat_names + list(words.MP_ALT_SPELLING.values()))
    alt_index = np.array([categories.to_list().index(words.MP_ALT_SPELLING.get(c, c)) for c in cat_names])
    has_alt = np.array([c in words.MP_ALT_SPELLING for c in cat_names])
    title_lists = [words.MP_TITLES[c] for c in cat_names]
    offsets = np.cumsum([0] + [len(t) for t in title_lists])
    titles = enum_table([t for ts in title_lists for t in ts])
    title_pos = np.array([titles.to_list().index(t) for ts in title_lists for t in ts])
    hours_range = np.arange(2, 41)
    summaries = enum_table([f"{p}，共{h}小時" for p in words.MP_SUMMARIES for h in hours_range])
    frames = []
    for t in TERMS:
        rng = stream(seed, f"mp-{t.key}")
        in_term = plan.rows["term"].to_numpy() == t.index
        rows = plan.rows.filter(pl.Series(in_term))
        owner, rank = expand(plan.uploads[in_term])
        m = owner.size
        if m == 0:
            continue
        to_select = rank < plan.selects[in_term][owner]
        student = rows["student"].to_numpy()[owner]
        # Uploads run up to the selection deadline, with a smaller surge just before it.
        due = day(t.due("mp_select_due"))
        leaving = rows["leaving"].to_numpy()[owner] | rows["graduating"].to_numpy()[owner]
        end = np.where(leaving, rows["last_day"].to_numpy()[owner], due)
        up_day = _upload_days(rng, np.full(m, day(t.classes_start) + 14), end, np.full(m, due), 0.25)
        uploaded = up_day * DAY + time_of_day(rng, m, STUDENT_HOURS)
        # Graduates select before they leave; everyone else by the deadline.
        select_end = np.where(leaving, end * DAY + 20 * HOUR, t.end_of("mp_select_due"))
        late = (rng.random(m) < LATE_SELECT_SHARE) & ~leaving
        sel = np.where(late, select_end + rng.integers(HOUR, 8 * DAY, m),
                       uploaded + ((select_end - uploaded) * rng.beta(2.0, 1.2, m)).astype(np.int64))
        sel = np.where(to_select, np.maximum(sel, uploaded + 60), NEVER)
        deleted = np.where(~to_select & (rng.random(m) < DELETE_SHARE),
                           uploaded + rng.integers(HOUR // 2, 20 * DAY, m), NEVER)
        category = weighted(rng, [w for _, w in words.MP_CATEGORIES], m)
        printed = np.where(has_alt[category] & (rng.random(m) < 0.2), alt_index[category], category)
        title = title_pos[offsets[category] + (rng.random(m) * np.diff(offsets)[category]).astype(np.int64)]
        summary = rng.integers(0, len(words.MP_SUMMARIES), m) * hours_range.size + rng.integers(0, hours_range.size, m)
        start_day = np.maximum(up_day - rng.integers(3, 91, m), day(t.starts))
        end_day = np.minimum(start_day + rng.integers(0, 31, m), up_day)
        no_semester = (t.semester == 2) & (rng.random(m) < MP_NO_SEMESTER_SHARE)
        order = np.lexsort((student, uploaded))
        def o(a: np.ndarray, order: np.ndarray = order) -> np.ndarray:  # rows in item-number order
            reordered: np.ndarray = a[order]  # any dtype: ids, days, codes, flags
            return reordered

        frames.append(pl.DataFrame([
            _ids("P", t.year, t.semester, m, 7).alias("item_id"),
            pl.Series("term", np.full(m, t.index, dtype=np.int8)),
            pl.Series("academic_year", np.full(m, t.year, dtype=np.int16)),
            pl.Series("semester", np.full(m, t.semester, dtype=np.int8)).set(pl.Series(o(no_semester)), None),
            pl.Series("student", o(student)),
            take(categories, o(category), "category"),
            take(categories, o(printed), "category_text"),
            take(titles, o(title), "title"),
            take(summaries, o(summary), "summary"),
            to_date(o(start_day), "start_date"),
            to_date(o(end_day), "end_date"),
            to_datetime(o(uploaded), "uploaded_at"),
            pl.Series("selected", o(sel) < NEVER),
            to_datetime(o(sel), "selected_at"),
            to_datetime(o(deleted), "deleted_at"),
        ]))
    return pl.concat(frames)
