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

Besides the platform's own exports, the folder holds what schools really keep (exports.md v2): the
national CLO and MP workbooks it uploaded for its newest batches (which 提交紀錄 therefore omits,
`_uploads`), the graduating class's roster as an ischool export (the rest of that term's roster in
the platform file, `_ischool`), a 造字 in one name of the Big5 roster (its end-user-defined bytes,
0xFA40) and a `?` in one name of the ischool export (both loaded, listed in
`DemoSummary.injected_notices`), and the receipt files in `收訖明細.zip`.

The same `students`, `seed` and `as_of` always give byte-identical files. The generator scales to
the whole country (`students=550_000`): every table is built as columns with numpy/Polars and big
files are written in chunks.

Modules, one concept each: `_calendar` (terms, schedule, time), `_ids` (national IDs), `_people`
(students, roster), `_staff`, `_courses` (sections, grades), `_portfolio` (CLO, MP: the calibration
is documented there), `_national` (submissions, receipts, confirmations), `_records` (consultations,
cadres, attendance, homerooms, meetings, trainings), `_asof` (cut at the export moment), `_text`
(spellings, bad cells), `_files` (folder layout, rendering), `_uploads` (the national upload
workbooks), `_ischool` (the ischool roster export), `_writers` (CSV, xlsx, national workbooks, zip,
YAML).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import polars as pl

from ..errors import ConfigError, DateError
from ._asof import censor
from ._calendar import DEFAULT_AS_OF, EXPORT_HOUR, TERMS
from ._courses import build_courses, build_grades
from ._files import Context, FileSpec, plan, write_file
from ._ischool import ischool_rows, write_ischool
from ._national import assign_batches, build_confirmations, build_receipts, build_submissions
from ._people import build_students
from ._portfolio import build_clo, build_mp
from ._records import (
    build_attendance,
    build_cadres,
    build_consultations,
    build_homerooms,
    build_meetings,
    build_trainings,
)
from ._staff import build_staff
from ._uploads import Uploaded, held_batches, write_clo_workbook, write_mp_workbook
from ._words import SCHOOL_NAME
from ._writers import write_schedule, write_zip

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
    #: The keys below are the data files' names as the folder shows them: a zip member is
    #: `收訖明細.zip/收訖明細_課程學習成果.csv`; `files` lists the zip itself.
    #: File name -> rows made bad on purpose (each is quarantined by a correct reader).
    injected_bad_rows: Mapping[str, int] = field(default_factory=dict)
    #: File name -> {reason code as the readers name it (invalid_national_id, invalid_date,
    #: invalid_number) -> rows}.
    injected_by_reason: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    #: File name -> data rows written (bad ones included).
    rows: Mapping[str, int] = field(default_factory=dict)
    distinct_students: int = 0  # students on any roster written
    #: File name -> {notice reason (eudc_character, replaced_character) -> rows}: rows that are
    #: loaded, not bad, yet listed for a person to correct at the source. Files without any are absent.
    injected_notices: Mapping[str, Mapping[str, int]] = field(default_factory=dict)


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
        raise ConfigError(f"students must be at least {MIN_STUDENTS}")
    if as_of < TERMS[0].starts:
        raise DateError(f"as_of must be on or after {TERMS[0].starts} (the first term of the demo)")
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
    written: list[tuple[FileSpec | None, Path, int, Mapping[str, int], Mapping[str, int]]] = []
    distinct = frames["students"]["student"].n_unique()
    specs = plan(as_of, exported_at, held_batches(frames["submissions"], exported_at),
                 ischool_rows(frames["students"]))
    last_use = {spec.kind: i for i, spec in enumerate(specs)}
    for kind in ("clo", "mp"):  # the uploaded workbooks, written with the submissions, read them
        last_use[kind] = max(last_use[kind], last_use["submissions"])
    for i, spec in enumerate(specs):
        w = write_file(out, spec, frames[spec.kind], ctx, seed)
        written.append((spec, w.path, w.rows, w.bad, w.notices))
        if w.moved is not None and spec.kind == "submissions":
            kinds = w.moved["kind"].cast(pl.String)
            writers: tuple[tuple[str, Callable[[pl.DataFrame], Uploaded]], ...] = (
                ("課程學習成果", lambda m: write_clo_workbook(out, m, frames["clo"], frames["courses"],
                                                             frames["people"], seed)),
                ("多元表現", lambda m: write_mp_workbook(out, m, frames["mp"], frames["people"], seed)),
            )
            for zh, write in writers:
                if (kinds == zh).any():
                    u = write(w.moved.filter(kinds == zh))
                    written.append((None, u.path, u.rows, u.bad, {}))
        elif w.moved is not None and w.moved.height and spec.kind == "students":  # the term is in one file
            e = write_ischool(out, w.moved, frames["people"], seed)
            written.append((None, e.path, e.rows, e.bad, e.notices))
        for kind, last in last_use.items():
            if last == i and kind != "courses" and kind in frames:  # courses: grades read it
                del frames[kind]  # written: free it (national-scale runs stay within memory)
    files, names = _pack(out, written, exported_at)
    schedule_path = out / SCHEDULE_FILE
    kept = set(frames["schedule"]["term"].to_list())
    write_schedule(schedule_path, [(t.key, dict(t.milestones)) for t in TERMS if t.index in kept],
                   f"{SCHOOL_NAME} 學生學習歷程檔案 期程（學年度-學期: 西元日期）")
    files.append(schedule_path)
    names.append((schedule_path.name, len(kept), {}, {}))
    return DemoSummary(
        out=out, students=students, seed=seed, as_of=as_of, exported_at=exported_at, files=tuple(files),
        injected_bad_rows=MappingProxyType({n: sum(b.values()) for n, _, b, _ in names}),
        injected_by_reason=MappingProxyType({n: MappingProxyType(dict(b)) for n, _, b, _ in names}),
        rows=MappingProxyType({n: r for n, r, _, _ in names}), distinct_students=distinct,
        injected_notices=MappingProxyType({n: MappingProxyType(dict(x)) for n, _, _, x in names if x}),
    )


def _pack(out: Path, written: list[tuple[FileSpec | None, Path, int, Mapping[str, int], Mapping[str, int]]],
          exported_at: dt.datetime) -> tuple[list[Path], list[tuple[str, int, Mapping[str, int], Mapping[str, int]]]]:
    """Move zip members into their zip (dated at the export moment; the zip takes the place of its
    first member in the file list). Returns the files of the folder and, per data file, its name as
    the folder shows it (`收訖明細.zip/收訖明細_課程學習成果.csv`), rows, bad rows and notices."""
    files: list[Path] = []
    names: list[tuple[str, int, Mapping[str, int], Mapping[str, int]]] = []
    members: dict[str, list[Path]] = {}
    for spec, path, rows, bad, notices in written:
        container = spec.zip if spec is not None else None
        if container is None:
            files.append(path)
            names.append((path.name, rows, bad, notices))
            continue
        if container not in members:
            members[container] = []
            files.append(out / container)
        members[container].append(path)
        names.append((f"{container}/{path.name}", rows, bad, notices))
    for container, paths in members.items():
        write_zip(out / container, [(p.name, p.read_bytes()) for p in paths], exported_at)
        for p in paths:
            p.unlink()
    return files, names
