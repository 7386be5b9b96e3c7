"""Course sections per class and term (開課名冊) and the grades of every enrolment (學生成績名冊).

Course codes are 23 characters: a 16-character class-group prefix (curriculum 108, school code, 學制,
部別, grade, four-digit class number) and 7 characters for the course (type digit, subject number,
semester, credits, a check-free 0). Every class takes its grade's curriculum; the uncredited 彈性學習時間
comes last in each class's block, so a class's credited sections are the first ones of its block.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from . import _words as words
from ._calendar import DAY, STAFF_HOURS, TERMS, day, time_of_day, to_datetime
from ._columns import as_enum
from ._people import COHORTS, Students, class_names
from ._random import expand, stream
from ._staff import Staff

GRADE_MISSING_SHARE = 0.003  # scores left at -1 (none) besides the leavers'


@dataclass(frozen=True)
class Courses:
    sections: pl.DataFrame  # index `section`, one row per course section per term
    block_start: np.ndarray  # [term, grade-1] -> first section of class 1 of that grade
    per_class: np.ndarray  # [semester-1, grade-1] -> sections per class
    credited: np.ndarray  # [semester-1, grade-1] -> credited sections per class (the first ones)


def build_courses(students: Students, staff: Staff, seed: int) -> Courses:
    rng = stream(seed, "courses")
    classes = students.classes_per_grade
    teacher_codes = staff.frame["teacher_code"]
    teacher_names = staff.frame["name"]
    per_class = np.array([[len(words.CURRICULUM[(g, s)]) for g in (1, 2, 3)] for s in (1, 2)])
    credited = np.array([[sum(1 for e in words.CURRICULUM[(g, s)] if e[3] > 0) for g in (1, 2, 3)]
                         for s in (1, 2)])
    departed = {r["teacher"]: r for r in staff.departed.iter_rows(named=True)}
    frames = []
    block_start = np.zeros((len(TERMS), 3), dtype=np.int64)
    offset = 0
    for t in TERMS:
        for g in (1, 2, 3):
            entries = words.CURRICULUM[(g, t.semester)]
            k = len(entries)
            block_start[t.index, g - 1] = offset
            class_no = np.repeat(np.arange(1, classes + 1), k)
            entry = np.tile(np.arange(k), classes)
            cohort_pos = COHORTS.index(t.year - g + 1)
            teacher = np.zeros(classes * k, dtype=np.int64)
            for e, (_, _, _, _, family) in enumerate(entries):
                rows = np.flatnonzero(entry == e)
                if family == "導師":  # 彈性學習時間 is the homeroom teacher's
                    teacher[rows] = staff.homeroom[cohort_pos, class_no[rows] - 1]
                    continue
                pool = staff.pools[family]
                # Spread the family's sections evenly over its teachers; rotate the pool each year.
                pos = (class_no[rows] - 1) + (g - 1) * classes
                teacher[rows] = pool[((pos * pool.size) // (3 * classes) + g + t.year) % pool.size]
            # A teacher who left in an earlier term: a new hire teaches their sections.
            for old, row in departed.items():
                if row["term"] < t.index and old in staff.replacement:
                    teacher[teacher == old] = staff.replacement[old]
            subject = [e[0] for e in entries]
            names = [e[1] for e in entries]
            types = [e[2] for e in entries]
            credits = np.array([e[3] for e in entries])
            suffix = [f"{words.COURSE_TYPE_DIGIT[e[2]]}{e[0]}{t.semester}{e[3]:02d}0" for e in entries]
            prefix = pl.Series(f"108{words.SCHOOL_CODE}31{g}" + pl.Series(np.arange(1, classes + 1)).cast(
                pl.String).str.zfill(4))
            code = pl.select(pl.concat_str([prefix.gather(class_no - 1), pl.Series(suffix).gather(entry)])).to_series()
            # Grades are entered around the closing ceremony (grade 3 before graduation in semester 2).
            if g == 3 and t.graduation is not None:
                entered_day = day(t.graduation) - rng.integers(3, 11, classes * k)
            else:
                entered_day = day(t.due("closing_ceremony")) + rng.integers(-4, 9, classes * k)
            entered = entered_day * DAY + time_of_day(rng, classes * k, STAFF_HOURS)
            frames.append(pl.DataFrame({
                "term": np.full(classes * k, t.index, dtype=np.int8),
                "academic_year": np.full(classes * k, t.year, dtype=np.int16),
                "semester": np.full(classes * k, t.semester, dtype=np.int8),
                "course_code": code,
                "course_name": pl.Series(names).gather(entry),
                "grade": np.full(classes * k, g, dtype=np.int8),
                "credits": credits[entry].astype(np.int8),
                "class_no": class_no.astype(np.int32),
                "class_name": class_names(g, class_no, classes),
                "teacher": teacher,
                "teacher_code": teacher_codes.gather(teacher),
                "teacher_name": teacher_names.gather(teacher),
                "course_type": pl.Series(types).gather(entry),
                "subject": pl.Series(subject).gather(entry),
                "grades_entered_at": to_datetime(entered, "grades_entered_at"),
            }))
            offset += classes * k
    sections = pl.concat(frames).with_row_index("section").with_columns(pl.col("section").cast(pl.Int32))
    # Text as enums: enrolments and items gather these by the million.
    sections = sections.with_columns(as_enum(sections[c]) for c in (
        "course_code", "course_name", "class_name", "teacher_code", "teacher_name", "course_type", "subject"))
    return Courses(sections, block_start, per_class, credited)


def section_of(courses: Courses, term: np.ndarray, grade: np.ndarray, class_no: np.ndarray,
               classes: int, semester: np.ndarray) -> np.ndarray:
    """The first section of each (term, grade, class)'s block."""
    k = courses.per_class[semester - 1, grade - 1]
    first: npt.NDArray[np.int64] = courses.block_start[term, grade - 1] + (class_no - 1) * k
    return first


def build_grades(students: Students, courses: Courses, seed: int) -> pl.DataFrame:
    """One row per enrolled student per section of their class: the score (-1 = none). Built a
    term at a time (26 million rows at national scale); 學年度 and 學期 come from the section."""
    rng = stream(seed, "grades")
    n_students = students.people.height
    ability = rng.normal(74, 9, n_students).astype(np.float32)
    subject_effect = rng.normal(0, 4, courses.sections.height).astype(np.float32)
    frames = []
    for t in TERMS:
        roster = students.roster.filter(pl.col("active") & (pl.col("term") == t.index))
        grade = roster["grade"].to_numpy().astype(np.int64)
        class_no = roster["class_no"].to_numpy().astype(np.int64)
        student = roster["student"].to_numpy()
        first = section_of(courses, np.full(grade.size, t.index), grade, class_no, students.classes_per_grade,
                           np.full(grade.size, t.semester))
        owner, rank = expand(courses.per_class[t.semester - 1, grade - 1])
        section = (first[owner] + rank).astype(np.int32)
        del rank
        noise = rng.normal(0, 9, owner.size).astype(np.float32)
        score = np.clip(np.rint(ability[student[owner]] + subject_effect[section] + noise), 0, 100).astype(np.int16)
        del noise
        # Leavers of the term get no score; a few others are missing too.
        none = roster["leaving"].to_numpy()[owner] | (rng.random(owner.size) < GRADE_MISSING_SHARE)
        score[none] = -1
        frames.append(pl.DataFrame({
            "term": np.full(owner.size, t.index, dtype=np.int8),
            "student": student[owner].astype(np.int32),
            "section": section,
            "score": score,
        }))
    return pl.concat(frames)
