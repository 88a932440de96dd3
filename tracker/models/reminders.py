"""Follow-up reminders, the digests that carry them, the mail outbox, the mail server's
reachability and the scheduler's heartbeat."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db
from tracker.models.letters import Recipient
from tracker.models.types import UTCDateTime, one_of, utcnow
from tracker.models.users import User

# "queued": its own emails went out, and it waits in digests that have not been accepted.
REMINDER_STATES = ("pending", "sending", "queued", "sent", "failed", "cancelled")
DIGEST_STATES = ("pending", "sending", "sent", "failed", "cancelled")
REMINDER_KINDS = ("no_response", "follow_up", "escalate")


class Reminder(db.Model):
    """One step of the follow-up ladder for one recipient.

    Unique per (recipient, step): the database, not the scheduler, guarantees that a
    step exists once, and the sweep's compare-and-set claim that it is sent once.
    """

    __tablename__ = "reminders"
    __table_args__ = (
        one_of("state", REMINDER_STATES, "state"),
        one_of("kind", REMINDER_KINDS, "kind"),
        UniqueConstraint("recipient_id", "step"),
        # The sweep reads only what is due: pending rows by next attempt, claims by lease.
        Index("ix_reminders_state_attempt_at", "state", "attempt_at"),
        # The dashboard's act-now: steps sent lately.
        Index("ix_reminders_sent_at", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("recipients.id", ondelete="CASCADE"))
    step: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(12))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When the sweep should next try: the due time, then later after a temporary failure.
    attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    # Fixed at creation so a retried or duplicated send threads as the same message.
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    # When the server first answered 4xx in the current run of retries: a reminder
    # fails after MAIL_GIVE_UP_AFTER of those, not after a number of attempts.
    retrying_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the server last answered about it (last_error is what it said).
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Addresses that accepted it, one a line: a retry goes only to the others.
    delivered_to: Mapped[str] = mapped_column(Text, default="")
    refused_recipients: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Staff gave up on this failed send: it is history, no longer a delivery problem.
    dismissed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recipient: Mapped[Recipient] = relationship()

    def __repr__(self) -> str:
        return f"<Reminder step={self.step} {self.state} recipient={self.recipient_id}>"


class Digest(db.Model):
    """One digest email to one user, claimed, leased and recorded like a reminder.

    Reminders join the user's open digest (never tried: tried_at empty) as the sweep reaches
    them; from its first attempt on, its content and Message-ID are fixed, and later
    reminders wait for the next one. Its reminders count as delivered to the user
    only once the server accepted it.
    """

    __tablename__ = "digests"
    __table_args__ = (
        one_of("state", DIGEST_STATES, "state"),
        Index("ix_digests_state_attempt_at", "state", "attempt_at"),
        Index("ix_digests_user_id_state", "user_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(10), default="pending")
    # The user's next 08:00 while it collects; later like a reminder's.
    attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    # Its first attempt, even one that found no server: from then on it is sealed.
    tried_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminder_count: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    retrying_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dismissed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # as a reminder's
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<Digest {self.state} user={self.user_id} reminders={self.reminder_count}>"


class DigestItem(db.Model):
    """A reminder carried by a digest: each reminder goes into one digest per user."""

    __tablename__ = "digest_items"
    __table_args__ = (
        PrimaryKeyConstraint("digest_id", "reminder_id"),
        UniqueConstraint("reminder_id", "user_id"),
    )

    digest_id: Mapped[int] = mapped_column(ForeignKey("digests.id", ondelete="CASCADE"))
    reminder_id: Mapped[int] = mapped_column(ForeignKey("reminders.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))


class OutboxMessage(db.Model):
    """Every email Tracker composes; with no MAIL_URL it stops here and admins read it."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_created_at", "created_at"),
        Index("ix_outbox_messages_reminder_id", "reminder_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reminder_id: Mapped[int | None] = mapped_column(ForeignKey("reminders.id", ondelete="SET NULL"))
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("digests.id", ondelete="SET NULL"))
    message_id: Mapped[str] = mapped_column(String(255))
    sender: Mapped[str] = mapped_column(String(254))
    recipients: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(String(500))
    headers: Mapped[str] = mapped_column(Text, default="")
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SchedulerHeartbeat(db.Model):
    """One row per scheduler process; the web UI warns when the newest beat is stale."""

    __tablename__ = "scheduler_heartbeats"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_sweep_sent: Mapped[int] = mapped_column(Integer, default=0)


class MailServerStatus(db.Model):
    """Whether the mail server answers, shared by every scheduler (one row, "smtp").

    A sweep that cannot reach it stops sending and every sweep waits until
    `retry_at`, so an outage costs one timeout per back-off, not one per reminder.
    """

    __tablename__ = "mail_server_status"

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    unreachable_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
