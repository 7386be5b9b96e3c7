"""What a report is made from, hashed; and whether each report must run again.

Each job gets an input hash: sha256 over the notebook file, every `queries/*.sql`, its parameters as
canonical JSON, the database's snapshots, files and purges, and the rules in force. A job whose
newest manifest entry has the same hash, succeeded, and whose files are still there is skipped
(unless forced); `Decision.reason` says why a job runs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .manifest import ManifestEntry
from .params import canonical_json
from .plan import Job

#: Part of every input hash: a change to what is hashed (or how) changes every hash once.
HASH_VERSION = "lp-report-inputs-v1"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def queries_digest(directory: Path | None = None) -> str:
    """sha256 over every `queries/*.sql` (name and bytes), in name order."""
    from ..views import queries_digest as digest

    return digest(directory)


def data_digest(db: Path) -> str:
    """sha256 over the database's snapshots, their files' sha256 and the purges: a new ingest or a
    purge changes it, reading does not."""
    from ..store import data_digest as digest
    from ..store import open_db

    con = open_db(Path(db), read_only=True)
    try:
        return digest(con)
    finally:
        con.close()


def rules_digest() -> str:
    """sha256 over the rules the notebooks will see: the shipped defaults merged with the school's
    `parameters/rules.yaml` (ingested rules files are part of the data digest)."""
    from ..rules import merged_rules, school_rules_file

    frame = merged_rules(None, school_rules_file())
    return sha(frame.write_csv().encode("utf-8"))


@dataclass(frozen=True)
class SharedInputs:
    """The inputs every job of a run shares, hashed once."""

    queries: str
    data: str
    rules: str

    @classmethod
    def of(cls, db: Path) -> SharedInputs:
        return cls(queries_digest(), data_digest(db), rules_digest())


def job_inputs(job: Job, shared: SharedInputs, notebook_digests: dict[Path, str] | None = None) -> dict[str, str]:
    """The digest of each input of `job` (`notebook_digests` caches notebook files across jobs)."""
    cache = notebook_digests if notebook_digests is not None else {}
    if job.notebook_path not in cache:
        cache[job.notebook_path] = sha(job.notebook_path.read_bytes())
    return {"notebook": cache[job.notebook_path], "queries": shared.queries,
            "parameters": sha(canonical_json(job.params).encode("utf-8")),
            "data": shared.data, "rules": shared.rules}


def input_hash(inputs: Mapping[str, str]) -> str:
    text = HASH_VERSION + "\n" + "\n".join(f"{k}={inputs[k]}" for k in sorted(inputs))
    return sha(text.encode())


@dataclass(frozen=True)
class Decision:
    """Whether a job runs, and why."""

    job: Job
    action: Literal["run", "skip"]
    reason: str                    # new | forced | changed: … | the last run failed | its files are missing | unchanged
    input_hash: str
    inputs: dict[str, str]
    previous: ManifestEntry | None = None   # the job's newest manifest entry


def decide(jobs: Sequence[Job], shared: SharedInputs, previous: Sequence[ManifestEntry], run_dir: Path,
           *, force: bool = False) -> list[Decision]:
    """A decision per job, against the newest manifest entry of each (the manifest is in run order)."""
    newest = {entry.key: entry for entry in previous}  # later entries win
    digests: dict[Path, str] = {}
    decisions: list[Decision] = []
    for job in jobs:
        inputs = job_inputs(job, shared, digests)
        digest = input_hash(inputs)
        prev = newest.get(job.key)
        action: Literal["run", "skip"] = "run"
        if force:
            reason = "forced"
        elif prev is None:
            reason = "new"
        elif prev.status == "failed":
            reason = "the last run failed"
        elif prev.input_hash != digest:
            changed = [k for k in inputs if prev.inputs.get(k) != inputs[k]]
            reason = "changed: " + (", ".join(changed) or "inputs")
        elif not prev.outputs.exist_in(run_dir):
            reason = "its files are missing"
        else:
            action, reason = "skip", "unchanged"
        decisions.append(Decision(job, action, reason, digest, inputs, prev))
    return decisions


__all__ = ["HASH_VERSION", "Decision", "SharedInputs", "data_digest", "decide", "input_hash", "job_inputs",
           "queries_digest", "rules_digest", "sha"]
