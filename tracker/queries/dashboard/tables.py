"""The dashboard tables: overdue now, due soon, per-official and per-campaign figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, case, func, select

from tracker.domain.ladder import LadderStep
from tracker.extensions import db
from tracker.models import Campaign, Demand, Letter, Official, Recipient, User
from tracker.queries.dashboard.scope import (
    Scope,
    answered,
    awaiting,
    days_overdue,
    expected,
    letter_in_scope,
    overdue,
)
from tracker.queries.dashboard.sql import a_date, count_if, days_from, median_by


@dataclass(frozen=True)
class ClockRow:
    """One recipient whose answer is overdue or due soon."""

    letter_id: int
    reference: str
    subject: str
    official_id: int
    official: str
    owner: str
    due_on: date
    days: int  # days overdue, or days left when due soon
    next_step: LadderStep | None = None

    @property
    def next_step_on(self) -> date | None:
        if self.next_step is None:
            return None
        return self.due_on + timedelta(days=self.next_step.offset_days)


def _clock_rows(condition, scope: Scope, days, order, limit: int | None):
    return (
        select(
            Letter.id,
            Letter.reference,
            Letter.subject,
            Official.id,
            Official.name,
            User.name,
            Recipient.due_on,
            days.label("days"),
        )
        .select_from(Recipient)
        .join(Letter, Letter.id == Recipient.letter_id)
        .join(Official, Official.id == Recipient.official_id)
        .join(User, User.id == Letter.owner_id)
        .where(letter_in_scope(scope), condition)
        .order_by(*order)
        .limit(limit)
    )


def overdue_now(
    scope: Scope, ladder: tuple[LadderStep, ...], limit: int | None = None
) -> list[ClockRow]:
    """Overdue recipients, oldest first, with the ladder step that comes next.

    The next step is the first whose date (due date + offset) is today or later; it is
    worked out in SQL from the ladder so the CSV export and the page agree.
    """
    age = days_overdue(scope.today)
    next_index = case(*((age <= step.offset_days, step.index) for step in ladder), else_=None)
    statement = _clock_rows(
        overdue(scope.today), scope, age, (Recipient.due_on, Letter.id, Official.name), limit
    ).add_columns(next_index.label("next_step"))
    steps = {step.index: step for step in ladder}
    return [
        ClockRow(*row[:8], next_step=steps.get(row.next_step))
        for row in db.session.execute(statement)
    ]


def due_soon(scope: Scope, horizon_days: int = 14, limit: int | None = None) -> list[ClockRow]:
    """Running clocks of recipients still awaiting an answer, due from today to the horizon."""
    today = scope.today
    condition = and_(
        expected(),
        Recipient.state == "awaiting",
        Recipient.paused_on.is_(None),
        Recipient.due_on >= a_date(today),
        Recipient.due_on <= a_date(today + timedelta(days=horizon_days)),
    )
    left = days_from(Recipient.due_on, a_date(today))
    statement = _clock_rows(condition, scope, left, (Recipient.due_on, Letter.id), limit)
    return [ClockRow(*row) for row in db.session.execute(statement)]


@dataclass(frozen=True)
class OfficialRow:
    official_id: int
    name: str
    country: str | None
    letters: int
    expected: int
    answered: int
    median_days: float | None
    last_contact: date | None

    @property
    def answered_share(self) -> float | None:
        return self.answered / self.expected if self.expected else None


OFFICIAL_SORTS = ("name", "letters", "answered", "median_days", "last_contact")


def official_responsiveness(
    scope: Scope, sort: str = "letters", descending: bool = True, limit: int | None = None
) -> list[OfficialRow]:
    """Per official: letters received, answered share, median days to answer, last contact.

    Last contact is the latest of the letter's sending, an acknowledgement or an answer.
    """
    in_scope = letter_in_scope(scope)
    waits = (
        select(
            Recipient.official_id.label("official_id"),
            days_from(Recipient.responded_on, Letter.sent_on).label("days"),
        )
        .join(Letter, Letter.id == Recipient.letter_id)
        .where(in_scope, answered())
    )
    medians = median_by(waits, "days", ("official_id",)).subquery()
    # Aggregate recipients per official first; officials and medians join the few rows left.
    per_official = (
        select(
            Recipient.official_id.label("official_id"),
            func.count().label("letters"),
            count_if(expected()).label("expected"),
            count_if(answered()).label("answered"),
            func.max(
                func.coalesce(Recipient.responded_on, Recipient.acknowledged_on, Letter.sent_on)
            ).label("last_contact"),
        )
        .join(Letter, Letter.id == Recipient.letter_id)
        .where(in_scope, Recipient.state != "withdrawn")
        .group_by(Recipient.official_id)
        .subquery()
    )
    share = case(
        (per_official.c.expected > 0, per_official.c.answered * 1.0 / per_official.c.expected),
        else_=None,
    )
    columns = {
        "name": Official.name,
        "letters": per_official.c.letters,
        "answered": share,
        "median_days": medians.c.median,
        "last_contact": per_official.c.last_contact,
    }
    order = columns.get(sort, columns["letters"])
    order = order.desc() if descending else order.asc()
    statement = (
        select(
            Official.id,
            Official.name,
            Official.country,
            per_official.c.letters,
            per_official.c.expected,
            per_official.c.answered,
            medians.c.median,
            per_official.c.last_contact,
        )
        .join(per_official, per_official.c.official_id == Official.id)
        .outerjoin(medians, medians.c.official_id == Official.id)
        .order_by(order.nulls_last(), Official.name, Official.id)
        .limit(limit)
    )
    return [OfficialRow(*row) for row in db.session.execute(statement)]


@dataclass(frozen=True)
class CampaignRow:
    campaign_id: int | None
    name: str | None  # None: letters filed under no campaign
    letters: int
    expected: int
    answered: int
    awaiting: int
    overdue: int
    demands: int
    demands_won: int  # met or accepted
    demands_partly: int
    demands_rejected: int

    @property
    def answered_share(self) -> float | None:
        return self.answered / self.expected if self.expected else None


def campaign_summary(scope: Scope) -> list[CampaignRow]:
    """Per campaign: letters, recipients and demands, from two grouped subqueries."""
    in_scope = letter_in_scope(scope)
    letters = (
        select(Letter.campaign_id.label("campaign_id"), func.count().label("letters"))
        .where(in_scope)
        .group_by(Letter.campaign_id)
        .subquery()
    )
    recipients = (
        select(
            Letter.campaign_id.label("campaign_id"),
            count_if(expected()).label("expected"),
            count_if(answered()).label("answered"),
            count_if(awaiting()).label("awaiting"),
            count_if(overdue(scope.today)).label("overdue"),
        )
        .select_from(Recipient)
        .join(Letter, Letter.id == Recipient.letter_id)
        .where(in_scope)
        .group_by(Letter.campaign_id)
        .subquery()
    )
    demands = (
        select(
            Letter.campaign_id.label("campaign_id"),
            func.count().label("demands"),
            count_if(Demand.outcome.in_(("met", "accepted"))).label("won"),
            count_if(Demand.outcome == "partially_met").label("partly"),
            count_if(Demand.outcome == "rejected").label("rejected"),
        )
        .join(Letter, Letter.id == Demand.letter_id)
        .where(in_scope)
        .group_by(Letter.campaign_id)
        .subquery()
    )

    def zero_if_none(column):
        return func.coalesce(column, 0)

    statement = (
        select(
            letters.c.campaign_id,
            Campaign.name,
            letters.c.letters,
            zero_if_none(recipients.c.expected),
            zero_if_none(recipients.c.answered),
            zero_if_none(recipients.c.awaiting),
            zero_if_none(recipients.c.overdue),
            zero_if_none(demands.c.demands),
            zero_if_none(demands.c.won),
            zero_if_none(demands.c.partly),
            zero_if_none(demands.c.rejected),
        )
        .outerjoin(Campaign, Campaign.id == letters.c.campaign_id)
        .outerjoin(recipients, recipients.c.campaign_id.is_not_distinct_from(letters.c.campaign_id))
        .outerjoin(demands, demands.c.campaign_id.is_not_distinct_from(letters.c.campaign_id))
        .order_by(letters.c.letters.desc(), Campaign.name)
    )
    return [CampaignRow(*row) for row in db.session.execute(statement)]
