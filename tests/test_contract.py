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


@pytest.mark.parametrize("kind", ALL_KINDS, ids=lambda k: k.name)
def test_no_header_or_alias_names_two_columns_of_a_kind(kind) -> None:  # type: ignore[no-untyped-def]
    seen: dict[str, str] = {}
    for col in kind.columns:
        for spelling in (col.header, *col.aliases):
            assert seen.setdefault(spelling, col.name) == col.name, (spelling, seen[spelling], col.name)


def _aliased(kind, pick: int) -> list[str]:  # type: ignore[no-untyped-def]
    """The required headers, each spelled by its alias number `pick` where it has one."""
    return [c.aliases[pick] if len(c.aliases) > pick else c.header for c in kind.required]


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_each_kind_is_recognised_from_its_aliases_alone(kind) -> None:  # type: ignore[no-untyped-def]
    """Spelled with the v2 built-in aliases (身分證統一編號, sch_year ...), a kind is still itself and
    never ambiguous with another."""
    resolver = HeaderResolver()
    longest = max((len(c.aliases) for c in kind.columns), default=0)
    for pick in range(longest):
        for header in (_aliased(kind, pick), [c.aliases[pick] if len(c.aliases) > pick else c.header
                                              for c in kind.columns]):
            found = resolver.find_header([header], file=Path("x.csv"))
            assert found is not None and found[1].kind.name == kind.name, (pick, header)


@pytest.mark.parametrize("spelling, canonical", [
    ("身分證統一編號", "national_id"), ("國民身分證統一編號", "national_id"), ("身份證字號", "national_id"),
    ("身分證號碼", "national_id"), ("學生姓名", "name"), ("性別", "sex"), ("生日", "birth_date"),
    ("在學狀態", "status"), ("sch_year", "academic_year"), ("semester", "semester"),
])
def test_v2_built_in_spellings_of_a_roster(spelling: str, canonical: str) -> None:
    students = next(k for k in KINDS if k.name == "students")
    row = [spelling if c.name == canonical else c.header for c in students.columns]
    found = HeaderResolver().find_header([row], file=Path("x.csv"))
    assert found is not None and found[1].kind.name == "students"
    assert found[1].positions[canonical] == row.index(spelling)
