"""Letter intake, second step: staff confirm the review and the letter is tracked."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from tests.support.intake_helpers import LETTERS, form_fields, upload
from tracker.extensions import db
from tracker.models import AuditEvent, Letter, Official
from tracker.services import accounts, at_rest
from tracker.services.audit import Actor
from tracker.services.directory import create_official

CICC = "cicc-to-us-president-2020-03-27.txt"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def review(client, name: str = CICC) -> dict[str, str]:
    response = upload(client, name)
    assert response.status_code == 200, response.text
    return form_fields(response.text)


def confirm(client, fields: dict[str, str]):
    return client.post("/letters/intake/confirm", data=fields)


def test_confirmed_letter_is_tracked_with_new_and_existing_officials(app, client, auth):
    pompeo = create_official(Actor.system("test"), name="Michael Pompeo")
    auth.login("editor")
    fields = review(client)
    fields["subject"] = "ICC sanctions"
    fields["demands-1-title"] = "Overturn the sanctions policy"
    del fields["demands-4-keep"]  # untick the fifth demand
    response = confirm(client, fields)
    assert response.status_code == 302
    letter = db.session.scalars(select(Letter)).one()
    assert response.headers["Location"] == f"/letters/{letter.id}"

    assert (letter.subject, letter.sent_on, letter.status) == (
        "ICC sanctions",
        date(2020, 3, 27),
        "sent",
    )
    assert letter.body.startswith("March 27, 2020\nPresident Donald J. Trump")
    assert letter.signatories == (
        "Ricardo Izquierdo, Legal Officer, Coalition for the International Criminal Court"
    )
    assert [d.title for d in letter.demands] == [
        "Lift the sanctions",
        "Overturn the sanctions policy",
        "Fulfill the global promise of “never again”",
        "Investigate and prosecute U.S. nationals",
    ]
    to, cc = letter.recipients
    assert (to.role, to.official.name, to.official.title) == ("to", "Donald J. Trump", "President")
    assert to.official.institution == "The White House"
    assert to.official.postal_address == "1600 Pennsylvania Avenue NW, Washington, D.C. 20500"
    assert (to.state, to.due_on) == ("awaiting", date(2020, 4, 26))  # 30 calendar days
    assert (cc.role, cc.official_id, cc.expects_answer) == ("cc", pompeo.id, False)
    assert count(Official) == 2

    # The original file is kept with the letter; the staging area keeps no copy.
    assert letter.file_name == CICC
    stored = Path(app.config["UPLOAD_PATH"]) / letter.file_key
    assert stored.read_bytes() == (LETTERS / CICC).read_bytes()
    staging = Path(app.config["UPLOAD_PATH"]) / "staging" / fields["key"]
    assert sorted(p.name for p in staging.iterdir()) == ["claim"]

    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["official.create", "letter.create"]
    page = client.get(f"/letters/{letter.id}")
    assert "2020-04-26" in page.text


def test_pdf_original_is_kept_and_served_back(app, client, auth):
    auth.login("editor")
    fields = review(client, "pdf-form-belgique.pdf")
    assert confirm(client, fields).status_code == 302
    letter = db.session.scalars(select(Letter)).one()
    assert (letter.file_name, letter.file_type) == ("pdf-form-belgique.pdf", "application/pdf")
    assert letter.subject.startswith("Protection des défenseurs")
    with client.get(f"/letters/{letter.id}/file") as download:
        assert download.data == (LETTERS / "pdf-form-belgique.pdf").read_bytes()


def test_an_email_is_kept_whole_as_text(client, auth):
    auth.login("editor")
    fields = review(client, "eml-form-cover-note-bulgaria.eml")
    assert confirm(client, fields).status_code == 302
    letter = db.session.scalars(select(Letter)).one()
    assert letter.file_name == "eml-form-cover-note-bulgaria.eml.txt"
    with client.get(f"/letters/{letter.id}/file") as download:
        assert download.data == (LETTERS / "eml-form-cover-note-bulgaria.eml").read_bytes()


def test_pasted_letter_is_saved_without_a_file(client, auth):
    auth.login("editor")
    text = (LETTERS / "en-numbered-demands-interior-minister.txt").read_text()
    fields = form_fields(client.post("/letters/intake", data={"text": text}).text)
    assert confirm(client, fields).status_code == 302
    letter = db.session.scalars(select(Letter)).one()
    assert letter.file_key is None
    assert letter.demands


def test_errors_come_back_next_to_their_fields_and_nothing_is_saved(client, auth):
    trump = create_official(Actor.system("test"), name="Donald Trump")
    auth.login("editor")
    events_before = count(AuditEvent)
    fields = review(client)
    assert fields["recipients-0-match"] == str(trump.id)

    # The form's own checks first.
    response = confirm(client, fields | {"subject": "", "demands-2-title": "x" * 201})
    assert response.status_code == 400
    assert "This field is required." in response.text
    assert "Field cannot be longer than 200 characters." in response.text

    # Then every check of the officials and the letter at once.
    fields["sent_on"] = "2099-01-01"
    # "Create new" for a name the directory holds already (an exact match is staff's call).
    fields |= {"recipients-0-match": "new", "recipients-0-name": "DONALD TRUMP"}
    fields["recipients-1-name"] = ""  # a new official needs a name
    fields["demands-0-title"] = fields["demands-0-text"] = ""  # emptied: dropped
    response = confirm(client, fields)
    assert response.status_code == 400
    page = response.text
    assert "The date sent cannot be in the future." in page
    assert "Donald Trump is already in the directory: choose “use existing”." in page
    assert "Give the official&#39;s name, or tick Remove." in page
    assert 'id="passage-d2"' in page  # the passages are still marked
    assert (count(Letter), count(Official), count(AuditEvent)) == (0, 1, events_before)

    fields |= {"sent_on": "2020-03-27", "recipients-0-match": str(trump.id)}
    fields["recipients-1-name"] = "Michael R. Pompeo"
    assert confirm(client, fields).status_code == 302
    letter = db.session.scalars(select(Letter)).one()
    assert letter.demands[0].title.startswith("Overturn your administration")
    assert [r.official.name for r in letter.recipients] == ["Donald Trump", "Michael R. Pompeo"]


def test_a_second_submit_leads_to_the_letter_saved_by_the_first(client, auth):
    auth.login("editor")
    fields = review(client)
    first = confirm(client, fields)
    second = confirm(client, fields)
    assert second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert (count(Letter), count(Official)) == (1, 2)


@pytest.mark.parametrize("key", ["", "../../secret_key", "x" * 32, "a/b" + "c" * 29])
def test_a_bad_or_unknown_staging_key_is_refused(client, auth, key):
    auth.login("editor")
    fields = review(client) | {"key": key}
    response = confirm(client, fields)
    assert response.status_code == 400
    assert "This letter is no longer waiting for review" in response.text
    assert count(Letter) == 0


def test_another_editor_cannot_confirm_someone_elses_staged_letter(app, client, auth):
    accounts.create_user(
        Actor.system("test"), email="other@example.org", name="O", role="editor", password=PASSWORD
    )
    auth.login("editor")
    fields = review(client)
    other = app.test_client()
    other.post("/login", data={"email": "other@example.org", "password": PASSWORD})
    response = confirm(other, fields)
    assert response.status_code == 400
    assert "This letter is no longer waiting for review" in response.text
    assert count(Letter) == 0


def test_with_a_file_key_the_staged_upload_is_encrypted_and_the_letter_reads_back(
    app, client, auth
):
    app.config["TRACKER_FILE_KEY"] = at_rest.generate_key()
    original = (LETTERS / CICC).read_bytes()
    auth.login("editor")
    fields = review(client)
    staging = Path(app.config["UPLOAD_PATH"]) / "staging" / fields["key"]
    staged = {p.name: p.read_bytes() for p in staging.iterdir()}
    assert sorted(staged) == ["letter.json", "original"]
    for name, on_disk in staged.items():
        # Neither the uploaded file nor the letter's text is in the clear on disk.
        assert on_disk.startswith(at_rest.MAGIC), name
        for plaintext in (b"Trump", b"Pennsylvania Avenue", b"sanctions", CICC.encode()):
            assert plaintext not in on_disk, (name, plaintext)

    assert confirm(client, fields).status_code == 302
    letter = db.session.scalars(select(Letter)).one()
    assert letter.body.startswith("March 27, 2020\nPresident Donald J. Trump")
    stored = (Path(app.config["UPLOAD_PATH"]) / letter.file_key).read_bytes()
    assert stored.startswith(at_rest.MAGIC) and b"Trump" not in stored
    with client.get(f"/letters/{letter.id}/file") as download:
        assert download.data == original
    assert sorted(p.name for p in staging.iterdir()) == ["claim"]


def test_a_letter_staged_under_another_file_key_reads_as_expired(app, client, auth):
    app.config["TRACKER_FILE_KEY"] = at_rest.generate_key()
    auth.login("editor")
    fields = review(client)
    app.config["TRACKER_FILE_KEY"] = at_rest.generate_key()
    response = confirm(client, fields)
    assert response.status_code in (400, 409, 410)
    assert "no longer waiting for review" in response.text
    assert count(Letter) == 0
