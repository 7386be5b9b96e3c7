"""reports/<as_of>/manifest.json: one entry per report per run, in run order, typed.

    entries = read_manifest(Path("reports/2025-03-01"))
    entries[-1].status, entries[-1].failing_cell.number if entries[-1].failing_cell else None

A `ManifestEntry` is frozen and typed; `to_json()` gives the manifest's spelling (field names and
order as lp has always written them) and `from_json()` reads any entry an lp ever wrote: a missing
field gets its empty value, a field of the wrong type is read as missing. An entry read from a file
is written back exactly as it was read (the manifest is the record of past runs: a newer lp does not
rewrite an older one's lines). `entry["status"]` reads an entry as the file spells it, for scripts
and tests that read manifests as JSON.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import LpdataError

MANIFEST = "manifest.json"

#: The statuses lp writes ("ok", "failed", "skipped"); an older or hand-edited entry may hold another.
STATUSES = ("ok", "failed", "skipped")


class _ReadsAsJson:
    """`record[key]`: the record as manifest.json spells it."""

    def to_json(self) -> dict[str, Any]:
        raise NotImplementedError

    def __getitem__(self, key: str) -> Any:
        return self.to_json()[key]


def _str(value: object, default: str = "") -> str:
    return value if isinstance(value, str) else default


def _opt_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _mapping(value: object) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Outputs(_ReadsAsJson):
    """A report's files, relative to reports/<as_of>/."""

    ipynb: str | None = None
    html: str | None = None
    files: tuple[str, ...] = ()     # what the notebook wrote into its output_dir (xlsx …)

    @classmethod
    def from_json(cls, data: object) -> Outputs:
        d = _mapping(data)
        files = d.get("files")
        return cls(_opt_str(d.get("ipynb")), _opt_str(d.get("html")),
                   tuple(f for f in files if isinstance(f, str)) if isinstance(files, list) else ())

    def to_json(self) -> dict[str, Any]:
        return {"ipynb": self.ipynb, "html": self.html, "files": list(self.files)}

    def exist_in(self, run_dir: Path) -> bool:
        """There is a page, and every file listed is still there (what skipping a report relies on)."""
        return bool(self.html) and all(f and (run_dir / f).is_file()
                                       for f in (self.ipynb, self.html, *self.files) if f is not None)


@dataclass(frozen=True)
class FailingCell(_ReadsAsJson):
    """The cell a failed report stopped in: `index` 0-based in the notebook as written."""

    index: int
    execution_count: int | None = None
    source: str = ""                # an excerpt
    error: str = ""                 # the exception's name ("" when the cell timed out or the kernel died)
    message: str = ""

    @property
    def number(self) -> int:
        """1-based, as a person counts cells."""
        return self.index + 1

    @classmethod
    def from_json(cls, data: object) -> FailingCell | None:
        d = _mapping(data)
        index, count = d.get("index"), d.get("execution_count")
        if not isinstance(index, int):
            return None
        return cls(index, count if isinstance(count, int) else None, _str(d.get("source")),
                   _str(d.get("error")), _str(d.get("message")))

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "execution_count": self.execution_count, "source": self.source,
                "error": self.error, "message": self.message}


@dataclass(frozen=True)
class RunError(_ReadsAsJson):
    """Why a report failed: the exception's name and its message (clipped)."""

    name: str
    message: str

    @classmethod
    def from_json(cls, data: object) -> RunError | None:
        if not isinstance(data, dict):
            return None
        return cls(_str(data.get("name")), _str(data.get("message")))

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "message": self.message}


@dataclass(frozen=True)
class ManifestEntry(_ReadsAsJson):
    """One report of one run. Field order is the manifest's."""

    run_id: str
    notebook: str
    job: str                        # the job's slug: reports/<as_of>/<notebook>/<job>.html
    label: str
    parameters: Mapping[str, Any]   # as injected into the notebook (JSON values)
    input_hash: str
    inputs: Mapping[str, str]       # the digest of each input (notebook, queries, parameters, data, rules)
    status: str                     # one of STATUSES
    reason: str                     # why it ran or was skipped (inputs.Decision.reason)
    started_at: str                 # ISO 8601 with offset, to the second
    duration_s: float | None
    outputs: Outputs
    failing_cell: FailingCell | None = None
    error: RunError | None = None
    skipped_from: str | None = None  # the run whose files a skipped entry points to
    timings: Mapping[str, float] = field(default_factory=dict)
    log: str | None = None          # the run's log file, beside the manifest
    kernel: str = ""
    lp_version: str = ""
    homeroom_teacher: str | None = None  # a class dashboard's: the class's homeroom teacher, for the index
    # The entry as read from a file, written back as it was (not part of equality; replace() drops it).
    _read: Mapping[str, Any] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def key(self) -> str:
        """`<notebook>/<job>`, as `plan.Job.key`."""
        return f"{self.notebook}/{self.job}"

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ManifestEntry:
        duration = data.get("duration_s")
        timings = {k: v for k, v in _mapping(data.get("timings")).items() if isinstance(v, (int, float))}
        entry = cls(
            run_id=_str(data.get("run_id")), notebook=_str(data.get("notebook")), job=_str(data.get("job")),
            label=_str(data.get("label")), parameters=_mapping(data.get("parameters")),
            input_hash=_str(data.get("input_hash")),
            inputs={k: v for k, v in _mapping(data.get("inputs")).items() if isinstance(v, str)},
            status=_str(data.get("status")), reason=_str(data.get("reason")),
            started_at=_str(data.get("started_at")),
            duration_s=float(duration) if isinstance(duration, (int, float)) else None,
            outputs=Outputs.from_json(data.get("outputs")),
            failing_cell=FailingCell.from_json(data.get("failing_cell")),
            error=RunError.from_json(data.get("error")), skipped_from=_opt_str(data.get("skipped_from")),
            timings=timings, log=_opt_str(data.get("log")), kernel=_str(data.get("kernel")),
            lp_version=_str(data.get("lp_version")), homeroom_teacher=_opt_str(data.get("homeroom_teacher")))
        object.__setattr__(entry, "_read", dict(data))
        return entry

    def to_json(self) -> dict[str, Any]:
        if self._read is not None:
            return dict(self._read)
        return {
            "run_id": self.run_id, "notebook": self.notebook, "job": self.job, "label": self.label,
            "parameters": dict(self.parameters), "input_hash": self.input_hash, "inputs": dict(self.inputs),
            "status": self.status, "reason": self.reason, "started_at": self.started_at,
            "duration_s": self.duration_s, "outputs": self.outputs.to_json(),
            "failing_cell": self.failing_cell.to_json() if self.failing_cell else None,
            "error": self.error.to_json() if self.error else None, "skipped_from": self.skipped_from,
            "timings": dict(self.timings), "log": self.log, "kernel": self.kernel, "lp_version": self.lp_version,
            "homeroom_teacher": self.homeroom_teacher,
        }


def read_manifest(run_dir: Path) -> list[ManifestEntry]:
    """The entries of `run_dir/manifest.json` in run order; none if there is no manifest yet."""
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
    return [ManifestEntry.from_json(e) for e in data if isinstance(e, dict)]


def write_manifest(run_dir: Path, entries: Sequence[ManifestEntry]) -> Path:
    """Replace `run_dir/manifest.json` atomically (a reader never sees half a file)."""
    path = run_dir / MANIFEST
    write_json_atomic(path, [e.to_json() for e in entries])
    return path


def write_json_atomic(path: Path, data: Any) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8")
    tmp.replace(path)


__all__ = ["MANIFEST", "STATUSES", "FailingCell", "ManifestEntry", "Outputs", "RunError", "read_manifest",
           "write_json_atomic", "write_manifest"]
