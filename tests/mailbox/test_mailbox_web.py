"""The mailbox pages: triage shows hostile mail as text, a review cancels the reminders."""

from __future__ import annotations

from sqlalchemy import select

from tests.support import mail_samples
from tracker.extensions import db
from tracker.models import MailMessage, Reminder
from tracker.services.mailbox import fetch


def test_review_rejecting_two_demands_cancels_the_remaining_reminders(sent, imap, client, auth):
    imap.append(mail_samples.reply(sender="minister@gov.example", in_reply_to=sent.message_id))
    fetch.fetch_mail()
    message = db.session.scalar(select(MailMessage).where(MailMessage.direction == "in"))
    recipient_id = message.recipient_id
    auth.login("editor")
    page = client.get("/mailbox/triage")
    assert page.status_code == 200 and b"Replies to review" in page.data
    form = client.get(f"/mailbox/messages/{message.id}/review")
    assert b"reject demands one and two" in form.data
    demands = sent.letter.demands
    data = {
        "recipient_id": str(recipient_id),
        "received_on": "2026-03-02",
        "kind": "refusal",
        "channel": "email",
        "summary": "Refused",
        f"stance-{demands[0].id}": "rejected",
        f"stance-{demands[1].id}": "rejected",
    }
    saved = client.post(f"/mailbox/messages/{message.id}/review", data=data)
    assert saved.status_code == 302
    again = client.post(f"/mailbox/messages/{message.id}/review", data=data)
    assert again.status_code == 302  # nothing left to review: back to the message
    pending = db.session.scalars(
        select(Reminder).where(Reminder.recipient_id == recipient_id, Reminder.state == "pending")
    ).all()
    assert pending == []
    db.session.refresh(message)
    assert message.review_state == "reviewed" and message.response.kind == "refusal"


def test_hostile_messages_show_as_text_in_triage(mail_app, imap, client, auth):
    for raw in (mail_samples.hostile_html(), mail_samples.malformed(), mail_samples.fake_pdf()):
        imap.append(raw)
    fetch.fetch_mail()
    auth.login("editor")
    for message in db.session.scalars(select(MailMessage)):
        page = client.get(f"/mailbox/messages/{message.id}")
        assert page.status_code == 200
        assert b"<script>window" not in page.data and b"tracker-remote.test" not in page.data
    viewer_attempt = client.get("/mailbox/triage")
    assert viewer_attempt.status_code == 200
    assert client.post("/mailbox/upload", data={}).status_code == 400
