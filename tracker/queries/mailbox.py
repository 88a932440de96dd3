"""The read side of email: mailbox health, triage, replies to review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, true
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from tracker.extensions import db
from tracker.models import (
    Letter,
    LetterSend,
    MailboxStatus,
    MailDelivery,
    MailMessage,
    Recipient,
)
from tracker.queries.access import Visibility, letter_visible


@dataclass(frozen=True)
class MailboxHealth:
    mailbox: str
    ok: bool
    error: str
    checked_at: datetime
    last_ok_at: datetime | None


def mailbox_health() -> list[MailboxHealth]:
    rows = db.session.scalars(select(MailboxStatus).order_by(MailboxStatus.mailbox))
    return [
        MailboxHealth(row.mailbox, row.ok, row.error, row.checked_at, row.last_ok_at)
        for row in rows
    ]


def message_visible(visibility: Visibility):
    """On `MailMessage`: a message matched to a letter is seen by whom sees the letter;
    one matched to none by all staff."""
    if visibility.everything:
        return true()
    seen = select(Letter.id).where(letter_visible(visibility))
    return or_(MailMessage.letter_id.is_(None), MailMessage.letter_id.in_(seen))


def triage_queue(limit: int = 200, *, visibility: Visibility) -> list[MailMessage]:
    statement = (
        select(MailMessage)
        .where(
            MailMessage.direction == "in",
            MailMessage.state == "triage",
            message_visible(visibility),
        )
        .order_by(MailMessage.received_at.desc())
        .limit(limit)
    )
    return list(db.session.scalars(statement))


def replies_to_review(
    user_id: int | None = None, limit: int = 100, *, visibility: Visibility
) -> list[MailMessage]:
    """Replies waiting for review (on letters the viewer may see); with `user_id`, on
    letters that user owns or watches."""
    statement = (
        select(MailMessage)
        .where(MailMessage.review_state == "to_review", message_visible(visibility))
        .options(selectinload(MailMessage.recipient).selectinload(Recipient.official))
        .options(selectinload(MailMessage.letter))
        .order_by(MailMessage.received_at)
        .limit(limit)
    )
    if user_id is not None:
        watched = Letter.watchers.any(id=user_id)
        statement = statement.join(Letter, Letter.id == MailMessage.letter_id).where(
            or_(Letter.owner_id == user_id, watched)
        )
    return list(db.session.scalars(statement))


def messages_for_letter(letter_id: int) -> list[MailMessage]:
    statement = (
        select(MailMessage)
        .where(MailMessage.letter_id == letter_id, MailMessage.direction == "in")
        .order_by(MailMessage.received_at)
    )
    return list(db.session.scalars(statement))


def failed_deliveries(letter_id: int) -> dict[int, MailDelivery]:
    statement = (
        select(MailDelivery)
        .join(Recipient, Recipient.id == MailDelivery.recipient_id)
        .where(Recipient.letter_id == letter_id, MailDelivery.state == "failed")
    )
    return {row.recipient_id: row for row in db.session.scalars(statement)}


# A resend in one of these states is still on its way.
OPEN_SEND_STATES = ("draft", "queued", "sending")


@dataclass(frozen=True)
class FailedDelivery:
    id: int
    recipient: Recipient
    address: str
    error: str
    at: datetime
    dismissed_at: datetime | None
    # A resend to this recipient is queued or being sent.
    resending: bool


@dataclass(frozen=True)
class LetterMail:
    """What the letter page shows about email: its send, failed deliveries, replies."""

    send: LetterSend | None
    failed: list[FailedDelivery]
    to_review: list[MailMessage]
    # Not sent yet, by email, still open: "Send by email" leads to the preview.
    can_send: bool


def letter_mail(letter: Letter) -> LetterMail:
    """Three queries whatever the number of recipients; `letter.recipients` must be loaded."""
    recipients = {recipient.id: recipient for recipient in letter.recipients}
    sends = db.session.scalars(
        select(LetterSend).where(
            LetterSend.letter_id == letter.id,
            LetterSend.recipient_id.is_(None) | LetterSend.state.in_(OPEN_SEND_STATES),
        )
    ).all()
    send = next((row for row in sends if row.recipient_id is None), None)
    resending = {row.recipient_id for row in sends if row.recipient_id is not None}
    deliveries = db.session.scalars(
        select(MailDelivery)
        .where(MailDelivery.recipient_id.in_(recipients), MailDelivery.state == "failed")
        .order_by(MailDelivery.updated_at, MailDelivery.id)
    )
    failed = [
        FailedDelivery(
            row.id,
            recipients[row.recipient_id],
            row.address,
            row.error,
            row.updated_at,
            row.dismissed_at,
            row.recipient_id in resending,
        )
        for row in deliveries
    ]
    to_review = db.session.scalars(
        select(MailMessage)
        .where(MailMessage.letter_id == letter.id, MailMessage.review_state == "to_review")
        .order_by(MailMessage.received_at, MailMessage.id)
    ).all()
    # The recipient comes from the loaded letter rather than one query per message
    # (set as loaded, so the session sees no change to write).
    for message in to_review:
        set_committed_value(message, "recipient", recipients.get(message.recipient_id))
    can_send = (
        letter.channel == "email"
        and letter.status == "draft"
        and (send is None or send.state == "draft")
    )
    return LetterMail(send, failed, list(to_review), can_send)


def triage_count() -> int:
    return (
        db.session.scalar(
            select(func.count()).where(MailMessage.direction == "in", MailMessage.state == "triage")
        )
        or 0
    )
