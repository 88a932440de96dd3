"""Who may use the mailbox pages, and what bad input gets: a 4xx with a reason, never a 500."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.mailbox.conftest import NOW
from tests.support import mail_samples
from tracker.extensions import db
from tracker.models import Letter, MailMessage, Response
from tracker.services import letters
from tracker.services.audit import Actor
from tracker.services.mailbox import intake

HUGE = "99999999999999999999999"


def take(raw: bytes) -> MailMessage:
    taken = intake.take_safely(raw, NOW, source="upload")
    return db.session.get(MailMessage, taken.message_id)


@pytest.fixture
def stranger(mail_app) -> MailMessage:
    """A message nothing points at: it waits in triage."""
    message = take(mail_samples.reply(sender="someone@elsewhere.example", subject="Hello"))
    assert message.state == "triage"
    return message


@pytest.fixture
def waiting(sent) -> MailMessage:
    message = take(mail_samples.reply(sender="minister@gov.example", in_reply_to=sent.message_id))
    assert message.review_state == "to_review"
    return message


def test_viewers_may_not_use_triage_review_or_send(sent, waiting, stranger, client, auth):
    auth.login("viewer")
    letter_id = sent.letter.id
    for method, url in [
        ("get", "/mailbox/triage"),
        ("post", "/mailbox/upload"),
        ("get", f"/mailbox/messages/{stranger.id}"),
        ("post", f"/mailbox/messages/{stranger.id}/decide"),
        ("get", f"/mailbox/messages/{waiting.id}/review"),
        ("post", f"/mailbox/messages/{waiting.id}/review"),
        ("get", f"/mailbox/letters/{letter_id}/send"),
        ("post", f"/mailbox/letters/{letter_id}/send"),
    ]:
        assert getattr(client, method)(url, data={"action": "spam"}).status_code == 403, url
    db.session.expire_all()
    assert stranger.state == "triage" and waiting.review_state == "to_review"


@pytest.mark.parametrize("message_id", ["999999", "2147483648", HUGE])
def test_unknown_and_out_of_range_ids_are_404(mail_app, client, auth, message_id):
    auth.login("editor")
    for url in [
        f"/mailbox/messages/{message_id}",
        f"/mailbox/messages/{message_id}/review",
        f"/mailbox/letters/{message_id}/send",
        f"/mailbox/attachments/{message_id}",
    ]:
        assert client.get(url).status_code == 404, url
    assert client.post(f"/mailbox/messages/{message_id}/decide").status_code == 404


def test_a_sent_message_is_not_a_received_one(sent, client, auth):
    sent_row = db.session.scalar(select(MailMessage).where(MailMessage.direction == "out"))
    auth.login("editor")
    assert client.get(f"/mailbox/messages/{sent_row.id}").status_code == 404


@pytest.mark.parametrize(
    "form",
    [
        {"action": "attach", "recipient_id": HUGE},
        {"action": "attach", "recipient_id": "-3"},
        {"action": "attach", "recipient_id": "abc"},
        {"action": "attach"},
        {"action": "archive"},
        {},
    ],
)
def test_a_bad_triage_decision_is_refused_with_a_reason(stranger, client, auth, form):
    auth.login("editor")
    answer = client.post(f"/mailbox/messages/{stranger.id}/decide", data=form)
    assert answer.status_code == 400
    page = client.get(f"/mailbox/messages/{stranger.id}").text
    assert "Choose" in page
    db.session.expire_all()
    assert stranger.state == "triage"


def test_a_message_already_dealt_with_is_not_decided_twice(stranger, client, auth):
    auth.login("editor")
    url = f"/mailbox/messages/{stranger.id}/decide"
    assert client.post(url, data={"action": "spam"}).status_code == 302
    assert client.post(url, data={"action": "not_reply"}).status_code == 409
    db.session.expire_all()
    assert stranger.state == "spam"


def test_triage_attaches_to_any_letter_found_by_its_reference(sent, stranger, client, auth):
    auth.login("editor")
    url = f"/mailbox/messages/{stranger.id}"
    before = client.get(url).text
    assert "No letter to suggest." in before and 'name="reference"' in before
    missing = client.get(url, query_string={"reference": "L-1999-0042"})
    assert missing.status_code == 404 and "No letter has the reference" in missing.text
    found = client.get(url, query_string={"reference": " l-2026-0001 "})
    assert found.status_code == 200
    assert "Attach to L-2026-0001, “Release the detainees”" in found.text
    deputy = next(r for r in sent.letter.recipients if r.official_id == sent.deputy.id)
    assert f'<option value="{deputy.id}">Ben Deputy (cc)</option>' in found.text
    done = client.post(f"{url}/decide", data={"action": "attach", "recipient_id": str(deputy.id)})
    assert done.status_code == 302
    db.session.expire_all()
    assert (stranger.state, stranger.recipient_id, stranger.matched_by) == (
        "attached",
        deputy.id,
        "staff",
    )
    assert stranger.review_state == "to_review"


def review_form(sent, waiting, **overrides) -> dict[str, str]:
    return {
        "recipient_id": str(waiting.recipient_id),
        "received_on": "2026-03-02",
        "kind": "refusal",
        "summary": "Refused",
        f"stance-{sent.letter.demands[0].id}": "rejected",
    } | overrides


@pytest.mark.parametrize(
    "overrides",
    [
        {"kind": "shrug"},
        {"received_on": "2026-13-45"},
        {"received_on": "2999-01-01"},
        {"recipient_id": HUGE},
        {"recipient_id": "abc"},
        {"stance-1": "x" * 500},
    ],
)
def test_a_bad_review_is_refused_and_the_reply_still_waits(sent, waiting, client, auth, overrides):
    if "stance-1" in overrides:
        overrides = {f"stance-{sent.letter.demands[0].id}": overrides["stance-1"]}
    auth.login("editor")
    url = f"/mailbox/messages/{waiting.id}/review"
    answer = client.post(url, data=review_form(sent, waiting, **overrides))
    assert answer.status_code == 400
    db.session.expire_all()
    assert waiting.review_state == "to_review" and waiting.response_id is None
    assert db.session.scalars(select(Response)).all() == []


def test_a_review_naming_another_letters_recipient_is_refused(sent, waiting, client, auth, users):
    other = letters.create_letter(
        Actor(users["editor"].id, "editor"),
        letters.LetterInput(
            subject="Another",
            owner_id=users["editor"].id,
            sent_on=NOW.date(),
            recipients=(letters.RecipientInput(sent.deputy.id, "to"),),
        ),
        NOW,
    )
    auth.login("editor")
    form = review_form(sent, waiting, recipient_id=str(other.recipients[0].id))
    answer = client.post(f"/mailbox/messages/{waiting.id}/review", data=form)
    assert answer.status_code == 400
    db.session.expire_all()
    assert waiting.review_state == "to_review"
    assert db.session.scalars(select(Response)).all() == []


def test_sending_a_letter_that_cannot_go_is_refused_with_the_reason(sent, client, auth, users):
    auth.login("editor")
    again = client.post(f"/mailbox/letters/{sent.letter.id}/send")
    assert again.status_code == 409
    post = letters.create_letter(
        Actor(users["editor"].id, "editor"),
        letters.LetterInput(subject="On paper", owner_id=users["editor"].id, channel="post"),
        NOW,
    )
    refused = client.post(f"/mailbox/letters/{post.id}/send")
    assert refused.status_code == 400
    page = client.get(f"/mailbox/letters/{post.id}/send").text
    assert "Only a letter sent by email can be sent from Tracker." in page
    assert db.session.get(Letter, post.id).status == "draft"
