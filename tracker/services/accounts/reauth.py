"""Asking a logged-in user for their password again before a change that matters.

Throttled and audited like a login: a stolen session must not become a way to guess
the password behind it.
"""

from __future__ import annotations

from datetime import datetime

from tracker.extensions import db
from tracker.models import User
from tracker.services.accounts import throttle
from tracker.services.accounts.errors import AccountError
from tracker.services.accounts.passwords import verify_password
from tracker.services.accounts.throttle import ThrottlePolicy
from tracker.services.audit import Actor, record


def check_current_password(
    actor: Actor, user: User, password: str, policy: ThrottlePolicy, now: datetime
) -> None:
    """Raise AccountError (after auditing and committing the failure) unless it is right."""
    attempt = throttle.count_attempt(f"password:{user.id}", actor.ip_address, True, policy, now)
    if attempt.allowed and verify_password(user.password_hash, password):
        throttle.forget_success(attempt)
        return
    throttled = not attempt.allowed
    record(
        actor,
        "user.password_check_throttled" if throttled else "user.password_check_failed",
        entity_type="user",
        entity_id=user.id,
        summary="Wrong current password on the account page",
    )
    db.session.commit()
    message = (
        "Too many wrong passwords. Wait a few minutes and try again."
        if throttled
        else "The current password is not right."
    )
    raise AccountError(message, "current_password")
