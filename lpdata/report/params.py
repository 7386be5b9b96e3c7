"""Report parameters: one typed model per notebook, and the YAML reader for parameter files.

Every notebook's `parameters` cell holds the common fields (`db`, `academic_year`, `semester`,
`as_of`, `lang`, `output_dir`) plus its own (`class_dashboard`: `class_name`). The models are
strict and closed: an unknown key, `class_name: 301` (a number) or `semester: "2"` (text) is an
error that names the file, line and key. `db`, `as_of` and `output_dir` are set by the runner
(`lp run --db/--as-of`), never written in a parameter file.

YAML: `load_yaml` keeps what a clerk typed. `0301` stays the text "0301" (YAML 1.1 would read an
octal 193), as do `0x1F`, `1_000` and `1:30`; `yes`/`no`/`on`/`off` stay text (only `true`/`false`
are booleans); a key written twice is an error. Mappings remember the line of each key, so errors
can point at it.

Papermill writes the values into the notebook as Python literals: `as_of` arrives as the text
"YYYY-MM-DD" (which `lpdata.connect` accepts), the rest as str/int.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..errors import ParameterError

# --- YAML --------------------------------------------------------------------------------------


class YamlMap(dict[Any, Any]):
    """A YAML mapping that remembers the 1-based line of the mapping and of each key."""

    line: int | None = None
    lines: dict[Any, int]

    def line_of(self, key: Any) -> int | None:
        return getattr(self, "lines", {}).get(key, self.line)


class _DuplicateKey(yaml.MarkedYAMLError):
    key: Any = None


class LpYamlLoader(yaml.SafeLoader):
    """SafeLoader that keeps leading-zero numbers and yes/no words as text and refuses duplicate keys."""


_PLAIN_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)\Z")
_TRUE_FALSE = {"true": True, "false": False}


def _construct_int(loader: LpYamlLoader, node: yaml.ScalarNode) -> int | str:
    text = loader.construct_scalar(node)
    return int(text) if _PLAIN_INT.match(text) else text  # 0301, 0o17, 0x1F, 1_000, 1:30 stay text


def _construct_bool(loader: LpYamlLoader, node: yaml.ScalarNode) -> bool | str:
    text = loader.construct_scalar(node)
    return _TRUE_FALSE.get(text.lower(), text)  # yes/no/on/off stay text


def _construct_map(loader: LpYamlLoader, node: yaml.MappingNode) -> Iterator[YamlMap]:
    data = YamlMap()
    data.line = node.start_mark.line + 1
    data.lines = {}
    yield data
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError as exc:
            raise _DuplicateKey(None, None, "a key must be a plain value", key_node.start_mark) from exc
        if key in data:
            error = _DuplicateKey(None, None, "the key is written twice", key_node.start_mark)
            error.key = key
            raise error
        data[key] = loader.construct_object(value_node, deep=True)
        data.lines[key] = key_node.start_mark.line + 1


LpYamlLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
LpYamlLoader.add_constructor("tag:yaml.org,2002:bool", _construct_bool)
LpYamlLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)


def load_yaml_text(text: str, *, file: str | Path | None = None) -> Any:
    try:
        return yaml.load(text, Loader=LpYamlLoader)
    except _DuplicateKey as exc:
        mark = exc.problem_mark
        raise ParameterError(str(exc.problem), file=file, key=str(exc.key),
                             line=mark.line + 1 if mark else None) from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "not valid YAML"
        raise ParameterError(f"not valid YAML: {problem}", file=file,
                             line=mark.line + 1 if mark else None) from exc
    except yaml.YAMLError as exc:
        raise ParameterError(f"not valid YAML: {exc}", file=file) from exc


def load_yaml(path: str | Path) -> Any:
    """A parameter or plan file, read with `LpYamlLoader`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ParameterError("no such file", file=path) from exc
    except UnicodeDecodeError as exc:
        raise ParameterError("not UTF-8 text", file=path) from exc
    except OSError as exc:
        raise ParameterError(f"cannot read the file: {exc.strerror}", file=path) from exc
    return load_yaml_text(text, file=path)


# --- the models --------------------------------------------------------------------------------


class CommonParams(BaseModel):
    """The fields every report notebook's `parameters` cell holds."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    db: str = Field(min_length=1, description="The DuckDB file (set by the runner: lp run --db).")
    academic_year: int = Field(ge=1, le=300, description="學年度 (AD year − 1911 for Aug–Dec).")
    semester: Literal[1, 2] = Field(description="學期: 1 (Aug–Jan) or 2 (Feb–Jul).")
    as_of: dt.date | None = Field(default=None, description="As-of date (set by the runner: lp run --as-of).")
    lang: Literal["zh-TW", "en"] = Field(default="zh-TW", description="Report language.")
    output_dir: str = Field(min_length=1,
                            description="Where the notebook may write its xlsx files (set by the runner).")

    @field_validator("semester", mode="before")
    @classmethod
    def _no_boolean_semester(cls, value: object) -> object:
        if isinstance(value, bool):  # True == 1 would otherwise pass as semester 1
            raise ValueError("semester must be the number 1 or 2")
        return value


class ClassDashboardParams(CommonParams):
    class_name: str = Field(min_length=1, max_length=64, description="班級名稱 as the exports write it, e.g. \"0301\".")


class SchoolCompletionParams(CommonParams):
    pass


class CertificationBacklogParams(CommonParams):
    pass


class ReconciliationParams(CommonParams):
    pass


class TaskforceBriefingParams(CommonParams):
    pass


class DataQualityParams(CommonParams):
    pass


class EffectivenessParams(CommonParams):
    """The staff-only effectiveness report: each person's figures (the briefing shows roles in aggregate)."""


#: notebook name (its file is `notebooks/<name>.ipynb`) → its parameter model.
NOTEBOOKS: dict[str, type[CommonParams]] = {
    "class_dashboard": ClassDashboardParams,
    "school_completion": SchoolCompletionParams,
    "certification_backlog": CertificationBacklogParams,
    "reconciliation": ReconciliationParams,
    "taskforce_briefing": TaskforceBriefingParams,
    "data_quality": DataQualityParams,
    "effectiveness": EffectivenessParams,
}

#: Keys only the runner sets.
RUNNER_KEYS = ("db", "as_of", "output_dir")
COMMON_KEYS = tuple(CommonParams.model_fields)


def own_keys(notebook: str) -> tuple[str, ...]:
    """The notebook's own keys beyond the common ones (`class_dashboard`: class_name)."""
    return tuple(k for k in NOTEBOOKS[notebook].model_fields if k not in COMMON_KEYS)


def model_for(notebook: str, *, file: str | Path | None = None, key: str | None = None,
              line: int | None = None) -> type[CommonParams]:
    try:
        return NOTEBOOKS[notebook]
    except (KeyError, TypeError):
        raise ParameterError(f"no report notebook named {notebook!r}", file=file, key=key, line=line,
                             expected="one of " + ", ".join(NOTEBOOKS)) from None


# --- validation with the place each value was written ------------------------------------------


@dataclass(frozen=True)
class Where:
    """Where a value was written: file, line and the dotted key path in that file."""

    file: str | None = None
    key: str | None = None
    line: int | None = None


def where_in(mapping: Mapping[str, Any], key: str, *, file: str | Path | None, prefix: str) -> Where:
    line = mapping.line_of(key) if isinstance(mapping, YamlMap) else None
    return Where(str(file) if file is not None else None, f"{prefix}{key}" if prefix else key, line)


def _describe(value: Any) -> str:
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, bool):
        return f"the boolean {value}"
    if isinstance(value, int):
        return f"the number {value}"
    return f"{type(value).__name__} {value!r}"


def validate(notebook: str, values: Mapping[str, Any], where: Mapping[str, Where] | None = None,
             *, default: Where | None = None) -> CommonParams:
    """The notebook's model built from `values`; the first error names the file, line and key the
    wrong value came from (`where[key]`, else `default`)."""
    model = model_for(notebook, file=default.file if default else None,
                      key=default.key if default else None, line=default.line if default else None)
    where = where or {}
    try:
        return model.model_validate(dict(values))
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = error.get("loc") or ()
        key = str(loc[0]) if loc else None
        place = where.get(key) if key else None
        if place is None:
            place = default or Where()
            path = f"{place.key}.{key}" if place.key and key else (key or place.key)
        else:
            path = place.key
        raise ParameterError(_message(notebook, model, error, key), file=place.file, key=path,
                             line=place.line) from None


def _message(notebook: str, model: type[CommonParams], error: Mapping[str, Any], key: str | None) -> str:
    kind = error.get("type", "")
    value = error.get("input")
    if kind == "extra_forbidden":
        return (f"{notebook} has no parameter {key!r} (its parameters: "
                f"{', '.join(k for k in model.model_fields if k not in RUNNER_KEYS)})")
    if kind == "missing":
        hint = " (write it, or use for_each)" if key in own_keys(notebook) else ""
        return f"{notebook} needs the parameter {key!r}{hint}"
    text = re.sub(r"^Value error, ", "", str(error.get("msg", "is not valid")))
    text = text[0].lower() + text[1:] if text else text
    hint = ""
    if key in ("class_name",) and isinstance(value, int) and not isinstance(value, bool):
        hint = f'; write class codes as text, e.g. {key}: "{value:04d}"'
    return f"{text}, not {_describe(value)}{hint}"


def canonical_json(params: CommonParams, *, exclude: tuple[str, ...] = ("output_dir",)) -> str:
    """The parameters as canonical JSON (sorted keys, no spaces): what the input hash reads."""
    data = params.model_dump(mode="json", exclude=set(exclude))
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def notebook_values(params: CommonParams) -> dict[str, Any]:
    """What papermill injects: JSON-like values (`as_of` as "YYYY-MM-DD" or None)."""
    return params.model_dump(mode="json")


__all__ = [
    "COMMON_KEYS",
    "NOTEBOOKS",
    "RUNNER_KEYS",
    "ClassDashboardParams",
    "CommonParams",
    "LpYamlLoader",
    "Where",
    "YamlMap",
    "canonical_json",
    "load_yaml",
    "load_yaml_text",
    "model_for",
    "notebook_values",
    "own_keys",
    "validate",
    "where_in",
]
