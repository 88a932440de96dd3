"""Staff accounts and the login-failure counters that throttle guessing."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, LargeBinary, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
    # Rotated whenever all the user's sessions end (services/accounts/sessions.end_all), so a
    # login still waiting for its second factor, which carries it, ends with them.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    reminder_delivery: Mapped[str] = mapped_column(String(10), default="immediate")
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # TOTP (RFC 6238): a secret while enrolling, confirmed once the user typed a right code.
    # Stored sealed under TRACKER_FILE_KEY when one is set: read and write it through
    # services/accounts/second_factor (secret_of), never this column directly.
    totp_secret_stored: Mapped[str | None] = mapped_column("totp_secret", String(255))
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last time step a code was accepted for: a code seen once is never taken again.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}

    passkeys: Mapped[list[Passkey]] = relationship(
        back_populates="user", order_by="Passkey.id", passive_deletes=True
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.is_active_account

    # The login session this request came with (set by the login and by the user loader);
    # the cookie carries its token, never the user's id alone.
    login_session = None  # a LoginSession, not a mapped column
    login_token = None

    def get_id(self) -> str:
        if not self.login_token:
            raise RuntimeError("A user is logged in through a login session (sessions.open).")
        return self.login_token

    def has_role(self, role: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]

    @property
    def has_totp(self) -> bool:
        return self.totp_confirmed_at is not None

    @property
    def has_second_factor(self) -> bool:
        """TOTP, a passkey, or both."""
        return self.has_totp or bool(self.passkeys)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class RecoveryCode(db.Model):
    """A one-time code that stands in for the authenticator; only its argon2 hash is kept.

    `label` is the code's first characters, stored in the clear so a login checks one
    hash instead of all ten (each check costs a deliberate fraction of a second).
    """

    __tablename__ = "recovery_codes"
    __table_args__ = (Index("ix_recovery_codes_user_label", "user_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(8))
    code_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Passkey(db.Model):
    """A WebAuthn credential (services/accounts/passkeys): its public key, bound to the RP ID
    (TRACKER_BASE_URL's host) it was made for. `sign_count` is the authenticator's counter,
    refused when it goes back (a cloned authenticator)."""

    __tablename__ = "passkeys"
    __table_args__ = (Index("ix_passkeys_user_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    credential_id: Mapped[bytes] = mapped_column(LargeBinary(1024), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(2048))
    sign_count: Mapped[int] = mapped_column(Integer, default=0)
    transports: Mapped[str] = mapped_column(String(200), default="")
    name: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="passkeys")


class LoginSession(db.Model):
    """One login: a browser that typed the right password (and second factor).

    The session cookie carries a random token; only its SHA-256 is stored, so a copy of the
    database cannot be replayed as a cookie. `last_seen_at` is refreshed at most every few
    minutes; a session idle for longer than the session lifetime has expired, and one with
    `ended_at` set was ended (logout, the sessions page, a password change, an admin).
    """

    __tablename__ = "login_sessions"
    __table_args__ = (Index("ix_login_sessions_user_ended", "user_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ip_address: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(80), default="")
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SiteSetting(db.Model):
    """Settings admins change in the app (not in the environment), one row per key."""

    __tablename__ = "site_settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class LoginFailure(db.Model):
    """Failed logins per key ("account:<email>" or "address:<ip>") in a sliding window.

    Kept in the database so the limit holds across web workers, hosts and restarts.
    """

    __tablename__ = "login_failures"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime)


group_members = Table(
    "group_members",
    db.Model.metadata,
    Column("group_id", ForeignKey("user_groups.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_group_members_user_id", "user_id"),
)


class Group(db.Model):
    """A named set of staff (a partner organisation's people) that campaigns can be shared with."""

    __tablename__ = "user_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    members: Mapped[list[User]] = relationship(secondary=group_members, order_by="User.name")

    def __repr__(self) -> str:
        return f"<Group {self.name}>"
