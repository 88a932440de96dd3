"""What a reminder email says and whom it goes to.

Reminders go to the letter's owner and watchers (and, for an escalation, to every
admin), each of whom chooses immediate emails or one daily digest. This module builds
the immediate email of one reminder and the digest of several; `tracker.mail` sends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from tracker import mail
from tracker.domain import deadlines, ladder
from tracker.extensions import db
from tracker.models import Letter, Reminder, User
from tracker.services.reminder_plan import ladder_settings, organisation_today


def external_url(endpoint: str, **values: object) -> str:
    """An absolute link under TRACKER_BASE_URL, built outside any request."""
    base = urlsplit(current_app.config["TRACKER_BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http"
    )
    return adapter.build(endpoint, values, force_external=True)


def letter_url(letter_id: int, anchor: str = "") -> str:
    url = external_url("letters.show", letter_id=letter_id)
    return f"{url}#{anchor}" if anchor else url


def letter_thread_id(letter_id: int) -> str:
    """The Message-ID every reminder about one letter refers to, so they thread."""
    host = urlsplit(current_app.config["TRACKER_BASE_URL"]).hostname or "localhost"
    return f"<letter-{letter_id}@{host}>"


def step_label(kind: str, official: str) -> str:
    step = next((s for s in ladder_settings().steps if s.kind == kind), None)
    if step is None:  # the ladder setting changed since the reminder was planned
        step = ladder.DEFAULT_LADDER[ladder.STEP_KINDS.index(kind)]
    return step.label_for(official)


def addressees(letter: Letter, kind: str) -> list[User]:
    """Active users to tell about a reminder of `kind` on `letter`, each once."""
    users = [letter.owner, *letter.watchers]
    if kind == "escalate":
        users += db.session.scalars(
            select(User).where(User.role == "admin").order_by(User.id)
        ).all()
    seen: set[int] = set()
    unique = []
    for user in users:
        if user.is_active_account and user.id not in seen:
            seen.add(user.id)
            unique.append(user)
    return unique


@dataclass(frozen=True)
class ReminderFacts:
    """Everything an email or digest line says about one reminder."""

    reminder: Reminder
    letter: Letter
    official: str
    label: str
    due_on: date
    days_overdue: int
    open_demands: list[str]
    letter_url: str
    response_url: str
    snooze_url: str
    follow_up_url: str


def facts(reminder: Reminder, now: datetime) -> ReminderFacts:
    recipient = reminder.recipient
    letter, official = recipient.letter, recipient.official
    assert recipient.due_on is not None
    today = organisation_today(now)
    overdue = deadlines.days_between(
        recipient.due_on, today, letter.business_days, official.country
    )
    return ReminderFacts(
        reminder=reminder,
        letter=letter,
        official=official.name,
        label=step_label(reminder.kind, official.name),
        due_on=recipient.due_on,
        days_overdue=max(0, overdue),
        open_demands=[demand.title for demand in letter.demands if demand.outcome == "open"],
        letter_url=letter_url(letter.id, f"ladder-{recipient.id}"),
        response_url=external_url("responses.new", letter_id=letter.id, recipient=recipient.id),
        snooze_url=external_url("followup.snooze_form", recipient_id=recipient.id),
        follow_up_url=external_url("followup.follow_up_form", recipient_id=recipient.id),
    )


def reminder_email(reminder: Reminder, to: tuple[str, ...], now: datetime) -> mail.Email:
    about = facts(reminder, now)
    return mail.compose(
        "reminder",
        to=to,
        subject=f"[{about.letter.reference}] {about.label}",
        message_id=reminder.message_id,
        references=(letter_thread_id(about.letter.id),),
        item=about,
    )


def digest_email(user: User, items: list[ReminderFacts], message_id: str) -> mail.Email:
    count = len(items)
    return mail.compose(
        "digest",
        to=(user.email,),
        subject=f"Tracker: {count} reminder{'s' if count != 1 else ''} today",
        message_id=message_id,
        user=user,
        items=items,
    )
