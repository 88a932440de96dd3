"""The one place Tracker's Message-IDs are made."""

import re
from datetime import date

from sqlalchemy import select

from tests.support.followup_data import make_letter
from tracker import mail
from tracker.domain.message_ids import message_id
from tracker.extensions import db
from tracker.models import Reminder, User


def test_format():
    assert message_id("reminder", "org.example", "abc") == "<abc.reminder@org.example>"
    assert message_id("digest", "org.example", "abc") == "<abc.digest@org.example>"


def test_mail_makes_fresh_random_ids_at_the_senders_domain(make_app):
    app = make_app(MAIL_FROM="Tracker <tracker@ngo.example>")
    with app.app_context():
        first, second = mail.new_message_id("reminder"), mail.new_message_id("reminder")
    assert re.fullmatch(r"<[0-9a-f]{32}\.reminder@ngo\.example>", first)
    assert first != second


def test_planned_reminders_get_their_id_from_mail(app, users):
    letter = make_letter(db.session.get(User, users["editor"].id), sent_on=date(2024, 3, 1))
    ids = db.session.scalars(
        select(Reminder.message_id).where(Reminder.recipient_id == letter.recipients[0].id)
    ).all()
    assert len(ids) == 3 and len(set(ids)) == 3
    domain = mail_domain_of(app)
    assert all(re.fullmatch(rf"<[0-9a-f]{{32}}\.reminder@{re.escape(domain)}>", i) for i in ids)


def mail_domain_of(app) -> str:
    with app.app_context():
        return mail.sender_domain()
