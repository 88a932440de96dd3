"""The summary by campaign: letters, recipients and demands (won, partly met, rejected)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from tracker.extensions import db
from tracker.models import Campaign, Demand, Letter, Recipient
from tracker.queries.dashboard.figures import WON_OUTCOMES
from tracker.queries.dashboard.scope import (
    Scope,
    answered,
    awaiting,
    expected,
    letter_in_scope,
    overdue,
)
from tracker.queries.dashboard.sql import count_if


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
            count_if(Demand.outcome.in_(WON_OUTCOMES)).label("won"),
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
