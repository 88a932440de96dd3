"""How long answers take: quartiles and a histogram of days from sending to answer.

Counts recipients (expected to answer, answered in the scope's letters); an
acknowledgement is not an answer. Quartiles interpolate linearly between the two
nearest ranks, as PostgreSQL's percentile_cont does, so either database gives the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, select

from tracker.extensions import db
from tracker.models import Letter, Recipient
from tracker.queries.dashboard.scope import Scope, answered, letter_in_scope
from tracker.queries.dashboard.sql import count_if, days_from


@dataclass(frozen=True)
class WaitBucket:
    label: str
    min_days: int
    max_days: int | None


WAIT_BUCKETS = (
    WaitBucket("0-7 days", 0, 7),
    WaitBucket("8-30 days", 8, 30),
    WaitBucket("31-60 days", 31, 60),
    WaitBucket("61-90 days", 61, 90),
    WaitBucket("91-180 days", 91, 180),
    WaitBucket("Over 180 days", 181, None),
)


@dataclass(frozen=True)
class AnswerTimes:
    answered: int  # recipients
    quartiles: tuple[float, float, float] | None  # 25th, 50th (median), 75th percentile
    histogram: tuple[int, ...]  # one count per WAIT_BUCKETS entry

    @property
    def median(self) -> float | None:
        return self.quartiles[1] if self.quartiles else None


def _waits(scope: Scope):
    return (
        select(days_from(Recipient.responded_on, Letter.sent_on).label("days"))
        .join(Letter, Letter.id == Recipient.letter_id)
        .where(letter_in_scope(scope), answered())
    )


def _in(bucket: WaitBucket, days):
    if bucket.max_days is None:
        return days >= bucket.min_days
    return and_(days >= bucket.min_days, days <= bucket.max_days)


def _ranks(count: int, quarter: int) -> tuple[int, int, float]:
    """1-based ranks either side of the `quarter`/4 percentile, and the weight between."""
    position, remainder = divmod(quarter * (count - 1), 4)
    return position + 1, position + 1 + (1 if remainder else 0), remainder / 4


def answer_times(scope: Scope) -> AnswerTimes:
    """Two queries: the histogram (with the count), then the few ranked values needed."""
    waits = _waits(scope).subquery()
    counts = db.session.execute(
        select(func.count(), *(count_if(_in(bucket, waits.c.days)) for bucket in WAIT_BUCKETS))
    ).one()
    total = counts[0]
    if not total:
        return AnswerTimes(0, None, tuple(counts[1:]))
    needed = {rank: None for quarter in (1, 2, 3) for rank in _ranks(total, quarter)[:2]}
    ranked = select(
        waits.c.days.label("days"), func.row_number().over(order_by=waits.c.days).label("rn")
    ).subquery()
    rows = db.session.execute(
        select(ranked.c.rn, ranked.c.days).where(ranked.c.rn.in_(sorted(needed)))
    ).all()
    values = dict(rows)
    quartiles = []
    for quarter in (1, 2, 3):
        low, high, weight = _ranks(total, quarter)
        quartiles.append(values[low] + (values[high] - values[low]) * weight)
    return AnswerTimes(total, tuple(quartiles), tuple(counts[1:]))  # type: ignore[arg-type]
