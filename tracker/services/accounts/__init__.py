"""Staff accounts: authentication with throttling, and account management."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from tracker.extensions import db
from tracker.models import ROLES, LoginSession, User, utcnow
from tracker.services.accounts import second_factor, security_mail, sessions, throttle
from tracker.services.accounts.passwords import (
    hash_password,
    needs_rehash,
    password_problem,
    spend_verification_time,
    verify_password,
)
from tracker.services.accounts.reauth import check_current_password
from tracker.services.accounts.throttle import ThrottlePolicy
from tracker.services.audit import Actor, apply_changes, record
from tracker.services.errors import EditConflict, ServiceError
from tracker.services.transaction import transaction

USER_CHANGED = "Someone else changed this user meanwhile. Reload and try again."


def _refused(message: str, field: str) -> ServiceError:
    """A request about accounts that cannot be carried out; the message is for the user."""
    return ServiceError(message, fields={field: message})


@dataclass(frozen=True)
class LoginResult:
    """`second_step` is "verify" or "enrol" when the password was right but the login
    is not finished: the user is not logged in until the second factor passes."""

    user: User | None
    throttled: bool = False
    second_step: str | None = None


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def _audit_label(email: str, user: User | None) -> str:
    """Who tried: the account's email, never the typed text (it may be a password)."""
    return user.email if user else f"unknown email #{throttle.fingerprint(email)[:12]}"


def authenticate(
    email: str,
    password: str,
    ip_address: str,
    policy: ThrottlePolicy,
    now: datetime,
    user_agent: str = "",
) -> LoginResult:
    """Count the attempt, then (if allowed) check the password; audit either way.

    One transaction: the count, the check and the audit event commit together, so a
    parallel burst of guesses is counted in full before any of them is evaluated.
    """
    email = normalise_email(email)
    user = find_user_by_email(email)
    actor = Actor(user_id=None, label=_audit_label(email, user), ip_address=ip_address)
    user_id = user.id if user else None
    with transaction():
        known = throttle.is_known_address(user_id, ip_address, now)
        attempt = throttle.count_attempt(email, ip_address, known, policy, now)
        if attempt.alarm and user is not None:
            security_mail.tell_owner_about_failures(user, now)
        if not attempt.allowed:
            record(
                actor,
                "login.throttled",
                entity_type="user",
                entity_id=user_id,
                summary="Too many failed logins",
            )
            return LoginResult(user=None, throttled=True)
        if user is None:
            spend_verification_time(password)
        if user is None or not (verify_password(user.password_hash, password) and user.is_active):
            record(
                actor,
                "login.failure",
                entity_type="user",
                entity_id=user_id,
                summary="Failed login",
            )
            return LoginResult(user=None)
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        throttle.forget_success(attempt)
        second_step = _second_step(user, actor)
        if second_step is None:  # the new session's token is left on user.login_token
            second_factor.complete_login(user, ip_address, now, "Logged in", user_agent)
    return LoginResult(user=user, second_step=second_step)


def _second_step(user: User, actor: Actor) -> str | None:
    """What the login still needs after a right password, audited (the caller commits)."""
    if user.has_second_factor:
        step, summary = "verify", "Right password; second factor asked"
    elif second_factor.required_for(user):
        step, summary = "enrol", "Right password; sent to set up two-factor login"
        second_factor.keep_or_make_secret(user)
    else:
        return None
    record(actor, "login.password_ok", entity_type="user", entity_id=user.id, summary=summary)
    return step


def log_out(actor: Actor, user: User, current: LoginSession | None) -> None:
    """Logging out ends this device's session; the sessions page ends the others."""
    with transaction():
        if current is not None:
            current.ended_at = utcnow()
        record(actor, "logout", entity_type="user", entity_id=user.id, summary="Logged out")


def _check_password(password: str, *user_inputs: str) -> None:
    problem = password_problem(password, user_inputs)
    if problem:
        raise _refused(problem, "password")


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise _refused(f"Unknown role {role!r}.", "role")


def create_user(actor: Actor, *, email: str, name: str, role: str, password: str) -> User:
    email = normalise_email(email)
    _check_role(role)
    _check_password(password, email, name)
    if find_user_by_email(email) is not None:
        raise _refused("A user with this email already exists.", "email")
    with transaction():
        user = User(
            email=email,
            name=name.strip() or email,
            role=role,
            password_hash=hash_password(password),
        )
        db.session.add(user)
        db.session.flush()
        record(
            actor,
            "user.create",
            entity_type="user",
            entity_id=user.id,
            summary=f"Created {role} {email}",
            changes={"email": [None, email], "role": [None, role]},
        )
    return user


def update_user(
    actor: Actor, user: User, *, name: str, role: str, active: bool, expected_version: int
) -> User:
    _check_role(role)
    if user.version != expected_version:
        raise EditConflict(user, USER_CHANGED)
    if user.id == actor.user_id and (role != "admin" or not active):
        raise _refused("You cannot remove your own admin role or deactivate yourself.", "role")
    with transaction(current=user, conflict_message=USER_CHANGED):
        new_values = {"name": name.strip() or user.email, "role": role, "is_active_account": active}
        changes = apply_changes(user, new_values)
        if not changes:
            return user
        if "is_active_account" in changes or "role" in changes:
            sessions.end_all(user)
        record(
            actor,
            "user.update",
            entity_type="user",
            entity_id=user.id,
            summary=f"Updated {user.email}",
            changes=changes,
        )
    return user


def set_password(
    actor: Actor, user: User, new_password: str, *, keep: LoginSession | None = None
) -> None:
    """Set a password and end the user's sessions everywhere (but `keep`, the session of
    a user changing their own password)."""
    _check_password(new_password, user.email, user.name)
    with transaction():
        user.password_hash = hash_password(new_password)
        sessions.end_all(user, keep=keep)
        action = "user.password_change" if actor.user_id == user.id else "user.password_reset"
        record(
            actor,
            action,
            entity_type="user",
            entity_id=user.id,
            summary=f"Password of {user.email}",
        )


def change_own_password(
    actor: Actor,
    user: User,
    passwords: tuple[str, str],
    policy: ThrottlePolicy,
    now: datetime,
    keep: LoginSession | None = None,
) -> None:
    """Check the current password (throttled and audited like a login), then set the new
    one; the user's other sessions end, `keep` (this one) stays."""
    current, new_password = passwords
    check_current_password(actor, user, current, policy, now)
    set_password(actor, user, new_password, keep=keep)


def update_preferences(actor: Actor, user: User, *, timezone: str, delivery: str) -> None:
    with transaction():
        new_values = {"timezone": timezone, "reminder_delivery": delivery}
        changes = apply_changes(user, new_values)
        if not changes:
            return
        record(
            actor,
            "user.preferences",
            entity_type="user",
            entity_id=user.id,
            summary="Changed reminder preferences",
            changes=changes,
        )


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def ensure_first_admin(email: str | None, password: str | None) -> tuple[User, str | None] | None:
    """Create an admin when there are no users at all.

    Returns (user, generated password or None), or None when users already exist.
    """
    if db.session.scalar(select(func.count()).select_from(User)):
        return None
    generated = None if password else generate_password()
    user = create_user(
        Actor.system("setup"),
        email=email or "admin@example.org",
        name="Administrator",
        role="admin",
        password=password or generated,
    )
    return user, generated
