"""What a received message does once it is known which recipient it comes from.

- a reply becomes a reply "to review" on the recipient: it holds the recipient's
  reminders until an editor reviews it, and the letter's owner and watchers are told;
- an automatic reply records an acknowledgement and holds nothing;
- a delivery report marks the failed recipient's delivery failed and stops its clock.

Inside the caller's transaction: nothing here commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from tracker.domain import mail_matching
from tracker.domain.mail_reading import ParsedMail
from tracker.extensions import db
from tracker.models import MailDelivery, MailMessage, Recipient
from tracker.services.audit import Actor, record
from tracker.services.errors import ServiceError
from tracker.services.followup import planning
from tracker.services.mailbox import lookup, notify
from tracker.services.responses import ResponseInput, add_response
from tracker.settings import organisation_today

MAILBOX = Actor.system("mailbox")


def route(message: MailMessage, parsed: ParsedMail, now: datetime) -> None:
    """Match the message and act on it, or leave it in triage with the reason."""
    message.kind = mail_matching.kind_of(
        parsed.subject, parsed.auto_submitted, parsed.auto_reply_headers, parsed.is_delivery_report
    )
    if message.kind == "bounce":
        _bounce(message, parsed, now)
        return
    decision = lookup.decide(parsed)
    message.letter_id = decision.letter_id
    if not decision.matched:
        _to_triage(message, decision.reason)
        return
    recipient = db.session.get(Recipient, decision.recipient_id)
    assert recipient is not None and decision.rule is not None
    attach(message, recipient, decision.rule, now, MAILBOX)


def _to_triage(message: MailMessage, reason: str) -> None:
    message.state = "triage"
    message.problem = "\n".join(filter(None, [reason, message.problem]))


def attach(
    message: MailMessage, recipient: Recipient, rule: str, now: datetime, actor: Actor
) -> None:
    """Put the message on `recipient`, by `rule` (a matching rule, or "staff")."""
    message.state = "attached"
    message.letter_id = recipient.letter_id
    message.recipient = recipient
    message.matched_by = rule
    if message.kind == "auto_reply":
        try:
            message.response = add_response(
                actor, recipient.letter, _acknowledgement(message, recipient, now), now
            )
        except ServiceError as error:
            _to_triage(
                message, f"An automatic reply, but no acknowledgement could be recorded: {error}"
            )
            return
        message.review_state = "none"
    else:
        message.review_state = "to_review"
        notify.reply_received(message, recipient, now)
    db.session.flush()
    record(
        actor,
        "mail.attached",
        entity_type="mail_message",
        entity_id=message.id,
        letter_id=recipient.letter_id,
        summary=f"{'Automatic reply' if message.kind == 'auto_reply' else 'Reply'} from "
        f"{message.from_address or 'an unknown sender'} put on {recipient.official.name}"
        f" ({rule.replace('_', ' ')})",
        at=now,
    )


def _acknowledgement(message: MailMessage, recipient: Recipient, now: datetime) -> ResponseInput:
    return ResponseInput(
        recipient_id=recipient.id,
        received_on=organisation_today(message.date_header or now),
        kind="acknowledgement",
        channel="email",
        summary=f"Automatic reply: {message.subject}"[:500],
        body=message.body_text[:20_000],
    )


def _bounce(message: MailMessage, parsed: ParsedMail, now: datetime) -> None:
    letters = lookup.sent_letter_ids(parsed.reported_message_ids)
    failed: list[Recipient] = []
    for letter_id in set(letters.values()):
        letter_candidate = lookup.candidate(lookup.letters_by_id([letter_id])[letter_id])
        for failure in parsed.failures:
            recipient_id = mail_matching.bounce_recipient(failure.address, letter_candidate)
            if recipient_id is not None:
                recipient = db.session.get(Recipient, recipient_id)
                assert recipient is not None
                mark_delivery_failed(recipient, failure.address, _reason(failure), now)
                failed.append(recipient)
    if len(failed) != 1:
        message.letter_id = next(iter(letters.values()), None)
        _to_triage(
            message, "A delivery report that names no one recipient of a letter sent from Tracker."
        )
        if failed:
            message.problem = (
                f"A delivery report for {len(failed)} recipients; each is marked failed."
            )
        return
    message.state = "attached"
    message.letter_id = failed[0].letter_id
    message.recipient = failed[0]
    message.matched_by = "thread"


def _reason(failure) -> str:
    return " ".join(filter(None, [failure.status, failure.diagnostic]))[:1000] or "bounced"


def mark_delivery_failed(recipient: Recipient, address: str, error: str, now: datetime) -> None:
    """The letter never reached this recipient: record it and stop its clock."""
    delivery = db.session.scalar(
        select(MailDelivery).where(MailDelivery.recipient_id == recipient.id)
    )
    if delivery is None:
        delivery = MailDelivery(recipient=recipient, address=address)
        db.session.add(delivery)
    delivery.state, delivery.error, delivery.updated_at = "failed", error, now
    delivery.address = address
    delivery.dismissed_at = delivery.dismissed_by_id = None  # a new failure is a new problem
    # An address that never received the letter has no clock running (and later edits
    # keep it stopped: planning reads the delivery state, domain.recipients.clock_runs).
    recipient.due_on = recipient.paused_on = recipient.remaining_days = None
    planning.sync_recipient_reminders(recipient, now)
    record(
        MAILBOX,
        "mail.delivery_failed",
        entity_type="recipient",
        entity_id=recipient.id,
        letter_id=recipient.letter_id,
        summary=f"The letter did not reach {recipient.official.name} <{address}>: {error}",
        at=now,
    )
