"""The sweep: send every reminder and digest that is due, each exactly once across schedulers.

One reminder at a time:

1. Claim it (`claims`: one atomic write with a lease, committed before it is sent).
2. Re-check that the reminder is still wanted (recipient still waiting, letter not
   closed, step still in the plan); otherwise cancel it.
3. Send it to those who read reminders at once (and have not had it yet), put it in
   the digests of those who read digests, record sent / queued / retry later /
   failed, claim the next reminder, and commit both.

Then the digests that are due, the same way (`digest`).

A scheduler killed between sending and recording leaves the claim to expire, and the
next sweep after the lease sends it again with the same Message-ID: at most one
duplicate per lease. A mail server that does not answer (no connection, a timeout,
421) stops the sweep's sending at once: the claim goes back, still due, without
counting an attempt, and every sweep waits for the server's back-off (`outage`).
The cost of a sweep is one index probe per due reminder plus a few empty probes,
whatever the size of the tables.

A sweep works on one connection of its own, with prebuilt Core statements: the claim
returns the reminder's columns, one query reads its recipient, letter, official,
review hold, open demands and addressees, and the result is a compare-and-set UPDATE
that only lands while the claim is still this sweep's, committed with the next claim:
one commit per reminder. Nothing is loaded as ORM objects, so the per-reminder cost
stays close to the SQL itself plus rendering the email.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Connection, Row

from tracker import mail
from tracker.domain import ladder
from tracker.extensions import db
from tracker.models import Reminder
from tracker.services.mailbox import holds
from tracker.services.reminders import claims, digest, outage
from tracker.services.reminders.email import (
    Addressee,
    facts,
    reminder_email,
    start_thread,
    sweep_context,
)
from tracker.settings import ladder_settings

log = logging.getLogger(__name__)

CLAIMABLE = claims.CLAIMABLE
TABLE = Reminder.__table__
CLAIM_RETURNS = (
    "recipient_id",
    "step",
    "kind",
    "message_id",
    "retrying_since",
    "delivered_to",
    "refused_recipients",
)


@dataclass
class SweepResult:
    claimed: int = 0
    sent: int = 0
    queued: int = 0  # sent to no one yet, waiting in digests only
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    digests: int = 0
    held: int = 0
    # What went wrong, one line each: "L-2024-0001 no response to a@x.org: 550 ...".
    failures: list[str] = field(default_factory=list)
    # Why the sweep stopped sending, when the mail server did not answer.
    unreachable: str = ""

    def count(self, outcome: str) -> None:
        if outcome != "deferred":
            setattr(self, outcome, getattr(self, outcome) + 1)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claim_next(
    now: datetime,
    lease_until: datetime,
    worker: str,
    states: list[str] | None = None,
    *,
    connection: Connection | None = None,
) -> Row | None:
    """Claim the oldest due reminder and commit the claim; None when nothing is due.

    Returns the claimed reminder's id, attempts (this one included) and CLAIM_RETURNS.
    """
    if connection is None:
        with db.engine.connect() as own:
            return claim_next(now, lease_until, worker, states, connection=own)
    values = {"now": now, "lease": lease_until, "worker": worker}
    states = list(CLAIMABLE) if states is None else states
    return claims.claim_next(connection, TABLE, CLAIM_RETURNS, values, states)


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


def _record(
    connection: Connection,
    claimed: Row,
    worker: str,
    delivery: mail.Delivery,
    waiting: bool,
    clock: datetime,
) -> str:
    """Record one delivery; `waiting`: digests that carry it are yet to be accepted."""
    if delivery.outcome == "unreachable":
        claims.release(connection, TABLE, claimed, worker, clock, delivery.error)
        return "deferred"
    delivered = claimed.delivered_to.split() + list(delivery.accepted)
    refused = {**_refused_for_good(claimed), **delivery.refused, **delivery.deferred}
    if delivery.outcome == "fail" and delivery.refused and delivered:
        # The last addresses were refused for good, but the others had it: sent.
        delivery = mail.Delivery("sent")
    values = {
        "last_attempt_at": clock,
        "delivered_to": "\n".join(dict.fromkeys(delivered)),
        "refused_recipients": "\n".join(f"{a}: {reply}" for a, reply in refused.items()),
    }
    if delivery.outcome == "sent":
        state = "queued" if waiting else "sent"
        claims.finish(
            connection, TABLE, claimed, worker, state, sent_at=clock, retrying_since=None, **values
        )
        return state
    if delivery.outcome == "retry":
        state, error, retry = claims.refused_for_now(claimed, clock, delivery.error)
        claims.finish(connection, TABLE, claimed, worker, state, error, **retry, **values)
        return "retried" if state == "pending" else "failed"
    claims.finish(connection, TABLE, claimed, worker, "failed", delivery.error, **values)
    return "failed"


def _refused_for_good(claimed: Row) -> dict[str, str]:
    """Addresses an earlier attempt had refused with 5xx: a retry does not try them."""
    lines = (line.partition(": ") for line in claimed.refused_recipients.splitlines())
    return {address: reply for address, _sep, reply in lines if reply.startswith("5")}


def _deliver(
    connection: Connection,
    claimed: Row,
    context: Row,
    people: list[Addressee],
    clock: datetime,
    mailer: mail.Mailer,
) -> tuple[mail.Delivery, bool]:
    """Send to the immediate readers who have not had it; queue it for digest readers."""
    had_it = set(claimed.delivered_to.split()) | set(_refused_for_good(claimed))
    immediate = tuple(
        person.email
        for person in people
        if person.reminder_delivery == "immediate" and person.email not in had_it
    )
    delivery = mail.Delivery("sent")
    if immediate:
        about = facts(claimed.kind, context, clock)
        root = context.thread_message_id
        email = reminder_email(about, immediate, claimed.message_id, root)
        delivery = mailer.deliver(email, clock, reminder_id=claimed.id, connection=connection)
        if root is None and delivery.accepted:
            start_thread(connection, context.letter_id, claimed.message_id)
    readers = [person for person in people if person.reminder_delivery == "digest"]
    waiting = False
    if readers and delivery.outcome != "unreachable":
        waiting = digest.queue(connection, claimed.id, readers, clock)
    return delivery, waiting


def _process(
    connection: Connection, claimed: Row, worker: str, clock: datetime, mailer: mail.Mailer
) -> tuple[str, mail.Delivery | None, Row]:
    context, people = sweep_context(connection, claimed.recipient_id, claimed.kind)
    delivery = None
    if context.reply_waiting:
        # A reply waits for review: not sent, not cancelled, and the hold costs no attempt.
        claims.finish(
            connection,
            TABLE,
            claimed,
            worker,
            "pending",
            attempt_at=clock + holds.RECHECK,
            attempts=claimed.attempts - 1,
        )
        outcome = "held"
    elif not _still_wanted(claimed, context, clock):
        claims.finish(connection, TABLE, claimed, worker, "cancelled")
        outcome = "cancelled"
    elif claimed.attempts > ladder.MAX_ATTEMPTS and claimed.retrying_since is None:
        # Claimed and lost again and again, never answered: something kills the sweep.
        error = f"gave up after {ladder.MAX_ATTEMPTS} attempts"
        claims.finish(connection, TABLE, claimed, worker, "failed", error)
        outcome = "failed"
    else:
        delivery, waiting = _deliver(connection, claimed, context, people, clock, mailer)
        outcome = _record(connection, claimed, worker, delivery, waiting, clock)
    return outcome, delivery, context


def process(
    connection: Connection, claimed: Row, worker: str, clock: datetime, mailer: mail.Mailer
) -> str:
    """Decide, send and record one claimed reminder; commits. Returns the outcome."""
    outcome = _process(connection, claimed, worker, clock, mailer)[0]
    connection.commit()
    return outcome


def _report(result: SweepResult, what: str, outcome: str, delivery: mail.Delivery | None) -> None:
    """Count an outcome; log each error the mail server gave once, and list failures."""
    result.count(outcome)
    if delivery is None or not delivery.error:
        if outcome == "failed":
            result.failures.append(f"{what}: gave up after {ladder.MAX_ATTEMPTS} lost attempts")
        return
    if outcome == "deferred":
        result.unreachable = delivery.error
        return
    log.warning("%s: %s (%s)", what, delivery.error, outcome)
    if outcome == "failed":
        result.failures.append(f"{what}: {delivery.error}")


class _Sweep:
    """One sweep's clock, lease and heartbeat, over one connection and one mailer."""

    def __init__(self, now: datetime, worker: str, beat: Callable[[], None] | None) -> None:
        self.now, self.worker, self.beat = now, worker, beat
        self.lease = timedelta(seconds=current_app.config["TRACKER_LEASE_SECONDS"])
        self.beat_every = current_app.config["TRACKER_SWEEP_SECONDS"]
        self.started = self.last_beat = time.monotonic()

    def clock(self) -> datetime:
        """Time moves on from `now` while the sweep runs, so leases and sent times stay
        true in a long sweep and in a simulated one alike."""
        return self.now + timedelta(seconds=time.monotonic() - self.started)

    def heartbeat(self) -> None:
        """Beat when it is time; only between transactions: the beat is a write of its
        own, which SQLite's write lock would make wait for the sweep's."""
        elapsed = time.monotonic()
        if self.beat is not None and elapsed - self.last_beat >= self.beat_every:
            self.beat()
            self.last_beat = elapsed

    def claim(self, connection: Connection, table, returning, states: list[str]) -> Row | None:
        """Claim the next row in the connection's transaction; the caller commits."""
        clock = self.clock()
        values = {"now": self.now, "lease": clock + self.lease, "worker": self.worker}
        return claims.claim(connection, table, returning, values, states)


def _send_each(
    sweep: _Sweep,
    connection: Connection,
    result: SweepResult,
    kind: str,
    table,
    returning: tuple[str, ...],
    send: Callable[[Row], tuple[str, mail.Delivery | None, str]],
    more: Callable[[], bool],
) -> None:
    """Claim and `send` one row after another while `more()`. Each row's result is
    committed together with the claim of the next: one commit per send, and every
    claim is still committed before its send."""
    states = list(CLAIMABLE)
    claimed = sweep.claim(connection, table, returning, states) if more() else None
    connection.commit()
    while claimed is not None:
        sweep.heartbeat()
        try:
            outcome, delivery, what = send(claimed)
        except Exception:
            # The claim stays; its lease runs out and a later sweep tries again.
            connection.rollback()
            log.exception("%s %s could not be processed", kind, claimed.id)
        else:
            _report(result, what, outcome, delivery)
        claimed = sweep.claim(connection, table, returning, states) if more() else None
        connection.commit()


def _reminders(sweep: _Sweep, connection, mailer, result: SweepResult, limit: int | None) -> None:
    def send(claimed: Row) -> tuple[str, mail.Delivery | None, str]:
        result.claimed += 1
        outcome, delivery, context = _process(
            connection, claimed, sweep.worker, sweep.clock(), mailer
        )
        kind = claimed.kind.replace("_", " ")
        return outcome, delivery, f"{context.reference} {kind} about {context.official}"

    def more() -> bool:
        return not result.unreachable and (limit is None or result.claimed < limit)

    _send_each(sweep, connection, result, "reminder", TABLE, CLAIM_RETURNS, send, more)


def _digests(sweep: _Sweep, connection, mailer, result: SweepResult) -> None:
    def send(claimed: Row) -> tuple[str, mail.Delivery | None, str]:
        return digest.process(connection, claimed, sweep.worker, sweep.clock(), mailer)

    def more() -> bool:
        return not result.unreachable

    _send_each(sweep, connection, result, "digest", digest.TABLE, digest.CLAIM_RETURNS, send, more)


def run_sweep(
    now: datetime,
    *,
    limit: int | None = None,
    worker: str | None = None,
    beat: Callable[[], None] | None = None,
) -> SweepResult:
    """Send what is due at `now` (up to `limit` reminders), then the digests that are due.

    Runs inside an app context. `beat` is called every TRACKER_SWEEP_SECONDS while a
    long sweep runs. Sends nothing while the mail server's back-off lasts.
    """
    sweep = _Sweep(now, worker or worker_name(), beat)
    result = SweepResult()
    db.session.rollback()  # claims must open their own transaction (SQLite write lock)
    with mail.Mailer() as mailer, db.engine.connect() as connection:
        smtp = mailer.settings is not None
        waiting = outage.waiting_until(connection, now) if smtp else None
        if waiting is not None:
            result.unreachable = (
                f"mail server unreachable; next try at {waiting:%Y-%m-%d %H:%M} UTC"
            )
            return result
        _reminders(sweep, connection, mailer, result, limit)
        _digests(sweep, connection, mailer, result)
        if result.unreachable:
            outage.record_unreachable(connection, sweep.clock(), result.unreachable)
        elif mailer.answered:
            outage.record_reachable(connection)
        connection.commit()
    return result
