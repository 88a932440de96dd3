"""Staff accounts: authentication with throttling, and account management."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from tracker.extensions import db
from tracker.models import ROLES, LoginFailure, User
from tracker.services.accounts.passwords import (
    MIN_PASSWORD_LENGTH,
    hash_password,
    needs_rehash,
    spend_verification_time,
    verify_password,
)
from tracker.services.audit import Actor, apply_changes, record
from tracker.services.errors import EditConflict, ServiceError
from tracker.services.transaction import transaction

USER_CHANGED = "Someone else changed this user meanwhile. Reload and try again."


def _refused(message: str, field: str) -> ServiceError:
    """A request about accounts that cannot be carried out; the message is for the user."""
    return ServiceError(message, fields={field: message})


@dataclass(frozen=True)
class ThrottlePolicy:
    per_account: int
    per_address: int
    window: timedelta


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    throttled: bool = False


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def _account_key(email: str) -> str:
    return f"account:{normalise_email(email)}"


def _failure_keys(email: str, ip_address: str) -> tuple[str, str]:
    return _account_key(email), f"address:{ip_address}"


def _is_throttled(email: str, ip_address: str, policy: ThrottlePolicy, now: datetime) -> bool:
    account_key, address_key = _failure_keys(email, ip_address)
    rows = db.session.execute(
        select(LoginFailure.key, LoginFailure.failures).where(
            LoginFailure.key.in_([account_key, address_key]),
            LoginFailure.window_started_at > now - policy.window,
        )
    ).all()
    limits = {account_key: policy.per_account, address_key: policy.per_address}
    return any(failures >= limits[key] for key, failures in rows)


def _count_failure(key: str, now: datetime, window: timedelta) -> None:
    """Atomic upsert, so concurrent workers never lose a failure."""
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
    )
    db.session.execute(stmt)


def authenticate(
    email: str, password: str, ip_address: str, policy: ThrottlePolicy, now: datetime
) -> LoginResult:
    """Check a login, count failures, audit both outcomes: one transaction."""
    email = normalise_email(email)
    actor = Actor(user_id=None, label=email[:254], ip_address=ip_address)
    if _is_throttled(email, ip_address, policy, now):
        with transaction():
            record(actor, "login.throttled", entity_type="user", summary="Too many failed logins")
        return LoginResult(user=None, throttled=True)

    user = find_user_by_email(email)
    if user is None:
        spend_verification_time(password)
        valid = False
    else:
        valid = verify_password(user.password_hash, password) and user.is_active

    if not valid:
        with transaction():
            for key in _failure_keys(email, ip_address):
                _count_failure(key, now, policy.window)
            record(
                actor,
                "login.failure",
                entity_type="user",
                entity_id=user.id if user else None,
                summary="Failed login",
            )
        return LoginResult(user=None)

    with transaction():
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        user.last_login_at = now
        db.session.execute(delete(LoginFailure).where(LoginFailure.key == _account_key(email)))
        record(
            Actor(user.id, user.email, ip_address),
            "login.success",
            entity_type="user",
            entity_id=user.id,
            summary="Logged in",
        )
    return LoginResult(user=user)


def log_out(actor: Actor, user: User) -> None:
    """Logging out ends every session of this user, on every device."""
    with transaction():
        user.end_sessions()
        record(actor, "logout", entity_type="user", entity_id=user.id, summary="Logged out")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise _refused(
            f"Use at least {MIN_PASSWORD_LENGTH} characters for the password.", "password"
        )


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise _refused(f"Unknown role {role!r}.", "role")


def create_user(actor: Actor, *, email: str, name: str, role: str, password: str) -> User:
    email = normalise_email(email)
    _check_role(role)
    _check_password(password)
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
            user.end_sessions()
        record(
            actor,
            "user.update",
            entity_type="user",
            entity_id=user.id,
            summary=f"Updated {user.email}",
            changes=changes,
        )
    return user


def set_password(actor: Actor, user: User, new_password: str) -> None:
    """Set a password and end the user's sessions everywhere."""
    _check_password(new_password)
    with transaction():
        user.password_hash = hash_password(new_password)
        user.end_sessions()
        action = "user.password_change" if actor.user_id == user.id else "user.password_reset"
        record(
            actor,
            action,
            entity_type="user",
            entity_id=user.id,
            summary=f"Password of {user.email}",
        )


def change_own_password(actor: Actor, user: User, current: str, new_password: str) -> None:
    if not verify_password(user.password_hash, current):
        raise _refused("The current password is not right.", "current_password")
    set_password(actor, user, new_password)


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
