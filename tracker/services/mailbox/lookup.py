"""What the database knows that a received message may point at, for the matching rules."""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from tracker.domain import mail_matching
from tracker.domain.mail_matching import Candidate, Decision, Incoming, Known
from tracker.domain.mail_reading import ParsedMail
from tracker.extensions import db
from tracker.models import Letter, LetterSend, MailMessage, Official, Recipient


def reply_base() -> str | None:
    return current_app.config.get("TRACKER_REPLY_ADDRESS") or None


def candidate(letter: Letter) -> Candidate:
    return Candidate(
        letter.id,
        letter.reference,
        tuple((r.id, (r.official.email or "").lower()) for r in letter.recipients),
        open=letter.status == "sent",
    )


def letters_by_id(ids: Iterable[int]) -> dict[int, Letter]:
    wanted = set(ids)
    if not wanted:
        return {}
    statement = (
        select(Letter)
        .where(Letter.id.in_(wanted))
        .options(selectinload(Letter.recipients).selectinload(Recipient.official))
    )
    return {letter.id: letter for letter in db.session.scalars(statement)}


def letter_by_reference(reference: str) -> Letter | None:
    """The letter staff name by its reference (any case), for attaching a message to it."""
    statement = (
        select(Letter)
        .where(func.upper(Letter.reference) == reference.strip().upper())
        .options(selectinload(Letter.recipients).selectinload(Recipient.official))
    )
    return db.session.scalars(statement).first()


def _by_token(parsed: ParsedMail) -> dict[str, int]:
    base = reply_base()
    tokens = {mail_matching.token_in(base, a) for a in parsed.delivered_to} if base else set()
    tokens.discard(None)
    if not tokens:
        return {}
    rows = db.session.execute(
        select(LetterSend.reply_token, LetterSend.letter_id).where(
            LetterSend.reply_token.in_(tokens)
        )
    )
    return {key: value for key, value in rows}


def sent_letter_ids(message_ids: Iterable[str]) -> dict[str, int]:
    """Message-IDs Tracker sent for a letter -> that letter."""
    ids = {message_id[:255] for message_id in message_ids}
    if not ids:
        return {}
    rows = db.session.execute(
        select(MailMessage.message_id, MailMessage.letter_id).where(
            MailMessage.direction == "out",
            MailMessage.message_id.in_(ids),
            MailMessage.letter_id.is_not(None),
        )
    )
    return {key: value for key, value in rows}


def _by_reference(subject: str) -> dict[str, int]:
    words = mail_matching.references_in(subject)
    words += [word.upper() for word in words]
    if not words:
        return {}
    rows = db.session.execute(
        select(Letter.reference, Letter.id).where(Letter.reference.in_(words))
    )
    return {key: value for key, value in rows}


def _by_sender(sender: str) -> list[int]:
    if not sender:
        return []
    statement = (
        select(Recipient.letter_id)
        .join(Official, Official.id == Recipient.official_id)
        .join(Letter, Letter.id == Recipient.letter_id)
        .where(func.lower(Official.email) == sender, Letter.status == "sent")
        .distinct()
        .limit(20)
    )
    return list(db.session.scalars(statement))


def known_for(parsed: ParsedMail) -> Known:
    tokens = _by_token(parsed)
    sent = sent_letter_ids((*parsed.in_reply_to, *parsed.references))
    references = _by_reference(parsed.subject)
    senders = _by_sender(parsed.from_address)
    letters = letters_by_id([*tokens.values(), *sent.values(), *references.values(), *senders])
    return Known(
        by_token={token: candidate(letters[i]) for token, i in tokens.items()},
        by_sent_message_id={mid: candidate(letters[i]) for mid, i in sent.items()},
        by_reference={ref: candidate(letters[i]) for ref, i in references.items()},
        by_sender=[candidate(letters[i]) for i in senders],
    )


def decide(parsed: ParsedMail) -> Decision:
    incoming = Incoming(
        sender=parsed.from_address,
        sender_trusted=mail_matching.sender_trusted(parsed.authentication_results),
        delivered_to=parsed.delivered_to,
        thread_ids=(*parsed.references, *parsed.in_reply_to),
        subject=parsed.subject,
    )
    return mail_matching.decide(incoming, known_for(parsed), reply_base())
