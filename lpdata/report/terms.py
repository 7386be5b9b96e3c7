"""The report's term (學年度, 學期), its deadlines, and the dates a figure is read at over time.

`Term` and `term_of` come from `lpdata.dates`, the one place time is defined; this module adds
what a report needs of a term (which term it reads, its 期程, dates over time).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import cast

import duckdb

from ..dates import Term, as_of_date, term_of
from ..store import scalar
from .session import read, ready


def resolve_term(con: duckdb.DuckDBPyConnection, academic_year: int | str | None = None,
                 semester: int | str | None = None) -> Term:
    """The report's term. Given both: that term. Neither: the term containing as_of, or if no class
    has it (its roster is not loaded yet) the newest term before it that class_completion holds.
    Only a year: the semester containing as_of in that year (a past year: 2, a later one: 1). Only a
    semester: the newest such semester begun by as_of."""
    day = as_of_date(con)
    year_now, sem_now = term_of(day)
    if academic_year is not None and semester is not None:
        return Term(int(academic_year), int(semester), day)
    if academic_year is not None:
        year = int(academic_year)
        return Term(year, sem_now if year == year_now else (2 if year < year_now else 1), day)
    if semester is not None:
        sem = int(semester)
        return Term(year_now if sem <= sem_now else year_now - 1, sem, day)
    ready(con, "class_completion")
    best = scalar(con, "SELECT max((academic_year, semester)) FROM class_completion "
                       "WHERE (academic_year, semester) <= (?, ?)", [year_now, sem_now])
    if best:  # a struct: a dict, or a tuple from an older DuckDB
        values = list(best.values()) if isinstance(best, dict) else list(cast("Iterable[int]", best))
        return Term(int(values[0]), int(values[1]), day)
    return Term(year_now, sem_now, day)


def schedule(con: duckdb.DuckDBPyConnection, term: Term) -> dict[str, dt.date | None]:
    """The term's 期程 (deadlines by name); empty when none is loaded."""
    frame = read(con, "SELECT * EXCLUDE (_file_id, _row) FROM schedule WHERE academic_year = ? AND semester = ?",
                 term.params)
    if frame.is_empty():
        return {}
    row = frame.row(0, named=True)
    return {k: v for k, v in row.items() if k not in ("academic_year", "semester")}


def as_of_points(start: dt.date, end: dt.date, *, every_days: int = 7,
                 extra: Iterable[dt.date] = ()) -> list[dt.date]:
    """Dates from `start` to `end`: every `every_days` counted back from `end` (so `end` is one),
    plus `extra` dates inside the range."""
    if end < start:
        return [end]
    days = {end - dt.timedelta(days=n) for n in range(0, (end - start).days + 1, every_days)}
    days |= {d for d in extra if start <= d <= end}
    return sorted(days)
