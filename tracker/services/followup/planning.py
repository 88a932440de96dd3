"""Planning each recipient's response clock and reminder rows.

Building blocks that the letter and response services, and the staff actions in
`tracker.services.followup`, call inside their own transaction. Nothing here commits.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from functools import lru_cache

from flask import current_app
from sqlalchemy import select

from tracker import mail
from tracker.domain import deadlines, ladder
from tracker.extensions import db
from tracker.models import Letter, Recipient, Reminder
from tracker.queries.followup import RUNNING_STATES

# Steps that "mark a follow-up sent" settles; escalation stays planned.
STEPS_SETTLED_BY_FOLLOW_UP = ("no_response", "follow_up")

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
    """Random, at the sender's domain: unique across installations and rebuilt databases."""
    return f"<{uuid.uuid4().hex}.reminder@{mail.sender_domain()}>"


# --- clocks ------------------------------------------------------------------------


def expects_answer(recipient: Recipient) -> bool:
    return answer_expected(recipient.role, recipient.expects_answer)


def answer_expected(role: str, expects_answer: bool | None) -> bool:
    """A `to` recipient expects an answer; a `cc` only when staff say so."""
    return role == "to" or bool(expects_answer)


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


# --- reminder rows -----------------------------------------------------------------


@dataclass(frozen=True)
class RecipientClock:
    """What the plan of one recipient depends on, as plain values.

    The sweep reads these columns with one query per reminder instead of loading
    the recipient and its letter as objects.
    """

    due_on: date | None
    expects_answer: bool
    state: str
    letter_closed: bool
    paused: bool
    followed_up: bool

    @classmethod
    def of(cls, recipient: Recipient) -> RecipientClock:
        return cls(
            due_on=recipient.due_on,
            expects_answer=expects_answer(recipient),
            state=recipient.state,
            letter_closed=recipient.letter.status == "closed",
            paused=recipient.paused_on is not None,
            followed_up=recipient.followed_up_on is not None,
        )


def planned_steps(recipient: Recipient, settings: LadderSettings) -> list[ladder.PlannedStep]:
    """The ladder steps this recipient should have now (sent or not)."""
    return plan_of(RecipientClock.of(recipient), settings)


def plan_of(clock: RecipientClock, settings: LadderSettings) -> list[ladder.PlannedStep]:
    planned = ladder.plan(
        clock.due_on,
        settings.steps,
        expects_answer=clock.expects_answer,
        responded=clock.state in ("responded", "closed"),
        closed=clock.letter_closed,
        withdrawn=clock.state == "withdrawn",
        paused=clock.paused,
        send_hour=settings.send_hour,
        tz=settings.tz,
    )
    if clock.followed_up:
        planned = [p for p in planned if p.step.kind not in STEPS_SETTLED_BY_FOLLOW_UP]
    return planned


def _apply_plan(
    recipient: Recipient, rows: Iterable[Reminder], settings: LadderSettings, now: datetime
) -> None:
    by_step = {row.step: row for row in rows}
    existing = [
        ladder.ExistingReminder(row.step, row.state, row.due_at) for row in by_step.values()
    ]  # type: ignore[arg-type]
    decision = ladder.replan(existing, planned_steps(recipient, settings), now)
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
