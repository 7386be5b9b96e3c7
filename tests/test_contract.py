"""The contract as data is consistent: every kind can be told apart by its header alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from lpdata.contract import ALL_KINDS, KINDS, ColumnType
from lpdata.readers.detect import HeaderResolver


@pytest.mark.parametrize("kind", ALL_KINDS, ids=lambda k: k.name)
def test_columns_keys_and_partitions_are_well_formed(kind) -> None:  # type: ignore[no-untyped-def]
    names = [c.name for c in kind.columns]
    headers = [c.header for c in kind.columns]
    assert len(set(names)) == len(names) and len(set(headers)) == len(headers)
    stored = set(kind.stored_columns) | ({"academic_year", "semester"} if kind.name == "consultations" else set())
    assert set(kind.key) <= stored, kind.key
    assert set(kind.partition) <= stored, kind.partition
    for col in kind.columns:
        assert (col.choices is not None) == (col.type is ColumnType.CHOICE), col.name


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_each_kind_is_recognised_from_its_full_header_and_from_its_required_one(kind) -> None:  # type: ignore[no-untyped-def]
    resolver = HeaderResolver()
    for header in ([c.header for c in kind.columns], [c.header for c in kind.required]):
        found = resolver.find_header([header], file=Path("x.csv"))
        assert found is not None and found[1].kind.name == kind.name
