"""The headline figures, demand outcomes, overdue ages and the monthly series."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, literal, select, union_all

from tracker.extensions import db
from tracker.models import DEMAND_OUTCOMES, Demand, Letter, Recipient, Response
from tracker.queries.dashboard.scope import (
    Scope,
    answered,
    awaiting,
    days_overdue,
    expected,
    letter_in_scope,
    overdue,
)
from tracker.queries.dashboard.sql import count_if, days_from, median_by, year_month


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
    overdue_by_age: tuple[int, ...]  # one count per AGE_BUCKETS entry
    median_days_to_answer: float | None

    @property
    def response_rate(self) -> float | None:
        """Answered / expected, None when no answer is expected."""
        return self.answered / self.expected if self.expected else None


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
            *(count_if(and_(is_overdue, _in_bucket(bucket, age))) for bucket in AGE_BUCKETS),
        )
        .select_from(Recipient)
        .join(Letter, Letter.id == Recipient.letter_id)
        .where(letter_in_scope(scope))
    ).one()
    letters_sent, expected_count, awaiting_count, overdue_count, answered_count = counts[:5]
    return Headline(
        letters_sent=letters_sent,
        expected=expected_count,
        awaiting=awaiting_count,
        overdue=overdue_count,
        answered=answered_count,
        overdue_by_age=tuple(counts[5:]),
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


@dataclass(frozen=True)
class MonthlySeries:
    months: tuple[str, ...]  # 'YYYY-MM', oldest first, no gaps
    letters: tuple[int, ...]
    responses: tuple[int, ...]


def months_between(first: date, last: date) -> tuple[str, ...]:
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(months)


def monthly_series(scope: Scope) -> MonthlySeries:
    """Letters sent (by sent date) and responses received (by date received) per month.

    Responses count every kind, acknowledgements included, for letters in the campaign
    and user scope, received within the period whatever the letter's own sent date.
    """
    letter_month = year_month(Letter.sent_on)
    letters = (
        select(literal("letters").label("series"), letter_month.label("month"), func.count())
        .where(letter_in_scope(scope))
        .group_by(letter_month)
    )
    response_month = year_month(Response.received_on)
    responses = (
        select(literal("responses").label("series"), response_month.label("month"), func.count())
        .join(Letter, Letter.id == Response.letter_id)
        .where(letter_in_scope(scope, with_period=False), *responses_in_period(scope))
        .group_by(response_month)
    )
    rows = db.session.execute(union_all(letters, responses)).all()
    counts = {(series, month): count for series, month, count in rows}
    if not counts:
        return MonthlySeries((), (), ())
    found_months = sorted(month for _, month in counts)
    first = scope.period_start or date.fromisoformat(found_months[0] + "-01")
    last = scope.period_end or max(scope.today, date.fromisoformat(found_months[-1] + "-01"))
    months = months_between(first, last)
    return MonthlySeries(
        months=months,
        letters=tuple(counts.get(("letters", month), 0) for month in months),
        responses=tuple(counts.get(("responses", month), 0) for month in months),
    )


def responses_in_period(scope: Scope) -> list:
    conditions = []
    if scope.period_start is not None:
        conditions.append(Response.received_on >= scope.period_start)
    if scope.period_end is not None:
        conditions.append(Response.received_on <= scope.period_end)
    return conditions
