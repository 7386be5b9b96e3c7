"""The runner: plan → jobs → papermill, at most N at once → reports/<as_of>/… → reports/index.html.

    result = run(load_plan("parameters/plans/weekly.yaml"), db="data/lp.duckdb", jobs=2)

Steps. The plan is expanded and every job validated before anything runs. Each job gets an input
hash (sha256 over the notebook file, every `queries/*.sql`, its parameters as canonical JSON, the
database's snapshots, files and purges, and the rules in force); a job whose newest manifest entry
has the same hash, succeeded, and whose files are still there is skipped (unless `force`). The
others run on N worker threads (default: the number of cores), each owning one warm ipykernel
("python3" of this environment, on unix sockets in a private folder, IPython history off): kernel
start and imports are paid once per worker, not once per report. Between reports the kernel's
namespace is emptied (`reset(new_session=True)`, execution count back to 1) and its working folder
set to the notebook's; imported modules stay (that is the point), so a notebook must set whatever
module state it relies on (language, theme) itself. A kernel that timed out or died is replaced.
`fresh_kernels=True` starts a new kernel per report instead (about 1.5–3 s more per report).
Per-cell timeout and kernel start timeout come from the plan (`cell_timeout`, `start_timeout`).

Output, under `out` (default `reports/`):

    reports/<as_of>/<notebook>/<slug>.ipynb   the executed notebook (also when it failed)
    reports/<as_of>/<notebook>/<slug>.html    the page without code (html.py)
    reports/<as_of>/<notebook>/<slug>/        the job's output_dir (its xlsx files), if it wrote any
    reports/<as_of>/manifest.json             every entry of every run for that as-of date
    reports/<as_of>/run-<run_id>.log          one log per run (kernel stderr included)
    reports/index.html                        every report of every run (index.py)

One failing report does not stop the others; `RunResult.failed` lists them and the CLI exits 1.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import itertools
import json
import logging
import os
import queue
import re
import shutil
import sys
import tempfile
import threading
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from .. import __version__
from ..errors import LpdataError, ReportRunBusyError, StoreError
from .params import canonical_json, notebook_values
from .plan import Job, Plan, expand

KERNEL_NAME = "python3"
MANIFEST = "manifest.json"
INDEX = "index.html"
HASH_VERSION = "lp-report-inputs-v1"
RESET_TIMEOUT = 60
SOURCE_EXCERPT_LINES = 12
SOURCE_EXCERPT_CHARS = 800
MESSAGE_CHARS = 600
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

log = logging.getLogger("lpdata.report.run")

#: progress(event, job, info): "begin" (job None, info {"total": jobs, "to_run": n}) once, then
#: "start" (info None) and "done" (info: the manifest entry) per job; skipped jobs only get "done".
Progress = Callable[[str, "Job | None", "dict[str, Any] | None"], None]


# --- as-of and input hashes ---------------------------------------------------------------------


def default_as_of(db: Path) -> dt.date:
    """The newest export time loaded (what `lp query` uses when --as-of is not given)."""
    from ..store import open_db, scalar

    con = open_db(Path(db), read_only=True)
    try:
        try:
            value = scalar(con, "SELECT max(exported_at) FROM snapshots")
        except Exception as exc:  # noqa: BLE001 - no lp tables
            raise StoreError("the database has no lp tables yet; run `lp ingest` first", file=db) from exc
    finally:
        con.close()
    if not isinstance(value, dt.datetime):
        raise StoreError("nothing is loaded yet, so there is no default as-of date; pass --as-of", file=db)
    return value.date()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def queries_digest(directory: Path | None = None) -> str:
    """sha256 over every `queries/*.sql` (name and bytes), in name order."""
    from ..views import queries_dir

    directory = directory or queries_dir()
    h = hashlib.sha256()
    for path in sorted(Path(directory).glob("*.sql")):
        h.update(path.name.encode() + b"\0" + _sha(path.read_bytes()).encode() + b"\n")
    return h.hexdigest()


def data_digest(db: Path) -> str:
    """sha256 over the database's snapshots, their files' sha256 and the purges: a new ingest or a
    purge changes it, reading does not."""
    from ..store import open_db

    con = open_db(Path(db), read_only=True)
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        parts: list[Any] = []
        if "snapshots" in tables:
            parts.append(con.execute("SELECT snapshot_id, kind, exported_at::VARCHAR, rows_loaded FROM snapshots "
                                     "ORDER BY snapshot_id").fetchall())
        if "snapshot_files" in tables:
            parts.append(con.execute("SELECT file_id, snapshot_id, sha256 FROM snapshot_files "
                                     "ORDER BY file_id").fetchall())
        if "purge_runs" in tables:
            parts.append(con.execute("SELECT purge_id, run_at::VARCHAR FROM purge_runs ORDER BY purge_id").fetchall())
    finally:
        con.close()
    return _sha(json.dumps(parts, default=str).encode())


def rules_digest() -> str:
    """sha256 over the rules the notebooks will see: the shipped defaults merged with the school's
    `parameters/rules.yaml` (ingested rules files are part of the data digest)."""
    from ..rules import merged_rules, school_rules_file

    frame = merged_rules(None, school_rules_file())
    return _sha(frame.write_csv().encode("utf-8"))


@dataclass(frozen=True)
class SharedInputs:
    """The inputs every job of a run shares, hashed once."""

    queries: str
    data: str
    rules: str

    @classmethod
    def of(cls, db: Path) -> "SharedInputs":
        return cls(queries_digest(), data_digest(db), rules_digest())


def job_inputs(job: Job, shared: SharedInputs, notebook_digests: dict[Path, str] | None = None) -> dict[str, str]:
    cache = notebook_digests if notebook_digests is not None else {}
    if job.notebook_path not in cache:
        cache[job.notebook_path] = _sha(job.notebook_path.read_bytes())
    return {"notebook": cache[job.notebook_path], "queries": shared.queries,
            "parameters": _sha(canonical_json(job.params).encode("utf-8")),
            "data": shared.data, "rules": shared.rules}


def input_hash(inputs: dict[str, str]) -> str:
    text = HASH_VERSION + "\n" + "\n".join(f"{k}={inputs[k]}" for k in sorted(inputs))
    return _sha(text.encode())


# --- manifest ----------------------------------------------------------------------------------


def read_manifest(run_dir: Path) -> list[dict[str, Any]]:
    path = run_dir / MANIFEST
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise LpdataError(f"the manifest is not readable JSON ({exc}); move it away to start afresh",
                          file=path) from exc
    if not isinstance(data, list):
        raise LpdataError("the manifest is not a list of entries; move it away to start afresh", file=path)
    return [e for e in data if isinstance(e, dict)]


def write_json_atomic(path: Path, data: Any) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8")
    tmp.replace(path)


# --- decisions ---------------------------------------------------------------------------------


@dataclass
class Decision:
    job: Job
    action: str                    # "run" | "skip"
    reason: str                    # new | forced | changed: … | the last run failed | files missing | unchanged
    input_hash: str
    inputs: dict[str, str]
    previous: dict[str, Any] | None = None


def _outputs_exist(run_dir: Path, entry: dict[str, Any]) -> bool:
    outputs = entry.get("outputs") or {}
    files = [outputs.get("ipynb"), outputs.get("html"), *(outputs.get("files") or [])]
    return all(f and (run_dir / f).is_file() for f in files if f is not None) and bool(outputs.get("html"))


def decide(jobs: Sequence[Job], shared: SharedInputs, previous: Sequence[dict[str, Any]], run_dir: Path,
           *, force: bool = False) -> list[Decision]:
    newest: dict[str, dict[str, Any]] = {}
    for entry in previous:  # the manifest is in run order: later entries win
        newest[f"{entry.get('notebook')}/{entry.get('job')}"] = entry
    digests: dict[Path, str] = {}
    decisions: list[Decision] = []
    for job in jobs:
        inputs = job_inputs(job, shared, digests)
        digest = input_hash(inputs)
        prev = newest.get(job.key)
        if force:
            action, reason = "run", "forced"
        elif prev is None:
            action, reason = "run", "new"
        elif prev.get("status") == "failed":
            action, reason = "run", "the last run failed"
        elif prev.get("input_hash") != digest:
            changed = [k for k in inputs if (prev.get("inputs") or {}).get(k) != inputs[k]]
            action, reason = "run", "changed: " + (", ".join(changed) or "inputs")
        elif not _outputs_exist(run_dir, prev):
            action, reason = "run", "its files are missing"
        else:
            action, reason = "skip", "unchanged"
        decisions.append(Decision(job, action, reason, digest, inputs, prev))
    return decisions


# --- papermill with a warm kernel --------------------------------------------------------------

_engine_lock = threading.Lock()
_engine_registered = False
ENGINE_NAME = "lp-warm-kernel"


def _register_engine() -> None:
    """A papermill engine that runs the notebook on a kernel (manager and client) it is given."""
    global _engine_registered
    with _engine_lock:
        if _engine_registered:
            return
        from papermill.clientwrap import PapermillNotebookClient
        from papermill.engines import NBClientEngine, papermill_engines

        class WarmKernelEngine(NBClientEngine):
            @classmethod
            def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,  # type: ignore[no-untyped-def]
                                         stderr_file=None, start_timeout=60, execution_timeout=None,
                                         km=None, kc=None, holder=None, **kwargs):
                if holder is not None:
                    holder["nb"] = nb_man.nb  # so that a timeout or a dead kernel still leaves a notebook
                client = PapermillNotebookClient(
                    nb_man, km=km, timeout=execution_timeout, startup_timeout=start_timeout,
                    kernel_name=kernel_name, log=logging.getLogger("papermill"), log_output=False)
                client.kc = kc
                return client.execute()

        papermill_engines.register(ENGINE_NAME, WarmKernelEngine)
        _engine_registered = True


#: Modules nothing here needs whose import is slow: jsonschema (imported by nbformat here, by altair
#: in the kernels) tries `rfc3987_syntax` for its optional "iri" format checks, and that module
#: builds a parser at import: 1–4 s per process, measured. Marking it absent (jsonschema then skips
#: those two checks, which no notebook uses) is done before the first import, here and in kernels.
SKIP_IMPORTS = ("rfc3987_syntax",)


def skip_slow_imports() -> None:
    for name in SKIP_IMPORTS:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]


def _preload() -> None:
    """Import what running a report needs (papermill, nbformat, nbconvert: about 1 s)."""
    skip_slow_imports()
    try:
        import nbformat  # noqa: F401
        import papermill  # noqa: F401

        from .html import _exporter

        _exporter()
        _register_engine()
    except Exception:  # noqa: BLE001 - the workers will report the same error on their job
        log.warning("preloading papermill/nbconvert failed: %s", traceback.format_exc())


def _reset_code(cwd: Path) -> str:
    return ("get_ipython().reset(new_session=True)\n"
            "import sys as _lp_sys\n"
            f"for _lp_name in {SKIP_IMPORTS!r}: _lp_sys.modules.setdefault(_lp_name, None)\n"
            f"import os as _lp_os; _lp_os.chdir({str(cwd)!r})\n"
            "del _lp_os, _lp_sys, _lp_name\n")


class Kernel:
    """One ipykernel owned by one worker thread, reused from report to report."""

    _ids = itertools.count()

    def __init__(self, *, start_timeout: int, stream: Any, socket_dir: Path | None = None) -> None:
        self.start_timeout = start_timeout
        self.stream = stream
        self.socket_dir = socket_dir
        self.km: Any = None
        self.kc: Any = None
        self.started = 0
        self.reports = 0

    def _run(self, coro_fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        from jupyter_core.utils import run_sync

        return run_sync(coro_fn)(*args, **kwargs)

    def start(self, cwd: Path) -> None:
        from jupyter_client.manager import AsyncKernelManager

        env = dict(os.environ)
        env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
        env.setdefault("JUPYTER_PLATFORM_DIRS", "1")
        if self.socket_dir is not None:  # unix sockets in a private folder, not localhost TCP ports
            km = AsyncKernelManager(kernel_name=KERNEL_NAME, transport="ipc",
                                    ip=str(self.socket_dir / f"k{next(self._ids)}"))
        else:
            km = AsyncKernelManager(kernel_name=KERNEL_NAME)
        # No IPython history: nobody reads it, and its sqlite file is shared by every kernel.
        self._run(km.start_kernel, cwd=str(cwd), env=env, stdout=self.stream, stderr=self.stream,
                  extra_arguments=["--HistoryManager.enabled=False"])
        kc = km.client()
        kc.start_channels()
        try:
            self._run(kc.wait_for_ready, timeout=self.start_timeout)
        except BaseException:
            kc.stop_channels()
            self._run(km.shutdown_kernel, now=True)
            raise
        kc.allow_stdin = False
        self.km, self.kc = km, kc
        self.started += 1
        self.reports = 0

    def ready(self, cwd: Path) -> None:
        """A live kernel with an empty namespace, in `cwd`, its execution count back at 1."""
        if self.km is not None and not self._run(self.km.is_alive):
            self.stop()
        if self.km is None:
            self.start(cwd)
        reply = self._run(self.kc.execute_interactive, _reset_code(cwd), silent=True, store_history=False,
                          allow_stdin=False, timeout=RESET_TIMEOUT, output_hook=lambda msg: None)
        if reply.get("content", {}).get("status") != "ok":
            self.stop()
            raise RuntimeError("the kernel could not be reset between reports")

    def stop(self) -> None:
        kc, km, self.kc, self.km = self.kc, self.km, None, None
        if kc is not None:
            try:
                kc.stop_channels()
            except Exception:  # noqa: BLE001
                pass
        if km is not None:
            try:
                self._run(km.shutdown_kernel, now=True)
            except Exception:  # noqa: BLE001
                self.kill(km)

    def kill(self, km: Any = None) -> None:
        """Kill the kernel process from any thread (Ctrl-C)."""
        km = km or self.km
        process = getattr(getattr(km, "provisioner", None), "process", None)
        if process is not None:
            try:
                process.kill()
            except Exception:  # noqa: BLE001
                pass


# --- one job -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Paths:
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


def _clip(text: str, chars: int) -> str:
    text = _ANSI.sub("", text or "")
    return text if len(text) <= chars else text[: chars - 1] + "…"


def failing_cell(nb: Any) -> dict[str, Any] | None:
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


def _cell_info(index: int, cell: Any, ename: str, evalue: str) -> dict[str, Any]:
    source = cell.get("source") or ""
    lines = source.splitlines()
    excerpt = "\n".join(lines[:SOURCE_EXCERPT_LINES]) + ("\n…" if len(lines) > SOURCE_EXCERPT_LINES else "")
    return {"index": index, "execution_count": cell.get("execution_count"),
            "source": _clip(excerpt, SOURCE_EXCERPT_CHARS), "error": ename, "message": _clip(str(evalue), MESSAGE_CHARS)}


def _list_outputs(paths: Paths) -> list[str]:
    if not paths.output_dir.is_dir():
        return []
    files = sorted(p for p in paths.output_dir.rglob("*") if p.is_file() and not p.is_symlink())
    if not files:
        shutil.rmtree(paths.output_dir, ignore_errors=True)
    return [paths.rel(p) for p in files if p.resolve().is_relative_to(paths.run_dir)]


def execute_job(decision: Decision, paths: Paths, kernel: Kernel, *, plan: Plan, run_id: str, log_name: str,
                fresh_kernel: bool = False) -> dict[str, Any]:
    """Run one job; never raises: a failure is an entry with status "failed"."""
    job = decision.job
    started_at = dt.datetime.now().astimezone()
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    error: dict[str, str] | None = None
    cell: dict[str, Any] | None = None
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
    except Exception as exc:  # noqa: BLE001
        kernel.stop()
        log.error("%s: the kernel did not start: %s", job.key, _ANSI.sub("", traceback.format_exc()))
        _list_outputs(paths)  # removes the empty output_dir
        return _entry(decision, run_id=run_id, log_name=log_name, status="failed", started_at=started_at,
                      duration=time.perf_counter() - t0, outputs={"ipynb": None, "html": None, "files": []},
                      error={"name": type(exc).__name__,
                             "message": _clip(f"the kernel did not start: {exc}", MESSAGE_CHARS)})
    timings["kernel_s"] = round(time.perf_counter() - t0, 3)
    skip_slow_imports()
    import nbformat
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from .html import write_html

    _register_engine()
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
        error = {"name": exc.ename, "message": _clip(str(exc.evalue), MESSAGE_CHARS)}
        kernel.reports += 1
    except Exception as exc:  # noqa: BLE001 - a timeout, a dead kernel, an unreadable notebook …
        status = "failed"
        error = {"name": type(exc).__name__, "message": _clip(str(exc).strip().splitlines()[0] if str(exc).strip()
                                                              else type(exc).__name__, MESSAGE_CHARS)}
        log.error("%s: %s", job.key, _ANSI.sub("", traceback.format_exc()))
        if "nb" in holder and not paths.ipynb.exists():
            try:
                nbformat.write(holder["nb"], str(paths.ipynb))
            except Exception:  # noqa: BLE001
                pass
        kernel.stop()  # it may still be busy, or dead: the next report gets a fresh one
    timings["execute_s"] = round(time.perf_counter() - t1, 3)
    if fresh_kernel:
        kernel.stop()
    outputs: dict[str, Any] = {"ipynb": None, "html": None, "files": []}
    if paths.ipynb.exists():
        outputs["ipynb"] = paths.rel(paths.ipynb)
        t2 = time.perf_counter()
        try:
            nb = nbformat.read(str(paths.ipynb), as_version=4)
            if status == "failed":
                cell = failing_cell(nb)
                if cell is not None and not cell["error"] and error:
                    cell["error"], cell["message"] = error["name"], error["message"]
            write_html(paths.ipynb, paths.html, title=f"{job.label} · {job.params.as_of or ''}".strip(" ·"),
                       lang=job.params.lang)
            outputs["html"] = paths.rel(paths.html)
        except Exception as exc:  # noqa: BLE001
            log.error("%s: the HTML page failed: %s", job.key, _ANSI.sub("", traceback.format_exc()))
            if status == "ok":
                status = "failed"
                error = {"name": type(exc).__name__, "message": f"converting to HTML: {_clip(str(exc), MESSAGE_CHARS)}"}
        timings["html_s"] = round(time.perf_counter() - t2, 3)
    outputs["files"] = _list_outputs(paths)
    return _entry(decision, run_id=run_id, log_name=log_name, status=status, started_at=started_at,
                  duration=time.perf_counter() - t0, outputs=outputs, failing=cell, error=error, timings=timings)


def _entry(decision: Decision, *, run_id: str, log_name: str, status: str, started_at: dt.datetime,
           duration: float, outputs: dict[str, Any], failing: dict[str, Any] | None = None,
           error: dict[str, str] | None = None, timings: dict[str, float] | None = None,
           skipped_from: str | None = None) -> dict[str, Any]:
    job = decision.job
    return {
        "run_id": run_id, "notebook": job.notebook, "job": job.slug, "label": job.label,
        "parameters": notebook_values(job.params), "input_hash": decision.input_hash, "inputs": decision.inputs,
        "status": status, "reason": decision.reason, "started_at": started_at.isoformat(timespec="seconds"),
        "duration_s": round(duration, 3), "outputs": outputs, "failing_cell": failing, "error": error,
        "skipped_from": skipped_from, "timings": timings or {}, "log": log_name, "kernel": KERNEL_NAME,
        "lp_version": __version__,
    }


# --- the run -----------------------------------------------------------------------------------


@dataclass
class RunResult:
    run_id: str
    as_of: dt.date
    run_dir: Path
    decisions: list[Decision]
    entries: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    log_file: Path | None = None
    index: Path | None = None
    manifest: Path | None = None
    dry_run: bool = False
    duration_s: float = 0.0

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [e for e in self.entries if e["status"] == "failed"]

    @property
    def ok(self) -> list[dict[str, Any]]:
        return [e for e in self.entries if e["status"] == "ok"]

    @property
    def skipped(self) -> list[dict[str, Any]]:
        return [e for e in self.entries if e["status"] == "skipped"]

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


def run(plan: Plan, *, db: str | Path, as_of: dt.date | str | None = None, out: str | Path = "reports",
        jobs: int | None = None, force: bool = False, dry_run: bool = False, fresh_kernels: bool = False,
        progress: Progress | None = None) -> RunResult:
    """Expand, validate, decide, run, write the manifest, the log and the index."""
    t_start = time.perf_counter()
    db = Path(db)
    if not db.exists():
        raise StoreError("no database here; run `lp ingest FOLDER --db PATH` first (or pass --db)", file=db)
    if isinstance(as_of, str):
        try:
            as_of = dt.date.fromisoformat(as_of)
        except ValueError as exc:
            raise LpdataError(f"--as-of {as_of!r} is not a date", expected="YYYY-MM-DD") from exc
    day = as_of or default_as_of(db)
    out_root = Path(out)
    run_dir = out_root / day.isoformat()
    expansion = expand(plan, db=db, as_of=day, run_dir=run_dir)
    shared = SharedInputs.of(db)
    previous = read_manifest(run_dir)
    decisions = decide(expansion.jobs, shared, previous, run_dir.resolve(), force=force)
    run_id = new_run_id()
    result = RunResult(run_id, day, run_dir, decisions, notes=list(expansion.notes), dry_run=dry_run)
    if dry_run:
        result.duration_s = time.perf_counter() - t_start
        return result
    workers = max(1, min(jobs or os.cpu_count() or 1, sum(d.action == "run" for d in decisions) or 1))
    with _lock(run_dir):
        previous = read_manifest(run_dir)  # again, under the lock
        log_file = run_dir / f"run-{run_id}.log"
        result.log_file, result.manifest = log_file, run_dir / MANIFEST
        with _run_log(log_file) as stream:
            log.info("run %s: plan %s, db %s, as of %s, %d jobs (%d to run, %d workers%s), lp %s",
                     run_id, plan.path, db.resolve(), day, len(decisions), sum(d.action == "run" for d in decisions),
                     workers, ", fresh kernels" if fresh_kernels else "", __version__)
            for note in expansion.notes:
                log.warning("%s", note)
            entries: dict[int, dict[str, Any]] = {}

            def save() -> None:
                write_json_atomic(run_dir / MANIFEST, previous + [entries[i] for i in sorted(entries)])

            if progress:
                progress("begin", None, {"total": len(decisions),
                                         "to_run": sum(d.action == "run" for d in decisions)})
            try:
                _execute_all(decisions, entries, plan=plan, run_id=run_id, log_file=log_file, stream=stream,
                             out_root=out_root, run_dir=run_dir, workers=workers, fresh_kernels=fresh_kernels,
                             progress=progress, save=save)
            finally:
                save()
                from .index import write_index

                result.index = write_index(out_root)
            result.entries = [entries[i] for i in sorted(entries)]
            result.duration_s = time.perf_counter() - t_start
            log.info("run %s done in %.1f s: %d ok, %d failed, %d skipped", run_id, result.duration_s,
                     len(result.ok), len(result.failed), len(result.skipped))
    return result


def _execute_all(decisions: list[Decision], entries: dict[int, dict[str, Any]], *, plan: Plan, run_id: str,
                 log_file: Path, stream: Any, out_root: Path, run_dir: Path, workers: int, fresh_kernels: bool,
                 progress: Progress | None, save: Callable[[], None]) -> None:
    todo: queue.Queue[tuple[int, Decision, Paths]] = queue.Queue()
    for i, decision in enumerate(decisions):
        if decision.action == "skip":
            prev = decision.previous or {}
            entries[i] = _entry(decision, run_id=run_id, log_name=log_file.name, status="skipped",
                                started_at=dt.datetime.now().astimezone(), duration=0.0,
                                outputs=prev.get("outputs") or {},
                                skipped_from=prev.get("skipped_from") or prev.get("run_id"))
            log.info("skip %s: unchanged since run %s", decision.job.key, entries[i]["skipped_from"])
            if progress:
                progress("done", decision.job, entries[i])
            continue
        todo.put((i, decision, job_paths(decision.job, run_dir, out_root)))
    if todo.empty():
        return
    done: queue.Queue[tuple[str, int, Decision, dict[str, Any] | None]] = queue.Queue()
    stop = threading.Event()
    kernels: list[Kernel] = []
    socket_dir = Path(tempfile.mkdtemp(prefix="lp-kernels-"))  # mode 0700

    def work() -> None:
        kernel = Kernel(start_timeout=plan.start_timeout, stream=stream, socket_dir=socket_dir)
        kernels.append(kernel)
        try:
            while not stop.is_set():
                try:
                    i, decision, paths = todo.get_nowait()
                except queue.Empty:
                    return
                done.put(("start", i, decision, None))
                log.info("run %s (%s)", decision.job.key, decision.reason)
                try:
                    entry = execute_job(decision, paths, kernel, plan=plan, run_id=run_id, log_name=log_file.name,
                                        fresh_kernel=fresh_kernels)
                except Exception as exc:  # noqa: BLE001 - a bug here must not hang the run
                    log.error("%s: %s", decision.job.key, traceback.format_exc())
                    entry = _entry(decision, run_id=run_id, log_name=log_file.name, status="failed",
                                   started_at=dt.datetime.now().astimezone(), duration=0.0,
                                   outputs={"ipynb": None, "html": None, "files": []},
                                   error={"name": type(exc).__name__, "message": _clip(str(exc), MESSAGE_CHARS)})
                done.put(("done", i, decision, entry))
        finally:
            kernel.stop()

    remaining = todo.qsize()  # before any worker takes one
    threads = [threading.Thread(target=work, name=f"lp-report-{n}", daemon=True) for n in range(workers)]
    for thread in threads:
        thread.start()
    _preload()  # papermill and nbconvert load here while the kernels boot
    try:
        while remaining:
            try:
                event, i, decision, entry = done.get(timeout=0.5)
            except queue.Empty:
                if not any(t.is_alive() for t in threads) and done.empty():
                    break
                continue
            if event == "done" and entry is not None:
                remaining -= 1
                entries[i] = entry
                save()
                if entry["status"] == "ok":
                    log.info("ok %s in %.2f s %s", decision.job.key, entry["duration_s"], entry["timings"])
                else:
                    where = entry["failing_cell"]
                    log.error("FAILED %s in %.2f s: %s: %s%s", decision.job.key, entry["duration_s"],
                              (entry["error"] or {}).get("name"), (entry["error"] or {}).get("message"),
                              f" (cell {where['index']})" if where else "")
            if progress:
                progress(event, decision.job, entry)
    except BaseException:
        stop.set()
        for kernel in list(kernels):
            kernel.kill()
        log.error("interrupted: the reports still running were stopped")
        raise
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        shutil.rmtree(socket_dir, ignore_errors=True)
    for i, decision in enumerate(decisions):  # a worker that died without an answer (a bug): say so
        if decision.action == "run" and i not in entries:
            entries[i] = _entry(decision, run_id=run_id, log_name=log_file.name, status="failed",
                                started_at=dt.datetime.now().astimezone(), duration=0.0,
                                outputs={"ipynb": None, "html": None, "files": []},
                                error={"name": "NotRun", "message": "the report was not run (see the log)"})


__all__ = ["Decision", "Kernel", "RunResult", "SharedInputs", "data_digest", "decide", "default_as_of",
           "execute_job", "failing_cell", "input_hash", "job_inputs", "job_paths", "queries_digest",
           "read_manifest", "rules_digest", "run"]
