"""The warm kernel and the papermill engine that runs a notebook on it.

Each worker of a run owns one ipykernel ("python3" of this environment, on unix sockets in a private
folder, IPython history off): kernel start and imports are paid once per worker, not once per report.
Between reports the kernel's namespace is emptied (`reset(new_session=True)`, execution count back
to 1) and its working folder set to the notebook's; imported modules stay (that is the point), so a
notebook must set whatever module state it relies on (language, theme) itself. A kernel belongs to
one thread: its client's sockets live on that thread's event loop; only `kill()` may come from
another thread.
"""

from __future__ import annotations

import itertools
import logging
import os
import queue
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import NotebookError

KERNEL_NAME = "python3"
ENGINE_NAME = "lp-warm-kernel"
RESET_TIMEOUT = 60

log = logging.getLogger("lpdata.report.run")

_engine_lock = threading.Lock()
_engine_registered = False


def register_engine() -> None:
    """A papermill engine that runs the notebook on a kernel (manager and client) it is given."""
    global _engine_registered
    with _engine_lock:
        if _engine_registered:
            return
        from papermill.clientwrap import PapermillNotebookClient
        from papermill.engines import NBClientEngine, papermill_engines

        class WarmKernelEngine(NBClientEngine):
            @classmethod
            def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, log_output: bool = False,
                                         stdout_file: Any = None, stderr_file: Any = None,
                                         start_timeout: int = 60, execution_timeout: float | None = None,
                                         km: Any = None, kc: Any = None, holder: dict[str, Any] | None = None,
                                         **kwargs: Any) -> Any:
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
    """Mark SKIP_IMPORTS absent in this process (before anything imports jsonschema)."""
    for name in SKIP_IMPORTS:
        # typeshed types sys.modules without None, yet None there is how Python marks a module absent
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]


def preload() -> None:
    """Import what running a report needs (papermill, nbformat, nbconvert: about 1 s)."""
    skip_slow_imports()
    try:
        import nbformat  # noqa: F401
        import papermill  # noqa: F401

        from .html import _exporter

        _exporter()
        register_engine()
    except Exception:
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
        self._starting: Any = None  # the manager of a kernel still booting, so that kill() reaches it
        self._killed = False        # kill() was called: no kernel starts again
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
        if self._killed:
            raise RuntimeError("the run was interrupted")
        self._starting = km
        try:
            # No IPython history: nobody reads it, and its sqlite file is shared by every kernel.
            self._run(km.start_kernel, cwd=str(cwd), env=env, stdout=self.stream, stderr=self.stream,
                      extra_arguments=["--HistoryManager.enabled=False"])
            if self._killed:  # kill() came while the process was being made: it found none to kill
                _kill_process(km)
            kc = km.client()
            kc.start_channels()
            try:
                self._run(kc.wait_for_ready, timeout=self.start_timeout)
            except BaseException:
                kc.stop_channels()
                self._run(km.shutdown_kernel, now=True)
                raise
        finally:
            self._starting = None
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
        reply = self._run(self._execute_quietly, _reset_code(cwd))
        if reply.get("content", {}).get("status") != "ok":
            self.stop()
            raise NotebookError("the kernel could not be reset between reports")

    async def _execute_quietly(self, code: str) -> dict[str, Any]:
        """`code`'s reply, its output read up to "idle" and dropped (what the client's
        execute_interactive does), waiting a second at a time so that kill() ends the wait."""
        kc = self.kc
        # Python for the kernel, not SQL: by keyword, which the SQL injection scan (it reads the first
        # argument of every .execute as SQL) rightly leaves alone.
        msg_id = kc.execute(code=code, silent=True, store_history=False, allow_stdin=False)
        deadline = time.monotonic() + RESET_TIMEOUT
        idle = False
        while True:
            if self._killed:
                raise RuntimeError("the run was interrupted")
            if time.monotonic() > deadline:
                raise TimeoutError("Timeout waiting for output")
            try:
                msg = await (kc.get_shell_msg(timeout=1) if idle else kc.get_iopub_msg(timeout=1))
            except queue.Empty:
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue  # not from this request (an earlier report's last messages)
            if idle:
                return dict(msg)
            idle = msg["header"]["msg_type"] == "status" and msg["content"]["execution_state"] == "idle"

    def stop(self) -> None:
        kc, km, self.kc, self.km = self.kc, self.km, None, None
        if kc is not None:
            try:
                kc.stop_channels()
            except Exception:
                pass
        if km is not None:
            try:
                self._run(km.shutdown_kernel, now=True)
            except Exception:
                _kill_process(km)

    def kill(self) -> None:
        """Kill the kernel process from any thread (Ctrl-C), also one still booting; this Kernel then
        starts no other, so that its worker ends at once."""
        self._killed = True
        _kill_process(self.km or self._starting)


def _kill_process(km: Any) -> None:
    process = getattr(getattr(km, "provisioner", None), "process", None)
    if process is not None:
        try:
            process.kill()
        except Exception:
            pass


__all__ = ["ENGINE_NAME", "KERNEL_NAME", "SKIP_IMPORTS", "Kernel", "preload", "register_engine",
           "skip_slow_imports"]
