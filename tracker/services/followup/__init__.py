"""The follow-up engine: response clocks, the reminder ladder of each recipient, and
the staff actions on them.

Here: the staff actions on one recipient or reminder (`pause_clock`, `resume_clock`,
`extend_clock`, `snooze`, `withdraw_recipient`, `mark_follow_up_sent`,
`retry_reminder`): they validate, then write, audit and re-plan the reminders in one
transaction, like every other service; they raise `ServiceError` with a message for
the user (on the field `days` when that is what is wrong).

Elsewhere, each in its one home:

- building blocks that the letter and response services call inside their own
  transaction (`start_clocks`, `restart_clocks`, `sync_letter_reminders`,
  `sync_recipient_reminders`): `tracker.services.followup.planning`; they never commit;
- reading (`reminders_for_letter`, `attention_for_user`): `tracker.queries.followup`;
- the decisions (due dates, who expects an answer, the ladder, re-planning): pure
  functions in `tracker.domain.deadlines`, `.recipients` and `.ladder`;
- the organisation's ladder and today's date: `tracker.settings`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from tracker.domain import deadlines
from tracker.domain.recipients import RUNNING_STATES
from tracker.extensions import db
from tracker.models import Recipient, Reminder
from tracker.services.audit import Actor, apply_changes, record
from tracker.services.errors import ServiceError
from tracker.services.followup.planning import sync_recipient_reminders
from tracker.services.reminders.retry import reopen_reminder
from tracker.services.transaction import transaction
from tracker.settings import ladder_settings, organisation_today

MAX_EXTENSION_DAYS = 365
MAX_SNOOZE_DAYS = 90


def _refused(message: str, field: str | None = None) -> ServiceError:
    """A follow-up action that cannot be carried out; the message is for the user."""
    return ServiceError(message, fields={field: message} if field else None)


def _clock(recipient: Recipient) -> deadlines.ClockState:
    if recipient.due_on is None:
        raise _refused("This recipient has no response clock (the letter is not sent).")
    return deadlines.ClockState(
        due_on=recipient.due_on,
        paused_on=recipient.paused_on,
        remaining_days=recipient.remaining_days,
        business_days=recipient.letter.business_days,
        country=recipient.official.country,
    )


def _store_clock(recipient: Recipient, clock: deadlines.ClockState) -> dict[str, list]:
    new_values = {
        "due_on": clock.due_on,
        "paused_on": clock.paused_on,
        "remaining_days": clock.remaining_days,
    }
    return apply_changes(recipient, new_values)


# --- staff actions (one transaction each) ------------------------------------------


def _action(recipient: Recipient):
    """The transaction of one staff action; a concurrent change of the recipient is refused."""
    return transaction(
        current=recipient,
        conflict_message="Someone else changed this recipient meanwhile. "
        "Reload the page and try again.",
    )


def _require_running(recipient: Recipient) -> None:
    if recipient.state not in RUNNING_STATES:
        raise _refused(f"This recipient is {recipient.state}: its clock no longer runs.")


def _audit(
    actor: Actor,
    recipient: Recipient,
    action: str,
    summary: str,
    changes: dict,
    at: datetime | None = None,
) -> None:
    record(
        actor,
        action,
        entity_type="recipient",
        entity_id=recipient.id,
        letter_id=recipient.letter_id,
        summary=summary,
        changes=changes,
        at=at,
    )


def _name(recipient: Recipient) -> str:
    return recipient.official.name


def _start_of(today: date) -> datetime:
    """Re-planning needs a moment; an action dated only by `today` acts at its start."""
    return datetime.combine(today, time(0), tzinfo=ladder_settings().tz).astimezone(UTC)


def pause_clock(
    actor: Actor, recipient: Recipient, today: date, now: datetime | None = None
) -> None:
    """Stop the recipient's clock (e.g. the official asked for time); one transaction."""
    _require_running(recipient)
    clock = _clock(recipient)
    if clock.is_paused:
        raise _refused("The clock is already paused.")
    with _action(recipient):
        changes = _store_clock(recipient, deadlines.pause(clock, today))
        _audit(
            actor,
            recipient,
            "recipient.clock_paused",
            f"Paused the clock for {_name(recipient)}",
            changes,
        )
        sync_recipient_reminders(recipient, now or _start_of(today))


def resume_clock(
    actor: Actor, recipient: Recipient, today: date, now: datetime | None = None
) -> None:
    """Restart a paused clock with the days it had left; one transaction."""
    _require_running(recipient)
    clock = _clock(recipient)
    if not clock.is_paused:
        raise _refused("The clock is not paused.")
    try:
        resumed = deadlines.resume(clock, today)
    except ValueError as error:
        raise _refused(str(error)) from error
    with _action(recipient):
        changes = _store_clock(recipient, resumed)
        _audit(
            actor,
            recipient,
            "recipient.clock_resumed",
            f"Resumed the clock for {_name(recipient)}",
            changes,
        )
        sync_recipient_reminders(recipient, now or _start_of(today))


def extend_clock(
    actor: Actor, recipient: Recipient, days: int, today: date, now: datetime | None = None
) -> None:
    """Give the official `days` more days (of the letter's kind); one transaction."""
    _require_running(recipient)
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise _refused(f"Give between 1 and {MAX_EXTENSION_DAYS} days.", field="days")
    clock = _clock(recipient)
    with _action(recipient):
        changes = _store_clock(recipient, deadlines.extend(clock, days))
        old_extension = recipient.extended_days or 0
        recipient.extended_days = old_extension + days
        changes["extended_days"] = [old_extension, recipient.extended_days]
        _audit(
            actor,
            recipient,
            "recipient.clock_extended",
            f"Extended the deadline of {_name(recipient)} by {days} days",
            changes,
        )
        sync_recipient_reminders(recipient, now or _start_of(today))


def snooze(actor: Actor, recipient: Recipient, days: int, today: date, now: datetime) -> datetime:
    """No reminder about this recipient before `days` days from now; one transaction.

    Moves the pending reminders' next attempt, not their due time, so the official's
    deadline and the "days overdue" staff see stay true. A later change of the due
    date re-plans the steps and ends the snooze. Returns the snoozed-until time.
    """
    _require_running(recipient)
    if not 1 <= days <= MAX_SNOOZE_DAYS:
        raise _refused(f"Snooze for between 1 and {MAX_SNOOZE_DAYS} days.", field="days")
    until = now + timedelta(days=days)
    with _action(recipient):
        pending = db.session.scalars(
            select(Reminder).where(
                Reminder.recipient_id == recipient.id,
                Reminder.state == "pending",
                Reminder.attempt_at < until,
            )
        ).all()
        for row in pending:
            row.attempt_at = until
        _audit(
            actor,
            recipient,
            "recipient.reminders_snoozed",
            f"Snoozed reminders about {_name(recipient)} for {days} days"
            f" ({len(pending)} reminder{'s' if len(pending) != 1 else ''} moved)",
            {"snoozed_until": [None, until.isoformat()]},
        )
    return until


def withdraw_recipient(actor: Actor, recipient: Recipient, now: datetime) -> None:
    """The letter no longer waits on this recipient: cancels its unsent steps; one transaction."""
    if recipient.state == "withdrawn":
        raise _refused("This recipient is already withdrawn.")
    with _action(recipient):
        old_state = recipient.state
        recipient.state = "withdrawn"
        _audit(
            actor,
            recipient,
            "recipient.withdrawn",
            f"Withdrew {_name(recipient)} from the letter",
            {"state": [old_state, "withdrawn"]},
            at=now,  # the undo's window counts from here
        )
        sync_recipient_reminders(recipient, now)


def mark_follow_up_sent(actor: Actor, recipient: Recipient, now: datetime) -> None:
    """Staff sent a follow-up: cancel the unsent no-response and follow-up steps; one transaction.

    Escalation stays planned: if the follow-up goes unanswered too, it still comes.
    A follow-up letter entered in Tracker starts its own ladder.
    """
    _require_running(recipient)
    if recipient.followed_up_on is not None:
        raise _refused(f"A follow-up was already marked sent on {recipient.followed_up_on}.")
    with _action(recipient):
        today = organisation_today(now)
        recipient.followed_up_on = today
        _audit(
            actor,
            recipient,
            "recipient.follow_up_sent",
            f"Marked a follow-up sent to {_name(recipient)}",
            {"followed_up_on": [None, today.isoformat()]},
        )
        sync_recipient_reminders(recipient, now)


def retry_reminder(actor: Actor, reminder: Reminder, now: datetime) -> None:
    """Send a failed (or long-retrying) reminder again at the next sweep; one transaction.

    A reminder that failed because its digest was refused sends that digest again.
    """
    retrying = reminder.state == "pending" and reminder.retrying_since is not None
    if reminder.state != "failed" and not retrying:
        raise _refused("Only a failed reminder can be retried.")
    recipient = reminder.recipient
    _require_running(recipient)
    with _action(recipient):
        _audit(
            actor,
            recipient,
            "reminder.retried",
            f"Retried the {reminder.kind.replace('_', ' ')} reminder about {_name(recipient)}",
            {"state": [reminder.state, "pending"], "last_error": [reminder.last_error, ""]},
        )
        reopen_reminder(reminder, now)
