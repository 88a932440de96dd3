"""The headline figures, demand outcomes and overdue ages, summed from the grouped passes."""

from __future__ import annotations

from dataclasses import dataclass

from tracker.models import DEMAND_OUTCOMES
from tracker.queries.dashboard.passes import (
    AGE_RANGES,
    Passes,
    add_counts,
    median_of,
    merge_counts,
)
from tracker.queries.dashboard.scope import Scope


@dataclass(frozen=True)
class AgeBucket:
    label: str
    min_days: int
    max_days: int | None


# Days overdue; overdue starts the day after the due date, so the first bucket starts at 1.
AGE_BUCKETS = tuple(
    AgeBucket(label, low, high)
    for label, (low, high) in zip(
        ("0-30 days", "31-90 days", "91-365 days", "Over a year"), AGE_RANGES, strict=True
    )
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


def headline(scope: Scope, passes: Passes | None = None) -> Headline:
    """Sums of the grouped letters and recipients (tracker.queries.dashboard.passes)."""
    passes = passes or Passes(scope)
    counts = add_counts(passes.recipients.values())
    by_age = [0] * len(AGE_RANGES)
    for (_campaign, age), count in passes.overdue.items():
        by_age[age] += count
    return Headline(
        letters_sent=sum(passes.letters.values()),
        expected=counts.expected,
        awaiting=counts.awaiting,
        overdue=sum(by_age),
        answered=counts.answered,
        on_time=counts.on_time,
        overdue_by_age=tuple(by_age),
        median_days_to_answer=median_days_to_answer(scope, passes),
    )


def median_days_to_answer(scope: Scope, passes: Passes | None = None) -> float | None:
    """Median days from sending to the first substantive answer, over answered recipients."""
    passes = passes or Passes(scope)
    return median_of(merge_counts(passes.waits.values()))


# Demands "won": the outcomes a campaign counts as a success.
WON_OUTCOMES = ("met", "accepted")


def demand_outcomes(scope: Scope, passes: Passes | None = None) -> dict[str, int]:
    """Demands per outcome, every outcome present (0 when none)."""
    passes = passes or Passes(scope)
    found = dict.fromkeys(DEMAND_OUTCOMES, 0)
    for (_group, outcome), count in passes.demands.items():
        found[outcome] += count
    return found
