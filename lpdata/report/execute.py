"""One report: its files, papermill on a warm kernel, the HTML page, and its manifest entry.

    reports/<as_of>/<notebook>/<slug>.ipynb   the executed notebook (also when it failed)
    reports/<as_of>/<notebook>/<slug>.html    the page without code (html.py)
    reports/<as_of>/<notebook>/<slug>/        the job's output_dir (its xlsx files), if it wrote any

`execute_job` never raises: a cell that raised, a timeout, a dead kernel or a page that would not
convert is an entry with status "failed", its error and the cell it stopped in (`failing_cell`).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import shutil
import time
import traceback
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import LpdataError
from .inputs import Decision
from .kernel import ENGINE_NAME, KERNEL_NAME, Kernel, register_engine, skip_slow_imports
from .manifest import FailingCell, ManifestEntry, Outputs, RunError
from .params import notebook_values
from .plan import Job, Plan

SOURCE_EXCERPT_LINES = 12
SOURCE_EXCERPT_CHARS = 800
MESSAGE_CHARS = 600
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

log = logging.getLogger("lpdata.report.run")


@dataclass(frozen=True)
class Paths:
    """Where a job writes, resolved (`job_paths`)."""

    run_dir: Path
    ipynb: Path
    html: Path
    output_dir: Path

    def rel(self, path: Path) -> str:
        return path.relative_to(self.run_dir).as_posix()


def job_paths(job: Job, run_dir: Path, out_root: Path) -> Paths:
    """The job's files, resolved and checked to lie inside `out_root` (a class name with ../ or
    quotes never writes elsewhere: the slug is [A-Za-z0-9_-] only, and this check stands behind it)."""
    root = out_root.resolve()
    run_dir = run_dir.resolve()
    folder = (run_dir / job.notebook).resolve()
    paths = Paths(run_dir, (folder / f"{job.slug}.ipynb").resolve(), (folder / f"{job.slug}.html").resolve(),
                  Path(job.params.output_dir).resolve())
    for path in (paths.ipynb, paths.html, paths.output_dir):
        # exactly reports/<as_of>/<notebook>/<file>: output_dir is emptied before each run
        if path.parent != folder or not folder.is_relative_to(run_dir) or not run_dir.is_relative_to(root):
            raise LpdataError(f"refusing to write {path}: outside {folder}", file=job.where.file)
    return paths


def clip(text: str, chars: int = MESSAGE_CHARS) -> str:
    """`text` without terminal colours, at most `chars` characters."""
    text = _ANSI.sub("", text or "")
    return text if len(text) <= chars else text[: chars - 1] + "…"


def failing_cell(nb: Any) -> FailingCell | None:
    """The cell that failed, by its 0-based index in the notebook as written (the injected
    parameters cell and papermill's error banners are not counted): the first cell with an error
    output, else (a timeout, a dead kernel) the last cell that started."""
    index = -1
    started: tuple[int, Any] | None = None
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags") or []
        if "injected-parameters" in tags or "papermill-error-cell-tag" in tags:
            continue
        index += 1
        if cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs") or []:
            if output.get("output_type") == "error":
                if output.get("ename") == "SystemExit" and output.get("evalue") in ("", "0"):
                    continue
                return _cell_info(index, cell, output.get("ename", ""), output.get("evalue", ""))
        if (cell.get("metadata", {}).get("papermill") or {}).get("start_time"):
            started = (index, cell)
    if started is not None:
        return _cell_info(started[0], started[1], "", "")
    return None


def _cell_info(index: int, cell: Any, ename: str, evalue: str) -> FailingCell:
    source = cell.get("source") or ""
    lines = source.splitlines()
    excerpt = "\n".join(lines[:SOURCE_EXCERPT_LINES]) + ("\n…" if len(lines) > SOURCE_EXCERPT_LINES else "")
    return FailingCell(index, cell.get("execution_count"), clip(excerpt, SOURCE_EXCERPT_CHARS), ename,
                       clip(str(evalue)))


def _list_outputs(paths: Paths) -> tuple[str, ...]:
    """The files the notebook wrote into its output_dir; an empty output_dir is removed."""
    if not paths.output_dir.is_dir():
        return ()
    files = sorted(p for p in paths.output_dir.rglob("*") if p.is_file() and not p.is_symlink())
    if not files:
        shutil.rmtree(paths.output_dir, ignore_errors=True)
    return tuple(paths.rel(p) for p in files if p.resolve().is_relative_to(paths.run_dir))


def new_entry(decision: Decision, *, run_id: str, log_name: str, status: str, started_at: dt.datetime,
              duration: float, outputs: Outputs, failing: FailingCell | None = None, error: RunError | None = None,
              timings: dict[str, float] | None = None, skipped_from: str | None = None) -> ManifestEntry:
    """The manifest entry of `decision`'s job in this run."""
    job = decision.job
    return ManifestEntry(
        run_id=run_id, notebook=job.notebook, job=job.slug, label=job.label, parameters=notebook_values(job.params),
        input_hash=decision.input_hash, inputs=decision.inputs, status=status, reason=decision.reason,
        started_at=started_at.isoformat(timespec="seconds"), duration_s=round(duration, 3), outputs=outputs,
        failing_cell=failing, error=error, skipped_from=skipped_from, timings=timings or {}, log=log_name,
        kernel=KERNEL_NAME, lp_version=__version__)


def execute_job(decision: Decision, paths: Paths, kernel: Kernel, *, plan: Plan, run_id: str, log_name: str,
                fresh_kernel: bool = False) -> ManifestEntry:
    """Run one job; never raises: a failure is an entry with status "failed"."""
    job = decision.job
    started_at = dt.datetime.now().astimezone()
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    error: RunError | None = None
    cell: FailingCell | None = None
    status = "ok"
    paths.ipynb.parent.mkdir(parents=True, exist_ok=True)
    if paths.output_dir.exists():
        shutil.rmtree(paths.output_dir)  # inside run_dir (job_paths checked): last run's files go
    paths.output_dir.mkdir(parents=True)
    for stale in (paths.ipynb, paths.html):
        stale.unlink(missing_ok=True)
    holder: dict[str, Any] = {}
    cwd = job.notebook_path.parent
    # The kernel first: it boots in its own process while this one imports papermill.
    try:
        kernel.ready(cwd)
    except Exception as exc:
        kernel.stop()
        log.error("%s: the kernel did not start: %s", job.key, _ANSI.sub("", traceback.format_exc()))
        _list_outputs(paths)  # removes the empty output_dir
        return new_entry(decision, run_id=run_id, log_name=log_name, status="failed", started_at=started_at,
                         duration=time.perf_counter() - t0, outputs=Outputs(),
                         error=RunError(type(exc).__name__, clip(f"the kernel did not start: {exc}")))
    timings["kernel_s"] = round(time.perf_counter() - t0, 3)
    skip_slow_imports()
    import nbformat
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from .html import write_html

    register_engine()
    t1 = time.perf_counter()
    try:
        pm.execute_notebook(
            str(job.notebook_path), str(paths.ipynb), parameters=notebook_values(job.params),
            engine_name=ENGINE_NAME, kernel_name=KERNEL_NAME, language="python", progress_bar=False,
            request_save_on_cell_execute=False, start_timeout=plan.start_timeout,
            execution_timeout=plan.cell_timeout, km=kernel.km, kc=kernel.kc, holder=holder)
        kernel.reports += 1
    except PapermillExecutionError as exc:  # a cell raised: papermill wrote the notebook with it
        status = "failed"
        error = RunError(exc.ename, clip(str(exc.evalue)))
        kernel.reports += 1
    except Exception as exc:
        status = "failed"
        text = str(exc).strip()
        error = RunError(type(exc).__name__, clip(text.splitlines()[0] if text else type(exc).__name__))
        log.error("%s: %s", job.key, _ANSI.sub("", traceback.format_exc()))
        if "nb" in holder and not paths.ipynb.exists():
            try:
                nbformat.write(holder["nb"], str(paths.ipynb))
            except Exception:
                pass
        kernel.stop()  # it may still be busy, or dead: the next report gets a fresh one
    timings["execute_s"] = round(time.perf_counter() - t1, 3)
    if fresh_kernel:
        kernel.stop()
    ipynb = html = None
    if paths.ipynb.exists():
        ipynb = paths.rel(paths.ipynb)
        t2 = time.perf_counter()
        try:
            nb = nbformat.read(str(paths.ipynb), as_version=4)
            if status == "failed":
                cell = failing_cell(nb)
                if cell is not None and not cell.error and error:  # a timeout: the cell says which
                    cell = replace(cell, error=error.name, message=error.message)
            write_html(paths.ipynb, paths.html, title=f"{job.label} · {job.params.as_of or ''}".strip(" ·"),
                       lang=job.params.lang, index=paths.run_dir.parent / "index.html")
            html = paths.rel(paths.html)
        except Exception as exc:
            log.error("%s: the HTML page failed: %s", job.key, _ANSI.sub("", traceback.format_exc()))
            if status == "ok":
                status = "failed"
                error = RunError(type(exc).__name__, f"converting to HTML: {clip(str(exc))}")
        timings["html_s"] = round(time.perf_counter() - t2, 3)
    return new_entry(decision, run_id=run_id, log_name=log_name, status=status, started_at=started_at,
                     duration=time.perf_counter() - t0, outputs=Outputs(ipynb, html, _list_outputs(paths)),
                     failing=cell, error=error, timings=timings)


__all__ = ["Paths", "clip", "execute_job", "failing_cell", "job_paths", "new_entry"]
