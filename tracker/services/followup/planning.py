"""Planning each recipient's response clock and reminder rows.

Building blocks that the letter and response services, and the staff actions in
`tracker.services.followup`, call inside their own transaction. Nothing here commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import select

from tracker import mail
from tracker.domain import deadlines, ladder
from tracker.domain.recipients import RUNNING_STATES, clock_runs, clock_start, has_clock
from tracker.extensions import db
from tracker.models import Letter, MailDelivery, Recipient, Reminder
from tracker.settings import ladder_settings

# --- clocks ------------------------------------------------------------------------


def _fresh_due_on(letter: Letter, recipient: Recipient, resent_on: date | None) -> date:
    assert letter.sent_on is not None
    clock = deadlines.start_clock(
        clock_start(letter.sent_on, resent_on),
        letter.response_window_days,
        letter.business_days,
        recipient.official.country,
    )
    return deadlines.extend(clock, recipient.extended_days or 0).due_on


def _is_sent(letter: Letter) -> bool:
    return letter.status != "draft" and letter.sent_on is not None


def _deliveries(letter: Letter) -> tuple[set[int], dict[int, date]]:
    """The letter's recipients it never reached (delivery failed), and the day a resend
    reached the others it reached only then, in one query."""
    if not letter.id:
        return set(), {}
    statement = (
        select(MailDelivery.recipient_id, MailDelivery.state, MailDelivery.resent_on)
        .join(Recipient, Recipient.id == MailDelivery.recipient_id)
        .where(
            Recipient.letter_id == letter.id,
            (MailDelivery.state == "failed") | MailDelivery.resent_on.is_not(None),
        )
    )
    never_received: set[int] = set()
    resent_on: dict[int, date] = {}
    for recipient_id, state, resent in db.session.execute(statement):
        if state == "failed":
            never_received.add(recipient_id)
        elif resent is not None:
            resent_on[recipient_id] = resent
    return never_received, resent_on


def start_clocks(letter: Letter, today: date) -> None:
    """Give every recipient that expects an answer and has no due date yet its due date.

    Call when the letter is marked sent. `cc` recipients that expect no answer get
    none. Does not commit; call `sync_letter_reminders` afterwards.
    """
    del today  # the due date counts from sent_on, which may lie in the past
    if not _is_sent(letter):
        return
    never_received, resent_on = _deliveries(letter)
    for recipient in letter.recipients:
        runs = clock_runs(recipient.expects_answer, recipient.state, recipient.id in never_received)
        if runs and recipient.due_on is None:
            recipient.due_on = _fresh_due_on(letter, recipient, resent_on.get(recipient.id))


def restart_clocks(letter: Letter) -> None:
    """Recompute due dates after the letter's sent date, window or day kind changed.

    Running clocks count again from `sent_on`, keeping each recipient's extensions.
    Paused clocks keep the days they had left (they restart on resume). Recipients
    that no longer expect an answer, or that the letter never reached, lose their due
    date. Does not commit.
    """
    never_received, resent_on = _deliveries(letter)
    for recipient in letter.recipients:
        if not _is_sent(letter) or not has_clock(
            recipient.expects_answer, recipient.id in never_received
        ):
            recipient.due_on = None
            recipient.paused_on = None
            recipient.remaining_days = None
        elif recipient.state in RUNNING_STATES and recipient.paused_on is None:
            recipient.due_on = _fresh_due_on(letter, recipient, resent_on.get(recipient.id))


# --- reminder rows -----------------------------------------------------------------


def clock_of(recipient: Recipient) -> ladder.RecipientClock:
    """The plain values a loaded recipient's plan depends on."""
    return ladder.RecipientClock(
        due_on=recipient.due_on,
        expects_answer=recipient.expects_answer,
        state=recipient.state,
        letter_closed=recipient.letter.status == "closed",
        paused=recipient.paused_on is not None,
        followed_up=recipient.followed_up_on is not None,
    )


def planned_steps(
    recipient: Recipient, settings: ladder.LadderSettings
) -> list[ladder.PlannedStep]:
    """The ladder steps this recipient should have now (sent or not)."""
    return ladder.plan_of(clock_of(recipient), settings)


def _apply_plan(
    recipient: Recipient,
    rows: Iterable[Reminder],
    settings: ladder.LadderSettings,
    now: datetime,
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
                message_id=mail.new_message_id("reminder"),
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
