"""Files at rest: with TRACKER_FILE_KEY set, uploaded files and stored mail are encrypted
on disk, and the download routes still return the original bytes to staff only."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.letter_helpers import make_letter
from tracker.extensions import db
from tracker.services import at_rest, files
from tracker.services.files import Upload
from tracker.services.mailbox import storage

SECRET_TEXT = "Dear Minister, we ask about Ahmed K., detained since March without charge.\n"


@pytest.fixture
def keyed(app):
    app.config["TRACKER_FILE_KEY"] = at_rest.generate_key()
    return app


def test_an_uploaded_letter_is_encrypted_on_disk_and_downloads_as_it_was(
    keyed, client, auth, users
):
    letter, _president, _secretary = make_letter(users)
    stored = files.store(Upload("letter.txt", SECRET_TEXT.encode()))
    letter.file_key, letter.file_name = stored.key, stored.name
    letter.file_type, letter.file_size = stored.content_type, stored.size
    db.session.commit()
    on_disk = (Path(keyed.config["UPLOAD_PATH"]) / stored.key).read_bytes()
    assert on_disk.startswith(at_rest.MAGIC)
    assert b"Ahmed" not in on_disk and b"detained" not in on_disk

    url = f"/letters/{letter.id}/file"
    assert client.get(url).status_code == 302  # anonymous: to the login page, no bytes
    auth.login("viewer")
    with client.get(url) as response:
        assert response.status_code == 200
        assert response.data == SECRET_TEXT.encode()


def test_received_mail_is_encrypted_on_disk_and_read_back_whole(keyed):
    raw = f"From: minister@example.gov\r\nSubject: Ahmed K.\r\n\r\n{SECRET_TEXT}".encode()
    key = storage.write(raw)
    on_disk = storage.path_of(key).read_bytes()
    assert b"Ahmed" not in on_disk and b"minister@example.gov" not in on_disk
    assert storage.read(key) == raw


def test_files_from_before_the_key_stay_readable_and_a_wrong_key_is_refused(app):
    plain = files.store(Upload("old.txt", SECRET_TEXT.encode()))
    app.config["TRACKER_FILE_KEY"] = at_rest.generate_key()
    assert files.read(plain.key) == SECRET_TEXT.encode()
    sealed = files.store(Upload("new.txt", SECRET_TEXT.encode()))
    app.config["TRACKER_FILE_KEY"] = at_rest.generate_key()
    with pytest.raises(at_rest.FileKeyError, match="another TRACKER_FILE_KEY"):
        files.read(sealed.key)
    app.config["TRACKER_FILE_KEY"] = None
    with pytest.raises(at_rest.FileKeyError, match="not set"):
        files.read(sealed.key)
