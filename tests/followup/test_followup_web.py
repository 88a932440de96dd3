"""The follow-up routes and the ladder on the letter page."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.support.followup_data import make_letter, reminders_of
from tests.support.smtp_server import SmtpServer
from tracker.extensions import db
from tracker.models import AuditEvent, User
from tracker.services.reminders.sweep import run_sweep

SENT = date(2024, 3, 1)
DUE = datetime(2024, 3, 31, 9, tzinfo=UTC)


@pytest.fixture
def letter(app, users):
    return make_letter(db.session.get(User, users["editor"].id), sent_on=SENT)


def page_of(client, letter) -> str:
    response = client.get(f"/letters/{letter.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_letter_page_shows_each_recipients_ladder(client, auth, letter):
    auth.login("editor")
    html = page_of(client, letter)
    recipient = letter.recipients[0]
    assert f'id="ladder-{recipient.id}"' in html
    assert html.count("badge-pending") == 3
    assert "Pause clock" in html and "Withdraw" in html


def test_viewers_see_the_ladder_without_the_buttons(client, auth, letter):
    auth.login("viewer")
    html = page_of(client, letter)
    assert "badge-pending" in html
    assert "Pause clock" not in html
    assert client.post(f"/recipients/{letter.recipients[0].id}/pause").status_code == 403


def test_pause_and_resume_from_the_letter_page(client, auth, letter):
    auth.login("editor")
    recipient = letter.recipients[0]
    response = client.post(f"/recipients/{recipient.id}/pause")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/letters/{letter.id}#ladder-{recipient.id}")
    db.session.refresh(recipient)
    assert recipient.paused_on is not None
    assert "Resume clock" in page_of(client, letter)
    assert client.post(f"/recipients/{recipient.id}/resume").status_code == 302
    db.session.refresh(recipient)
    assert recipient.paused_on is None
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.letter_id == letter.id)
    ).all()
    assert {"recipient.clock_paused", "recipient.clock_resumed"} <= set(actions)
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "recipient.clock_paused")
    ).all()
    assert events[0].actor == "editor@example.org"


def test_a_refused_action_says_why_with_a_4xx(client, auth, letter):
    auth.login("editor")
    recipient = letter.recipients[0]
    response = client.post(f"/recipients/{recipient.id}/resume")
    assert response.status_code == 400
    assert "The clock is not paused." in response.get_data(as_text=True)


def test_extend_needs_a_sensible_number_of_days(client, auth, letter):
    auth.login("editor")
    recipient = letter.recipients[0]
    assert client.get(f"/recipients/{recipient.id}/extend").status_code == 200
    response = client.post(f"/recipients/{recipient.id}/extend", data={"days": "-3"})
    assert response.status_code == 400
    assert "Give between 1 and 365 days." in response.get_data(as_text=True)
    response = client.post(f"/recipients/{recipient.id}/extend", data={"days": "abc"})
    assert response.status_code == 400
    db.session.refresh(recipient)
    assert recipient.due_on == date(2024, 3, 31)
    assert client.post(f"/recipients/{recipient.id}/extend", data={"days": "7"}).status_code == 302
    db.session.refresh(recipient)
    assert recipient.due_on == date(2024, 4, 7)


def test_the_snooze_link_in_an_email_asks_to_log_in_then_confirms_with_post(client, auth, letter):
    recipient = letter.recipients[0]
    url = f"/recipients/{recipient.id}/snooze"
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    auth.login("editor")
    form = client.get(url)
    assert form.status_code == 200
    assert 'name="days"' in form.get_data(as_text=True)
    assert client.post(url, data={"days": "10"}).status_code == 302
    rows = reminders_of(recipient)
    assert rows[0].attempt_at > rows[0].due_at


def test_mark_a_follow_up_sent_from_the_email_link(client, auth, letter):
    auth.login("editor")
    recipient = letter.recipients[0]
    url = f"/recipients/{recipient.id}/follow-up-sent"
    assert "Mark a follow-up sent" in client.get(url).get_data(as_text=True)
    assert client.post(url).status_code == 302
    assert [row.state for row in reminders_of(recipient)] == ["cancelled", "cancelled", "pending"]
    again = client.post(url)
    assert again.status_code == 400
    assert "already marked" in again.get_data(as_text=True)


def test_withdraw_cancels_the_ladder(client, auth, letter):
    auth.login("editor")
    recipient = letter.recipients[0]
    assert client.post(f"/recipients/{recipient.id}/withdraw").status_code == 302
    assert [row.state for row in reminders_of(recipient)] == ["cancelled"] * 3
    assert "Pause clock" not in page_of(client, letter)


def test_unknown_recipient_is_404(client, auth, letter):
    auth.login("editor")
    assert client.post("/recipients/999999/pause").status_code == 404
    assert client.post("/reminders/999999/retry").status_code == 404


def test_a_550_shows_on_the_letter_page_with_a_retry_button_that_works(
    make_app, users, client, auth
):
    # Retrying schedules the next attempt at the real present, so the letter is recent.
    today = datetime.now(UTC).date()
    owner = db.session.get(User, users["editor"].id)
    letter = make_letter(owner, sent_on=today - timedelta(days=32))
    with SmtpServer() as smtp:
        smtp.handler.permanent_failure = True
        mail_app = make_app(MAIL_URL=smtp.url(), MAIL_TIMEOUT=2)
        with mail_app.app_context():
            assert run_sweep(datetime.now(UTC)).failed == 1
        auth.login("editor")
        html = page_of(client, letter)
        assert "badge-failed" in html
        assert "550 5.7.1 Message rejected: relaying denied" in html
        reminder = reminders_of(letter.recipients[0])[0]
        assert f"/reminders/{reminder.id}/retry" in html

        smtp.handler.permanent_failure = False
        assert client.post(f"/reminders/{reminder.id}/retry").status_code == 302
        db.session.refresh(reminder)
        assert (reminder.state, reminder.last_error) == ("pending", "")
        with mail_app.app_context():
            assert run_sweep(datetime.now(UTC) + timedelta(seconds=1)).sent == 1
        assert len(smtp.messages) == 1
        assert smtp.messages[0].message_id == reminder.message_id
    assert client.post(f"/reminders/{reminder.id}/retry").status_code == 400
