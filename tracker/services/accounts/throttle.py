"""Login throttling that counts before it checks, and that an attacker cannot aim.

Every attempt is counted *before* its password is evaluated, by one atomic upsert per
counter that returns the new count; an attempt whose count passes a limit is refused
unevaluated. So a parallel burst of 50 guesses gets at most the limit evaluated, on any
number of workers, where "check, then evaluate, then count" let every request of the
burst pass the check before any of them counted.

Counters, each over a sliding window:

* one address against one account (`pair`): the address that guesses waits, nobody else;
* one address against all accounts (`address`);
* one account from all addresses (`account`): never a lock. Past its alarm level the
  owner is told by email, and addresses that never logged in to the account get one
  attempt per window instead of several. An address the owner logged in from before
  keeps its full allowance, so guesses from elsewhere cannot keep the owner out.

Counter keys hold a keyed hash of the typed email, never the text: people type their
password into the email field.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, delete, exists, select, update
from sqlalchemy.dialects import postgresql, sqlite

from tracker.extensions import db
from tracker.models import AuditEvent, LoginFailure

# How long an address the owner logged in from stays trusted for throttling.
KNOWN_ADDRESS_DAYS = 90


@dataclass(frozen=True)
class ThrottlePolicy:
    per_account: int
    per_address: int
    window: timedelta
    # Failures on one account, from anywhere, that raise the alarm.
    account_alarm: int = 10


@dataclass(frozen=True)
class Attempt:
    """The counters one login attempt was counted in, and whether it may be evaluated."""

    keys: tuple[str, ...]
    allowed: bool
    alarm: bool  # this attempt is the one that crossed the account's alarm level


def fingerprint(text: str) -> str:
    """A keyed hash of typed text, to count and correlate without storing it."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()[:24]


def _count(key: str, now: datetime, window: timedelta) -> int:
    """Add one to the counter and return its new value, in one atomic statement."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = LoginFailure.__table__
    expired = table.c.window_started_at <= now - window
    stmt = insert(table).values(key=key, failures=1, window_started_at=now)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "failures": case((expired, 1), else_=table.c.failures + 1),
            "window_started_at": case((expired, now), else_=table.c.window_started_at),
        },
    ).returning(table.c.failures)
    return db.session.execute(stmt).scalar_one()


def is_known_address(user_id: int | None, ip_address: str, now: datetime) -> bool:
    if user_id is None or not ip_address:
        return False
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    AuditEvent.entity_type == "user",
                    AuditEvent.entity_id == user_id,
                    AuditEvent.action == "login.success",
                    AuditEvent.ip_address == ip_address[:45],
                    AuditEvent.at > now - timedelta(days=KNOWN_ADDRESS_DAYS),
                )
            )
        )
    )


def count_attempt(
    account: str, ip_address: str, known: bool, policy: ThrottlePolicy, now: datetime
) -> Attempt:
    """Count one attempt on `account` (an email or "password:<user id>") from an address."""
    account_key = f"account:{fingerprint(account)}"
    pair_key = f"pair:{fingerprint(f'{account} {ip_address}')}"
    address_key = f"address:{ip_address}"
    on_account = _count(account_key, now, policy.window)
    from_here = _count(pair_key, now, policy.window)
    from_address = _count(address_key, now, policy.window)
    under_attack = on_account > policy.account_alarm
    pair_limit = policy.per_account if known or not under_attack else 1
    allowed = from_here <= pair_limit and (known or from_address <= policy.per_address)
    return Attempt(
        (account_key, pair_key, address_key), allowed, on_account == policy.account_alarm + 1
    )


def forget_success(attempt: Attempt) -> None:
    """A right password: its account and pair counters start again, the address keeps one less."""
    account_key, pair_key, address_key = attempt.keys
    db.session.execute(delete(LoginFailure).where(LoginFailure.key.in_([account_key, pair_key])))
    db.session.execute(
        update(LoginFailure)
        .where(LoginFailure.key == address_key, LoginFailure.failures > 0)
        .values(failures=LoginFailure.failures - 1)
    )
