"""A reply waiting for review holds its recipient's reminders (read by the sweep)."""

from __future__ import annotations

from datetime import timedelta
from functools import cache

from sqlalchemy import Connection, bindparam, exists, select

from tracker.models import MailMessage

# A held reminder is looked at again after this long (it is not sent meanwhile).
RECHECK = timedelta(hours=1)


@cache
def _waiting_statement():
    table = MailMessage.__table__
    return select(
        exists().where(
            table.c.recipient_id == bindparam("recipient_id"),
            table.c.review_state == "to_review",
        )
    )


def reply_waiting(connection: Connection, recipient_id: int) -> bool:
    return bool(connection.execute(_waiting_statement(), {"recipient_id": recipient_id}).scalar())
