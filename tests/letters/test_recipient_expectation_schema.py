"""The stored `expects_answer` is the truth: normalised by the migration, kept by a CHECK."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from flask_migrate import upgrade
from sqlalchemy import MetaData, insert, select
from sqlalchemy.exc import IntegrityError

from tests.conftest import _create_postgres_database, _drop_postgres_database
from tracker.extensions import db
from tracker.models import Letter, Official, Recipient, Reminder, Response, User

BEFORE = "d5a1c0ffee14"  # the last revision without the rule in the schema
DUE_AT = datetime(2024, 4, 1, 9, tzinfo=UTC)


@pytest.fixture
def fresh_url(database_url, tmp_path) -> Iterator[str]:
    """An empty database on the session's backend, not migrated yet."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    url, name = _create_postgres_database()
    yield url
    _drop_postgres_database(name)


def _insert(old_table, model, **values):
    """An INSERT into the table as it was, with today's model defaults for the columns
    it had and the caller left out (NOT NULL ones among them)."""
    for column in model.__table__.columns:
        default = column.default
        if column.name in old_table.c and column.name not in values and default is not None:
            values[column.name] = default.arg(None) if default.is_callable else default.arg
    return insert(old_table).values(**values)


def _old_rows() -> None:
    """Rows as the schema at BEFORE holds them: inserts into the tables as they were
    then (reflected), since the models have moved on."""
    execute = db.session.execute
    old = MetaData()
    old.reflect(bind=db.session.connection())
    users, letters, officials, recipients, reminders, responses = (
        old.tables[name]
        for name in ("users", "letters", "officials", "recipients", "reminders", "responses")
    )
    owner = execute(
        _insert(users, User, email="o@example.org", name="O", password_hash="h", role="editor")
    ).inserted_primary_key[0]
    letter = execute(
        _insert(
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
        official = execute(_insert(officials, Official, name=name)).inserted_primary_key[0]
        ids[name] = execute(
            _insert(
                recipients,
                Recipient,
                letter_id=letter,
                official_id=official,
                role=role,
                expects_answer=expects,
            )
        ).inserted_primary_key[0]
    execute(
        _insert(
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
        _insert(
            responses,
            Response,
            letter_id=letter,
            recipient_id=ids["Cc yes"],
            received_on=date(2024, 3, 5),
            kind="substantive",
        )
    )
    db.session.commit()


def test_the_migration_carries_recipients_over_and_keeps_what_hangs_off_them(fresh_url, make_app):
    app = make_app(SQLALCHEMY_DATABASE_URI=fresh_url)
    with app.app_context():
        upgrade(revision=BEFORE)
        _old_rows()
        db.session.close()
        upgrade()
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
