"""The summary by campaign: letters, recipients and demands (won, partly met, rejected)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from tracker.extensions import db
from tracker.models import Campaign
from tracker.queries.dashboard.figures import WON_OUTCOMES
from tracker.queries.dashboard.passes import Passes, RecipientCounts, add_counts
from tracker.queries.dashboard.scope import Scope


@dataclass(frozen=True)
class CampaignRow:
    campaign_id: int | None
    name: str | None  # None: letters filed under no campaign
    letters: int
    expected: int
    answered: int
    awaiting: int
    overdue: int
    demands: int
    demands_won: int  # met or accepted
    demands_partly: int
    demands_rejected: int

    @property
    def answered_share(self) -> float | None:
        return self.answered / self.expected if self.expected else None


def _by_campaign(passes: Passes):
    letters: dict[int | None, int] = {}
    for group, count in passes.letters.items():
        letters[group.campaign_id] = letters.get(group.campaign_id, 0) + count
    recipients: dict[int | None, list[RecipientCounts]] = {}
    for group, counts in passes.recipients.items():
        recipients.setdefault(group.campaign_id, []).append(counts)
    demands: dict[int | None, dict[str, int]] = {}
    for (group, outcome), count in passes.demands.items():
        outcomes = demands.setdefault(group.campaign_id, {})
        outcomes[outcome] = outcomes.get(outcome, 0) + count
    overdue: dict[int | None, int] = {}
    for (campaign_id, _age), count in passes.overdue.items():
        overdue[campaign_id] = overdue.get(campaign_id, 0) + count
    return letters, recipients, demands, overdue


def campaign_summary(scope: Scope, passes: Passes | None = None) -> list[CampaignRow]:
    """Per campaign with letters in scope: letters, recipients and demands, most letters first."""
    letters, recipients, demands, overdue = _by_campaign(passes or Passes(scope))
    named = [key for key in letters if key is not None]
    names = dict(
        db.session.execute(select(Campaign.id, Campaign.name).where(Campaign.id.in_(named))).all()
    )
    rows = []
    for campaign_id, letter_count in letters.items():
        counts = add_counts(recipients.get(campaign_id, ()))
        outcomes = demands.get(campaign_id, {})
        rows.append(
            CampaignRow(
                campaign_id=campaign_id,
                name=names.get(campaign_id),
                letters=letter_count,
                expected=counts.expected,
                answered=counts.answered,
                awaiting=counts.awaiting,
                overdue=overdue.get(campaign_id, 0),
                demands=sum(outcomes.values()),
                demands_won=sum(outcomes.get(outcome, 0) for outcome in WON_OUTCOMES),
                demands_partly=outcomes.get("partially_met", 0),
                demands_rejected=outcomes.get("rejected", 0),
            )
        )
    # Most letters first, then by name; letters under no campaign after named ties.
    rows.sort(key=lambda row: (-row.letters, row.name is None, row.name or ""))
    return rows
