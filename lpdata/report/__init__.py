"""Reports: parameter sets and plans, the runner, HTML pages and the index (docs/reports.md).

    from lpdata.report import load_plan, run
    result = run(load_plan("parameters/plans/weekly.yaml"), db="data/lp.duckdb", jobs=2)
    result.failed          # the manifest entries (ManifestEntry) that failed: status, failing cell …

Notebooks import the rooms they need (`lpdata.report.page`, `…charts`, …) directly; this facade
imports nothing heavy until a name is used, so `import lpdata.report.page` stays cheap in a kernel.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_NAMES = {
    "NOTEBOOKS": "params", "CommonParams": "params", "load_yaml": "params", "validate": "params",
    "Plan": "plan", "Job": "plan", "Term": "plan", "load_plan": "plan", "expand": "plan", "term_of": "plan",
    "default_plan": "plan",
    "run": "runner", "RunResult": "runner", "default_as_of": "runner",
    "ManifestEntry": "manifest", "read_manifest": "manifest",
    "write_index": "index",
    "notebook_html": "html",
}

__all__ = sorted(_NAMES)


def __getattr__(name: str) -> Any:
    module = _NAMES.get(name)
    if module is None:
        raise AttributeError(f"module 'lpdata.report' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
