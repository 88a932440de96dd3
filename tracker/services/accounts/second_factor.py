"""The second factor: TOTP codes (RFC 6238, pyotp), one-time recovery codes, and the
admins' rule on who must have one.

A TOTP code is taken once: the time step it belongs to is stored, and a code of that
step or an earlier one is refused, so a code read over a shoulder or from a phishing
page cannot be replayed within its 30 seconds. The secret is sealed under TRACKER_FILE_KEY
when one is set (`secret_of` reads it either way). Recovery codes are kept as argon2 hashes,
like passwords, and each is spent by a conditional update, so two requests racing with
the same code cannot both log in.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from flask import current_app
from sqlalchemy import delete, or_, select, update

from tracker.extensions import db
from tracker.models import LoginSession, Passkey, RecoveryCode, SiteSetting, User
from tracker.services import at_rest
from tracker.services.accounts import sessions, throttle
from tracker.services.accounts.passwords import hash_password, verify_password
from tracker.services.accounts.throttle import ThrottlePolicy
from tracker.services.audit import Actor, record
from tracker.services.errors import ServiceError
from tracker.services.transaction import transaction

ISSUER = "Tracker"
REQUIREMENT_KEY = "second_factor_required"
REQUIREMENTS = ("nobody", "admins", "everyone")
RECOVERY_CODE_COUNT = 10
# No 0/o, 1/l/i: codes are copied from paper.
CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
CODE_LENGTH = 12
LABEL_LENGTH = 4
STEP_SECONDS = 30
WRONG_CODE = "That code is not right. Check that your phone's clock is right and try again."


@dataclass(frozen=True)
class SecondStep:
    """The outcome of a second-step attempt: "ok", "wrong" or "throttled"."""

    outcome: str
    method: str = ""


def _refused(message: str, field: str) -> ServiceError:
    return ServiceError(message, fields={field: message})


def requirement() -> str:
    """Who must have a second factor: "nobody", "admins" or "everyone"."""
    setting = db.session.get(SiteSetting, REQUIREMENT_KEY)
    return setting.value if setting is not None and setting.value in REQUIREMENTS else "nobody"


def _required(rule: str, user: User) -> bool:
    return rule == "everyone" or (rule == "admins" and user.role == "admin")


def required_for(user: User) -> bool:
    return _required(requirement(), user)


def set_requirement(actor: Actor, acting_user: User, rule: str) -> int:
    """Change the rule; users it now covers who have no second factor are logged out, so
    their next login sends them to enrolment. Returns how many were logged out."""
    if rule not in REQUIREMENTS:
        raise _refused("Choose who must use two-factor login.", "rule")
    old = requirement()
    if rule == old:
        return 0
    if _required(rule, acting_user) and not acting_user.has_second_factor:
        raise _refused(
            "Set up two-factor login on your own account first: this rule covers you too.", "rule"
        )
    with transaction():
        setting = db.session.get(SiteSetting, REQUIREMENT_KEY) or SiteSetting(key=REQUIREMENT_KEY)
        setting.value = rule
        db.session.add(setting)
        without = db.session.scalars(select(User).where(User.totp_confirmed_at.is_(None))).all()
        ended = [
            user
            for user in without
            if _required(rule, user) and user.is_active_account and not user.passkeys
        ]
        for user in ended:
            sessions.end_all(user)
        record(
            actor,
            "settings.second_factor",
            entity_type="setting",
            summary=f"Two-factor login required for {rule}; {len(ended)} users logged out",
            changes={REQUIREMENT_KEY: [old, rule]},
        )
    return len(ended)


KEY_PROBLEM = (
    "The two-factor secrets are encrypted with another TRACKER_FILE_KEY, or it is not set. "
    "Ask your administrator to restore the key."
)


def secret_of(user: User) -> str | None:
    """The user's TOTP secret in the clear (stored sealed when a key is set, or not)."""
    stored = user.totp_secret_stored
    if stored is None:
        return None
    try:
        return at_rest.unseal_text(stored)
    except at_rest.FileKeyError:
        raise ServiceError(KEY_PROBLEM) from None


def _store_secret(user: User, secret: str | None) -> None:
    user.totp_secret_stored = None if secret is None else at_rest.seal_text(secret)


def has_secret(user: User) -> bool:
    """A secret exists: in force, or waiting for its first code."""
    return user.totp_secret_stored is not None


def seal_stored_secrets(actor: Actor) -> int:
    """Seal every secret still stored in the clear (after TRACKER_FILE_KEY was set);
    returns how many. Refused without a key."""
    if not current_app.config.get("TRACKER_FILE_KEY"):
        raise ServiceError("Set TRACKER_FILE_KEY first: the secrets are sealed with it.")
    with transaction():
        users = db.session.scalars(select(User).where(User.totp_secret_stored.is_not(None))).all()
        clear = [user for user in users if not at_rest.is_sealed_text(user.totp_secret_stored)]
        for user in clear:
            _store_secret(user, user.totp_secret_stored)
        if clear:
            record(
                actor,
                "settings.seal_secrets",
                entity_type="setting",
                summary=f"Sealed {len(clear)} two-factor secrets under TRACKER_FILE_KEY",
            )
    return len(clear)


def provisioning_uri(user: User) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret_of(user)).provisioning_uri(name=user.email, issuer_name=ISSUER)


def begin_enrolment(actor: Actor, user: User) -> None:
    """A new secret, not in force until the user proves their app has it."""
    if user.has_totp:
        raise ServiceError("Two-factor login is already on for this account.")
    with transaction():
        _store_secret(user, pyotp.random_base32())
        record(
            actor,
            "user.second_factor_begin",
            entity_type="user",
            entity_id=user.id,
            summary="Started setting up two-factor login",
        )


def keep_or_make_secret(user: User) -> None:
    """Enrolment at login: a secret from an unfinished earlier attempt stays (the user may
    have scanned it already); the caller commits."""
    if not has_secret(user):
        _store_secret(user, pyotp.random_base32())


def _accepted_step(user: User, code: str, now: datetime) -> int | None:
    """The time step of a right, unused TOTP code (one step of clock drift either way)."""
    code = "".join(code.split())
    if not has_secret(user) or len(code) != 6 or not (code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret_of(user))
    for drift in (-1, 0, 1):
        moment = now + timedelta(seconds=drift * STEP_SECONDS)
        step = totp.timecode(moment)
        if hmac.compare_digest(totp.at(moment), code) and step > (user.totp_last_step or -1):
            return step
    return None


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    return "-".join(code[index : index + 4] for index in range(0, len(code), 4))


def has_recovery_codes(user: User) -> bool:
    """Any recovery codes, used or not (a user with passkeys keeps theirs)."""
    found = db.session.scalar(select(RecoveryCode.id).where(RecoveryCode.user_id == user.id))
    return found is not None


def replace_recovery_codes(user: User, now: datetime) -> list[str]:
    """New codes in place of the old ones, in the clear this once (the caller's
    transaction; services/accounts/passkeys calls it when the first passkey comes)."""
    return _replace_recovery_codes(user, now)


def _replace_recovery_codes(user: User, now: datetime) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_code() for _ in range(RECOVERY_CODE_COUNT)]
    for code in codes:
        db.session.add(
            RecoveryCode(
                user_id=user.id,
                label=code[:LABEL_LENGTH],
                code_hash=hash_password(code),
                created_at=now,
            )
        )
    return [format_code(code) for code in codes]


def complete_login(
    user: User, ip_address: str, now: datetime, summary: str, user_agent: str = ""
) -> str:
    """What every finished login records, and its new session (the caller commits).
    Returns the session's token, also left on `user.login_token` for the cookie."""
    user.last_login_at = now
    token = sessions.open_session(user, ip_address, user_agent, now)
    record(
        Actor(user.id, user.email, ip_address),
        "login.success",
        entity_type="user",
        entity_id=user.id,
        summary=summary,
    )
    return token


def confirm_enrolment(
    actor: Actor,
    user: User,
    code: str,
    now: datetime,
    *,
    logging_in: bool = False,
    keep: LoginSession | None = None,
    user_agent: str = "",
) -> list[str]:
    """Turn the second factor on once a code from the new secret is right.

    Ends the user's other sessions (one opened before may be someone else's; `keep` is
    the session making the request), and returns the recovery codes in the clear, the
    only time they exist so. `logging_in`: this finishes a login, which opens a session.
    """
    if not has_secret(user) or user.has_totp:
        raise _refused("Start setting up two-factor login again.", "code")
    step = _accepted_step(user, code, now)
    if step is None:
        raise _refused(WRONG_CODE, "code")
    with transaction():
        user.totp_confirmed_at = now
        user.totp_last_step = step
        sessions.end_all(user, now, keep=keep)
        codes = _replace_recovery_codes(user, now)
        record(
            actor,
            "user.second_factor_on",
            entity_type="user",
            entity_id=user.id,
            summary="Turned two-factor login on; other sessions ended",
        )
        if logging_in:
            summary = "Logged in after setting up two-factor login"
            complete_login(user, actor.ip_address, now, summary, user_agent)
    return codes


def new_recovery_codes(actor: Actor, user: User, now: datetime) -> list[str]:
    if not user.has_second_factor:
        raise ServiceError("Turn two-factor login on first.")
    with transaction():
        codes = _replace_recovery_codes(user, now)
        record(
            actor,
            "user.recovery_codes_new",
            entity_type="user",
            entity_id=user.id,
            summary="New recovery codes; the old ones no longer work",
        )
    return codes


def _clear(user: User, *, passkeys_too: bool) -> None:
    """TOTP off; the recovery codes go too unless passkeys stay (they need them)."""
    _store_secret(user, None)
    user.totp_confirmed_at = None
    user.totp_last_step = None
    if passkeys_too:
        db.session.execute(delete(Passkey).where(Passkey.user_id == user.id))
        db.session.expire(user, ["passkeys"])
    if passkeys_too or not user.passkeys:
        db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def turn_off(actor: Actor, user: User) -> None:
    """The user's own choice (after their password was checked again): TOTP off; their
    passkeys, if any, stay and keep the second factor on."""
    if required_for(user) and not user.passkeys:
        raise ServiceError("Your organisation requires two-factor login for your account.")
    with transaction():
        _clear(user, passkeys_too=False)
        record(
            actor,
            "user.second_factor_off",
            entity_type="user",
            entity_id=user.id,
            summary="Turned two-factor login off",
        )


def reset(actor: Actor, user: User) -> None:
    """An admin clears a lost second factor (TOTP, passkeys, recovery codes); the user's
    sessions end everywhere."""
    with transaction():
        _clear(user, passkeys_too=True)
        sessions.end_all(user)
        record(
            actor,
            "user.second_factor_reset",
            entity_type="user",
            entity_id=user.id,
            summary=f"Reset the second factor of {user.email}; their sessions ended",
        )


def _spend(user: User, code: str, now: datetime) -> str | None:
    """Take a TOTP or recovery code once; the method used, or None. A TOTP secret still
    waiting for its first code (a passkey user who began setting up an app) is not in force."""
    step = _accepted_step(user, code, now) if user.has_totp else None
    if step is not None:
        taken = db.session.execute(
            update(User)
            .where(User.id == user.id)
            .where(or_(User.totp_last_step.is_(None), User.totp_last_step < step))
            .values(totp_last_step=step)
        )
        if taken.rowcount == 1 and not at_rest.is_sealed_text(user.totp_secret_stored):
            _store_secret(user, secret_of(user))  # sealed on its next use, once a key is set
        return "an authenticator code" if taken.rowcount == 1 else None
    typed = "".join(code.lower().replace("-", "").split())
    if len(typed) != CODE_LENGTH or any(char not in CODE_ALPHABET for char in typed):
        return None
    candidates = db.session.scalars(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.label == typed[:LABEL_LENGTH],
            RecoveryCode.used_at.is_(None),
        )
    ).all()
    for candidate in candidates:
        if verify_password(candidate.code_hash, typed):
            spent = db.session.execute(
                update(RecoveryCode)
                .where(RecoveryCode.id == candidate.id, RecoveryCode.used_at.is_(None))
                .values(used_at=now)
            )
            return "a recovery code" if spent.rowcount == 1 else None
    return None


def verify_login(
    user: User,
    code: str,
    ip_address: str,
    policy: ThrottlePolicy,
    now: datetime,
    user_agent: str = "",
) -> SecondStep:
    """The second login step: counted before it is checked, audited; one transaction, which
    a wrong or throttled code also commits (its count and audit event must stay)."""
    return counted_second_step(
        user, lambda: _spend(user, code, now), ip_address, policy, now, user_agent
    )


def counted_second_step(
    user: User,
    check: Callable[[], str | None],
    ip_address: str,
    policy: ThrottlePolicy,
    now: datetime,
    user_agent: str = "",
    wrong_summary: str = "Wrong second-factor code",
) -> SecondStep:
    """Count the attempt, run `check` (the method used, or None when wrong), audit, and
    log in when right: a TOTP or recovery code here, a passkey in services/accounts/passkeys."""
    actor = Actor(None, user.email, ip_address)
    with transaction():
        known = throttle.is_known_address(user.id, ip_address, now)
        attempt = throttle.count_attempt(f"second-factor:{user.id}", ip_address, known, policy, now)
        method = check() if attempt.allowed else None
        if method is None:
            outcome = "wrong" if attempt.allowed else "throttled"
            action, summary = {
                "wrong": ("login.second_factor_failure", wrong_summary),
                "throttled": (
                    "login.second_factor_throttled",
                    "Too many wrong second-factor codes",
                ),
            }[outcome]
            record(actor, action, entity_type="user", entity_id=user.id, summary=summary)
            return SecondStep(outcome)
        throttle.forget_success(attempt)
        complete_login(user, ip_address, now, f"Logged in with a password and {method}", user_agent)
    return SecondStep("ok", method)


def unused_recovery_codes(user: User) -> int:
    return len(
        db.session.scalars(
            select(RecoveryCode.id).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        ).all()
    )
