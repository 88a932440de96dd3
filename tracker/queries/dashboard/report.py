"""Everything the dashboard and "My work" show, gathered with a fixed number of queries
and kept, per worker, until the next write (tracker.queries.dashboard.cache)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo

from tracker.domain.ladder import LadderStep
from tracker.queries.dashboard.act_now import StepTable, act_now, every_step_passed
from tracker.queries.dashboard.answers import AnswerTimes, answer_times
from tracker.queries.dashboard.cache import cached
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


def compute_report(scope: Scope, options: ReportOptions) -> Report:
    """About ten queries whatever the data size; rows beyond `row_limit` are left to CSV."""
    limit = options.row_limit
    passes = Passes(scope)  # each grouped query once, shared by the figures summed from it
    return Report(
        scope=scope,
        headline=headline(scope, passes),
        outcomes=demand_outcomes(scope, passes),
        trends=trends(scope, passes),
        answer_times=answer_times(scope, passes),
        act_now=act_now(scope, options.ladder, options.tz, limit=limit),
        every_step_passed=every_step_passed(scope, options.ladder, options.tz, limit=limit),
        whom={
            dimension: responsiveness(
                scope, dimension, options.min_sample, options.sort, options.descending, passes
            )
            for dimension in DIMENSIONS
        },
        campaigns=campaign_summary(scope, passes),
    )


def build_report(scope: Scope, options: ReportOptions) -> Report:
    return cached(("report", scope, options), lambda: compute_report(scope, options))
