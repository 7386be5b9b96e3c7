"""Plans: which notebooks run, for which grid. Read, expanded into jobs, every job validated first.

A plan file (the format is documented in docs/reports.md, "Plans"):

    term: current                 # or {academic_year: 113, semester: 2}; current = the term of as_of
    defaults: {lang: zh-TW}       # parameters every report gets (a report's own win)
    notebooks_dir: ../../notebooks  # optional; relative to the plan file ($LP_NOTEBOOKS_DIR else notebooks/)
    cell_timeout: 600             # optional: seconds one cell may run
    start_timeout: 60             # optional: seconds a kernel may take to start
    reports:
      - notebook: school_completion
      - notebook: class_dashboard
        for_each: class           # every class of the term with enrolled students (class_completion)
      - notebook: class_dashboard
        for_each: {class_name: ["0301", "0302"]}   # or an explicit grid (every combination)
      - notebook: taskforce_briefing
        parameters: {lang: en}
      - file: ../class_0301_en.yaml  # a parameter-set file (relative to the plan file)

A parameter-set file is one report: `notebook:` plus its parameters, flat:

    notebook: class_dashboard
    class_name: 0301              # stays the text "0301"
    lang: en

`lp run` accepts either kind of file. `db`, `as_of` and `output_dir` are the runner's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..dates import Term, term_of
from ..errors import NotebookError, PlanError
from .params import (
    NOTEBOOKS,
    RUNNER_KEYS,
    CommonParams,
    Where,
    YamlMap,
    load_yaml,
    model_for,
    own_keys,
    validate,
    where_in,
)

NOTEBOOKS_ENV = "LP_NOTEBOOKS_DIR"
PLAN_KEYS = ("title", "term", "defaults", "notebooks_dir", "cell_timeout", "start_timeout", "reports")
ENTRY_KEYS = ("notebook", "parameters", "for_each", "file")
GRIDS = ("class",)
DEFAULT_CELL_TIMEOUT = 600
DEFAULT_START_TIMEOUT = 60


def default_notebooks_dir() -> Path:
    env = os.environ.get(NOTEBOOKS_ENV)
    return Path(env) if env else Path(__file__).resolve().parents[2] / "notebooks"


def default_plan() -> Path:
    from ..rules import parameters_dir

    return parameters_dir() / "plans" / "weekly.yaml"


# --- the plan as read --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportSpec:
    """One entry of `reports:` (or a whole parameter-set file)."""

    index: int
    notebook: str
    parameters: Mapping[str, Any]
    parameters_file: str          # the file the parameters were written in
    parameters_prefix: str        # their key path in that file, e.g. "reports[2].parameters."
    for_each: str | Mapping[str, Sequence[Any]] | None
    where: Where                  # the entry itself
    for_each_where: Where | None = None


@dataclass(frozen=True)
class Plan:
    path: Path
    term: Term | None             # None: the term containing as_of
    term_where: Where
    defaults: Mapping[str, Any]
    reports: tuple[ReportSpec, ...]
    notebooks_dir: Path
    cell_timeout: int = DEFAULT_CELL_TIMEOUT
    start_timeout: int = DEFAULT_START_TIMEOUT
    title: str | None = None


def _where(mapping: Any, key: str, file: Path, prefix: str = "") -> Where:
    return where_in(mapping, key, file=file, prefix=prefix) if isinstance(mapping, Mapping) \
        else Where(str(file), prefix + key, None)


def _fail(message: str, where: Where, expected: str | None = None) -> PlanError:
    return PlanError(message, file=where.file, key=where.key, line=where.line, expected=expected)


def _mapping(value: Any, where: Where, what: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _fail(f"{what} must be a mapping (key: value lines), not {type(value).__name__}", where)
    for key in value:
        if not isinstance(key, str):
            raise _fail(f"{what} has a key that is not text: {key!r}", where)
    return value


def _positive_int(data: Mapping[str, Any], key: str, file: Path, default: int) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise _fail(f"must be a whole number of seconds above 0, not {value!r}", _where(data, key, file))
    return value


def _check_runner_keys(params: Mapping[str, Any], file: Path, prefix: str) -> None:
    for key in params:
        if key in RUNNER_KEYS:
            raise _fail(f"{key!r} is set by the runner (lp run --db / --as-of), not in a parameter file",
                        _where(params, key, file, prefix))


def _term(value: Any, where: Where, file: Path) -> Term | None:
    if value is None or value == "current":
        return None
    if isinstance(value, Mapping):
        unknown = [k for k in value if k not in ("academic_year", "semester")]
        if unknown:
            raise _fail(f"a term has academic_year and semester only, not {unknown[0]!r}", where)
        year, semester = value.get("academic_year"), value.get("semester")
        if isinstance(year, int) and not isinstance(year, bool) and semester in (1, 2) \
                and not isinstance(semester, bool) and 1 <= year <= 300:
            return Term(year, semester)
    raise _fail(f"term must be 'current' or {{academic_year: 113, semester: 2}}, not {value!r}", where)


def _for_each(value: Any, where: Where) -> str | Mapping[str, Sequence[Any]] | None:
    if value is None:
        return None
    if isinstance(value, str):
        if value not in GRIDS:
            raise _fail(f"no grid named {value!r}", where, expected="class, or a mapping of key: [values]")
        return value
    if isinstance(value, Mapping) and value:
        for key, values in value.items():
            if key in RUNNER_KEYS:
                raise _fail(f"{key!r} is set by the runner", where)
            if not isinstance(values, list) or not values:
                raise _fail(f"for_each.{key} must be a non-empty list of values", where)
        return value
    raise _fail(f"for_each must be 'class' or a mapping of key: [values], not {value!r}", where)


def _parameter_set(path: Path, index: int, entry_where: Where) -> ReportSpec:
    data = load_yaml(path)
    top = _mapping(data, Where(str(path)), "a parameter-set file")
    if "notebook" not in top:
        raise _fail("a parameter-set file needs `notebook:` (which notebook these parameters are for)",
                    Where(str(path), None, getattr(top, "line", None)))
    notebook = top["notebook"]
    model_for(notebook, file=path, key="notebook", line=_where(top, "notebook", path).line)
    params = YamlMap({k: v for k, v in top.items() if k != "notebook"})
    params.line, params.lines = getattr(top, "line", None), getattr(top, "lines", {})
    _check_runner_keys(params, path, "")
    return ReportSpec(index, notebook, params, str(path), "", None, entry_where)


def load_plan(path: str | Path) -> Plan:
    """Read a plan (or a parameter-set file, as a plan of one report) and check its structure.
    Parameters are validated against each notebook's model when the plan is expanded."""
    path = Path(path)
    data = load_yaml(path)
    top = _mapping(data, Where(str(path)), "a plan")
    if "reports" not in top and "notebook" in top:  # a parameter-set file: one report
        spec = _parameter_set(path, 0, Where(str(path), None, getattr(top, "line", None)))
        return Plan(path, None, Where(str(path)), {}, (spec,), default_notebooks_dir())
    if "reports" not in top:
        raise _fail("neither a plan nor a parameter set: a plan needs `reports:`, a parameter-set file "
                    "needs `notebook:`", Where(str(path), None, getattr(top, "line", None)))
    for key in top:
        if key not in PLAN_KEYS:
            raise _fail(f"a plan has no key {key!r}", _where(top, key, path), expected=", ".join(PLAN_KEYS))
    term = _term(top.get("term"), _where(top, "term", path), path)
    defaults = _mapping(top.get("defaults"), _where(top, "defaults", path), "defaults")
    _check_runner_keys(defaults, path, "defaults.")
    entries = top.get("reports")
    if not isinstance(entries, list) or not entries:
        raise _fail("a plan needs `reports:`, a list of at least one report", _where(top, "reports", path))
    reports: list[ReportSpec] = []
    for i, entry in enumerate(entries):
        at = f"reports[{i}]"
        entry_where = Where(str(path), at, getattr(entry, "line", None))
        entry = _mapping(entry, entry_where, f"{at}")
        for key in entry:
            if key not in ENTRY_KEYS:
                raise _fail(f"a report entry has no key {key!r}", _where(entry, key, path, f"{at}."),
                            expected=", ".join(ENTRY_KEYS))
        for_each_where = _where(entry, "for_each", path, f"{at}.")
        for_each = _for_each(entry.get("for_each"), for_each_where)
        if "file" in entry:
            if "notebook" in entry or "parameters" in entry:
                raise _fail("a report entry has either `file:` or `notebook:`/`parameters:`, not both", entry_where)
            name = entry["file"]
            if not isinstance(name, str) or not name:
                raise _fail("file must be the path of a parameter-set file", _where(entry, "file", path, f"{at}."))
            spec = _parameter_set((path.parent / name), i, entry_where)
            reports.append(ReportSpec(i, spec.notebook, spec.parameters, spec.parameters_file, "", for_each,
                                      entry_where, for_each_where))
            continue
        if "notebook" not in entry:
            raise _fail("a report entry needs `notebook:` (or `file:`)", entry_where)
        notebook = entry["notebook"]
        nb_where = _where(entry, "notebook", path, f"{at}.")
        model_for(notebook, file=nb_where.file, key=nb_where.key, line=nb_where.line)
        params = _mapping(entry.get("parameters"), _where(entry, "parameters", path, f"{at}."), "parameters")
        _check_runner_keys(params, path, f"{at}.parameters.")
        reports.append(ReportSpec(i, notebook, params, str(path), f"{at}.parameters.", for_each, entry_where,
                                  for_each_where))
    nb_dir_value = top.get("notebooks_dir")
    if nb_dir_value is None:
        notebooks_dir = default_notebooks_dir()
    elif isinstance(nb_dir_value, str) and nb_dir_value:
        notebooks_dir = path.parent / nb_dir_value
    else:
        raise _fail("notebooks_dir must be a folder path", _where(top, "notebooks_dir", path))
    title = top.get("title")
    return Plan(path, term, _where(top, "term", path), defaults, tuple(reports), notebooks_dir,
                _positive_int(top, "cell_timeout", path, DEFAULT_CELL_TIMEOUT),
                _positive_int(top, "start_timeout", path, DEFAULT_START_TIMEOUT),
                str(title) if title is not None else None)


# --- jobs --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """One report to make: a notebook with validated parameters, and where its files go."""

    notebook: str
    params: CommonParams
    slug: str                      # only [A-Za-z0-9_-]: the file name of its .ipynb/.html
    notebook_path: Path
    where: Where                   # the plan entry it came from

    @property
    def key(self) -> str:
        return f"{self.notebook}/{self.slug}"

    @property
    def label(self) -> str:
        own = [str(getattr(self.params, k)) for k in own_keys(self.notebook)]
        return " ".join([self.notebook, *own, f"{self.params.academic_year}-{self.params.semester}",
                         *([self.params.lang] if self.params.lang != "zh-TW" else [])])


_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def slug_part(value: object) -> str:
    """A safe file-name piece: [A-Za-z0-9_-] only; anything else (../, quotes, 班) is replaced and a
    short hash of the original keeps different values apart."""
    text = str(value)
    safe = _UNSAFE.sub("-", text).strip("-")[:40]
    if safe != text or not safe:
        safe = f"{safe or 'x'}-{hashlib.sha256(text.encode('utf-8')).hexdigest()[:8]}"
    return safe


def job_slug(notebook: str, params: CommonParams) -> str:
    parts = [f"{params.academic_year}-{params.semester}"]
    parts += [slug_part(getattr(params, k)) for k in own_keys(notebook)]
    if params.lang != "zh-TW":
        parts.append(slug_part(params.lang))
    return "_".join(parts)


@dataclass
class Expansion:
    jobs: list[Job]
    notes: list[str] = field(default_factory=list)   # e.g. a grid that found nothing


def classes_of_term(db: Path, as_of: dt.date, term: Term) -> list[str]:
    """Every class of the term in the class_completion view with an enrolled student, sorted. A class
    with none (its students all left, or only a 導師名冊 row) gets no dashboard: an empty page would
    read as "everyone uploaded"."""
    from ..views import connect

    con = connect(db, as_of=as_of, views=["class_completion"])
    try:
        rows = con.execute(
            "SELECT DISTINCT class_name FROM class_completion WHERE academic_year = ? AND semester = ? "
            "AND class_name IS NOT NULL AND students > 0 ORDER BY class_name",
            [term.academic_year, term.semester]).fetchall()
    finally:
        con.close()
    return [str(r[0]) for r in rows]


def check_notebook(path: Path, where: Where) -> None:
    """The notebook exists, is a notebook, and has a cell tagged `parameters`."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotebookError("no such notebook", file=path, notebook=path.stem) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NotebookError(f"not a readable notebook: {exc}", file=path, notebook=path.stem) from None
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list):
        raise NotebookError("not a notebook (no cells)", file=path, notebook=path.stem)
    if not any("parameters" in (c.get("metadata", {}).get("tags") or []) for c in cells if isinstance(c, dict)):
        raise NotebookError("the notebook has no cell tagged `parameters` (the runner's contract)",
                            file=path, notebook=path.stem)


def expand(plan: Plan, *, db: Path, as_of: dt.date, run_dir: Path) -> Expansion:
    """Every job of the plan, each validated (the first wrong value raises, naming file, line and key).
    `run_dir` is reports/<as_of>; each job's `output_dir` is run_dir/<notebook>/<slug>/."""
    db = Path(db).resolve()
    run_dir = Path(run_dir).resolve()
    plan_term = plan.term or term_of(as_of)
    term_where = plan.term_where if plan.term else Where(str(plan.path), "term", plan.term_where.line)
    runner = {"db": str(db), "as_of": as_of, "output_dir": "-"}
    expansion = Expansion([])
    seen: dict[str, Job] = {}
    class_cache: dict[Term, list[str]] = {}
    checked: set[Path] = set()
    for spec in plan.reports:
        values: dict[str, Any] = dict(runner)
        where: dict[str, Where] = {k: Where(None, k, None) for k in runner}
        values.update(academic_year=plan_term.academic_year, semester=plan_term.semester)
        where.update(academic_year=term_where, semester=term_where)
        for key, value in plan.defaults.items():
            values[key] = value
            where[key] = _where(plan.defaults, key, plan.path, "defaults.")
        for key, value in spec.parameters.items():
            values[key] = value
            where[key] = _where(spec.parameters, key, Path(spec.parameters_file), spec.parameters_prefix)
        grid: list[dict[str, Any]] = [{}]
        grid_where = spec.for_each_where or spec.where
        if spec.for_each == "class":
            if "class_name" not in NOTEBOOKS[spec.notebook].model_fields:
                raise _fail(f"for_each: class gives class_name, which {spec.notebook} does not take", grid_where)
            year, semester = values.get("academic_year"), values.get("semester")
            term = Term(year, semester) if isinstance(year, int) and semester in (1, 2) else plan_term
            if term not in class_cache:
                class_cache[term] = classes_of_term(db, as_of, term)
            grid = [{"class_name": c} for c in class_cache[term]]
            if not grid:
                expansion.notes.append(f"{spec.where.key or spec.notebook}: for_each class found no class "
                                       f"with an enrolled student in {term} as of {as_of}")
        elif isinstance(spec.for_each, Mapping):
            keys = list(spec.for_each)
            grid = [dict(zip(keys, combo)) for combo in itertools.product(*(spec.for_each[k] for k in keys))]
        notebook_path = plan.notebooks_dir / f"{spec.notebook}.ipynb"
        if grid and notebook_path not in checked:
            check_notebook(notebook_path, spec.where)
            checked.add(notebook_path)
        for point in grid:
            job_values = {**values, **point}
            job_where = {**where, **{k: grid_where for k in point}}
            params = validate(spec.notebook, job_values, job_where, default=spec.where)
            slug = job_slug(spec.notebook, params)
            out_dir = (run_dir / spec.notebook / slug).resolve()
            if not out_dir.is_relative_to(run_dir):  # cannot happen with a safe slug; checked anyway
                raise _fail(f"the report would be written outside {run_dir}", spec.where)
            params = params.model_copy(update={"output_dir": str(out_dir)})
            job = Job(spec.notebook, params, slug, notebook_path.resolve(), spec.where)
            if job.key in seen:
                first = seen[job.key].where
                raise _fail(f"the same report twice ({job.label}; first at {first.key or first.file})",
                            spec.where)
            seen[job.key] = job
            expansion.jobs.append(job)
    return expansion


__all__ = ["Expansion", "Job", "Plan", "ReportSpec", "Term", "check_notebook", "classes_of_term",
           "default_notebooks_dir", "default_plan", "expand", "job_slug", "load_plan", "slug_part", "term_of"]
