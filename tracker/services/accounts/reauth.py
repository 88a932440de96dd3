"""Asking a logged-in user for their password again before a change that matters.

Throttled and audited like a login: a stolen session must not become a way to guess
the password behind it.
"""

from __future__ import annotations

from datetime import datetime

from tracker.models import User
from tracker.services.accounts import throttle
from tracker.services.accounts.passwords import verify_password
from tracker.services.accounts.throttle import ThrottlePolicy
from tracker.services.audit import Actor, record
from tracker.services.errors import ServiceError
from tracker.services.transaction import transaction


def check_current_password(
    actor: Actor, user: User, password: str, policy: ThrottlePolicy, now: datetime
) -> None:
    """Refuse (after counting and auditing the attempt, committed) unless it is right."""
    with transaction():
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
    message = (
        "Too many wrong passwords. Wait a few minutes and try again."
        if throttled
        else "The current password is not right."
    )
    raise ServiceError(message, fields={"current_password": message})
