"""Taking one received message: store it once, match it, act on it, in one transaction.

Exactly once: the first statement of the transaction inserts the message's row, whose
unique keys are the mailbox's (UIDVALIDITY, UID) and the message's own identity
(Message-ID, sender, subject, date; the raw bytes' SHA-256 when there is no
Message-ID). A second process taking the same message waits on that insert (the
PostgreSQL unique index, the SQLite write lock) and then finds it taken. A process
killed before committing leaves nothing, so the next pass takes the message again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from flask import current_app
from sqlalchemy.exc import IntegrityError

from tracker.domain import mail_files, mail_reading
from tracker.domain.mail_reading import ParsedMail
from tracker.extensions import db
from tracker.models import MailAttachment, MailMessage
from tracker.services.mailbox import applying, storage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Origin:
    """Where in a mailbox the message was: the server's identity of it."""

    mailbox: str
    uidvalidity: int
    uid: int


@dataclass(frozen=True)
class Taken:
    outcome: Literal["taken", "duplicate"]
    message_id: int | None = None


def dedupe_key(parsed: ParsedMail, raw: bytes) -> str:
    """The same message delivered twice (to two of our addresses) has one key."""
    if not parsed.message_id:
        return f"in:raw:{mail_reading.sha256(raw)}"
    when = parsed.date.isoformat() if parsed.date else ""
    basis = "\n".join([parsed.message_id, parsed.from_address, parsed.subject, when])
    return f"in:{mail_reading.sha256(basis.encode())}"


def _row(parsed: ParsedMail, raw: bytes, raw_key: str, source: str, origin: Origin | None, now):
    return MailMessage(
        direction="in",
        source=source,
        dedupe_key=dedupe_key(parsed, raw),
        mailbox=origin and origin.mailbox,
        uidvalidity=origin and origin.uidvalidity,
        uid=origin and origin.uid,
        message_id=parsed.message_id[:255],
        in_reply_to=" ".join(parsed.in_reply_to),
        thread_references=" ".join(parsed.references),
        from_address=parsed.from_address,
        from_name=parsed.from_name,
        to_addresses=", ".join(parsed.to),
        cc_addresses=", ".join(parsed.cc),
        subject=parsed.subject,
        date_header=parsed.date,
        received_at=now,
        raw_key=raw_key,
        raw_size=len(raw),
        raw_sha256=mail_reading.sha256(raw),
        body_text=parsed.text,
        problem="\n".join(parsed.problems),
        state="triage",
    )


def _insert(row: MailMessage, raw_key: str) -> bool:
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        storage.remove(raw_key)
        return False
    return True


def _store_attachments(message: MailMessage, parsed: ParsedMail) -> list[str]:
    keys = []
    for position, attachment in enumerate(mail_reading.kept_attachments(parsed), start=1):
        key = storage.write(attachment.data)
        keys.append(key)
        message.attachments.append(
            MailAttachment(
                position=position,
                file_name=attachment.name,
                declared_type=attachment.declared_type,
                detected_type=mail_files.detect_type(attachment.data),
                size=len(attachment.data),
                file_key=key,
                problem=mail_files.mismatch(
                    attachment.name, attachment.declared_type, attachment.data
                ),
            )
        )
    return keys


def take(
    raw: bytes,
    now: datetime,
    *,
    source: str = "imap",
    origin: Origin | None = None,
    refused: str = "",
) -> Taken:
    """Store, match and act on one message; commits. `refused` (e.g. too large): the
    message goes to triage with that reason and is not matched."""
    parsed = mail_reading.read_message(raw, current_app.config["INBOUND_MAX_ATTACHMENTS"])
    db.session.rollback()  # the insert below must open the transaction
    raw_key = storage.write(raw)
    row = _row(parsed, raw, raw_key, source, origin, now)
    if not _insert(row, raw_key):
        return Taken("duplicate")
    keys = [raw_key]
    try:
        if refused:
            row.problem = "\n".join(filter(None, [refused, row.problem]))
        else:
            keys += _store_attachments(row, parsed)
            applying.route(row, parsed, now)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        storage.remove(*keys)
        raise
    return Taken("taken", row.id)


def take_safely(raw: bytes, now: datetime, **where) -> Taken:
    """`take`, and when Tracker itself fails on the message, keep it for triage anyway."""
    try:
        return take(raw, now, **where)
    except Exception as error:
        log.exception("message could not be processed; kept for triage: %s", error)
        reason = f"Tracker could not process this message ({type(error).__name__}); kept as is."
        return take(raw, now, refused=reason, **where)
