"""The audit trail's hash chain: a row edited or deleted behind the app's back is found.

Events are sealed after they are written, by one sealer at a time (the scheduler on
each run, and `flask tracker audit-verify`), in id order: each gets the next sequence
number and an HMAC-SHA256, keyed with the app's secret key, over its own fields and the
previous event's hash. Sealing apart from writing keeps the write path as it was:
writers never wait for, or conflict over, the end of the chain. Without the secret key,
someone who can write to the database cannot forge a chain that verifies.

What it does not catch: changes to an event in the moments before it is sealed, and
removal of the newest sealed events when the attacker also knows the secret key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tracker.extensions import db
from tracker.models import AuditEvent

GENESIS = "0" * 64
SEAL_BATCH = 1000


@dataclass(frozen=True)
class ChainReport:
    sealed: int
    problems: tuple[str, ...]


def _digest(event: AuditEvent, previous: str) -> str:
    fields = [
        event.id,
        event.chain_seq,
        event.at.isoformat() if event.at else None,
        event.user_id,
        event.actor,
        event.ip_address,
        event.action,
        event.entity_type,
        event.entity_id,
        event.letter_id,
        event.summary,
        event.changes,
        previous,
    ]
    message = json.dumps(fields, sort_keys=True, default=str, separators=(",", ":"))
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def _chain_end() -> tuple[int, str]:
    last = db.session.execute(
        select(AuditEvent.chain_seq, AuditEvent.chain_hash)
        .where(AuditEvent.chain_seq.is_not(None))
        .order_by(AuditEvent.chain_seq.desc())
        .limit(1)
    ).first()
    return (last[0], last[1]) if last else (0, GENESIS)


def seal() -> int:
    """Seal every unsealed event, oldest first; commit; return how many were sealed."""
    sealed = 0
    while True:
        seq, previous = _chain_end()
        batch = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.chain_seq.is_(None))
            .order_by(AuditEvent.id)
            .limit(SEAL_BATCH)
        ).all()
        if not batch:
            return sealed
        for event in batch:
            seq += 1
            event.chain_seq = seq
            previous = event.chain_hash = _digest(event, previous)
        try:
            db.session.commit()
        except IntegrityError:  # another sealer took these numbers first: it goes on
            db.session.rollback()
            return sealed
        sealed += len(batch)


def verify() -> ChainReport:
    """Walk the chain from its start; every break is named by event id."""
    problems: list[str] = []
    previous, expected_seq, sealed = GENESIS, 1, 0
    query = (
        select(AuditEvent)
        .where(AuditEvent.chain_seq.is_not(None))
        .order_by(AuditEvent.chain_seq)
        .execution_options(yield_per=SEAL_BATCH)
    )
    for event in db.session.scalars(query):
        sealed += 1
        if event.chain_seq != expected_seq:
            problems.append(
                f"events {expected_seq} to {event.chain_seq - 1} of the chain are missing "
                f"(before event id {event.id})"
            )
        if not hmac.compare_digest(event.chain_hash or "", _digest(event, previous)):
            problems.append(f"event id {event.id} ({event.action}) was changed after sealing")
        previous, expected_seq = event.chain_hash or "", event.chain_seq + 1
    return ChainReport(sealed, tuple(problems))


def unsealed_count() -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.chain_seq.is_(None))
    )
