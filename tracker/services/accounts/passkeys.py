"""Passkeys (WebAuthn, py_webauthn) as a second factor, beside or instead of TOTP.

A passkey is bound to the RP ID, TRACKER_BASE_URL's host, and every ceremony must come
from TRACKER_BASE_URL's origin: moving the app to another host makes its passkeys useless
(the README says so). The challenge of a ceremony is made here and kept by the caller (the
web layer keeps it in the Flask session and hands it back once: each is single-use).
"""

from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import delete, select
from webauthn import (
    base64url_to_bytes,
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from tracker.extensions import db
from tracker.models import LoginSession, Passkey, RecoveryCode, User
from tracker.services.accounts import second_factor, sessions
from tracker.services.accounts.second_factor import SecondStep
from tracker.services.accounts.throttle import ThrottlePolicy
from tracker.services.audit import Actor, record
from tracker.services.errors import ServiceError
from tracker.services.transaction import transaction

RP_NAME = "Tracker"
NAME_LENGTH = 80
MAX_PASSKEYS = 20
TRANSPORTS = {transport.value for transport in AuthenticatorTransport}
REFUSED = "That passkey was not accepted. Try again, or use another way to log in."


def rp_id() -> str:
    return urlsplit(current_app.config["TRACKER_BASE_URL"]).hostname or "localhost"


def origin() -> str:
    parts = urlsplit(current_app.config["TRACKER_BASE_URL"])
    return f"{parts.scheme}://{parts.netloc}"


def _refused(message: str, field: str = "credential") -> ServiceError:
    return ServiceError(message, fields={field: message})


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise _refused("Give the passkey a name, such as the device it is on.", "name")
    if len(name) > NAME_LENGTH:
        raise _refused(f"Keep the name under {NAME_LENGTH} characters.", "name")
    return name


def _descriptors(user: User) -> list[PublicKeyCredentialDescriptor]:
    return [
        PublicKeyCredentialDescriptor(
            id=passkey.credential_id,
            transports=[
                AuthenticatorTransport(value)
                for value in passkey.transports.split(",")
                if value in TRANSPORTS
            ]
            or None,
        )
        for passkey in user.passkeys
    ]


def registration_options(user: User) -> tuple[str, bytes]:
    """Options for navigator.credentials.create (JSON) and their challenge."""
    options = generate_registration_options(
        rp_id=rp_id(),
        rp_name=RP_NAME,
        user_name=user.email,
        user_id=f"tracker-user-{user.id}".encode(),
        user_display_name=user.name,
        exclude_credentials=_descriptors(user),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
    )
    return options_to_json(options), options.challenge


def authentication_options(user: User) -> tuple[str, bytes]:
    """Options for navigator.credentials.get: the user's own passkeys only."""
    options = generate_authentication_options(
        rp_id=rp_id(),
        allow_credentials=_descriptors(user),
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return options_to_json(options), options.challenge


def _transports_of(credential: str) -> str:
    try:
        listed = json.loads(credential).get("response", {}).get("transports") or []
    except (ValueError, AttributeError):
        return ""
    if not isinstance(listed, list):
        return ""
    return ",".join(value for value in listed if isinstance(value, str) and value in TRANSPORTS)


def add(
    actor: Actor,
    user: User,
    credential: str,
    challenge: bytes | None,
    name: str,
    now: datetime,
    *,
    keep: LoginSession | None = None,
) -> list[str] | None:
    """Verify a registration and keep the passkey; the user's other sessions end, as when
    TOTP is turned on. Returns new recovery codes (in the clear, once) when the user had
    none, else None."""
    name = _clean_name(name)
    if challenge is None:
        raise _refused("Start adding the passkey again: that attempt expired.")
    if len(user.passkeys) >= MAX_PASSKEYS:
        raise _refused(f"You have {MAX_PASSKEYS} passkeys; remove one first.")
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id(),
            expected_origin=origin(),
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as error:
        raise _refused(f"The passkey could not be added: {error}") from None
    taken = db.session.scalar(
        select(Passkey.id).where(Passkey.credential_id == verified.credential_id)
    )
    if taken is not None:
        raise _refused("This passkey is already registered.")
    with transaction():
        db.session.add(
            Passkey(
                user_id=user.id,
                credential_id=verified.credential_id,
                public_key=verified.credential_public_key,
                sign_count=verified.sign_count,
                transports=_transports_of(credential),
                name=name,
                created_at=now,
            )
        )
        db.session.flush()
        db.session.expire(user, ["passkeys"])
        codes = None
        if not second_factor.has_recovery_codes(user):
            codes = second_factor.replace_recovery_codes(user, now)
        sessions.end_all(user, now, keep=keep)
        record(
            actor,
            "user.passkey_add",
            entity_type="user",
            entity_id=user.id,
            summary=f"Added the passkey {name!r}; other sessions ended",
        )
    return codes


def _own(user: User, passkey_id: int) -> Passkey:
    passkey = db.session.get(Passkey, passkey_id)
    if passkey is None or passkey.user_id != user.id:
        raise ServiceError("No such passkey.", kind="not_found")
    return passkey


def rename(actor: Actor, user: User, passkey_id: int, name: str) -> None:
    passkey = _own(user, passkey_id)
    name = _clean_name(name)
    if name == passkey.name:
        return
    with transaction():
        old, passkey.name = passkey.name, name
        record(
            actor,
            "user.passkey_rename",
            entity_type="user",
            entity_id=user.id,
            summary=f"Renamed the passkey {old!r} to {name!r}",
            changes={"name": [old, name]},
        )


def remove(actor: Actor, user: User, passkey_id: int) -> None:
    """After the password was checked again. Refused for the last second factor when the
    organisation requires one; the recovery codes go with the last one."""
    passkey = _own(user, passkey_id)
    if len(user.passkeys) == 1 and not user.has_totp and second_factor.required_for(user):
        raise ServiceError(
            "Your organisation requires two-factor login: set up another passkey or an "
            "authenticator app before removing this one."
        )
    with transaction():
        name = passkey.name
        db.session.delete(passkey)
        db.session.flush()
        db.session.expire(user, ["passkeys"])
        if not user.passkeys and not user.has_totp:  # no second factor left to recover
            db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
        record(
            actor,
            "user.passkey_remove",
            entity_type="user",
            entity_id=user.id,
            summary=f"Removed the passkey {name!r}",
        )


def _credential_id_of(credential: str) -> bytes | None:
    try:
        raw = json.loads(credential).get("rawId")
        return base64url_to_bytes(raw) if isinstance(raw, str) else None
    except (ValueError, AttributeError, TypeError):
        return None


def verify_login(
    user: User,
    credential: str,
    challenge: bytes | None,
    ip_address: str,
    policy: ThrottlePolicy,
    now: datetime,
    user_agent: str = "",
) -> tuple[SecondStep, str]:
    """The second login step with a passkey: counted, audited and throttled like a code
    (second_factor.counted_second_step). Returns the outcome and, when refused, why."""
    problem: list[str] = []

    def check() -> str | None:
        credential_id = _credential_id_of(credential)
        passkey = next((p for p in user.passkeys if p.credential_id == credential_id), None)
        if challenge is None:
            problem.append("That attempt expired. Try the passkey again.")
            return None
        if passkey is None:
            problem.append("That passkey is not one of this account's.")
            return None
        try:
            verified = verify_authentication_response(
                credential=credential,
                expected_challenge=challenge,
                expected_rp_id=rp_id(),
                expected_origin=origin(),
                credential_public_key=passkey.public_key,
                credential_current_sign_count=passkey.sign_count,
            )
        except (WebAuthnException, ValueError, TypeError, KeyError) as error:
            problem.append(f"{REFUSED} ({error})")
            return None
        passkey.sign_count = verified.new_sign_count
        passkey.last_used_at = now
        return f"the passkey {passkey.name!r}"

    result = second_factor.counted_second_step(
        user, check, ip_address, policy, now, user_agent, "Passkey refused"
    )
    return result, (problem[0] if problem else "")
