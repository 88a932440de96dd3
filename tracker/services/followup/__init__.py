"""The follow-up engine: response clocks, the reminder ladder of each recipient, and
the staff actions on them.

Two kinds of function:

- Building blocks that the letter and response services call inside their own
  transaction: `start_clocks`, `restart_clocks`, `sync_letter_reminders`,
  `sync_recipient_reminders` (defined in `reminder_plan`). They NEVER commit.
- Staff actions on one recipient or reminder (`pause_clock`, `resume_clock`,
  `extend_clock`, `snooze`, `withdraw_recipient`, `mark_follow_up_sent`,
  `retry_reminder`): they validate, write, audit, re-plan the reminders and COMMIT,
  like every other service; they raise `FollowUpError` with a message for the user.

Reading: `reminders_for_letter` and `attention_for_user` (defined in `followup_queries`).
The decisions themselves (due dates, the ladder, re-planning) are pure functions in
`tracker.domain.deadlines` and `tracker.domain.ladder`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from tracker.domain import deadlines
from tracker.extensions import db
from tracker.models import Recipient, Reminder
from tracker.queries.followup import (
    RUNNING_STATES,
    Attention,
    AttentionItem,
    attention_for_user,
    reminders_for_letter,
)
from tracker.services.audit import Actor, apply_changes, record
from tracker.services.followup.planning import (
    expects_answer,
    ladder_settings,
    new_message_id,
    organisation_today,
    restart_clocks,
    start_clocks,
    sync_letter_reminders,
    sync_recipient_reminders,
)
from tracker.services.reminders.retry import reopen_reminder

MAX_EXTENSION_DAYS = 365
MAX_SNOOZE_DAYS = 90


class FollowUpError(ValueError):
    """A follow-up action that cannot be carried out; the message is for the user."""

    def __init__(self, message: str, field: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.field = field
        self.status = status


def _clock(recipient: Recipient) -> deadlines.ClockState:
    if recipient.due_on is None:
        raise FollowUpError("This recipient has no response clock (the letter is not sent).")
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


# --- staff actions (each commits) --------------------------------------------------


def _commit() -> None:
    try:
        db.session.commit()
    except StaleDataError as error:
        db.session.rollback()
        raise FollowUpError(
            "Someone else changed this recipient meanwhile. Reload the page and try again.",
            status=409,
        ) from error


def _require_running(recipient: Recipient) -> None:
    if recipient.state not in RUNNING_STATES:
        raise FollowUpError(f"This recipient is {recipient.state}: its clock no longer runs.")


def _audit(actor: Actor, recipient: Recipient, action: str, summary: str, changes: dict) -> None:
    record(
        actor,
        action,
        entity_type="recipient",
        entity_id=recipient.id,
        letter_id=recipient.letter_id,
        summary=summary,
        changes=changes,
    )


def _name(recipient: Recipient) -> str:
    return recipient.official.name


def _start_of(today: date) -> datetime:
    """Re-planning needs a moment; an action dated only by `today` acts at its start."""
    return datetime.combine(today, time(0), tzinfo=ladder_settings().tz).astimezone(UTC)


def pause_clock(
    actor: Actor, recipient: Recipient, today: date, now: datetime | None = None
) -> None:
    """Stop the recipient's clock (e.g. the official asked for time); commits."""
    _require_running(recipient)
    clock = _clock(recipient)
    if clock.is_paused:
        raise FollowUpError("The clock is already paused.")
    changes = _store_clock(recipient, deadlines.pause(clock, today))
    _audit(
        actor,
        recipient,
        "recipient.clock_paused",
        f"Paused the clock for {_name(recipient)}",
        changes,
    )
    sync_recipient_reminders(recipient, now or _start_of(today))
    _commit()


def resume_clock(
    actor: Actor, recipient: Recipient, today: date, now: datetime | None = None
) -> None:
    """Restart a paused clock with the days it had left; commits."""
    _require_running(recipient)
    clock = _clock(recipient)
    if not clock.is_paused:
        raise FollowUpError("The clock is not paused.")
    try:
        resumed = deadlines.resume(clock, today)
    except ValueError as error:
        raise FollowUpError(str(error)) from error
    changes = _store_clock(recipient, resumed)
    _audit(
        actor,
        recipient,
        "recipient.clock_resumed",
        f"Resumed the clock for {_name(recipient)}",
        changes,
    )
    sync_recipient_reminders(recipient, now or _start_of(today))
    _commit()


def extend_clock(
    actor: Actor, recipient: Recipient, days: int, today: date, now: datetime | None = None
) -> None:
    """Give the official `days` more days (of the letter's kind); commits."""
    _require_running(recipient)
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise FollowUpError(f"Give between 1 and {MAX_EXTENSION_DAYS} days.", field="days")
    clock = _clock(recipient)
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
    _commit()


def snooze(actor: Actor, recipient: Recipient, days: int, today: date, now: datetime) -> datetime:
    """No reminder about this recipient before `days` days from now; commits.

    Moves the pending reminders' next attempt, not their due time, so the official's
    deadline and the "days overdue" staff see stay true. A later change of the due
    date re-plans the steps and ends the snooze. Returns the snoozed-until time.
    """
    _require_running(recipient)
    if not 1 <= days <= MAX_SNOOZE_DAYS:
        raise FollowUpError(f"Snooze for between 1 and {MAX_SNOOZE_DAYS} days.", field="days")
    until = now + timedelta(days=days)
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
    _commit()
    return until


def withdraw_recipient(actor: Actor, recipient: Recipient, now: datetime) -> None:
    """The letter no longer waits on this recipient: cancels its unsent steps; commits."""
    if recipient.state == "withdrawn":
        raise FollowUpError("This recipient is already withdrawn.")
    old_state = recipient.state
    recipient.state = "withdrawn"
    _audit(
        actor,
        recipient,
        "recipient.withdrawn",
        f"Withdrew {_name(recipient)} from the letter",
        {"state": [old_state, "withdrawn"]},
    )
    sync_recipient_reminders(recipient, now)
    _commit()


def mark_follow_up_sent(actor: Actor, recipient: Recipient, now: datetime) -> None:
    """Staff sent a follow-up: cancel the unsent no-response and follow-up steps; commits.

    Escalation stays planned: if the follow-up goes unanswered too, it still comes.
    A follow-up letter entered in Tracker starts its own ladder.
    """
    _require_running(recipient)
    if recipient.followed_up_on is not None:
        raise FollowUpError(f"A follow-up was already marked sent on {recipient.followed_up_on}.")
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
    _commit()


def retry_reminder(actor: Actor, reminder: Reminder, now: datetime) -> None:
    """Send a failed (or long-retrying) reminder again at the next sweep; commits.

    A reminder that failed because its digest was refused sends that digest again.
    """
    retrying = reminder.state == "pending" and reminder.retrying_since is not None
    if reminder.state != "failed" and not retrying:
        raise FollowUpError("Only a failed reminder can be retried.")
    recipient = reminder.recipient
    _require_running(recipient)
    _audit(
        actor,
        recipient,
        "reminder.retried",
        f"Retried the {reminder.kind.replace('_', ' ')} reminder about {_name(recipient)}",
        {"state": [reminder.state, "pending"], "last_error": [reminder.last_error, ""]},
    )
    reopen_reminder(reminder, now)
    _commit()


__all__ = [
    "MAX_EXTENSION_DAYS",
    "MAX_SNOOZE_DAYS",
    "RUNNING_STATES",
    "Attention",
    "AttentionItem",
    "FollowUpError",
    "attention_for_user",
    "expects_answer",
    "extend_clock",
    "ladder_settings",
    "mark_follow_up_sent",
    "new_message_id",
    "organisation_today",
    "pause_clock",
    "reminders_for_letter",
    "restart_clocks",
    "resume_clock",
    "retry_reminder",
    "snooze",
    "start_clocks",
    "sync_letter_reminders",
    "sync_recipient_reminders",
    "withdraw_recipient",
]
