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
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload

from tracker import mail
from tracker.domain import ladder
from tracker.extensions import db
from tracker.models import Letter, Recipient, Reminder, UTCDateTime
from tracker.services import digest
from tracker.services.reminder_mail import addressees, reminder_email
from tracker.services.reminder_plan import ladder_settings, planned_steps

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
        .returning(table.c.id)
    )


def claim_next(
    now: datetime, lease_until: datetime, worker: str, states: list[str] | None = None
) -> int | None:
    """Claim the oldest due reminder and commit the claim; None when nothing is due.

    `states` (expired claims first, then pending) loses each state whose probe comes
    back empty, so a long sweep does not probe for expired claims before every send.
    """
    states = list(CLAIMABLE) if states is None else states
    postgres = db.session.get_bind().dialect.name == "postgresql"
    values = {"now": now, "lease": lease_until, "worker": worker}
    while states:
        claimed = db.session.execute(_claim_statement(states[0], postgres), values).scalar()
        db.session.commit()
        if claimed is not None:
            return claimed
        states.pop(0)
    return None


@cache
def _load_statement():
    """Everything an email needs in one query (a letter has few watchers and demands)."""
    letter = joinedload(Reminder.recipient).joinedload(Recipient.letter)
    return (
        select(Reminder)
        .where(Reminder.id == bindparam("reminder_id"))
        .options(
            joinedload(Reminder.recipient).joinedload(Recipient.official),
            letter.joinedload(Letter.owner),
            letter.joinedload(Letter.watchers),
            letter.joinedload(Letter.demands),
        )
    )


def _load(reminder_id: int) -> Reminder:
    return db.session.scalars(_load_statement(), {"reminder_id": reminder_id}).unique().one()


def _still_wanted(reminder: Reminder, clock: datetime) -> bool:
    """In the recipient's plan now, and not overtaken by a later step that is due too
    (a scheduler back after weeks sends "escalate", not all three steps at once)."""
    planned = planned_steps(reminder.recipient, ladder_settings())
    if reminder.step not in {p.index for p in planned}:
        return False
    return not any(p.index > reminder.step and p.due_at <= clock for p in planned)


def _finish(reminder: Reminder, state: str, error: str = "") -> None:
    reminder.state = state
    reminder.last_error = error
    reminder.lease_until = None
    reminder.claimed_by = None


def _record(reminder: Reminder, delivery: mail.Delivery, clock: datetime) -> str:
    reminder.refused_recipients = "\n".join(
        f"{address}: {reply}" for address, reply in delivery.refused.items()
    )
    if delivery.outcome == "sent":
        _finish(reminder, "sent")
        reminder.sent_at = clock
        return "sent"
    if delivery.outcome == "retry" and reminder.attempts < ladder.MAX_ATTEMPTS:
        _finish(reminder, "pending", delivery.error)
        reminder.attempt_at = clock + ladder.retry_delay(reminder.attempts)
        return "retried"
    _finish(reminder, "failed", delivery.error)
    return "failed"


def process(reminder_id: int, clock: datetime, mailer: mail.Mailer) -> str:
    """Decide, send and record one claimed reminder; commits. Returns the outcome."""
    reminder = _load(reminder_id)
    if not _still_wanted(reminder, clock):
        _finish(reminder, "cancelled")
        outcome = "cancelled"
    elif reminder.attempts > ladder.MAX_ATTEMPTS:  # claimed and lost again and again
        _finish(reminder, "failed", f"gave up after {ladder.MAX_ATTEMPTS} attempts")
        outcome = "failed"
    else:
        letter = reminder.recipient.letter
        immediate = tuple(
            user.email
            for user in addressees(letter, reminder.kind)
            if user.reminder_delivery == "immediate"
        )
        if immediate:
            delivery = mailer.deliver(
                reminder_email(reminder, immediate, clock), clock, reminder_id=reminder.id
            )
        else:  # everyone reads it in their digest
            delivery = mail.Delivery("sent")
        outcome = _record(reminder, delivery, clock)
    db.session.commit()
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
        while limit is None or result.claimed < limit:
            clock = now + timedelta(seconds=time.monotonic() - started)
            reminder_id = claim_next(now, clock + lease, worker, states)
            if reminder_id is None:
                break
            result.claimed += 1
            try:
                result.count(process(reminder_id, clock, mailer))
            except Exception:
                # The claim stays; its lease runs out and a later sweep tries again.
                db.session.rollback()
                log.exception("reminder %s could not be processed", reminder_id)
        clock = now + timedelta(seconds=time.monotonic() - started)
        result.digests = digest.send_due_digests(clock, mailer)
    return result
