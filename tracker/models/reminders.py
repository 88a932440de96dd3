"""Follow-up reminders, the mail outbox, and the scheduler's heartbeat."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db
from tracker.models.letters import Recipient
from tracker.models.types import UTCDateTime, one_of, utcnow

REMINDER_STATES = ("pending", "sending", "sent", "failed", "cancelled")
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
    refused_recipients: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recipient: Mapped[Recipient] = relationship()

    def __repr__(self) -> str:
        return f"<Reminder step={self.step} {self.state} recipient={self.recipient_id}>"


class OutboxMessage(db.Model):
    """Every email Tracker composes; with no MAIL_URL it stops here and admins read it."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_created_at", "created_at"),
        Index("ix_outbox_messages_reminder_id", "reminder_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reminder_id: Mapped[int | None] = mapped_column(ForeignKey("reminders.id", ondelete="SET NULL"))
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
