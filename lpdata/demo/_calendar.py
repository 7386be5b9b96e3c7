"""The demo school's calendar: four terms (113-1 … 114-2), their schedule (期程) and time helpers.

Times are naive local times (Asia/Taipei) held as int64 seconds since 1970-01-01 and dates as int64
days since then, so whole columns can be drawn with numpy and turned into Polars columns at the end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import numpy.typing as npt
import polars as pl

from ..contract import SCHEDULE_MILESTONES

YEARS: tuple[int, ...] = (113, 114)  # ROC academic years: 113 = Aug 2024 - Jul 2025
DAY = 86_400
HOUR = 3_600
EPOCH = dt.date(1970, 1, 1)
#: Far in the future: "never happened" for event times kept as int64 seconds.
NEVER = np.int64(1) << 62

#: The default "today" of the demo: after 114-2's upload and certification deadlines, with the
#: 114-2 submissions sent and their receipt batches not back yet.
DEFAULT_AS_OF = dt.date(2026, 7, 20)
EXPORT_HOUR = 18


def day(d: dt.date) -> int:
    return (d - EPOCH).days


@dataclass(frozen=True)
class Term:
    """One semester: its place in the data (index 0..3) and its dates."""

    index: int
    year: int  # ROC
    semester: int
    starts: dt.date  # first day of the term (Aug 1 or Feb 1)
    ends: dt.date  # last day (Jan 31 or Jul 31)
    classes_start: dt.date
    graduation: dt.date | None  # grade 3's graduation (semester 2 only)
    milestones: Mapping[str, dt.date]

    @property
    def key(self) -> str:
        return f"{self.year}-{self.semester}"

    def due(self, name: str) -> dt.date:
        return self.milestones[name]

    def end_of(self, name: str) -> int:
        """The last second (23:59:59) of a milestone's day, as epoch seconds."""
        return day(self.milestones[name]) * DAY + DAY - 1


def _first_friday_of_june(year_ad: int) -> dt.date:
    d = dt.date(year_ad, 6, 1)
    return d + dt.timedelta(days=(4 - d.weekday()) % 7)


def _term(index: int, year: int, semester: int) -> Term:
    ad = year + 1911
    plus = dt.timedelta
    if semester == 1:
        starts, ends = dt.date(ad, 8, 1), dt.date(ad + 1, 1, 31)
        published, classes_start, closing = dt.date(ad, 8, 28), dt.date(ad, 8, 30), dt.date(ad + 1, 1, 20)
        upload = closing + plus(days=18)
        certify = upload + plus(days=10)
        select = certify + plus(days=4)
        graduation = None
    else:
        starts, ends = dt.date(ad + 1, 2, 1), dt.date(ad + 1, 7, 31)
        published, classes_start, closing = dt.date(ad + 1, 2, 10), dt.date(ad + 1, 2, 11), dt.date(ad + 1, 6, 26)
        # R-CLO-WINDOW: the upload window closes 14 days after the closing ceremony.
        upload = closing + plus(days=14)
        certify = upload + plus(days=6)
        select = certify + plus(days=1)
        graduation = _first_friday_of_june(ad + 1)
    national = select + plus(days=21)
    receipt_from = national + plus(days=24)
    milestones = {
        "published_on": published, "closing_ceremony": closing, "clo_upload_due": upload,
        "clo_certify_due": certify, "clo_select_due": select, "mp_select_due": select,
        "national_due": national, "receipt_confirm_from": receipt_from,
        "receipt_confirm_to": receipt_from + plus(days=9),
    }
    assert tuple(milestones) == SCHEDULE_MILESTONES
    return Term(index, year, semester, starts, ends, classes_start, graduation, MappingProxyType(milestones))


TERMS: tuple[Term, ...] = tuple(_term(i, y, s) for i, (y, s) in enumerate((y, s) for y in YEARS for s in (1, 2)))


# --- vectorised time helpers ------------------------------------------------------------------
#: When students are online (hour-of-day weights): evenings, a lunch bump, a few night owls.
STUDENT_HOURS = np.array([3, 1.5, .5, .2, .1, .1, .3, 1, 2, 2, 2.5, 3, 5, 5, 3, 3, 3.5, 4.5, 5.5, 7, 9, 10, 9, 6])
#: When staff work: office hours, some evening catch-up.
STAFF_HOURS = np.array([0, 0, 0, 0, 0, 0, 0, .5, 4, 6, 6, 5, 2, 4, 6, 6, 5, 3, 1.5, 1.5, 2, 1.5, .5, 0])


def time_of_day(rng: np.random.Generator, size: int, profile: np.ndarray) -> np.ndarray:
    """Seconds after midnight, drawn from an hour-of-day profile."""
    cdf = np.cumsum(profile / profile.sum())
    cdf[-1] = 1.0
    hours = np.searchsorted(cdf, rng.random(size), side="right")
    return hours * HOUR + rng.integers(0, HOUR, size)


def school_days(days: np.ndarray) -> np.ndarray:
    """Move Saturdays back to Friday and Sundays on to Monday."""
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    moved: np.ndarray = days - (weekday == 5) + (weekday == 6)  # days' own dtype
    return moved


def between(rng: np.random.Generator, low: np.ndarray | int, high: np.ndarray | int, size: int) -> np.ndarray:
    """Uniform integers in [low, high] (inclusive; high below low gives low)."""
    low_a = np.broadcast_to(np.asarray(low, dtype=np.int64), (size,))
    span = np.maximum(np.broadcast_to(np.asarray(high, dtype=np.int64), (size,)) - low_a, 0) + 1
    drawn: npt.NDArray[np.int64] = low_a + (rng.random(size) * span).astype(np.int64)
    return drawn


def _with_nulls(series: pl.Series, missing: np.ndarray | None) -> pl.Series:
    if missing is not None and missing.any():
        series = series.set(pl.Series(missing), None)
    return series


def to_datetime(seconds: np.ndarray, name: str) -> pl.Series:
    """Epoch seconds (NEVER = missing) as a Polars datetime column."""
    s = np.asarray(seconds, dtype=np.int64)
    missing = s >= NEVER
    series = pl.Series(name, np.where(missing, 0, s) * 1_000_000, dtype=pl.Int64).cast(pl.Datetime("us"))
    return _with_nulls(series, missing)


def to_date(days: np.ndarray, name: str, missing: np.ndarray | None = None) -> pl.Series:
    """Epoch days as a Polars date column, null where `missing`."""
    series = pl.Series(name, np.asarray(days, dtype=np.int32), dtype=pl.Int32).cast(pl.Date)
    return _with_nulls(series, missing)
