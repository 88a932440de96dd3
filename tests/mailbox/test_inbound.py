"""Letters sent from Tracker and their replies, through a real SMTP and a real IMAP server."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.mailbox.conftest import NOW
from tests.support import mail_samples
from tracker.extensions import db
from tracker.models import DataVersion, MailDelivery, MailMessage, OutboxMessage, Reminder, Response
from tracker.models.data_version import DATA
from tracker.services import letters
from tracker.services.audit import Actor
from tracker.services.errors import ServiceError
from tracker.services.mailbox import fetch, sending


def incoming() -> list[MailMessage]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(MailMessage).where(MailMessage.direction == "in").order_by(MailMessage.id)
        )
    )


def test_a_letter_goes_out_once_with_attachment_threading_and_reply_address(sent, smtp, users):
    [received] = smtp.messages
    message = received.message
    assert sorted(received.rcpt_tos) == ["deputy@gov.example", "minister@gov.example"]
    assert message["To"] == "minister@gov.example" and message["Cc"] == "deputy@gov.example"
    assert message["Reply-To"] == sent.reply_address
    assert sent.reply_address.startswith("replies+L-2026-0001.")
    assert message["Message-ID"] == sent.message_id
    assert message["Auto-Submitted"] is None
    [attachment] = [part for part in message.walk() if part.get_filename()]
    assert attachment.get_filename() == "letter.pdf"
    assert attachment.get_payload(decode=True).startswith(b"%PDF-")
    # Pressed again: refused, and nothing more goes out.
    with pytest.raises(ServiceError) as refused:
        sending.queue(Actor(users["editor"].id, "editor"), sent.letter, NOW)
    assert refused.value.kind == "conflict"
    assert sending.send_due(NOW) == 0
    assert len(smtp.messages) == 1
    db.session.refresh(sent.letter)
    assert sent.letter.sent_on == NOW.date() and sent.letter.status == "sent"
    assert all(recipient.due_on for recipient in sent.letter.recipients)


def _reply_for(rule: str, sent) -> bytes:
    if rule == "reply_address":
        return mail_samples.reply(sender="deputy@gov.example", to=sent.reply_address)
    if rule == "thread":
        return mail_samples.reply(sender="deputy@gov.example", in_reply_to=sent.message_id)
    if rule == "subject_reference":
        return mail_samples.reply(sender="deputy@gov.example", subject="Re: L-2026-0001 answer")
    return mail_samples.reply(sender="deputy@gov.example", subject="Our answer")


def test_a_pass_that_finds_nothing_keeps_the_cached_pages(sent, imap):
    """Each pass records the mailbox's status; that alone must not empty the dashboard's
    and the letters list's caches every minute. Mail taken in does."""

    def version() -> int:
        db.session.expire_all()
        return db.session.scalar(select(DataVersion.version).where(DataVersion.id == DATA))

    before = version()
    assert fetch.fetch_mail().taken == 0
    assert version() == before
    imap.append(_reply_for("thread", sent))
    assert fetch.fetch_mail().taken == 1
    assert version() > before


@pytest.mark.parametrize("rule", ["reply_address", "thread", "subject_reference", "sender"])
def test_each_rule_lands_the_reply_on_the_right_recipient(rule, sent, imap):
    imap.append(_reply_for(rule, sent))
    result = fetch.fetch_mail()
    assert (result.error, result.taken) == ("", 1)
    [message] = incoming()
    assert message.problem == ""
    deputy = next(r for r in sent.letter.recipients if r.official_id == sent.deputy.id)
    assert (message.state, message.recipient_id, message.matched_by) == (
        "attached",
        deputy.id,
        rule,
    )
    assert message.review_state == "to_review"
    notices = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.subject.like("Reply received from Ben Deputy%"))
    ).all()
    assert len(notices) == 1 and "editor@example.org" in notices[0].recipients
    # Taken once: a second pass finds nothing new, the server has it flagged.
    assert fetch.fetch_mail().taken == 0
    assert imap.uids(criteria=["UNKEYWORD", "$TrackerTaken"]) == []
    assert len(incoming()) == 1


def test_unknown_and_ambiguous_messages_land_in_triage(sent, imap, users):
    imap.append(mail_samples.reply(sender="stranger@elsewhere.example", subject="Hello"))
    # The minister is a recipient of a second open letter: the sender rule is ambiguous.
    second = letters.LetterInput(
        subject="Another letter",
        owner_id=users["editor"].id,
        sent_on=NOW.date(),
        recipients=(letters.RecipientInput(sent.minister.id, "to"),),
    )
    letters.create_letter(Actor(users["editor"].id, "editor"), second, NOW)
    imap.append(mail_samples.reply(sender="minister@gov.example", subject="A question"))
    fetch.fetch_mail()
    messages = incoming()
    assert [m.state for m in messages] == ["triage", "triage"]
    assert "Nothing in the message points at a letter" in messages[0].problem
    assert "recipient of 2 open letters" in messages[1].problem


def test_an_out_of_office_reply_records_an_acknowledgement_and_holds_nothing(sent, imap):
    imap.append(
        mail_samples.reply(
            sender="minister@gov.example",
            subject="Absence du bureau",
            in_reply_to=sent.message_id,
            headers={"Auto-Submitted": "auto-replied"},
        )
    )
    fetch.fetch_mail()
    [message] = incoming()
    assert (message.kind, message.review_state, message.state) == ("auto_reply", "none", "attached")
    response = db.session.get(Response, message.response_id)
    assert response.kind == "acknowledgement"
    assert response.recipient.acknowledged_on is not None


def test_a_bounce_marks_the_recipients_delivery_failed(sent, imap):
    imap.append(mail_samples.bounce("deputy@gov.example", sent.message_id))
    fetch.fetch_mail()
    [message] = incoming()
    assert (message.kind, message.state) == ("bounce", "attached")
    delivery = db.session.scalar(
        select(MailDelivery).where(MailDelivery.address == "deputy@gov.example")
    )
    assert delivery.state == "failed" and "5.1.1" in delivery.error
    assert delivery.recipient.due_on is None
    pending = db.session.scalars(
        select(Reminder).where(
            Reminder.recipient_id == delivery.recipient_id, Reminder.state == "pending"
        )
    ).all()
    assert pending == []


def test_starttls_mailbox_is_read_too(make_app, imap, smtp, users):
    app = make_app(INBOUND_URL=imap.url(starttls=True), INBOUND_CA_FILE=str(imap.ca_file))
    imap.append(mail_samples.reply(sender="x@y.example"))
    with app.app_context():
        result = fetch.fetch_mail()
        assert (result.error, result.taken) == ("", 1)


def test_a_refused_login_or_a_server_down_is_reported_and_retried(make_app, imap, client):
    imap.append(mail_samples.reply(sender="x@y.example"))
    wrong = make_app(INBOUND_URL=imap.url(password="wrong"), INBOUND_CA_FILE=str(imap.ca_file))
    with wrong.app_context():
        result = fetch.fetch_mail()
        assert "LoginError" in result.error
        health = wrong.test_client().get("/healthz").get_json()
        assert health["mailbox"] == "failing" and health["mailbox_errors"]
    right = make_app(INBOUND_URL=imap.url(), INBOUND_CA_FILE=str(imap.ca_file))
    imap.stop()
    with right.app_context():
        assert fetch.fetch_mail().error  # down: reported, nothing lost
    # An untrusted certificate is refused, not read.
    untrusted = make_app(INBOUND_URL=imap.url())
    with untrusted.app_context():
        assert fetch.fetch_mail().error


def test_hostile_messages_are_each_stored_once_or_refused_with_a_reason(mail_app, imap):
    for raw in (
        mail_samples.malformed(),
        mail_samples.huge(30),
        mail_samples.many_attachments(500),
        mail_samples.fake_pdf(),
        mail_samples.hostile_html(),
        mail_samples.forged(),
    ):
        imap.append(raw)
    result = fetch.fetch_mail()
    assert (result.error, result.taken, result.refused) == ("", 6, 1)
    by_subject = {m.subject: m for m in incoming()}
    assert "Too large" in by_subject["A very large message"].problem
    many = by_subject["Five hundred files"]
    assert len(many.attachments) == 50 and "More than 50 attachments" in many.problem
    [fake] = by_subject["Our answer (PDF)"].attachments
    assert "Claims to be application/pdf" in fake.problem
    html = by_subject["Please read"]
    assert "pwned=1" not in html.body_text and "we refuse" in html.body_text
    assert all(m.raw_key for m in by_subject.values())
    assert fetch.fetch_mail().taken == 0
    assert db.session.scalar(select(func.count()).select_from(MailMessage)) == 6
