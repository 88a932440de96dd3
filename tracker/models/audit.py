"""The audit trail: who changed what, when, from where, with old and new values."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db
from tracker.models.types import UTCDateTime, utcnow
from tracker.models.users import User


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_letter_id_at", "letter_id", "at"),
        Index("ix_audit_events_at", "at"),
        Index("ix_audit_events_entity", "entity_type", "entity_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Kept as text too: a failed login names no user, and users can be renamed.
    actor: Mapped[str] = mapped_column(String(254), default="")
    ip_address: Mapped[str] = mapped_column(String(45), default="")
    action: Mapped[str] = mapped_column(String(60))
    entity_type: Mapped[str] = mapped_column(String(30), default="")
    entity_id: Mapped[int | None] = mapped_column(Integer)
    # Letter-related events carry the letter so its page can show one timeline.
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("letters.id", ondelete="SET NULL"))
    summary: Mapped[str] = mapped_column(Text, default="")
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The hash chain (tracker.services.audit_chain): the sealer numbers events in the
    # order it seals them, and each hash covers the event and the previous hash.
    chain_seq: Mapped[int | None] = mapped_column(Integer, unique=True)
    chain_hash: Mapped[str | None] = mapped_column(String(64))

    user: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<AuditEvent {self.action} {self.entity_type}:{self.entity_id}>"
