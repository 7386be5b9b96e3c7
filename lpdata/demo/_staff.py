"""The staff (教職員): administrators with their duties, subject teachers, homeroom teachers, course
counsellors, and the few teachers who leave during 114 (some with a proxy, 代理人, some without).

Teachers are pooled by teaching family (國文, 數學 …); each family has as many teachers as its weekly
periods need at 16 periods a teacher. Codes are `T0001` …; administrators come first.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TypedDict

import numpy as np
import polars as pl

from . import _words as words
from ._calendar import TERMS, between, day, school_days, to_date
from ._people import COHORTS, _names
from ._random import pick, stream

PERIODS_PER_TEACHER = 16

#: Administrators: (roles as the staff file prints them, teaching family or None).
ADMIN: tuple[tuple[str, str | None], ...] = (
    ("教務主任", None),
    ("註冊組長", None),
    ("註冊組幹事", None),
    ("學習歷程檔案協行教師,任課教師", "資訊"),
    ("生輔組幹事", None),
    ("訓育組長", None),
    ("訓育組幹事", None),
    ("活動組", None),
    ("教學組長", None),
    ("實研組長", None),
    ("輔導室、課程諮詢教師", None),
    ("輔導室、課程諮詢教師", None),
    ("技術服務組", None),
)
PORTFOLIO_ASSISTANT = 3  # index in ADMIN: submits CLO for the school
ACTIVITIES_HEAD = 5  # submits MP
COUNSELLING_OFFICE = (10, 11)
DEPARTURE_SHARE = 0.012
#: Departure windows: (term index, first day, last day).
DEPARTURE_WINDOWS = ((2, dt.date(2025, 11, 3), dt.date(2025, 12, 19)), (3, dt.date(2026, 5, 4), dt.date(2026, 6, 19)))


class _ProxyRow(TypedDict):
    """One 代理人 arrangement: teacher numbers and days since the epoch (0 = no end date)."""

    original: int
    proxy: int
    basis: str
    starts_on: int
    ends_on: int


@dataclass(frozen=True)
class Staff:
    frame: pl.DataFrame  # index `teacher`: code, name, roles, hired_on, left_on, disabled_on, family
    pools: dict[str, np.ndarray]  # teaching family -> teacher indices
    homeroom: np.ndarray  # [cohort position, class_no - 1] -> teacher index
    counsellors: np.ndarray  # teacher indices with 課程諮詢教師
    departed: pl.DataFrame  # teacher, term, gone_day (first day without access), proxy (-1), proxy_from
    replacement: dict[int, int]  # departed teacher -> the new hire who takes their next-term sections
    proxies: pl.DataFrame  # the 代理人 records


def family_periods(classes: int) -> dict[str, int]:
    """Weekly periods a family teaches in its busiest semester (credits ~ weekly periods)."""
    per_sem: dict[int, dict[str, int]] = {1: {}, 2: {}}
    for (_grade, sem), entries in words.CURRICULUM.items():
        for _, _, _, credits, family in entries:
            if family != "導師":
                per_sem[sem][family] = per_sem[sem].get(family, 0) + credits * classes
    families = sorted(set(per_sem[1]) | set(per_sem[2]))
    return {f: max(per_sem[1].get(f, 0), per_sem[2].get(f, 0)) for f in families}


def build_staff(classes: int, seed: int) -> Staff:
    rng = stream(seed, "staff")
    periods = family_periods(classes)
    roles: list[str] = [r for r, _ in ADMIN]
    family: list[str | None] = [f for _, f in ADMIN]
    for fam, p in periods.items():
        count = max(2, math.ceil(p / PERIODS_PER_TEACHER))
        if fam == "資訊":
            count -= 1  # the portfolio assistant teaches 資訊 too
        roles += ["任課教師"] * count
        family += [fam] * count
    n = len(roles)
    family_arr = np.array([f or "" for f in family])
    pools = {f: np.flatnonzero(family_arr == f) for f in periods}

    # Homeroom teachers: 3 classes a grade need 3*classes teachers; cohorts 111 and 114 share theirs
    # (the teachers of the graduating class take the new grade 1).
    teachers = np.array([i for i, x in enumerate(family) if x is not None and i >= len(ADMIN)], dtype=np.int64)
    order = teachers[rng.permutation(teachers.size)]
    need = 3 * classes
    if order.size < need:  # tiny schools: some teachers lead two classes
        order = np.resize(order, need)
    homeroom = np.zeros((len(COHORTS), classes), dtype=np.int64)
    homeroom[1] = order[:classes]
    homeroom[2] = order[classes:2 * classes]
    homeroom[0] = order[2 * classes:3 * classes]
    homeroom[3] = homeroom[0]
    is_homeroom = np.zeros(n, dtype=bool)
    is_homeroom[homeroom.ravel()] = True
    for i in np.flatnonzero(is_homeroom):
        roles[i] += "、導師" if rng.random() < 0.2 else ",導師"

    # Course counsellors: the counselling office and some teachers who lead no class.
    free = order[need:][~is_homeroom[order[need:]]]
    extra = free[pick(rng, free.size, max(2, classes // 2))]
    counsellors = np.r_[np.array(COUNSELLING_OFFICE, dtype=np.int64), extra]
    for i in extra:
        roles[i] += ",課程諮詢教師"

    # Departures: teachers who lead no class and counsel no one, from families of two or more.
    counselling = set(extra.tolist())
    candidates = np.array([t for t in free.tolist() if t not in counselling and pools[family[t]].size >= 2],
                          dtype=np.int64)
    count = min(candidates.size, max(4, round(DEPARTURE_SHARE * n)))
    leaving = candidates[pick(rng, candidates.size, count)]
    rng.shuffle(leaving)
    gone_rows = []
    left_on = np.zeros(n, dtype=np.int64)
    disabled_on = np.zeros(n, dtype=np.int64)
    replacement: dict[int, int] = {}
    proxy_rows: list[_ProxyRow] = []
    first_window = math.ceil(count / 2)
    leaving_set = set(leaving.tolist())
    for k, t in enumerate(leaving.tolist()):
        term, lo, hi = DEPARTURE_WINDOWS[0] if k < first_window else DEPARTURE_WINDOWS[1]
        d = int(school_days(between(rng, day(lo), day(hi), 1))[0])
        mode = rng.random()
        if mode < 0.6:
            left_on[t] = d
        elif mode < 0.8:
            disabled_on[t] = d  # account disabled (long leave) without a resignation date
        else:
            left_on[t] = d
            disabled_on[t] = d + int(rng.integers(0, 4))
        # In each window the first leaver gets a proxy and the second does not; then 60% do.
        has_proxy = (k % first_window) == 0 if (k % first_window) < 2 else bool(rng.random() < 0.6)
        proxy, proxy_from = -1, 0
        if has_proxy:
            mates = np.array([m for m in pools[family[t]].tolist() if m not in leaving_set])
            if mates.size == 0:
                mates = np.array([ADMIN.index(ADMIN[PORTFOLIO_ASSISTANT])])
            proxy = int(mates[rng.integers(0, mates.size)])
            proxy_from = d + int(rng.integers(3, 15))
            ends = TERMS[term].due("clo_certify_due") + dt.timedelta(days=30)
            proxy_rows.append({
                "original": int(t), "proxy": proxy,
                "basis": "會議" if rng.random() < 0.5 else "簽呈",
                "starts_on": proxy_from, "ends_on": day(ends) if rng.random() < 0.5 else 0,
            })
        gone_rows.append({"teacher": int(t), "term": term, "gone_day": d, "proxy": proxy, "proxy_from": proxy_from})
        if term + 1 < len(TERMS):  # someone new takes over next term's sections
            replacement[int(t)] = n + len(replacement)
            roles.append("任課教師")
            family.append(family[t])
    total = len(roles)
    hired = school_days(np.array([day(dt.date(y, 8, 1)) for y in rng.integers(1996, 2025, total)]))
    for new in replacement.values():
        hired[new] = day(TERMS[3].starts)
    left_on = np.r_[left_on, np.zeros(total - n, dtype=np.int64)]
    disabled_on = np.r_[disabled_on, np.zeros(total - n, dtype=np.int64)]
    width = max(4, len(str(total)))
    codes = [f"T{i + 1:0{width}d}" for i in range(total)]
    sex = np.where(rng.random(total) < 0.45, 1, 2)
    # A few staff files spell duties as role codes instead of their Chinese names.
    spelled = [_as_codes(r) if rng.random() < 0.05 else r for r in roles]
    frame = pl.DataFrame({
        "teacher": np.arange(total, dtype=np.int64),
        "teacher_code": codes,
        "name": _names(rng, sex),
        "roles": spelled,
        "hired_on": to_date(hired, "hired_on"),
        "left_on": to_date(left_on, "left_on", missing=left_on == 0),
        "disabled_on": to_date(disabled_on, "disabled_on", missing=disabled_on == 0),
        "family": pl.Series([f or "" for f in family]),
    })
    departed = pl.DataFrame(gone_rows, schema={"teacher": pl.Int64, "term": pl.Int64, "gone_day": pl.Int64,
                                                "proxy": pl.Int64, "proxy_from": pl.Int64})
    proxies = pl.DataFrame({
        "original_code": [codes[r["original"]] for r in proxy_rows],
        "proxy_code": [codes[r["proxy"]] for r in proxy_rows],
        "basis": [r["basis"] for r in proxy_rows],
        "starts_on": to_date(np.array([r["starts_on"] for r in proxy_rows], dtype=np.int64), "starts_on"),
        "ends_on": to_date(np.array([r["ends_on"] for r in proxy_rows], dtype=np.int64), "ends_on",
                           missing=np.array([r["ends_on"] == 0 for r in proxy_rows], dtype=bool)),
    }, schema={"original_code": pl.String, "proxy_code": pl.String, "basis": pl.String,
               "starts_on": pl.Date, "ends_on": pl.Date})
    return Staff(frame, pools, homeroom, counsellors, departed, replacement, proxies)


def _as_codes(roles: str) -> str:
    """`任課教師,導師` -> `course_teacher,homeroom_teacher`."""
    from ..contract import ROLE_CHOICES

    parts = [p for p in roles.replace("、", ",").split(",") if p]
    return ",".join(ROLE_CHOICES[p] for p in parts)
