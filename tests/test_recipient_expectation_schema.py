"""The stored `expects_answer` is the truth: normalised by the migration, kept by a CHECK."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from flask_migrate import upgrade
from sqlalchemy import select
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


def _old_rows() -> None:
    owner = User(email="o@example.org", name="O", password_hash="h", role="editor")
    letter = Letter(
        reference="L-1", subject="S", owner=owner, status="sent", sent_on=date(2024, 3, 1)
    )
    to = Recipient(official=Official(name="To"), role="to", expects_answer=False)
    cc_yes = Recipient(official=Official(name="Cc yes"), role="cc", expects_answer=True)
    cc_no = Recipient(official=Official(name="Cc no"), role="cc", expects_answer=False)
    letter.recipients = [to, cc_yes, cc_no]
    reminder = Reminder(
        recipient=to,
        step=0,
        kind="no_response",
        due_at=DUE_AT,
        attempt_at=DUE_AT,
        state="pending",
        attempts=0,
        message_id="<reminder-1@tracker.test>",
    )
    response = Response(
        letter=letter, recipient=cc_yes, received_on=date(2024, 3, 5), kind="substantive"
    )
    db.session.add_all([letter, reminder, response])
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
