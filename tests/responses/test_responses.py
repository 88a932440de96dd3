"""Recording responses: recipient states, stances, validation, files, the web form."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.support.letter_helpers import NOW, editor_actor, make_letter, pdf_bytes
from tracker.extensions import db
from tracker.models import AuditEvent, DemandAnswer, Letter, Recipient, Reminder, Response
from tracker.services import files
from tracker.services.errors import ServiceError
from tracker.services.responses import ResponseInput, record_response


def reminder_states(recipient_id: int) -> set[str]:
    return set(
        db.session.scalars(select(Reminder.state).where(Reminder.recipient_id == recipient_id))
    )


def test_a_substantive_reply_marks_the_recipient_responded_and_records_stances(app, users):
    letter, _president, _ = make_letter(users)
    to = letter.recipients[0]
    first, second, _third = letter.demands
    response = record_response(
        editor_actor(users),
        letter,
        ResponseInput(
            recipient_id=to.id,
            received_on=date(2020, 4, 20),
            kind="substantive",
            channel="post",
            summary="They will not lift them.",
            stances={first.id: "rejected", second.id: "noted"},
        ),
        NOW,
    )
    db.session.expire_all()
    to = db.session.get(Recipient, to.id)
    assert (to.state, to.responded_on) == ("responded", date(2020, 4, 20))
    assert reminder_states(to.id) == {"cancelled"}
    answers = db.session.scalars(select(DemandAnswer).order_by(DemandAnswer.demand_id)).all()
    assert [(a.demand_id, a.stance) for a in answers] == [
        (first.id, "rejected"),
        (second.id, "noted"),
    ]
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "response.record")
    ).one()
    assert event.letter_id == letter.id
    assert event.entity_id == response.id
    assert event.changes["recipient state"] == ["awaiting", "responded"]
    assert "Donald J. Trump" in event.summary


def test_an_acknowledgement_stops_nothing(app, users):
    letter, _, _ = make_letter(users)
    to = letter.recipients[0]
    record_response(
        editor_actor(users),
        letter,
        ResponseInput(recipient_id=to.id, received_on=date(2020, 3, 30), kind="acknowledgement"),
        NOW,
    )
    db.session.expire_all()
    to = db.session.get(Recipient, to.id)
    assert (to.state, to.acknowledged_on, to.responded_on) == ("awaiting", date(2020, 3, 30), None)
    assert "pending" in reminder_states(to.id)


def test_a_refusal_from_a_cc_counts_as_responded(app, users):
    letter, _, _ = make_letter(users)
    cc = letter.recipients[1]
    record_response(
        editor_actor(users),
        letter,
        ResponseInput(recipient_id=cc.id, received_on=date(2020, 4, 2), kind="refusal"),
        NOW,
    )
    assert db.session.get(Recipient, cc.id).state == "responded"
    assert db.session.get(Recipient, letter.recipients[0].id).state == "awaiting"


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"received_on": date(2020, 3, 26)}, "received_on", "before the letter was sent"),
        ({"received_on": NOW.date() + timedelta(days=1)}, "received_on", "future"),
        ({"recipient_id": 999_999}, "recipient_id", "this letter's recipients"),
        ({"kind": "shrug"}, "kind", "Choose"),
        ({"channel": "smoke"}, "channel", "channel"),
        ({"stances": {999_999: "accepted"}}, "stances", "not in this letter"),
    ],
)
def test_bad_responses_are_refused_and_nothing_is_saved(app, users, changes, field, words):
    letter, _, _ = make_letter(users)
    values = {
        "recipient_id": letter.recipients[0].id,
        "received_on": date(2020, 4, 1),
        "kind": "substantive",
    } | changes
    with pytest.raises(ServiceError) as error:
        record_response(editor_actor(users), letter, ResponseInput(**values), NOW)
    assert words in error.value.fields[field]
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0
    assert db.session.get(Recipient, letter.recipients[0].id).state == "awaiting"


def test_a_response_to_a_draft_is_refused(app, users):
    letter, _, _ = make_letter(users, sent_on=None)
    with pytest.raises(ServiceError) as error:
        record_response(
            editor_actor(users),
            letter,
            ResponseInput(letter.recipients[0].id, date(2020, 4, 1), "substantive"),
            NOW,
        )
    assert "no date sent" in error.value.fields["received_on"]


def test_a_stance_on_another_letters_demand_is_refused(app, users):
    letter, _president, _secretary = make_letter(users)
    other = Letter(reference="OTHER", subject="Other", owner_id=users["editor"].id)
    db.session.add(other)
    db.session.commit()
    from tracker.models import Demand

    foreign = Demand(letter_id=other.id, position=1, title="Foreign", text="Foreign demand")
    db.session.add(foreign)
    db.session.commit()
    with pytest.raises(ServiceError) as error:
        record_response(
            editor_actor(users),
            letter,
            ResponseInput(
                letter.recipients[0].id,
                date(2020, 4, 1),
                "substantive",
                stances={foreign.id: "accepted"},
            ),
            NOW,
        )
    assert "stances" in error.value.fields


def test_a_response_file_is_stored_and_a_failed_save_leaves_no_file(app, users):
    letter, _, _ = make_letter(users)
    upload_dir = Path(app.config["UPLOAD_PATH"])
    response = record_response(
        editor_actor(users),
        letter,
        ResponseInput(letter.recipients[0].id, date(2020, 4, 1), "substantive"),
        NOW,
        files.Upload("reply.pdf", pdf_bytes()),
    )
    assert response.file_name == "reply.pdf"
    assert (upload_dir / response.file_key).read_bytes() == pdf_bytes()
    with pytest.raises(ServiceError):
        record_response(
            editor_actor(users),
            letter,
            ResponseInput(letter.recipients[0].id, date(2019, 1, 1), "substantive"),
            NOW,
            files.Upload("reply.pdf", pdf_bytes()),
        )
    assert [p.name for p in upload_dir.iterdir()] == [response.file_key]


# --- the web form --------------------------------------------------------------------


def form_data(letter, **overrides) -> dict[str, str]:
    first, second, _ = letter.demands
    data = {
        "recipient_id": str(letter.recipients[1].id),
        "received_on": "2020-04-15",
        "channel": "email",
        "kind": "substantive",
        "summary": "The Secretary defends the sanctions.",
        f"stance-{first.id}": "rejected",
        f"stance-{second.id}": "rejected",
    }
    return data | overrides


def test_an_editor_records_a_response_through_the_form(app, client, auth, users):
    letter, _, _ = make_letter(users)
    auth.login("editor")
    page = client.get(f"/letters/{letter.id}/responses/new")
    assert page.status_code == 200
    assert "Stance on each demand" in page.text
    response = client.post(f"/letters/{letter.id}/responses/new", data=form_data(letter))
    assert response.status_code == 302
    stored = db.session.scalars(select(Response)).one()
    stances = {a.demand_id: a.stance for a in stored.answers}
    assert sorted(stances.values()) == ["not_addressed", "rejected", "rejected"]
    shown = client.get(f"/letters/{letter.id}")
    assert "1 of 3 demands unanswered" in shown.text


def test_the_form_shows_errors_next_to_fields_with_a_4xx(app, client, auth, users):
    letter, _, _ = make_letter(users)
    auth.login("editor")
    response = client.post(
        f"/letters/{letter.id}/responses/new", data=form_data(letter, received_on="2020-03-01")
    )
    assert response.status_code == 400
    assert "before the letter was sent" in response.text
    assert 'id="received_on-err"' in response.text
    assert "The Secretary defends the sanctions." in response.text  # input kept
    bad_stance = form_data(letter, **{f"stance-{letter.demands[0].id}": "delighted"})
    assert client.post(f"/letters/{letter.id}/responses/new", data=bad_stance).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0


def test_a_wrong_file_type_is_refused_on_the_form(app, client, auth, users):
    import io

    letter, _, _ = make_letter(users)
    auth.login("editor")
    data = form_data(letter) | {"file": (io.BytesIO(b"MZ\x90\x00binary"), "reply.pdf")}
    response = client.post(
        f"/letters/{letter.id}/responses/new", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert "not really a PDF" in response.text
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0


def test_viewers_cannot_record_responses_and_see_no_link(app, client, auth, users):
    letter, _, _ = make_letter(users)
    auth.login("viewer")
    assert client.get(f"/letters/{letter.id}/responses/new").status_code == 403
    assert (
        client.post(f"/letters/{letter.id}/responses/new", data=form_data(letter)).status_code
        == 403
    )
    assert "Record a response" not in client.get(f"/letters/{letter.id}").text
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0


def test_response_files_download_only_for_staff(app, client, auth, users):
    letter, _, _ = make_letter(users)
    response = record_response(
        editor_actor(users),
        letter,
        ResponseInput(letter.recipients[0].id, date(2020, 4, 1), "substantive"),
        NOW,
        files.Upload("reply.pdf", pdf_bytes()),
    )
    url = f"/letters/{letter.id}/responses/{response.id}/file"
    assert client.get(url).status_code == 302  # to the login page
    auth.login("viewer")
    with client.get(url) as download:
        assert download.status_code == 200
        assert download.data == pdf_bytes()
        assert download.headers["Content-Disposition"].startswith("attachment")
    assert client.get(f"/letters/{letter.id + 1}/responses/{response.id}/file").status_code == 404
