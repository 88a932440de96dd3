"""What came back from an addressee, and its stance on each demand."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db
from tracker.models.letters import CHANNELS, Demand, Letter, Recipient
from tracker.models.types import UTCDateTime, one_of, utcnow
from tracker.models.users import User

RESPONSE_KINDS = ("acknowledgement", "substantive", "refusal")
STANCES = ("accepted", "partially", "rejected", "noted", "not_addressed")


class Response(db.Model):
    __tablename__ = "responses"
    __table_args__ = (
        one_of("kind", RESPONSE_KINDS, "kind"),
        one_of("channel", CHANNELS, "channel"),
        Index("ix_responses_letter_id", "letter_id"),
        Index("ix_responses_recipient_id_received_on", "recipient_id", "received_on"),
        # Responses by month received, for the letters in scope: read from the index alone.
        Index("ix_responses_received_on_letter_id", "received_on", "letter_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letters.id", ondelete="CASCADE"))
    recipient_id: Mapped[int] = mapped_column(ForeignKey("recipients.id", ondelete="CASCADE"))
    received_on: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(20), default="email")
    kind: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    file_key: Mapped[str | None] = mapped_column(String(100))
    file_name: Mapped[str | None] = mapped_column(String(255))
    file_type: Mapped[str | None] = mapped_column(String(100))
    file_size: Mapped[int | None] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    letter: Mapped[Letter] = relationship()
    recipient: Mapped[Recipient] = relationship()
    created_by: Mapped[User | None] = relationship()
    answers: Mapped[list[DemandAnswer]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Response {self.kind} recipient={self.recipient_id}>"


class DemandAnswer(db.Model):
    __tablename__ = "demand_answers"
    __table_args__ = (
        one_of("stance", STANCES, "stance"),
        UniqueConstraint("response_id", "demand_id"),
        Index("ix_demand_answers_demand_id", "demand_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"))
    demand_id: Mapped[int] = mapped_column(ForeignKey("demands.id", ondelete="CASCADE"))
    stance: Mapped[str] = mapped_column(String(14))

    response: Mapped[Response] = relationship(back_populates="answers")
    demand: Mapped[Demand] = relationship()
