"""Compartments: groups of users, who may see a restricted campaign, and the audit of an
admin's look into one. Each public function is one audited transaction.

The rule itself (which letters a viewer sees) is `tracker.queries.access`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tracker.extensions import db
from tracker.models import Campaign, Group, Letter, User
from tracker.queries.access import granted_campaigns
from tracker.services.audit import Actor, record
from tracker.services.errors import ServiceError
from tracker.services.transaction import transaction

GROUP_NAME_MAX = 120


def _clean_group_name(name: str) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise ServiceError("Give the group a name.", fields={"name": "Give the group a name."})
    if len(cleaned) > GROUP_NAME_MAX:
        message = f"The name is too long (at most {GROUP_NAME_MAX} characters)."
        raise ServiceError(message, fields={"name": message})
    taken = db.session.scalar(
        select(Group.id).where(func.lower(Group.name) == cleaned.lower()).limit(1)
    )
    if taken is not None:
        message = f"A group named {cleaned} already exists."
        raise ServiceError(message, kind="conflict", fields={"name": message})
    return cleaned


def _name_taken(_error: IntegrityError) -> ServiceError:
    message = "A group of this name was saved meanwhile."
    return ServiceError(message, kind="conflict", fields={"name": message})


def _users(ids: Iterable[int]) -> list[User]:
    wanted = sorted(set(ids))
    users = list(db.session.scalars(select(User).where(User.id.in_(wanted)))) if wanted else []
    if len(users) != len(wanted):
        message = "One of the chosen users does not exist."
        raise ServiceError(message, fields={"members": message})
    return users


def _groups(ids: Iterable[int]) -> list[Group]:
    wanted = sorted(set(ids))
    groups = list(db.session.scalars(select(Group).where(Group.id.in_(wanted)))) if wanted else []
    if len(groups) != len(wanted):
        message = "One of the chosen groups does not exist."
        raise ServiceError(message, fields={"groups": message})
    return groups


def create_group(actor: Actor, name: str, member_ids: Iterable[int] = ()) -> Group:
    with transaction(on_integrity=_name_taken):
        group = Group(name=_clean_group_name(name), members=_users(member_ids))
        db.session.add(group)
        db.session.flush()
        record(
            actor,
            "group.create",
            entity_type="group",
            entity_id=group.id,
            summary=f"Group {group.name}",
            changes={"members": [[], sorted(user.email for user in group.members)]},
        )
    return group


def set_group_members(actor: Actor, group: Group, member_ids: Iterable[int]) -> Group:
    """Replace the group's members; whoever leaves loses what the group was granted."""
    with transaction():
        before = sorted(user.email for user in group.members)
        group.members = _users(member_ids)
        after = sorted(user.email for user in group.members)
        if before != after:
            record(
                actor,
                "group.members",
                entity_type="group",
                entity_id=group.id,
                summary=f"Group {group.name}",
                changes={"members": [before, after]},
            )
    return group


def set_campaign_access(
    actor: Actor,
    campaign: Campaign,
    *,
    restricted: bool,
    user_ids: Iterable[int],
    group_ids: Iterable[int],
) -> Campaign:
    """Restrict a campaign (or open it) and name the users and groups who may see it."""
    with transaction():
        before = {
            "restricted": campaign.restricted,
            "users": sorted(user.email for user in campaign.granted_users),
            "groups": sorted(group.name for group in campaign.granted_groups),
        }
        campaign.restricted = restricted
        campaign.granted_users = _users(user_ids)
        campaign.granted_groups = _groups(group_ids)
        after = {
            "restricted": campaign.restricted,
            "users": sorted(user.email for user in campaign.granted_users),
            "groups": sorted(group.name for group in campaign.granted_groups),
        }
        changes = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
        if changes:
            record(
                actor,
                "campaign.access",
                entity_type="campaign",
                entity_id=campaign.id,
                summary=f"Campaign {campaign.name}"
                + (" (restricted)" if restricted else " (open to all staff)"),
                changes=changes,
            )
    return campaign


def needs_view_audit(user: User, letter: Letter) -> bool:
    """An admin looking into a restricted campaign they are not granted: audited.

    Free for everyone else (no query), one query for an admin on a restricted letter.
    """
    campaign = letter.campaign
    if campaign is None or not campaign.restricted or user.role != "admin":
        return False
    return campaign.id not in granted_campaigns(user.id)


def record_restricted_view(actor: Actor, letter: Letter, what: str, now: datetime) -> None:
    """Keep in the audit trail that an admin opened a restricted letter (its page or a file)."""
    with transaction():
        record(
            actor,
            "letter.viewed_restricted",
            entity_type="letter",
            entity_id=letter.id,
            letter_id=letter.id,
            summary=f"{what} of letter {letter.reference} (campaign {letter.campaign.name})",
            at=now,
        )
