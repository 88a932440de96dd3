"""Raw messages and attachments on disk: outside the web root, owner-only, random names."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import current_app

from tracker.services import at_rest


def _folder() -> Path:
    configured = current_app.config.get("MAIL_STORE_PATH")
    folder = Path(configured or Path(current_app.config["INSTANCE_PATH"]) / "mail")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _path(key: str) -> Path:
    if not key or not all(char.isalnum() or char in "-_" for char in key):
        raise ValueError(f"not a stored mail key: {key!r}")
    return _folder() / key


def write(data: bytes) -> str:
    key = secrets.token_urlsafe(24)
    at_rest.write_new(_path(key), data)  # encrypted when TRACKER_FILE_KEY is set
    return key


def read(key: str) -> bytes:
    return at_rest.read(_path(key))


def path_of(key: str) -> Path:
    return _path(key)


def remove(*keys: str | None) -> None:
    for key in keys:
        if key:
            _path(key).unlink(missing_ok=True)
