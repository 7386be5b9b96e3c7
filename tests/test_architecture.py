"""The house plan (docs/architecture.md) holds: data flows one way through the rooms of `lpdata`,
and every module belongs to a room the plan names. Read from the source (imports), not from docs."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "lpdata"

#: room -> the rooms it may import (docs/architecture.md). A room is a top-level module of lpdata or
#: one of its packages (readers, report, demo).
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "contract": set(),
    "layouts": {"contract"},
    "labels": {"contract"},
    "messages": {"contract", "errors", "labels"},
    "dates": {"errors", "store"},  # store: only to open a file for `default_as_of`
    "readers": {"contract", "layouts", "errors", "dates"},
    "resolve": {"readers"},
    "_filelock": {"errors"},
    "migrate": {"_filelock", "errors", "store"},
    "store": {"contract", "errors", "migrate", "readers", "resolve"},
    "ingest": {"errors", "readers", "store"},
    "rules": {"readers"},
    "fold_width": set(),
    "views": {"contract", "dates", "errors", "fold_width", "store", "rules"},
    "prepared": {"dates", "store", "views"},
    "purge_needed": {"store"},
    "purge": {"_filelock", "dates", "errors", "store", "views"},
    "backup": {"_filelock", "errors", "purge_needed", "store"},
    "status": {"dates", "purge_needed", "store", "views"},
    "report": {"contract", "dates", "errors", "labels", "prepared", "readers", "rules", "store", "views"},
    "demo": {"contract", "errors"},
    "cli": {"backup", "contract", "dates", "demo", "errors", "ingest", "labels", "messages", "purge", "report", "status",
            "views"},
    "__init__": {"errors", "ingest", "views"},
}


def _room(module: str) -> str:
    """`lpdata.readers.rows` -> readers; `lpdata.store` -> store; `lpdata` -> __init__."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _is_module(parts: list[str]) -> bool:
    path = PACKAGE.parent.joinpath(*parts)
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


@cache
def imports() -> dict[str, set[str]]:
    """room -> the other rooms its modules import (relative imports within lpdata)."""
    out: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        module = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
        package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
        room = _room(module)
        found = out.setdefault(room, set())
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or not node.level:
                continue
            base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
            if node.module:
                targets = [".".join([*base, node.module])]
            else:  # `from .. import x`: a module of that package, else a name of its __init__
                targets = [".".join([*base, a.name]) if _is_module([*base, a.name]) else ".".join(base)
                           for a in node.names]
            for dotted in targets:
                target = _room(dotted)
                if target == "__init__":  # `from .. import __version__`: the package's metadata
                    continue
                if target != room:
                    found.add(target)
    return out


def test_every_room_is_in_the_plan() -> None:
    assert set(imports()) <= set(ALLOWED), "a module outside the house plan: add it to docs/architecture.md"


@pytest.mark.parametrize("room", sorted(ALLOWED))
def test_a_room_imports_only_what_the_plan_allows(room: str) -> None:
    extra = imports().get(room, set()) - ALLOWED[room]
    assert not extra, f"{room} imports {sorted(extra)}, which the house plan does not allow"


def test_the_check_sees_imports() -> None:
    # So the tests above mean something: the readers do import the contract, the CLI the report.
    got = imports()
    assert "contract" in got["readers"] and "report" in got["cli"] and "store" in got["ingest"]
