"""What a report notebook uses, in one name: `from lpdata.report import page`.

    con = page.connect(db, as_of)                      # db None: $LP_DB, else data/demo.duckdb
    term = page.resolve_term(con, academic_year, semester)
    frame = page.read(con, "SELECT ... FROM class_completion WHERE academic_year = ? AND semester = ?",
                      [term.academic_year, term.semester])
    page.headline([page.Number(t("h.students"), 1234)])
    page.table(frame, t, view="class_completion")

The work is done in the rooms this facade gathers, one concept each:

- `session`  — the database, its connections (kept warm between reports), `read`, `at_dates`;
- `terms`    — the term (`Term`, `term_of`, `resolve_term`), its schedule, dates over time;
- `blocks`   — the HTML building blocks, every value escaped;
- `privacy`  — small cells (P-SMALL-CELL): `min_students`, `suppress_small`, a hidden rate's "—";
- `reconciling` — the reconciliation headline (action apart from waiting), explanations by language;
- `readings` — the notebooks' shared readings of the views (roll-ups, curves, ageing, effectiveness).

`__all__` is what the notebooks and their tests use; a name a notebook needs is added here.
"""

from __future__ import annotations

from ..dates import Term, as_of_date, term_of
from .blocks import Number, excel_link, footnotes, headline, labelled, paragraph, rate_text, section, table, title
from .privacy import SUPPRESSED_RATE, min_students, small_marker, suppress_small, suppressed_note, suppressed_text
from .readings import (
    COMPLETION_COUNTS,
    COMPLETION_RATES,
    UPLOAD_DEADLINES,
    ageing,
    ageing_order,
    completion_dates,
    completion_over_time,
    effectiveness_for_taskforce,
    effectiveness_in_aggregate,
    effectiveness_met_chart,
    effectiveness_per_person,
    effectiveness_table,
    in_language,
    metric_definitions,
    rates_long,
    rollup,
)
from .reconciling import action_numbers, national_due, waiting_numbers
from .session import at_dates, connect, has_view, read
from .terms import as_of_points, resolve_term, schedule

__all__ = [
    "COMPLETION_COUNTS", "COMPLETION_RATES", "SUPPRESSED_RATE", "UPLOAD_DEADLINES", "Number", "Term",
    "action_numbers", "ageing", "ageing_order", "as_of_date", "as_of_points", "at_dates", "completion_dates",
    "completion_over_time", "connect", "effectiveness_for_taskforce", "effectiveness_in_aggregate",
    "effectiveness_met_chart", "effectiveness_per_person", "effectiveness_table",
    "excel_link", "footnotes", "has_view", "headline", "in_language", "labelled", "metric_definitions",
    "min_students",
    "national_due", "paragraph", "rate_text", "rates_long", "read", "resolve_term", "rollup", "schedule", "section",
    "small_marker", "suppress_small", "suppressed_note", "suppressed_text", "table", "term_of", "title",
    "waiting_numbers",
]
