"""Letters built straight from the models, with recipient states chosen by hand.

Today is 2024-06-15. Each letter's derived state is in its subject, so tests can
check a filter against what the data says.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from sqlalchemy import event

from tracker.extensions import db
from tracker.models import Campaign, Demand, Letter, Official, Recipient, User

TODAY = date(2024, 6, 15)


@dataclass
class Data:
    owner: User
    other: User
    campaign: Campaign
    officials: dict[str, Official]
    letters: dict[str, Letter]


def _recipient(official: Official, **fields) -> Recipient:
    return Recipient(official=official, **({"state": "awaiting", "role": "to"} | fields))


def build(owner_id: int, other_id: int) -> Data:
    owner = db.session.get(User, owner_id)
    other = db.session.get(User, other_id)
    campaign = Campaign(name="Sanctions 2024")
    officials = {
        "ada": Official(name="Ada President", title="President", country="US"),
        "bruno": Official(name="Bruno Ministre", title="Minister of Justice", country="FR"),
        "chege": Official(name="Chege Waziri", country="KE"),
    }
    db.session.add_all([campaign, *officials.values()])
    o = officials

    def letter(reference, subject, sent_on, recipients, *, status="sent", **fields):
        item = Letter(
            reference=reference,
            subject=subject,
            sent_on=sent_on,
            status=status,
            owner=fields.pop("owner", owner),
            recipients=recipients,
            **fields,
        )
        db.session.add(item)
        return item

    letters = {
        "L1": letter(
            "L-1",
            "overdue by 15 days",
            date(2024, 4, 1),
            [
                _recipient(o["ada"], due_on=date(2024, 5, 31)),
                _recipient(o["bruno"], role="cc", expects_answer=False, due_on=date(2024, 5, 1)),
            ],
            campaign=campaign,
            demands=[
                Demand(position=1, title="Lift", text="Lift the sanctions", outcome="open"),
                Demand(position=2, title="Stop", text="Stop the threats", outcome="rejected"),
            ],
        ),
        "L2": letter(
            "L-2",
            "awaiting, due later",
            date(2024, 6, 1),
            [_recipient(o["bruno"], due_on=date(2024, 7, 1))],
            campaign=campaign,
            watchers=[other],
            demands=[Demand(position=1, title="Free", text="Free the prisoners", outcome="met")],
        ),
        "L3": letter(
            "L-3",
            "responded",
            date(2024, 3, 1),
            [_recipient(o["chege"], state="responded", responded_on=date(2024, 3, 20))],
            owner=other,
        ),
        "L4": letter(
            "L-4",
            "paused past due, still awaiting",
            date(2024, 2, 1),
            [_recipient(o["ada"], due_on=date(2024, 3, 1), paused_on=date(2024, 2, 20))],
        ),
        "L5": letter("L-5", "draft 100% literal_underscore", None, [], status="draft"),
        "L6": letter(
            "L-6",
            "closed",
            date(2024, 1, 10),
            [_recipient(o["bruno"], state="closed", due_on=date(2024, 2, 10))],
            status="closed",
        ),
    }
    db.session.commit()
    return Data(owner, other, campaign, officials, letters)


@contextmanager
def count_queries():
    """Counts the SQL statements the block sends through db.engine."""
    statements: list[str] = []

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before_cursor_execute)
