"""Campaigns and the officials letters are addressed to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from tracker.domain.official_matching import search_text
from tracker.extensions import db
from tracker.models.types import UTCDateTime, utcnow
from tracker.models.users import Group, User

# Who may see a restricted campaign: named users, and the members of named groups.
campaign_user_access = Table(
    "campaign_user_access",
    db.Model.metadata,
    Column("campaign_id", ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_campaign_user_access_user_id", "user_id"),
)
campaign_group_access = Table(
    "campaign_group_access",
    db.Model.metadata,
    Column("campaign_id", ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", ForeignKey("user_groups.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_campaign_group_access_group_id", "group_id"),
)


class Campaign(db.Model):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    # A restricted campaign and its letters are seen only by admins and by the users and
    # groups granted below (tracker.queries.access holds the one rule every read applies).
    restricted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    granted_users: Mapped[list[User]] = relationship(
        secondary=campaign_user_access, order_by="User.name"
    )
    granted_groups: Mapped[list[Group]] = relationship(
        secondary=campaign_group_access, order_by="Group.name"
    )

    def __repr__(self) -> str:
        return f"<Campaign {self.name}>"


class Official(db.Model):
    __tablename__ = "officials"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    # The name as the directory search compares it (tracker.queries.directory.find_officials):
    # kept in step with `name`, so a search is one LIKE per typed word, accents and case aside.
    search_name: Mapped[str] = mapped_column(
        String(200), default=lambda context: search_text(context.get_current_parameters()["name"])
    )
    title: Mapped[str] = mapped_column(String(200), default="")
    institution: Mapped[str] = mapped_column(String(200), default="")
    # ISO 3166-1 alpha-2; decides which public holidays a business-day clock skips.
    country: Mapped[str | None] = mapped_column(String(2))
    email: Mapped[str] = mapped_column(String(254), default="")
    postal_address: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    @validates("name")
    def _keep_search_name(self, _key: str, name: str) -> str:
        self.search_name = search_text(name)
        return name

    def __repr__(self) -> str:
        return f"<Official {self.name}>"
