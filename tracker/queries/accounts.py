"""Accounts as pages show them: a user's login sessions."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from tracker.extensions import db
from tracker.models import LoginSession


def active_sessions(user_id: int, now: datetime, idle_limit: timedelta) -> list[LoginSession]:
    """The user's sessions still standing, the most recently used first (one statement)."""
    return list(
        db.session.scalars(
            select(LoginSession)
            .where(
                LoginSession.user_id == user_id,
                LoginSession.ended_at.is_(None),
                LoginSession.last_seen_at >= now - idle_limit,
            )
            .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc())
        )
    )
