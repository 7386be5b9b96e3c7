"""Every public view's rows come out ordered by its grain (metrics.md v2), so the same data gives
byte-identical CSV: a weekly diff shows only what changed.

A view's order is its `-- grain:` columns, or its `-- order:` header when readers want another
(by class and student, rules.md's order...): that order must name every grain column, so it is a
total order and leaves nothing to chance."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from lpdata.views import Query, load_queries

PUBLIC = [q for q in load_queries() if not q.name.startswith("_")]
_ORDER = re.compile(r"^--\s*order\s*:\s*(.+?)\s*$", re.MULTILINE)


def order_of(query: Query) -> list[str]:
    """The view's order as ORDER BY terms over its output columns (`name [DESC] [NULLS FIRST|LAST]`)."""
    found = _ORDER.search(query.path.read_text(encoding="utf-8"))
    return [t.strip() for t in found.group(1).split(",")] if found else [f'"{c}"' for c in query.grain]


@pytest.mark.parametrize("view", PUBLIC, ids=lambda q: q.name)
def test_public_view_is_ordered_by_its_grain(demo_con, view: Query) -> None:
    terms = order_of(view)
    named = {t.split()[0].strip('"') for t in terms}
    assert set(view.grain) <= named, f"{view.name}: the order {terms} leaves out grain columns"
    rows = demo_con.execute(f'SELECT * FROM "{view.name}"').fetchall()
    ordered = demo_con.execute(f'SELECT * FROM "{view.name}" ORDER BY {", ".join(terms)}').fetchall()
    assert rows == ordered, f"{view.name}: rows are not in the order {terms}"


def test_the_order_check_can_fail(demo_con) -> None:
    """The comparison above tells an order apart: reversed, the demo school's classes are not in order."""
    rows = demo_con.execute("SELECT * FROM class_completion").fetchall()
    assert len(rows) > 1
    assert rows != demo_con.execute(
        "SELECT * FROM class_completion ORDER BY academic_year DESC, semester DESC, class_name DESC").fetchall()


#: Byte-identical output is checked on every `make test` for the views with the most rows and the
#: widest plans (where DuckDB's parallel scan would reorder first); the rest run under `make test-slow`
#: (two processes a view, about 2 s each: all of them would add minutes to every `make test`).
EVERY_RUN = {"reconciliation", "compliance", "data_quality", "class_completion", "certification_backlog",
             "receipt_confirmation"}


def _csv_case(view: Query) -> object:
    return pytest.param(view, marks=() if view.name in EVERY_RUN else (pytest.mark.slow,), id=view.name)


@pytest.mark.parametrize("view", [_csv_case(v) for v in PUBLIC])
def test_two_lp_query_runs_print_identical_csv(demo_school, view: Query) -> None:
    _, db, _ = demo_school
    env = {**os.environ, "COLUMNS": "200"}

    command = [sys.executable, "-m", "lpdata.cli", "query", view.name, "--db", str(db), "--format", "csv"]
    # Two processes at once (each its own DuckDB, threads and plan), which also halves the wait.
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) for _ in range(2)]
    outputs = []
    for proc in runs:
        out, errors = proc.communicate(timeout=300)
        assert proc.returncode == 0, errors.decode()
        outputs.append(out)
    first, second = outputs
    assert first.count(b"\n") >= 1  # at least the header row
    assert first == second, f"{view.name}: two runs printed different CSV"
