"""Files at rest: uploaded letters and responses and stored mail, encrypted with Fernet
(AES-128-CBC with HMAC-SHA256) under TRACKER_FILE_KEY, a key kept outside the database.

On whenever a key is configured. A sealed file starts with MAGIC, so files written
before a key was set stay readable as they are; a sealed file without the key (or with
another) is refused rather than served as noise.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app

MAGIC = b"TRACKER-SEALED-1\n"


class FileKeyError(RuntimeError):
    """A sealed file cannot be opened with the configured key (or none is configured)."""


def _fernet() -> Fernet | None:
    key = current_app.config.get("TRACKER_FILE_KEY")
    return Fernet(key) if key else None


def generate_key() -> str:
    return Fernet.generate_key().decode()


def seal(data: bytes) -> bytes:
    fernet = _fernet()
    return MAGIC + fernet.encrypt(data) if fernet else data


def unseal(stored: bytes) -> bytes:
    if not stored.startswith(MAGIC):
        return stored
    fernet = _fernet()
    if fernet is None:
        raise FileKeyError("This file is encrypted and TRACKER_FILE_KEY is not set.")
    try:
        return fernet.decrypt(stored[len(MAGIC) :])
    except InvalidToken:
        raise FileKeyError("This file is encrypted with another TRACKER_FILE_KEY.") from None


def write_new(path: Path, data: bytes) -> None:
    """Create `path` owner-only (never over an existing file) holding `data` sealed."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(seal(data))


def read(path: Path) -> bytes:
    return unseal(path.read_bytes())


# Short secrets kept in a database column (a TOTP secret): the same key, as text.
TEXT_PREFIX = "sealed1:"


def is_sealed_text(stored: str) -> bool:
    return stored.startswith(TEXT_PREFIX)


def seal_text(value: str) -> str:
    """`value` sealed when a key is configured (else unchanged), fit for a text column."""
    fernet = _fernet()
    return TEXT_PREFIX + fernet.encrypt(value.encode()).decode() if fernet else value


def unseal_text(stored: str) -> str:
    """The value `seal_text` was given; a value stored before a key was set reads as is."""
    if not is_sealed_text(stored):
        return stored
    return unseal(MAGIC + stored[len(TEXT_PREFIX) :].encode()).decode()
