"""The read side of email: mailbox health, triage, replies to review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from tracker.extensions import db
from tracker.models import Letter, MailboxStatus, MailDelivery, MailMessage, Recipient


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


def triage_queue(limit: int = 200) -> list[MailMessage]:
    statement = (
        select(MailMessage)
        .where(MailMessage.direction == "in", MailMessage.state == "triage")
        .order_by(MailMessage.received_at.desc())
        .limit(limit)
    )
    return list(db.session.scalars(statement))


def replies_to_review(user_id: int | None = None, limit: int = 100) -> list[MailMessage]:
    """Replies waiting for review; with `user_id`, on letters that user owns or watches."""
    statement = (
        select(MailMessage)
        .where(MailMessage.review_state == "to_review")
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


def triage_count() -> int:
    return (
        db.session.scalar(
            select(func.count()).where(MailMessage.direction == "in", MailMessage.state == "triage")
        )
        or 0
    )
