"""Validation of a letter before anything is written: every problem, each by its field.

Fields are named after LetterInput (`subject`, `recipients[0].official_id`,
`demands[2].text`); the web layer maps them to its form's inputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import func, select

from tracker.domain.bounds import DATE_RANGE_MESSAGE, date_in_range
from tracker.extensions import db
from tracker.models import (
    CHANNELS,
    RECIPIENT_ROLES,
    Campaign,
    DemandAnswer,
    Letter,
    Official,
    Recipient,
    Response,
    User,
)
from tracker.queries.access import visibility_of_user_id
from tracker.services import files
from tracker.services.errors import ServiceError

if TYPE_CHECKING:
    from tracker.services.letters import LetterInput

REFERENCE_MAX = 64
SUBJECT_MAX = 500
TITLE_MAX = 200
WINDOW_MAX_DAYS = 3650
FOLLOW_UP_CHAIN_MAX = 100


@dataclass(frozen=True)
class Resolved:
    """What the checked input refers to, loaded once."""

    reference: str
    officials: dict[int, Official]
    watchers: tuple[User, ...]


def _check_reference(reference: str, letter: Letter | None, errors: dict[str, str]) -> None:
    if not reference:
        errors["reference"] = "Give the letter a reference."
    elif len(reference) > REFERENCE_MAX:
        errors["reference"] = f"The reference is too long (at most {REFERENCE_MAX} characters)."
    else:
        taken = db.session.scalar(
            select(Letter.id).where(
                func.lower(Letter.reference) == reference.lower(),
                Letter.id != (letter.id if letter else -1),
            )
        )
        if taken:
            errors["reference"] = f"Another letter already has the reference {reference}."


def _check_campaign(data: LetterInput, actor_id: int | None, errors: dict[str, str]) -> None:
    """A campaign the acting user may see: a restricted one they are not granted is, to
    them, a campaign that does not exist (tracker.queries.access)."""
    if data.campaign_id is None:
        return
    campaign = db.session.get(Campaign, data.campaign_id)
    if campaign is None or (
        campaign.restricted and not visibility_of_user_id(actor_id).sees_campaign(campaign)
    ):
        errors["campaign_id"] = "This campaign does not exist."


def _check_fields(data: LetterInput, today: date, errors: dict[str, str]) -> None:
    subject = data.subject.strip()
    if not subject:
        errors["subject"] = "Give the letter a subject."
    elif len(subject) > SUBJECT_MAX:
        errors["subject"] = f"The subject is too long (at most {SUBJECT_MAX} characters)."
    if data.sent_on and data.sent_on > today:
        errors["sent_on"] = "The date sent cannot be in the future."
    elif not date_in_range(data.sent_on):
        errors["sent_on"] = DATE_RANGE_MESSAGE
    if data.channel not in CHANNELS:
        errors["channel"] = "Choose one of the listed channels."
    if not 0 <= data.response_window_days <= WINDOW_MAX_DAYS:
        errors["response_window_days"] = (
            f"The response window is between 0 and {WINDOW_MAX_DAYS} days."
        )
    owner = db.session.get(User, data.owner_id) if data.owner_id else None
    if owner is None or not owner.is_active:
        errors["owner_id"] = "Choose an active staff member as owner."


def _check_follows_up(data: LetterInput, letter: Letter | None, errors: dict[str, str]) -> None:
    if data.follows_up_id is None:
        return
    ancestor = db.session.get(Letter, data.follows_up_id)
    if ancestor is None:
        errors["follows_up_id"] = "The letter this one follows up does not exist."
        return
    for _ in range(FOLLOW_UP_CHAIN_MAX):
        if letter is not None and ancestor.id == letter.id:
            errors["follows_up_id"] = "A letter cannot follow up itself or its own follow-ups."
            return
        if ancestor.follows_up is None:
            return
        ancestor = ancestor.follows_up


def _load_watchers(ids: tuple[int, ...], errors: dict[str, str]) -> tuple[User, ...]:
    wanted = set(ids)
    found = db.session.scalars(select(User).where(User.id.in_(wanted))).all() if wanted else []
    if len(found) != len(wanted):
        errors["watcher_ids"] = "Some of the chosen watchers do not exist."
    return tuple(sorted(found, key=lambda user: user.id))


def _check_recipients(
    data: LetterInput, letter: Letter | None, errors: dict[str, str]
) -> dict[int, Official]:
    existing = {r.official_id: r for r in letter.recipients} if letter else {}
    ids = {item.official_id for item in data.recipients} | set(existing)
    officials = {
        official.id: official
        for official in db.session.scalars(select(Official).where(Official.id.in_(ids)))
    }
    seen: set[int] = set()
    for index, item in enumerate(data.recipients):
        prefix = f"recipients[{index}]."
        if item.official_id not in officials:
            errors[prefix + "official_id"] = "Unknown official: choose one from the list."
        elif item.official_id in seen:
            errors[prefix + "official_id"] = "This official is already a recipient."
        if item.role not in RECIPIENT_ROLES:
            errors[prefix + "role"] = "Choose to or cc."
        seen.add(item.official_id)
    removed = [existing[official_id] for official_id in set(existing) - seen]
    answered = _with_responses(removed)
    if answered:
        names = ", ".join(officials[r.official_id].name for r in answered)
        errors["recipients"] = (
            f"Responses from {names} are recorded: keep them as recipients of this letter."
        )
    return officials


def _with_responses(recipients: list[Recipient]) -> list[Recipient]:
    ids = [r.id for r in recipients if r.id is not None]
    if not ids:
        return []
    answered = set(
        db.session.scalars(select(Response.recipient_id).where(Response.recipient_id.in_(ids)))
    )
    return [r for r in recipients if r.id in answered]


def _check_demands(data: LetterInput, letter: Letter | None, errors: dict[str, str]) -> None:
    existing = {d.id: d for d in letter.demands} if letter else {}
    kept = set()
    for index, item in enumerate(data.demands):
        prefix = f"demands[{index}]."
        if not item.text.strip():
            errors[prefix + "text"] = "A demand needs its text; remove the row if it is not wanted."
        if len(item.title.strip()) > TITLE_MAX:
            errors[prefix + "title"] = f"The title is too long (at most {TITLE_MAX} characters)."
        if item.id is not None:
            if item.id not in existing:
                errors[prefix + "text"] = "This demand does not belong to this letter."
            kept.add(item.id)
    removed = set(existing) - kept
    if removed:
        answered = db.session.scalars(
            select(DemandAnswer.demand_id).where(DemandAnswer.demand_id.in_(removed)).limit(1)
        ).first()
        if answered is not None:
            errors["demands"] = (
                f"Demand “{existing[answered].title}” has answers recorded; it cannot be "
                "removed. Set its outcome to withdrawn instead."
            )


def check_letter(
    data: LetterInput,
    reference: str,
    letter: Letter | None,
    today: date,
    upload: files.Upload | None,
    *,
    actor_id: int | None,
) -> Resolved:
    """Every problem with the input at once, or what it refers to. `actor_id` is who
    acts (None: the system), for the campaigns they may file a letter into."""
    errors: dict[str, str] = {}
    _check_reference(reference, letter, errors)
    _check_fields(data, today, errors)
    _check_campaign(data, actor_id, errors)
    _check_follows_up(data, letter, errors)
    watchers = _load_watchers(data.watcher_ids, errors)
    officials = _check_recipients(data, letter, errors)
    _check_demands(data, letter, errors)
    too_large = False
    if upload is not None:
        try:
            files.check_upload(upload, current_app.config["MAX_UPLOAD_BYTES"])
        except ServiceError as rejected:
            errors["file"] = rejected.message
            too_large = rejected.kind == "too_large"
    if errors:
        raise ServiceError.invalid(errors, too_large=too_large)
    return Resolved(reference=reference, officials=officials, watchers=watchers)
