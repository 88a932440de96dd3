"""Officials and campaigns: create, edit, archive, with validation and audit."""

from __future__ import annotations

from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from tracker.domain.countries import is_country_code, normalise_country
from tracker.extensions import db
from tracker.models import Campaign, Official
from tracker.services.audit import Actor, apply_changes, record

NAME_MAX = 200
EMAIL_MAX = 254


class DirectoryError(ValueError):
    """A request about officials or campaigns that cannot be carried out; for the user."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class EditConflict(DirectoryError):
    """Someone saved the same record since the form was loaded (HTTP 409)."""

    def __init__(self, what: str) -> None:
        super().__init__(
            f"Someone else changed this {what} meanwhile. Your input is kept below; "
            "reload the page to see their version, then save again."
        )


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
        raise DirectoryError(f"{label} is too long (at most {limit} characters).", field)


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
        raise DirectoryError("Give the official's name.", "name")
    _check_length(values["name"], NAME_MAX, "name", "The name")
    _check_length(values["title"], NAME_MAX, "title", "The title")
    _check_length(values["institution"], NAME_MAX, "institution", "The institution")
    if values["country"] is not None and not is_country_code(values["country"]):
        raise DirectoryError(
            f"{values['country']!r} is not an ISO 3166-1 country code (two letters, e.g. FR).",
            "country",
        )
    if values["email"]:
        _check_length(values["email"], EMAIL_MAX, "email", "The email address")
        try:
            values["email"] = validate_email(values["email"], check_deliverability=False).normalized
        except EmailNotValidError as error:
            raise DirectoryError(f"This email address is not valid: {error}", "email") from error
    return values


def _refuse_duplicate_official(name: str, keep_id: int | None = None) -> None:
    existing = find_official_by_name(name)
    if existing is not None and existing.id != keep_id:
        raise DirectoryError(f"An official named {existing.name!r} already exists.", "name")


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
    """Validate, add, audit and commit a new official. Names are unique, ignoring case."""
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
    official = Official(**values)
    db.session.add(official)
    db.session.flush()
    record(
        actor,
        "official.create",
        entity_type="official",
        entity_id=official.id,
        summary=f"Added official {official.name}",
        changes={field: [None, value] for field, value in values.items() if value},
    )
    db.session.commit()
    return official


def _commit_or_conflict(what: str) -> None:
    try:
        db.session.commit()
    except StaleDataError as error:
        db.session.rollback()
        raise EditConflict(what) from error


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
        raise EditConflict("official")
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
    changes = apply_changes(official, values)
    if not changes:
        return official
    record(
        actor,
        "official.update",
        entity_type="official",
        entity_id=official.id,
        summary=f"Edited official {official.name}",
        changes=changes,
    )
    _commit_or_conflict("official")
    return official


def clean_campaign_values(name: str, description: str) -> dict[str, str]:
    values = {"name": clean_name(name), "description": (description or "").strip()}
    if not values["name"]:
        raise DirectoryError("Give the campaign a name.", "name")
    _check_length(values["name"], NAME_MAX, "name", "The name")
    return values


def _refuse_duplicate_campaign(name: str, keep_id: int | None = None) -> None:
    existing = db.session.scalar(
        select(Campaign).where(func.lower(Campaign.name) == name.lower()).limit(1)
    )
    if existing is not None and existing.id != keep_id:
        raise DirectoryError(f"A campaign named {existing.name!r} already exists.", "name")


def _commit_campaign() -> None:
    try:
        _commit_or_conflict("campaign")
    except IntegrityError as error:  # a concurrent create took the name
        db.session.rollback()
        raise DirectoryError("A campaign with this name already exists.", "name") from error


def create_campaign(actor: Actor, *, name: str, description: str = "") -> Campaign:
    values = clean_campaign_values(name, description)
    _refuse_duplicate_campaign(values["name"])
    campaign = Campaign(**values)
    db.session.add(campaign)
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        raise DirectoryError("A campaign with this name already exists.", "name") from error
    record(
        actor,
        "campaign.create",
        entity_type="campaign",
        entity_id=campaign.id,
        summary=f"Created campaign {campaign.name}",
        changes={field: [None, value] for field, value in values.items() if value},
    )
    _commit_campaign()
    return campaign


def update_campaign(
    actor: Actor, campaign: Campaign, *, name: str, description: str = "", expected_version: int
) -> Campaign:
    if campaign.version != expected_version:
        raise EditConflict("campaign")
    values = clean_campaign_values(name, description)
    _refuse_duplicate_campaign(values["name"], keep_id=campaign.id)
    changes = apply_changes(campaign, values)
    if not changes:
        return campaign
    record(
        actor,
        "campaign.update",
        entity_type="campaign",
        entity_id=campaign.id,
        summary=f"Edited campaign {campaign.name}",
        changes=changes,
    )
    _commit_campaign()
    return campaign


def set_campaign_archived(
    actor: Actor, campaign: Campaign, archived: bool, *, expected_version: int
) -> Campaign:
    if campaign.version != expected_version:
        raise EditConflict("campaign")
    if campaign.archived == archived:
        return campaign
    campaign.archived = archived
    record(
        actor,
        "campaign.archive" if archived else "campaign.unarchive",
        entity_type="campaign",
        entity_id=campaign.id,
        summary=f"{'Archived' if archived else 'Restored'} campaign {campaign.name}",
        changes={"archived": [not archived, archived]},
    )
    _commit_or_conflict("campaign")
    return campaign


def archive_campaign(actor: Actor, campaign: Campaign, *, expected_version: int) -> Campaign:
    return set_campaign_archived(actor, campaign, True, expected_version=expected_version)


def unarchive_campaign(actor: Actor, campaign: Campaign, *, expected_version: int) -> Campaign:
    return set_campaign_archived(actor, campaign, False, expected_version=expected_version)
