"""The scheduler's heartbeat and the mail server's reachability, as /healthz and the
staff banners read them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from tracker.extensions import db
from tracker.models import MailServerStatus, SchedulerHeartbeat
from tracker.queries.cache import per_transaction, remember


def latest() -> datetime | None:
    return db.session.scalar(select(func.max(SchedulerHeartbeat.beat_at)))


def age_seconds(now: datetime) -> float | None:
    last = latest()
    return None if last is None else max(0.0, (now - last).total_seconds())


def mail_unreachable_since() -> datetime | None:
    """When the scheduler last found the mail server unreachable, if it still is."""
    return db.session.scalar(select(func.min(MailServerStatus.unreachable_since)))


# What the staff banners read on every page, as columns: the session's user is read
# with them (tracker.auth), and remember_banner_state keeps what they read.
BANNER_COLUMNS = (
    select(func.max(SchedulerHeartbeat.beat_at)).scalar_subquery(),
    select(func.min(MailServerStatus.unreachable_since)).scalar_subquery(),
)
_BANNER = "banner_state"


def remember_banner_state(last_beat: datetime | None, unreachable: datetime | None) -> None:
    remember(_BANNER, (last_beat, unreachable))


def banner_state(now: datetime) -> tuple[float | None, datetime | None]:
    """`age_seconds(now)` and `mail_unreachable_since()`, read once per transaction."""
    last, unreachable = per_transaction(
        _BANNER, lambda: tuple(db.session.connection().execute(select(*BANNER_COLUMNS)).one())
    )
    age = None if last is None else max(0.0, (now - last).total_seconds())
    return age, unreachable
