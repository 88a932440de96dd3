"""The one place Tracker's Message-IDs and letter thread ids are made."""

import re
from datetime import date

from sqlalchemy import select

from tests.followup_data import make_letter
from tracker import mail
from tracker.domain.message_ids import letter_thread_id, mail_host, message_id
from tracker.extensions import db
from tracker.models import Reminder, User


def test_formats():
    assert mail_host("https://tracker.example.org:8443/sub") == "tracker.example.org"
    assert mail_host("") == "localhost"
    assert message_id("reminder", "h.example", "abc") == "<reminder-abc@h.example>"
    assert message_id("digest", "h.example", "abc") == "<digest-abc@h.example>"
    assert letter_thread_id(42, "h.example") == "<letter-42@h.example>"


def test_mail_makes_fresh_ids_on_the_configured_host(app):
    first, second = mail.new_message_id("reminder"), mail.new_message_id("reminder")
    assert re.fullmatch(r"<reminder-[0-9a-f]{32}@tracker\.test>", first)
    assert first != second
    assert mail.letter_thread_id(7) == mail.letter_thread_id(7) == "<letter-7@tracker.test>"


def test_planned_reminders_get_their_id_from_mail(app, users):
    letter = make_letter(db.session.get(User, users["editor"].id), sent_on=date(2024, 3, 1))
    ids = db.session.scalars(
        select(Reminder.message_id).where(Reminder.recipient_id == letter.recipients[0].id)
    ).all()
    assert len(ids) == 3 and len(set(ids)) == 3
    assert all(re.fullmatch(r"<reminder-[0-9a-f]{32}@tracker\.test>", i) for i in ids)
