"""The scheduler's heartbeat, written each sweep (`tracker.queries.heartbeat` reads it)."""

from __future__ import annotations

from datetime import datetime

from tracker.extensions import db
from tracker.models import SchedulerHeartbeat


def beat(name: str, now: datetime, started_at: datetime, sent: int = 0) -> None:
    """Record that scheduler `name` is alive; the caller commits."""
    row = db.session.get(SchedulerHeartbeat, name)
    if row is None:
        row = SchedulerHeartbeat(name=name, started_at=started_at)
        db.session.add(row)
    row.beat_at = now
    row.last_sweep_sent = sent
