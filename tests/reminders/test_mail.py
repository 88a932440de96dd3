"""Reminders over a real SMTP server (aiosmtpd in a thread) that misbehaves on cue."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.support.followup_data import make_letter, make_user, reminders_of
from tests.support.smtp_server import SmtpServer
from tracker.extensions import db
from tracker.mail import parse_mail_url
from tracker.models import OutboxMessage, Reminder
from tracker.services.reminders.sweep import run_sweep

SENT = date(2024, 3, 1)
DUE = datetime(2024, 3, 31, 9, tzinfo=UTC)


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


@pytest.fixture
def mail_app(make_app, smtp):
    app = make_app(MAIL_URL=smtp.url(), MAIL_TIMEOUT=1)
    with app.app_context():
        yield app


@pytest.fixture
def owner(mail_app):
    return make_user("owner@example.org")


def test_mail_url_forms():
    plain = parse_mail_url("smtp://mail.example.org")
    assert (plain.host, plain.port, plain.security, plain.username) == (
        "mail.example.org",
        25,
        "none",
        None,
    )
    starttls = parse_mail_url("smtp://me%40org:p%40ss@mail.example.org?starttls=1")
    assert (starttls.port, starttls.security) == (587, "starttls")
    assert (starttls.username, starttls.password) == ("me@org", "p@ss")
    tls = parse_mail_url("smtps://u:p@mail.example.org:2465")
    assert (tls.port, tls.security) == (2465, "tls")
    with pytest.raises(ValueError, match="smtp:// or smtps://"):
        parse_mail_url("http://mail.example.org")


def test_a_reminder_arrives_with_text_and_html_and_threads_with_its_letter(smtp, owner):
    letter = make_letter(owner, sent_on=SENT, officials=("A", "B"))
    assert run_sweep(DUE).sent == 2
    first, second = smtp.messages
    assert first.rcpt_tos == ("owner@example.org",)
    assert first.mail_from == "tracker@localhost"
    # One stable subject per letter; the step is the first line.
    assert first.message["Subject"] == second.message["Subject"]
    assert first.message["Subject"] == f"[{letter.reference}] Follow-up: {letter.subject}"
    assert first.part("plain").startswith("No response from A")
    assert first.message["Auto-Submitted"] == "auto-generated"
    # The first reminder is the thread's root; the next ones reply to it.
    assert first.message["In-Reply-To"] is None and first.message["References"] is None
    assert second.message["In-Reply-To"] == second.message["References"] == first.message_id
    assert first.message_id != second.message_id
    assert "30 days" not in first.part("plain")
    assert "was due on 2024-03-31 (due today)" in first.part("plain")
    assert "<li>Lift the sanctions</li>" in first.part("html")
    # Delivered emails are also kept in the outbox, with the same Message-ID.
    kept = db.session.scalars(select(OutboxMessage.message_id)).all()
    assert sorted(kept) == sorted([first.message_id, second.message_id])


def test_451_three_times_then_accepted_is_delivered_on_the_fourth_try(smtp, owner):
    letter = make_letter(owner, sent_on=SENT)
    smtp.handler.temporary_failures = 3
    reminder = reminders_of(letter.recipients[0])[0]
    now = DUE
    waits = []
    for _ in range(3):
        assert run_sweep(now).retried == 1
        db.session.refresh(reminder)
        assert reminder.state == "pending"
        assert "451 4.3.0" in reminder.last_error
        waits.append(reminder.attempt_at - now)
        # Nothing is tried again before the back-off ends.
        assert run_sweep(reminder.attempt_at - timedelta(seconds=10)).claimed == 0
        now = reminder.attempt_at
    assert waits[0] < waits[1] < waits[2]  # growing back-off
    assert run_sweep(now).sent == 1
    db.session.refresh(reminder)
    assert (reminder.state, reminder.attempts, reminder.last_error) == ("sent", 4, "")
    assert smtp.handler.attempts == 4
    assert [m.message_id for m in smtp.messages] == [reminder.message_id]


def test_550_fails_at_once_and_is_not_retried(smtp, owner):
    letter = make_letter(owner, sent_on=SENT)
    smtp.handler.permanent_failure = True
    assert run_sweep(DUE).failed == 1
    reminder = reminders_of(letter.recipients[0])[0]
    assert reminder.state == "failed"
    assert reminder.last_error == "550 5.7.1 Message rejected: relaying denied"
    assert run_sweep(DUE + timedelta(days=1)).claimed == 0
    assert smtp.handler.attempts == 1
    assert db.session.scalars(select(OutboxMessage)).all() == []


def test_a_server_that_never_answers_stops_the_sweep_after_one_timeout(smtp, owner):
    make_letter(owner, sent_on=SENT, officials=("A", "B"))
    smtp.handler.hangs = 1
    started = time.monotonic()
    result = run_sweep(DUE)
    assert time.monotonic() - started < 5  # MAIL_TIMEOUT is 1 second here: one timeout
    assert (result.claimed, result.sent, result.retried) == (1, 0, 0)
    assert "timed out" in result.unreachable
    assert smtp.messages == []
    # The mailer backs off; after it, both go out, the first with no attempt counted.
    assert run_sweep(DUE + timedelta(seconds=30)).claimed == 0
    assert run_sweep(DUE + timedelta(minutes=2)).sent == 2
    sent = db.session.scalars(select(Reminder).where(Reminder.state == "sent")).all()
    assert [r.attempts for r in sent] == [1, 1]


def test_refused_recipients_are_recorded_and_the_others_still_get_it(smtp, owner):
    watcher = make_user("left-the-org@example.org")
    letter = make_letter(owner, sent_on=SENT, watchers=(watcher,))
    smtp.handler.refused_addresses = {"left-the-org@example.org"}
    assert run_sweep(DUE).sent == 1
    reminder = reminders_of(letter.recipients[0])[0]
    assert reminder.state == "sent"
    assert reminder.refused_recipients.startswith("left-the-org@example.org: 550 5.1.1")
    assert smtp.messages[0].rcpt_tos == ("owner@example.org",)


def test_all_recipients_refused_permanently_is_a_failure(smtp, owner):
    letter = make_letter(owner, sent_on=SENT)
    smtp.handler.refused_addresses = {"owner@example.org"}
    assert run_sweep(DUE).failed == 1
    reminder = reminders_of(letter.recipients[0])[0]
    assert "550 5.1.1" in reminder.last_error
    assert reminder.refused_recipients.startswith("owner@example.org")


def test_a_server_that_is_down_keeps_the_reminder_due(make_app):
    app = make_app(MAIL_URL="smtp://127.0.0.1:1", MAIL_TIMEOUT=1)
    with app.app_context():
        letter = make_letter(make_user("o@example.org"), sent_on=SENT)
        result = run_sweep(DUE)
        assert (result.retried, result.failed) == (0, 0)
        assert result.unreachable.startswith("cannot reach 127.0.0.1:1")
        reminder = reminders_of(letter.recipients[0])[0]
        assert (reminder.state, reminder.attempts) == ("pending", 0)
        assert "cannot reach 127.0.0.1:1" in reminder.last_error


def test_login_from_the_mail_url(make_app):
    with SmtpServer(login=("tracker", "s3cret")) as server:
        app = make_app(MAIL_URL=server.url("tracker", "s3cret"), MAIL_TIMEOUT=2)
        with app.app_context():
            make_letter(make_user("o@example.org"), sent_on=SENT)
            assert run_sweep(DUE).sent == 1
            [received] = server.messages
            assert received.authenticated
