"""Counters that committed writes move forward (see tracker.database), one per kind of data.

Cached results are keyed by the counters of what they read, so a result cached under
version N is never served once a write that could change it has committed:

- `DATA` moves with every write except those to `REMINDERS_TABLES` and
  `UNVERSIONED_TABLES`: the letters list and the dashboard's grouped figures.
- `REMINDERS` moves with writes to the reminders: the dashboard's "what to do next"
  tables read both. The scheduler sends reminders all day; that must not make the
  grouped figures, seconds of work at 100,000 letters, compute afresh.
"""

from __future__ import annotations

import secrets

from sqlalchemy import BigInteger, Connection, Integer
from sqlalchemy.orm import Mapped, mapped_column

from tracker.extensions import db

DATA = 1
REMINDERS = 2
EVERY_VERSION = (DATA, REMINDERS)

# Writes that no cached result reads: bumping for them would only empty the caches.
UNVERSIONED_TABLES = frozenset(
    {
        "alembic_version",
        "data_version",
        "scheduler_heartbeats",
        "login_failures",
        "outbox_messages",
        "audit_events",
        # Who is logged in and how: no cached page shows it, and a login or the
        # sessions' last-seen time (every few minutes per user) would empty the caches.
        "login_sessions",
        "passkeys",
        "recovery_codes",
        # Written by every mailbox pass and during mail outages; shown only in banners,
        # which are read afresh on each request.
        "mailbox_status",
        "mail_server_status",
        # The scheduler's digests: shown on the letter and delivery pages, never cached.
        "digests",
        "digest_items",
    }
)
REMINDERS_TABLES = frozenset({"reminders"})
# An execution option: this write moves no counter (tracker.database skips it); for a
# write that no cached result reads, or whose owner moves the counters itself.
UNVERSIONED = "tracker_unversioned"


class DataVersion(db.Model):
    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # DATA or REMINDERS
    version: Mapped[int] = mapped_column(BigInteger, default=1)


def first_version() -> int:
    # Random, not 1: a database dropped and created again at the same URL must not
    # meet a cache entry of its predecessor.
    return secrets.randbits(62)


def versions_written(table_name: str) -> tuple[int, ...]:
    """The counters a write to `table_name` moves."""
    if table_name in UNVERSIONED_TABLES:
        return ()
    if table_name in REMINDERS_TABLES:
        return (REMINDERS,)
    return (DATA,)


_WRITTEN = "tracker_versions_written"


def note_written(connection: Connection, ids: tuple[int, ...]) -> None:
    """Have the commit of the connection's transaction move these counters forward
    (tracker.database does it, as the transaction's last statement)."""
    if ids:
        connection.info.setdefault(_WRITTEN, set()).update(ids)


def take_written(connection: Connection) -> list[int]:
    """The counters the connection's transaction moves, forgotten for the next one."""
    return sorted(connection.info.pop(_WRITTEN, None) or ())
