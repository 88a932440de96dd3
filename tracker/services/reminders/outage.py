"""The mail server's reachability, shared by every scheduler (MailServerStatus, "smtp").

When a send finds no server (no connection, a timeout, 421), the sweep stops sending,
records the outage here and every sweep leaves the mail alone until `retry_at`: the
back-off grows from one minute to fifteen and stays there, so an outage of any length
costs one timeout per back-off period, and the reminders simply stay due. The first
real answer from the server ends the outage. Each outage is logged once when it
begins and once when it ends.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import Connection, insert, select, update

from tracker.models import MailServerStatus

log = logging.getLogger(__name__)

NAME = "smtp"
BACK_OFF = (
    timedelta(minutes=1),
    timedelta(minutes=2),
    timedelta(minutes=5),
    timedelta(minutes=10),
    timedelta(minutes=15),
)


def back_off(failures: int) -> timedelta:
    """How long every sweep waits after the `failures`-th sweep in a row found no server."""
    return BACK_OFF[min(max(failures, 1), len(BACK_OFF)) - 1]


@cache
def _read_statement():
    table = MailServerStatus.__table__
    return select(table.c.unreachable_since, table.c.retry_at, table.c.failures).where(
        table.c.name == NAME
    )


def waiting_until(connection: Connection, now: datetime) -> datetime | None:
    """When sending may be tried again, if the server was unreachable and that is later."""
    row = connection.execute(_read_statement()).first()
    connection.commit()
    if row is None or row.retry_at is None or row.retry_at <= now:
        return None
    return row.retry_at


def record_unreachable(connection: Connection, now: datetime, error: str) -> None:
    """The server did not answer at `now`; the caller commits."""
    table = MailServerStatus.__table__
    row = connection.execute(_read_statement()).first()
    if row is None:
        connection.execute(
            insert(table).values(name=NAME, failures=0, last_error="", unreachable_since=None)
        )
    since = row.unreachable_since if row is not None else None
    failures = (row.failures if row is not None and since is not None else 0) + 1
    if since is None:
        since = now
        log.error("mail server unreachable, sending paused: %s", error)
    connection.execute(
        update(table)
        .where(table.c.name == NAME)
        .values(
            unreachable_since=since,
            retry_at=now + back_off(failures),
            failures=failures,
            last_error=error,
        )
    )


def record_reachable(connection: Connection) -> None:
    """The server answered; ends an outage if there was one. The caller commits."""
    table = MailServerStatus.__table__
    ended = connection.execute(
        update(table)
        .where(table.c.name == NAME, table.c.unreachable_since.is_not(None))
        .values(unreachable_since=None, retry_at=None, failures=0)
    )
    if ended.rowcount:
        log.warning("mail server reachable again, sending resumed")
