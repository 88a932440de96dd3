"""The staging area for letters between upload and confirmation.

Nothing is saved until staff confirm the review screen, but the uploaded original
must survive until then. It waits under ``UPLOAD_PATH/staging/<key>/`` (owner-only
permissions), where ``key`` is random and is all the review form carries:

* ``original``: the uploaded bytes (absent for pasted text);
* ``letter.json``: who staged it, the file's name and kind, and the letter's text
  (the normalised text the parser's spans point into);
* ``claim``: created by the confirming request, so that a double click cannot save
  the letter twice; it then holds the saved letter's id.

The original and ``letter.json`` are sealed with TRACKER_FILE_KEY when one is set
(``services.at_rest``), as every stored letter is; a staged letter that cannot be
opened with the key (the key changed) reads as expired.

Staged letters older than ``MAX_AGE`` are removed whenever a new one is staged.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app

from tracker.services import at_rest
from tracker.services.errors import EditConflict, ServiceError

MAX_AGE = timedelta(days=1)
KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{32}")
_ORIGINAL, _META, _CLAIM = "original", "letter.json", "claim"


EXPIRED = (
    "This letter is no longer waiting for review (staged letters are kept for a day). "
    "Upload the file or paste the text again."
)


def _expired() -> ServiceError:
    """The staged letter is gone (saved, expired or never there): the review form is void."""
    return ServiceError(EXPIRED)


@dataclass(frozen=True)
class StagedLetter:
    key: str
    user_id: int
    text: str
    kind: str  # "pdf", "docx", "txt", "eml" or "pasted"
    file_name: str | None  # None for pasted text

    def original(self) -> bytes | None:
        path = _directory(self.key) / _ORIGINAL
        try:
            return at_rest.read(path) if path.is_file() else None
        except at_rest.FileKeyError as error:  # staged under another key
            raise _expired() from error


def is_key(key: str | None) -> bool:
    return bool(key and KEY_PATTERN.fullmatch(key))


def _root() -> Path:
    return Path(current_app.config["UPLOAD_PATH"]) / "staging"


def _directory(key: str) -> Path:
    if not is_key(key):
        raise _expired()
    return _root() / key


def _write_private(path: Path, data: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def stage(
    user_id: int, text: str, kind: str, file_name: str | None, original: bytes | None, now: datetime
) -> StagedLetter:
    """Keep a letter awaiting review; clears out staged letters older than MAX_AGE first."""
    remove_expired(now)
    key = secrets.token_urlsafe(24)
    directory = _directory(key)
    directory.mkdir(parents=True, mode=0o700)
    if original is not None:
        at_rest.write_new(directory / _ORIGINAL, original)
    meta = {"user_id": user_id, "text": text, "kind": kind, "file_name": file_name}
    at_rest.write_new(directory / _META, json.dumps(meta).encode())
    return StagedLetter(key, user_id, text, kind, file_name)


def load(key: str, user_id: int) -> StagedLetter:
    """The staged letter, if it exists and the same staff member staged it."""
    try:
        meta = json.loads(at_rest.read(_directory(key) / _META))
    except (OSError, ValueError, at_rest.FileKeyError) as error:
        raise _expired() from error
    if meta.get("user_id") != user_id:
        raise _expired()
    return StagedLetter(key, user_id, meta["text"], meta["kind"], meta["file_name"])


def claim(key: str) -> None:
    """Take the staged letter for saving, once. Every later request gets an EditConflict
    whose `current` is the id of the letter saved (None while that save still runs)."""
    path = _directory(key) / _CLAIM
    try:
        _write_private(path, b"")
    except FileExistsError as error:
        raise EditConflict(saved_letter_id(key), "This letter is being saved already.") from error
    except FileNotFoundError as error:
        raise _expired() from error


def saved_letter_id(key: str) -> int | None:
    """The letter this staged letter was saved as, if it was."""
    try:
        raw = (_directory(key) / _CLAIM).read_text().strip()
    except (OSError, ServiceError):
        return None
    return int(raw) if raw.isdigit() else None


def release(key: str) -> None:
    """Give the claim back after a failed save, so that staff can correct and retry."""
    (_directory(key) / _CLAIM).unlink(missing_ok=True)


def mark_saved(key: str, letter_id: int) -> None:
    """Drop the original and the text; keep a note of the letter for a repeated submit."""
    directory = _directory(key)
    (directory / _CLAIM).write_text(str(letter_id))
    (directory / _ORIGINAL).unlink(missing_ok=True)
    (directory / _META).unlink(missing_ok=True)


def remove_expired(now: datetime) -> int:
    """Delete staged letters last touched more than MAX_AGE before ``now``; how many."""
    root = _root()
    if not root.is_dir():
        return 0
    cutoff = (now - MAX_AGE).timestamp()
    removed = 0
    for entry in root.iterdir():
        if is_key(entry.name) and entry.is_dir() and entry.stat().st_mtime < cutoff:
            shutil.rmtree(entry, ignore_errors=True)
            removed += 1
    return removed
