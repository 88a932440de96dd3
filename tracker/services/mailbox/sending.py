"""Sending a letter from Tracker: preview, queue (editors), and the one send.

A letter goes out once: queuing is a compare-and-set from "draft" (a second press
finds it queued), and the send is claimed with a lease in one committed UPDATE, as
the reminder sweep claims reminders (FOR UPDATE SKIP LOCKED on PostgreSQL, the write
lock on SQLite). A worker that dies mid-send leaves the claim to expire; the next
claim sends again with the same Message-ID, so the official's mail server and the
threading see one message. The sent time starts the recipients' clocks, except for an
address the server refused, whose delivery is marked failed.

A failed delivery can be sent again (`resend`): a send of its own (its own Message-ID,
the same letter, file and reply address) to that one recipient's current address in
the directory, queued, claimed and sent by the same machinery. When the server accepts
it, the recipient's clock counts from the resend (`domain.recipients.clock_start`).
Or staff dismiss the failure (`dismiss_failure`): it leaves the delivery problems.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import or_, select, update

from tracker import mail
from tracker.domain import ladder, mail_matching
from tracker.extensions import db
from tracker.models import Letter, LetterSend, MailDelivery, MailMessage
from tracker.services import at_rest
from tracker.services.audit import Actor, record
from tracker.services.errors import ServiceError
from tracker.services.followup import planning
from tracker.services.mailbox import applying, storage
from tracker.services.transaction import transaction
from tracker.settings import organisation_today

log = logging.getLogger(__name__)
ALREADY_SENDING = "This letter has already been sent, or is being sent."
ALREADY_RESENDING = "The letter is already being sent again to this recipient."


def _worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def send_record(letter: Letter) -> LetterSend:
    """The letter's send, created (as a draft) on first use; flushes, never commits."""
    existing = db.session.scalar(
        select(LetterSend).where(
            LetterSend.letter_id == letter.id, LetterSend.recipient_id.is_(None)
        )
    )
    if existing is not None:
        return existing
    created = LetterSend(
        letter=letter,
        reply_token=mail_matching.new_token(),
        message_id=mail.new_message_id("letter"),
        state="draft",
        attempts=0,
    )
    db.session.add(created)
    db.session.flush()
    return created


def reply_address(letter: Letter, send: LetterSend) -> str:
    base = current_app.config.get("TRACKER_REPLY_ADDRESS")
    if not base:
        return mail.one_line(current_app.config["MAIL_FROM"])
    return mail_matching.reply_address(base, letter.reference, send.reply_token)


def _addresses(letter: Letter, role: str) -> tuple[str, ...]:
    return tuple(r.official.email for r in letter.recipients if r.role == role and r.official.email)


def problems(letter: Letter) -> list[str]:
    found = []
    if letter.channel != "email":
        found.append("Only a letter sent by email can be sent from Tracker.")
    if letter.status == "closed":
        found.append("The letter is closed.")
    if not _addresses(letter, "to"):
        found.append("No addressee (“to”) has an email address: add one in Officials.")
    missing = [r.official.name for r in letter.recipients if not r.official.email]
    if missing:
        found.append(f"No email address for {', '.join(missing)}: they would not receive it.")
    return found


def compose(letter: Letter, send: LetterSend) -> mail.Email:
    attachments: tuple[tuple[str, str, bytes], ...] = ()
    if letter.file_key:
        path = Path(current_app.config["UPLOAD_PATH"]) / letter.file_key
        if path.is_file():
            attachments = (
                (letter.file_name or "letter", letter.file_type or "", at_rest.read(path)),
            )
    text = letter.body or f"Please find attached our letter “{letter.subject}”."
    if send.recipient is not None:
        # A resend: to that recipient's current address only; replies go where the
        # letter's replies go.
        to, cc = (send.recipient.official.email or "",), ()
        reply_to = reply_address(letter, send_record(letter))
    else:
        to, cc = _addresses(letter, "to"), _addresses(letter, "cc")
        reply_to = reply_address(letter, send)
    return mail.Email(
        sender=current_app.config["MAIL_FROM"],
        to=to,
        cc=cc,
        reply_to=reply_to,
        subject=mail.one_line(f"{letter.subject} [{letter.reference}]"),
        text=text,
        html=mail.render("letter.html", text=text, letter=letter),
        message_id=send.message_id,
        attachments=attachments,
        automatic=False,
    )


def preview(letter: Letter) -> tuple[LetterSend, mail.Email]:
    """The email as it will go out. Its send record (with the reply token and Message-ID)
    is committed here, so the send that follows uses the very address shown."""
    with transaction():
        send = send_record(letter)
        email = compose(letter, send)
    return send, email


def queue(actor: Actor, letter: Letter, now: datetime) -> LetterSend:
    """Ask for the letter to be sent; refused when it is already queued or sent."""
    found = problems(letter)
    if found:
        raise ServiceError(" ".join(found))
    with transaction(on_integrity=lambda _error: ServiceError(ALREADY_SENDING, kind="conflict")):
        send = send_record(letter)
        queued = db.session.execute(
            update(LetterSend)
            .where(LetterSend.id == send.id, LetterSend.state == "draft")
            .values(state="queued", queued_at=now, queued_by_id=actor.user_id, attempt_at=now)
        )
        if queued.rowcount == 0:
            raise ServiceError(ALREADY_SENDING, kind="conflict")
        summary = f"Asked Tracker to send {letter.reference} by email"
        record(actor, "letter.send_queued", entity_type="letter", entity_id=letter.id,
               letter_id=letter.id, summary=summary, at=now)  # fmt: skip
    return send


def resend(actor: Actor, delivery: MailDelivery, now: datetime) -> LetterSend:
    """Send the letter again to the recipient of a failed delivery, at the official's
    current address; refused while an earlier resend to them is still on its way."""
    recipient = delivery.recipient
    letter = recipient.letter
    official = recipient.official
    if delivery.state != "failed":
        raise ServiceError("This letter reached the recipient: there is nothing to send again.")
    if letter.status == "closed":
        raise ServiceError("The letter is closed.")
    if not official.email:
        raise ServiceError(f"{official.name} has no email address: add one in Officials.")
    with transaction(on_integrity=lambda _error: ServiceError(ALREADY_RESENDING, kind="conflict")):
        send = LetterSend(
            letter=letter,
            recipient=recipient,
            reply_token=mail_matching.new_token(),
            message_id=mail.new_message_id("letter"),
            state="queued",
            attempts=0,
            queued_at=now,
            queued_by_id=actor.user_id,
            attempt_at=now,
        )
        db.session.add(send)
        db.session.flush()
        record(actor, "letter.resend_queued", entity_type="recipient", entity_id=recipient.id,
               letter_id=letter.id, at=now,
               summary=f"Asked Tracker to send {letter.reference} again to {official.name} "
               f"<{official.email}> (it had failed for <{delivery.address}>)")  # fmt: skip
    return send


def dismiss_failure(actor: Actor, delivery: MailDelivery, now: datetime) -> None:
    """Acknowledge a failed delivery: it stays on the letter's page and leaves the problems."""
    recipient = delivery.recipient
    with transaction():
        done = db.session.execute(
            update(MailDelivery)
            .where(
                MailDelivery.id == delivery.id,
                MailDelivery.state == "failed",
                MailDelivery.dismissed_at.is_(None),
            )
            .values(dismissed_at=now, dismissed_by_id=actor.user_id)
        )
        if done.rowcount == 0:
            raise ServiceError("This delivery is not a problem any more.", kind="conflict")
        record(actor, "mail.delivery_dismissed", entity_type="recipient", entity_id=recipient.id,
               letter_id=recipient.letter_id, at=now,
               summary=f"Dismissed the failed delivery of {recipient.letter.reference} to "
               f"{recipient.official.name} <{delivery.address}>: {delivery.error}")  # fmt: skip
    db.session.expire(delivery)


def _claim(now: datetime, lease_until: datetime, worker: str):
    table = LetterSend.__table__
    due = or_(
        (table.c.state == "queued") & (table.c.attempt_at <= now),
        (table.c.state == "sending") & (table.c.lease_until <= now),
    )
    oldest = select(table.c.id).where(due).order_by(table.c.attempt_at).limit(1)
    if db.engine.dialect.name == "postgresql":
        oldest = oldest.with_for_update(skip_locked=True)
    statement = (
        update(table)
        .where(table.c.id == oldest.scalar_subquery(), due)
        .values(
            state="sending",
            attempts=table.c.attempts + 1,
            lease_until=lease_until,
            attempt_at=lease_until,
            claimed_by=worker,
        )
        .returning(table.c.id, table.c.attempts)
    )
    with db.engine.connect() as connection:
        claimed = connection.execute(statement).first()
        connection.commit()
    return claimed


def send_due(now: datetime, *, worker: str | None = None, limit: int = 20) -> int:
    """Send the queued letters (and those whose sender died); returns how many went out."""
    worker = worker or _worker()
    lease = timedelta(seconds=current_app.config["TRACKER_LEASE_SECONDS"])
    db.session.rollback()  # the claim opens its own transaction
    sent = 0
    for _ in range(limit):
        claimed = _claim(now, now + lease, worker)
        if claimed is None:
            break
        try:
            sent += _process(claimed.id, claimed.attempts, worker, now)
        except Exception:
            db.session.rollback()  # the claim stays; its lease runs out and it is tried again
            log.exception("letter send %s failed", claimed.id)
    return sent


def _process(send_id: int, attempts: int, worker: str, now: datetime) -> bool:
    send = db.session.get(LetterSend, send_id)
    assert send is not None
    letter = send.letter
    email = compose(letter, send)
    if not all(email.to):  # a resend whose official lost their address since it was queued
        delivery = mail.Delivery("fail", "No email address for this official any more.")
    else:
        with mail.Mailer() as mailer:
            delivery = mailer.deliver(email, now)
    db.session.refresh(send)
    if (send.state, send.claimed_by, send.attempts) != ("sending", worker, attempts):
        db.session.rollback()  # our lease ran out and someone else took over
        return False
    send.lease_until, send.claimed_by = None, None
    if delivery.outcome == "sent" and send.recipient is not None:
        _resent(letter, send, email, delivery, now)
    elif delivery.outcome == "sent":
        _sent(letter, send, email, delivery, now)
    elif delivery.outcome == "retry" and attempts < ladder.MAX_ATTEMPTS:
        send.state, send.last_error = "queued", delivery.error
        send.attempt_at = now + ladder.retry_delay(attempts)
    else:
        send.state, send.last_error = "failed", delivery.error
        for recipient in [send.recipient] if send.recipient else letter.recipients:
            if recipient.official.email:
                applying.mark_delivery_failed(
                    recipient, recipient.official.email, delivery.error, now
                )
    db.session.commit()
    return delivery.outcome == "sent"


def _keep_sent(letter: Letter, send: LetterSend, email: mail.Email, now: datetime) -> None:
    send.state, send.sent_at, send.last_error = "sent", now, ""
    raw = mail.to_message(email, now).as_bytes()
    db.session.add(
        MailMessage(
            direction="out", source="tracker", dedupe_key=f"out:{send.message_id}"[:300],
            message_id=send.message_id, from_address=mail.one_line(email.sender)[:254],
            to_addresses=", ".join(email.to), cc_addresses=", ".join(email.cc),
            subject=email.subject[:500], date_header=now, received_at=now,
            raw_key=storage.write(raw), raw_size=len(raw), kind="sent", state="sent",
            letter_id=letter.id,
        )
    )  # fmt: skip


def _sent(letter: Letter, send: LetterSend, email: mail.Email, delivery: mail.Delivery, now):
    _keep_sent(letter, send, email, now)
    # The sent date starts the clocks.
    letter.sent_on = organisation_today(now)
    if letter.status == "draft":
        letter.status = "sent"
    planning.restart_clocks(letter)
    planning.start_clocks(letter, letter.sent_on)
    refused = {address.lower(): reply for address, reply in delivery.refused.items()}
    for recipient in letter.recipients:
        address = (recipient.official.email or "").lower()
        if address in refused:
            applying.mark_delivery_failed(recipient, address, refused[address], now)
        elif address:
            db.session.add(MailDelivery(recipient=recipient, address=address, updated_at=now))
    planning.sync_letter_reminders(letter, now)
    record(Actor.system("mailbox"), "letter.sent_by_email", entity_type="letter",
           entity_id=letter.id, letter_id=letter.id,
           summary=f"Sent {letter.reference} by email to {', '.join(email.to + email.cc)}",
           at=now)  # fmt: skip


def _resent(letter: Letter, send: LetterSend, email: mail.Email, delivery: mail.Delivery, now):
    _keep_sent(letter, send, email, now)
    recipient = send.recipient
    assert recipient is not None
    address = email.to[0].lower()
    refused = {refused.lower(): reply for refused, reply in delivery.refused.items()}
    if address in refused:
        applying.mark_delivery_failed(recipient, address, refused[address], now)
        return
    reached = db.session.scalar(
        select(MailDelivery).where(MailDelivery.recipient_id == recipient.id)
    ) or MailDelivery(recipient=recipient)
    db.session.add(reached)
    reached.state, reached.address, reached.error = "delivered", address, ""
    reached.updated_at = now
    reached.dismissed_at = reached.dismissed_by_id = None
    # The resend starts this recipient's clock (planning counts it from `resent_on`).
    reached.resent_on = organisation_today(now)
    db.session.flush()
    planning.start_clocks(letter, reached.resent_on)
    planning.sync_recipient_reminders(recipient, now)
    record(Actor.system("mailbox"), "letter.resent_by_email", entity_type="recipient",
           entity_id=recipient.id, letter_id=letter.id, at=now,
           summary=f"Sent {letter.reference} again by email to {recipient.official.name} "
           f"<{address}>")  # fmt: skip
