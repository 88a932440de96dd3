"""Compartments: which letters a viewer may see, as one SQL predicate every read applies.

A letter is visible when it has no campaign, when its campaign is not restricted, when
the viewer is an admin, or when the viewer (directly, or through one of their groups) is
granted its restricted campaign. Pages, exports, searches, dashboards, file downloads
and the reminder sweep all read through `letter_visible` (or `campaign_visible` for a
list of campaigns), so a restricted campaign is kept out by the query, not the template.

A `Visibility` is a small hashable value: the dashboard's cache keys on it, so viewers
who see the same campaigns share one cached report and no one is served another's.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select, true, union
from sqlalchemy.sql.elements import ColumnElement

from tracker.extensions import db
from tracker.models import (
    Campaign,
    Letter,
    User,
    campaign_group_access,
    campaign_user_access,
    group_members,
)


@dataclass(frozen=True)
class Visibility:
    """Everything (admins, the system), or the unrestricted campaigns and `campaigns`."""

    everything: bool = False
    campaigns: frozenset[int] = frozenset()  # restricted campaigns this viewer is granted

    def sees_campaign(self, campaign: Campaign | None) -> bool:
        """The same rule on a loaded campaign (a letter's, already fetched)."""
        return (
            campaign is None
            or self.everything
            or not campaign.restricted
            or campaign.id in self.campaigns
        )


EVERYTHING = Visibility(everything=True)
# The default where no viewer is given: what everybody may see, nothing restricted.
UNRESTRICTED_ONLY = Visibility()


def _granted(user_ids) -> Select:
    """(user_id, campaign_id) for each grant, direct or through a group."""
    direct = select(campaign_user_access.c.user_id, campaign_user_access.c.campaign_id).where(
        campaign_user_access.c.user_id.in_(user_ids)
    )
    via_group = (
        select(group_members.c.user_id, campaign_group_access.c.campaign_id)
        .join(campaign_group_access, campaign_group_access.c.group_id == group_members.c.group_id)
        .where(group_members.c.user_id.in_(user_ids))
    )
    return union(direct, via_group)


def granted_campaigns(user_id: int) -> frozenset[int]:
    """The restricted campaigns granted to the user, directly or by a group (one query)."""
    grants = _granted([user_id]).subquery()
    ids = db.session.scalars(
        select(Campaign.id).where(
            Campaign.restricted.is_(True), Campaign.id.in_(select(grants.c.campaign_id))
        )
    )
    return frozenset(ids)


def visibility_of(user: User | None) -> Visibility:
    """What this user may see; admins everything (no query)."""
    if user is None:
        return UNRESTRICTED_ONLY
    if user.role == "admin":
        return EVERYTHING
    return Visibility(campaigns=granted_campaigns(user.id))


def visibility_of_user_id(user_id: int | None) -> Visibility:
    """For services acting for an actor: no user is the system (a command), which sees all."""
    if user_id is None:
        return EVERYTHING
    return visibility_of(db.session.get(User, user_id))


def campaign_visible(visibility: Visibility) -> ColumnElement[bool]:
    """On `Campaign`: the campaigns the viewer may see (and pick)."""
    if visibility.everything:
        return true()
    return or_(Campaign.restricted.is_(False), Campaign.id.in_(sorted(visibility.campaigns)))


def hidden_campaigns(visibility: Visibility) -> Select:
    """SELECT the ids of the restricted campaigns the viewer is not granted."""
    query = select(Campaign.id).where(Campaign.restricted.is_(True))
    if visibility.campaigns:
        query = query.where(Campaign.id.not_in(sorted(visibility.campaigns)))
    return query


def letter_visible(visibility: Visibility, campaign_id=None) -> ColumnElement[bool]:
    """On `Letter` (or any column holding a letter's campaign id): the letters the viewer
    may see. One predicate, inlined into the statement: no query of its own.

    Written as "not in a hidden campaign" on an expression of the column, so planners
    keep the index they chose for the page's own filters and order (SQLite would turn
    "no campaign, or a visible one" into a multi-index OR and sort the result).
    """
    if visibility.everything:
        return true()
    column = Letter.campaign_id if campaign_id is None else campaign_id
    return func.coalesce(column, 0).not_in(hidden_campaigns(visibility))


def letter_is_visible(visibility: Visibility, letter_id: int) -> bool:
    """One query: the letter exists and the viewer may see it."""
    return bool(
        db.session.scalar(
            select(Letter.id).where(Letter.id == letter_id, letter_visible(visibility))
        )
    )


def user_sees_campaign(user_id, role, campaign_id) -> ColumnElement[bool]:
    """The same rule the other way round, for the reminder sweep and digests: the user
    (`user_id` and `role` columns or values) may see letters of `campaign_id` (a column,
    a bound parameter or a scalar subquery; NULL for a letter with no campaign)."""
    restricted = (
        select(Campaign.id)
        .where(Campaign.id == campaign_id, Campaign.restricted.is_(True))
        .exists()
    )
    direct = select(campaign_user_access.c.user_id).where(
        campaign_user_access.c.campaign_id == campaign_id
    )
    via_group = (
        select(group_members.c.user_id)
        .join(campaign_group_access, campaign_group_access.c.group_id == group_members.c.group_id)
        .where(campaign_group_access.c.campaign_id == campaign_id)
    )
    return or_(role == "admin", ~restricted, user_id.in_(direct), user_id.in_(via_group))
