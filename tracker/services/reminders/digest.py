"""Daily digests: one email at 08:00 in each digest user's own time zone.

A digest lists the reminders sent since the user's last digest about letters they own
or watch (and, for admins, escalations). The sweep marks a reminder sent when its
immediate emails went out, or at once when all its addressees take digests.

Each digest is claimed like a reminder: `last_digest_at` moves forward with a
compare-and-set UPDATE committed before sending, so two schedulers never send the
same digest. A temporary mail failure moves it back, and the next sweep tries again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import joinedload

from tracker import mail
from tracker.domain import ladder
from tracker.extensions import db
from tracker.models import Letter, Recipient, Reminder, User, letter_watchers
from tracker.services.reminders.email import digest_email, facts
from tracker.services.transaction import transaction

log = logging.getLogger(__name__)

DIGEST_HOUR = 8


def _move_last_digest(user_id: int, expected: datetime | None, new: datetime | None) -> bool:
    """Compare-and-set on users.last_digest_at, committed at once (before any sending).
    False if another process won."""
    users = User.__table__
    with transaction():
        moved = db.session.execute(
            update(users)
            .where(users.c.id == user_id, users.c.last_digest_at.is_not_distinct_from(expected))
            .values(last_digest_at=new)
            .returning(users.c.id)
        ).scalar()
    return moved is not None


def _reminders_for(user: User, since: datetime, until: datetime) -> list[Reminder]:
    watched = select(letter_watchers.c.letter_id).where(letter_watchers.c.user_id == user.id)
    concerns = or_(Letter.owner_id == user.id, Letter.id.in_(watched))
    if user.role == "admin":
        concerns = or_(concerns, Reminder.kind == "escalate")
    return list(
        db.session.scalars(
            select(Reminder)
            .join(Reminder.recipient)
            .join(Recipient.letter)
            .where(
                Reminder.state == "sent",
                Reminder.sent_at > since,
                Reminder.sent_at <= until,
                concerns,
            )
            .options(
                joinedload(Reminder.recipient).joinedload(Recipient.official),
                joinedload(Reminder.recipient)
                .joinedload(Recipient.letter)
                .selectinload(Letter.demands),
            )
            .order_by(Reminder.sent_at, Reminder.id)
        ).unique()
    )


def send_due_digests(now: datetime, mailer: mail.Mailer) -> int:
    """Send each digest that is due at `now`; commits per user. Returns how many went out."""
    sent = 0
    digest_users = db.session.scalars(
        select(User).where(User.reminder_delivery == "digest", User.is_active_account.is_(True))
    ).all()
    for user in digest_users:
        previous = user.last_digest_at
        if previous is None:
            # New digest reader: start counting from the last 08:00, first digest at the next.
            last_eight = ladder.next_digest_at(now - timedelta(days=1), user.timezone, DIGEST_HOUR)
            _move_last_digest(user.id, None, last_eight)
            continue
        if ladder.next_digest_at(previous, user.timezone, DIGEST_HOUR) > now:
            continue
        if not _move_last_digest(user.id, previous, now):
            continue
        since = previous
        items = [facts(reminder, now) for reminder in _reminders_for(user, since, now)]
        if not items:
            continue
        with transaction():  # the outbox copy, or the refusal, is kept
            delivery = mailer.deliver(digest_email(user, items, mail.new_message_id("digest")), now)
        if delivery.outcome == "sent":
            sent += 1
        elif delivery.outcome == "retry":
            _move_last_digest(user.id, now, previous)
        else:
            log.error("digest for user %s refused: %s", user.id, delivery.error)
    return sent
