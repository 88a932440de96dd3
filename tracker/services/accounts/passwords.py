"""Password hashing with argon2id (argon2-cffi's defaults follow RFC 9106), and the policy.

The policy: 12 to 128 characters, and zxcvbn's score of at least 3 of 4 ("safely
unguessable"), which weighs the password against the common-password, name and word
lists shipped in the zxcvbn package, keyboard patterns, dates and the user's own email
and name. zxcvbn reads at most 72 characters; longer passphrases are scored on those.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 128
MIN_STRENGTH_SCORE = 3
_SCORED_CHARACTERS = 72


def password_problem(password: str, user_inputs: tuple[str, ...] = ()) -> str | None:
    """What is wrong with a new password, as a message for its owner; None when it will do."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters for the password."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Use at most {MAX_PASSWORD_LENGTH} characters for the password."
    from zxcvbn import zxcvbn  # imported here: its word lists take a moment to load

    verdict = zxcvbn(password[:_SCORED_CHARACTERS], user_inputs=[i for i in user_inputs if i])
    if verdict["score"] >= MIN_STRENGTH_SCORE:
        return None
    warning = verdict["feedback"]["warning"] or "It is too easy to guess."
    return (
        f"Choose a harder password: {warning.rstrip('.')}. A few unrelated words make "
        "a strong password that is easy to remember."
    )


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


@cache
def _dummy_hash() -> str:
    return _hasher.hash("no account has this password")


def spend_verification_time(password: str) -> None:
    """Do the work of a real check so an unknown email costs as long as a wrong password."""
    verify_password(_dummy_hash(), password)
