"""The report's term (學年度, 學期), its deadlines, and the dates a figure is read at over time.

`Term` and `term_of` are defined here only, for the whole report layer: when a project-wide time
module provides them, this module imports them from there instead (`label` takes any strings
callable `t(key, **fields)`, so a Term defined outside the report layer can carry it too).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, cast

import duckdb

from ..store import scalar
from .session import as_of_date, read, ready


class Texts(Protocol):
    """What `Term.label` needs of the report strings (`i18n.Strings`)."""

    def __call__(self, key: str, **fields: object) -> str: ...


def term_of(day: dt.date) -> tuple[int, int]:
    """The term containing `day`: semester 1 from 1 Aug, semester 2 from 1 Feb (學年度 = ROC year)."""
    if day.month >= 8:
        return day.year - 1911, 1
    return day.year - 1912, (1 if day.month == 1 else 2)


@dataclass(frozen=True)
class Term:
    """A term and the as-of date a report reads it at."""

    academic_year: int
    semester: int
    as_of: dt.date

    @property
    def starts_on(self) -> dt.date:
        year = self.academic_year + 1911
        return dt.date(year, 8, 1) if self.semester == 1 else dt.date(year + 1, 2, 1)

    @property
    def ends_on(self) -> dt.date:
        year = self.academic_year + 1912
        return dt.date(year, 1, 31) if self.semester == 1 else dt.date(year, 7, 31)

    @property
    def params(self) -> list[int]:
        """[academic_year, semester], to bind."""
        return [self.academic_year, self.semester]

    def label(self, t: Texts) -> str:
        return t("term", academic_year=self.academic_year, semester=self.semester)


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
