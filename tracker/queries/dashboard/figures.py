"""The headline figures, demand outcomes and overdue ages."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, select

from tracker.extensions import db
from tracker.models import DEMAND_OUTCOMES, Demand, Letter, Recipient
from tracker.queries.dashboard.scope import (
    Scope,
    answered,
    answered_on_time,
    awaiting,
    days_overdue,
    expected,
    letter_in_scope,
    overdue,
)
from tracker.queries.dashboard.sql import count_if, days_from, median_by


@dataclass(frozen=True)
class AgeBucket:
    label: str
    min_days: int
    max_days: int | None


# Days overdue; overdue starts the day after the due date, so the first bucket starts at 1.
AGE_BUCKETS = (
    AgeBucket("0-30 days", 1, 30),
    AgeBucket("31-90 days", 31, 90),
    AgeBucket("91-365 days", 91, 365),
    AgeBucket("Over a year", 366, None),
)


@dataclass(frozen=True)
class Headline:
    letters_sent: int
    expected: int
    awaiting: int
    overdue: int
    answered: int
    on_time: int  # answered on or before the due date
    overdue_by_age: tuple[int, ...]  # one count per AGE_BUCKETS entry
    median_days_to_answer: float | None

    @property
    def response_rate(self) -> float | None:
        """Answered / expected, None when no answer is expected."""
        return self.answered / self.expected if self.expected else None

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.expected if self.expected else None


def _in_bucket(bucket: AgeBucket, age):
    if bucket.max_days is None:
        return age >= bucket.min_days
    return and_(age >= bucket.min_days, age <= bucket.max_days)


def headline(scope: Scope) -> Headline:
    """Letters, recipients and overdue ages in one query; the median in a second."""
    is_overdue = overdue(scope.today)
    age = days_overdue(scope.today)
    letters_sent = (
        select(func.count()).select_from(Letter).where(letter_in_scope(scope)).scalar_subquery()
    )
    counts = db.session.execute(
        select(
            letters_sent,
            count_if(expected()),
            count_if(awaiting()),
            count_if(is_overdue),
            count_if(answered()),
            count_if(answered_on_time()),
            *(count_if(and_(is_overdue, _in_bucket(bucket, age))) for bucket in AGE_BUCKETS),
        )
        .select_from(Recipient)
        .join(Letter, Letter.id == Recipient.letter_id)
        .where(letter_in_scope(scope))
    ).one()
    letters_sent, expected_count, awaiting_count, overdue_count, answered_count = counts[:5]
    on_time = counts[5]
    return Headline(
        letters_sent=letters_sent,
        expected=expected_count,
        awaiting=awaiting_count,
        overdue=overdue_count,
        answered=answered_count,
        on_time=on_time,
        overdue_by_age=tuple(counts[6:]),
        median_days_to_answer=median_days_to_answer(scope),
    )


def median_days_to_answer(scope: Scope) -> float | None:
    """Median days from sending to the first substantive answer, over answered recipients."""
    waits = (
        select(days_from(Recipient.responded_on, Letter.sent_on).label("days"))
        .join(Letter, Letter.id == Recipient.letter_id)
        .where(letter_in_scope(scope), answered())
    )
    return db.session.execute(median_by(waits, "days")).scalar()


# Demands "won": the outcomes a campaign counts as a success.
WON_OUTCOMES = ("met", "accepted")


def demand_outcomes(scope: Scope) -> dict[str, int]:
    """Demands per outcome, every outcome present (0 when none)."""
    rows = db.session.execute(
        select(Demand.outcome, func.count())
        .join(Letter, Letter.id == Demand.letter_id)
        .where(letter_in_scope(scope))
        .group_by(Demand.outcome)
    ).all()
    found = dict(rows)
    return {outcome: found.get(outcome, 0) for outcome in DEMAND_OUTCOMES}
