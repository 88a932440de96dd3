"""Each dashboard figure links to the letters list filtered to exactly the letters it counts.

`dashboard_conditions` is what the list applies for the filters only the dashboard
uses; `ListLink` builds the query args of those links. Both lean on `scope`, so a
figure and its list can never disagree on what "overdue" or "answered" means.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.sql import ColumnElement

from tracker.models import Letter, Recipient, Response
from tracker.queries.dashboard.figures import AgeBucket
from tracker.queries.dashboard.scope import (
    Scope,
    answered,
    awaiting,
    days_overdue,
    overdue,
    owned_or_watched,
    sent_letter,
)

RECIPIENT_FIGURES = ("awaiting", "overdue", "answered")


def _recipient_condition(figure: str, today: date) -> ColumnElement[bool]:
    return {"awaiting": awaiting, "answered": answered}.get(figure, lambda: overdue(today))()


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
    if filters.recipient is not None:
        yield _with_recipient(_recipient_condition(filters.recipient, today))
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


def _month_bounds(month: str) -> tuple[date, date]:
    year, number = (int(part) for part in month.split("-"))
    return date(year, number, 1), date(year, number, calendar.monthrange(year, number)[1])


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

    def sent_in(self, month: str) -> dict[str, str]:
        first, last = _month_bounds(month)
        start = max(first, self.scope.period_start or first)
        end = min(last, self.scope.period_end or last)
        return self._args(with_period=False, sent_from=start.isoformat(), sent_to=end.isoformat())

    def responses_in(self, month: str) -> dict[str, str]:
        first, last = _month_bounds(month)
        start = max(first, self.scope.period_start or first)
        end = min(last, self.scope.period_end or last)
        return self._args(
            with_period=False, responded_from=start.isoformat(), responded_to=end.isoformat()
        )

    def official(self, official_id: int) -> dict[str, str]:
        return self._args(official=official_id)

    def campaign(self, campaign_id: int) -> dict[str, str]:
        return self._args(campaign=campaign_id)
