"""Officials and campaigns: create, edit, archive, with validation and audit.

Each function is one transaction; bad input raises ServiceError with the message on
the field it concerns (`name`, `title`, `email`, ...), a stale version EditConflict.
"""

from __future__ import annotations

from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tracker.domain.countries import is_country_code, normalise_country
from tracker.extensions import db
from tracker.models import Campaign, Official
from tracker.services.audit import Actor, apply_changes, record
from tracker.services.errors import EditConflict, ServiceError
from tracker.services.transaction import transaction

NAME_MAX = 200
EMAIL_MAX = 254


def _refused(message: str, field: str) -> ServiceError:
    return ServiceError(message, fields={field: message})


def _conflict_message(what: str) -> str:
    return (
        f"Someone else changed this {what} meanwhile. Your input is kept below; "
        "reload the page to see their version, then save again."
    )


def _conflict(record_: Official | Campaign, what: str) -> EditConflict:
    """Someone saved the same record since the form was loaded."""
    return EditConflict(record_, _conflict_message(what))


def clean_name(name: str) -> str:
    """Names compare case-insensitively and with runs of spaces collapsed."""
    return " ".join((name or "").split())


def find_official_by_name(name: str) -> Official | None:
    return db.session.scalar(
        select(Official)
        .where(func.lower(Official.name) == clean_name(name).lower())
        .order_by(Official.id)
        .limit(1)
    )


def _check_length(value: str, limit: int, field: str, label: str) -> None:
    if len(value) > limit:
        raise _refused(f"{label} is too long (at most {limit} characters).", field)


def clean_official_values(
    *,
    name: str,
    title: str,
    institution: str,
    country: str | None,
    email: str,
    postal_address: str,
    notes: str,
) -> dict[str, Any]:
    values = {
        "name": clean_name(name),
        "title": (title or "").strip(),
        "institution": (institution or "").strip(),
        "country": normalise_country(country),
        "email": (email or "").strip(),
        "postal_address": (postal_address or "").strip(),
        "notes": (notes or "").strip(),
    }
    if not values["name"]:
        raise _refused("Give the official's name.", "name")
    _check_length(values["name"], NAME_MAX, "name", "The name")
    _check_length(values["title"], NAME_MAX, "title", "The title")
    _check_length(values["institution"], NAME_MAX, "institution", "The institution")
    if values["country"] is not None and not is_country_code(values["country"]):
        raise _refused(
            f"{values['country']!r} is not an ISO 3166-1 country code (two letters, e.g. FR).",
            "country",
        )
    if values["email"]:
        _check_length(values["email"], EMAIL_MAX, "email", "The email address")
        try:
            values["email"] = validate_email(values["email"], check_deliverability=False).normalized
        except EmailNotValidError as error:
            raise _refused(f"This email address is not valid: {error}", "email") from error
    return values


def _refuse_duplicate_official(name: str, keep_id: int | None = None) -> None:
    existing = find_official_by_name(name)
    if existing is not None and existing.id != keep_id:
        raise _refused(f"An official named {existing.name!r} already exists.", "name")


def create_official(
    actor: Actor,
    *,
    name: str,
    title: str = "",
    institution: str = "",
    country: str | None = None,
    email: str = "",
    postal_address: str = "",
    notes: str = "",
) -> Official:
    """Validate, add and audit a new official. Names are unique, ignoring case."""
    values = clean_official_values(
        name=name,
        title=title,
        institution=institution,
        country=country,
        email=email,
        postal_address=postal_address,
        notes=notes,
    )
    _refuse_duplicate_official(values["name"])
    with transaction():
        official = Official(**values)
        _add_audited(actor, official, "official", values, f"Added official {official.name}")
    return official


def update_official(
    actor: Actor,
    official: Official,
    *,
    name: str,
    title: str = "",
    institution: str = "",
    country: str | None = None,
    email: str = "",
    postal_address: str = "",
    notes: str = "",
    expected_version: int,
) -> Official:
    """Save an edit made on a form loaded at `expected_version`; a stale one is refused."""
    if official.version != expected_version:
        raise _conflict(official, "official")
    values = clean_official_values(
        name=name,
        title=title,
        institution=institution,
        country=country,
        email=email,
        postal_address=postal_address,
        notes=notes,
    )
    _refuse_duplicate_official(values["name"], keep_id=official.id)
    with _edit(official, "official"):
        _apply_audited(actor, official, "official", values)
    return official


def clean_campaign_values(name: str, description: str) -> dict[str, str]:
    values = {"name": clean_name(name), "description": (description or "").strip()}
    if not values["name"]:
        raise _refused("Give the campaign a name.", "name")
    _check_length(values["name"], NAME_MAX, "name", "The name")
    return values


def _refuse_duplicate_campaign(name: str, keep_id: int | None = None) -> None:
    existing = db.session.scalar(
        select(Campaign).where(func.lower(Campaign.name) == name.lower()).limit(1)
    )
    if existing is not None and existing.id != keep_id:
        raise _refused(f"A campaign named {existing.name!r} already exists.", "name")


def _name_taken(_error: IntegrityError) -> ServiceError:
    """The unique name is the campaign's only constraint a concurrent save can break."""
    return _refused("A campaign with this name already exists.", "name")


def _edit(record_: Official | Campaign, what: str):
    """The transaction of an edit: a stale version or a name taken meanwhile is refused."""
    return transaction(
        current=record_,
        conflict_message=_conflict_message(what),
        on_integrity=_name_taken if isinstance(record_, Campaign) else None,
    )


def _add_audited(
    actor: Actor, row: Official | Campaign, entity: str, values: dict[str, Any], summary: str
) -> None:
    """Add a new official or campaign and audit its non-empty values; flushes only."""
    db.session.add(row)
    db.session.flush()
    record(
        actor,
        f"{entity}.create",
        entity_type=entity,
        entity_id=row.id,
        summary=summary,
        changes={field: [None, value] for field, value in values.items() if value},
    )


def _apply_audited(
    actor: Actor, row: Official | Campaign, entity: str, values: dict[str, Any]
) -> None:
    """Apply new values to an official or campaign and audit what changed; flushes only."""
    changes = apply_changes(row, values)
    if changes:
        record(
            actor,
            f"{entity}.update",
            entity_type=entity,
            entity_id=row.id,
            summary=f"Edited {entity} {row.name}",
            changes=changes,
        )


def create_campaign(actor: Actor, *, name: str, description: str = "") -> Campaign:
    values = clean_campaign_values(name, description)
    _refuse_duplicate_campaign(values["name"])
    with transaction(on_integrity=_name_taken):
        campaign = Campaign(**values)
        _add_audited(actor, campaign, "campaign", values, f"Created campaign {campaign.name}")
    return campaign


def update_campaign(
    actor: Actor, campaign: Campaign, *, name: str, description: str = "", expected_version: int
) -> Campaign:
    if campaign.version != expected_version:
        raise _conflict(campaign, "campaign")
    values = clean_campaign_values(name, description)
    _refuse_duplicate_campaign(values["name"], keep_id=campaign.id)
    with _edit(campaign, "campaign"):
        _apply_audited(actor, campaign, "campaign", values)
    return campaign


def set_campaign_archived(
    actor: Actor, campaign: Campaign, archived: bool, *, expected_version: int
) -> Campaign:
    if campaign.version != expected_version:
        raise _conflict(campaign, "campaign")
    if campaign.archived == archived:
        return campaign
    with _edit(campaign, "campaign"):
        campaign.archived = archived
        record(
            actor,
            "campaign.archive" if archived else "campaign.unarchive",
            entity_type="campaign",
            entity_id=campaign.id,
            summary=f"{'Archived' if archived else 'Restored'} campaign {campaign.name}",
            changes={"archived": [not archived, archived]},
        )
    return campaign


def archive_campaign(actor: Actor, campaign: Campaign, *, expected_version: int) -> Campaign:
    return set_campaign_archived(actor, campaign, True, expected_version=expected_version)


def unarchive_campaign(actor: Actor, campaign: Campaign, *, expected_version: int) -> Campaign:
    return set_campaign_archived(actor, campaign, False, expected_version=expected_version)
