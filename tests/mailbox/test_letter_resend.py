"""A letter that did not reach a recipient: the failure is on the letter page and on the
delivery problems page; staff correct the official's address and resend it (a send of
its own, exactly once, whose acceptance starts the recipient's clock), or dismiss it.

Against the real aiosmtpd server, which refuses the deputy's address with 550."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.mailbox.conftest import NOW, REPLY_BASE, make_sent_letter
from tracker.domain import deadlines
from tracker.extensions import db
from tracker.models import AuditEvent, Letter, LetterSend, MailDelivery, Official, Recipient
from tracker.services import directory, letters
from tracker.services.audit import Actor
from tracker.services.errors import ServiceError
from tracker.services.mailbox import applying, sending
from tracker.settings import organisation_today

OLD, NEW = "deputy@gov.example", "ben.deputy@gov.example"


@pytest.fixture
def app(make_app, smtp):
    """Sending through the test's SMTP server (no mailbox to read: these tests send)."""
    app = make_app(
        MAIL_URL=smtp.url(), MAIL_FROM="Org <letters@org.example>", TRACKER_REPLY_ADDRESS=REPLY_BASE
    )
    with app.app_context():
        yield app


@pytest.fixture
def refused(app, smtp, users):
    """L-2026-0001 sent to the minister (to) and the deputy (cc, answer expected); the
    server refused the deputy's address at RCPT with 550."""
    smtp.handler.refused_addresses = {OLD}
    sent = make_sent_letter(users)
    assert [m.rcpt_tos for m in smtp.messages] == [("minister@gov.example",)]
    return sent


def editor(users) -> Actor:
    return Actor(users["editor"].id, users["editor"].email)


def deputy_of(letter_id: int) -> Recipient:
    db.session.expire_all()
    letter = db.session.get(Letter, letter_id)
    return next(r for r in letter.recipients if r.official.email in (OLD, NEW))


def delivery_of(recipient: Recipient) -> MailDelivery:
    return db.session.scalar(select(MailDelivery).where(MailDelivery.recipient_id == recipient.id))


def correct_address(users, official: Official, email: str) -> None:
    official = db.session.get(Official, official.id)
    directory.update_official(
        editor(users), official, name=official.name, email=email, expected_version=official.version
    )


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def due_from(day: date, letter: Letter) -> date:
    return deadlines.due_date(day, letter.response_window_days, letter.business_days, None)


def test_a_refused_address_is_corrected_and_the_letter_resent_to_it_exactly_once(
    refused, smtp, users, client, auth
):
    letter_id = refused.letter.id
    deputy = deputy_of(letter_id)
    delivery = delivery_of(deputy)
    assert (delivery.state, delivery.address, deputy.due_on) == ("failed", OLD, None)
    assert "550 5.1.1" in delivery.error

    # The failure shows on the letter page and on the delivery problems page.
    auth.login("editor")
    page = client.get(f"/letters/{letter_id}").text
    assert f"Ben Deputy &lt;{OLD}&gt;: 550 5.1.1" in page
    resend_action = f'action="/mailbox/deliveries/{delivery.id}/resend"'
    assert resend_action in page and f"/mailbox/deliveries/{delivery.id}/dismiss" in page
    assert "(the same address: correct it in Officials if it is wrong)" in page
    assert "1 letter about your letters could not be delivered" in client.get("/").text
    auth.logout()
    auth.login("admin")
    problems = client.get("/admin/delivery/").text
    assert 'id="letter-problems"' in problems and "L-2026-0001" in problems
    assert "Ben Deputy" in problems and OLD in problems and "550 5.1.1" in problems
    assert resend_action in problems
    auth.logout()

    # Staff correct the address, then resend.
    correct_address(users, refused.deputy, NEW)
    auth.login("editor")
    assert f"to {NEW}</span>" in client.get(f"/letters/{letter_id}").text
    answer = client.post(f"/mailbox/deliveries/{delivery.id}/resend", follow_redirects=True)
    resent_on = organisation_today(datetime.now(UTC))
    assert answer.status_code == 200
    assert f"The letter was sent again to Ben Deputy &lt;{NEW}&gt;" in answer.text

    # Delivered once to the new address, as a message of its own with the same file.
    resent = [m for m in smtp.messages if NEW in m.rcpt_tos]
    assert len(resent) == 1 and resent[0].rcpt_tos == (NEW,)
    message = resent[0].message
    assert message["Message-ID"] != refused.message_id
    assert message["Subject"] == "Release the detainees [L-2026-0001]"
    assert message["Reply-To"] == refused.reply_address
    assert [p.get_filename() for p in message.walk() if p.get_filename()] == ["letter.pdf"]
    assert sending.send_due(datetime.now(UTC) + timedelta(hours=2)) == 0  # nothing left to send
    assert len(smtp.messages) == 2
    # A second press finds nothing to resend: the letter reached them.
    again = client.post(f"/mailbox/deliveries/{delivery.id}/resend", follow_redirects=True)
    assert "there is nothing to send again" in again.text and len(smtp.messages) == 2

    # The deputy's clock counts from the resend; the minister's still from the letter.
    deputy = deputy_of(letter_id)
    letter = deputy.letter
    assert delivery_of(deputy).state == "delivered" and delivery_of(deputy).address == NEW
    assert deputy.due_on == due_from(resent_on, letter)
    minister = next(r for r in letter.recipients if r.id != deputy.id)
    assert minister.due_on == due_from(date(2026, 3, 2), letter)
    [queued] = events("letter.resend_queued")
    assert queued.user_id == users["editor"].id and NEW in queued.summary
    assert len(events("letter.resent_by_email")) == 1

    # Off both problem lists; the letter page no longer lists it as not delivered.
    assert "could not be delivered" not in client.get("/").text
    assert "Not delivered" not in client.get(f"/letters/{letter_id}").text
    auth.logout()
    auth.login("admin")
    assert 'id="letter-problems"' not in client.get("/admin/delivery/").text


def test_a_letter_edit_keeps_counting_the_resent_recipients_clock_from_the_resend(
    refused, smtp, users
):
    later = NOW + timedelta(days=10)
    correct_address(users, refused.deputy, NEW)
    delivery = delivery_of(deputy_of(refused.letter.id))
    send = sending.resend(editor(users), delivery, later)
    assert sending.send_due(later) == 1
    assert db.session.get(LetterSend, send.id).state == "sent"
    deputy = deputy_of(refused.letter.id)
    assert deputy.due_on == due_from(date(2026, 3, 12), deputy.letter)
    # The letter's window changes: every clock is recounted, the deputy's from the resend.
    letter = deputy.letter
    data = replace(letters.letter_input_from(letter), response_window_days=45)
    letters.update_letter(editor(users), letter, data, letter.version, later)
    deputy = deputy_of(refused.letter.id)
    assert deputy.due_on == date(2026, 3, 12) + timedelta(days=45)
    minister = next(r for r in deputy.letter.recipients if r.id != deputy.id)
    assert minister.due_on == date(2026, 3, 2) + timedelta(days=45)


def test_a_resend_to_the_same_refused_address_is_allowed_and_says_where_it_went(
    refused, smtp, users, client, auth
):
    delivery_id = delivery_of(deputy_of(refused.letter.id)).id
    auth.login("editor")
    answer = client.post(f"/mailbox/deliveries/{delivery_id}/resend", follow_redirects=True)
    assert answer.status_code == 200
    assert f"The mail server refused the letter again for Ben Deputy &lt;{OLD}&gt;" in answer.text
    assert "This is the address it failed for" in answer.text
    assert [m.rcpt_tos for m in smtp.messages] == [("minister@gov.example",)]
    assert smtp.handler.rcpt_attempts.count(OLD) == 2
    deputy = deputy_of(refused.letter.id)
    assert delivery_of(deputy).state == "failed" and deputy.due_on is None
    assert (
        db.session.scalar(select(LetterSend.state).where(LetterSend.recipient_id == deputy.id))
        == "failed"
    )
    # Still a problem, and a new resend may be asked for.
    page = client.get(f"/letters/{refused.letter.id}").text
    assert f'action="/mailbox/deliveries/{delivery_id}/resend"' in page


def test_a_dismissed_failure_leaves_the_problem_lists_and_is_audited(refused, users, client, auth):
    letter_id = refused.letter.id
    delivery_id = delivery_of(deputy_of(letter_id)).id
    auth.login("viewer")
    assert client.post(f"/mailbox/deliveries/{delivery_id}/dismiss").status_code == 403
    assert client.post(f"/mailbox/deliveries/{delivery_id}/resend").status_code == 403
    auth.logout()
    auth.login("editor")
    for bad in ("999999", "99999999999999999999"):
        assert client.post(f"/mailbox/deliveries/{bad}/dismiss").status_code == 404
        assert client.post(f"/mailbox/deliveries/{bad}/resend").status_code == 404
    assert client.get(f"/mailbox/deliveries/{delivery_id}/dismiss").status_code == 405
    answer = client.post(f"/mailbox/deliveries/{delivery_id}/dismiss", follow_redirects=True)
    assert answer.status_code == 200 and "The failed delivery is dismissed" in answer.text
    assert delivery_of(deputy_of(letter_id)).dismissed_at is not None
    [event] = events("mail.delivery_dismissed")
    assert event.user_id == users["editor"].id and OLD in event.summary
    # Gone from My work and the problems page; kept on the letter page, as history.
    assert "could not be delivered" not in client.get("/").text
    page = client.get(f"/letters/{letter_id}").text
    assert "Not delivered" in page and "dismissed 20" in page
    assert f"/mailbox/deliveries/{delivery_id}/dismiss" not in page
    twice = client.post(f"/mailbox/deliveries/{delivery_id}/dismiss", follow_redirects=True)
    assert "This delivery is not a problem any more." in twice.text
    auth.logout()
    auth.login("admin")
    problems = client.get("/admin/delivery/").text
    assert 'id="letter-problems"' not in problems and "No delivery problems" in problems


def test_one_resend_at_a_time_and_none_without_an_address(refused, smtp, users):
    correct_address(users, refused.deputy, NEW)
    delivery = delivery_of(deputy_of(refused.letter.id))
    sending.resend(editor(users), delivery, NOW)
    # A second press before the first went out is refused: the recipient gets it once.
    with pytest.raises(ServiceError, match="already being sent again") as conflict:
        sending.resend(editor(users), delivery_of(deputy_of(refused.letter.id)), NOW)
    assert conflict.value.kind == "conflict"
    assert sending.send_due(NOW) == 1 and sending.send_due(NOW + timedelta(hours=1)) == 0
    assert [m.rcpt_tos for m in smtp.messages][-1] == (NEW,) and len(smtp.messages) == 2
    # The minister's address never failed: nothing to resend; an official without an
    # address cannot be resent to.
    minister = next(r for r in deputy_of(refused.letter.id).letter.recipients if r.role == "to")
    with pytest.raises(ServiceError, match="nothing to send again"):
        sending.resend(editor(users), delivery_of(minister), NOW)
    correct_address(users, refused.minister, "")
    sending.send_due(NOW)  # nothing queued
    applying.mark_delivery_failed(minister, "minister@gov.example", "5.1.1 bounced", NOW)
    db.session.commit()
    with pytest.raises(ServiceError, match="Ana Minister has no email address"):
        sending.resend(editor(users), delivery_of(minister), NOW)
