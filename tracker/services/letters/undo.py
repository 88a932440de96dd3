"""Undo a recipient's withdrawal or a letter's closing, from the confirmation's "Undo".

Only the user who did it, within UNDO_WINDOW, and only while nothing changed since:
the form carries the version the row had right after the action, and the action must
still be the letter's latest audit event (every write about a letter is audited with
it, so a later response, edit or reminder step refuses the undo). The previous state
comes from that audit event; the reminders are re-planned as that state plans them,
and each step the action cancelled gets back its next attempt, tries and last answer
(a snoozed step stays snoozed). One transaction, audited, each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from tracker.extensions import db
from tracker.models import AuditEvent, Letter, Recipient, Reminder
from tracker.services.audit import Actor, record
from tracker.services.errors import ServiceError
from tracker.services.followup.planning import sync_letter_reminders, sync_recipient_reminders
from tracker.services.transaction import transaction

UNDO_WINDOW = timedelta(minutes=10)
CHANGED = "This changed since, so it can no longer be undone. Reload the page to see why."


def _refused(message: str) -> ServiceError:
    return ServiceError(message, kind="conflict")


def _undoable(actor: Actor, letter_id: int, action: str, entity_id: int, now: datetime):
    """The action's audit event, if `actor` may still undo it; else a ServiceError."""
    latest = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.letter_id == letter_id)
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
    if latest is None or latest.action != action or latest.entity_id != entity_id:
        raise _refused(CHANGED)
    if actor.user_id is None or latest.user_id != actor.user_id:
        raise _refused("Only the person who did this can undo it.")
    if now - latest.at > UNDO_WINDOW:
        minutes = int(UNDO_WINDOW.total_seconds() // 60)
        raise _refused(f"Undo is offered for {minutes} minutes only; this was done earlier.")
    return latest


@dataclass(frozen=True)
class _Step:
    due_at: datetime
    attempt_at: datetime
    attempts: int
    last_error: str
    retrying_since: datetime | None


def _cancelled_steps(recipient_ids: list[int]) -> dict[int, _Step]:
    rows = db.session.scalars(
        select(Reminder).where(
            Reminder.recipient_id.in_(recipient_ids), Reminder.state == "cancelled"
        )
    )
    return {
        row.id: _Step(row.due_at, row.attempt_at, row.attempts, row.last_error, row.retrying_since)
        for row in rows
    }


def _restore_steps(before: dict[int, _Step]) -> None:
    """Steps the re-planning reopened at their old due time get their old attempt back."""
    if not before:
        return
    for row in db.session.scalars(select(Reminder).where(Reminder.id.in_(list(before)))):
        old = before[row.id]
        if row.state == "pending" and row.due_at == old.due_at:
            row.attempt_at = max(old.attempt_at, row.due_at)
            row.attempts = old.attempts
            row.last_error = old.last_error
            row.retrying_since = old.retrying_since


def undo_withdraw(actor: Actor, recipient: Recipient, expected_version: int, now: datetime) -> str:
    """Give the withdrawn recipient back its previous state; returns that state."""
    if recipient.version != expected_version or recipient.state != "withdrawn":
        raise _refused(CHANGED)
    event = _undoable(actor, recipient.letter_id, "recipient.withdrawn", recipient.id, now)
    previous = (event.changes.get("state") or [None])[0]
    if previous not in ("awaiting", "acknowledged", "responded", "closed"):
        raise _refused(CHANGED)
    with transaction(current=recipient, conflict_message=CHANGED):
        steps = _cancelled_steps([recipient.id])
        recipient.state = previous
        record(
            actor,
            "recipient.withdraw_undone",
            entity_type="recipient",
            entity_id=recipient.id,
            letter_id=recipient.letter_id,
            summary=f"Undid the withdrawal of {recipient.official.name}",
            changes={"state": ["withdrawn", previous]},
            at=now,
        )
        sync_recipient_reminders(recipient, now)
        _restore_steps(steps)
    return previous


def undo_close(actor: Actor, letter: Letter, expected_version: int, now: datetime) -> list[str]:
    """Reopen a letter just closed; the recipients it stopped awaiting are awaited again.
    Returns their names."""
    if letter.version != expected_version or letter.status != "closed":
        raise _refused(CHANGED)
    event = _undoable(actor, letter.id, "letter.close", letter.id, now)
    previous = (event.changes.get("status") or [None])[0]
    stopped = (event.changes.get("no longer awaited") or [[]])[0]
    # Only closing puts a recipient in "closed", and nothing changed since it did.
    closed = [r for r in letter.recipients if r.state == "closed"]
    if previous not in ("draft", "sent") or sorted(r.official.name for r in closed) != sorted(
        stopped
    ):
        raise _refused(CHANGED)
    with transaction(current=letter, conflict_message=CHANGED):
        steps = _cancelled_steps([r.id for r in letter.recipients])
        letter.status = previous
        letter.closed_at = None
        for recipient in closed:
            recipient.state = "awaiting"
        names = [r.official.name for r in closed]
        record(
            actor,
            "letter.close_undone",
            entity_type="letter",
            entity_id=letter.id,
            letter_id=letter.id,
            summary=f"Undid the closing of letter {letter.reference}",
            changes={"status": ["closed", previous], "awaited again": [[], names]},
            at=now,
        )
        sync_letter_reminders(letter, now)
        _restore_steps(steps)
    return names
