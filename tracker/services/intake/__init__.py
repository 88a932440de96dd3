"""Letter intake: read an uploaded or pasted letter, propose its parts, save it once confirmed.

``read_upload`` / ``read_pasted`` extract the text, stage the original (see
``intake_staging``) and return the parser's proposal; nothing is written to the
database. ``match_officials`` proposes directory entries for the people found.
``confirm_intake`` takes what staff confirmed on the review screen and creates, in
one request, the officials to be added and the letter (through
``letters.create_letter``, with the original file as its upload).

The directory service commits each official on its own, so everything that can be
checked is checked before the first write; should the letter still be refused, the
officials created so far are reported back (``IntakeError.created``) so that a
corrected resubmission uses them instead of creating them twice.
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
from tracker.services.intake import staging as intake_staging
from tracker.services.intake.staging import AlreadyClaimed, StagedLetter, StagingExpired
from tracker.services.letters import (
    DemandInput,
    LetterInput,
    RecipientInput,
    create_letter,
    next_reference,
)
from tracker.services.letters.checks import LetterError, check_letter
from tracker.settings import organisation_today

__all__ = [
    "AlreadyClaimed",
    "IntakeError",
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


class IntakeError(ValueError):
    """The letter cannot be read or saved as given.

    ``errors`` maps form fields ("file", "subject", "recipients-2-name", ...) to messages
    ("" for messages about the whole form); ``created`` maps recipient rows to the
    officials created before the letter was refused.
    """

    def __init__(
        self,
        errors: dict[str, str],
        *,
        too_large: bool = False,
        created: dict[int, int] | None = None,
    ) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = errors
        self.too_large = too_large
        self.created = created or {}


@dataclass(frozen=True)
class NewLetter:
    """A staged letter and the parser's proposal for it."""

    staged: StagedLetter
    parsed: ParsedLetter


# --- reading ------------------------------------------------------------------------


def _max_bytes() -> int:
    return current_app.config["MAX_UPLOAD_BYTES"]


def read_upload(user_id: int, filename: str, data: bytes, now: datetime) -> NewLetter:
    """Extract, stage and parse an uploaded letter file; IntakeError on the "file" field."""
    limit = _max_bytes()
    if len(data) > limit:
        raise IntakeError(
            {"file": f"The file is too large: at most {limit / 1_048_576:g} MB."}, too_large=True
        )
    name = files.safe_name(filename or "")
    try:
        extracted = extract_text(name, data, max_bytes=limit)
    except UnreadableLetter as error:
        raise IntakeError({"file": error.message}) from error
    parsed = parse_letter(extracted.text)
    staged = intake_staging.stage(user_id, parsed.source_text, extracted.kind, name, data, now)
    return NewLetter(staged, parsed)


def read_pasted(user_id: int, text: str, now: datetime) -> NewLetter:
    """Stage and parse pasted text; IntakeError on the "text" field."""
    try:
        extracted = extract_pasted_text(text or "")
    except UnreadableLetter as error:
        message = error.message if (text or "").strip() else "Paste the text of the letter."
        raise IntakeError({"text": message}) from None
    parsed = parse_letter(extracted.text)
    staged = intake_staging.stage(user_id, parsed.source_text, "pasted", None, None, now)
    return NewLetter(staged, parsed)


def saved_letter_id(key: str) -> int | None:
    """The letter a review was saved as, when it was submitted before."""
    return intake_staging.saved_letter_id(key) if intake_staging.is_key(key) else None


def load_staged(key: str, user_id: int) -> StagedLetter:
    try:
        return intake_staging.load(key, user_id)
    except StagingExpired as error:
        raise IntakeError({"": str(error)}) from error


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
    except files.FileRejected:
        return files.Upload(f"{PurePath(staged.file_name).stem}.txt", staged.text.encode())
    return as_text


def _check_recipients(reviewed: ReviewedLetter) -> dict[str, str]:
    errors: dict[str, str] = {}
    existing = officials_by_id(r.official_id for r in reviewed.recipients if r.official_id)
    chosen: set[int] = set()
    new_names: set[str] = set()
    for index, row in enumerate(reviewed.recipients):
        prefix = f"recipients-{index}-"
        if row.official_id is not None:
            if row.official_id not in existing:
                errors[prefix + "match"] = "This official is no longer in the directory."
            elif row.official_id in chosen:
                errors[prefix + "match"] = "This official is already a recipient above."
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
            errors[prefix + "match"] = (
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
        check_letter(data, reference, None, today, upload)
    except LetterError as error:
        return error.errors
    return {}


def _create_officials(actor: Actor, reviewed: ReviewedLetter, created: dict[int, int]) -> None:
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
        except directory.DirectoryError as error:
            field_name = error.field if error.field in ("name", "title", "institution") else "name"
            raise IntakeError({f"recipients-{index}-{field_name}": str(error)}) from error
        created[index] = official.id


def confirm_intake(actor: Actor, reviewed: ReviewedLetter, now: datetime) -> Letter:
    """Create the new officials and the letter with its original file, or IntakeError.

    AlreadyClaimed when the same review was submitted before (its `letter_id` is the
    letter saved then, or None while that request is still running).
    """
    owner_id = actor.user_id or -1
    try:
        intake_staging.claim(reviewed.key)
    except StagingExpired as error:
        raise IntakeError({"": str(error)}) from error
    created: dict[int, int] = {}
    try:
        staged = load_staged(reviewed.key, owner_id)
        upload = _original_upload(staged, staged.original())
        errors = _check_recipients(reviewed) | _check_letter(reviewed, owner_id, upload, now)
        if errors:
            raise IntakeError(errors)
        _create_officials(actor, reviewed, created)
        recipients = tuple(
            RecipientInput(row.official_id or created[index], row.role)
            for index, row in enumerate(reviewed.recipients)
        )
        data = replace(_letter_input(reviewed, owner_id, recipients), body=staged.text)
        try:
            letter = create_letter(actor, data, now, upload)
        except LetterError as error:
            raise IntakeError(error.errors, too_large=error.too_large) from error
    except IntakeError as error:
        intake_staging.release(reviewed.key)
        error.created = created
        raise
    except BaseException:
        intake_staging.release(reviewed.key)
        raise
    intake_staging.mark_saved(reviewed.key, letter.id)
    return letter
