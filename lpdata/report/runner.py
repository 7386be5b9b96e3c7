"""The runner: plan → jobs → papermill, at most N at once → reports/<as_of>/… → reports/index.html.

    result = run(load_plan("parameters/plans/weekly.yaml"), db="data/lp.duckdb", jobs=2)
    result.failed          # the manifest entries (manifest.ManifestEntry) that failed

Steps. The plan is expanded and every job validated before anything runs; each job's inputs are
hashed and a job whose inputs, status and files say nothing changed is skipped (inputs.py, unless
`force`). The others run on N workers (default: the number of cores), each owning one warm kernel
(kernel.py): a standard-library thread pool whose workers take the next job in plan order, run it
(execute.py) and record its entry. `fresh_kernels=True` starts a new kernel per report instead
(about 1.5–3 s more per report). Per-cell timeout and kernel start timeout come from the plan
(`cell_timeout`, `start_timeout`).

Output, under `out` (default `reports/`): each report's files (execute.py), and

    reports/<as_of>/manifest.json             every entry of every run for that as-of date (manifest.py)
    reports/<as_of>/run-<run_id>.log          one log per run (kernel stderr included)
    reports/index.html                        every report of every run (index.py)

One failing report does not stop the others; `RunResult.failed` lists them and the CLI exits 1.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import os
import shutil
import tempfile
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .. import __version__
from ..dates import default_as_of, parse_as_of
from ..errors import LpdataError, ReportRunBusyError, StoreError
from .execute import Paths, clip, execute_job, job_paths, new_entry
from .inputs import Decision, SharedInputs, decide
from .kernel import Kernel, preload
from .manifest import MANIFEST, ManifestEntry, Outputs, RunError, read_manifest, write_manifest
from .plan import Job, Plan, expand

#: How long an interrupted run waits for its workers to notice (their kernels are killed first).
STOP_TIMEOUT = 30
#: How often the waiting thread looks for a Ctrl-C (a signal may wake another thread).
WAKE_S = 0.5

log = logging.getLogger("lpdata.report.run")


@dataclass(frozen=True)
class RunCounts:
    """What a run is about to do: `total` jobs, `to_run` of them not skipped."""

    total: int
    to_run: int


#: progress(event, job, info): "begin" (job None, info RunCounts) once, then "start" (info None) and
#: "done" (info: the ManifestEntry) per job; skipped jobs only get "done". Calls come one at a time,
#: from the worker threads as well as the caller's.
Progress = Callable[[str, "Job | None", "RunCounts | ManifestEntry | None"], None]


@dataclass
class RunResult:
    run_id: str
    as_of: dt.date
    run_dir: Path
    decisions: list[Decision]
    entries: list[ManifestEntry] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    log_file: Path | None = None
    index: Path | None = None
    manifest: Path | None = None
    dry_run: bool = False
    duration_s: float = 0.0

    @property
    def failed(self) -> list[ManifestEntry]:
        return [e for e in self.entries if e.status == "failed"]

    @property
    def ok(self) -> list[ManifestEntry]:
        return [e for e in self.entries if e.status == "ok"]

    @property
    def skipped(self) -> list[ManifestEntry]:
        return [e for e in self.entries if e.status == "skipped"]

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


@contextmanager
def _lock(run_dir: Path) -> Iterator[None]:
    run_dir.mkdir(parents=True, exist_ok=True)
    with open(run_dir / ".run.lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            raise ReportRunBusyError("another `lp run` is writing these reports; try again when it has finished",
                                     file=run_dir) from exc
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextmanager
def _run_log(path: Path) -> Iterator[Any]:
    """The run's log file: our lines, papermill's warnings, and every kernel's stdout/stderr."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.INFO)
    loggers = [(log, logging.INFO), (logging.getLogger("papermill"), logging.WARNING)]
    saved = [(lg, lg.level, lg.propagate) for lg, _ in loggers]
    for lg, level in loggers:  # into the log file only: the terminal shows the progress bar
        lg.addHandler(handler)
        lg.setLevel(level)
        lg.propagate = False
    stream = open(path, "a", encoding="utf-8")  # noqa: SIM115 - the kernels' stdout/stderr
    try:
        yield stream
    finally:
        stream.close()
        for lg, level, propagate in saved:
            lg.removeHandler(handler)
            lg.setLevel(level)
            lg.propagate = propagate
        handler.close()


def new_run_id() -> str:
    now = dt.datetime.now()
    return now.strftime("%Y%m%d-%H%M%S-") + f"{now.microsecond // 1000:03d}"


def homeroom_teachers(db: Path, as_of: dt.date, jobs: Sequence[Job]) -> dict[str, str]:
    """Job key -> the homeroom teacher's name of each class dashboard's class (class_completion), so
    that the index can say whose dashboard it is. A class with no homeroom teacher on record has none."""
    dashboards = [j for j in jobs if j.notebook == "class_dashboard" and getattr(j.params, "class_name", None)]
    if not dashboards:
        return {}
    import duckdb

    from ..views import connect

    try:
        con = connect(db, as_of=as_of, views=["class_completion"])
        try:
            rows = con.execute("SELECT academic_year, semester, class_name, homeroom_teacher_name "
                               "FROM class_completion WHERE homeroom_teacher_name IS NOT NULL").fetchall()
        finally:
            con.close()
    except (LpdataError, duckdb.Error) as exc:  # only a name in the index: never a reason to fail the run
        log.warning("homeroom teachers not read: %s", exc)
        return {}
    names = {(int(y), int(s), str(c)): str(n) for y, s, c, n in rows}
    found: dict[str, str] = {}
    for job in dashboards:
        class_name = str(getattr(job.params, "class_name", ""))  # only the dashboard's model has one
        name = names.get((job.params.academic_year, job.params.semester, class_name))
        if name:
            found[job.key] = name
    return found


def prepare_views(db: Path, as_of: dt.date) -> None:
    """Keep the heavy views in the database for this date (`lpdata.prepared`), so that every report's
    kernel reads them instead of computing them again. Never a reason to fail the run: without them
    each report computes what it reads, as before (the log says why)."""
    import duckdb

    from ..prepared import prepare

    try:
        result = prepare(db, as_of)
    except (LpdataError, duckdb.Error) as exc:
        log.warning("views not prepared (each report computes them): %s", str(exc).splitlines()[0])
        return
    if result.current:
        log.info("prepared views already current for %s", result.as_of)
    else:
        log.info("prepared views for %s in %.1f s: %s", result.as_of, result.seconds,
                 ", ".join(f"{p.name} {p.rows:,} rows {p.seconds:.1f} s" for p in result.views))


def run(plan: Plan, *, db: str | Path, as_of: dt.date | str | None = None, out: str | Path = "reports",
        jobs: int | None = None, force: bool = False, dry_run: bool = False, fresh_kernels: bool = False,
        progress: Progress | None = None) -> RunResult:
    """Expand, validate, decide, run, write the manifest, the log and the index."""
    t_start = time.perf_counter()
    db = Path(db)
    if not db.exists():
        raise StoreError("no database here; run `lp ingest FOLDER --db PATH` first (or pass --db)", file=db)
    day = parse_as_of(as_of, what="--as-of") or default_as_of(db)
    out_root = Path(out)
    run_dir = out_root / day.isoformat()
    expansion = expand(plan, db=db, as_of=day, run_dir=run_dir)
    shared = SharedInputs.of(db)
    decisions = decide(expansion.jobs, shared, read_manifest(run_dir), run_dir.resolve(), force=force)
    run_id = new_run_id()
    result = RunResult(run_id, day, run_dir, decisions, notes=list(expansion.notes), dry_run=dry_run)
    if dry_run:
        result.duration_s = time.perf_counter() - t_start
        return result
    to_run = sum(d.action == "run" for d in decisions)
    workers = max(1, min(jobs or os.cpu_count() or 1, to_run or 1))
    with _lock(run_dir):
        previous = read_manifest(run_dir)  # again, under the lock
        log_file = run_dir / f"run-{run_id}.log"
        result.log_file, result.manifest = log_file, run_dir / MANIFEST
        with _run_log(log_file) as stream:
            log.info("run %s: plan %s, db %s, as of %s, %d jobs (%d to run, %d workers%s), lp %s",
                     run_id, plan.path, db.resolve(), day, len(decisions), to_run,
                     workers, ", fresh kernels" if fresh_kernels else "", __version__)
            for note in expansion.notes:
                log.warning("%s", note)
            entries: dict[int, ManifestEntry] = {}
            if to_run:
                prepare_views(db, day)
            teachers = homeroom_teachers(db, day, expansion.jobs)

            def named(entry: ManifestEntry) -> ManifestEntry:
                teacher = teachers.get(entry.key)
                return replace(entry, homeroom_teacher=teacher) if teacher else entry

            def save() -> None:
                write_manifest(run_dir, previous + [named(entries[i]) for i in sorted(entries)])

            if progress:
                progress("begin", None, RunCounts(len(decisions), to_run))
            try:
                _execute_all(decisions, entries, plan=plan, run_id=run_id, log_file=log_file, stream=stream,
                             out_root=out_root, run_dir=run_dir, workers=workers, fresh_kernels=fresh_kernels,
                             progress=progress, save=save)
            finally:
                save()
                from .index import write_index

                result.index = write_index(out_root)
            result.entries = [named(entries[i]) for i in sorted(entries)]
            result.duration_s = time.perf_counter() - t_start
            log.info("run %s done in %.1f s: %d ok, %d failed, %d skipped", run_id, result.duration_s,
                     len(result.ok), len(result.failed), len(result.skipped))
    return result


def _execute_all(decisions: list[Decision], entries: dict[int, ManifestEntry], *, plan: Plan, run_id: str,
                 log_file: Path, stream: Any, out_root: Path, run_dir: Path, workers: int, fresh_kernels: bool,
                 progress: Progress | None, save: Callable[[], None]) -> None:
    """Fill `entries` (by decision index): skipped jobs at once, the others on `workers` threads."""
    todo: deque[tuple[int, Decision, Paths]] = deque()
    for i, decision in enumerate(decisions):
        if decision.action == "skip":
            prev = decision.previous  # a job is skipped only against an entry that is there
            entries[i] = new_entry(decision, run_id=run_id, log_name=log_file.name, status="skipped",
                                   started_at=dt.datetime.now().astimezone(), duration=0.0,
                                   outputs=prev.outputs if prev else Outputs(),
                                   skipped_from=(prev.skipped_from or prev.run_id or None) if prev else None)
            log.info("skip %s: unchanged since run %s", decision.job.key, entries[i].skipped_from)
            if progress:
                progress("done", decision.job, entries[i])
            continue
        todo.append((i, decision, job_paths(decision.job, run_dir, out_root)))
    if not todo:
        return
    # One lock for what the workers share: the queue, `entries`, the manifest file and `progress`.
    lock = threading.Lock()
    stop = threading.Event()
    kernels: list[Kernel] = []
    socket_dir = Path(tempfile.mkdtemp(prefix="lp-kernels-"))  # mode 0700

    def record(i: int, decision: Decision, entry: ManifestEntry) -> None:
        with lock:
            if stop.is_set():  # interrupted: a report whose kernel was killed is not recorded
                return
            entries[i] = entry
            save()
            if entry.status == "ok":
                log.info("ok %s in %.2f s %s", decision.job.key, entry.duration_s, dict(entry.timings))
            else:
                where, error = entry.failing_cell, entry.error
                log.error("FAILED %s in %.2f s: %s: %s%s", decision.job.key, entry.duration_s,
                          error.name if error else None, error.message if error else None,
                          f" (cell {where.index})" if where else "")
            if progress:
                progress("done", decision.job, entry)

    def worker() -> None:
        """Take the next job until none is left, on this thread's own kernel."""
        kernel = Kernel(start_timeout=plan.start_timeout, stream=stream, socket_dir=socket_dir)
        with lock:
            kernels.append(kernel)
        try:
            while not stop.is_set():
                with lock:
                    if not todo:
                        return
                    i, decision, paths = todo.popleft()
                    if progress:
                        progress("start", decision.job, None)
                log.info("run %s (%s)", decision.job.key, decision.reason)
                try:
                    entry = execute_job(decision, paths, kernel, plan=plan, run_id=run_id, log_name=log_file.name,
                                        fresh_kernel=fresh_kernels)
                except Exception as exc:
                    log.error("%s: %s", decision.job.key, traceback.format_exc())
                    entry = new_entry(decision, run_id=run_id, log_name=log_file.name, status="failed",
                                      started_at=dt.datetime.now().astimezone(), duration=0.0, outputs=Outputs(),
                                      error=RunError(type(exc).__name__, clip(str(exc))))
                record(i, decision, entry)
        finally:
            kernel.stop()

    pool = ThreadPoolExecutor(max_workers=workers + 1, thread_name_prefix="lp-report")
    # papermill and nbconvert load while the kernels boot, on a thread of their own: a Ctrl-C inside
    # an import on this thread could leave a module lock that the workers then wait for forever.
    pool.submit(preload)
    futures = [pool.submit(worker) for _ in range(workers)]
    try:
        pending = set(futures)
        while pending:  # with a timeout: Ctrl-C may wake another thread than this one, which then must look
            done, pending = wait(pending, timeout=WAKE_S, return_when=FIRST_EXCEPTION)
            for future in done:
                future.result()  # a worker's own failure (the manifest not writable …) stops the run
    except BaseException:
        stop.set()
        with lock:
            running = list(kernels)
        for kernel in running:
            kernel.kill()
        log.error("interrupted: the reports still running were stopped")
        raise
    finally:
        stop.set()
        wait(futures, timeout=STOP_TIMEOUT)
        pool.shutdown(wait=False, cancel_futures=True)
        shutil.rmtree(socket_dir, ignore_errors=True)
    for i, decision in enumerate(decisions):  # a job no worker answered for (a bug): say so
        if decision.action == "run" and i not in entries:
            entries[i] = new_entry(decision, run_id=run_id, log_name=log_file.name, status="failed",
                                   started_at=dt.datetime.now().astimezone(), duration=0.0, outputs=Outputs(),
                                   error=RunError("NotRun", "the report was not run (see the log)"))


__all__ = ["Progress", "RunCounts", "RunResult", "default_as_of", "new_run_id", "run"]
