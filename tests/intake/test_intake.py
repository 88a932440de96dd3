"""Letter intake, first step: upload or paste, then the review screen; nothing saved yet."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.support.intake_helpers import LETTERS, form_fields, upload
from tracker.extensions import db
from tracker.models import AuditEvent, Letter, Official
from tracker.services.audit import Actor
from tracker.services.directory import create_official


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def staged_dirs(app) -> list[Path]:
    root = Path(app.config["UPLOAD_PATH"]) / "staging"
    return sorted(root.iterdir()) if root.is_dir() else []


def test_only_editors_reach_the_intake(client, auth):
    assert client.get("/letters/intake").status_code == 302  # to the login page
    auth.login("viewer")
    assert client.get("/letters/intake").status_code == 403
    assert client.post("/letters/intake/confirm").status_code == 403
    auth.logout()
    auth.login("editor")
    page = client.get("/letters/intake")
    assert page.status_code == 200
    assert 'name="file"' in page.text and 'name="text"' in page.text
    assert 'href="/letters/intake"' in page.text  # in the navigation


def test_uploaded_pdf_is_reviewed_with_its_passages_marked_and_nothing_saved(app, client, auth):
    auth.login("editor")
    events_before = count(AuditEvent)
    response = upload(client, "pdf-form-georgia.pdf")
    assert response.status_code == 200
    page = response.text
    fields = form_fields(page)
    assert fields["sent_on"] == "2023-05-14"
    assert fields["recipients-0-name"] == "Irakli Beridze"
    assert fields["recipients-0-title"] == "Prime Minister of Georgia"
    assert fields["recipients-0-match"] == "new"
    assert fields["demands-0-title"] == "Withdraw the draft law in its entirety"
    assert fields["demands-1-text"].startswith("We also call on your government")
    assert (
        fields["signatories"]
        == "Nils Muižnieks, Director, Europe Regional Office, Amnesty International"
    )
    # Each item's passage is marked in the letter text, and each row links to it.
    marked = r'<mark class="passage passage-demand" id="passage-d0"[^>]*>Our organisation'
    assert re.search(marked, page)
    assert 'href="#passage-r0"' in page
    assert "style=" not in page and "<script>" not in page
    # Nothing is saved: only the original waits in the staging area, under the form's key.
    assert (count(Letter), count(Official), count(AuditEvent)) == (0, 0, events_before)
    [staged] = staged_dirs(app)
    assert staged.name == fields["key"]
    assert (staged / "original").read_bytes() == (LETTERS / "pdf-form-georgia.pdf").read_bytes()


def test_item_text_is_escaped_in_the_marked_letter(client, auth):
    auth.login("editor")
    letter = (
        "12 March 2024\n\nMinister Jane <b>Doe</b>\nMinistry of Justice\n\nDear Minister,\n\n"
        "We urge you to release <script>alert(1)</script> the prisoners.\n\nYours sincerely,\n\n"
        "Ann Smith\nDirector\nRights Watch\n"
    )
    page = client.post("/letters/intake", data={"text": letter}).text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_name_in_the_directory_is_proposed_exact_first_similar_as_an_option(app, client, auth):
    pompeo = create_official(Actor.system("test"), name="Michael Pompeo", title="Secretary")
    trump = create_official(Actor.system("test"), name="D. Trump")
    auth.login("editor")
    page = upload(client, "cicc-to-us-president-2020-03-27.txt").text
    fields = form_fields(page)
    assert fields["recipients-0-name"] == "Donald J. Trump"
    assert fields["recipients-0-match"] == "new"  # a similar name is only proposed
    assert f'name="recipients-0-match" type="radio" value="{trump.id}"' in page
    assert "A similar name is in the directory" in page
    assert (fields["recipients-1-name"], fields["recipients-1-role"]) == ("Michael R. Pompeo", "cc")
    assert fields["recipients-1-match"] == str(pompeo.id)  # exact, honorific and initial aside
    assert "Use existing: Michael Pompeo (Secretary)" in page


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("really-text.pdf", "This file is named .pdf but is not a PDF."),
        ("encrypted.pdf", "This PDF is password-protected."),
        ("scanned.pdf", "This PDF has no text layer; it looks scanned."),
        ("damaged.pdf", "This PDF is damaged and cannot be read."),
        ("empty.txt", "This file is empty."),
        ("corrupt.docx", "This Word document is damaged and cannot be read."),
    ],
)
def test_bad_files_get_the_form_back_with_a_clear_message(app, client, auth, name, message):
    auth.login("editor")
    response = upload(client, name, (LETTERS / "bad" / name).read_bytes())
    assert response.status_code == 400
    assert message in response.text
    assert 'action="/letters/intake"' in response.text and "Read the letter" in response.text
    assert staged_dirs(app) == []


def test_unsupported_type_and_missing_or_double_input_are_refused(client, auth):
    auth.login("editor")
    response = upload(client, "letter.odt", b"PK\x03\x04 something")
    assert response.status_code == 400
    assert "save it as DOCX first" in response.text
    response = client.post("/letters/intake", data={"text": "   "})
    assert response.status_code == 400
    assert "Choose a file to upload, or paste the text of the letter." in response.text
    response = upload(client, "cicc-to-us-president-2020-03-27.txt", text="Dear Minister")
    assert response.status_code == 400
    assert "Upload a file or paste the text, not both." in response.text


def test_file_over_the_upload_limit_gets_413_and_the_form(make_app):
    app = make_app(MAX_UPLOAD_BYTES=2048)
    client = app.test_client()
    with app.app_context():
        from tests.conftest import PASSWORD
        from tracker.services import accounts

        accounts.create_user(
            Actor.system("test"), email="e@example.org", name="E", role="editor", password=PASSWORD
        )
    client.post("/login", data={"email": "e@example.org", "password": PASSWORD})
    response = upload(client, "big.txt", b"We urge you to act. " * 200)
    assert response.status_code == 413
    assert "The file is too large: at most" in response.text
    assert "Read the letter" in response.text


def test_a_50_mb_upload_comes_back_to_the_form_with_the_message_by_the_file(client, auth):
    auth.login("editor")
    # A ready-made body: the test client would spool a file this size to a temporary
    # file that it never closes when the request is refused.
    body = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="huge.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n%PDF-1.7\n"
        + b"0" * (50 * 1024 * 1024)
        + b"\r\n--b--\r\n"
    )
    response = client.post(
        "/letters/intake", data=body, content_type="multipart/form-data; boundary=b"
    )
    assert response.status_code == 413
    assert re.search(r'id="file-err">[^<]*(too large|at most)', response.text), response.text[
        -3000:
    ]
    assert "Traceback" not in response.text


def test_pasted_text_is_reviewed_too(app, client, auth):
    auth.login("editor")
    text = (LETTERS / "en-numbered-demands-interior-minister.txt").read_text()
    response = client.post("/letters/intake", data={"text": text})
    assert response.status_code == 200
    assert "Read from the pasted text." in response.text
    [staged] = staged_dirs(app)
    assert not (staged / "original").exists()
    assert count(Letter) == 0
