"""How long answers take: quartiles and a histogram of days from sending to answer.

Counts recipients (expected to answer, answered in the scope's letters); an
acknowledgement is not an answer. Quartiles interpolate linearly between the two
nearest ranks, as PostgreSQL's percentile_cont does, so either database gives the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker.queries.dashboard.passes import Passes, merge_counts, ranked_value
from tracker.queries.dashboard.scope import Scope


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


def _in(bucket: WaitBucket, days: int) -> bool:
    if bucket.max_days is None:
        return days >= bucket.min_days
    return bucket.min_days <= days <= bucket.max_days


def _ranks(count: int, quarter: int) -> tuple[int, int, float]:
    """1-based ranks either side of the `quarter`/4 percentile, and the weight between."""
    position, remainder = divmod(quarter * (count - 1), 4)
    return position + 1, position + 1 + (1 if remainder else 0), remainder / 4


def answer_times(scope: Scope, passes: Passes | None = None) -> AnswerTimes:
    """The histogram and quartiles, from the days to answer counted per value."""
    passes = passes or Passes(scope)
    waits = merge_counts(passes.waits.values())
    total = sum(waits.values())
    histogram = tuple(
        sum(count for days, count in waits.items() if _in(bucket, days)) for bucket in WAIT_BUCKETS
    )
    if not total:
        return AnswerTimes(0, None, histogram)
    quartiles = []
    for quarter in (1, 2, 3):
        low, high, weight = _ranks(total, quarter)
        low_value, high_value = ranked_value(waits, low), ranked_value(waits, high)
        quartiles.append(low_value + (high_value - low_value) * weight)
    return AnswerTimes(total, tuple(quartiles), histogram)  # type: ignore[arg-type]
