"""What to do next: recipients whose next real step is near, and those long past every step.

A recipient's steps are its planned reminder rows (the ladder as the follow-up engine
planned it for this recipient), minus those settled: cancelled rows, and the
no-response and follow-up steps once staff marked a follow-up sent. Its *current step*
is the highest step due before the horizon (today + `ACT_NOW_DAYS`); the step's date is
when it went out, or, not yet sent, its next attempt (which a snooze moves). So:

- *act now*: awaiting recipients, clock running, whose current step's date falls in the
  coming `ACT_NOW_DAYS` days or passed less than the ladder's span ago (the days from
  its first step to its last). A snooze past the horizon takes a recipient off the list.
- *every reminder passed*: overdue recipients, more than the span past their due date,
  with no step dated within the span or later: close, escalate or write a new letter?

Both count recipients; the page shows the first rows, with the total.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from sqlalchemy import and_, func, null, or_, select

from tracker.domain.ladder import LadderStep
from tracker.extensions import db
from tracker.models import Letter, Official, Recipient, Reminder, User
from tracker.queries.dashboard.scope import (
    Scope,
    awaiting,
    days_overdue,
    letter_in_scope,
    overdue,
)
from tracker.queries.dashboard.sql import a_date

ACT_NOW_DAYS = 14
# Marking a follow-up sent settles these steps (tracker.services.followup.planning).
SETTLED_BY_FOLLOW_UP = ("no_response", "follow_up")


@dataclass(frozen=True)
class StepRow:
    """One recipient and the step to take about it."""

    recipient_id: int
    letter_id: int
    reference: str
    subject: str
    official: str
    owner: str
    due_on: date
    days_overdue: int  # negative: days left before the answer is due
    kind: str | None  # the reminder's kind; None when no step is left
    step_label: str
    step_on: date | None
    state: str | None  # the reminder row's state: pending, sending, sent or failed
    snoozed: bool


@dataclass(frozen=True)
class StepTable:
    rows: list[StepRow]
    total: int


def ladder_span(ladder: tuple[LadderStep, ...]) -> int:
    offsets = [step.offset_days for step in ladder]
    return max(offsets) - min(offsets) if offsets else 0


def _start_of_day(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def _outstanding():
    return and_(
        Reminder.state != "cancelled",
        or_(Recipient.followed_up_on.is_(None), Reminder.kind.not_in(SETTLED_BY_FOLLOW_UP)),
    )


def _step_at():
    return func.coalesce(Reminder.sent_at, Reminder.attempt_at)


def _label(ladder: tuple[LadderStep, ...], kind: str | None, official: str) -> str:
    for step in ladder:
        if step.kind == kind:
            return step.label_for(official)
    return f"{(kind or 'no step').replace('_', ' ').capitalize()}: {official}"


def _rows(statement, ladder, tz: tzinfo) -> StepTable:
    rows, total = [], 0
    for row in db.session.execute(statement):
        total = row.total
        step_on = row.step_at.astimezone(tz).date() if row.step_at else None
        rows.append(
            StepRow(
                recipient_id=row.recipient_id,
                letter_id=row.letter_id,
                reference=row.reference,
                subject=row.subject,
                official=row.official,
                owner=row.owner,
                due_on=row.due_on,
                days_overdue=row.days_overdue,
                kind=row.kind,
                step_label=_label(ladder, row.kind, row.official) if row.kind else "",
                step_on=step_on,
                state=row.state,
                snoozed=bool(row.snoozed),
            )
        )
    return StepTable(rows, total)


def _columns(scope: Scope, total=None):
    return (
        Recipient.id.label("recipient_id"),
        Letter.id.label("letter_id"),
        Letter.reference,
        Letter.subject,
        Official.name.label("official"),
        User.name.label("owner"),
        Recipient.due_on,
        days_overdue(scope.today).label("days_overdue"),
        (func.count().over() if total is None else total).label("total"),
    )


def _joined(statement):
    return (
        statement.join(Letter, Letter.id == Recipient.letter_id)
        .join(Official, Official.id == Recipient.official_id)
        .join(User, User.id == Letter.owner_id)
    )


def _step_since(since: datetime):
    """`_step_at() >= since`, spelled so each side can use an index (sent_at; state, attempt_at)."""
    return or_(
        Reminder.sent_at >= since,
        and_(Reminder.sent_at.is_(None), Reminder.attempt_at >= since),
    )


def _dated_since(since: datetime):
    """Recipients with a step (outstanding or not) dated `since` or later: a small set."""
    return select(Reminder.recipient_id).where(_step_since(since)).correlate(None)


def act_now(
    scope: Scope, ladder: tuple[LadderStep, ...], tz: tzinfo, limit: int | None = None
) -> StepTable:
    """Recipients to act on, the nearest step first (overdue steps before coming ones).

    A recipient's current step is dated since `since` only if one of its steps is, so
    the highest step is looked for among those few recipients, not over every reminder.
    """
    horizon = _start_of_day(scope.today + timedelta(days=ACT_NOW_DAYS + 1), tz)
    since = _start_of_day(scope.today - timedelta(days=ladder_span(ladder)), tz)
    highest = (
        select(Reminder.recipient_id, func.max(Reminder.step).label("step"))
        .join(Recipient, Recipient.id == Reminder.recipient_id)
        .where(
            Reminder.recipient_id.in_(_dated_since(since)),
            _outstanding(),
            Reminder.due_at < horizon,
        )
        .group_by(Reminder.recipient_id)
        .subquery()
    )
    snoozed = and_(Reminder.state == "pending", Reminder.attempt_at > Reminder.due_at)
    # The page and the total from recipients, letters and reminders alone; names joined
    # to the page only (PostgreSQL cannot estimate the join on the highest step, and
    # looped over every official for each of thousands of rows).
    page = (
        select(
            Recipient.id.label("id"),
            Recipient.letter_id.label("letter_id"),
            Reminder.kind.label("kind"),
            Reminder.state.label("state"),
            _step_at().label("step_at"),
            snoozed.label("snoozed"),
            func.count().over().label("total"),
        )
        .select_from(Recipient)
        .join(Letter, Letter.id == Recipient.letter_id)
        .join(highest, highest.c.recipient_id == Recipient.id)
        .join(
            Reminder,
            and_(Reminder.recipient_id == highest.c.recipient_id, Reminder.step == highest.c.step),
        )
        .where(
            letter_in_scope(scope),
            awaiting(),
            Recipient.paused_on.is_(None),
            _step_at() >= since,
            _step_at() < horizon,
        )
        .order_by(_step_at(), Recipient.letter_id, Recipient.id)
        .limit(limit)
        .subquery()
    )
    statement = (
        _joined(
            select(
                *_columns(scope, page.c.total),
                page.c.kind,
                page.c.state,
                page.c.step_at,
                page.c.snoozed,
            ).select_from(Recipient)
        )
        .join(page, page.c.id == Recipient.id)
        .order_by(page.c.step_at, page.c.letter_id, page.c.id)
    )
    return _rows(statement, ladder, tz)


def every_step_passed(
    scope: Scope, ladder: tuple[LadderStep, ...], tz: tzinfo, limit: int | None = None
) -> StepTable:
    """Overdue past the ladder's span with no step since: the most recently due first."""
    span = ladder_span(ladder)
    since = _start_of_day(scope.today - timedelta(days=span), tz)
    recent = (
        select(Reminder.recipient_id)
        .join(Recipient, Recipient.id == Reminder.recipient_id)
        .where(_step_since(since), _outstanding())
        .correlate(None)  # its own recipients, not the outer query's
    )
    # The page and the total from recipients and letters alone; names joined to the page only.
    page = (
        select(
            Recipient.id.label("id"),
            Recipient.due_on.label("due_on"),
            Recipient.letter_id.label("letter_id"),
            func.count().over().label("total"),
        )
        .join(Letter, Letter.id == Recipient.letter_id)
        .where(
            letter_in_scope(scope),
            overdue(scope.today),
            # days overdue > span, as a date comparison the (state, due_on) index ranges over
            Recipient.due_on < a_date(scope.today - timedelta(days=span)),
            Recipient.id.not_in(recent),
        )
        .order_by(Recipient.due_on.desc(), Recipient.letter_id, Recipient.id)
        .limit(limit)
        .subquery()
    )
    statement = (
        _joined(
            select(
                *_columns(scope, page.c.total),
                null().label("kind"),
                null().label("state"),
                null().label("step_at"),
                null().label("snoozed"),
            ).select_from(Recipient)
        )
        .join(page, page.c.id == Recipient.id)
        .order_by(page.c.due_on.desc(), page.c.letter_id, page.c.id)
    )
    return _rows(statement, ladder, tz)
