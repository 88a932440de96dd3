"""Everything the dashboard and "My work" show, gathered with a fixed number of queries
and kept, per worker, until the next write (tracker.queries.dashboard.cache)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo

from tracker.domain.ladder import LadderStep
from tracker.queries.dashboard.act_now import StepTable, act_now, every_step_passed
from tracker.queries.dashboard.answers import AnswerTimes, answer_times
from tracker.queries.dashboard.cache import cached, cached_with_reminders
from tracker.queries.dashboard.figures import WON_OUTCOMES, Headline, demand_outcomes, headline
from tracker.queries.dashboard.passes import Passes
from tracker.queries.dashboard.scope import Scope
from tracker.queries.dashboard.tables import CampaignRow, campaign_summary
from tracker.queries.dashboard.trends import Trends, trends
from tracker.queries.dashboard.whom import DIMENSIONS, WhomTable, responsiveness


@dataclass(frozen=True)
class Report:
    scope: Scope
    headline: Headline
    outcomes: dict[str, int]
    trends: Trends
    answer_times: AnswerTimes
    act_now: StepTable
    every_step_passed: StepTable
    whom: dict[str, WhomTable]
    campaigns: list[CampaignRow]

    @property
    def demands(self) -> int:
        return sum(self.outcomes.values())

    @property
    def demands_won(self) -> int:
        return sum(self.outcomes[outcome] for outcome in WON_OUTCOMES)


@dataclass(frozen=True)
class ReportOptions:
    ladder: tuple[LadderStep, ...]
    tz: tzinfo
    min_sample: int = 5
    sort: str = "rate"
    descending: bool = False
    row_limit: int = 50


def _figures(scope: Scope, options: ReportOptions) -> dict[str, object]:
    """The grouped figures: a few passes whatever the data size, no reminders read."""
    passes = Passes(scope)  # each grouped query once, shared by the figures summed from it
    return {
        "headline": headline(scope, passes),
        "outcomes": demand_outcomes(scope, passes),
        "trends": trends(scope, passes),
        "answer_times": answer_times(scope, passes),
        "whom": {
            dimension: responsiveness(
                scope, dimension, options.min_sample, options.sort, options.descending, passes
            )
            for dimension in DIMENSIONS
        },
        "campaigns": campaign_summary(scope, passes),
    }


def _steps(scope: Scope, options: ReportOptions) -> dict[str, StepTable]:
    """What to do next, from the planned reminders; rows beyond `row_limit` are left to CSV."""
    limit = options.row_limit
    return {
        "act_now": act_now(scope, options.ladder, options.tz, limit=limit),
        "every_step_passed": every_step_passed(scope, options.ladder, options.tz, limit=limit),
    }


def build_report(scope: Scope, options: ReportOptions) -> Report:
    """The report, each part from the cache while what it reads has not changed."""
    steps_key = (scope, options.ladder, options.tz, options.row_limit)
    return Report(
        scope=scope,
        **cached(("figures", scope, options), lambda: _figures(scope, options)),
        **cached_with_reminders(("steps", *steps_key), lambda: _steps(scope, options)),
    )
