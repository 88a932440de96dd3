"""Login sessions: one row per login, the cookie's token, and every way a session ends.

A login opens a session (`open_session`) and the session cookie carries its random
token; the database keeps only the token's SHA-256. Each request finds its session by
that hash (`find_active`): a session that was ended, or idle for longer than the session
lifetime, or whose user was deactivated, is no login. `touch` moves `last_seen_at` at
most every TOUCH_INTERVAL, so ordinary requests do not write.

`end_all` is the one rule for "this user's sessions end" (logout, a password change, a
second factor turned on or reset, a role change or deactivation, the second-factor
rule); the sessions page and the admin page end one session or all of them through it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Row, delete, or_, select, update

from tracker.domain.user_agents import describe
from tracker.extensions import db
from tracker.models import LoginSession, User, utcnow
from tracker.models.users import new_session_token
from tracker.services.audit import Actor, record
from tracker.services.errors import ServiceError
from tracker.services.transaction import transaction

TOUCH_INTERVAL = timedelta(minutes=5)
# Ended or expired sessions stay listed for the audit's sake this long, then go.
KEEP_ENDED = timedelta(days=90)
NOT_FOUND = "This session has ended already or is not one of this account's sessions."


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def idle_limit() -> timedelta:
    """How long a session lasts without a request: the session cookie's lifetime."""
    lifetime = current_app.config["PERMANENT_SESSION_LIFETIME"]
    return lifetime if isinstance(lifetime, timedelta) else timedelta(seconds=int(lifetime))


def open_session(user: User, ip_address: str, user_agent: str, now: datetime) -> str:
    """A new session for `user`; returns the token for the cookie (the caller commits).
    The user's sessions that ended or expired long ago are removed meanwhile."""
    old = now - KEEP_ENDED
    db.session.execute(
        delete(LoginSession)
        .where(
            LoginSession.user_id == user.id,
            or_(LoginSession.ended_at < old, LoginSession.last_seen_at < old - idle_limit()),
        )
        .execution_options(synchronize_session=False)
    )
    token = secrets.token_urlsafe(32)
    login_session = LoginSession(
        user_id=user.id,
        token_hash=_hash(token),
        created_at=now,
        last_seen_at=now,
        ip_address=ip_address[:45],
        user_agent=describe(user_agent)[:80],
    )
    db.session.add(login_session)
    db.session.flush()
    user.login_session, user.login_token = login_session, token
    return token


def find_active(token: str, now: datetime, *also: Any) -> Row | None:
    """The session this token opens and its user, if it still stands (not ended, not
    idle too long), with the columns `also` read in the same round trip."""
    if not token or len(token) > 200:
        return None
    found = db.session.execute(
        select(LoginSession, User, *also)
        .join(User, User.id == LoginSession.user_id)
        .where(LoginSession.token_hash == _hash(token))
    ).first()
    if found is None:
        return None
    login_session = found[0]
    if login_session.ended_at is not None or login_session.last_seen_at < now - idle_limit():
        return None
    return found


def touch(login_session: LoginSession, ip_address: str, now: datetime) -> None:
    """Note that the session was used, at most once per TOUCH_INTERVAL (not audited: it
    records no one's action). A conditional update: parallel requests write once."""
    if now - login_session.last_seen_at < TOUCH_INTERVAL:
        return
    with transaction():
        db.session.execute(
            update(LoginSession)
            .where(
                LoginSession.id == login_session.id,
                LoginSession.ended_at.is_(None),
                LoginSession.last_seen_at < now - TOUCH_INTERVAL,
            )
            .values(last_seen_at=now, ip_address=ip_address[:45])
            .execution_options(synchronize_session=False)
        )
    db.session.expire(login_session)


def end_all(user: User, now: datetime | None = None, *, keep: LoginSession | None = None) -> int:
    """End every session of `user` but `keep`; returns how many (the caller commits and
    audits). A login waiting for its second factor ends too (it carries session_token)."""
    statement = (
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
        .values(ended_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    if keep is not None:
        statement = statement.where(LoginSession.id != keep.id)
    ended = db.session.execute(statement).rowcount
    user.session_token = new_session_token()
    return ended


def _session_of(user: User, session_id: int, now: datetime) -> LoginSession:
    login_session = db.session.get(LoginSession, session_id)
    if (
        login_session is None
        or login_session.user_id != user.id
        or login_session.ended_at is not None
        or login_session.last_seen_at < now - idle_limit()
    ):
        raise ServiceError(NOT_FOUND, kind="not_found")
    return login_session


def _whose(actor: Actor, user: User) -> str:
    return "their own" if actor.user_id == user.id else f"{user.email}'s"


def end_one(actor: Actor, user: User, session_id: int, now: datetime) -> LoginSession:
    """End one session of `user` (theirs from the sessions page, or an admin's choice)."""
    login_session = _session_of(user, session_id, now)
    with transaction():
        login_session.ended_at = now
        record(
            actor,
            "session.end",
            entity_type="user",
            entity_id=user.id,
            summary=(
                f"Ended {_whose(actor, user)} session #{login_session.id} "
                f"({login_session.user_agent}, {login_session.ip_address or 'no address'})"
            ),
        )
    return login_session


def end_others(actor: Actor, user: User, current: LoginSession | None, now: datetime) -> int:
    """End every session of `user` but `current` (the one making the request, or None
    when an admin ends them all). Returns how many ended."""
    with transaction():
        ended = end_all(user, now, keep=current)
        action, what = (
            ("session.end_others", "other sessions")
            if current is not None
            else ("session.end_all", "sessions")
        )
        record(
            actor,
            action,
            entity_type="user",
            entity_id=user.id,
            summary=f"Ended {ended} of {_whose(actor, user)} {what}",
        )
    return ended
