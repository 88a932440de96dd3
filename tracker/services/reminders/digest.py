"""Daily digests: one email at 08:00 in each digest reader's own time zone.

A digest is a send of its own (a Digest row), with the same guarantee as a reminder:
claimed with a lease, sent, recorded, committed (`claims`). As the sweep reaches a
reminder, it puts it in the open digest (pending, never tried) of each addressee who
reads digests, once per reader; a digest that was tried once keeps its content and
Message-ID, so a retry or a duplicate after a crash is the same email.

A reminder counts as delivered to a reader only when that reader's digest was
accepted: until then it is "queued"; when every digest carrying it was accepted it
is "sent"; when one is refused for good it is "failed" with the digest's reason, and
"Retry" sends that digest again.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import cache

from sqlalchemy import Connection, Row, bindparam, exists, insert, select, update

from tracker import mail
from tracker.domain import ladder
from tracker.models import Digest, DigestItem, Letter, Recipient, Reminder, User
from tracker.queries.access import user_sees_campaign
from tracker.services.reminders import claims
from tracker.services.reminders.email import Addressee, digest_email, facts, read_context

log = logging.getLogger(__name__)

DIGEST_HOUR = 8
SETTLED = ("sent", "cancelled")
TABLE = Digest.__table__
CLAIM_RETURNS = ("user_id", "message_id", "retrying_since", "created_at", "tried_at")


# --- filling ------------------------------------------------------------------------


@cache
def _carried_by_statement():
    items = DigestItem.__table__
    return (
        select(items.c.user_id, TABLE.c.state)
        .join(TABLE, TABLE.c.id == items.c.digest_id)
        .where(items.c.reminder_id == bindparam("reminder_id"))
    )


@cache
def _open_digest_statements():
    is_open = (TABLE.c.state == "pending") & TABLE.c.tried_at.is_(None)
    find = (
        select(TABLE.c.id)
        .where(TABLE.c.user_id == bindparam("user_id"), is_open)
        .order_by(TABLE.c.id)
        .limit(1)
    )
    # A write that only lands while the digest is still open: on PostgreSQL it waits
    # for a claim in progress and then finds the digest taken, and the claim skips a
    # digest this locks; SQLite's write lock orders the two.
    join = (
        update(TABLE)
        .where(TABLE.c.id == bindparam("digest_id"), is_open)
        .values(reminder_count=TABLE.c.reminder_count + 1)
        .returning(TABLE.c.id)
    )
    return find, join, insert(TABLE).returning(TABLE.c.id), insert(DigestItem.__table__)


def _open_digest(connection: Connection, reader: Addressee, clock: datetime) -> int:
    find, join, create, _add = _open_digest_statements()
    found = connection.execute(find, {"user_id": reader.id}).scalar()
    if found is not None and connection.execute(join, {"digest_id": found}).scalar():
        return found
    return connection.execute(
        create,
        {
            "user_id": reader.id,
            "state": "pending",
            "attempt_at": ladder.next_digest_at(clock, reader.timezone, DIGEST_HOUR),
            "attempts": 0,
            "message_id": mail.new_message_id("digest"),
            "reminder_count": 1,
            "last_error": "",
            "created_at": clock,
        },
    ).scalar_one()


def queue(
    connection: Connection, reminder_id: int, readers: list[Addressee], clock: datetime
) -> bool:
    """Put a reminder in each reader's open digest, once per reader; the caller commits.

    True while a digest that carries it has not been accepted yet.
    """
    carried = dict(connection.execute(_carried_by_statement(), {"reminder_id": reminder_id}).all())
    add = _open_digest_statements()[3]
    for reader in readers:
        if reader.id not in carried:
            digest_id = _open_digest(connection, reader, clock)
            connection.execute(
                add, {"digest_id": digest_id, "reminder_id": reminder_id, "user_id": reader.id}
            )
            carried[reader.id] = "pending"
    return any(state not in SETTLED for state in carried.values())


# --- sending ------------------------------------------------------------------------


@cache
def _contents_statement():
    """The digest's reminders, less those on letters its reader may no longer see."""
    items, reminders = DigestItem.__table__, Reminder.__table__
    recipients, letters, users = Recipient.__table__, Letter.__table__, User.__table__
    reader_role = select(users.c.role).where(users.c.id == bindparam("user_id")).scalar_subquery()
    return (
        select(reminders.c.kind, reminders.c.recipient_id, reminders.c.sent_at)
        .join(items, items.c.reminder_id == reminders.c.id)
        .join(recipients, recipients.c.id == reminders.c.recipient_id)
        .join(letters, letters.c.id == recipients.c.letter_id)
        .where(
            items.c.digest_id == bindparam("digest_id"),
            user_sees_campaign(bindparam("user_id"), reader_role, letters.c.campaign_id),
        )
        .order_by(reminders.c.sent_at, reminders.c.id)
    )


@cache
def _reader_statement():
    users = User.__table__
    return select(
        users.c.email, users.c.name, users.c.timezone, users.c.active.label("active")
    ).where(users.c.id == bindparam("user_id"))


@cache
def _settle_statements():
    """The carried reminders' state once a digest is settled (sent or cancelled) or failed."""
    items, reminders = DigestItem.__table__, Reminder.__table__
    carried = reminders.c.id.in_(
        select(items.c.reminder_id).where(items.c.digest_id == bindparam("digest_id"))
    )
    other = items.alias("other")
    unsettled = (
        select(other.c.reminder_id)
        .join(TABLE, TABLE.c.id == other.c.digest_id)
        .where(other.c.reminder_id == reminders.c.id, TABLE.c.state.not_in(SETTLED))
    )
    queued = (reminders.c.state == "queued") & carried
    delivered = update(reminders).where(queued, ~exists(unsettled)).values(state="sent")
    failed = update(reminders).where(queued).values(state="failed", last_error=bindparam("error"))
    return delivered, failed


def _settle(connection: Connection, digest_id: int, state: str, error: str = "") -> None:
    delivered, failed = _settle_statements()
    if state == "failed":
        connection.execute(failed, {"digest_id": digest_id, "error": error})
    else:
        connection.execute(delivered, {"digest_id": digest_id})


def _email(
    connection: Connection, claimed: Row, reader: Row, clock: datetime
) -> tuple[mail.Email | None, str]:
    """The digest's email (None when nobody waits for it), and what it is, for reports."""
    contents = connection.execute(
        _contents_statement(), {"digest_id": claimed.id, "user_id": claimed.user_id}
    ).all()
    if not contents or not reader.active:
        return None, f"digest to {reader.email} (empty)"
    items = []
    for row in contents:
        items.append(facts(row.kind, read_context(connection, row.recipient_id), clock))
    since = claimed.created_at.astimezone(ladder.timezone_or_utc(reader.timezone)).date()
    references = ", ".join(sorted({item.reference for item in items}))
    email = digest_email(reader, items, claimed.message_id, since)
    return email, f"digest to {reader.email} ({references})"


def process(
    connection: Connection, claimed: Row, worker: str, clock: datetime, mailer: mail.Mailer
) -> tuple[str, mail.Delivery | None, str]:
    """Send and record one claimed digest; the caller commits. Returns the outcome, the
    delivery and what the digest was, for the sweep's report."""
    reader = connection.execute(_reader_statement(), {"user_id": claimed.user_id}).one()
    email, what = _email(connection, claimed, reader, clock)
    delivery = None
    if email is None:  # the reader left, or nothing is in it: nobody is waiting for it
        state, error, values = "cancelled", "", {}
    elif claimed.attempts > ladder.MAX_ATTEMPTS and claimed.retrying_since is None:
        # Claimed and lost again and again, never answered: something kills the sweep.
        state, error, values = "failed", f"gave up after {ladder.MAX_ATTEMPTS} attempts", {}
    else:
        delivery = mailer.deliver(email, clock, digest_id=claimed.id, connection=connection)
        state, error, values = _outcome(claimed, clock, delivery)
        # Sealed from its first attempt, answered or not: the server may have it.
        values.update(last_attempt_at=clock, tried_at=claimed.tried_at or clock)
    if state == "released":
        tried_at = values["tried_at"]
        claims.release(connection, TABLE, claimed, worker, clock, error, tried_at=tried_at)
    elif claims.finish(connection, TABLE, claimed, worker, state, error, **values) and (
        state in ("sent", "cancelled", "failed")
    ):
        _settle(connection, claimed.id, state, f"digest to {reader.email}: {error}")
    outcome = {"sent": "digests", "pending": "retried", "released": "deferred"}.get(state, state)
    return outcome, delivery, what


def _outcome(claimed: Row, clock: datetime, delivery: mail.Delivery) -> tuple[str, str, dict]:
    if delivery.outcome == "sent":
        return "sent", "", {"sent_at": clock, "retrying_since": None}
    if delivery.outcome == "unreachable":
        return "released", delivery.error, {}
    if delivery.outcome == "retry":
        return claims.refused_for_now(claimed, clock, delivery.error)
    return "failed", delivery.error, {}
