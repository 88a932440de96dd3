"""Telling a letter's owner and watchers that a reply arrived: one email, once."""

from __future__ import annotations

import uuid
from datetime import datetime
from urllib.parse import urlsplit

from flask import current_app

from tracker import mail
from tracker.models import MailMessage, Recipient


def _message_id() -> str:
    host = urlsplit(current_app.config["TRACKER_BASE_URL"]).hostname or "localhost"
    return f"<reply-notice-{uuid.uuid4().hex}@{host}>"


def reply_received(message: MailMessage, recipient: Recipient, now: datetime) -> None:
    """Sent inside the transaction that takes the message, so it goes out once per message
    (a process killed between sending and committing sends it again on the next pass)."""
    letter = recipient.letter
    people = [letter.owner, *letter.watchers]
    addresses = tuple(dict.fromkeys(person.email for person in people if person.is_active_account))
    if not addresses:
        return
    base = current_app.config["TRACKER_BASE_URL"].rstrip("/")
    email = mail.compose(
        "reply_received",
        to=addresses,
        subject=f"Reply received from {recipient.official.name} ({letter.reference})",
        message_id=_message_id(),
        official=recipient.official.name,
        letter=letter,
        sender=message.from_address,
        subject_line=message.subject,
        review_url=f"{base}/mailbox/messages/{message.id}/review",
    )
    with mail.Mailer() as mailer:
        mailer.deliver(email, now)
