"""Sending again what the mail server refused: a reminder, a digest, or all of them;
or giving up on one (`dismiss_reminder`, `dismiss_digest`).

Retrying a failed send makes it due at once with a fresh count; retrying one that
is still being retried (4xx answers for a while) moves its next attempt to now.
A digest sent again is the same email (same content and Message-ID); the reminders
it carries wait for it again ("queued"). `reopen_*` are building blocks that do not
commit; `retry_digest` and `retry_all` are staff actions, each audited and one transaction.

Dismissing stops a send for good: it stays failed, as history, with `dismissed_at` set,
and leaves the delivery problems (the admins' page, "Retry all", My work's count). A
later retry (from the letter page) clears the mark.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from tracker.extensions import db
from tracker.models import Digest, DigestItem, Reminder
from tracker.queries.delivery import is_problem
from tracker.services.audit import Actor, record
from tracker.services.errors import ServiceError
from tracker.services.transaction import transaction


def failed_digests_of(reminder: Reminder) -> list[Digest]:
    return list(
        db.session.scalars(
            select(Digest)
            .join(DigestItem, DigestItem.digest_id == Digest.id)
            .where(DigestItem.reminder_id == reminder.id, Digest.state == "failed")
        )
    )


def reopen_digest(digest: Digest, now: datetime) -> None:
    """Make a failed or retrying digest due now; its failed reminders wait for it again."""
    was_failed = digest.state == "failed"
    digest.state = "pending"
    digest.dismissed_at = None
    digest.attempt_at = now
    digest.lease_until = digest.claimed_by = None
    if was_failed:
        digest.attempts = 0
        digest.retrying_since = None
        digest.last_error = ""
        carried = select(DigestItem.reminder_id).where(DigestItem.digest_id == digest.id)
        for reminder in db.session.scalars(
            select(Reminder).where(
                Reminder.id.in_(carried),
                Reminder.state == "failed",
                Reminder.sent_at.is_not(None),  # its own emails went out; the digest failed
            )
        ):
            reminder.state = "queued"
            reminder.last_error = ""


def reopen_reminder(reminder: Reminder, now: datetime) -> None:
    """Make a failed or retrying reminder due now. A reminder that failed only through
    its digests waits for them again; the addresses that had it do not get it twice."""
    digests = failed_digests_of(reminder) if reminder.state == "failed" else []
    for digest in digests:
        reopen_digest(digest, now)
    if reminder.state == "queued":
        return
    if reminder.state == "failed":
        reminder.attempts = 0
        reminder.retrying_since = None
        reminder.last_error = ""
        reminder.refused_recipients = ""
    reminder.dismissed_at = None
    reminder.state = "pending"
    reminder.attempt_at = now
    reminder.lease_until = reminder.claimed_by = None


def retry_digest(actor: Actor, digest: Digest, now: datetime) -> bool:
    """Send a failed or long-retrying digest again at the next sweep.

    False when there is nothing to retry (it was sent meanwhile, or is being sent)."""
    retrying = digest.state == "pending" and digest.retrying_since is not None
    if digest.state != "failed" and not retrying:
        return False
    with transaction():
        record(
            actor,
            "digest.retried",
            entity_type="digest",
            entity_id=digest.id,
            summary=f"Retried the digest to {digest.user.email}",
            changes={"state": [digest.state, "pending"], "last_error": [digest.last_error, ""]},
        )
        reopen_digest(digest, now)
    return True


def retry_all(actor: Actor, now: datetime) -> int:
    """Send every failed and long-retrying reminder and digest again: one transaction."""
    with transaction():
        problem_reminders = db.session.scalars(
            select(Reminder).where(is_problem(Reminder, now))
        ).all()
        problem_digests = db.session.scalars(select(Digest).where(is_problem(Digest, now))).all()
        for digest in problem_digests:
            reopen_digest(digest, now)
        for reminder in problem_reminders:
            reopen_reminder(reminder, now)
        count = len(problem_reminders) + len(problem_digests)
        if count:
            summary = f"Retried {count} failed or waiting sends"
            record(actor, "delivery.retried_all", summary=summary)
    return count


def _give_up(model, row_id: int, now: datetime) -> bool:
    """Compare-and-set: a failed or retrying row, not dismissed, becomes failed and
    dismissed. False when the sweep claimed or sent it meanwhile, or it was dismissed."""
    retrying = (model.state == "pending") & model.retrying_since.is_not(None)
    result = db.session.execute(
        update(model)
        .where(
            model.id == row_id,
            model.dismissed_at.is_(None),
            (model.state == "failed") | retrying,
        )
        .values(state="failed", dismissed_at=now, lease_until=None, claimed_by=None)
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount == 1


NOTHING_TO_DISMISS = (
    "This send has no delivery problem any more (it was sent, retried or dismissed)."
)


def dismiss_reminder(actor: Actor, reminder: Reminder, now: datetime) -> None:
    """Give up on a failed (or long-retrying) reminder; audited, one transaction."""
    recipient = reminder.recipient
    before = reminder.state
    with transaction():
        if not _give_up(Reminder, reminder.id, now):
            raise ServiceError(NOTHING_TO_DISMISS, kind="conflict")
        record(
            actor,
            "reminder.dismissed",
            entity_type="reminder",
            entity_id=reminder.id,
            letter_id=recipient.letter_id,
            summary=f"Dismissed the failed {reminder.kind.replace('_', ' ')} reminder about "
            f"{recipient.official.name}: it will not be sent",
            changes={"state": [before, "failed (dismissed)"]},
            at=now,
        )


def dismiss_digest(actor: Actor, digest: Digest, now: datetime) -> None:
    """Give up on a failed (or long-retrying) digest, and on the reminders that failed only
    through it (their own emails went out); audited, one transaction."""
    before = digest.state
    with transaction():
        if not _give_up(Digest, digest.id, now):
            raise ServiceError(NOTHING_TO_DISMISS, kind="conflict")
        carried = select(DigestItem.reminder_id).where(DigestItem.digest_id == digest.id)
        dismissed = db.session.execute(
            update(Reminder)
            .where(
                Reminder.id.in_(carried),
                Reminder.state == "failed",
                Reminder.sent_at.is_not(None),
                Reminder.dismissed_at.is_(None),
            )
            .values(dismissed_at=now)
            .execution_options(synchronize_session="fetch")
        ).rowcount
        record(
            actor,
            "digest.dismissed",
            entity_type="digest",
            entity_id=digest.id,
            summary=f"Dismissed the failed digest to {digest.user.email}: it will not be sent"
            + (f" ({dismissed} reminders it carried dismissed too)" if dismissed else ""),
            changes={"state": [before, "failed (dismissed)"]},
            at=now,
        )
