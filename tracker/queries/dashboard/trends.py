"""The dashboard's time series: per month (or quarter, over long periods) of the period.

A chart covers the chosen period, not the first letter ever: it starts on the period's
first day (for "All time", on the first letter sent within the last `MAX_CHART_YEARS`)
and ends on the period's last day, never after today. A letter dated outside that range
(a typo such as year 0202 or 2204) is counted in `outside`, not given empty buckets.

Per bucket, by the letters sent in it: letters, recipients expected to answer, answered,
answered on time (on or before the due date) and demands per outcome; and responses
received in it (every kind) for letters of the campaign and user scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, literal, or_, select, union_all

from tracker.extensions import db
from tracker.models import DEMAND_OUTCOMES, Demand, Letter, Recipient, Response
from tracker.queries.dashboard.scope import (
    Scope,
    answered,
    answered_on_time,
    expected,
    letter_in_scope,
)
from tracker.queries.dashboard.sql import a_date, count_if, year_month

MAX_CHART_YEARS = 10
# Up to two years show month by month; longer periods by quarter, so bars stay readable.
MAX_MONTHLY_BUCKETS = 24


@dataclass(frozen=True)
class Bucket:
    label: str  # "2024-03" or "2024 Q1"
    start: date
    end: date  # inclusive


@dataclass(frozen=True)
class Trends:
    unit: str  # "month" or "quarter"
    buckets: tuple[Bucket, ...]
    letters: tuple[int, ...]
    responses: tuple[int, ...]
    expected: tuple[int, ...]  # recipients of the bucket's letters expected to answer
    answered: tuple[int, ...]
    on_time: tuple[int, ...]
    outcomes: tuple[dict[str, int], ...]  # demands of the bucket's letters, per outcome
    outside: int  # letters in scope sent outside the chart's range

    @property
    def response_rates(self) -> tuple[float | None, ...]:
        return tuple(_share(a, e) for a, e in zip(self.answered, self.expected, strict=True))

    @property
    def on_time_rates(self) -> tuple[float | None, ...]:
        return tuple(_share(a, e) for a, e in zip(self.on_time, self.expected, strict=True))


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _month_start(value: date) -> date:
    return value.replace(day=1)


def _months_back(value: date, months: int) -> date:
    index = value.year * 12 + value.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _next_month(value: date) -> date:
    return _months_back(value, -1)


def chart_range(scope: Scope) -> tuple[date, date] | None:
    """The days a chart covers (inclusive), or None when it would be empty."""
    end = min(scope.period_end or scope.today, scope.today)
    floor = _months_back(_month_start(end), 12 * MAX_CHART_YEARS - 1)
    start = scope.period_start
    if start is None:
        start = db.session.scalar(
            select(func.min(Letter.sent_on)).where(
                letter_in_scope(scope), Letter.sent_on >= a_date(floor)
            )
        )
    if start is None or start > end:
        return None
    return max(start, floor), end


def buckets_between(start: date, end: date) -> tuple[str, tuple[Bucket, ...]]:
    """Months (or quarters, over long ranges) from `start` to `end`, clipped to both."""
    months = []
    month = _month_start(start)
    while month <= end:
        months.append(month)
        month = _next_month(month)
    unit = "month" if len(months) <= MAX_MONTHLY_BUCKETS else "quarter"
    if unit == "quarter":
        months = [m for m in months if m.month % 3 == 1 or m == months[0]]
        months = [m.replace(month=3 * ((m.month - 1) // 3) + 1) for m in months]
    buckets = []
    for index, first in enumerate(months):
        following = months[index + 1] if index + 1 < len(months) else None
        last = min(end, date.fromordinal(following.toordinal() - 1)) if following else end
        label = (
            first.strftime("%Y-%m") if unit == "month" else f"{first.year} Q{first.month // 3 + 1}"
        )
        buckets.append(Bucket(label, max(first, start), last))
    return unit, tuple(buckets)


def _bucket_of(buckets: tuple[Bucket, ...]):
    """'YYYY-MM' -> index of the bucket holding that month."""
    index = {}
    for position, bucket in enumerate(buckets):
        month = _month_start(bucket.start)
        while month <= bucket.end:
            index[month.strftime("%Y-%m")] = position
            month = _next_month(month)
    return index


def _monthly_rows(scope: Scope, start: date, end: date):
    in_range = and_(Letter.sent_on >= a_date(start), Letter.sent_on <= a_date(end))
    sent_month = year_month(Letter.sent_on)
    letters = (
        select(
            literal("letters").label("series"),
            sent_month.label("month"),
            func.count().label("n"),
            literal(0).label("a"),
            literal(0).label("b"),
        )
        .where(letter_in_scope(scope), in_range)
        .group_by(sent_month)
    )
    recipients = (
        select(
            literal("recipients"),
            sent_month,
            count_if(expected()),
            count_if(answered()),
            count_if(answered_on_time()),
        )
        .join(Letter, Letter.id == Recipient.letter_id)
        .where(letter_in_scope(scope), in_range)
        .group_by(sent_month)
    )
    demands = (
        select(Demand.outcome, sent_month, func.count(), literal(0), literal(0))
        .join(Letter, Letter.id == Demand.letter_id)
        .where(letter_in_scope(scope), in_range)
        .group_by(Demand.outcome, sent_month)
    )
    received_month = year_month(Response.received_on)
    responses = (
        select(literal("responses"), received_month, func.count(), literal(0), literal(0))
        .join(Letter, Letter.id == Response.letter_id)
        .where(
            letter_in_scope(scope, with_period=False),
            Response.received_on >= a_date(start),
            Response.received_on <= a_date(end),
        )
        .group_by(received_month)
    )
    return db.session.execute(union_all(letters, recipients, demands, responses)).all()


def outside_range(scope: Scope, start: date, end: date) -> int:
    """Letters in scope whose sent date lies outside the chart's range."""
    return db.session.scalar(
        select(func.count())
        .select_from(Letter)
        .where(
            letter_in_scope(scope),
            or_(Letter.sent_on < a_date(start), Letter.sent_on > a_date(end)),
        )
    )


def trends(scope: Scope) -> Trends:
    """Every series of the period in three queries (range, counts, letters outside it)."""
    bounds = chart_range(scope)
    if bounds is None:
        return Trends("month", (), (), (), (), (), (), (), outside_range(scope, date.max, date.min))
    start, end = bounds
    unit, buckets = buckets_between(start, end)
    position = _bucket_of(buckets)
    size = len(buckets)
    letters, responses, expected_, answered_, on_time = ([0] * size for _ in range(5))
    outcomes = [dict.fromkeys(DEMAND_OUTCOMES, 0) for _ in range(size)]
    for series, month, n, a, b in _monthly_rows(scope, start, end):
        at = position.get(month)
        if at is None:
            continue
        if series == "letters":
            letters[at] += n
        elif series == "responses":
            responses[at] += n
        elif series == "recipients":
            expected_[at] += n
            answered_[at] += a
            on_time[at] += b
        else:
            outcomes[at][series] += n
    return Trends(
        unit=unit,
        buckets=buckets,
        letters=tuple(letters),
        responses=tuple(responses),
        expected=tuple(expected_),
        answered=tuple(answered_),
        on_time=tuple(on_time),
        outcomes=tuple(outcomes),
        outside=outside_range(scope, start, end),
    )
