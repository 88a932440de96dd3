"""Reminders over STARTTLS and SMTPS with login, against a real aiosmtpd server.

The server's certificate is signed by a throwaway CA made for the session; the app
trusts it through MAIL_CA_FILE, never by turning verification off.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.support.followup_data import make_letter, make_user, reminders_of
from tests.support.smtp_server import Certificates, SmtpServer, make_certificates
from tracker.extensions import db
from tracker.models import OutboxMessage
from tracker.services.reminders.sweep import run_sweep

SENT = date(2024, 3, 1)
DUE = datetime(2024, 3, 31, 9, tzinfo=UTC)
LOGIN = ("tracker", "s3cret")


@pytest.fixture(scope="session")
def certificates(tmp_path_factory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("certificates"))


@pytest.fixture
def sweep_through(make_app, certificates):
    """Run the app against `server`, trusting `ca_file` (None: the system's store)."""

    @contextmanager
    def run(server: SmtpServer, url: str, *, ca_file: Path | None = certificates.ca_file):
        app = make_app(MAIL_URL=url, MAIL_TIMEOUT=2, MAIL_CA_FILE=ca_file and str(ca_file))
        with server, app.app_context():
            letter = make_letter(make_user("owner@example.org"), sent_on=SENT)
            yield reminders_of(letter.recipients[0])[0]

    return run


def outbox_ids() -> list[str]:
    return db.session.scalars(select(OutboxMessage.message_id)).all()


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_a_reminder_is_delivered_encrypted_after_login(security, sweep_through, certificates):
    server = SmtpServer(LOGIN, security=security, certificates=certificates)
    with sweep_through(server, server.url(*LOGIN)) as reminder:
        assert run_sweep(DUE).sent == 1
        db.session.refresh(reminder)
        assert (reminder.state, reminder.last_error) == ("sent", "")
        [received] = server.messages
        assert received.encrypted and received.authenticated
        assert received.rcpt_tos == ("owner@example.org",)
        assert received.message_id == reminder.message_id
        assert server.logins == [("tracker", True)]
        assert outbox_ids() == [reminder.message_id]


def assert_still_due(reminder, error: str | None = None) -> None:
    """Not sent, not failed, no attempt counted: the server never judged the message."""
    db.session.refresh(reminder)
    assert (reminder.state, reminder.attempts) == ("pending", 0)
    assert reminder.attempt_at - DUE < timedelta(seconds=10)  # due at the next sweep
    if error is not None:
        assert reminder.last_error == error


# "none": aiosmtpd answers 535 on plain SMTP too, once the authenticator says handled=False.
@pytest.mark.parametrize("security", ["none", "starttls", "tls"])
def test_a_wrong_password_pauses_all_sending_and_fails_no_reminder(
    security, sweep_through, certificates
):
    # A refused login says nothing about the reminder: every email would meet it.
    server = SmtpServer(LOGIN, security=security, certificates=certificates)
    with sweep_through(server, server.url("tracker", "wrong")) as reminder:
        result = run_sweep(DUE)
        expected = (
            f"127.0.0.1:{server.port} refused the login: "
            "535 5.7.8 Authentication credentials invalid"
        )
        assert (result.unreachable, result.failed) == (expected, 0)
        assert_still_due(reminder, expected)
        assert run_sweep(DUE + timedelta(seconds=30)).claimed == 0  # the mailer backs off
        assert server.logins and not any(accepted for _user, accepted in server.logins)
        assert server.messages == []
        assert server.handler.attempts == 0
        assert outbox_ids() == []


def test_starttls_required_but_not_offered_sends_nothing_in_clear_text(sweep_through):
    # A plain server that would even take the password unencrypted: it must not get it.
    server = SmtpServer(LOGIN)
    with sweep_through(server, server.url(*LOGIN, security="starttls")) as reminder:
        assert run_sweep(DUE).unreachable
        assert_still_due(
            reminder,
            f"127.0.0.1:{server.port}: the server does not offer STARTTLS, which MAIL_URL "
            "requires; nothing was sent in clear text",
        )
        assert server.logins == []
        assert server.handler.attempts == 0
        assert server.messages == []
        assert outbox_ids() == []


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_a_certificate_the_client_does_not_trust_is_refused(security, sweep_through, certificates):
    server = SmtpServer(LOGIN, security=security, certificates=certificates)
    # No MAIL_CA_FILE: the system's trust store, which has never heard of the test CA.
    with sweep_through(server, server.url(*LOGIN), ca_file=None) as reminder:
        assert run_sweep(DUE).unreachable
        assert_still_due(reminder)
        assert reminder.last_error.startswith(
            f"127.0.0.1:{server.port} presented a certificate that is not trusted: "
        )
        assert "CERTIFICATE_VERIFY_FAILED" in reminder.last_error
        assert server.logins == []
        assert server.messages == []
        assert outbox_ids() == []


def test_the_certificate_must_name_the_host_it_is_reached_by(make_app, tmp_path):
    # Signed by a CA the app trusts, but for another name than 127.0.0.1.
    other = make_certificates(tmp_path, names="DNS:mail.example.org")
    server = SmtpServer(LOGIN, security="tls", certificates=other)
    app = make_app(MAIL_URL=server.url(*LOGIN), MAIL_TIMEOUT=2, MAIL_CA_FILE=str(other.ca_file))
    with server, app.app_context():
        letter = make_letter(make_user("owner@example.org"), sent_on=SENT)
        assert run_sweep(DUE).unreachable
        reminder = reminders_of(letter.recipients[0])[0]
        assert_still_due(reminder)
        assert "presented a certificate that is not trusted" in reminder.last_error
        assert "IP address mismatch" in reminder.last_error
        assert server.logins == []
        assert server.messages == []


def test_a_ca_file_that_cannot_be_read_is_named_in_the_error(sweep_through, certificates, tmp_path):
    missing = tmp_path / "no-such-ca.pem"
    server = SmtpServer(LOGIN, security="tls", certificates=certificates)
    with sweep_through(server, server.url(*LOGIN), ca_file=missing) as reminder:
        assert run_sweep(DUE).unreachable
        assert_still_due(reminder)
        assert f"MAIL_CA_FILE {missing} cannot be used" in reminder.last_error
        assert server.messages == []
