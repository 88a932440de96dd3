"""Everything the dashboard and "My work" show, gathered with a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from tracker.domain.ladder import LadderStep
from tracker.queries.dashboard.figures import (
    Headline,
    MonthlySeries,
    demand_outcomes,
    headline,
    monthly_series,
)
from tracker.queries.dashboard.scope import Scope
from tracker.queries.dashboard.tables import (
    CampaignRow,
    ClockRow,
    OfficialRow,
    campaign_summary,
    due_soon,
    official_responsiveness,
    overdue_now,
)

DUE_SOON_DAYS = 14


@dataclass(frozen=True)
class Report:
    scope: Scope
    headline: Headline
    outcomes: dict[str, int]
    series: MonthlySeries
    overdue: list[ClockRow]
    due_soon: list[ClockRow]
    officials: list[OfficialRow]
    campaigns: list[CampaignRow]


def build_report(
    scope: Scope,
    ladder: tuple[LadderStep, ...],
    *,
    official_sort: str = "letters",
    official_descending: bool = True,
    row_limit: int = 50,
) -> Report:
    """Nine queries whatever the data size. Table rows beyond `row_limit` are left to CSV."""
    return Report(
        scope=scope,
        headline=headline(scope),
        outcomes=demand_outcomes(scope),
        series=monthly_series(scope),
        overdue=overdue_now(scope, ladder, limit=row_limit),
        due_soon=due_soon(scope, DUE_SOON_DAYS, limit=row_limit),
        officials=official_responsiveness(
            scope, official_sort, official_descending, limit=row_limit
        ),
        campaigns=campaign_summary(scope),
    )
