"""Letters, who they were addressed to (with each addressee's response clock), and demands."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db
from tracker.models.directory import Campaign, Official
from tracker.models.types import UTCDateTime, one_of, utcnow
from tracker.models.users import User

CHANNELS = ("email", "post", "fax", "hand_delivery", "portal", "other")
LETTER_STATUSES = ("draft", "sent", "closed")
RECIPIENT_ROLES = ("to", "cc")
# "Overdue" is never stored: it is an awaiting recipient whose due date has passed.
RECIPIENT_STATES = ("awaiting", "acknowledged", "responded", "closed", "withdrawn")
DEMAND_OUTCOMES = ("open", "accepted", "partially_met", "met", "rejected", "withdrawn")

letter_watchers = Table(
    "letter_watchers",
    db.Model.metadata,
    Column("letter_id", ForeignKey("letters.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_letter_watchers_user_id", "user_id"),
)


class Letter(db.Model):
    __tablename__ = "letters"
    __table_args__ = (
        one_of("channel", CHANNELS, "channel"),
        one_of("status", LETTER_STATUSES, "status"),
        Index("ix_letters_sent_on", "sent_on"),
        Index("ix_letters_campaign_id_sent_on", "campaign_id", "sent_on"),
        Index("ix_letters_owner_id", "owner_id"),
        Index("ix_letters_status", "status"),
        Index("ix_letters_follows_up_id", "follows_up_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    subject: Mapped[str] = mapped_column(String(500))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    sent_on: Mapped[date | None] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(20), default="email")
    body: Mapped[str] = mapped_column(Text, default="")
    signatories: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(10), default="draft")
    response_window_days: Mapped[int] = mapped_column(Integer, default=30)
    business_days: Mapped[bool] = mapped_column(Boolean, default=False)
    follows_up_id: Mapped[int | None] = mapped_column(ForeignKey("letters.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The original file lives outside the web root under UPLOAD_PATH; only its key is here.
    file_key: Mapped[str | None] = mapped_column(String(100))
    file_name: Mapped[str | None] = mapped_column(String(255))
    file_type: Mapped[str | None] = mapped_column(String(100))
    file_size: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The Message-ID of the first reminder about this letter that reached someone:
    # every later reminder replies to it, so they all show as one conversation.
    thread_message_id: Mapped[str | None] = mapped_column(String(255))

    __mapper_args__ = {"version_id_col": version}

    campaign: Mapped[Campaign | None] = relationship()
    owner: Mapped[User] = relationship()
    watchers: Mapped[list[User]] = relationship(secondary=letter_watchers)
    follows_up: Mapped[Letter | None] = relationship(remote_side=[id], back_populates="follow_ups")
    follow_ups: Mapped[list[Letter]] = relationship(back_populates="follows_up")
    recipients: Mapped[list[Recipient]] = relationship(
        back_populates="letter", cascade="all, delete-orphan", order_by="Recipient.id"
    )
    demands: Mapped[list[Demand]] = relationship(
        back_populates="letter", cascade="all, delete-orphan", order_by="Demand.position"
    )

    def __repr__(self) -> str:
        return f"<Letter {self.reference}>"


class Recipient(db.Model):
    """A letter addressed to one official, `to` or `cc`, with its response clock."""

    __tablename__ = "recipients"
    __table_args__ = (
        one_of("role", RECIPIENT_ROLES, "role"),
        one_of("state", RECIPIENT_STATES, "state"),
        # The rule of tracker.domain.recipients, so SQL can read the column as the truth.
        CheckConstraint("role <> 'to' OR expects_answer", name="to_expects_answer"),
        UniqueConstraint("letter_id", "official_id"),
        Index("ix_recipients_state_due_on", "state", "due_on"),
        Index("ix_recipients_official_id", "official_id"),
        # Every column the dashboard's grouped passes read, so they join letters to an index.
        Index(
            "ix_recipients_letter_figures",
            "letter_id",
            "expects_answer",
            "state",
            "due_on",
            "responded_on",
            "acknowledged_on",
            "official_id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letters.id", ondelete="CASCADE"))
    official_id: Mapped[int] = mapped_column(ForeignKey("officials.id"))
    role: Mapped[str] = mapped_column(String(2), default="to")
    # True for every `to`; for a `cc`, staff's choice (tracker.domain.recipients), written
    # by the letter service. Readers, SQL included, read it and never apply the rule again.
    expects_answer: Mapped[bool] = mapped_column(Boolean, default=True)
    state: Mapped[str] = mapped_column(String(12), default="awaiting")
    due_on: Mapped[date | None] = mapped_column(Date)
    paused_on: Mapped[date | None] = mapped_column(Date)
    # Days (of the letter's kind) that were left when the clock was paused.
    remaining_days: Mapped[int | None] = mapped_column(Integer)
    extended_days: Mapped[int] = mapped_column(Integer, default=0)
    acknowledged_on: Mapped[date | None] = mapped_column(Date)
    responded_on: Mapped[date | None] = mapped_column(Date)
    # Staff marked a follow-up sent: the ladder's no-response and follow-up steps are done.
    followed_up_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    letter: Mapped[Letter] = relationship(back_populates="recipients")
    official: Mapped[Official] = relationship()

    def __repr__(self) -> str:
        return f"<Recipient {self.role} official={self.official_id} letter={self.letter_id}>"


class Demand(db.Model):
    __tablename__ = "demands"
    __table_args__ = (
        one_of("outcome", DEMAND_OUTCOMES, "outcome"),
        Index("ix_demands_letter_id_position", "letter_id", "position"),
        Index("ix_demands_outcome", "outcome"),
        Index("ix_demands_letter_id_outcome", "letter_id", "outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letters.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(14), default="open")
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    outcome_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    letter: Mapped[Letter] = relationship(back_populates="demands")

    def __repr__(self) -> str:
        return f"<Demand {self.position} of letter {self.letter_id}>"
