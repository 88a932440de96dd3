"""Giving up on a send the mail server refused: "Dismiss" on the delivery problems page
takes it off the page, off "Retry all" and off the owner's count on My work, audited;
the letter page keeps it as failed history, and a later retry still works."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from tests.support.followup_data import make_letter, reminders_of
from tests.support.smtp_server import SmtpServer
from tracker.extensions import db
from tracker.models import AuditEvent, Digest, Reminder, User
from tracker.services.reminders.sweep import run_sweep

SENT = date(2024, 3, 1)
DUE = datetime(2024, 3, 31, 9, tzinfo=UTC)
NEXT_EIGHT = datetime(2024, 4, 1, 8, tzinfo=UTC)


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        server.handler.permanent_failure = True
        yield server


@pytest.fixture
def app(make_app, smtp):
    app = make_app(MAIL_URL=smtp.url(), MAIL_TIMEOUT=2, TRACKER_LADDER="0:no_response")
    with app.app_context():
        yield app


def _states(model) -> list[tuple[str, bool]]:
    db.session.expire_all()
    rows = db.session.scalars(select(model).order_by(model.id))
    return [(row.state, row.dismissed_at is not None) for row in rows]


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_a_dismissed_reminder_leaves_the_problems_and_my_work_and_is_audited(
    app, smtp, users, auth, client
):
    owner = db.session.get(User, users["editor"].id)
    letter = make_letter(owner, sent_on=SENT, officials=("Minister X",))
    letter_id, reference = letter.id, letter.reference
    assert run_sweep(DUE).failed == 1
    [reminder] = reminders_of(letter.recipients[0])
    reminder_id = reminder.id

    auth.login("editor")
    assert "could not be delivered" in client.get("/").get_data(as_text=True)
    auth.logout()

    auth.login("admin")
    page = client.get("/admin/delivery/").get_data(as_text=True)
    assert reference in page
    assert f'action="/admin/delivery/reminders/{reminder_id}/dismiss"' in page
    response = client.post(f"/admin/delivery/reminders/{reminder_id}/dismiss")
    assert response.status_code == 302
    page = client.get("/admin/delivery/").get_data(as_text=True)
    assert "The reminder is dismissed: it will not be sent." in page
    assert "No delivery problems" in page and reference not in page
    assert _states(Reminder) == [("failed", True)]

    [event] = _events("reminder.dismissed")
    assert event.user_id == users["admin"].id
    assert event.letter_id == letter_id and event.entity_id == reminder_id
    assert event.changes == {"state": ["failed", "failed (dismissed)"]}
    assert "Minister X" in event.summary

    # "Retry all" leaves it alone; a sweep does not send it; dismissing again is refused.
    smtp.handler.permanent_failure = False
    client.post("/admin/delivery/retry-all")
    assert _states(Reminder) == [("failed", True)]
    assert run_sweep(datetime.now(UTC)).sent == 0 and smtp.messages == []
    response = client.post(f"/admin/delivery/reminders/{reminder_id}/dismiss")
    assert response.status_code == 302
    assert "no delivery problem any more" in client.get("/admin/delivery/").get_data(as_text=True)
    assert len(_events("reminder.dismissed")) == 1
    assert client.post("/admin/delivery/reminders/999999/dismiss").status_code == 404
    auth.logout()

    # The owner: no count on My work; the letter page keeps the failure; retry still works.
    auth.login("editor")
    assert "could not be delivered" not in client.get("/").get_data(as_text=True)
    assert "badge-failed" in client.get(f"/letters/{letter_id}").get_data(as_text=True)
    assert client.post(f"/admin/delivery/reminders/{reminder_id}/dismiss").status_code == 403
    assert client.post(f"/reminders/{reminder_id}/retry").status_code == 302
    assert _states(Reminder) == [("pending", False)]
    assert run_sweep(datetime.now(UTC)).sent == 1


def test_a_dismissed_digest_takes_the_reminders_it_carried_off_the_problems(
    app, smtp, users, auth, client
):
    reader = db.session.get(User, users["editor"].id)
    reader.reminder_delivery = "digest"
    db.session.commit()
    for _ in range(2):
        make_letter(reader, sent_on=SENT)
    assert run_sweep(DUE).queued == 2
    run_sweep(NEXT_EIGHT)
    assert _states(Reminder) == [("failed", False), ("failed", False)]
    [digest] = db.session.scalars(select(Digest)).all()

    auth.login("admin")
    page = client.get("/admin/delivery/").get_data(as_text=True)
    assert f'action="/admin/delivery/digests/{digest.id}/dismiss"' in page
    assert client.post(f"/admin/delivery/digests/{digest.id}/dismiss").status_code == 302
    page = client.get("/admin/delivery/").get_data(as_text=True)
    assert "The digest is dismissed" in page and "No delivery problems" in page
    assert _states(Digest) == [("failed", True)]
    assert _states(Reminder) == [("failed", True), ("failed", True)]
    [event] = _events("digest.dismissed")
    assert event.user_id == users["admin"].id
    assert "2 reminders it carried dismissed too" in event.summary
    auth.logout()
    auth.login("editor")
    assert "could not be delivered" not in client.get("/").get_data(as_text=True)
