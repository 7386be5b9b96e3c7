"""Fixtures for the view tests: a tiny hand-built school per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from .school import KEY_HEX, School


@pytest.fixture
def school(tmp_path: Path) -> School:
    key = tmp_path / "keys" / "id-hash.key"
    key.parent.mkdir()
    key.write_text(KEY_HEX + "\n")
    key.chmod(0o600)
    return School(tmp_path / "school", key)
