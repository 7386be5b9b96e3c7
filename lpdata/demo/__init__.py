"""The demo school generator: a complete, plausible and deliberately messy export folder.

    summary = generate(Path("demo-exports"), students=1000, seed=0)
    # then: lp ingest demo-exports --exported-at "2026-07-20 18:00"

A senior high school in Taitung (國立臺東高級中學 as a stand-in) over two academic years (113 and 114,
four terms): rosters, courses and grades, course learning outcomes (CLO) and diverse performances
(MP) with their certification, selection, submission, receipts and confirmations, consultations,
cadres, absences, and the school's own records (staff, homerooms, proxies, meetings, trainings,
schedule). Files mix CSV in Big5, UTF-8 with and without BOM, and workbooks with a cover sheet;
dates mix ROC and AD spellings; a few rows per file are bad on purpose and counted in
`DemoSummary.injected_bad_rows`.

The same `students`, `seed` and `as_of` always give byte-identical files. The generator scales to
the whole country (`students=550_000`): every table is built as columns with numpy/Polars and big
files are written in chunks.

Modules, one concept each: `_calendar` (terms, schedule, time), `_ids` (national IDs), `_people`
(students, roster), `_staff`, `_courses` (sections, grades), `_portfolio` (CLO, MP: the calibration
is documented there), `_national` (submissions, receipts, confirmations), `_records` (consultations,
cadres, attendance, homerooms, meetings, trainings), `_asof` (cut at the export moment), `_text`
(spellings, bad cells), `_files` (folder layout, rendering), `_writers` (CSV, xlsx, YAML).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

import polars as pl

from ._asof import censor
from ._calendar import DEFAULT_AS_OF, EXPORT_HOUR, TERMS
from ._courses import build_courses, build_grades
from ._files import Context, plan, write_file
from ._national import assign_batches, build_confirmations, build_receipts, build_submissions
from ._people import build_students
from ._portfolio import build_clo, build_mp
from ._records import (build_attendance, build_cadres, build_consultations, build_homerooms, build_meetings,
                       build_trainings)
from ._staff import build_staff
from ._words import SCHOOL_NAME
from ._writers import write_schedule

__all__ = ["DEFAULT_AS_OF", "DemoSummary", "exported_at_for", "generate"]

MIN_STUDENTS = 30
SCHEDULE_FILE = "期程.yaml"


@dataclass(frozen=True)
class DemoSummary:
    """What `generate` wrote."""

    out: Path
    students: int  # as asked (about this many students per term)
    seed: int
    as_of: dt.date
    exported_at: dt.datetime  # the export moment the files represent: pass it to `lp ingest --exported-at`
    files: tuple[Path, ...]
    #: File name -> rows made bad on purpose (each is quarantined by a correct reader).
    injected_bad_rows: Mapping[str, int] = field(default_factory=dict)
    #: File name -> {reason code as the readers name it (invalid_national_id, invalid_date,
    #: invalid_number) -> rows}.
    injected_by_reason: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    #: File name -> data rows written (bad ones included).
    rows: Mapping[str, int] = field(default_factory=dict)
    distinct_students: int = 0  # students on any roster written


def exported_at_for(as_of: dt.date) -> dt.datetime:
    """The export moment of a demo folder dated `as_of`: that day at 18:00."""
    return dt.datetime.combine(as_of, dt.time(EXPORT_HOUR, 0))


def _schedule_frame() -> pl.DataFrame:
    return pl.DataFrame({
        "term": [t.index for t in TERMS],
        "academic_year": [t.year for t in TERMS],
        "semester": [t.semester for t in TERMS],
    }, schema={"term": pl.Int8, "academic_year": pl.Int16, "semester": pl.Int8})


def _build(students: int = 1000, seed: int = 0, as_of: dt.date | None = None) -> dict[str, pl.DataFrame]:
    """Every kind as an in-memory frame, cut at `as_of` (the files are rendered from these).

    Keys: the 17 kind names plus `people` (one row per student: `student` index, national_id,
    student_no, name …). Frames use contract column names with typed values, except that
    students are the integer `student` (join `people` for the national ID) and grades point at
    `courses` by `section`. Helper columns (`term`, `section`, …) are kept.
    """
    as_of = as_of or DEFAULT_AS_OF
    if students < MIN_STUDENTS:
        raise ValueError(f"students must be at least {MIN_STUDENTS}")
    if as_of < TERMS[0].starts:
        raise ValueError(f"as_of must be on or after {TERMS[0].starts} (the first term of the demo)")
    exported_at = exported_at_for(as_of)
    school = build_students(students, seed)
    staff = build_staff(school.classes_per_grade, seed)
    courses = build_courses(school, staff, seed)
    clo = build_clo(school, courses, staff, seed)
    mp = build_mp(school, seed)
    batches = {"clo": assign_batches(clo, "clo", seed), "mp": assign_batches(mp, "mp", seed)}
    submissions = build_submissions(clo, mp, batches, staff)
    receipts = build_receipts(clo, mp, batches, seed)
    frames = {
        "people": school.people,
        "students": school.roster,
        "courses": courses.sections,
        "grades": build_grades(school, courses, seed),
        "clo": clo,
        "mp": mp,
        "submissions": submissions,
        "receipts": receipts,
        "confirmations": build_confirmations(receipts, school, seed),
        "consultations": build_consultations(school, staff, seed),
        "cadres": build_cadres(school, seed).rename({"unit_by": "entered_by_unit"}),
        "attendance": build_attendance(school, seed),
        "staff": staff.frame,
        "homerooms": build_homerooms(school, staff),
        "proxies": staff.proxies,
        "meetings": build_meetings(staff, seed),
        "trainings": build_trainings(school, staff, seed),
        "schedule": _schedule_frame(),
    }
    return censor(frames, as_of, exported_at)


def generate(out: Path, students: int = 1000, seed: int = 0, as_of: dt.date | None = None) -> DemoSummary:
    """Write the demo school's export folder into `out` (created if needed) and say what was written."""
    as_of = as_of or DEFAULT_AS_OF
    exported_at = exported_at_for(as_of)
    frames = _build(students, seed, as_of)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ctx = Context(people=frames["people"], sections=frames["courses"], exported_at=exported_at)
    files: list[Path] = []
    bad: dict[str, int] = {}
    reasons: dict[str, Mapping[str, int]] = {}
    rows: dict[str, int] = {}
    distinct = frames["students"]["student"].n_unique()
    specs = plan(as_of, exported_at)
    last_use = {spec.kind: i for i, spec in enumerate(specs)}
    for i, spec in enumerate(specs):
        written = write_file(out, spec, frames[spec.kind], ctx, seed)
        if last_use[spec.kind] == i and spec.kind != "courses":  # courses: grades read it
            del frames[spec.kind]  # written: free it (national-scale runs stay within memory)
        files.append(written.path)
        rows[written.path.name] = written.rows
        bad[written.path.name] = sum(written.bad.values())
        reasons[written.path.name] = MappingProxyType(dict(written.bad))
    schedule_path = out / SCHEDULE_FILE
    kept = set(frames["schedule"]["term"].to_list())
    write_schedule(schedule_path, [(t.key, dict(t.milestones)) for t in TERMS if t.index in kept],
                   f"{SCHOOL_NAME} 學生學習歷程檔案 期程（學年度-學期: 西元日期）")
    files.append(schedule_path)
    rows[schedule_path.name] = len(kept)
    bad[schedule_path.name] = 0
    reasons[schedule_path.name] = MappingProxyType({})
    return DemoSummary(
        out=out, students=students, seed=seed, as_of=as_of, exported_at=exported_at, files=tuple(files),
        injected_bad_rows=MappingProxyType(bad), injected_by_reason=MappingProxyType(reasons),
        rows=MappingProxyType(rows), distinct_students=distinct,
    )
