"""The reconciliation report's readings: its headline, split into what needs someone's action and
what is simply waiting (the discrepancy explanations in the report's language are
`readings.in_language`'s, like every Chinese twin column).

Every figure is a column of `reconciliation_actions` summed over the term's kinds (the view counts
each row once; this only adds CLO and MP), or the rows of `paper_mail` (one per student)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from .blocks import Number
from .i18n import Strings

#: reconciliation_actions' columns the headline shows, in order: needing action, then waiting.
ACTION_COLUMNS = ("to_act_on", "not_received", "not_submitted", "submitted_uncertified", "received_not_submitted")
WAITING_COLUMNS = ("still_to_submit", "awaiting_receipt")


def national_due(actions: pl.DataFrame) -> dt.date | None:
    """The term's national upload due date (the same on every row of the term), or None."""
    dues = actions["national_due"].drop_nulls() if "national_due" in actions.columns else pl.Series([])
    return dues.min() if len(dues) else None  # type: ignore[return-value]


def _total(actions: pl.DataFrame, column: str) -> int:
    return int(actions[column].sum()) if not actions.is_empty() else 0


def action_numbers(actions: pl.DataFrame, mail_students: int, t: Strings) -> list[Number]:
    """The headline of what needs action: the rows to act on, each kind of them, and the paper
    letters to send. Each figure carries the line saying what it counts."""
    due = national_due(actions)
    passed = bool(actions["deadline_passed"].any()) if not actions.is_empty() else False
    if due is None:
        late_note = t("note.recon_no_due")
    elif passed:
        late_note = t("note.recon_not_submitted", due=due.isoformat())
    else:
        late_note = t("note.recon_not_due_yet", due=due.isoformat())
    notes = {"to_act_on": t("note.recon_to_act_on"), "not_received": t("note.recon_not_received"),
             "not_submitted": late_note, "submitted_uncertified": t("note.recon_uncertified"),
             "received_not_submitted": t("note.recon_received_not_submitted")}
    numbers = [Number(t(f"h.recon_{c}"), _total(actions, c), note=notes[c], definition=notes[c],
                      alert=_total(actions, c) > 0) for c in ACTION_COLUMNS]
    numbers.append(Number(t("h.mail_needed"), mail_students, note=t("note.recon_mail"), definition=t("def.mail"),
                          alert=mail_students > 0))
    return numbers


def waiting_numbers(actions: pl.DataFrame, t: Strings) -> list[Number]:
    """The headline of what is waiting, not late: items still to submit before the national upload
    due date, and submissions whose receipt has not come back yet."""
    due = national_due(actions)
    still = t("note.recon_still_to_submit", due=due.isoformat()) if due else t("note.recon_still_no_due")
    notes = {"still_to_submit": still, "awaiting_receipt": t("note.recon_awaiting")}
    return [Number(t(f"h.recon_{c}"), _total(actions, c), note=notes[c], definition=notes[c])
            for c in WAITING_COLUMNS]
