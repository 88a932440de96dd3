"""The follow-up engine's write side: response clocks and each recipient's reminder rows.

Two kinds of function live here:

- Building blocks that the letter and response services call inside their own
  transaction: `start_clocks`, `restart_clocks`, `sync_letter_reminders`,
  `sync_recipient_reminders`. They write to the session and NEVER commit.
- Staff actions on one recipient or reminder (`pause_clock`, `resume_clock`,
  `extend_clock`, `snooze`, `withdraw_recipient`, `mark_follow_up_sent`,
  `retry_reminder`): they validate, write, audit, re-plan the reminders and COMMIT,
  like every other service; they raise `FollowUpError` with a message for the user.

The decisions themselves (due dates, the ladder, re-planning) are pure functions in
`tracker.domain.deadlines` and `tracker.domain.ladder`; this module maps them onto rows.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from tracker.domain import deadlines, ladder
from tracker.extensions import db
from tracker.models import Letter, Recipient, Reminder
from tracker.services.audit import Actor, record
from tracker.services.followup_queries import (  # re-exported: the letter and home pages read here
    RUNNING_STATES,
    AttentionItem,
    attention_for_user,
    reminders_for_letter,
)

# Steps that "mark a follow-up sent" settles; escalation stays planned.
STEPS_SETTLED_BY_FOLLOW_UP = ("no_response", "follow_up")
MAX_EXTENSION_DAYS = 365
MAX_SNOOZE_DAYS = 90


class FollowUpError(ValueError):
    """A follow-up action that cannot be carried out; the message is for the user."""

    def __init__(self, message: str, field: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.field = field
        self.status = status


# --- settings ----------------------------------------------------------------------


@dataclass(frozen=True)
class LadderSettings:
    steps: tuple[ladder.LadderStep, ...]
    send_hour: int
    tz: tzinfo


@lru_cache(maxsize=8)
def _parse_settings(spec: str, send_hour: int, tz_name: str) -> LadderSettings:
    return LadderSettings(ladder.parse_ladder(spec), send_hour, ladder.timezone_or_utc(tz_name))


def ladder_settings() -> LadderSettings:
    """The configured ladder, parsed once per distinct configuration."""
    config = current_app.config
    return _parse_settings(
        config["TRACKER_LADDER"], config["TRACKER_REMINDER_HOUR"], config["TRACKER_TIMEZONE"]
    )


def organisation_today(now: datetime) -> date:
    """Today's date in the organisation's time zone (TRACKER_TIMEZONE)."""
    return now.astimezone(ladder_settings().tz).date()


def new_message_id() -> str:
    host = urlsplit(current_app.config["TRACKER_BASE_URL"]).hostname or "localhost"
    return f"<reminder-{uuid.uuid4().hex}@{host}>"


# --- clocks ------------------------------------------------------------------------


def expects_answer(recipient: Recipient) -> bool:
    return recipient.role == "to" or bool(recipient.expects_answer)


def _fresh_due_on(letter: Letter, recipient: Recipient) -> date:
    assert letter.sent_on is not None
    clock = deadlines.start_clock(
        letter.sent_on,
        letter.response_window_days,
        letter.business_days,
        recipient.official.country,
    )
    return deadlines.extend(clock, recipient.extended_days or 0).due_on


def _is_sent(letter: Letter) -> bool:
    return letter.status != "draft" and letter.sent_on is not None


def start_clocks(letter: Letter, today: date) -> None:
    """Give every recipient that expects an answer and has no due date yet its due date.

    Call when the letter is marked sent. `cc` recipients that expect no answer get
    none. Does not commit; call `sync_letter_reminders` afterwards.
    """
    del today  # the due date counts from sent_on, which may lie in the past
    if not _is_sent(letter):
        return
    for recipient in letter.recipients:
        waiting = expects_answer(recipient) and recipient.state in RUNNING_STATES
        if waiting and recipient.due_on is None:
            recipient.due_on = _fresh_due_on(letter, recipient)


def restart_clocks(letter: Letter) -> None:
    """Recompute due dates after the letter's sent date, window or day kind changed.

    Running clocks count again from `sent_on`, keeping each recipient's extensions.
    Paused clocks keep the days they had left (they restart on resume). Recipients
    that no longer expect an answer lose their due date. Does not commit.
    """
    for recipient in letter.recipients:
        if not _is_sent(letter) or not expects_answer(recipient):
            recipient.due_on = None
            recipient.paused_on = None
            recipient.remaining_days = None
        elif recipient.state in RUNNING_STATES and recipient.paused_on is None:
            recipient.due_on = _fresh_due_on(letter, recipient)


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
    changes = {
        field: [_plain(getattr(recipient, field)), _plain(value)]
        for field, value in new_values.items()
        if getattr(recipient, field) != value
    }
    for field, value in new_values.items():
        setattr(recipient, field, value)
    return changes


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


# --- reminder rows -----------------------------------------------------------------


def _plan_for(recipient: Recipient, settings: LadderSettings) -> list[ladder.PlannedStep]:
    planned = ladder.plan(
        recipient.due_on,
        settings.steps,
        expects_answer=expects_answer(recipient),
        responded=recipient.state in ("responded", "closed"),
        closed=recipient.letter.status == "closed",
        withdrawn=recipient.state == "withdrawn",
        paused=recipient.paused_on is not None,
        send_hour=settings.send_hour,
        tz=settings.tz,
    )
    if recipient.followed_up_on is not None:
        planned = [p for p in planned if p.step.kind not in STEPS_SETTLED_BY_FOLLOW_UP]
    return planned


def _apply_plan(
    recipient: Recipient, rows: Iterable[Reminder], settings: LadderSettings, now: datetime
) -> None:
    by_step = {row.step: row for row in rows}
    existing = [
        ladder.ExistingReminder(row.step, row.state, row.due_at) for row in by_step.values()
    ]  # type: ignore[arg-type]
    decision = ladder.replan(existing, _plan_for(recipient, settings), now)
    for planned in decision.create:
        due_at = planned.due_at
        db.session.add(
            Reminder(
                recipient=recipient,
                step=planned.index,
                kind=planned.step.kind,
                due_at=due_at,
                attempt_at=due_at,
                state="pending",
                attempts=0,
                message_id=new_message_id(),
            )
        )
    for moved in decision.move:
        row = by_step[moved.step_index]
        row.due_at = row.attempt_at = moved.due_at
    for reopened in decision.reopen:
        row = by_step[reopened.step_index]
        row.state = "pending"
        row.due_at = row.attempt_at = reopened.due_at
        row.attempts = 0
        row.last_error = ""
        row.lease_until = None
        row.claimed_by = None
    for index in decision.cancel:
        by_step[index].state = "cancelled"


def sync_letter_reminders(letter: Letter, now: datetime) -> None:
    """Bring every recipient's reminder rows in line with its clock and state.

    Creates the ladder's steps, moves pending steps to new due times, reopens
    cancelled ones that are wanted again and cancels pending ones that are not.
    Sent, failed and in-flight rows are history and stay as they are. Does not commit.
    """
    settings = ladder_settings()
    db.session.flush()  # new recipients need ids
    ids = [recipient.id for recipient in letter.recipients]
    rows: dict[int, list[Reminder]] = defaultdict(list)
    if ids:
        for row in db.session.scalars(select(Reminder).where(Reminder.recipient_id.in_(ids))):
            rows[row.recipient_id].append(row)
    for recipient in letter.recipients:
        _apply_plan(recipient, rows[recipient.id], settings, now)


def sync_recipient_reminders(recipient: Recipient, now: datetime) -> None:
    """`sync_letter_reminders` for one recipient. Does not commit."""
    db.session.flush()
    rows = db.session.scalars(select(Reminder).where(Reminder.recipient_id == recipient.id))
    _apply_plan(recipient, list(rows), ladder_settings(), now)


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
    """Send a failed reminder again at the next sweep; commits."""
    if reminder.state != "failed":
        raise FollowUpError("Only a failed reminder can be retried.")
    recipient = reminder.recipient
    _require_running(recipient)
    _audit(
        actor,
        recipient,
        "reminder.retried",
        f"Retried the {reminder.kind.replace('_', ' ')} reminder about {_name(recipient)}",
        {"state": ["failed", "pending"], "last_error": [reminder.last_error, ""]},
    )
    reminder.state = "pending"
    reminder.attempt_at = now
    reminder.attempts = 0
    reminder.last_error = ""
    reminder.refused_recipients = ""
    reminder.lease_until = None
    reminder.claimed_by = None
    _commit()


__all__ = [
    "AttentionItem",
    "FollowUpError",
    "attention_for_user",
    "extend_clock",
    "mark_follow_up_sent",
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
