"""The school's other records: course consultations (課程諮詢), cadres and clubs (幹部經歷),
absences (缺勤), homeroom teachers (導師名冊), task-force meetings (工作小組會議) and trainings
(研習及說明會).

Compliance gaps on purpose: 113-2 has no task-force meeting (R-TF-MEET), and in 114 the last grade-1
class never had its platform class (R-TRAIN-NEW).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from . import _words as words
from ._calendar import DAY, STAFF_HOURS, TERMS, YEARS, between, day, school_days, time_of_day, to_date, to_datetime
from ._columns import as_enum, enum_table, take
from ._people import COHORTS, Students, class_names
from ._random import expand, pick, rank_within, stream, weighted
from ._staff import Staff

NO_MEETING_TERM = 1  # 113-2
INDIVIDUAL_SHARE = 0.12
CLASS_PERIOD_STARTS = ("08:10", "09:10", "10:10", "11:10", "13:10", "14:10", "15:10")


def _active(students: Students) -> pl.DataFrame:
    return students.roster.filter(pl.col("active")).select(
        "term", "student", "grade", "class_no", "class_name",
        pl.col("last_day").cast(pl.Int32).cast(pl.Int64).alias("last_day"))


def build_consultations(students: Students, staff: Staff, seed: int) -> pl.DataFrame:
    """A group session per class per term, and individual sessions for about 12% of students."""
    rng = stream(seed, "consultations")
    classes = students.classes_per_grade
    codes = staff.frame["teacher_code"]
    counsellors = staff.counsellors
    active = _active(students)
    frames = []
    for t in TERMS:
        rows = active.filter(pl.col("term") == t.index)
        lo, hi = day(t.classes_start) + 14, day(t.due("closing_ceremony")) - 10
        # Group: one session per class, everyone present that day.
        n_cls = 3 * classes
        g_day = school_days(between(rng, lo, hi, n_cls))
        g_time = rng.integers(0, len(CLASS_PERIOD_STARTS), n_cls)
        g_place = rng.integers(0, len(words.CONSULT_PLACES_GROUP) + 1, n_cls)  # last: the classroom
        g_who = counsellors[rng.integers(0, counsellors.size, n_cls)]
        g_what = weighted(rng, [1] * len(words.CONSULT_CONTENT), n_cls)
        g_enter = g_day + rng.integers(0, 15, n_cls)
        key = (rows["grade"].to_numpy().astype(np.int64) - 1) * classes + rows["class_no"].to_numpy() - 1
        present = rows["last_day"].to_numpy() >= g_day[key]
        gk = key[present]
        group = pl.DataFrame({
            "session_id": pl.Series(np.arange(n_cls) + 1).cast(pl.String).str.zfill(5).gather(gk),
            "mode": pl.Series(["團體"] * gk.size, dtype=pl.String),
            "day": g_day[gk], "time": pl.Series(CLASS_PERIOD_STARTS).gather(g_time[gk]),
            "place": pl.select(pl.when(pl.Series(g_place[gk] == len(words.CONSULT_PLACES_GROUP)))
                               .then(rows["class_name"].filter(pl.Series(present)) + "教室")
                               .otherwise(pl.Series((*words.CONSULT_PLACES_GROUP, "")).gather(g_place[gk])))
            .to_series(),
            "counsellor": g_who[gk], "content": g_what[gk], "enter_day": g_enter[gk],
            "student": rows["student"].to_numpy()[present],
        }).with_columns(pl.lit("G").alias("prefix"))
        # Individual: one session each for some students, before they left.
        pick_rows = np.flatnonzero(rng.random(rows.height) < INDIVIDUAL_SHARE)
        last = rows["last_day"].to_numpy()[pick_rows]
        i_day = school_days(between(rng, lo, np.minimum(hi, last - 1), pick_rows.size))
        n_i = pick_rows.size
        minutes = rng.integers(16, 34, n_i) * 30  # 08:00 .. 16:30
        individual = pl.DataFrame({
            "session_id": pl.Series(np.arange(n_i) + 1).cast(pl.String).str.zfill(6),
            "mode": pl.Series(["個別"] * n_i, dtype=pl.String),
            "day": i_day,
            "time": pl.select(pl.format("{}:{}", pl.Series(minutes // 60).cast(pl.String).str.zfill(2),
                                        pl.Series(minutes % 60).cast(pl.String).str.zfill(2))).to_series(),
            "place": pl.Series(words.CONSULT_PLACES_INDIVIDUAL).gather(
                rng.integers(0, len(words.CONSULT_PLACES_INDIVIDUAL), n_i)),
            "counsellor": counsellors[rng.integers(0, counsellors.size, n_i)],
            "content": weighted(rng, [1] * len(words.CONSULT_CONTENT), n_i),
            "enter_day": i_day + rng.integers(0, 8, n_i),
            "student": rows["student"].to_numpy()[pick_rows],
        }).with_columns(pl.lit("I").alias("prefix"))
        both = pl.concat([group, individual])
        frames.append(both.with_columns(
            pl.concat_str([pl.col("prefix"), pl.lit(f"{t.year}{t.semester}-"), pl.col("session_id")])
            .alias("session_id"),
            pl.lit(t.index, dtype=pl.Int8).alias("term"),
        ).drop("prefix"))
    out = pl.concat(frames)
    n = out.height
    entered = out["enter_day"].to_numpy() * DAY + time_of_day(rng, n, STAFF_HOURS)
    # A session is never entered before it happened.
    session_minutes = out["time"].str.slice(0, 2).cast(pl.Int64) * 60 + out["time"].str.slice(3, 2).cast(pl.Int64)
    entered = np.maximum(entered, out["day"].to_numpy() * DAY + (session_minutes.to_numpy() + 60) * 60)
    return pl.DataFrame({
        "session_id": as_enum(out["session_id"]),
        "mode": as_enum(out["mode"]),
        "date": to_date(out["day"].to_numpy(), "date"),
        "time": as_enum(out["time"]),
        "place": as_enum(out["place"]),
        "counsellor_code": take(enum_table(codes), out["counsellor"].to_numpy(), "counsellor_code"),
        "student": out["student"],
        "content": take(enum_table(words.CONSULT_CONTENT), out["content"].to_numpy(), "content"),
        "entered_at": to_datetime(entered, "entered_at"),
        "term": out["term"],
    })


def build_cadres(students: Students, seed: int) -> pl.DataFrame:
    """Class officers (訓育組), club officers (活動組) and the student council (訓育組), per term."""
    rng = stream(seed, "cadres")
    active = _active(students)
    classes = students.classes_per_grade
    n_clubs = max(len(words.CLUBS) // 2, (3 * classes) // 2)
    club_names = [words.CLUBS[i % len(words.CLUBS)]
                  + ("" if i < len(words.CLUBS) else f"第{i // len(words.CLUBS) + 1}團")
                  for i in range(n_clubs)]
    frames = []
    for t in TERMS:
        rows = active.filter(pl.col("term") == t.index)
        n = rows.height
        class_key = (rows["grade"].to_numpy().astype(np.int64) - 1) * classes + rows["class_no"].to_numpy()
        rank = rank_within(class_key, rng)
        officer = rank < len(words.CLASS_ROLES)
        cls = rows.filter(pl.Series(officer))
        frames.append(pl.DataFrame({
            "term": np.full(cls.height, t.index, dtype=np.int8),
            "student": cls["student"],
            "unit": cls["class_name"] + "班",
            "role": pl.Series(words.CLASS_ROLES).gather(rank[officer]),
            "level": np.full(cls.height, 3, dtype=np.int8),
            "unit_by": pl.Series(["訓育組"] * cls.height, dtype=pl.String),
        }))
        # Clubs and council: officers from grades 1-2, none holding two posts in the same unit.
        pool = np.flatnonzero(rows["grade"].to_numpy() <= 2)
        chosen = pool[pick(rng, pool.size, n_clubs * len(words.CLUB_ROLES) + len(words.COUNCIL_ROLES))]
        chosen = chosen[rng.permutation(chosen.size)]
        n_club_posts = min(chosen.size, n_clubs * len(words.CLUB_ROLES))
        club_posts = np.arange(n_club_posts)
        council = chosen[n_club_posts:]
        frames.append(pl.DataFrame({
            "term": np.full(n_club_posts, t.index, dtype=np.int8),
            "student": rows["student"].to_numpy()[chosen[:n_club_posts]],
            "unit": pl.Series(club_names).gather(club_posts // len(words.CLUB_ROLES)),
            "role": pl.Series(words.CLUB_ROLES).gather(club_posts % len(words.CLUB_ROLES)),
            "level": np.full(n_club_posts, 2, dtype=np.int8),
            "unit_by": pl.Series(["活動組"] * n_club_posts, dtype=pl.String),
        }))
        frames.append(pl.DataFrame({
            "term": np.full(council.size, t.index, dtype=np.int8),
            "student": rows["student"].to_numpy()[council],
            "unit": pl.Series(["學生會"] * council.size, dtype=pl.String),
            "role": pl.Series(words.COUNCIL_ROLES[:council.size], dtype=pl.String),
            "level": np.full(council.size, 1, dtype=np.int8),
            "unit_by": pl.Series(["訓育組"] * council.size, dtype=pl.String),
        }))
    out = pl.concat(frames)
    term = out["term"].to_numpy().astype(np.int64)
    n = out.height
    start = np.array([day(t.classes_start) for t in TERMS])[term]
    end = np.array([day(t.due("closing_ceremony")) for t in TERMS])[term]
    # Entered some weeks into the term; a slow unit now and then.
    lag = np.where(rng.random(n) < 0.9, rng.integers(10, 40, n), rng.integers(40, 120, n))
    entered = (start + lag) * DAY + time_of_day(rng, n, STAFF_HOURS)
    return out.with_columns(
        pl.Series("academic_year", np.array([t.year for t in TERMS])[term].astype(np.int16)),
        pl.Series("semester", (term % 2 + 1).astype(np.int8)),
        to_date(start, "start_date"), to_date(end, "end_date"), to_datetime(entered, "entered_at"),
    ).sort("term", "unit_by", "unit", "role", "student")


def build_attendance(students: Students, seed: int) -> pl.DataFrame:
    """A few absence records per student per term (生輔組), made a term at a time."""
    rng = stream(seed, "attendance")
    active = _active(students).join(students.people.select("student", "sex"), on="student", how="left")
    codes = np.array(list(words.ABSENCE_WEIGHTS))
    code_table = enum_table(codes.tolist())
    frames = []
    for t in TERMS:
        rows = active.filter(pl.col("term") == t.index)
        owner, _ = expand(rng.poisson(2.5, rows.height))
        n = owner.size
        student = rows["student"].to_numpy()[owner]
        code = weighted(rng, list(words.ABSENCE_WEIGHTS.values()), n)
        male = rows["sex"].to_numpy()[owner] == 1
        code = np.where(male & (codes[code] == "10"), int(np.flatnonzero(codes == "03")[0]), code)  # 生理假
        start_hi = np.minimum(day(t.due("closing_ceremony")), rows["last_day"].to_numpy()[owner])
        start = school_days(between(rng, day(t.classes_start), start_hi, n))
        del owner, start_hi, male
        days = np.where(rng.random(n) < 0.85, 1, rng.integers(2, 4, n))
        periods = np.where(days == 1, rng.integers(1, 8, n), days * 7)
        lag = np.where(rng.random(n) < 0.93, rng.integers(0, 6, n), rng.integers(7, 21, n))
        entered = (start + days - 1 + lag) * DAY + time_of_day(rng, n, STAFF_HOURS)
        # The key is (term, student, code, start date): a repeat is one record, not two.
        key = (student.astype(np.int64) * 16 + code) * (1 << 20) + start
        keep = np.sort(np.unique(key, return_index=True)[1])
        frames.append(pl.DataFrame({
            "term": np.full(keep.size, t.index, dtype=np.int8),
            "academic_year": np.full(keep.size, t.year, dtype=np.int16),
            "semester": np.full(keep.size, t.semester, dtype=np.int8),
            "student": student[keep],
            "absence_code": take(code_table, code[keep], "absence_code"),
            "periods": periods[keep].astype(np.int16),
            "start_date": to_date(start[keep], "start_date"),
            "end_date": to_date(start[keep] + days[keep] - 1, "end_date"),
            "entered_at": to_datetime(entered[keep], "entered_at"),
        }))
    return pl.concat(frames)


def build_homerooms(students: Students, staff: Staff) -> pl.DataFrame:
    classes = students.classes_per_grade
    codes = staff.frame["teacher_code"]
    frames = []
    for t in TERMS:
        for g in (1, 2, 3):
            pos = COHORTS.index(t.year - g + 1)
            frames.append(pl.DataFrame({
                "academic_year": np.full(classes, t.year, dtype=np.int16),
                "semester": np.full(classes, t.semester, dtype=np.int8),
                "class_name": class_names(g, np.arange(1, classes + 1), classes),
                "teacher_code": codes.gather(staff.homeroom[pos]),
                "term": np.full(classes, t.index, dtype=np.int8),
            }))
    return pl.concat(frames)


def build_meetings(staff: Staff, seed: int) -> pl.DataFrame:
    """Two task-force meetings a term (start and end), none in 113-2; an extra one for each proxy
    appointed by meeting (依據 會議)."""
    rng = stream(seed, "meetings")
    rows = []
    for t in TERMS:
        if t.index == NO_MEETING_TERM:
            continue
        first = school_days(np.array([day(t.classes_start) + int(rng.integers(7, 21))]))[0]
        last = school_days(np.array([day(t.due("closing_ceremony")) - int(rng.integers(5, 15))]))[0]
        for n, d in enumerate((first, last), start=1):
            title = words.MEETING_TITLE.format(year=t.year, sem=t.semester, n=n)
            rows.append((int(d), title, int(rng.integers(12, 18))))
    for p in staff.proxies.filter(pl.col("basis") == "會議").iter_rows(named=True):
        d = int(school_days(np.array([day(p["starts_on"]) - 1]))[0])  # the working day before
        t = next(x for x in TERMS if day(x.starts) <= d <= day(x.ends))
        rows.append((d, words.MEETING_TITLE_PROXY.format(year=t.year, sem=t.semester), int(rng.integers(10, 18))))
    rows = sorted(set(rows))
    frame = pl.DataFrame({"day": [r[0] for r in rows], "title": [r[1] for r in rows],
                          "attendees": [r[2] for r in rows]},
                         schema={"day": pl.Int64, "title": pl.String, "attendees": pl.Int64})
    # Two meetings on one day get one row each only if their titles differ (the key is date + title).
    frame = frame.unique(["day", "title"], keep="first", maintain_order=True)
    return pl.DataFrame({"date": to_date(frame["day"].to_numpy(), "date"), "title": frame["title"],
                         "attendees": frame["attendees"]})


def build_trainings(students: Students, staff: Staff, seed: int) -> pl.DataFrame:
    """Course-selection briefings per grade each term; per year a new-student briefing, a platform
    class for each grade-1 class (but one), a teachers' workshop and a parents' briefing."""
    rng = stream(seed, "trainings")
    classes = students.classes_per_grade
    sizes = students.roster.filter(pl.col("active")).group_by("term", "grade").len()
    size = {(r["term"], r["grade"]): r["len"] for r in sizes.iter_rows(named=True)}
    teachers = staff.frame.height
    rows: list[tuple[int, str, str | None, int]] = []
    for t in TERMS:
        base = day(t.classes_start)
        for g in (1, 2):  # grade 3 chooses no more courses
            d = int(school_days(np.array([base + 30 + 7 * g + int(rng.integers(0, 5))]))[0])
            rows.append((d, "選課說明會", None, int(size.get((t.index, g), 0) * rng.uniform(0.85, 0.98))))
        if t.semester == 1:
            rows.append((day(dt.date(t.year + 1911, 8, 20)), "新生說明會", None,
                         int(size.get((t.index, 1), 0) * rng.uniform(1.4, 1.8))))  # with parents
            grade1 = class_names(1, np.arange(1, classes + 1), classes)
            skip = classes - 1 if t.year == YEARS[1] and classes > 1 else -1
            days = school_days(base + 5 + rng.integers(0, 20, classes))
            for c in range(classes):
                if c != skip:
                    rows.append((int(days[c]), "系統操作說明", str(grade1[c]), int(rng.integers(26, 35))))
            day_of = int(school_days(np.array([base + 60]))[0])
            rows.append((day_of, "教師研習", None, int(teachers * rng.uniform(0.5, 0.8))))
            rows.append((int(school_days(np.array([base + 22]))[0]), "親師說明", None,
                         int(size.get((t.index, 1), 0) * rng.uniform(0.6, 0.9))))
    rows.sort(key=lambda r: (r[0], r[1], r[2] or ""))
    return pl.DataFrame({
        "date": to_date(np.array([r[0] for r in rows]), "date"),
        "type": [r[1] for r in rows],
        "target_class": pl.Series([r[2] for r in rows], dtype=pl.String),
        "participants": [r[3] for r in rows],
    })
