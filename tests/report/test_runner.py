"""The runner end to end: a plan of several reports, one failing in its 3rd cell → manifest, index,
HTML without code, exit code; a second run skips what did not change; --force and changed inputs
re-run; a class name with ../ and quotes stays inside reports/. Few kernels: the tests share runs."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from urllib.parse import unquote

import nbformat
import pytest
from typer.testing import CliRunner

from lpdata.cli import app
from lpdata.errors import LpdataError, ParameterError
from lpdata.report.execute import failing_cell, job_paths
from lpdata.report.html import external_references, notebook_html
from lpdata.report.index import write_index
from lpdata.report.manifest import read_manifest
from lpdata.report.plan import expand, load_plan, slug_part
from lpdata.report.runner import run

from .conftest import AS_OF, EVIL, NOTEBOOKS

PLAN = f"""
title: test plan
notebooks_dir: {NOTEBOOKS}
cell_timeout: 60
reports:
  - notebook: school_completion
  - notebook: class_dashboard
    for_each: class
  - notebook: data_quality      # raises in its 3rd cell
"""


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def test_end_to_end(isolated: Path, tiny_db: Path) -> None:
    tmp = isolated
    plan_file = tmp / "plan.yaml"
    plan_file.write_text(PLAN, encoding="utf-8")
    out = tmp / "out" / "reports"
    before = _files(tmp)

    # --- run 1, through the CLI: four reports ok, one failing; exit 1 --------------------------
    cli = CliRunner().invoke(app, ["run", str(plan_file), "--db", str(tiny_db), "--out", str(out), "--jobs", "2"])
    assert cli.exit_code == 1, cli.output
    assert "1 report failed" in cli.output and "5 reports: 4 ok, 1 failed, 0 unchanged" in cli.output
    assert "deliberate failure" in cli.output

    run_dir = out / AS_OF
    entries = read_manifest(run_dir)
    assert [(e["notebook"], e["status"]) for e in entries] == [
        ("school_completion", "ok"), ("class_dashboard", "ok"), ("class_dashboard", "ok"),
        ("class_dashboard", "ok"), ("data_quality", "failed")]
    run1 = entries[0]["run_id"]
    assert {e["run_id"] for e in entries} == {run1}
    by_key = {f"{e['notebook']}/{e['job']}": e for e in entries}
    failed = by_key["data_quality/113-2"]
    assert failed["failing_cell"]["index"] == 2            # the 3rd cell of the notebook as written
    assert failed["failing_cell"]["error"] == "ValueError"
    assert failed["failing_cell"]["message"] == "deliberate failure <for the test>"
    assert "raise ValueError" in failed["failing_cell"]["source"]
    assert failed["error"] == {"name": "ValueError", "message": "deliberate failure <for the test>"}
    school = by_key["school_completion/113-2"]
    assert school["parameters"]["db"] == str(tiny_db.resolve()) and school["parameters"]["as_of"] == AS_OF
    assert school["parameters"]["academic_year"] == 113 and school["parameters"]["semester"] == 2
    assert school["outputs"]["files"] == ["school_completion/113-2/summary.txt"]
    assert (run_dir / "school_completion/113-2/summary.txt").read_text() == "3"   # 3 classes in 113-2
    for e in entries:
        assert len(e["input_hash"]) == 64 and set(e["inputs"]) == {"notebook", "queries", "parameters", "data", "rules"}
        assert e["duration_s"] > 0 and e["started_at"] and e["log"].startswith("run-")
        assert (run_dir / e["outputs"]["ipynb"]).is_file() and (run_dir / e["outputs"]["html"]).is_file()
    assert (run_dir / entries[0]["log"]).is_file()

    # the malicious class name: a safe slug, every file inside reports/
    evil = by_key[f"class_dashboard/113-2_{slug_part(EVIL)}"]
    assert evil["parameters"]["class_name"] == EVIL and evil["status"] == "ok"
    new_files = _files(tmp) - before
    assert new_files and all(p.resolve().is_relative_to(out.resolve()) for p in new_files)

    # HTML without code, offline; the executed notebook keeps it
    page = (run_dir / school["outputs"]["html"]).read_text(encoding="utf-8")
    assert "classes: 3" in page and "connect(db" not in page and "SELECT count(*)" not in page
    assert external_references(page) == [] and "Content-Security-Policy" in page
    assert "<script src" not in page and 'lang="zh-Hant-TW"' in page
    dash = (run_dir / evil["outputs"]["html"]).read_text(encoding="utf-8")
    assert "<h1>班級 ../../evil'\"&lt;x&gt;</h1>" in dash and "<x>" not in dash
    executed = nbformat.read(str(run_dir / school["outputs"]["ipynb"]), as_version=4)
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in executed.cells)

    # every page links back to the index, on screen only, relatively
    assert '<nav class="lp-screen-only lp-back"><a href="../../index.html">' in page
    assert (run_dir / "school_completion" / "../../index.html").resolve() == (out / "index.html").resolve()

    # the index: every report (by reader), its status, the failing cell; text escaped, offline
    index = (out / "index.html").read_text(encoding="utf-8")
    staff = index[:index.index('<details class="operator">')]
    assert staff.count('<tr class="ok">') == 4 and staff.count('<tr class="failed">') == 1
    assert index.count('<tr class="ok">') == 8 and index.count('<tr class="failed">') == 2  # and the run's table
    assert "第 3 格 (In [" in index and "ValueError: deliberate failure &lt;for the test&gt;" in index
    assert EVIL not in index and "evil&#39;&#34;&lt;x&gt;" in index
    assert f'href="{AS_OF}/data_quality/113-2.html"' in index and external_references(index) == []
    for href in re.findall(r'href="([^"]+)"', index):  # every link leads to a file that is there
        assert (out / unquote(href)).is_file(), href

    # --- run 2: nothing changed: every ok report is skipped, the failed one runs again ------------
    plan = load_plan(plan_file)
    second = run(plan, db=tiny_db, out=out, jobs=2)
    assert [(e["job"], e["status"]) for e in second.entries] == [
        ("113-2", "skipped"), (f"113-2_{slug_part(EVIL)}", "skipped"), ("113-2_0301", "skipped"),
        ("113-2_0302", "skipped"), ("113-2", "failed")]
    assert second.exit_code == 1 and second.failed[0]["reason"] == "the last run failed"
    assert all(e["skipped_from"] == run1 for e in second.skipped)
    assert second.skipped[0]["outputs"] == school["outputs"]
    assert len(read_manifest(run_dir)) == 10
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count('<details class="run"') == 2 and index.count('<details class="earlier-runs">') == 1
    assert f"輸入未變更，沿用執行 {run1} 的檔案" in index

    # --- --force: everything would run (a dry run writes nothing) ------------------------------
    forced = run(plan, db=tiny_db, out=out, force=True, dry_run=True)
    assert [d.action for d in forced.decisions] == ["run"] * 5 and {d.reason for d in forced.decisions} == {"forced"}
    assert len(read_manifest(run_dir)) == 10

    # --- a changed parameter: only that report runs (fresh kernels: the other kernel mode) --------
    plan_file.write_text(PLAN.replace("  - notebook: school_completion\n",
                                      "  - notebook: school_completion\n    parameters: {lang: en}\n"), encoding="utf-8")
    third = run(load_plan(plan_file), db=tiny_db, out=out, jobs=2, fresh_kernels=True)
    assert [(e["job"], e["status"], e["reason"]) for e in third.entries] == [
        ("113-2_en", "ok", "new"), (f"113-2_{slug_part(EVIL)}", "skipped", "unchanged"),
        ("113-2_0301", "skipped", "unchanged"), ("113-2_0302", "skipped", "unchanged"),
        ("113-2", "failed", "the last run failed")]
    assert '<html lang="en">' in (run_dir / "school_completion/113-2_en.html").read_text(encoding="utf-8")

    # --- files deleted by hand, then a changed SQL file: those reports would run again -----------
    (run_dir / "class_dashboard" / "113-2_0301.html").unlink()
    plan = load_plan(plan_file)
    assert [d.reason for d in run(plan, db=tiny_db, out=out, dry_run=True).decisions][1:4] == [
        "unchanged", "its files are missing", "unchanged"]
    with (tmp / "queries" / "class_completion.sql").open("a", encoding="utf-8") as fh:
        fh.write("\n-- a comment is a change too\n")
    assert [d.reason for d in run(plan, db=tiny_db, out=out, dry_run=True).decisions] == [
        "changed: queries"] * 4 + ["the last run failed"]


def test_everything_is_validated_before_anything_runs(isolated: Path, tiny_db: Path) -> None:
    plan_file = isolated / "plan.yaml"
    plan_file.write_text(f"notebooks_dir: {NOTEBOOKS}\nreports:\n  - notebook: school_completion\n"
                         "  - notebook: class_dashboard\n    parameters: {class_name: 301}\n", encoding="utf-8")
    out = isolated / "reports"
    with pytest.raises(ParameterError, match=r"line 5, key 'reports\[1\]\.parameters\.class_name'"):
        run(load_plan(plan_file), db=tiny_db, out=out)
    assert not out.exists()
    cli = CliRunner().invoke(app, ["run", str(plan_file), "--db", str(tiny_db), "--out", str(out)])
    assert cli.exit_code == 1 and "class_name" in cli.output and "Traceback" not in cli.output
    dry = CliRunner().invoke(app, ["run", str(plan_file.with_name("none.yaml")), "--db", str(tiny_db)])
    assert dry.exit_code == 1 and "no such file" in dry.output


def test_dry_run_lists_jobs(isolated: Path, tiny_db: Path) -> None:
    plan_file = isolated / "plan.yaml"
    plan_file.write_text(PLAN, encoding="utf-8")
    cli = CliRunner().invoke(app, ["run", str(plan_file), "--db", str(tiny_db), "--out", str(isolated / "r"),
                                   "--dry-run", "--as-of", AS_OF])
    assert cli.exit_code == 0, cli.output
    assert "5 reports would run, 0 would be skipped" in cli.output and "class_dashboard 0301 113-2" in cli.output
    assert not (isolated / "r").exists()


def test_job_paths_refuse_to_leave_reports(isolated: Path, tiny_db: Path) -> None:
    plan_file = isolated / "plan.yaml"
    plan_file.write_text(PLAN, encoding="utf-8")
    out = isolated / "reports"
    job = expand(load_plan(plan_file), db=tiny_db, as_of=dt.date.fromisoformat(AS_OF), run_dir=out / AS_OF).jobs[0]
    escaped = job.__class__(job.notebook, job.params.model_copy(update={"output_dir": str(isolated / "elsewhere")}),
                            job.slug, job.notebook_path, job.where)
    with pytest.raises(LpdataError, match="refusing to write"):
        job_paths(escaped, out / AS_OF, out)
    sneaky = job.__class__(job.notebook, job.params, "../../x", job.notebook_path, job.where)
    with pytest.raises(LpdataError, match="refusing to write"):
        job_paths(sneaky, out / AS_OF, out)


def test_failing_cell_without_an_error_output_is_the_last_started() -> None:
    nb = nbformat.v4.new_notebook()
    cells = [nbformat.v4.new_code_cell("a = 1"), nbformat.v4.new_code_cell("p = 1"),
             nbformat.v4.new_code_cell("import time; time.sleep(99)"), nbformat.v4.new_code_cell("b = 2")]
    cells[1].metadata["tags"] = ["injected-parameters"]
    for cell, started in zip(cells, ["t", "t", "t", None]):
        cell.metadata["papermill"] = {"start_time": started}
    nb.cells = cells
    assert failing_cell(nb)["index"] == 1 and "sleep" in failing_cell(nb)["source"]


def test_html_strips_external_scripts_and_index_of_nothing(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("secret_code()", outputs=[nbformat.v4.new_output(
        "display_data", data={"text/html": "<script src='https://cdn.example/x.js'></script><b>表</b>"
                                           "<link rel='stylesheet' href='http://cdn.example/x.css'>"})])]
    page = notebook_html(nb, title="t", lang="zh-TW")
    assert external_references(page) == [] and "<b>表</b>" in page and "secret_code" not in page
    index = write_index(tmp_path / "reports").read_text(encoding="utf-8")
    assert "尚無報表" in index


def test_a_page_is_titled_with_its_heading_and_links_back_to_the_index() -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output("display_data", data={
        "text/html": '<style>h1{}</style><div class="lp-page"><h1>勾選、提交 &amp; 對帳</h1>'
                     '<p class="lp-sub">113 學年度第 2 學期 · 資料日期 2025-03-01</p></div>'})])]
    page = notebook_html(nb, title="reconciliation 113-2", lang="zh-TW", index_href="../../index.html")
    assert "<title>勾選、提交 &amp; 對帳 · 113 學年度第 2 學期 · 資料日期 2025-03-01</title>" in page
    assert '<nav class="lp-screen-only lp-back"><a href="../../index.html">← 回報表索引</a></nav>' in page
    assert re.search(r"@media print \{ \.lp-screen-only \{ display: none", page)
    english = notebook_html(nb, title="t", lang="en", index_href="../../index.html")
    assert "← Back to the reports index" in english
    bare = nbformat.v4.new_notebook()  # no heading drawn, no index: the title given, no link
    page = notebook_html(bare, title="reconciliation 113-2", lang="zh-TW")
    assert "<title>reconciliation 113-2</title>" in page and "lp-back" not in page.split("</style>")[-1]


@pytest.mark.slow
def test_a_cell_timeout_fails_the_report_and_the_next_gets_a_fresh_kernel(isolated: Path, tiny_db: Path) -> None:
    nbs = isolated / "nbs"
    nbs.mkdir()
    for name in ("class_dashboard", "reconciliation"):
        nb = nbformat.read(str(NOTEBOOKS / ("class_dashboard.ipynb" if name == "class_dashboard" else "data_quality.ipynb")),
                           as_version=4)
        if name == "reconciliation":
            nb.cells[2].source = "import time\ntime.sleep(60)"
        nbformat.write(nb, str(nbs / f"{name}.ipynb"))
    plan_file = isolated / "plan.yaml"
    plan_file.write_text("notebooks_dir: nbs\ncell_timeout: 2\nreports:\n  - notebook: reconciliation\n"
                         "  - notebook: class_dashboard\n    for_each: {class_name: ['0301']}\n", encoding="utf-8")
    result = run(load_plan(plan_file), db=tiny_db, out=isolated / "reports", jobs=1)
    assert [e["status"] for e in result.entries] == ["failed", "ok"]
    assert result.entries[0]["failing_cell"]["index"] == 2
    assert result.entries[0]["error"]["name"] == "CellTimeoutError"
    assert json.loads((isolated / "reports" / AS_OF / "manifest.json").read_text())[1]["status"] == "ok"


@pytest.mark.slow
@pytest.mark.parametrize("moment", ["kernels booting", "a cell running"])
def test_ctrl_c_ends_the_run_at_once(isolated: Path, tiny_db: Path, moment: str) -> None:
    import signal
    import subprocess
    import sys
    import time

    nbs = isolated / "nbs"
    nbs.mkdir()
    slow = nbformat.read(str(NOTEBOOKS / "data_quality.ipynb"), as_version=4)
    slow.cells[2].source = "import time\ntime.sleep(120)"
    nbformat.write(slow, str(nbs / "data_quality.ipynb"))
    (nbs / "class_dashboard.ipynb").write_bytes((NOTEBOOKS / "class_dashboard.ipynb").read_bytes())
    plan_file = isolated / "plan.yaml"
    plan_file.write_text("notebooks_dir: nbs\ncell_timeout: 600\nreports:\n  - notebook: data_quality\n"
                         "  - notebook: class_dashboard\n    for_each: class\n", encoding="utf-8")
    out = isolated / "reports"
    proc = subprocess.Popen([sys.executable, "-m", "lpdata.cli", "run", str(plan_file), "--db", str(tiny_db),
                             "--out", str(out), "--jobs", "2", "--quiet"], cwd=isolated,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wanted = "run data_quality/113-2" if moment == "kernels booting" else "ok class_dashboard/113-2_0302"
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            logs = list(out.glob(f"{AS_OF}/run-*.log"))
            if logs and wanted in logs[0].read_text(encoding="utf-8"):
                break
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        start = time.monotonic()
        proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 130 and time.monotonic() - start < 15
    log = logs[0].read_text(encoding="utf-8")
    assert "interrupted: the reports still running were stopped" in log
    entries = read_manifest(out / AS_OF)
    assert "data_quality" not in {e.notebook for e in entries}
    if moment == "a cell running":
        assert [e.status for e in entries] == ["ok"] * 3
