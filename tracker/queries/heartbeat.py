"""The scheduler's heartbeat and the mail server's reachability, as /healthz and the
staff banners read them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from tracker.extensions import db
from tracker.models import MailServerStatus, SchedulerHeartbeat


def latest() -> datetime | None:
    return db.session.scalar(select(func.max(SchedulerHeartbeat.beat_at)))


def age_seconds(now: datetime) -> float | None:
    last = latest()
    return None if last is None else max(0.0, (now - last).total_seconds())


def mail_unreachable_since() -> datetime | None:
    """When the scheduler last found the mail server unreachable, if it still is."""
    return db.session.scalar(select(func.min(MailServerStatus.unreachable_since)))


def banner_state(now: datetime) -> tuple[float | None, datetime | None]:
    """`age_seconds(now)` and `mail_unreachable_since()` in one round trip (every page)."""
    last, unreachable = db.session.connection().execute(_BANNER_STATE).one()
    age = None if last is None else max(0.0, (now - last).total_seconds())
    return age, unreachable


_BANNER_STATE = select(
    select(func.max(SchedulerHeartbeat.beat_at)).scalar_subquery(),
    select(func.min(MailServerStatus.unreachable_since)).scalar_subquery(),
)
