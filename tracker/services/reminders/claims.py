"""Claim, lease and record one send: the machinery reminders and digests share.

A table of sends (reminders, digests) has the columns state, attempt_at, attempts,
lease_until and claimed_by. A claim is one atomic write, committed at once: an UPDATE
whose subquery picks the oldest due row by the (state, attempt_at) index; on
PostgreSQL the subquery locks it FOR UPDATE SKIP LOCKED, on SQLite the UPDATE holds
the database's write lock. It sets state 'sending', a lease, and counts the attempt.
A second scheduler can never claim the same row; a claim whose scheduler died becomes
due again when its lease ends (its attempt_at is the lease's end).

The outcome is recorded with a compare-and-set UPDATE that only lands while the
claim is still this scheduler's. A sweep claims its next row in the transaction that
records the last one, so each send costs one commit: the claim is committed before
its send all the same. The statements are built once per table: a sweep runs them
once per send.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import Connection, Row, Table, bindparam, select, update

from tracker.domain import ladder
from tracker.models import UTCDateTime, data_version

log = logging.getLogger(__name__)

CLAIMABLE = ("sending", "pending")  # expired claims first: they are the oldest work


@cache
def _claim_statement(table: Table, state: str, postgres: bool, returning: tuple[str, ...]):
    now, lease_until = bindparam("now", type_=UTCDateTime), bindparam("lease", type_=UTCDateTime)
    oldest_due = (
        select(table.c.id)
        .where(table.c.state == state, table.c.attempt_at <= now)
        .order_by(table.c.attempt_at)
        .limit(1)
    )
    if postgres:
        oldest_due = oldest_due.with_for_update(skip_locked=True)
    return (
        update(table)
        .where(
            table.c.id == oldest_due.scalar_subquery(),
            table.c.state == state,
            table.c.attempt_at <= now,
        )
        .values(
            state="sending",
            attempts=table.c.attempts + 1,
            lease_until=lease_until,
            attempt_at=lease_until,
            claimed_by=bindparam("worker"),
        )
        .returning(*(table.c[column] for column in ("id", "attempts", *returning)))
        .execution_options(tracker_unversioned=True)
    )


def claim(
    connection: Connection,
    table: Table,
    returning: tuple[str, ...],
    values: dict,
    states: list[str],
) -> Row | None:
    """Claim the oldest due row of `table` in the connection's transaction; the caller
    commits before it sends. None when nothing is due.

    Returns its id, attempts (this one included) and the `returning` columns. `values`
    holds now, lease and worker. `states` (expired claims first, then pending) loses
    each state whose probe comes back empty, so a long sweep does not probe for
    expired claims before every send.
    """
    postgres = connection.dialect.name == "postgresql"
    while states:
        statement = _claim_statement(table, states[0], postgres, returning)
        claimed = connection.execute(statement, values).first()
        if claimed is not None:
            # an empty probe, every idle sweep, changes nothing
            data_version.note_written(connection, data_version.versions_written(table.name))
            return claimed
        states.pop(0)
    return None


def claim_next(
    connection: Connection,
    table: Table,
    returning: tuple[str, ...],
    values: dict,
    states: list[str],
) -> Row | None:
    """`claim`, committed at once."""
    claimed = claim(connection, table, returning, values, states)
    connection.commit()
    return claimed


@cache
def _finish_statement(table: Table, columns: tuple[str, ...]):
    """Record an outcome, only while the claim is still ours: a sweep that outlived
    its lease must not overwrite the claim of the sweep that took the row over."""
    return (
        update(table)
        .where(
            table.c.id == bindparam("row_id"),
            table.c.state == "sending",
            table.c.claimed_by == bindparam("worker"),
            table.c.attempts == bindparam("claimed_attempts"),
        )
        .values(
            lease_until=None,
            claimed_by=None,
            **{column: bindparam(f"new_{column}") for column in columns},
        )
    )


def finish(
    connection: Connection,
    table: Table,
    claimed: Row,
    worker: str,
    state: str,
    error: str = "",
    **values,
) -> bool:
    """Record `state` (and `values`) on a claimed row; False if it was taken over."""
    values = {"state": state, "last_error": error, **values}
    finished = connection.execute(
        _finish_statement(table, tuple(values)),
        {
            "row_id": claimed.id,
            "worker": worker,
            "claimed_attempts": claimed.attempts,
            **{f"new_{column}": value for column, value in values.items()},
        },
    )
    if finished.rowcount == 0:
        log.warning("%s %s was taken over after its lease ran out", table.name, claimed.id)
        return False
    return True


def release(
    connection: Connection,
    table: Table,
    claimed: Row,
    worker: str,
    clock: datetime,
    error: str,
    **values,
) -> None:
    """Give a claim back, still due and without counting the attempt: the mail server
    did not answer, so the send was never judged."""
    finish(
        connection,
        table,
        claimed,
        worker,
        "pending",
        error,
        attempts=claimed.attempts - 1,
        attempt_at=clock,
        **values,
    )


def give_up_after() -> timedelta:
    """How long a send may be refused with 4xx before it fails (MAIL_GIVE_UP_HOURS)."""
    return timedelta(hours=current_app.config["MAIL_GIVE_UP_HOURS"])


def refused_for_now(claimed: Row, clock: datetime, error: str) -> tuple[str, str, dict]:
    """A 4xx answer: try again after a growing back-off, or fail once the server has
    refused for longer than give_up_after(). Returns state, error and values to record."""
    since = claimed.retrying_since or clock
    limit = give_up_after()
    if clock - since >= limit:
        hours = round(limit.total_seconds() / 3600)
        return "failed", f"still refused after {hours} hours: {error}", {"retrying_since": since}
    retry_at = clock + ladder.retry_delay(claimed.attempts)
    return "pending", error, {"retrying_since": since, "attempt_at": retry_at}
