"""Letters' thread roots survive the move from a letter column to the reminders."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from tests.support.old_schema import insert_as_it_was, migrated_from, tables_as_they_are
from tracker.extensions import db
from tracker.models import Letter, Official, Recipient, Reminder, User
from tracker.services.reminders.email import thread_root_of

BEFORE = "5b1e0c2d7a91"  # the last revision with letters.thread_message_id
DAY = datetime(2024, 4, 1, 9, tzinfo=UTC)


def _reminder(old, recipient_id: int, name: str, **values) -> None:
    db.session.execute(
        insert_as_it_was(
            old["reminders"],
            Reminder,
            recipient_id=recipient_id,
            step=0,
            kind="no_response",
            due_at=DAY,
            attempt_at=DAY,
            created_at=DAY,
            message_id=f"<{name}@tracker.test>",
            **values,
        )
    )


def _old_rows() -> None:
    old = tables_as_they_are()
    owner = db.session.execute(
        insert_as_it_was(
            old["users"], User, email="o@example.org", name="O", password_hash="h", role="editor"
        )
    ).inserted_primary_key[0]
    recipients = {}
    for reference, root in (("L-1", "<root@tracker.test>"), ("L-2", None)):
        letter = db.session.execute(
            insert_as_it_was(
                old["letters"],
                Letter,
                reference=reference,
                subject="S",
                owner_id=owner,
                status="sent",
                sent_on=date(2024, 3, 1),
                thread_message_id=root,
            )
        ).inserted_primary_key[0]
        for name in ("A", "B"):
            official = db.session.execute(
                insert_as_it_was(
                    old["officials"], Official, name=f"{reference} {name}", search_name=name
                )
            ).inserted_primary_key[0]
            recipients[reference, name] = db.session.execute(
                insert_as_it_was(
                    old["recipients"],
                    Recipient,
                    letter_id=letter,
                    official_id=official,
                    role="to",
                    expects_answer=True,
                )
            ).inserted_primary_key[0]
    # The root reached someone first but finished last (another address retried for
    # days); the letter's other reminder went out in between.
    _reminder(
        old,
        recipients["L-1", "A"],
        "root",
        state="sent",
        sent_at=DAY.replace(day=20),
        delivered_to="o@example.org",
    )
    _reminder(old, recipients["L-1", "B"], "second", state="sent", sent_at=DAY.replace(day=5))
    _reminder(old, recipients["L-2", "A"], "pending", state="pending")
    db.session.commit()


def test_the_root_each_letter_had_stays_its_root(empty_database_url, make_app):
    app = make_app(SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        migrated_from(BEFORE, _old_rows)
        roots = dict(
            db.session.execute(
                select(Letter.reference, thread_root_of(Letter.id)).order_by(Letter.reference)
            ).all()
        )
        assert roots == {"L-1": "<root@tracker.test>", "L-2": None}
        db.session.close()
        db.engine.dispose()
