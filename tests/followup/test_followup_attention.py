"""What needs a user's attention: overdue and due-soon recipients of their letters."""

from __future__ import annotations

from datetime import date

from sqlalchemy import event

from tests.support.followup_data import make_letter, make_user
from tracker.extensions import db
from tracker.queries.followup import attention_for_user
from tracker.services import followup
from tracker.services.audit import Actor

TODAY = date(2024, 4, 10)


def test_overdue_and_due_soon_of_owned_and_watched_letters_in_one_query(app):
    me = make_user("me@example.org")
    other = make_user("other@example.org")
    overdue = make_letter(me, sent_on=date(2024, 3, 1), officials=("Late A", "Late B"))
    soon = make_letter(other, sent_on=date(2024, 3, 15), officials=("Soon",), watchers=(me,))
    make_letter(me, sent_on=date(2024, 4, 5), officials=("Later",))  # due 5 May
    make_letter(other, sent_on=date(2024, 3, 1), officials=("Not mine",))
    paused = make_letter(me, sent_on=date(2024, 3, 1), officials=("Paused",))
    followup.pause_clock(Actor.system("t"), paused.recipients[0], date(2024, 4, 2))
    answered = make_letter(me, sent_on=date(2024, 3, 1), officials=("Answered",))
    answered.recipients[0].state = "responded"
    db.session.commit()
    me_id = me.id
    db.session.expire_all()

    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        attention = attention_for_user(me_id, TODAY)
        names = (
            [(i.official.name, i.days, i.letter.reference) for i in attention.overdue],
            [(i.official.name, i.days) for i in attention.due_soon],
        )
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)

    assert len(statements) == 1
    assert names == (
        [("Late A", 10, overdue.reference), ("Late B", 10, overdue.reference)],
        [("Soon", 4)],
    )
    assert soon.reference


def test_business_day_letters_count_business_days_overdue(app):
    me = make_user("me@example.org")
    make_letter(me, sent_on=date(2024, 3, 1), window=20, business_days=True)  # due Fri 29 Mar
    [item] = attention_for_user(me.id, date(2024, 4, 8)).overdue  # a Monday
    assert item.due_on == date(2024, 3, 29)
    assert item.days == 6
