"""Email that Tracker sent or received for letters: messages, attachments, sends, deliveries.

The raw message is kept as a file outside the web root (MAIL_STORE_PATH, owner-only);
these rows hold what matching, triage and review need, and the key of that file.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db
from tracker.models.letters import Letter, Recipient
from tracker.models.responses import Response
from tracker.models.types import UTCDateTime, one_of, utcnow
from tracker.models.users import User

MAIL_DIRECTIONS = ("in", "out")
MAIL_SOURCES = ("imap", "upload", "tracker")
# What the message is: an answer from a person, an automatic reply, a delivery report.
MAIL_KINDS = ("reply", "auto_reply", "bounce", "sent")
# triage: an editor must decide; attached: on a recipient; the rest: dismissed by staff.
MAIL_STATES = ("triage", "attached", "not_reply", "spam", "sent")
MATCH_RULES = ("reply_address", "thread", "subject_reference", "sender", "staff")
# A reply attached to a recipient waits for an editor's review; until then it holds
# the recipient's reminders.
REVIEW_STATES = ("none", "to_review", "reviewed")
SEND_STATES = ("draft", "queued", "sending", "sent", "failed")
DELIVERY_STATES = ("delivered", "failed")


class MailMessage(db.Model):
    __tablename__ = "mail_messages"
    __table_args__ = (
        one_of("direction", MAIL_DIRECTIONS, "direction"),
        one_of("source", MAIL_SOURCES, "source"),
        one_of("kind", MAIL_KINDS, "kind"),
        one_of("state", MAIL_STATES, "state"),
        one_of("review_state", REVIEW_STATES, "review_state"),
        # A message taken from a mailbox is taken once: the server's own identity of it.
        UniqueConstraint("mailbox", "uidvalidity", "uid", name="uq_mail_messages_mailbox_uid"),
        Index("ix_mail_messages_message_id", "message_id"),
        Index("ix_mail_messages_state_received_at", "state", "received_at"),
        Index("ix_mail_messages_recipient_id_review_state", "recipient_id", "review_state"),
        Index("ix_mail_messages_letter_id", "letter_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[str] = mapped_column(String(3))
    source: Mapped[str] = mapped_column(String(10))
    # "in:" + Message-ID (or the raw bytes' SHA-256 when there is none); "out:" + Message-ID.
    # Unique, so the same message reaching Tracker twice is stored once.
    dedupe_key: Mapped[str] = mapped_column(String(300), unique=True)
    mailbox: Mapped[str | None] = mapped_column(String(300))
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    uid: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[str] = mapped_column(String(255), default="")
    in_reply_to: Mapped[str] = mapped_column(Text, default="")
    thread_references: Mapped[str] = mapped_column(Text, default="")
    from_address: Mapped[str] = mapped_column(String(254), default="")
    from_name: Mapped[str] = mapped_column(String(200), default="")
    to_addresses: Mapped[str] = mapped_column(Text, default="")
    cc_addresses: Mapped[str] = mapped_column(Text, default="")
    subject: Mapped[str] = mapped_column(String(500), default="")
    date_header: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    raw_key: Mapped[str | None] = mapped_column(String(100))
    raw_size: Mapped[int] = mapped_column(Integer, default=0)
    raw_sha256: Mapped[str] = mapped_column(String(64), default="")
    # The readable text: the plain part, or the HTML part reduced to text.
    body_text: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(10), default="reply")
    state: Mapped[str] = mapped_column(String(10), default="triage")
    # Why the message needs a person: ambiguous match, too large, malformed...
    problem: Mapped[str] = mapped_column(Text, default="")
    matched_by: Mapped[str | None] = mapped_column(String(20))
    match_note: Mapped[str] = mapped_column(Text, default="")
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("letters.id", ondelete="SET NULL"))
    recipient_id: Mapped[int | None] = mapped_column(
        ForeignKey("recipients.id", ondelete="SET NULL")
    )
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id", ondelete="SET NULL"))
    review_state: Mapped[str] = mapped_column(String(10), default="none")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    letter: Mapped[Letter | None] = relationship()
    recipient: Mapped[Recipient | None] = relationship()
    response: Mapped[Response | None] = relationship()
    decided_by: Mapped[User | None] = relationship()
    attachments: Mapped[list[MailAttachment]] = relationship(
        back_populates="message", cascade="all, delete-orphan", order_by="MailAttachment.position"
    )

    def __repr__(self) -> str:
        return f"<MailMessage {self.direction} {self.state} {self.message_id}>"


class MailAttachment(db.Model):
    """One attached file, stored under its own key; `problem` says why it is not served."""

    __tablename__ = "mail_attachments"
    __table_args__ = (Index("ix_mail_attachments_message_id", "message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("mail_messages.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(255))
    # The type the sender declared, and the type its bytes actually have.
    declared_type: Mapped[str] = mapped_column(String(100), default="")
    detected_type: Mapped[str] = mapped_column(String(100), default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    file_key: Mapped[str | None] = mapped_column(String(100))
    problem: Mapped[str] = mapped_column(Text, default="")

    message: Mapped[MailMessage] = relationship(back_populates="attachments")


class LetterSend(db.Model):
    """Sending a letter from Tracker: its reply address token and its one send.

    Queued by an editor, then claimed with a lease and sent exactly once, as reminders are.
    A letter has one send to all its recipients (`recipient_id` empty), and a resend to
    one recipient (`recipient_id`) each time staff send it again after a failed delivery;
    one resend at a time per recipient.
    """

    __tablename__ = "letter_sends"
    __table_args__ = (
        one_of("state", SEND_STATES, "state"),
        Index("ix_letter_sends_state_attempt_at", "state", "attempt_at"),
        Index(
            "uq_letter_sends_letter_id_whole",
            "letter_id",
            unique=True,
            sqlite_where=text("recipient_id IS NULL"),
            postgresql_where=text("recipient_id IS NULL"),
        ),
        Index(
            "uq_letter_sends_recipient_id_open",
            "recipient_id",
            unique=True,
            sqlite_where=text("state IN ('draft', 'queued', 'sending')"),
            postgresql_where=text("state IN ('draft', 'queued', 'sending')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letters.id", ondelete="CASCADE"))
    recipient_id: Mapped[int | None] = mapped_column(
        ForeignKey("recipients.id", ondelete="CASCADE")
    )
    # The unguessable part of the per-letter reply address.
    reply_token: Mapped[str] = mapped_column(String(40), unique=True)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    state: Mapped[str] = mapped_column(String(10), default="draft")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    queued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")

    letter: Mapped[Letter] = relationship()
    recipient: Mapped[Recipient | None] = relationship()


class MailDelivery(db.Model):
    """Whether a letter reached one recipient's address: refused at sending, or bounced."""

    __tablename__ = "mail_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(
        ForeignKey("recipients.id", ondelete="CASCADE"), unique=True
    )
    address: Mapped[str] = mapped_column(String(254))
    state: Mapped[str] = mapped_column(String(10), default="delivered")
    error: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The day a resend reached this address: the recipient's clock counts from it.
    resent_on: Mapped[date | None] = mapped_column(Date)
    # A failure staff acknowledged: it leaves the delivery problems; a resend clears it.
    dismissed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dismissed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    recipient: Mapped[Recipient] = relationship()

    __table_args__ = (one_of("state", DELIVERY_STATES, "delivery_state"),)


class MailboxStatus(db.Model):
    """The last pass over one mailbox: /healthz and the admin page report a failing one."""

    __tablename__ = "mailbox_status"

    mailbox: Mapped[str] = mapped_column(String(300), primary_key=True)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ok: Mapped[bool] = mapped_column(Boolean, default=True)
    error: Mapped[str] = mapped_column(Text, default="")
    last_ok_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    taken: Mapped[int] = mapped_column(Integer, default=0)
