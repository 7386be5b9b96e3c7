"""Skip decisions, worked by hand: each reason a report runs again, and the one way it is skipped."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from lpdata.report.execute import new_entry
from lpdata.report.inputs import HASH_VERSION, Decision, SharedInputs, decide, input_hash, job_inputs, sha
from lpdata.report.manifest import ManifestEntry, Outputs
from lpdata.report.params import Where, validate
from lpdata.report.plan import Job

SHARED = SharedInputs(queries="q" * 64, data="d" * 64, rules="r" * 64)


def _job(tmp_path: Path, lang: str = "zh-TW") -> Job:
    notebook = tmp_path / "school_completion.ipynb"
    if not notebook.exists():
        notebook.write_text("{}", encoding="utf-8")
    params = validate("school_completion", {"db": "lp.duckdb", "academic_year": 113, "semester": 2,
                                            "lang": lang, "output_dir": str(tmp_path / "out")})
    return Job("school_completion", params, "113-2", notebook, Where())


def _entry(decision: Decision, status: str, outputs: Outputs) -> ManifestEntry:
    return new_entry(decision, run_id="r1", log_name="run-r1.log", status=status,
                     started_at=dt.datetime(2025, 3, 1, 18, tzinfo=dt.UTC), duration=1.0, outputs=outputs)


def test_the_input_hash_is_over_every_input_in_name_order() -> None:
    inputs = {"queries": "2", "notebook": "1"}
    assert input_hash(inputs) == sha(f"{HASH_VERSION}\nnotebook=1\nqueries=2".encode())


def test_each_reason(tmp_path: Path) -> None:
    job = _job(tmp_path)
    (first,) = decide([job], SHARED, [], tmp_path)
    assert (first.action, first.reason, first.previous) == ("run", "new", None)
    assert first.inputs == job_inputs(job, SHARED) and set(first.inputs) == {"notebook", "queries", "parameters",
                                                                            "data", "rules"}
    (tmp_path / "a.html").write_text("x")
    ok = _entry(first, "ok", Outputs(None, "a.html"))
    failed = _entry(first, "failed", Outputs(None, "a.html"))

    def reason(previous: list[ManifestEntry], **kw: object) -> tuple[str, str]:
        (d,) = decide([kw.pop("job", job)], kw.pop("shared", SHARED), previous, tmp_path, **kw)  # type: ignore[arg-type]
        return d.action, d.reason

    assert reason([ok]) == ("skip", "unchanged")
    assert reason([ok], force=True) == ("run", "forced")
    assert reason([ok, failed]) == ("run", "the last run failed")      # the newest entry counts
    assert reason([failed, ok]) == ("skip", "unchanged")
    assert reason([ok], job=_job(tmp_path, lang="en")) == ("run", "changed: parameters")
    assert reason([ok], shared=dataclasses.replace(SHARED, data="x", rules="y")) == ("run", "changed: data, rules")
    assert reason([dataclasses.replace(ok, outputs=Outputs(None, "gone.html"))]) == ("run", "its files are missing")
