"""Fixtures for the view tests: a tiny hand-built school per test, and a connection to the session's
demo school (tests/conftest.demo_school) shared by the tests of one module."""

from __future__ import annotations

from pathlib import Path

import pytest

from lpdata import connect

from .school import KEY_HEX, School


@pytest.fixture
def school(tmp_path: Path) -> School:
    key = tmp_path / "keys" / "id-hash.key"
    key.parent.mkdir()
    key.write_text(KEY_HEX + "\n")
    key.chmod(0o600)
    return School(tmp_path / "school", key)


@pytest.fixture(scope="module")
def demo_con(demo_school):
    """The demo school's database, every view ready (as of its newest export)."""
    _, db, _ = demo_school
    connection = connect(db, rules_file=False)
    yield connection
    connection.close()
