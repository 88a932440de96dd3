"""Staff accounts and the login-failure counters that throttle guessing."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tracker.extensions import db
from tracker.models.types import UTCDateTime, one_of, utcnow

ROLES = ("admin", "editor", "viewer")
ROLE_RANK = {"viewer": 1, "editor": 2, "admin": 3}
DELIVERY_MODES = ("immediate", "digest")


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        one_of("role", ROLES, "role"),
        one_of("reminder_delivery", DELIVERY_MODES, "reminder_delivery"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(10), default="viewer")
    is_active_account: Mapped[bool] = mapped_column("active", Boolean, default=True)
    # Part of the login cookie: rotating it ends every session that carries the old one.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    reminder_delivery: Mapped[str] = mapped_column(String(10), default="immediate")
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.is_active_account

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def has_role(self, role: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]

    def end_sessions(self) -> None:
        self.session_token = new_session_token()

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class LoginFailure(db.Model):
    """Failed logins per key ("account:<email>" or "address:<ip>") in a sliding window.

    Kept in the database so the limit holds across web workers, hosts and restarts.
    """

    __tablename__ = "login_failures"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
