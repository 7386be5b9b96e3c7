"""What went to the national database and came back: submissions (提交紀錄), receipt details
(收訖明細) and the students' receipt confirmations (收訖確認).

Deliberate imperfections, each a state the reconciliation view must find:
- a few selected items are never submitted (selected late, or simply left out);
- a few receipt lines are missing, a few are extra (received but matching no submitted item);
- a few receipt summaries differ only in white space and full-width characters (they still match);
- students who left mostly never confirm (R-LEFT-MAIL), some enrolled ones report errors.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from . import _words as words
from ._calendar import DAY, HOUR, STAFF_HOURS, STUDENT_HOURS, TERMS, day, time_of_day, to_datetime
from ._columns import enum_table, take, union
from ._people import COHORTS, Students
from ._portfolio import batch_times
from ._random import pick, stream, weighted
from ._staff import ACTIVITIES_HEAD, PORTFOLIO_ASSISTANT, Staff

KIND_ZH = {"clo": "課程學習成果", "mp": "多元表現"}
FORGOTTEN_SHARE = 0.003  # selected in time, yet left out of the batch
MISSING_LINE_SHARE = 0.003
ODD_SPACING_SHARE = 0.005
_FULL_WIDTH = {str(d): chr(0xFF10 + d) for d in range(10)} | {"：": ":"}


#: Every submission batch: (kind, term, batch id, epoch seconds), in a fixed order.
BATCHES: tuple[tuple[str, int, str, int], ...] = tuple(
    (kind, term, batch_id, at)
    for (kind, term), batches in sorted(batch_times().items()) for batch_id, at in batches)


def assign_batches(items: pl.DataFrame, kind: str, seed: int) -> np.ndarray:
    """For each item: the position in BATCHES of the batch that carried it, or -1. An item goes in
    the first batch of its term sent after it was selected; a few are forgotten."""
    rng = stream(seed, f"batches-{kind}")
    n = items.height
    sel = items["selected_at"].cast(pl.Int64).fill_null(1 << 62).to_numpy() // 1_000_000
    term = items["term"].to_numpy().astype(np.int64)
    out = np.full(n, -1, dtype=np.int64)
    for t in TERMS:
        mine = [(i, at) for i, (k, tt, _, at) in enumerate(BATCHES) if k == kind and tt == t.index]
        for i, at in reversed(mine):  # the earliest batch wins: assign it last
            out = np.where((term == t.index) & (sel <= at), i, out)
    out[rng.random(n) < FORGOTTEN_SHARE] = -1
    return out


def build_submissions(clo: pl.DataFrame, mp: pl.DataFrame, batches: dict[str, np.ndarray],
                      staff: Staff) -> pl.DataFrame:
    """One row per submitted item: the batch, its time and who sent it."""
    codes = staff.frame["teacher_code"]
    by = {"clo": codes[PORTFOLIO_ASSISTANT], "mp": codes[ACTIVITIES_HEAD]}
    ids = enum_table([b[2] for b in BATCHES])
    who = enum_table([by["clo"], by["mp"]])
    kinds = enum_table(list(KIND_ZH.values()))
    at = np.array([b[3] for b in BATCHES], dtype=np.int64)
    frames = []
    order = []
    for kind, items in (("clo", clo), ("mp", mp)):
        pos = batches[kind]
        sent = pos >= 0
        b = pos[sent]
        part = items.filter(pl.Series(sent)).select("item_id", "student", "term", "academic_year")
        frames.append(pl.DataFrame([
            take(ids, b, "batch_id"),
            to_datetime(at[b], "submitted_at"),
            take(who, np.full(b.size, 0 if kind == "clo" else 1), "submitted_by"),
            take(kinds, np.full(b.size, 0 if kind == "clo" else 1), "kind"),
        ]).hstack(part))
        order.append(b)
    # Items are in item-number order already: a stable sort by batch keeps it within each batch.
    out = pl.concat(frames)
    out = out[np.argsort(np.concatenate(order), kind="stable")]
    return out.select("batch_id", "submitted_at", "submitted_by", "kind", "item_id", "student", "term",
                      "academic_year")


def receipt_times() -> dict[tuple[str, int], tuple[str, int]]:
    """(kind, term) -> (receipt batch id, received at): the national database answers 8-12 days
    after its deadline."""
    out = {}
    for t in TERMS:
        base = (day(t.due("national_due")) + 8 + t.index % 3) * DAY + 9 * HOUR
        out[("clo", t.index)] = (f"R{t.year}{t.semester}C", base)
        out[("mp", t.index)] = (f"R{t.year}{t.semester}M", base + 2 * DAY + 30 * 60)
    return out


def odd_spacing(text: pl.Expr) -> pl.Expr:
    """The same summary as the national database may print it: padded, full-width digits, a
    half-width colon. Normalised (trim, collapse spaces, NFKC) it equals the original."""
    return pl.lit("　") + text.str.replace_many(_FULL_WIDTH) + pl.lit("  ")


def build_receipts(clo: pl.DataFrame, mp: pl.DataFrame, batches: dict[str, np.ndarray], seed: int) -> pl.DataFrame:
    """One line per received item, in the order the national database lists them. The line keeps
    the summary as submitted; `odd_spacing` marks the lines printed with other spacing and
    full-width characters, `extra` the lines the school never submitted (their summary gets a
    prefix in the file)."""
    rng = stream(seed, "receipts")
    times = receipt_times()
    receipt_ids = enum_table([times[k][0] for k in sorted(times)])
    kinds = enum_table(list(KIND_ZH.values()))
    frames = []
    for kind, items in (("clo", clo), ("mp", mp)):
        sent = batches[kind] >= 0
        cols = ["item_id", "term", "academic_year", "student", "semester", "summary"]
        cols += ["course_code", "course_name"] if kind == "clo" else ["category", "title"]
        lines = items.filter(pl.Series(sent)).select(cols)
        term = lines["term"].to_numpy()
        keep = np.ones(lines.height, dtype=bool)
        odd = np.zeros(lines.height, dtype=bool)
        extra_rows = []
        for t in TERMS:
            idx = np.flatnonzero(term == t.index)
            if idx.size == 0:
                continue
            missing = max(1 if idx.size >= 50 else 0, round(MISSING_LINE_SHARE * idx.size))
            keep[idx[pick(rng, idx.size, missing)]] = False
            odd[idx[pick(rng, idx.size, max(1, round(ODD_SPACING_SHARE * idx.size)))]] = True
            # One line the school never submitted (113-1 CLO, 113-2 MP): a record from elsewhere.
            if (kind, t.index) in (("clo", 0), ("mp", 1)):
                extra_rows.append(int(idx[0]))
        lines = lines.with_columns(pl.Series("odd_spacing", odd), pl.lit(False).alias("extra"))
        extra = lines[extra_rows].with_columns(pl.lit(None, dtype=pl.String).alias("item_id"),
                                               pl.lit(False).alias("odd_spacing"), pl.lit(True).alias("extra"))
        lines = pl.concat([lines.filter(pl.Series(keep)), extra]).sort("term", maintain_order=True)
        r_idx = np.array([sorted(times).index((kind, int(x))) for x in range(len(TERMS))])[lines["term"].to_numpy()]
        r_at = np.array([times[(kind, x)][1] for x in range(len(TERMS))])[lines["term"].to_numpy()]
        within = lines.select((pl.int_range(pl.len()).over("term") // 150).alias("w"))["w"].to_numpy()
        frames.append(lines.rename({"item_id": "matches_item"}).with_columns(
            take(receipt_ids, r_idx, "receipt_batch"),
            take(kinds, np.full(lines.height, 0 if kind == "clo" else 1), "kind"),
            to_datetime(r_at + within, "received_at"),
        ))
    clo_summary, mp_summary = union([frames[0]["summary"], frames[1]["summary"]])
    frames = [frames[0].with_columns(clo_summary), frames[1].with_columns(mp_summary)]
    out = pl.concat(frames, how="diagonal")
    return out.select("receipt_batch", "academic_year", "kind", "student", "semester", "course_code",
                      "course_name", "category", "title", "summary", "received_at", "term", "matches_item",
                      "odd_spacing", "extra")


def build_confirmations(receipts: pl.DataFrame, students: Students, seed: int) -> pl.DataFrame:
    """One row per student per receipt batch."""
    rng = stream(seed, "confirmations")
    people = students.people
    grad_day = {COHORTS[0]: TERMS[1].graduation, COHORTS[1]: TERMS[3].graduation}
    left_day = people.select(
        "student",
        pl.min_horizontal(
            pl.col("leave_date").cast(pl.Int32),
            pl.col("entry_year").replace_strict({c: day(d) for c, d in grad_day.items() if d}, default=None,
                                                return_dtype=pl.Int32),
        ).alias("left_day"),
    )
    pairs = receipts.select("receipt_batch", "student", "term").unique().with_columns(
        pl.col("receipt_batch").cast(pl.String)).sort("receipt_batch", "student")
    pairs = pairs.join(left_day, on="student", how="left")
    n = pairs.height
    term = pairs["term"].to_numpy().astype(np.int64)
    open_day = np.array([day(t.due("receipt_confirm_from")) for t in TERMS])[term]
    close_day = np.array([day(t.due("receipt_confirm_to")) for t in TERMS])[term]
    left = pairs["left_day"].fill_null(1 << 30).to_numpy() < open_day
    u = rng.random(n)
    # 0 未確認, 1 確認無誤, 2 回報有誤
    state = np.where(left, np.where(u < 0.75, 0, 1), np.where(u < 0.88, 1, np.where(u < 0.96, 0, 2)))
    confirmed = (open_day + (rng.random(n) * (close_day - open_day + 1)).astype(np.int64)) * DAY \
        + time_of_day(rng, n, STUDENT_HOURS)
    finding = np.where((state == 2) & (rng.random(n) < 0.6), np.where(rng.random(n) < 0.35, 1, 2), 0)
    checked = confirmed + rng.integers(DAY, 10 * DAY, n)
    checked = (checked // DAY) * DAY + time_of_day(rng, n, STAFF_HOURS)
    resubmitted = checked + rng.integers(DAY, 7 * DAY, n)
    never = np.int64(1) << 62
    report = weighted(rng, [1] * len(words.CONFIRM_REPORTS), n)
    return pl.DataFrame({
        "receipt_batch": pairs["receipt_batch"],
        "student": pairs["student"],
        "term": term.astype(np.int8),
        "state": pl.Series(["未確認", "確認無誤", "回報有誤"]).gather(state),
        "confirmed_at": to_datetime(np.where(state > 0, confirmed, never), "confirmed_at"),
        "report_text": pl.Series(words.CONFIRM_REPORTS).gather(report).set(pl.Series(state != 2), None),
        "school_finding": pl.Series(["", "資料無誤", "已更正"]).gather(finding).set(pl.Series(finding == 0), None),
        "checked_at": to_datetime(np.where(finding > 0, checked, never), "checked_at"),
        "resubmitted_at": to_datetime(np.where(finding == 2, resubmitted, never), "resubmitted_at"),
    })
