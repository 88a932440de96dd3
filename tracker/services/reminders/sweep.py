"""The sweep: send every reminder that is due, each exactly once across schedulers.

One reminder at a time:

1. Claim it with one atomic write, committed at once: an UPDATE whose subquery picks
   the oldest due row by the (state, attempt_at) index; on PostgreSQL the subquery
   locks it FOR UPDATE SKIP LOCKED, on SQLite the UPDATE holds the database's write
   lock. The claim sets state 'sending', a lease, and counts the attempt. A second
   scheduler can never claim the same row; a claim whose scheduler died becomes due
   again when its lease ends (its attempt_at is the lease's end).
2. Re-check that the reminder is still wanted (recipient still waiting, letter not
   closed, step still in the plan); otherwise cancel it.
3. Send it (or leave it to the addressees' digests), record sent / retry later /
   failed, and commit.

A scheduler killed between sending and recording leaves the claim to expire, and the
next sweep after the lease sends it again with the same Message-ID: at most one
duplicate per lease. The cost of a sweep is one index probe per due reminder plus
one empty probe, whatever the size of the tables.

A sweep works on one connection of its own, with prebuilt Core statements: the claim
returns the reminder's columns, one query reads its recipient, letter and official,
and the result is a compare-and-set UPDATE that only lands while the claim is still
this sweep's. Nothing is loaded as ORM objects, so the per-reminder cost stays close
to the SQL itself plus rendering the email.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import Connection, Row, bindparam, select, update

from tracker import mail
from tracker.domain import ladder
from tracker.extensions import db
from tracker.models import Letter, Official, Recipient, Reminder, UTCDateTime
from tracker.services.mailbox import holds
from tracker.services.reminders import digest
from tracker.services.reminders.email import (
    addressees,
    describe,
    open_demand_titles,
    reminder_email,
)
from tracker.settings import ladder_settings

log = logging.getLogger(__name__)

CLAIMABLE = ("sending", "pending")  # expired claims first: they are the oldest work


@dataclass
class SweepResult:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    digests: int = 0
    held: int = 0

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@cache
def _claim_statement(state: str, postgres: bool):
    """Built once: a sweep runs it once per reminder."""
    table = Reminder.__table__
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
        .returning(
            table.c.id,
            table.c.recipient_id,
            table.c.step,
            table.c.kind,
            table.c.attempts,
            table.c.message_id,
        )
    )


def claim_next(
    now: datetime,
    lease_until: datetime,
    worker: str,
    states: list[str] | None = None,
    *,
    connection: Connection | None = None,
) -> Row | None:
    """Claim the oldest due reminder and commit the claim; None when nothing is due.

    Returns the claimed reminder's id, recipient_id, step, kind, attempts (this one
    included) and message_id. `states` (expired claims first, then pending) loses
    each state whose probe comes back empty, so a long sweep does not probe for
    expired claims before every send.
    """
    if connection is None:
        with db.engine.connect() as own:
            return claim_next(now, lease_until, worker, states, connection=own)
    states = list(CLAIMABLE) if states is None else states
    postgres = connection.dialect.name == "postgresql"
    values = {"now": now, "lease": lease_until, "worker": worker}
    while states:
        claimed = connection.execute(_claim_statement(states[0], postgres), values).first()
        connection.commit()
        if claimed is not None:
            return claimed
        states.pop(0)
    return None


@cache
def _context_statement():
    """What the re-check and the email need of a recipient, in one row."""
    recipients, letters, officials = Recipient.__table__, Letter.__table__, Official.__table__
    return (
        select(
            recipients.c.id.label("recipient_id"),
            recipients.c.expects_answer,
            recipients.c.state,
            recipients.c.due_on,
            recipients.c.paused_on,
            recipients.c.followed_up_on,
            letters.c.id.label("letter_id"),
            letters.c.reference,
            letters.c.subject,
            letters.c.sent_on,
            letters.c.status.label("letter_status"),
            letters.c.business_days,
            letters.c.owner_id,
            officials.c.name.label("official"),
            officials.c.country,
        )
        .join(letters, letters.c.id == recipients.c.letter_id)
        .join(officials, officials.c.id == recipients.c.official_id)
        .where(recipients.c.id == bindparam("recipient_id"))
    )


def _still_wanted(claimed: Row, context: Row, clock: datetime) -> bool:
    """The pure decision `ladder.should_send`, on the recipient's columns as they are now."""
    recipient_clock = ladder.RecipientClock(
        due_on=context.due_on,
        expects_answer=context.expects_answer,
        state=context.state,
        letter_closed=context.letter_status == "closed",
        paused=context.paused_on is not None,
        followed_up=context.followed_up_on is not None,
    )
    planned = ladder.plan_of(recipient_clock, ladder_settings())
    return ladder.should_send(claimed.step, planned, clock)


@cache
def _finish_statement(columns: tuple[str, ...]):
    """Record an outcome, only while the claim is still ours: a sweep that outlived
    its lease must not overwrite the claim of the sweep that took the reminder over."""
    table = Reminder.__table__
    return (
        update(table)
        .where(
            table.c.id == bindparam("reminder_id"),
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


def _finish(
    connection: Connection, claimed: Row, worker: str, state: str, error: str = "", **values
) -> None:
    values = {"state": state, "last_error": error, **values}
    statement = _finish_statement(tuple(values))
    finished = connection.execute(
        statement,
        {
            "reminder_id": claimed.id,
            "worker": worker,
            "claimed_attempts": claimed.attempts,
            **{f"new_{column}": value for column, value in values.items()},
        },
    )
    if finished.rowcount == 0:
        log.warning("reminder %s was taken over after its lease ran out", claimed.id)


def _record(
    connection: Connection, claimed: Row, worker: str, delivery: mail.Delivery, clock: datetime
) -> str:
    refused = "\n".join(f"{address}: {reply}" for address, reply in delivery.refused.items())
    if delivery.outcome == "sent":
        _finish(connection, claimed, worker, "sent", refused_recipients=refused, sent_at=clock)
        return "sent"
    if delivery.outcome == "retry" and claimed.attempts < ladder.MAX_ATTEMPTS:
        retry_at = clock + ladder.retry_delay(claimed.attempts)
        _finish(
            connection,
            claimed,
            worker,
            "pending",
            delivery.error,
            refused_recipients=refused,
            attempt_at=retry_at,
        )
        return "retried"
    _finish(connection, claimed, worker, "failed", delivery.error, refused_recipients=refused)
    return "failed"


def _deliver(
    connection: Connection, claimed: Row, context: Row, clock: datetime, mailer: mail.Mailer
) -> mail.Delivery:
    immediate = tuple(
        person.email
        for person in addressees(connection, context.letter_id, context.owner_id, claimed.kind)
        if person.reminder_delivery == "immediate"
    )
    if not immediate:  # everyone reads it in their digest
        return mail.Delivery("sent")
    about = describe(
        kind=claimed.kind,
        recipient_id=context.recipient_id,
        due_on=context.due_on,
        letter_id=context.letter_id,
        reference=context.reference,
        subject=context.subject,
        sent_on=context.sent_on,
        business_days=context.business_days,
        official=context.official,
        country=context.country,
        open_demands=open_demand_titles(connection, context.letter_id),
        now=clock,
    )
    email = reminder_email(about, immediate, claimed.message_id)
    return mailer.deliver(email, clock, reminder_id=claimed.id, connection=connection)


def process(
    connection: Connection, claimed: Row, worker: str, clock: datetime, mailer: mail.Mailer
) -> str:
    """Decide, send and record one claimed reminder; commits. Returns the outcome."""
    context = connection.execute(_context_statement(), {"recipient_id": claimed.recipient_id}).one()
    if holds.reply_waiting(connection, claimed.recipient_id):
        # A reply waits for review: not sent, not cancelled, and the hold costs no attempt.
        _finish(connection, claimed, worker, "pending", attempt_at=clock + holds.RECHECK,
                attempts=claimed.attempts - 1)  # fmt: skip
        outcome = "held"
    elif not _still_wanted(claimed, context, clock):
        _finish(connection, claimed, worker, "cancelled")
        outcome = "cancelled"
    elif claimed.attempts > ladder.MAX_ATTEMPTS:  # claimed and lost again and again
        _finish(
            connection, claimed, worker, "failed", f"gave up after {ladder.MAX_ATTEMPTS} attempts"
        )
        outcome = "failed"
    else:
        delivery = _deliver(connection, claimed, context, clock, mailer)
        outcome = _record(connection, claimed, worker, delivery, clock)
    connection.commit()
    return outcome


def run_sweep(now: datetime, *, limit: int | None = None, worker: str | None = None) -> SweepResult:
    """Send what is due at `now` (up to `limit` reminders), then the digests that are due.

    Runs inside an app context. Time moves on from `now` while the sweep runs, so
    leases and sent times stay true in a long sweep and in a simulated one alike.
    """
    worker = worker or worker_name()
    lease = timedelta(seconds=current_app.config["TRACKER_LEASE_SECONDS"])
    started = time.monotonic()
    result = SweepResult()
    db.session.rollback()  # claims must open their own transaction (SQLite write lock)
    states = list(CLAIMABLE)
    with mail.Mailer() as mailer:
        with db.engine.connect() as connection:
            while limit is None or result.claimed < limit:
                clock = now + timedelta(seconds=time.monotonic() - started)
                claimed = claim_next(now, clock + lease, worker, states, connection=connection)
                if claimed is None:
                    break
                result.claimed += 1
                try:
                    result.count(process(connection, claimed, worker, clock, mailer))
                except Exception:
                    # The claim stays; its lease runs out and a later sweep tries again.
                    connection.rollback()
                    log.exception("reminder %s could not be processed", claimed.id)
        clock = now + timedelta(seconds=time.monotonic() - started)
        result.digests = digest.send_due_digests(clock, mailer)
    return result
