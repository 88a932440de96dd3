"""Each dashboard figure links to the letters list filtered to exactly the letters it counts.

`dashboard_conditions` is what the list applies for the filters only the dashboard
uses; `ListLink` builds the query args of those links. Both lean on `scope`, so a
figure and its list can never disagree on what "overdue" or "answered" means.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.sql import ColumnElement

from tracker.models import Demand, Letter, Official, Recipient, Response
from tracker.queries.dashboard.figures import WON_OUTCOMES, AgeBucket
from tracker.queries.dashboard.scope import (
    Scope,
    acknowledged_only,
    answered,
    answered_on_time,
    awaiting,
    days_overdue,
    expected,
    overdue,
    owned_or_watched,
    sent_letter,
)
from tracker.queries.dashboard.trends import Bucket

RECIPIENT_FIGURES = (
    "awaiting",
    "overdue",
    "answered",
    "expected",
    "on_time",
    "acknowledged_only",
)


def _recipient_condition(figure: str, today: date) -> ColumnElement[bool]:
    conditions = {
        "awaiting": awaiting,
        "answered": answered,
        "expected": expected,
        "on_time": answered_on_time,
        "acknowledged_only": acknowledged_only,
    }
    return conditions.get(figure, lambda: overdue(today))()


def _addressed_to(filters: Any) -> list[ColumnElement[bool]]:
    """The by-whom rows' filters: which officials the counted recipients are."""
    conditions = []
    if filters.addressee is not None:
        conditions.append(Recipient.official_id == filters.addressee)
    officials = []
    if filters.institution is not None:
        officials.append(Official.institution == filters.institution)
    if filters.country is not None:
        officials.append(Official.country == filters.country)
    if officials:
        conditions.append(Recipient.official_id.in_(select(Official.id).where(*officials)))
    return conditions


def _with_recipient(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    # IN (subquery), not a correlated EXISTS: SQLite would plan that one on
    # ix_recipients_state_due_on and rescan the whole range once per letter.
    return Letter.id.in_(select(Recipient.letter_id).where(*conditions))


def dashboard_conditions(filters: Any, today: date) -> Iterator[ColumnElement[bool]]:
    """Conditions on Letter for the list filters the dashboard's links use."""
    if filters.sent:
        yield sent_letter()
    if filters.involving is not None:
        yield owned_or_watched(filters.involving)
    addressed_to = _addressed_to(filters)
    if filters.recipient is not None or addressed_to:
        figure = filters.recipient or "expected"
        yield _with_recipient(_recipient_condition(figure, today), *addressed_to)
    if filters.won:
        yield Letter.id.in_(select(Demand.letter_id).where(Demand.outcome.in_(WON_OUTCOMES)))
    if filters.overdue_min is not None or filters.overdue_max is not None:
        age = days_overdue(today)
        limits = [overdue(today)]
        if filters.overdue_min is not None:
            limits.append(age >= filters.overdue_min)
        if filters.overdue_max is not None:
            limits.append(age <= filters.overdue_max)
        yield _with_recipient(*limits)
    if filters.responded_from is not None or filters.responded_to is not None:
        received = [Response.letter_id == Letter.id]
        if filters.responded_from is not None:
            received.append(Response.received_on >= filters.responded_from)
        if filters.responded_to is not None:
            received.append(Response.received_on <= filters.responded_to)
        yield exists().where(*received)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


@dataclass(frozen=True)
class ListLink:
    """Query args for `letters.index` for the figures of one dashboard scope."""

    scope: Scope

    def _args(self, *, with_period: bool = True, **extra: object) -> dict[str, str]:
        args: dict[str, object] = {
            "sent": "1",
            "campaign": self.scope.campaign_id,
            "involving": self.scope.user_id,
        }
        if with_period:
            args["sent_from"] = _iso(self.scope.period_start)
            args["sent_to"] = _iso(self.scope.period_end)
        args.update(extra)
        return {key: str(value) for key, value in args.items() if value is not None}

    def letters(self) -> dict[str, str]:
        return self._args()

    def recipients(self, figure: str) -> dict[str, str]:
        return self._args(recipient=figure)

    def outcome(self, outcome: str) -> dict[str, str]:
        return self._args(outcome=outcome)

    def overdue_age(self, bucket: AgeBucket) -> dict[str, str]:
        return self._args(overdue_min=bucket.min_days, overdue_max=bucket.max_days)

    def in_bucket(self, bucket: Bucket, **extra: object) -> dict[str, str]:
        """Letters sent within one bucket of a chart (clipped to the period)."""
        return self._args(
            with_period=False,
            sent_from=bucket.start.isoformat(),
            sent_to=bucket.end.isoformat(),
            **extra,
        )

    def responses_in(self, bucket: Bucket) -> dict[str, str]:
        return self._args(
            with_period=False,
            responded_from=bucket.start.isoformat(),
            responded_to=bucket.end.isoformat(),
        )

    def won(self) -> dict[str, str]:
        return self._args(won="1")

    def whom(self, dimension: str, key: str, figure: str = "expected") -> dict[str, str]:
        """Letters of one by-whom row's recipients; `figure` narrows to e.g. the answered."""
        field = {"official": "addressee"}.get(dimension, dimension)
        return self._args(recipient=figure, **{field: key})

    def official(self, official_id: int) -> dict[str, str]:
        return self._args(official=official_id)

    def campaign(self, campaign_id: int) -> dict[str, str]:
        return self._args(campaign=campaign_id)
