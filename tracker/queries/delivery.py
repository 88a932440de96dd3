"""Delivery problems: every failed or long-retrying reminder and digest, and every letter
sent from Tracker that did not reach a recipient, for the admins' page and the owner's
count on My work. Reads only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, exists, or_, select

from tracker.extensions import db
from tracker.models import (
    Digest,
    DigestItem,
    Letter,
    LetterSend,
    MailDelivery,
    Official,
    Recipient,
    Reminder,
    User,
)
from tracker.queries.access import EVERYTHING, Visibility, letter_visible

# A send refused with 4xx for this long shows as a problem while it is still retried.
LONG_RETRY = timedelta(hours=1)


@dataclass(frozen=True)
class ReminderProblem:
    id: int
    letter_id: int
    reference: str
    official: str
    step: str
    state: str
    to: str  # the refused addresses, or whom it was for
    last_error: str
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None


@dataclass(frozen=True)
class DigestProblem:
    id: int
    to: str
    references: tuple[str, ...]
    state: str
    last_error: str
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None


@dataclass(frozen=True)
class LetterDeliveryProblem:
    id: int  # the delivery's
    letter_id: int
    reference: str
    official: str
    address: str  # the address it failed for
    current_address: str  # the official's address in the directory now: a resend goes there
    error: str
    at: datetime
    resending: bool


def is_problem(model, now: datetime) -> ColumnElement[bool]:
    """Failed, or refused with 4xx for LONG_RETRY and still being retried; not dismissed."""
    long_retrying = (model.state == "pending") & (model.retrying_since <= now - LONG_RETRY)
    return model.dismissed_at.is_(None) & or_(model.state == "failed", long_retrying)


def reminder_problems(
    now: datetime, owner_id: int | None = None, visibility: Visibility = EVERYTHING
) -> list[ReminderProblem]:
    """Newest answer first; only the letters `owner_id` owns, when given (and the viewer
    may see: the delivery page is for admins, who see everything)."""
    query = (
        select(Reminder, Letter.id, Letter.reference, Official.name, User.email)
        .join(Recipient, Recipient.id == Reminder.recipient_id)
        .join(Letter, Letter.id == Recipient.letter_id)
        .join(Official, Official.id == Recipient.official_id)
        .join(User, User.id == Letter.owner_id)
        .where(is_problem(Reminder, now), letter_visible(visibility))
        .order_by(Reminder.last_attempt_at.desc(), Reminder.id.desc())
    )
    if owner_id is not None:
        query = query.where(Letter.owner_id == owner_id)
    return [
        ReminderProblem(
            id=reminder.id,
            letter_id=letter_id,
            reference=reference,
            official=official,
            step=reminder.kind.replace("_", " "),
            state=reminder.state,
            to=reminder.refused_recipients or f"{owner} and the letter's watchers",
            last_error=reminder.last_error,
            last_attempt_at=reminder.last_attempt_at,
            next_attempt_at=reminder.attempt_at if reminder.state == "pending" else None,
        )
        for reminder, letter_id, reference, official, owner in db.session.execute(query)
    ]


def digest_problems(now: datetime) -> list[DigestProblem]:
    rows = db.session.execute(
        select(Digest, User.email)
        .join(User, User.id == Digest.user_id)
        .where(is_problem(Digest, now))
        .order_by(Digest.last_attempt_at.desc(), Digest.id.desc())
    ).all()
    references: dict[int, list[str]] = {digest.id: [] for digest, _email in rows}
    if references:
        for digest_id, reference in db.session.execute(
            select(DigestItem.digest_id, Letter.reference)
            .join(Reminder, Reminder.id == DigestItem.reminder_id)
            .join(Recipient, Recipient.id == Reminder.recipient_id)
            .join(Letter, Letter.id == Recipient.letter_id)
            .where(DigestItem.digest_id.in_(list(references)))
            .distinct()
            .order_by(Letter.reference)
        ):
            references[digest_id].append(reference)
    return [
        DigestProblem(
            id=digest.id,
            to=email,
            references=tuple(references[digest.id]),
            state=digest.state,
            last_error=digest.last_error,
            last_attempt_at=digest.last_attempt_at,
            next_attempt_at=digest.attempt_at if digest.state == "pending" else None,
        )
        for digest, email in rows
    ]


def letter_delivery_problems(
    owner_id: int | None = None, visibility: Visibility = EVERYTHING
) -> list[LetterDeliveryProblem]:
    """Letters sent from Tracker that never reached a recipient (refused or bounced), not
    dismissed; newest first; only the letters `owner_id` owns, when given."""
    resending = exists().where(
        LetterSend.recipient_id == MailDelivery.recipient_id,
        LetterSend.state.in_(("draft", "queued", "sending")),
    )
    query = (
        select(MailDelivery, Letter.id, Letter.reference, Official.name, Official.email, resending)
        .join(Recipient, Recipient.id == MailDelivery.recipient_id)
        .join(Letter, Letter.id == Recipient.letter_id)
        .join(Official, Official.id == Recipient.official_id)
        .where(
            MailDelivery.state == "failed",
            MailDelivery.dismissed_at.is_(None),
            letter_visible(visibility),
        )
        .order_by(MailDelivery.updated_at.desc(), MailDelivery.id.desc())
    )
    if owner_id is not None:
        query = query.where(Letter.owner_id == owner_id)
    return [
        LetterDeliveryProblem(
            id=row.id,
            letter_id=letter_id,
            reference=reference,
            official=official,
            address=row.address,
            current_address=email or "",
            error=row.error,
            at=row.updated_at,
            resending=bool(is_resending),
        )
        for row, letter_id, reference, official, email, is_resending in db.session.execute(query)
    ]
