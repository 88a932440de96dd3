"""Letter intake: read an uploaded or pasted letter, propose its parts, save it once confirmed.

``read_upload`` / ``read_pasted`` extract the text, stage the original (see
``intake_staging``) and return the parser's proposal; nothing is written to the
database. ``match_officials`` proposes directory entries for the people found.
``confirm_intake`` takes what staff confirmed on the review screen and creates, in
one request, the officials to be added and the letter (through
``letters.create_letter``, with the original file as its upload), in ONE transaction:
should the letter be refused at the last step, the new officials go with it.

Refusals are ServiceErrors whose fields follow ReviewedLetter (``file``, ``text``,
``subject``, ``recipients[2].name``, ``recipients[0].official_id`` for the row's
choice of official); a message about the whole review has the key "".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import PurePath

from flask import current_app
from sqlalchemy import select

from tracker.domain.letter_parsing import ParsedLetter, parse_letter
from tracker.domain.letter_parsing.extraction import (
    UnreadableLetter,
    extract_pasted_text,
    extract_text,
)
from tracker.domain.official_matching import Match, match_official
from tracker.extensions import db
from tracker.models import Letter, Official
from tracker.services import directory, files
from tracker.services.audit import Actor
from tracker.services.errors import ServiceError
from tracker.services.intake import staging as intake_staging
from tracker.services.intake.staging import StagedLetter
from tracker.services.letters import (
    DemandInput,
    LetterInput,
    RecipientInput,
    create_letter,
    next_reference,
)
from tracker.services.letters.checks import check_letter
from tracker.services.transaction import transaction
from tracker.settings import organisation_today

__all__ = [
    "NewLetter",
    "ReviewedLetter",
    "ReviewedRecipient",
    "StagedLetter",
    "confirm_intake",
    "match_officials",
    "read_pasted",
    "read_upload",
    "saved_letter_id",
]

OFFICIAL_FIELD_MAX = 200


@dataclass(frozen=True)
class NewLetter:
    """A staged letter and the parser's proposal for it."""

    staged: StagedLetter
    parsed: ParsedLetter


# --- reading ------------------------------------------------------------------------


def _max_bytes() -> int:
    return current_app.config["MAX_UPLOAD_BYTES"]


def read_upload(user_id: int, filename: str, data: bytes, now: datetime) -> NewLetter:
    """Extract, stage and parse an uploaded letter file; ServiceError on the "file" field."""
    limit = _max_bytes()
    if len(data) > limit:
        raise ServiceError.invalid(
            {"file": f"The file is too large: at most {limit / 1_048_576:g} MB."}, too_large=True
        )
    name = files.safe_name(filename or "")
    try:
        extracted = extract_text(name, data, max_bytes=limit)
    except UnreadableLetter as error:
        raise ServiceError.invalid({"file": error.message}) from error
    parsed = parse_letter(extracted.text)
    staged = intake_staging.stage(user_id, parsed.source_text, extracted.kind, name, data, now)
    return NewLetter(staged, parsed)


def read_pasted(user_id: int, text: str, now: datetime) -> NewLetter:
    """Stage and parse pasted text; ServiceError on the "text" field."""
    try:
        extracted = extract_pasted_text(text or "")
    except UnreadableLetter as error:
        message = error.message if (text or "").strip() else "Paste the text of the letter."
        raise ServiceError.invalid({"text": message}) from None
    parsed = parse_letter(extracted.text)
    staged = intake_staging.stage(user_id, parsed.source_text, "pasted", None, None, now)
    return NewLetter(staged, parsed)


def saved_letter_id(key: str) -> int | None:
    """The letter a review was saved as, when it was submitted before."""
    return intake_staging.saved_letter_id(key) if intake_staging.is_key(key) else None


def load_staged(key: str, user_id: int) -> StagedLetter:
    """The staged letter under review, or a ServiceError when it is gone."""
    return intake_staging.load(key, user_id)


# --- matching -----------------------------------------------------------------------


def match_officials(names: Iterable[str]) -> tuple[list[Match], dict[int, Official]]:
    """A match per name, and the officials the matches name."""
    rows = db.session.execute(select(Official.id, Official.name))
    everyone = [(row.id, row.name) for row in rows]
    matches = [match_official(name, everyone) for name in names]
    return matches, officials_by_id({i for m in matches for i in m.official_ids})


def officials_by_id(ids: Iterable[int]) -> dict[int, Official]:
    wanted = set(ids)
    if not wanted:
        return {}
    found = db.session.scalars(select(Official).where(Official.id.in_(wanted)))
    return {official.id: official for official in found}


# --- confirming ---------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewedRecipient:
    """A recipient row as confirmed: an existing official, or one to create."""

    role: str
    official_id: int | None  # None: create a new official from the fields below
    name: str = ""
    title: str = ""
    institution: str = ""
    postal_address: str = ""


@dataclass(frozen=True)
class ReviewedLetter:
    key: str
    subject: str
    sent_on: date | None
    reference: str | None = None
    campaign_id: int | None = None
    channel: str = "email"
    signatories: str = ""
    response_window_days: int = 30
    business_days: bool = False
    recipients: tuple[ReviewedRecipient, ...] = ()
    demands: tuple[DemandInput, ...] = ()


def _original_upload(staged: StagedLetter, data: bytes | None) -> files.Upload | None:
    """The file to keep with the letter.

    The files service keeps PDF, DOCX and TXT only: an email is kept whole as text
    (``name.eml.txt``: headers, body and encoded attachments), which it almost always is;
    otherwise the letter's text is kept instead.
    """
    if data is None or staged.file_name is None:
        return None
    if staged.kind != "eml":
        return files.Upload(staged.file_name, data)
    as_text = files.Upload(f"{staged.file_name}.txt", data)
    try:
        files.check_upload(as_text, _max_bytes())
    except ServiceError:
        return files.Upload(f"{PurePath(staged.file_name).stem}.txt", staged.text.encode())
    return as_text


def _check_recipients(reviewed: ReviewedLetter) -> dict[str, str]:
    errors: dict[str, str] = {}
    existing = officials_by_id(r.official_id for r in reviewed.recipients if r.official_id)
    chosen: set[int] = set()
    new_names: set[str] = set()
    for index, row in enumerate(reviewed.recipients):
        prefix = f"recipients[{index}]."
        if row.official_id is not None:
            if row.official_id not in existing:
                errors[prefix + "official_id"] = "This official is no longer in the directory."
            elif row.official_id in chosen:
                errors[prefix + "official_id"] = "This official is already a recipient above."
            chosen.add(row.official_id)
            continue
        name = directory.clean_name(row.name)
        for field_name in ("name", "title", "institution"):
            if len(getattr(row, field_name).strip()) > OFFICIAL_FIELD_MAX:
                errors[prefix + field_name] = f"At most {OFFICIAL_FIELD_MAX} characters."
        if not name:
            errors[prefix + "name"] = "Give the official's name, or tick Remove."
        elif name.lower() in new_names:
            errors[prefix + "name"] = "This name is already a new official above."
        elif found := directory.find_official_by_name(name):
            errors[prefix + "official_id"] = (
                f"{found.name} is already in the directory: choose “use existing”."
            )
        new_names.add(name.lower())
    return errors


def _letter_input(
    reviewed: ReviewedLetter, owner_id: int, recipients: tuple[RecipientInput, ...]
) -> LetterInput:
    return LetterInput(
        subject=reviewed.subject,
        owner_id=owner_id,
        reference=reviewed.reference,
        campaign_id=reviewed.campaign_id,
        sent_on=reviewed.sent_on,
        channel=reviewed.channel,
        signatories=reviewed.signatories,
        response_window_days=reviewed.response_window_days,
        business_days=reviewed.business_days,
        recipients=recipients,
        demands=reviewed.demands,
    )


def _check_letter(
    reviewed: ReviewedLetter, owner_id: int, upload: files.Upload | None, now: datetime
) -> dict[str, str]:
    """Everything the letter service would refuse, recipients aside (some are not created)."""
    today = organisation_today(now)
    data = _letter_input(reviewed, owner_id, ())
    reference = (reviewed.reference or "").strip() or next_reference(today)
    try:
        check_letter(data, reference, None, today, upload, actor_id=owner_id)
    except ServiceError as error:
        return error.fields
    return {}


def _create_officials(actor: Actor, reviewed: ReviewedLetter) -> dict[int, int]:
    """The officials to add, by recipient row; inside the caller's transaction."""
    created: dict[int, int] = {}
    for index, row in enumerate(reviewed.recipients):
        if row.official_id is not None:
            continue
        try:
            official = directory.create_official(
                actor,
                name=row.name,
                title=row.title,
                institution=row.institution,
                postal_address=row.postal_address,
            )
        except ServiceError as error:
            field = next(iter(error.fields), "name")
            field = field if field in ("name", "title", "institution") else "name"
            raise ServiceError.invalid({f"recipients[{index}].{field}": error.message}) from error
        created[index] = official.id
    return created


def confirm_intake(actor: Actor, reviewed: ReviewedLetter, now: datetime) -> Letter:
    """Create the new officials and the letter with its original file, all in one
    transaction, or a ServiceError that leaves nothing behind.

    An EditConflict when the same review was submitted before: its `current` is the id
    of the letter saved then, or None while that request is still running.
    """
    owner_id = actor.user_id or -1
    intake_staging.claim(reviewed.key)
    try:
        staged = load_staged(reviewed.key, owner_id)
        upload = _original_upload(staged, staged.original())
        errors = _check_recipients(reviewed) | _check_letter(reviewed, owner_id, upload, now)
        if errors:
            raise ServiceError.invalid(errors)
        with transaction():
            created = _create_officials(actor, reviewed)
            recipients = tuple(
                RecipientInput(row.official_id or created[index], row.role)
                for index, row in enumerate(reviewed.recipients)
            )
            data = replace(_letter_input(reviewed, owner_id, recipients), body=staged.text)
            letter = create_letter(actor, data, now, upload)
    except BaseException:
        intake_staging.release(reviewed.key)
        raise
    intake_staging.mark_saved(reviewed.key, letter.id)
    return letter
