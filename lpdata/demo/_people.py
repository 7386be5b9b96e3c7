"""The students: who they are (people) and where they stand each term (the roster, 學生名冊).

Four cohorts pass through the two academic years: entered 111 (grade 3 in 113, graduates in 113-2),
112 (graduates in 114-2), 113 and 114 (new grade 1 in 114). A few students transfer out (轉出),
withdraw (退學) or suspend (休學) in the middle of a term: the roster of that term still shows them
enrolled, the next term's roster shows the change with its date (學籍異動日期); transferred and
withdrawn students then disappear, suspended ones stay listed as 休學.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from ..errors import ConfigError
from . import _words as words
from ._calendar import TERMS, YEARS, between, day, school_days, to_date
from ._ids import make_ids
from ._random import expand, stream, weighted

COHORTS: tuple[int, ...] = (YEARS[0] - 2, YEARS[0] - 1, YEARS[0], YEARS[1])  # 111 .. 114
CLASS_SIZE = (28, 34)
LEAVE_SHARE = 0.03  # of students, over the whole data period
LEAVE_STATUSES = ("轉出", "休學", "退學")
LEAVE_WEIGHTS = (50, 30, 20)
UNVERIFIED_TERM = 1  # 113-2: the registrar never re-verified that term (R-ROSTER-VERIFY fails)
DEPARTMENT = "普通科"
TERM_YEARS = np.array([t.year for t in TERMS])


@dataclass(frozen=True)
class Students:
    classes_per_grade: int
    people: pl.DataFrame  # one row per student (index `student`)
    roster: pl.DataFrame  # one row per student per term


def class_width(classes_per_grade: int) -> int:
    return 2 if classes_per_grade <= 99 else len(str(classes_per_grade))


def class_names(grade: np.ndarray | int, class_no: np.ndarray | int, classes_per_grade: int) -> np.ndarray:
    """`101`, `102` … (`1001` … past 99 classes a grade)."""
    width = class_width(classes_per_grade)
    g = np.asarray(grade).astype(str)
    c = np.char.zfill(np.asarray(class_no).astype(str), width)
    return np.char.add(g, c)


def grade_in(cohort: np.ndarray, year: int | np.ndarray) -> np.ndarray:
    # Every caller passes an array of cohorts (and one year, or a year per student).
    return year - np.asarray(cohort) + 1


def _names(rng: np.random.Generator, sex: np.ndarray) -> pl.Series:
    n = sex.size
    surname = pl.Series([s for s, _ in words.SURNAMES]).gather(
        weighted(rng, [w for _, w in words.SURNAMES], n))
    male = pl.Series(words.GIVEN_MALE)
    female = pl.Series(words.GIVEN_FEMALE)
    def given() -> pl.Series:
        m = male.gather(rng.integers(0, len(male), n))
        f = female.gather(rng.integers(0, len(female), n))
        return pl.select(pl.when(pl.Series(sex == 1)).then(m).otherwise(f)).to_series()
    first, second = given(), given()
    single = pl.Series(rng.random(n) < 0.04)  # a few one-character given names
    second = pl.select(pl.when(single).then(pl.lit("")).otherwise(second)).to_series()
    return pl.select(pl.concat_str([surname, first, second]).alias("name")).to_series()


def _addresses(rng: np.random.Generator, n: int) -> tuple[pl.Series, pl.Series]:
    town_idx = weighted(rng, [t[2] for t in words.TOWNS], n)
    postcodes = pl.Series([t[0] for t in words.TOWNS]).gather(town_idx)
    towns = pl.Series([words.COUNTY + t[1] for t in words.TOWNS]).gather(town_idx)
    # Each town's road list, flattened; a road is drawn within the student's town.
    offsets = np.cumsum([0] + [len(t[3]) for t in words.TOWNS])
    sizes = np.diff(offsets)
    roads_flat = pl.Series([r for t in words.TOWNS for r in t[3]])
    road = roads_flat.gather(offsets[town_idx] + (rng.random(n) * sizes[town_idx]).astype(np.int64))
    number = pl.Series(rng.integers(1, 400, n)).cast(pl.String)
    lane = pl.when(pl.Series(rng.random(n) < 0.3)).then(
        pl.Series(rng.integers(1, 200, n)).cast(pl.String) + "巷").otherwise(pl.lit(""))
    floor = pl.when(pl.Series(rng.random(n) < 0.2)).then(
        pl.Series(rng.integers(2, 12, n)).cast(pl.String) + "樓").otherwise(pl.lit(""))
    # A few postcodes in the 3+2 form some registrars still type.
    suffix = pl.when(pl.Series(rng.random(n) < 0.1)).then(
        pl.Series(rng.integers(1, 80, n)).cast(pl.String).str.zfill(2)).otherwise(pl.lit(""))
    out = pl.select(
        pl.concat_str([towns, road, lane, number, pl.lit("號"), floor]).alias("address"),
        pl.concat_str([postcodes, suffix]).alias("postcode"),
    )
    postcode, address = out["postcode"], out["address"]
    return postcode.alias("postcode"), address.alias("address")


def build_students(students: int, seed: int) -> Students:
    """People and roster for about `students` students per term."""
    rng = stream(seed, "people")
    classes = max(1, round(students / (3 * sum(CLASS_SIZE) / 2)))
    if classes > 9999:
        raise ConfigError(f"{students} students need {classes} classes a grade; the course codes allow 9999")
    # Class sizes per cohort; students ordered by cohort, class, then sex (boys first, as seat numbers go).
    sizes = rng.integers(CLASS_SIZE[0], CLASS_SIZE[1] + 1, (len(COHORTS), classes))
    owner, _ = expand(sizes.ravel())
    cohort = np.asarray(COHORTS)[owner // classes]
    class_no = owner % classes + 1
    n = owner.size
    sex = np.where(rng.random(n) < 0.51, 1, 2)
    order = np.lexsort((sex, owner))
    cohort, class_no, sex, owner = cohort[order], class_no[order], sex[order], owner[order]
    _, seat = expand(sizes.ravel())
    seat = seat + 1
    seq = np.empty(n, dtype=np.int64)
    for c in COHORTS:  # student numbers count up within each entering year
        mask = cohort == c
        seq[mask] = np.arange(1, int(mask.sum()) + 1)
    width = max(4, len(str(int(seq.max()))))
    student_no = pl.select(pl.concat_str([pl.Series(cohort).cast(pl.String),
                                          pl.Series(seq).cast(pl.String).str.zfill(width)])).to_series()

    # Born in the school year that makes them 15-16 on entry (Sep 2 .. Sep 1).
    birth = np.array([day(dt.date(c + 1911 - 16, 9, 2)) for c in COHORTS])[
        np.searchsorted(COHORTS, cohort)] + rng.integers(0, 365, n)
    postcode, address = _addresses(rng, n)

    # Terms each student is on the books (by cohort); leaving happens in a term with a next one.
    present = np.zeros((n, len(TERMS)), dtype=bool)
    for t in TERMS:
        g = grade_in(cohort, t.year)
        present[:, t.index] = (g >= 1) & (g <= 3)
    can_leave = present & np.roll(present, -1, axis=1)
    can_leave[:, -1] = False
    leaver = (rng.random(n) < LEAVE_SHARE) & can_leave.any(axis=1)
    leave_term = np.full(n, -1, dtype=np.int64)
    choices = np.where(can_leave, rng.random((n, len(TERMS))), -1.0)
    leave_term[leaver] = np.argmax(choices[leaver], axis=1)
    leave_code = np.full(n, -1, dtype=np.int64)  # index into LEAVE_STATUSES
    leave_code[leaver] = weighted(rng, LEAVE_WEIGHTS, int(leaver.sum()))
    starts = np.array([day(t.classes_start) for t in TERMS])
    closings = np.array([day(t.due("closing_ceremony")) for t in TERMS])
    leave_day = np.full(n, 0, dtype=np.int64)
    lt = leave_term[leaver]
    # Many transfers happen in the first weeks of a term, the rest any time before its end.
    early = rng.random(lt.size) < 0.4
    leave_day[leaver] = school_days(np.where(early, between(rng, starts[lt] + 3, starts[lt] + 20, lt.size),
                                             between(rng, starts[lt] + 20, closings[lt] - 7, lt.size)))

    people = pl.DataFrame({
        "student": np.arange(n, dtype=np.int32),
        "national_id": make_ids(rng, sex),
        "student_no": student_no,
        "name": _names(rng, sex),
        "sex": sex.astype(np.int8),
        "birth_date": to_date(birth, "birth_date"),
        "entry_year": cohort.astype(np.int16),
        "class_no": class_no.astype(np.int32),
        "seat_no": seat.astype(np.int32),
        "postcode": postcode,
        "address": address,
        "leave_term": leave_term.astype(np.int8),
        "leave_status": pl.Series(["", *LEAVE_STATUSES]).gather(leave_code + 1),
        "leave_date": to_date(leave_day, "leave_date", missing=~leaver),
    })
    roster = _roster(rng, people, classes, present, leave_term, leave_code, leave_day)
    return Students(classes, people, roster)


def _roster(rng: np.random.Generator, people: pl.DataFrame, classes: int, present: np.ndarray,
            leave_term: np.ndarray, leave_code: np.ndarray, leave_day: np.ndarray) -> pl.DataFrame:
    cohort = people["entry_year"].to_numpy().astype(np.int64)
    class_no = people["class_no"].to_numpy().astype(np.int64)
    seat_no = people["seat_no"].to_numpy()
    names = pl.Series(class_names(np.repeat([1, 2, 3], classes), np.tile(np.arange(1, classes + 1), 3), classes))
    # Status codes: 0 在學, 1.. the leave statuses, last 畢業.
    status_names = pl.Series(["在學", *LEAVE_STATUSES, "畢業"])
    graduated_code = len(LEAVE_STATUSES) + 1
    suspended_code = LEAVE_STATUSES.index("休學")
    frames = []
    for t in TERMS:
        idx = np.flatnonzero(present[:, t.index])
        lt = leave_term[idx]
        # Gone: transferred or withdrawn in an earlier term than the last one.
        gone = (lt >= 0) & (lt < t.index - 1) & (leave_code[idx] != suspended_code)
        idx, lt = idx[~gone], lt[~gone]
        grade = grade_in(cohort[idx], t.year).astype(np.int64)
        changed = (lt >= 0) & (lt < t.index)
        # A suspended student stays in the grade and class where they stopped.
        frozen_grade = grade_in(cohort[idx], TERM_YEARS[np.maximum(lt, 0)])
        grade = np.where(changed, frozen_grade, grade)
        status = np.where(changed, leave_code[idx] + 1, 0)
        status_day = np.where(changed, leave_day[idx], 0)
        graduating = (~changed) & (grade == 3) & (t.graduation is not None)
        if t.graduation is not None:
            status = np.where(graduating, graduated_code, status)
            status_day = np.where(graduating, day(t.graduation), status_day)
        # Enrolled at the start of the term: studied in it (leavers of this term until their day).
        active = (status == 0) | graduating
        leaving_now = lt == t.index
        last_day = np.where(leaving_now, leave_day[idx], day(t.due("clo_upload_due")))
        if t.graduation is not None:
            last_day = np.where(graduating, day(t.graduation) - 1, last_day)
        # The registrar re-verifies each class some weeks into the term (not in UNVERIFIED_TERM).
        verify = school_days(day(t.classes_start) + rng.integers(10, 32, classes))
        verified = verify[class_no[idx] - 1]
        frames.append(pl.DataFrame({
            "term": np.full(idx.size, t.index, dtype=np.int8),
            "academic_year": np.full(idx.size, t.year, dtype=np.int16),
            "semester": np.full(idx.size, t.semester, dtype=np.int8),
            "student": idx.astype(np.int32),
            "grade": grade.astype(np.int8),
            "class_no": class_no[idx].astype(np.int32),
            "class_name": names.gather((grade - 1) * classes + class_no[idx] - 1),
            "seat_no": seat_no[idx],
            "status": status_names.gather(status),
            "status_changed_on": to_date(status_day, "status_changed_on", missing=status_day == 0),
            "verified_on": to_date(verified, "verified_on",
                                   missing=np.full(idx.size, t.index == UNVERIFIED_TERM)),
            "active": active,
            "leaving": leaving_now,
            "graduating": graduating,
            "last_day": to_date(last_day, "last_day"),
        }))
    roster = pl.concat(frames)
    return roster.sort("term", "grade", "class_no", "seat_no", "student")
