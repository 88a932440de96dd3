"""The staging area: keys, ownership, one claim per staged letter, clean-up after a day."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tracker.services.errors import EditConflict, ServiceError
from tracker.services.intake import staging as intake_staging

NOW = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


def stage(user_id: int = 1, now: datetime = NOW) -> intake_staging.StagedLetter:
    return intake_staging.stage(user_id, "Dear Minister,", "txt", "a.txt", b"Dear Minister,", now)


def test_staged_letter_is_private_and_loads_back_for_its_owner_only(app):
    staged = stage()
    assert intake_staging.is_key(staged.key)
    directory = Path(app.config["UPLOAD_PATH"]) / "staging" / staged.key
    assert directory.stat().st_mode & 0o777 == 0o700
    assert (directory / "original").stat().st_mode & 0o777 == 0o600
    loaded = intake_staging.load(staged.key, 1)
    assert (loaded.text, loaded.kind, loaded.file_name) == ("Dear Minister,", "txt", "a.txt")
    assert loaded.original() == b"Dear Minister,"
    with pytest.raises(ServiceError, match="no longer waiting"):
        intake_staging.load(staged.key, 2)


@pytest.mark.parametrize("key", ["", "short", "../" + "a" * 29, "a" * 33, "a" * 31 + "/"])
def test_malformed_keys_never_reach_the_file_system(app, key):
    assert not intake_staging.is_key(key)
    with pytest.raises(ServiceError, match="no longer waiting"):
        intake_staging.load(key, 1)
    with pytest.raises(ServiceError, match="no longer waiting"):
        intake_staging.claim(key)


def test_a_staged_letter_is_claimed_once_and_remembers_the_letter(app):
    staged = stage()
    intake_staging.claim(staged.key)
    with pytest.raises(EditConflict) as running:
        intake_staging.claim(staged.key)
    assert running.value.current is None
    intake_staging.release(staged.key)
    intake_staging.claim(staged.key)  # free again after a failed save
    intake_staging.mark_saved(staged.key, 42)
    assert intake_staging.saved_letter_id(staged.key) == 42
    with pytest.raises(EditConflict) as saved:
        intake_staging.claim(staged.key)
    assert saved.value.current == 42
    with pytest.raises(ServiceError, match="no longer waiting"):
        intake_staging.load(staged.key, 1)  # the original and the text are gone


def test_staging_a_letter_removes_those_older_than_a_day(app):
    old, recent = stage(), stage()
    root = Path(app.config["UPLOAD_PATH"]) / "staging"
    two_days_ago = (NOW - timedelta(days=2)).timestamp()
    os.utime(root / old.key, (two_days_ago, two_days_ago))
    os.utime(root / recent.key, (NOW.timestamp() - 3600, NOW.timestamp() - 3600))
    (root / "not-a-key").mkdir()  # never touched: not ours
    newest = stage()
    assert sorted(p.name for p in root.iterdir()) == sorted([recent.key, newest.key, "not-a-key"])
