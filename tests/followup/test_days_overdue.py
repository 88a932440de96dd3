"""What "days overdue" counts, said where it is shown.

Unqualified, "days overdue" is calendar days: the dashboard, the letters list and their
CSV files count them in SQL. A letter whose window counts business days is counted in
business days wherever the clock of one recipient is shown (the letter page, the
reminder emails), and those say "business days".
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.support.followup_data import make_letter
from tracker.domain import deadlines
from tracker.extensions import db
from tracker.models import OutboxMessage, User, utcnow
from tracker.queries.access import UNRESTRICTED_ONLY
from tracker.queries.letters.filters import LetterFilters
from tracker.queries.letters.listing import search_letters
from tracker.services.reminders.sweep import run_sweep
from tracker.settings import organisation_today


def test_a_business_day_letter_says_business_days_where_it_counts_them(client, auth, users):
    now = utcnow()
    today = organisation_today(now)
    owner = db.session.get(User, users["editor"].id)
    letter = make_letter(owner, sent_on=today - timedelta(days=70), business_days=True)
    due_on = letter.recipients[0].due_on
    business = deadlines.days_between(due_on, today, True, None)
    calendar = (today - due_on).days
    assert 0 < business < calendar  # weekends make the two counts differ

    auth.login("editor")
    html = client.get(f"/letters/{letter.id}").get_data(as_text=True)
    assert f"{business} business days overdue" in html

    run_sweep(now)
    bodies = db.session.scalars(select(OutboxMessage.body_text)).all()
    assert bodies and all(f"({business} business days overdue)" in body for body in bodies)

    [row] = search_letters(LetterFilters(state="overdue"), today, visibility=UNRESTRICTED_ONLY).rows
    assert row.days_overdue == calendar


def test_a_calendar_day_letter_says_plain_days(client, auth, users):
    now = utcnow()
    today = organisation_today(now)
    owner = db.session.get(User, users["editor"].id)
    letter = make_letter(owner, sent_on=today - timedelta(days=45))
    auth.login("editor")
    html = client.get(f"/letters/{letter.id}").get_data(as_text=True)
    assert "15 days overdue" in html and "business days" not in html
