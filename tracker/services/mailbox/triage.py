"""Staff decisions on received messages: attach, dismiss, review, upload; each is one
transaction (an upload is `intake.take`'s, the same as a fetched message's)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from tracker.extensions import db
from tracker.models import MailMessage, Recipient
from tracker.queries.access import letter_is_visible, visibility_of_user_id
from tracker.services.audit import Actor, record
from tracker.services.errors import ServiceError
from tracker.services.mailbox import applying, intake
from tracker.services.responses import ResponseInput, add_response
from tracker.services.transaction import transaction

DISMISSALS = {"not_reply": "not a reply", "spam": "spam"}
MAX_UPLOAD = 25 * 1024 * 1024
CHANGED_MEANWHILE = "Someone changed this recipient meanwhile. Check and review again."


def upload(raw: bytes, now: datetime) -> intake.Taken:
    if not raw.strip():
        raise ServiceError("The file is empty.")
    if len(raw) > MAX_UPLOAD:
        raise ServiceError("The file is too large (at most 25 MB).", kind="too_large")
    return intake.take_safely(raw, now, source="upload")


def attach(actor: Actor, message: MailMessage, recipient_id: int, now: datetime) -> None:
    with transaction():
        if message.state != "triage":
            raise ServiceError("This message has already been dealt with.", kind="conflict")
        recipient = db.session.get(Recipient, recipient_id)
        if recipient is None or not letter_is_visible(
            visibility_of_user_id(actor.user_id), recipient.letter_id
        ):
            raise ServiceError("Choose one of the letter's recipients.")
        applying.attach(message, recipient, "staff", now, actor)
        message.decided_by_id, message.decided_at = actor.user_id, now


def dismiss(actor: Actor, message: MailMessage, state: str, now: datetime) -> None:
    if state not in DISMISSALS:
        raise ServiceError("Choose “not a reply” or “spam”.")
    if message.state != "triage":
        raise ServiceError("This message has already been dealt with.", kind="conflict")
    with transaction():
        message.state, message.decided_by_id, message.decided_at = state, actor.user_id, now
        record(actor, "mail.dismissed", entity_type="mail_message", entity_id=message.id,
               summary=f"Marked a message from {message.from_address} as {DISMISSALS[state]}",
               at=now)  # fmt: skip


def review(actor: Actor, message: MailMessage, data: ResponseInput, now: datetime):
    """Record the editor's reading of a reply as a response; releases the held reminders.

    One transaction: the reply is taken by a compare-and-set (a second editor finds it
    reviewed: a conflict), and a response the service refuses undoes the taking, so the
    reply waits for review again."""
    with transaction(conflict_message=CHANGED_MEANWHILE):
        taken = db.session.execute(
            update(MailMessage)
            .where(MailMessage.id == message.id, MailMessage.review_state == "to_review")
            .values(review_state="reviewed", decided_by_id=actor.user_id, decided_at=now)
        )
        if taken.rowcount == 0:
            raise ServiceError("This reply has already been reviewed.", kind="conflict")
        db.session.refresh(message)
        assert message.recipient is not None
        response = add_response(actor, message.recipient.letter, data, now)
        message.response = response
    return response
