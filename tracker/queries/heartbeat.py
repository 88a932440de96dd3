"""The scheduler's heartbeat as /healthz and the staff banner read it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from tracker.extensions import db
from tracker.models import SchedulerHeartbeat


def latest() -> datetime | None:
    return db.session.scalar(select(func.max(SchedulerHeartbeat.beat_at)))


def age_seconds(now: datetime) -> float | None:
    last = latest()
    return None if last is None else max(0.0, (now - last).total_seconds())
