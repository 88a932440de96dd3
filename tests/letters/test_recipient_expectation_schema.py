"""The stored `expects_answer` is the truth: normalised by the migration, kept by a CHECK."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tests.support.old_schema import insert_as_it_was, migrated_from, tables_as_they_are
from tracker.extensions import db
from tracker.models import Letter, Official, Recipient, Reminder, Response, User

BEFORE = "d5a1c0ffee14"  # the last revision without the rule in the schema
DUE_AT = datetime(2024, 4, 1, 9, tzinfo=UTC)


def _old_rows() -> None:
    """Rows as the schema at BEFORE holds them: inserts into the tables as they were
    then (reflected), since the models have moved on."""
    execute = db.session.execute
    old = tables_as_they_are()
    users, letters, officials, recipients, reminders, responses = (
        old[name]
        for name in ("users", "letters", "officials", "recipients", "reminders", "responses")
    )
    owner = execute(
        insert_as_it_was(
            users, User, email="o@example.org", name="O", password_hash="h", role="editor"
        )
    ).inserted_primary_key[0]
    letter = execute(
        insert_as_it_was(
            letters,
            Letter,
            reference="L-1",
            subject="S",
            owner_id=owner,
            status="sent",
            sent_on=date(2024, 3, 1),
        )
    ).inserted_primary_key[0]
    ids = {}
    for name, role, expects in (
        ("To", "to", False),
        ("Cc yes", "cc", True),
        ("Cc no", "cc", False),
    ):
        official = execute(insert_as_it_was(officials, Official, name=name)).inserted_primary_key[0]
        ids[name] = execute(
            insert_as_it_was(
                recipients,
                Recipient,
                letter_id=letter,
                official_id=official,
                role=role,
                expects_answer=expects,
            )
        ).inserted_primary_key[0]
    execute(
        insert_as_it_was(
            reminders,
            Reminder,
            recipient_id=ids["To"],
            step=0,
            kind="no_response",
            due_at=DUE_AT,
            attempt_at=DUE_AT,
            state="pending",
            attempts=0,
            message_id="<reminder-1@tracker.test>",
        )
    )
    execute(
        insert_as_it_was(
            responses,
            Response,
            letter_id=letter,
            recipient_id=ids["Cc yes"],
            received_on=date(2024, 3, 5),
            kind="substantive",
        )
    )
    db.session.commit()


def test_the_migration_carries_recipients_over_and_keeps_what_hangs_off_them(
    empty_database_url, make_app
):
    app = make_app(SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        migrated_from(BEFORE, _old_rows)
        stored = {
            r.official.name: (r.role, r.expects_answer)
            for r in db.session.scalars(select(Recipient))
        }
        assert stored == {
            "To": ("to", True),
            "Cc yes": ("cc", True),
            "Cc no": ("cc", False),
        }
        # Rebuilding the table on SQLite must not cascade into reminders or responses.
        assert [r.message_id for r in db.session.scalars(select(Reminder))] == [
            "<reminder-1@tracker.test>"
        ]
        assert len(db.session.scalars(select(Response)).all()) == 1
        db.session.close()
        db.engine.dispose()


def test_the_database_refuses_a_to_that_expects_no_answer(app, users):
    letter = Letter(reference="L-9", subject="S", owner_id=users["editor"].id)
    letter.recipients = [Recipient(official=Official(name="X"), role="to", expects_answer=False)]
    db.session.add(letter)
    with pytest.raises(IntegrityError, match="ck_recipients_to_expects_answer"):
        db.session.commit()
    db.session.rollback()
