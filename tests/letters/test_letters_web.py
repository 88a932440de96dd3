"""The letter form and page over HTTP: writes, validation, conflicts, roles, the timeline."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.support.letter_helpers import (
    edit_form_data,
    editor_actor,
    make_letter,
    officials,
    pdf_bytes,
)
from tracker.extensions import db
from tracker.models import AuditEvent, Demand, Letter, Official, Recipient


def new_letter_data(president, secretary, **overrides) -> dict[str, object]:
    data = {
        "reference": "CICC-2020-01",
        "subject": "Lift the ICC sanctions",
        "campaign_id": "",
        "sent_on": "2020-03-27",
        "channel": "post",
        "owner_id": "",
        "response_window_days": "30",
        "day_kind": "calendar",
        "recipients-0-official_id": str(president.id),
        "recipients-0-role": "to",
        "recipients-1-official_id": str(secretary.id),
        "recipients-1-role": "cc",
        "recipients-2-official_id": "",  # the spare row
        "recipients-2-role": "to",
        "demands-0-position": "2",
        "demands-0-title": "Overturn the policy",
        "demands-0-text": "Overturn the sanctions policy.",
        "demands-1-position": "1",
        "demands-1-title": "Lift the sanctions",
        "demands-1-text": "Lift the sanctions on the Prosecutor.",
        "demands-2-position": "3",
        "demands-2-title": "",
        "demands-2-text": "",
        "save": "Save letter",
    }
    return data | overrides


@pytest.fixture
def people(app, users):
    return officials(editor_actor(users))


def letter_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Letter))


def test_the_new_form_offers_a_generated_reference(app, client, auth, users):
    auth.login("editor")
    page = client.get("/letters/new")
    assert page.status_code == 200
    assert re.search(r'name="reference"[^>]*value="L-\d{4}-0001"', page.text)


def test_an_editor_creates_a_letter_with_ordered_demands(app, client, auth, users, people):
    president, secretary = people
    auth.login("editor")
    response = client.post("/letters/new", data=new_letter_data(president, secretary))
    assert response.status_code == 302
    letter = db.session.scalars(select(Letter)).one()
    assert response.headers["Location"].endswith(f"/letters/{letter.id}")
    assert letter.reference == "CICC-2020-01"
    assert letter.owner_id == users["editor"].id
    assert [d.title for d in letter.demands] == ["Lift the sanctions", "Overturn the policy"]
    assert [(r.official_id, r.role, r.expects_answer) for r in letter.recipients] == [
        (president.id, "to", True),
        (secretary.id, "cc", False),
    ]
    page = client.get(response.headers["Location"])
    assert "Donald J. Trump" in page.text
    assert "2 of 2 demands unanswered" in page.text
    assert "Created letter CICC-2020-01" in page.text  # the timeline


def test_rows_without_an_order_number_keep_their_place(app, client, auth, users, people):
    president, secretary = people
    auth.login("editor")
    data = new_letter_data(president, secretary) | {
        "demands-0-position": "",
        "demands-1-position": "",
        "demands-2-position": "2",
        "demands-2-title": "Added later",
        "demands-2-text": "A third demand.",
    }
    assert client.post("/letters/new", data=data).status_code == 302
    letter = db.session.scalars(select(Letter)).one()
    titles = [d.title for d in letter.demands]
    assert titles == ["Overturn the policy", "Lift the sanctions", "Added later"]


def test_add_another_row_re_renders_with_the_input_kept(app, client, auth, users, people):
    president, secretary = people
    auth.login("editor")
    data = new_letter_data(president, secretary) | {"add_demand": "Add another demand"}
    del data["save"]
    page = client.post("/letters/new", data=data)
    assert page.status_code == 200
    assert 'name="demands-3-text"' in page.text
    assert "Lift the sanctions on the Prosecutor." in page.text
    data = new_letter_data(president, secretary) | {"add_recipient": "Add another recipient"}
    page = client.post("/letters/new", data=data)
    assert 'name="recipients-3-official_id"' in page.text
    assert letter_count() == 0


def test_an_official_is_created_on_the_spot_and_added(app, client, auth, users, people):
    president, secretary = people
    auth.login("editor")
    data = new_letter_data(president, secretary) | {
        "add_official": "Create official and add as recipient",
        "new_official_name": "Antonio Guterres",
        "new_official_title": "Secretary-General",
        "new_official_role": "cc",
    }
    del data["save"]
    page = client.post("/letters/new", data=data)
    assert page.status_code == 200
    guterres = db.session.scalars(select(Official).where(Official.name == "Antonio Guterres")).one()
    assert f'name="recipients-2-official_id" type="hidden" value="{guterres.id}"' in page.text
    assert re.search(
        r'name="recipients-2-official"[^>]*value="Antonio Guterres \(Secretary', page.text
    )
    assert letter_count() == 0
    duplicate = client.post("/letters/new", data=data)
    assert duplicate.status_code == 400
    assert "already exists" in duplicate.text


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"sent_on": "2099-01-01"}, "sent_on", "cannot be in the future"),
        ({"sent_on": "27/03/2020"}, "sent_on", "Not a valid date"),
        ({"recipients-0-official_id": "424242"}, "recipients-0-official", "Unknown official"),
        ({"recipients-0-official_id": "drop table"}, "recipients-0-official", "Unknown"),
        ({"demands-0-text": "   "}, "demands-0-text", "needs its text"),
        ({"subject": ""}, "subject", "required"),
        ({"response_window_days": "many"}, "response_window_days", "Not a valid integer"),
    ],
)
def test_bad_input_gets_a_message_next_to_the_field_and_a_400(
    app, client, auth, users, people, overrides, field, words
):
    president, secretary = people
    auth.login("editor")
    response = client.post("/letters/new", data=new_letter_data(president, secretary, **overrides))
    assert response.status_code == 400
    error = re.search(rf'id="{field}-err">(.*?)</p>', response.text, re.S)
    assert error, response.text
    assert words in error.group(1)
    assert "Lift the sanctions on the Prosecutor." in response.text  # input kept
    assert letter_count() == 0


def test_a_duplicate_reference_is_refused(app, client, auth, users, people):
    president, secretary = people
    auth.login("editor")
    assert (
        client.post("/letters/new", data=new_letter_data(president, secretary)).status_code == 302
    )
    again = client.post("/letters/new", data=new_letter_data(president, secretary))
    assert again.status_code == 400
    assert "already has the reference CICC-2020-01" in again.text
    assert letter_count() == 1


def test_a_file_of_the_wrong_type_or_too_large_is_refused(app, client, auth, users, people):
    app.config.update(MAX_UPLOAD_BYTES=2048, MAX_CONTENT_LENGTH=64 * 1024)
    president, secretary = people
    auth.login("editor")
    wrong = new_letter_data(president, secretary) | {"file": (io.BytesIO(b"<html>"), "x.pdf")}
    response = client.post("/letters/new", data=wrong, content_type="multipart/form-data")
    assert response.status_code == 400
    assert re.search(r'id="file-err">[^<]*not really a PDF', response.text)
    big = new_letter_data(president, secretary) | {
        "file": (io.BytesIO(b"%PDF-" + b"0" * 4096), "x.pdf")
    }
    response = client.post("/letters/new", data=big, content_type="multipart/form-data")
    assert response.status_code == 413
    assert re.search(r'id="file-err">[^<]*too large', response.text)
    huge = new_letter_data(president, secretary) | {
        "file": (io.BytesIO(b"%PDF-" + b"0" * 100_000), "x.pdf")
    }
    response = client.post("/letters/new", data=huge, content_type="multipart/form-data")
    # Far over MAX_CONTENT_LENGTH too: the form comes back with what was typed, not a bare 413.
    assert response.status_code == 413
    assert re.search(r'id="file-err">[^<]*too large', response.text)
    assert 'value="Lift the ICC sanctions"' in response.text
    assert "Overturn the sanctions policy." in response.text
    assert letter_count() == 0
    elsewhere = client.post(
        "/officials/new",
        data={"name": "x", "notes": "0" * 100_000},
        content_type="multipart/form-data",
    )
    assert elsewhere.status_code == 413  # other forms keep Werkzeug's limit
    good = new_letter_data(president, secretary) | {"file": (io.BytesIO(pdf_bytes()), "x.pdf")}
    assert client.post("/letters/new", data=good).status_code == 302
    assert db.session.scalars(select(Letter.file_name)).one() == "x.pdf"


def test_an_edit_changes_the_letter_and_is_on_the_timeline(app, client, auth, users):
    letter, _president, _ = make_letter(users)
    auth.login("editor")
    assert client.get(f"/letters/{letter.id}/edit").status_code == 200
    data = edit_form_data(letter, subject="Lift all ICC sanctions")
    data["demands-2-remove"] = "y"
    data["demands-0-position"] = "5"
    assert client.post(f"/letters/{letter.id}/edit", data=data).status_code == 302
    letter = db.session.get(Letter, letter.id)
    assert letter.subject == "Lift all ICC sanctions"
    assert [d.title for d in letter.demands] == ["Overturn the policy", "Lift the sanctions"]
    page = client.get(f"/letters/{letter.id}")
    assert "Edited letter L-2020-0001" in page.text


def test_the_second_of_two_concurrent_edits_sees_a_conflict_and_keeps_its_input(
    app, client, auth, users
):
    letter, _, _ = make_letter(users)
    first = app.test_client()
    first.post("/login", data={"email": users["admin"].email, "password": users["admin"].password})
    auth.login("editor")
    loaded_by_both = edit_form_data(letter)
    theirs = loaded_by_both | {"subject": "Their subject"}
    assert first.post(f"/letters/{letter.id}/edit", data=theirs).status_code == 302
    mine = loaded_by_both | {"subject": "My subject", "demands-0-title": "My title"}
    response = client.post(f"/letters/{letter.id}/edit", data=mine)
    assert response.status_code == 409
    assert "Someone else saved this letter" in response.text
    row = re.search(
        r"<th scope=\"row\">Subject</th><td[^>]*>(.*?)</td><td[^>]*>(.*?)</td>", response.text
    )
    assert row.groups() == ("Their subject", "My subject")
    assert 'value="My subject"' in response.text
    assert 'value="My title"' in response.text
    assert re.search(r'name="version"[^>]*value="2"', response.text) or re.search(
        r'value="2"[^>]*name="version"', response.text
    )
    assert db.session.get(Letter, letter.id).subject == "Their subject"
    again = client.post(f"/letters/{letter.id}/edit", data=mine | {"version": "2"})
    assert again.status_code == 302
    assert db.session.get(Letter, letter.id).subject == "My subject"


def test_demand_outcomes_are_set_refused_and_conflicts_shown(app, client, auth, users):
    letter, _, _ = make_letter(users)
    demand = letter.demands[0]
    auth.login("editor")
    url = f"/letters/demands/{demand.id}/outcome"
    prefix = f"d{demand.id}-"
    ok = client.post(
        url, data={prefix + "outcome": "rejected", prefix + "note": "No.", prefix + "version": "1"}
    )
    assert ok.status_code == 302
    assert db.session.get(Demand, demand.id).outcome == "rejected"
    bad = client.post(url, data={prefix + "outcome": "won", prefix + "version": "2"})
    assert bad.status_code == 400
    assert "Not a valid choice" in bad.text
    stale = client.post(
        url, data={prefix + "outcome": "met", prefix + "note": "Mine", prefix + "version": "1"}
    )
    assert stale.status_code == 409
    assert "Someone else set this demand" in stale.text
    assert "Mine" in stale.text
    assert db.session.get(Demand, demand.id).outcome == "rejected"
    assert client.post("/letters/demands/999999/outcome", data={}).status_code == 404
    page = client.get(f"/letters/{letter.id}")
    assert "Demand 1 (Lift the sanctions): rejected" in page.text


def test_closing_a_letter(app, client, auth, users):
    letter, _, _ = make_letter(users)
    auth.login("editor")
    assert client.post(f"/letters/{letter.id}/close").status_code == 302
    letter = db.session.get(Letter, letter.id)
    assert letter.status == "closed"
    page = client.get(f"/letters/{letter.id}")
    assert "Closed letter L-2020-0001" in page.text
    assert "Close letter" not in page.text


def test_a_follow_up_letter_is_prefilled_and_linked(app, client, auth, users):
    letter, _president, _secretary = make_letter(users)
    auth.login("editor")
    form = client.get(f"/letters/{letter.id}/follow-up")
    assert form.status_code == 200
    assert "Follow-up: Lift the ICC sanctions" in form.text
    assert "Lift the sanctions on the Prosecutor." in form.text
    data = edit_form_data(
        letter, reference="L-2020-0002", subject="Follow-up", sent_on="2020-05-01"
    )
    del data["version"]
    for index in range(3):
        data[f"demands-{index}-id"] = ""
    response = client.post(f"/letters/{letter.id}/follow-up", data=data)
    assert response.status_code == 302
    follow_up = db.session.scalars(select(Letter).where(Letter.reference == "L-2020-0002")).one()
    assert follow_up.follows_up_id == letter.id
    assert follow_up.recipients[0].due_on == date(2020, 5, 31)
    assert len(follow_up.demands) == 3
    assert "L-2020-0002" in client.get(f"/letters/{letter.id}").text


def test_viewers_see_everything_and_can_change_nothing(app, client, auth, users):
    letter, _, _ = make_letter(users)
    auth.login("viewer")
    page = client.get(f"/letters/{letter.id}")
    assert page.status_code == 200
    assert "Lift the sanctions on the Prosecutor." in page.text
    main = page.text.split('<main id="main"', 1)[1]
    assert "<form" not in main
    assert "<button" not in main
    for words in ("Edit letter", "Record a response", "Close letter", "Write a follow-up"):
        assert words not in main
    demand = letter.demands[0]
    forbidden = [
        ("get", "/letters/new"),
        ("post", "/letters/new"),
        ("get", f"/letters/{letter.id}/edit"),
        ("post", f"/letters/{letter.id}/edit"),
        ("post", f"/letters/{letter.id}/close"),
        ("get", f"/letters/{letter.id}/follow-up"),
        ("post", f"/letters/{letter.id}/follow-up"),
        ("post", f"/letters/demands/{demand.id}/outcome"),
    ]
    for method, url in forbidden:
        assert getattr(client, method)(url, data=edit_form_data(letter)).status_code == 403, url
    assert db.session.get(Letter, letter.id).status == "sent"
    assert db.session.get(Demand, demand.id).outcome == "open"


def test_logged_out_visitors_are_sent_to_log_in(app, client, users):
    letter, _, _ = make_letter(users)
    response = client.get(f"/letters/{letter.id}")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_unknown_letters_are_404(app, client, auth, users):
    auth.login("editor")
    assert client.get("/letters/424242").status_code == 404
    assert client.get("/letters/424242/edit").status_code == 404


def test_every_write_is_in_the_letter_timeline(app, client, auth, users):
    letter, _, _ = make_letter(users)
    auth.login("editor")
    client.post(f"/letters/{letter.id}/edit", data=edit_form_data(letter, subject="New subject"))
    demand = letter.demands[0]
    prefix = f"d{demand.id}-"
    client.post(
        f"/letters/demands/{demand.id}/outcome",
        data={prefix + "outcome": "met", prefix + "version": "1"},
    )
    client.post(f"/letters/{letter.id}/close")
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.letter_id == letter.id).order_by(AuditEvent.id)
    ).all()
    assert actions == ["letter.create", "letter.update", "demand.outcome", "letter.close"]
    page = client.get(f"/letters/{letter.id}").text
    timeline = page.split('id="timeline"', 1)[1]
    for words in ("Created letter", "Edited letter", "Demand 1", "Closed letter"):
        assert words in timeline
    assert db.session.scalar(select(func.count()).select_from(Recipient)) == 2


def test_recipients_are_typed_names_resolved_by_exact_name(app, client, auth, users, people):
    president, secretary = people
    auth.login("editor")
    data = new_letter_data(president, secretary) | {
        "recipients-0-official_id": "",
        "recipients-0-official": president.name.upper(),
        "recipients-1-official_id": "",
        "recipients-1-official": f"  {secretary.name.lower()} ",
        "recipients-2-official": "",
    }
    assert client.post("/letters/new", data=data).status_code == 302
    letter = db.session.scalars(select(Letter)).one()
    assert [(r.official_id, r.role) for r in letter.recipients] == [
        (president.id, "to"),
        (secretary.id, "cc"),
    ]
    edit = client.get(f"/letters/{letter.id}/edit")
    assert re.search(rf'name="recipients-0-official"[^>]*value="{president.name}', edit.text)
    assert f'type="hidden" value="{secretary.id}"' in edit.text


def test_an_unknown_or_ambiguous_name_gets_a_message_next_to_the_field(
    app, client, auth, users, people
):
    president, secretary = people
    auth.login("editor")
    data = new_letter_data(president, secretary) | {
        "recipients-0-official_id": "",
        "recipients-0-official": "Nobody At All",
    }
    response = client.post("/letters/new", data=data)
    assert response.status_code == 400
    error = re.search(r'id="recipients-0-official-err">(.*?)</p>', response.text, re.S)
    assert error and "No official is named" in error.group(1)
    twin = Official(name=president.name.upper(), title="Ambassador")
    db.session.add(twin)
    db.session.commit()
    data["recipients-0-official"] = president.name
    response = client.post("/letters/new", data=data)
    assert response.status_code == 400
    error = re.search(r'id="recipients-0-official-err">(.*?)</p>', response.text, re.S)
    assert error and "Several officials" in error.group(1)
    assert letter_count() == 0
    data["recipients-0-official"] = f"{twin.name} (Ambassador)"
    assert client.post("/letters/new", data=data).status_code == 302
    assert db.session.scalars(select(Letter)).one().recipients[0].official_id == twin.id


def test_the_new_form_does_not_grow_with_the_directory(app, client, auth, users, people):
    auth.login("editor")
    before = len(client.get("/letters/new").data)
    db.session.add_all(Official(name=f"Official number A{n:04d}") for n in range(300))
    db.session.commit()
    after = client.get("/letters/new")
    assert after.text.count('<option value="Official number') == 50  # the suggestions
    grown = len(after.data) - before
    db.session.add_all(Official(name=f"Official number B{n:04d}") for n in range(300))
    db.session.commit()
    assert len(client.get("/letters/new").data) - before == grown
