"""Which letters and recipients a figure counts: the shared predicates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, or_, select
from sqlalchemy.sql import ColumnElement

from tracker.models import Letter, Recipient, letter_watchers
from tracker.queries.access import UNRESTRICTED_ONLY, Visibility, letter_visible
from tracker.queries.dashboard.sql import a_date, days_from


@dataclass(frozen=True)
class Scope:
    """The dashboard's filters. `user_id` narrows to letters the user owns or watches;
    `visibility` is what the viewer may see (tracker.queries.access), so cached reports
    (keyed by the scope) are shared only by viewers who see the same campaigns."""

    today: date
    campaign_id: int | None = None
    period_start: date | None = None
    period_end: date | None = None
    user_id: int | None = None
    visibility: Visibility = UNRESTRICTED_ONLY


def sent_letter() -> ColumnElement[bool]:
    return and_(Letter.status != "draft", Letter.sent_on.is_not(None))


def letter_in_scope(scope: Scope, *, with_period: bool = True) -> ColumnElement[bool]:
    conditions = [sent_letter(), letter_visible(scope.visibility)]
    if scope.campaign_id is not None:
        conditions.append(Letter.campaign_id == scope.campaign_id)
    if with_period and scope.period_start is not None:
        conditions.append(Letter.sent_on >= scope.period_start)
    if with_period and scope.period_end is not None:
        conditions.append(Letter.sent_on <= scope.period_end)
    if scope.user_id is not None:
        conditions.append(owned_or_watched(scope.user_id))
    return and_(*conditions)


def owned_or_watched(user_id: int) -> ColumnElement[bool]:
    watched = select(letter_watchers.c.letter_id).where(letter_watchers.c.user_id == user_id)
    return or_(Letter.owner_id == user_id, Letter.id.in_(watched))


def expected() -> ColumnElement[bool]:
    """Expected to answer, in SQL: the stored column, which the letter service wrote by
    the rule of `tracker.domain.recipients` (every `to`, and a `cc` staff marked)."""
    return and_(Recipient.expects_answer.is_(True), Recipient.state != "withdrawn")


def awaiting() -> ColumnElement[bool]:
    return and_(expected(), Recipient.state == "awaiting")


def answered() -> ColumnElement[bool]:
    return and_(expected(), Recipient.responded_on.is_not(None))


def answered_on_time() -> ColumnElement[bool]:
    """Answered on or before the due date (the window, with its extensions)."""
    return and_(answered(), Recipient.responded_on <= Recipient.due_on)


def acknowledged_only() -> ColumnElement[bool]:
    """Acknowledged and nothing since: not an answer, counted apart."""
    return and_(
        expected(), Recipient.responded_on.is_(None), Recipient.acknowledged_on.is_not(None)
    )


def overdue(today: date) -> ColumnElement[bool]:
    return and_(
        expected(),
        Recipient.state == "awaiting",
        Recipient.paused_on.is_(None),
        Recipient.due_on < a_date(today),
    )


def days_overdue(today: date) -> ColumnElement[int]:
    return days_from(a_date(today), Recipient.due_on)
