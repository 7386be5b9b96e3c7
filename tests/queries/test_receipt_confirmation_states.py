"""receipt_confirmation_states: receipt_confirmation's students counted per batch and state, on the
school of test_receipt_confirmation (its per-student states are worked out there)."""

from __future__ import annotations

from .school import School
from .test_receipt_confirmation import build


def counts(school: School, as_of: str) -> list[tuple[str, str, int]]:
    return [(r["receipt_batch"], r["state"], r["students"])
            for r in school.query("receipt_confirmation_states", as_of=as_of, order_by="receipt_batch, state")]


def test_students_per_batch_and_state(school: School) -> None:
    build(school)
    # 2025-07-31: R1 only (R2 comes back 08-18). Confirmed: 1, 7; open: 2; resolved: 3; unconfirmed:
    # 4 (no row), 5 (未確認), 6 (no row), 8 (confirmed only on 08-05).
    assert counts(school, "2025-07-31") == [
        ("R1", "confirmed", 2), ("R1", "reported_error_open", 1), ("R1", "reported_error_resolved", 1),
        ("R1", "unconfirmed", 4)]
    # 2025-09-01: 8 has confirmed R1; R2 is back and 1 confirmed it on 08-25.
    assert counts(school, "2025-09-01") == [
        ("R1", "confirmed", 3), ("R1", "reported_error_open", 1), ("R1", "reported_error_resolved", 1),
        ("R1", "unconfirmed", 3), ("R2", "confirmed", 1)]
    # Before R1 came back nothing shows.
    assert counts(school, "2025-03-21") == []
