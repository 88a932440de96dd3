"""A small hand-built history whose every dashboard figure is worked out by hand.

Today is 2024-06-15. The edge cases the figures must get right: a letter with only cc
recipients (L8), an acknowledgement without an answer (L2), a paused clock past its
due date (L3), a reply after the due date (L4), a withdrawn recipient (L9), a draft
(L10), a cc recipient whose (unexpected) clock has run out (L1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from tracker.domain.deadlines import due_date
from tracker.extensions import db
from tracker.models import (
    Campaign,
    Demand,
    Letter,
    Official,
    Recipient,
    Reminder,
    Response,
    User,
)

TODAY = date(2024, 6, 15)


@dataclass
class Dataset:
    owner: User  # owns most letters, watches L6
    colleague: User
    sanctions: Campaign
    detention: Campaign
    officials: dict[str, Official]
    letters: dict[str, Letter]


def _user(email: str, name: str) -> User:
    user = User(email=email, name=name, password_hash="x", role="editor")
    db.session.add(user)
    return user


def build(today: date = TODAY) -> Dataset:
    """The history as seen on `today`: every date moves with it, so every figure holds."""
    shift = today - TODAY

    def day(year: int, month: int, number: int) -> date:
        return date(year, month, number) + shift

    owner = _user("owner@example.org", "Olga Owner")
    colleague = _user("colleague@example.org", "Carl Colleague")
    sanctions = Campaign(name="Sanctions")
    detention = Campaign(name="Detention")
    officials = {
        "O1": Official(name="Ada President", country="US", institution="White House"),
        "O2": Official(name="Bruno Ministre", country="FR", institution="Quai d'Orsay"),
        "O3": Official(name="Chege Waziri", country="KE"),  # no institution recorded
        "O4": Official(name="Dana Copy", country="US", institution="White House"),
    }
    db.session.add_all([sanctions, detention, *officials.values()])
    db.session.flush()
    letters: dict[str, Letter] = {}

    def letter(key, campaign, owner_user, sent_on, *, status="sent", watchers=()):
        item = Letter(
            reference=key,
            subject=f"Letter {key}",
            campaign=campaign,
            owner=owner_user,
            sent_on=sent_on,
            status=status,
            watchers=list(watchers),
        )
        db.session.add(item)
        letters[key] = item
        return item

    def recipient(item, official_key, state="awaiting", *, role="to", **fields):
        official = officials[official_key]
        due_on = (
            due_date(item.sent_on, item.response_window_days or 30, False, official.country)
            if item.sent_on
            else None
        )
        row = Recipient(
            letter=item,
            official=official,
            role=role,
            expects_answer=role == "to",
            state=state,
            due_on=due_on,
            **fields,
        )
        db.session.add(row)
        return row

    def demands(item, *outcomes):
        for position, outcome in enumerate(outcomes, start=1):
            db.session.add(
                Demand(
                    letter=item,
                    position=position,
                    title=f"Demand {position}",
                    text="...",
                    outcome=outcome,
                )
            )

    def response(item, row, received_on, kind):
        db.session.add(Response(letter=item, recipient=row, received_on=received_on, kind=kind))

    l1 = letter("L1", sanctions, owner, day(2024, 1, 10))
    o1 = recipient(l1, "O1", "responded", responded_on=day(2024, 2, 1))
    recipient(l1, "O4", role="cc")  # due 2024-02-09, passed, but nobody expects an answer
    response(l1, o1, day(2024, 2, 1), "substantive")
    demands(l1, "met", "rejected")

    l2 = letter("L2", sanctions, owner, day(2024, 3, 1))
    # Acknowledged, never answered: still awaiting, due 2024-03-31, 76 days overdue.
    o2 = recipient(l2, "O2", acknowledged_on=day(2024, 3, 10))
    response(l2, o2, day(2024, 3, 10), "acknowledgement")
    demands(l2, "open")

    l3 = letter("L3", detention, colleague, day(2024, 4, 1))
    recipient(l3, "O3", paused_on=day(2024, 4, 20), remaining_days=11)
    demands(l3, "open", "withdrawn")

    l4 = letter("L4", detention, owner, day(2023, 5, 1))
    o4 = recipient(l4, "O1", "responded", responded_on=day(2023, 7, 10))
    response(l4, o4, day(2023, 5, 20), "acknowledgement")
    response(l4, o4, day(2023, 7, 10), "substantive")
    demands(l4, "partially_met")

    l5 = letter("L5", detention, owner, day(2024, 2, 1))
    recipient(l5, "O2")  # due 2024-03-02: 105 days overdue
    demands(l5, "open")

    l6 = letter("L6", None, colleague, day(2024, 5, 1), watchers=[owner])
    recipient(l6, "O3")  # due 2024-05-31: 15 days overdue
    demands(l6, "accepted")

    l7 = letter("L7", sanctions, owner, day(2022, 1, 1))
    recipient(l7, "O1")  # due 2022-01-31: 866 days overdue

    l8 = letter("L8", sanctions, colleague, day(2024, 6, 1))
    recipient(l8, "O4", role="cc")

    l9 = letter("L9", detention, colleague, day(2024, 5, 20))
    recipient(l9, "O2")  # due 2024-06-19: due in 4 days
    recipient(l9, "O3", "withdrawn")

    l10 = letter("L10", None, owner, None, status="draft")
    recipient(l10, "O1")
    demands(l10, "open")

    db.session.commit()
    return Dataset(owner, colleague, sanctions, detention, officials, letters)


def add_reminders(data: Dataset, today: date = TODAY) -> None:
    """The reminder rows the default ladder (0, 14, 44 days) planned, at 09:00 UTC.

    Act now on 2024-06-15 (horizon 2024-06-29, span 44 days, so since 2024-05-02):
    L2 (escalation sent 2024-05-14, 32 days ago), L6 (follow-up sent 2024-06-14,
    escalation planned 2024-07-14), L9 (first step due 2024-06-19, snoozed to 06-25).
    Every step passed: L5 (last step 2024-04-15) and L7 (none planned, 866 days late).
    """
    shift = today - TODAY

    def at(year: int, month: int, number: int) -> datetime:
        return datetime.combine(date(year, month, number) + shift, time(9), tzinfo=UTC)

    def steps(key: str, *plan: tuple[str, datetime, str, datetime | None]) -> None:
        recipient = next(r for r in data.letters[key].recipients if r.state == "awaiting")
        for index, (kind, due_at, state, attempt_at) in enumerate(plan):
            db.session.add(
                Reminder(
                    recipient=recipient,
                    step=index,
                    kind=kind,
                    due_at=due_at,
                    attempt_at=attempt_at or due_at,
                    state=state,
                    sent_at=(attempt_at or due_at) if state == "sent" else None,
                    message_id=f"<{key}-{index}@stats.test>",
                )
            )

    sent, pending = "sent", "pending"
    steps(
        "L2",
        ("no_response", at(2024, 3, 31), sent, None),
        ("follow_up", at(2024, 4, 14), sent, None),
        ("escalate", at(2024, 5, 14), sent, None),
    )
    steps(
        "L5",
        ("no_response", at(2024, 3, 2), sent, None),
        ("follow_up", at(2024, 3, 16), sent, None),
        ("escalate", at(2024, 4, 15), sent, None),
    )
    steps(
        "L6",
        ("no_response", at(2024, 5, 31), sent, None),
        ("follow_up", at(2024, 6, 14), sent, None),
        ("escalate", at(2024, 7, 14), pending, None),
    )
    steps(
        "L9",
        ("no_response", at(2024, 6, 19), pending, at(2024, 6, 25)),
        ("follow_up", at(2024, 7, 3), pending, None),
        ("escalate", at(2024, 8, 2), pending, None),
    )
    db.session.commit()
