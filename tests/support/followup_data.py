"""Letters, recipients and reminders for the follow-up tests, built through the models
and the follow-up services (the bulk builder inserts rows directly, for volume)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert

from tracker.extensions import db
from tracker.models import Demand, Letter, Official, Recipient, Reminder, User
from tracker.services.followup import planning


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def make_user(
    email: str, role: str = "editor", delivery: str = "immediate", timezone: str = "UTC"
) -> User:
    user = User(
        email=email,
        name=email.split("@")[0].title(),
        password_hash="unused",
        role=role,
        reminder_delivery=delivery,
        timezone=timezone,
    )
    db.session.add(user)
    db.session.commit()
    return user


_counter = iter(range(1, 10**9))


def make_letter(
    owner: User,
    *,
    sent_on: date | None,
    officials: tuple[str, ...] = ("President Example",),
    window: int = 30,
    business_days: bool = False,
    country: str | None = None,
    cc: tuple[tuple[str, bool], ...] = (),
    watchers: tuple[User, ...] = (),
    demands: tuple[str, ...] = ("Lift the sanctions", "Disavow the threats"),
    follows_up: Letter | None = None,
) -> Letter:
    """A letter (sent when `sent_on` is given) with its clocks started and reminders planned."""
    number = next(_counter)
    letter = Letter(
        reference=f"L-{number:04d}",
        subject=f"Letter number {number}",
        owner=owner,
        status="sent" if sent_on else "draft",
        sent_on=sent_on,
        response_window_days=window,
        business_days=business_days,
        follows_up=follows_up,
    )
    letter.watchers.extend(watchers)
    for name in officials:
        letter.recipients.append(Recipient(official=Official(name=name, country=country)))
    for name, expects in cc:
        official = Official(name=name, country=country)
        letter.recipients.append(Recipient(official=official, role="cc", expects_answer=expects))
    for position, title in enumerate(demands, start=1):
        letter.demands.append(Demand(position=position, title=title, text=title + "."))
    db.session.add(letter)
    db.session.flush()
    if sent_on:
        planning.start_clocks(letter, sent_on)
        planning.sync_letter_reminders(letter, at(sent_on, 0))
    db.session.commit()
    return letter


def bulk_overdue(owner: User, count: int, due_at: datetime) -> Letter:
    """One sent letter with `count` recipients, each with one pending reminder due at
    `due_at`, inserted in bulk (building 1,000 through the ORM would dominate the test)."""
    letter = make_letter(owner, sent_on=None, officials=())
    letter.status = "sent"
    letter.sent_on = due_at.date() - timedelta(days=30)
    db.session.commit()
    due_on = due_at.date()
    db.session.execute(
        insert(Official), [{"name": f"Official {i:05d}", "country": None} for i in range(count)]
    )
    official_ids = db.session.scalars(
        db.select(Official.id).where(Official.name.like("Official %")).order_by(Official.id)
    ).all()
    db.session.execute(
        insert(Recipient),
        [
            {"letter_id": letter.id, "official_id": oid, "role": "to", "due_on": due_on}
            for oid in official_ids
        ],
    )
    recipient_ids = db.session.scalars(
        db.select(Recipient.id).where(Recipient.letter_id == letter.id)
    ).all()
    db.session.execute(
        insert(Reminder),
        [
            {
                "recipient_id": rid,
                "step": 0,
                "kind": "no_response",
                "due_at": due_at,
                "attempt_at": due_at,
                "state": "pending",
                "message_id": f"<reminder-bulk-{rid}@tracker.test>",
            }
            for rid in recipient_ids
        ],
    )
    db.session.commit()
    return letter


def reminders_of(recipient: Recipient) -> list[Reminder]:
    return db.session.scalars(
        db.select(Reminder).where(Reminder.recipient_id == recipient.id).order_by(Reminder.step)
    ).all()
