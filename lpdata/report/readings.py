"""The notebooks' shared readings of the views: the same figure several reports show, read once here.

Nothing here computes a new figure: `rollup` re-adds a view's counts over its own grain (and divides
them again, as the view defines its rate); the rest reshapes a view's rows for a table or a chart,
or hides what the task force may not see.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

import duckdb
import polars as pl

from ..dates import Term
from .blocks import rate_text
from .i18n import Strings
from .privacy import is_small, small_marker, suppressed_text
from .session import at_dates
from .terms import as_of_points


def rollup(frame: pl.DataFrame, by: Sequence[str], counts: Sequence[str],
           rates: Mapping[str, tuple[str, str]] = {}) -> pl.DataFrame:
    """Sum `counts` over `by` (no `by`: one row for everything), and each rate again as
    sum(numerator) / sum(denominator), NULL over nobody: never an average of rates."""
    sums = [pl.col(c).sum() for c in counts]
    out = frame.group_by(list(by), maintain_order=True).agg(sums) if by else frame.select(sums)
    return out.with_columns([
        pl.when(pl.col(den) > 0).then(pl.col(num) / pl.col(den)).otherwise(None).alias(rate)
        for rate, (num, den) in rates.items()
    ])


#: class_completion's student counts and the rates it makes of them (rate -> numerator, denominator).
COMPLETION_COUNTS = ("students", "clo_uploaders", "mp_uploaders")
COMPLETION_RATES = {"clo_upload_rate": ("clo_uploaders", "students"), "mp_upload_rate": ("mp_uploaders", "students")}
UPLOAD_DEADLINES = ("clo_upload_due", "clo_select_due", "mp_select_due")


def completion_dates(term: Term, deadlines: Mapping[str, dt.date | None], *,
                     extra: Iterable[dt.date] = ()) -> list[dt.date]:
    """Weekly as-of dates from the term's start to as_of (or to the last upload deadline or the
    term's end, whichever is later, once that has passed), plus `extra` dates in that range."""
    last = max([term.ends_on, *(d for k, d in deadlines.items() if k in UPLOAD_DEADLINES and d)])
    return as_of_points(term.starts_on, min(term.seen_on, last), extra=extra)


def completion_over_time(con: duckdb.DuckDBPyConnection, term: Term, dates: Iterable[dt.date]) -> pl.DataFrame:
    """class_completion's student counts of the term's classes, as of each date."""
    return at_dates(con, "SELECT class_name, grade, students, clo_uploaders, mp_uploaders FROM class_completion "
                         "WHERE academic_year = ? AND semester = ?", term.params, dates)


def rates_long(frame: pl.DataFrame, keys: Sequence[str], t: Strings,
               rates: Sequence[str] = tuple(COMPLETION_RATES)) -> pl.DataFrame:
    """Rates as rows (`series` labelled, `rate`), for a chart; rows without a rate dropped."""
    return (frame.select(*keys, *rates).unpivot(index=list(keys), on=list(rates), variable_name="series",
                                                value_name="rate")
            .drop_nulls("rate")
            .with_columns(pl.col("series").replace_strict({r: t.value("series", r) for r in rates})))


AGEING_BUCKETS = (7, 14, 30, 60)  # waiting days: 0–7, 8–14, 15–30, 31–60, more


def ageing(backlog: pl.DataFrame, t: Strings) -> pl.DataFrame:
    """Pending items per waiting-days bucket and overdue state (labelled), for a chart."""
    bucket = pl.lit(len(AGEING_BUCKETS))
    for i, limit in reversed(list(enumerate(AGEING_BUCKETS))):
        bucket = pl.when(pl.col("waiting_days") <= limit).then(pl.lit(i)).otherwise(bucket)
    state = pl.when(pl.col("overdue").is_null()).then(pl.lit("null")) \
        .otherwise(pl.col("overdue").cast(pl.String).str.to_lowercase())
    counted = (backlog.with_columns(bucket.alias("b"), state.alias("o"))
               .group_by("b", "o").agg(pl.len().alias("items")).sort("b", "o"))
    return counted.select(
        pl.col("b").map_elements(lambda b: t(f"bucket.{b}"), return_dtype=pl.String).alias("waiting_bucket"),
        pl.col("o").map_elements(lambda o: t(f"overdue_state.{o}"), return_dtype=pl.String).alias("overdue"),
        "items")


def ageing_order(t: Strings) -> tuple[list[str], list[str]]:
    """The buckets' and overdue states' labels in order."""
    return ([t(f"bucket.{i}") for i in range(len(AGEING_BUCKETS) + 1)],
            [t(f"overdue_state.{s}") for s in ("false", "true", "null")])


#: effectiveness metrics that count students (their small values are hidden from the task force),
#: and the homeroom rates whose numerator is a class_completion count.
STUDENT_COUNT_METRICS = ("students_consulted",)
HOMEROOM_RATES = {"clo_upload_rate": "clo_uploaders", "mp_upload_rate": "mp_uploaders"}


def effectiveness_for_taskforce(effectiveness: pl.DataFrame, classes: pl.DataFrame, min_n: int) -> pl.DataFrame:
    """effectiveness rows with `suppressed` set, and their value NULL, where the value is a count of
    1 to min_n - 1 students, or a homeroom teacher's upload rate over such a count (uploaders,
    students, or students who have not uploaded, summed over the teacher's classes of the term)."""
    counts = rollup(classes, ["homeroom_teacher_code"], COMPLETION_COUNTS) \
        .rename({"homeroom_teacher_code": "person_code"})
    frame = effectiveness.join(counts, on="person_code", how="left") if "person_code" in effectiveness.columns \
        else effectiveness

    def small(expr: pl.Expr) -> pl.Expr:
        return is_small(expr, min_n).fill_null(False)

    hidden = pl.lit(False)
    for metric, numerator in HOMEROOM_RATES.items():
        num, den = pl.col(numerator), pl.col("students")
        hidden = hidden | ((pl.col("role") == "homeroom_teacher") & (pl.col("metric") == metric)
                           & (small(num) | small(den) | small(den - num)))
    hidden = hidden | (pl.col("metric").is_in(list(STUDENT_COUNT_METRICS)) & small(pl.col("value")))
    return (frame.with_columns(hidden.alias("suppressed"))
            .with_columns(pl.when(pl.col("suppressed")).then(None).otherwise(pl.col("value")).alias("value"))
            .select(*effectiveness.columns, "suppressed"))


def effectiveness_table(frame: pl.DataFrame, t: Strings, min_n: int) -> pl.DataFrame:
    """effectiveness rows for display: value and target as text in their unit (where suppressed:
    "<min_n" for a count, "—" for a rate), met as a word."""
    def show(value: float | None, unit: str, suppressed: bool = False) -> str:
        return suppressed_text(unit, min_n) if suppressed else _unit_text(value, unit, t)

    rows = frame.to_dicts()
    return pl.DataFrame({
        "role": [r["role"] for r in rows],
        "person_name": [r.get("person_name") or r.get("person_code") for r in rows],
        "metric": [r["metric"] for r in rows],
        "value": [show(r["value"], r["unit"], bool(r.get("suppressed"))) for r in rows],
        "target": [show(r["target"], r["unit"]) if r["target"] is not None else "" for r in rows],
        "met": [t("met_state.no_target") if r["target"] is None
                else t(f"met_state.{str(r['met']).lower() if r['met'] is not None else 'null'}") for r in rows],
    }, schema={c: pl.String for c in ("role", "person_name", "metric", "value", "target", "met")})


def effectiveness_per_person(frame: pl.DataFrame, t: Strings, min_n: int
                             ) -> list[tuple[str, pl.DataFrame, dict[str, str], dict[str, str]]]:
    """For staff only (the effectiveness report; the task force sees `effectiveness_in_aggregate`):
    one table per role (in the view's order): a row per person, a column per metric holding the
    value in its unit, with ✓ / ✗ where a target applies (where suppressed: "<min_n", a rate "—"); with the
    columns' labels (metric, and its target) and definitions (shown on hover)."""
    out = []
    shown = effectiveness_table(frame, t, min_n).with_columns(
        pl.Series("person_code", frame["person_code"]), pl.Series("_met", frame["met"]),
        pl.Series("_has_target", frame["target"].is_not_null()))
    for role in dict.fromkeys(frame["role"].to_list()):
        part = shown.filter(pl.col("role") == role)
        metrics = list(dict.fromkeys(part["metric"].to_list()))
        cell = pl.when(pl.col("_has_target") & pl.col("_met").is_not_null()) \
            .then(pl.concat_str("value", pl.when(pl.col("_met")).then(pl.lit(" ✓")).otherwise(pl.lit(" ✗")))) \
            .otherwise(pl.col("value"))
        wide = (part.with_columns(cell.alias("cell"))
                .pivot(on="metric", index=["person_code", "person_name"], values="cell", aggregate_function="first",
                       maintain_order=True)
                .select("person_code", "person_name", *metrics))
        labels: dict[str, str] = {}
        definitions: dict[str, str] = {}
        column = _definition_column(frame, t)
        for m in metrics:
            defined: list[str] = frame.filter((pl.col("role") == role) & (pl.col("metric") == m))[column] \
                .drop_nulls().to_list() if column in frame.columns else []
            if defined:
                definitions[m] = defined[0]
            target = [x for x in part.filter(pl.col("metric") == m)["target"].drop_nulls().to_list() if x]
            labels[m] = t.value("metric", m) + (f" ({t('target_is', target=target[0])})" if target else "")
        out.append((t.value("role", role), wide, labels, definitions))
    return out


def _unit_text(value: float | None, unit: str, t: Strings) -> str:
    if value is None:
        return t("missing")
    if unit == "rate":
        return rate_text(value)
    if unit == "count":
        return f"{value:,.0f}" if value == round(value) else f"{value:,.1f}"
    return f"{value:,.1f}"


def effectiveness_in_aggregate(frame: pl.DataFrame, t: Strings, min_n: int) -> pl.DataFrame:
    """effectiveness_by_role rows (in the order given) as the task force reads them: role and metric
    as words, the target in its unit, how many of the people with a figure met it ("no target" where
    none applies: participation only), the median figure, and the definition. Nobody is named. A
    median of a count of students (students_consulted) from 1 to min_n - 1 reads "<min_n"."""
    column = _definition_column(frame, t)
    rows = frame.to_dicts()

    def median(r: dict[str, object]) -> str:
        value = r["median_value"]
        if (r["metric"] in STUDENT_COUNT_METRICS and isinstance(value, (int, float))
                and 0 < value < min_n):
            return small_marker(min_n)
        return _unit_text(value if isinstance(value, (int, float)) else None, str(r["unit"]), t)

    def met(r: dict[str, object]) -> str:
        if r["target"] is None:
            return t("met_state.no_target")
        if not r["people_with_value"]:
            return t("met_state.null")
        return t("effectiveness.met_of", met=r["met"], of=r["people_with_value"])

    return pl.DataFrame({
        "role": [t.value("role", r["role"]) for r in rows],
        "metric": [t.value("metric", r["metric"]) for r in rows],
        "people": [r["people"] for r in rows],
        "target": [_unit_text(r["target"], r["unit"], t) for r in rows],
        "met": [met(r) for r in rows],
        "median_value": [median(r) for r in rows],
        "definition": [r[column] for r in rows],
    }, schema={"role": pl.String, "metric": pl.String, "people": pl.Int64, "target": pl.String, "met": pl.String,
               "median_value": pl.String, "definition": pl.String})


def effectiveness_met_chart(frame: pl.DataFrame, t: Strings) -> pl.DataFrame:
    """effectiveness_by_role rows with a target, as (metric label, state label, people) for a
    stacked bar: met, not met, no figure. A metric two roles share is labelled with its role."""
    targeted = frame.filter(pl.col("target").is_not_null())
    shared = {m for m in targeted["metric"].to_list() if targeted["metric"].to_list().count(m) > 1}
    out: dict[str, list[object]] = {"metric": [], "met": [], "people": []}
    for r in targeted.to_dicts():
        label = t.value("metric", r["metric"])
        if r["metric"] in shared:
            label += f" ({t.value('role', r['role'])})"
        for state, count in (("true", r["met"]), ("false", r["not_met"]),
                             ("null", r["people"] - r["people_with_value"])):
            out["metric"].append(label)
            out["met"].append(t(f"met_state.{state}"))
            out["people"].append(count)
    return pl.DataFrame(out, schema={"metric": pl.String, "met": pl.String, "people": pl.Int64})


def _definition_column(frame: pl.DataFrame, t: Strings) -> str:
    return "definition" if t.zh or "definition_en" not in frame.columns else "definition_en"


def metric_definitions(frame: pl.DataFrame, t: Strings) -> list[str]:
    """One footnote per metric shown: its label and its definition (in the report's language); a
    metric defined differently for two roles (a CLO and an MP duty) gets one line per role."""
    column = _definition_column(frame, t)
    pairs = frame.select("role", "metric", column).unique(subset=["metric", column], maintain_order=True)
    several = {m for m, n in pairs.group_by("metric").len().iter_rows() if n > 1}
    lines = []
    for role, metric, definition in pairs.iter_rows():
        label = t.value("metric", metric)
        if metric in several:
            label += f" ({t.value('role', role)})"
        if definition:
            lines.append(f"{label}: {definition}")
    return lines


def in_language(frame: pl.DataFrame, t: Strings) -> pl.DataFrame:
    """A view's rows with each text column that has a Chinese twin (`evidence` and `evidence_zh`,
    `explanation` and `explanation_zh`) shown in the report's language: in zh-TW the twin's text
    under the plain name (so the column keeps its label; the English where a row has no Chinese
    text, rather than nothing), in English the plain column; the `_zh` twins are dropped either way."""
    twins = [c for c in frame.columns if c.endswith("_zh") and c[:-3] in frame.columns]
    if t.zh:
        frame = frame.with_columns(pl.coalesce(c, c[:-3]).alias(c[:-3]) for c in twins)
    return frame.drop(twins)
