"""Fixtures for the email tests: the app reading the real Dovecot and sending through the
real aiosmtpd server (`imap`, `smtp`: tests/conftest.py), and a sent letter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from tests.support.imap_server import ImapServer
from tests.support.letter_helpers import pdf_bytes
from tests.support.smtp_server import SmtpServer
from tracker.models import Letter, Official
from tracker.services import directory, files, letters
from tracker.services.audit import Actor
from tracker.services.mailbox import sending

REPLY_BASE = "replies@org.example"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def mail_settings(imap: ImapServer, smtp: SmtpServer) -> dict[str, str]:
    """The configuration that reads the test's Dovecot and sends through its SMTP server."""
    return {
        "INBOUND_URL": imap.url(),
        "INBOUND_CA_FILE": str(imap.ca_file),
        "TRACKER_REPLY_ADDRESS": REPLY_BASE,
        "MAIL_URL": smtp.url(),
        "MAIL_FROM": "Org <letters@org.example>",
    }


@pytest.fixture
def app(make_app, imap, smtp):
    """The suite's `app`, reading the test's Dovecot and sending through its SMTP server."""
    app = make_app(**mail_settings(imap, smtp))
    with app.app_context():
        yield app


@pytest.fixture
def mail_app(app):
    return app


@dataclass
class SentLetter:
    letter: Letter
    minister: Official
    deputy: Official
    message_id: str
    reply_address: str


def make_sent_letter(users, *, reference: str = "L-2026-0001") -> SentLetter:
    actor = Actor(users["editor"].id, users["editor"].email)
    minister = directory.create_official(actor, name="Ana Minister", email="minister@gov.example")
    deputy = directory.create_official(actor, name="Ben Deputy", email="deputy@gov.example")
    data = letters.LetterInput(
        subject="Release the detainees",
        owner_id=users["editor"].id,
        reference=reference,
        sent_on=None,
        recipients=(
            letters.RecipientInput(minister.id, "to"),
            letters.RecipientInput(deputy.id, "cc", expects_answer=True),
        ),
        demands=(
            letters.DemandInput("Release them", "Release the detainees."),
            letters.DemandInput("Open an inquiry", "Open an independent inquiry."),
            letters.DemandInput("Report back", "Report back within a month."),
        ),
    )
    upload = files.Upload("letter.pdf", pdf_bytes(), "application/pdf")
    letter = letters.create_letter(actor, data, NOW, upload)
    send = sending.queue(actor, letter, NOW)
    assert sending.send_due(NOW) == 1
    return SentLetter(
        letter, minister, deputy, send.message_id, sending.reply_address(letter, send)
    )


@pytest.fixture
def sent(mail_app, users) -> SentLetter:
    return make_sent_letter(users)
