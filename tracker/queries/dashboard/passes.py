"""The dashboard's few passes over the data, grouped so that every figure is a sum of groups.

At 100,000 letters each pass over recipients or demands costs tens of milliseconds, so
the report reads each table once, grouped finely enough for every figure to be added up
in Python: by campaign and month of sending (the headline, the trends and the campaign
table), by official (the three "by whom" tables: an institution or a country is a sum of
officials), and the days to answer by official (medians and quartiles, exact, from the
counts of each value). `Passes` runs each one the first time a figure needs it.

The month groups also say whether the letter is dated after today (`future`): a chart
ends today, so such a letter counts in the headline but not in the chart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

from sqlalchemy import case, func, select

from tracker.extensions import db
from tracker.models import Demand, Letter, Official, Recipient
from tracker.queries.dashboard.scope import Scope, answered, expected, letter_in_scope, overdue
from tracker.queries.dashboard.sql import a_date, count_if, days_from, year_month

# Days overdue, inclusive, in order; None: no upper bound. The first day overdue is the
# day after the due date. (figures.AGE_BUCKETS labels these.)
AGE_RANGES = ((1, 30), (31, 90), (91, 365), (366, None))


@dataclass(frozen=True)
class MonthGroup:
    campaign_id: int | None
    month: str  # "YYYY-MM" of the day the letters were sent
    future: bool  # sent after today


@dataclass(frozen=True)
class RecipientCounts:
    expected: int
    awaiting: int
    answered: int
    on_time: int


@dataclass(frozen=True)
class OfficialCounts:
    official_id: int
    name: str
    country: str | None
    institution: str | None
    expected: int
    answered: int
    on_time: int
    acknowledged_only: int
    last_contact: date | None


def _month_keys():
    return (
        Letter.campaign_id.label("campaign_id"),
        year_month(Letter.sent_on).label("month"),
    )


def _group(row) -> MonthGroup:
    return MonthGroup(row.campaign_id, row.month, bool(row.future))


class Passes:
    """The grouped rows of one scope, each query run at most once."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    def _future(self):
        return (Letter.sent_on > a_date(self.scope.today)).label("future")

    @cached_property
    def letters(self) -> dict[MonthGroup, int]:
        keys = _month_keys()
        future = self._future()
        statement = (
            select(*keys, future, func.count().label("n"))
            .where(letter_in_scope(self.scope))
            .group_by(*keys, future)
        )
        return {_group(row): row.n for row in db.session.execute(statement)}

    @cached_property
    def recipients(self) -> dict[MonthGroup, RecipientCounts]:
        """Recipients expected to answer, per group (overdue ones: `overdue`)."""
        keys = _month_keys()
        future = self._future()
        # Every row is expected to answer (WHERE): the conditions need not say it again.
        statement = (
            select(
                *keys,
                future,
                func.count(),
                count_if(Recipient.state == "awaiting"),
                count_if(Recipient.responded_on.is_not(None)),
                count_if(Recipient.responded_on <= Recipient.due_on),
            )
            .select_from(Recipient)
            .join(Letter, Letter.id == Recipient.letter_id)
            .where(letter_in_scope(self.scope), expected())
            .group_by(*keys, future)
        )
        return {_group(row): RecipientCounts(*row[3:]) for row in db.session.execute(statement)}

    @cached_property
    def overdue(self) -> dict[tuple[int | None, int], int]:
        """Overdue recipients per campaign and age (the index of AGE_RANGES)."""
        today = self.scope.today
        age = case(
            *(
                (Recipient.due_on >= a_date(today - timedelta(days=high)), position)
                for position, (_low, high) in enumerate(AGE_RANGES)
                if high is not None
            ),
            else_=len(AGE_RANGES) - 1,
        ).label("age")
        statement = (
            select(Letter.campaign_id, age, func.count())
            .select_from(Recipient)
            .join(Letter, Letter.id == Recipient.letter_id)
            .where(letter_in_scope(self.scope), overdue(today))
            .group_by(Letter.campaign_id, age)
        )
        return {
            (campaign_id, at): count for campaign_id, at, count in db.session.execute(statement)
        }

    @cached_property
    def demands(self) -> dict[tuple[MonthGroup, str], int]:
        keys = _month_keys()
        future = self._future()
        statement = (
            select(*keys, future, Demand.outcome, func.count().label("n"))
            .join(Letter, Letter.id == Demand.letter_id)
            .where(letter_in_scope(self.scope))
            .group_by(*keys, future, Demand.outcome)
        )
        return {(_group(row), row.outcome): row.n for row in db.session.execute(statement)}

    @cached_property
    def officials(self) -> dict[int, OfficialCounts]:
        """Recipients expected to answer, per official."""
        counts = (
            select(
                Recipient.official_id,
                func.count().label("expected"),
                # Every row is expected to answer (WHERE).
                count_if(Recipient.responded_on.is_not(None)).label("answered"),
                count_if(Recipient.responded_on <= Recipient.due_on).label("on_time"),
                count_if(
                    Recipient.responded_on.is_(None) & Recipient.acknowledged_on.is_not(None)
                ).label("acknowledged_only"),
                func.max(
                    func.coalesce(Recipient.responded_on, Recipient.acknowledged_on, Letter.sent_on)
                ).label("last_contact"),
            )
            .join(Letter, Letter.id == Recipient.letter_id)
            .where(letter_in_scope(self.scope), expected())
            .group_by(Recipient.official_id)
            .subquery()
        )
        statement = select(
            counts.c.official_id,
            Official.name,
            Official.country,
            Official.institution,
            counts.c.expected,
            counts.c.answered,
            counts.c.on_time,
            counts.c.acknowledged_only,
            counts.c.last_contact,
        ).join(Official, Official.id == counts.c.official_id)
        return {row[0]: OfficialCounts(*row) for row in db.session.execute(statement)}

    @cached_property
    def waits(self) -> dict[int, dict[int, int]]:
        """Per official: days from sending to the answer -> how many recipients."""
        days = days_from(Recipient.responded_on, Letter.sent_on).label("days")
        statement = (
            select(Recipient.official_id, days, func.count())
            .join(Letter, Letter.id == Recipient.letter_id)
            .where(letter_in_scope(self.scope), answered())
            .group_by(Recipient.official_id, days)
        )
        found: dict[int, dict[int, int]] = {}
        for official_id, value, count in db.session.execute(statement):
            found.setdefault(official_id, {})[value] = count
        return found


def add_counts(groups) -> RecipientCounts:
    """The sum of several groups' recipient counts."""
    groups = list(groups)
    return RecipientCounts(
        expected=sum(group.expected for group in groups),
        awaiting=sum(group.awaiting for group in groups),
        answered=sum(group.answered for group in groups),
        on_time=sum(group.on_time for group in groups),
    )


def merge_counts(distributions) -> dict[int, int]:
    """Several value -> count maps as one."""
    merged: dict[int, int] = {}
    for distribution in distributions:
        for value, count in distribution.items():
            merged[value] = merged.get(value, 0) + count
    return merged


def ranked_value(distribution: dict[int, int], rank: int) -> int:
    """The `rank`-th smallest value (1-based) of a value -> count map."""
    seen = 0
    for value in sorted(distribution):
        seen += distribution[value]
        if seen >= rank:
            return value
    raise ValueError(f"rank {rank} beyond {seen} values")


def median_of(distribution: dict[int, int]) -> float | None:
    """The mean of the middle value (odd count) or the middle two (even count)."""
    total = sum(distribution.values())
    if not total:
        return None
    low = ranked_value(distribution, (total + 1) // 2)
    high = ranked_value(distribution, (total + 2) // 2)
    return (low + high) / 2
