"""Uploaded files: type by magic bytes and extension, size, storage outside the web root."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import pytest

from tests.support.letter_helpers import docx_bytes, edit_form_data, make_letter, pdf_bytes
from tracker.extensions import db
from tracker.models import Letter
from tracker.services import files
from tracker.services.errors import ServiceError
from tracker.services.files import Upload, check_upload

LIMIT = 1024


def zip_without_word() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a word document")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "stored_as"),
    [
        ("letter.pdf", pdf_bytes(), files.PDF),
        ("Letter.PDF", pdf_bytes(), files.PDF),
        ("letter.docx", docx_bytes(), files.DOCX),
        ("letter.txt", "Dear Mr. President, “never again”".encode(), files.TXT),
        ("letter.txt", "Lettre à la ministre".encode("utf-16"), files.TXT),
    ],
)
def test_real_files_are_accepted(name, data, stored_as):
    assert check_upload(Upload(name, data), 10 * LIMIT * LIMIT) == stored_as


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("letter.pdf", b"MZ\x90\x00 an executable", "not really a PDF"),
        ("letter.docx", zip_without_word(), "not really a DOCX"),
        ("letter.docx", pdf_bytes(), "not really a DOCX"),
        ("letter.txt", b"\x00\x01\x02binary\xff\xfe\x00", "not really a TXT"),
        ("letter.exe", pdf_bytes(), "PDF, DOCX or TXT"),
        ("letter.pdf.html", pdf_bytes(), "PDF, DOCX or TXT"),
        ("letter", pdf_bytes(), "PDF, DOCX or TXT"),
        ("letter.pdf", b"", "empty"),
    ],
)
def test_wrong_types_are_refused(name, data, words):
    with pytest.raises(ServiceError) as error:
        check_upload(Upload(name, data), LIMIT)
    assert words in str(error.value)
    assert error.value.kind == "invalid"


def test_files_over_the_limit_are_refused_as_too_large():
    check_upload(Upload("big.txt", b"a" * LIMIT), LIMIT)
    with pytest.raises(ServiceError) as error:
        check_upload(Upload("big.txt", b"a" * (LIMIT + 1)), LIMIT)
    assert error.value.kind == "too_large"
    assert "too large" in str(error.value)


def test_stored_files_get_a_random_key_private_mode_and_a_clean_name(app):
    stored = files.store(Upload("../../etc/passwd\x07.txt", b"hello"))
    path = Path(app.config["UPLOAD_PATH"]) / stored.key
    assert path.read_bytes() == b"hello"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stored.name == "passwd.txt"
    assert "/" not in stored.key and ".." not in stored.key
    assert not Path(app.config["UPLOAD_PATH"]).is_relative_to(Path(app.static_folder))
    files.remove(stored.key)
    assert not path.exists()
    files.remove(stored.key)  # already gone: no error


def test_keys_that_are_paths_are_refused(app):
    with pytest.raises(ValueError):
        files.remove("../secret_key")


def test_the_letter_file_downloads_as_an_attachment_for_staff_only(app, client, auth, users):
    letter, _president, _secretary = make_letter(users)
    stored = files.store(Upload("original letter.pdf", pdf_bytes()))
    letter.file_key, letter.file_name = stored.key, stored.name
    letter.file_type, letter.file_size = stored.content_type, stored.size
    db.session.commit()
    url = f"/letters/{letter.id}/file"
    assert client.get(url).status_code == 302
    auth.login("viewer")
    with client.get(url) as response:
        assert response.status_code == 200
        assert response.data == pdf_bytes()
        assert response.headers["Content-Type"] == "application/pdf"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert "original%20letter.pdf" in response.headers["Content-Disposition"] or (
            "original letter.pdf" in response.headers["Content-Disposition"]
        )
    assert client.get(f"/static/../instance/uploads/{stored.key}").status_code == 404


def test_a_letter_without_a_file_has_nothing_to_download(app, client, auth, users):
    letter, _, _ = make_letter(users)
    auth.login("viewer")
    assert client.get(f"/letters/{letter.id}/file").status_code == 404
    assert client.get("/letters/999999/file").status_code == 404


def test_a_file_is_replaced_on_edit_and_the_old_one_removed(app, client, auth, users):
    letter, _, _ = make_letter(users)
    auth.login("editor")
    data = edit_form_data(letter) | {"file": (io.BytesIO(pdf_bytes()), "first.pdf")}
    assert client.post(f"/letters/{letter.id}/edit", data=data).status_code == 302
    first_key = db.session.get(Letter, letter.id).file_key
    letter = db.session.get(Letter, letter.id)
    data = edit_form_data(letter) | {"file": (io.BytesIO(docx_bytes()), "second.docx")}
    assert client.post(f"/letters/{letter.id}/edit", data=data).status_code == 302
    letter = db.session.get(Letter, letter.id)
    assert letter.file_name == "second.docx"
    upload_dir = Path(app.config["UPLOAD_PATH"])
    assert [p.name for p in upload_dir.iterdir()] == [letter.file_key]
    assert first_key != letter.file_key
