"""The report notebooks run top to bottom (pytest --nbval-lax) against the demo school, with their
default parameters and the database given by $LP_DB; and the task-force briefing shows no student
(it runs once, through nbclient, to read its outputs: an error in any cell fails that test too)."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from ..conftest import student_identities

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
NAMES = ("class_dashboard", "school_completion", "certification_backlog", "reconciliation",
         "taskforce_briefing", "data_quality", "effectiveness")
TIMEOUT = 900


@pytest.fixture(scope="module")
def run_dir(demo_school, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """Copies of the notebooks (so the Excel lists they write land here, not in notebooks/), and the
    environment pointing them at the demo school."""
    _, db, _ = demo_school
    folder = tmp_path_factory.mktemp("notebooks")
    for name in NAMES:
        shutil.copy(NOTEBOOKS / f"{name}.ipynb", folder)
    env = {**os.environ, "LP_DB": str(db)}
    env.pop("PYTEST_ADDOPTS", None)
    return folder, env


def test_notebooks_are_stored_without_outputs_and_with_a_parameters_cell():
    for name in NAMES:
        nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert "parameters" in code[0].metadata.get("tags", []), name
        assert all(not c.outputs and c.execution_count is None for c in code), name
        first = code[0].source
        for key in ("db = None", "academic_year = None", "semester = None", "as_of = None", 'lang = "zh-TW"',
                    'output_dir = "."'):
            assert key in first, (name, key)
        body = "\n".join(c.source for c in code[1:])
        assert not re.search(r"""\b(?:execute|read|sql)\(\s*f["']""", body), name  # values only as ? parameters


def test_notebooks_run_top_to_bottom(run_dir):
    folder, env = run_dir
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax", "--current-env",
         "--nbval-cell-timeout", "600", *(f"{n}.ipynb" for n in NAMES if n != "taskforce_briefing")],
        cwd=folder, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    for xlsx in ("pending_certifications.xlsx", "discrepancies.xlsx", "effectiveness.xlsx"):
        assert (folder / xlsx).is_file(), xlsx


def test_taskforce_briefing_shows_no_student(run_dir, demo_school, monkeypatch):
    from nbclient import NotebookClient

    folder, _ = run_dir
    _, db, _ = demo_school
    monkeypatch.setenv("LP_DB", str(db))
    nb = nbformat.read(folder / "taskforce_briefing.ipynb", as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    shown = "\n".join(str(v) for c in nb.cells if c.cell_type == "code" for o in c.outputs
                      for v in (o.get("data") or {"text": o.get("text", "")}).values())
    students, staff = student_identities(db)
    kinds = {k for c in nb.cells for o in c.get("outputs", []) for k in o.get("data", {})}
    assert students and "image/svg+xml" in kinds  # charts are in the notebook itself
    for student_no, name, id_hash in students:
        assert student_no not in shown, student_no
        assert id_hash not in shown
        if name and name not in staff:  # a student may share a teacher's name
            assert name not in shown, name
    assert "&lt;3" in shown or "<3" in shown  # the suppression rule is stated


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_reconciliation_leads_with_actions_and_counts_each_mail_student_once(demo_school, tmp_path, monkeypatch,
                                                                             lang):
    """The headline's paper letters are the paper_mail view's students, and the mail list's rows (one a
    student); what needs action comes before what waits; explanations are in the report's language."""
    from nbclient import NotebookClient
    from python_calamine import CalamineWorkbook

    from lpdata import connect
    from lpdata.report import i18n, page

    _, db, _ = demo_school
    monkeypatch.setenv("LP_DB", str(db))
    nb = nbformat.read(NOTEBOOKS / "reconciliation.ipynb", as_version=4)
    nb.cells[1].source += f"\nlang = {lang!r}"
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    shown = "\n".join(str(o.get("data", {}).get("text/html", "")) for c in nb.cells if c.cell_type == "code"
                      for o in c.outputs)
    t = i18n.strings(lang)
    con = connect(db, rules_file=False)
    try:
        students = con.execute("SELECT count(*) FROM paper_mail").fetchall()[0][0]
        distinct = con.execute("SELECT count(DISTINCT national_id_hash) FROM receipt_confirmation "
                               "WHERE mail_needed").fetchall()[0][0]
        term = page.resolve_term(con, None, None)
        # The first explained row the page lists (the notebook's order).
        english = con.execute("SELECT explanation FROM reconciliation_discrepancies "
                              "WHERE academic_year = ? AND semester = ? AND explanation_zh IS NOT NULL "
                              "ORDER BY to_act_on DESC, kind, state, class_name, student_no, item_id, receipt_batch, "
                              "receipt_line LIMIT 1", term.params).fetchall()
    finally:
        con.close()
    assert students == distinct
    letters = re.search(r'<div class="lp-value">([\d,]+)</div><div class="lp-label">'
                        + re.escape(html.escape(t("h.mail_needed"))) + "<", shown)
    assert letters is not None and int(letters.group(1).replace(",", "")) == students
    mail_file = tmp_path / "paper_mail.xlsx"
    if students:
        rows = CalamineWorkbook.from_path(str(mail_file)).get_sheet_by_name(t("sheet.mail")).to_python()
        assert len(rows) - 1 == students
    else:
        assert not mail_file.exists() and t("reconciliation.mail_none") in shown
    order = [shown.index(html.escape(t(k))) for k in ("reconciliation.act", "h.recon_not_received",
                                                        "reconciliation.wait", "h.recon_still_to_submit")]
    assert order == sorted(order)
    # One explanation column, in the report's language.
    assert english, "the demo school has explained discrepancies"
    assert (html.escape(english[0][0]) in shown) == (lang == "en")
    assert t.column("explanation_zh") not in shown


def _run_shown(name: str, db: Path, folder: Path, extra: str) -> str:
    """Run one notebook (nbclient, its parameters cell extended by `extra`) in `folder`: its HTML outputs."""
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nb.cells[1].source += f"\ndb = {str(db)!r}\n{extra}"
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    return "\n".join(str(o.get("data", {}).get("text/html", "")) for c in nb.cells if c.cell_type == "code"
                     for o in c.outputs)


def test_the_mail_students_are_the_same_in_every_report(demo_school, tmp_path):
    """metrics v2: the paper-mail list is one line per student, and every report and the briefing count
    the same students. On 2026-04-10 the demo school's 114-1 confirmation period is still open and
    students who left have not confirmed: the reconciliation headline, its Excel list, the briefing's
    headline and the briefing's R-LEFT-MAIL evidence all give paper_mail's count."""
    from python_calamine import CalamineWorkbook

    from lpdata import connect
    from lpdata.report import i18n

    _, db, _ = demo_school
    as_of = "2026-04-10"
    con = connect(db, as_of=as_of, rules_file=False)
    try:
        students = con.execute("SELECT count(*) FROM paper_mail").fetchall()[0][0]
        distinct = con.execute("SELECT count(DISTINCT national_id_hash) FROM receipt_confirmation "
                               "WHERE mail_needed").fetchall()[0][0]
    finally:
        con.close()
    assert students >= 3, "the demo school has students to mail on 2026-04-10 (enough to show in a briefing)"
    assert students == distinct
    t = i18n.strings("zh-TW")

    def headline(shown: str) -> int:
        found = re.search(r'<div class="lp-value">([\d,]+)</div><div class="lp-label">'
                          + re.escape(html.escape(t("h.mail_needed"))) + "<", shown)
        assert found is not None, "no paper-mail headline"
        return int(found.group(1).replace(",", ""))

    recon = tmp_path / "reconciliation"
    recon.mkdir()
    shown = _run_shown("reconciliation", db, recon, f"as_of = {as_of!r}")
    assert headline(shown) == students
    rows = CalamineWorkbook.from_path(str(recon / "paper_mail.xlsx")).get_sheet_by_name(t("sheet.mail")).to_python()
    assert len(rows) - 1 == students
    assert len({tuple(r) for r in rows[1:]}) == students  # one line per student

    briefing = tmp_path / "briefing"
    briefing.mkdir()
    shown = _run_shown("taskforce_briefing", db, briefing, f"as_of = {as_of!r}")
    assert headline(shown) == students
    assert f"已不在學且未確認收訖的學生 {students} 人" in shown  # the compliance evidence (R-LEFT-MAIL)
