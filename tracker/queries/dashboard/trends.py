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

from sqlalchemy import func, select

from tracker.extensions import db
from tracker.models import DEMAND_OUTCOMES, Letter, Response
from tracker.queries.dashboard.passes import MonthGroup, Passes
from tracker.queries.dashboard.scope import Scope, letter_in_scope
from tracker.queries.dashboard.sql import a_date, year_month

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


def _responses_by_month(scope: Scope, start: date, end: date) -> dict[str, int]:
    """Responses received in the range (every kind), for letters of the campaign/user scope."""
    received_month = year_month(Response.received_on)
    statement = (
        select(received_month, func.count())
        .join(Letter, Letter.id == Response.letter_id)
        .where(
            letter_in_scope(scope, with_period=False),
            Response.received_on >= a_date(start),
            Response.received_on <= a_date(end),
        )
        .group_by(received_month)
    )
    return dict(db.session.execute(statement).all())


def _in_chart(group: MonthGroup, months: dict[str, int]) -> int | None:
    """The bucket of a month group, None outside the chart (before it, or after today).

    Exact at the chart's ends: letters in scope sent before its first day are either out
    of the period (not counted at all) or in an earlier month, and within today's month
    only letters dated after today fall after its last day (`future`).
    """
    return None if group.future else months.get(group.month)


def trends(scope: Scope, passes: Passes | None = None) -> Trends:
    """Every series of the period from the grouped passes, plus responses by month."""
    passes = passes or Passes(scope)
    bounds = chart_range(scope)
    letters_in_scope = sum(passes.letters.values())
    if bounds is None:
        return Trends("month", (), (), (), (), (), (), (), letters_in_scope)
    start, end = bounds
    unit, buckets = buckets_between(start, end)
    position = _bucket_of(buckets)
    size = len(buckets)
    letters, responses, expected_, answered_, on_time = ([0] * size for _ in range(5))
    outcomes = [dict.fromkeys(DEMAND_OUTCOMES, 0) for _ in range(size)]
    for group, count in passes.letters.items():
        if (at := _in_chart(group, position)) is not None:
            letters[at] += count
    for group, counts in passes.recipients.items():
        if (at := _in_chart(group, position)) is not None:
            expected_[at] += counts.expected
            answered_[at] += counts.answered
            on_time[at] += counts.on_time
    for (group, outcome), count in passes.demands.items():
        if (at := _in_chart(group, position)) is not None:
            outcomes[at][outcome] += count
    for month, count in _responses_by_month(scope, start, end).items():
        if (at := position.get(month)) is not None:
            responses[at] += count
    return Trends(
        unit=unit,
        buckets=buckets,
        letters=tuple(letters),
        responses=tuple(responses),
        expected=tuple(expected_),
        answered=tuple(answered_),
        on_time=tuple(on_time),
        outcomes=tuple(outcomes),
        outside=letters_in_scope - sum(letters),
    )
