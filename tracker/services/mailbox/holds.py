"""A reply waiting for review holds its recipient's reminders (read by the sweep)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import ColumnElement, exists

from tracker.models import MailMessage

# A held reminder is looked at again after this long (it is not sent meanwhile).
RECHECK = timedelta(hours=1)


def reply_waiting(recipient_id: ColumnElement[int]) -> ColumnElement[bool]:
    """Whether a reply to the recipient `recipient_id` waits for review, as SQL: the sweep
    reads it in the same row as the rest of a reminder's context."""
    table = MailMessage.__table__
    return exists().where(table.c.recipient_id == recipient_id, table.c.review_state == "to_review")
