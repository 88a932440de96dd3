"""Reading the follow-up state: a letter's ladders, and what needs a user's attention.

Read-only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager

from tracker.domain import deadlines
from tracker.domain.recipients import RUNNING_STATES
from tracker.extensions import db
from tracker.models import Letter, Official, Recipient, Reminder, letter_watchers


def reminders_for_letter(letter_id: int) -> dict[int, list[Reminder]]:
    """Each recipient's reminder rows in ladder order, keyed by recipient id (one query)."""
    rows = db.session.scalars(
        select(Reminder)
        .join(Recipient, Reminder.recipient_id == Recipient.id)
        .where(Recipient.letter_id == letter_id)
        .order_by(Reminder.recipient_id, Reminder.step)
    )
    by_recipient: dict[int, list[Reminder]] = defaultdict(list)
    for row in rows:
        by_recipient[row.recipient_id].append(row)
    return dict(by_recipient)


@dataclass(frozen=True)
class AttentionItem:
    """One recipient whose answer is overdue or due soon.

    `days` counts in the letter's kind of days: overdue days for overdue items,
    days left for those due soon (0 = due today).
    """

    recipient: Recipient
    letter: Letter
    official: Official
    due_on: date
    days: int


@dataclass(frozen=True)
class Attention:
    overdue: list[AttentionItem]
    due_soon: list[AttentionItem]


def attention_for_user(user_id: int, today: date, horizon_days: int = 14) -> Attention:
    """Overdue and due-soon recipients of the sent letters `user_id` owns or watches.

    One query (recipient, letter and official loaded together), earliest due first.
    Paused clocks are left out: nobody is waiting on them.
    """
    watched = select(letter_watchers.c.letter_id).where(letter_watchers.c.user_id == user_id)
    rows = db.session.scalars(
        select(Recipient)
        .join(Recipient.letter)
        .join(Recipient.official)
        .options(contains_eager(Recipient.letter), contains_eager(Recipient.official))
        .where(
            Letter.status == "sent",
            or_(Letter.owner_id == user_id, Letter.id.in_(watched)),
            Recipient.state.in_(RUNNING_STATES),
            Recipient.paused_on.is_(None),
            Recipient.due_on.is_not(None),
            Recipient.due_on <= today + timedelta(days=horizon_days),
        )
        .order_by(Recipient.due_on, Letter.id, Recipient.id)
    ).all()
    overdue: list[AttentionItem] = []
    due_soon: list[AttentionItem] = []
    for recipient in rows:
        letter, official, due_on = recipient.letter, recipient.official, recipient.due_on
        assert due_on is not None
        if deadlines.is_overdue(due_on, today):
            days = deadlines.days_between(due_on, today, letter.business_days, official.country)
            overdue.append(AttentionItem(recipient, letter, official, due_on, days))
        else:
            days = deadlines.days_between(today, due_on, letter.business_days, official.country)
            due_soon.append(AttentionItem(recipient, letter, official, due_on, days))
    return Attention(overdue, due_soon)
