"""A staff decision on received mail is one transaction: a refused review leaves the reply
waiting, as every other connection sees it, and a second decision finds the first one."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.mailbox.conftest import NOW
from tests.support import mail_samples
from tracker.extensions import db
from tracker.models import MailMessage, Response
from tracker.services.audit import Actor
from tracker.services.errors import ServiceError
from tracker.services.mailbox import intake, triage
from tracker.services.responses import ResponseInput


def committed_review(message_id: int):
    """The reply's review as another connection sees it: only what was committed."""
    with db.engine.connect() as connection:
        return connection.execute(
            select(
                MailMessage.review_state, MailMessage.decided_by_id, MailMessage.response_id
            ).where(MailMessage.id == message_id)
        ).one()


def reading(message: MailMessage, received_on: date) -> ResponseInput:
    return ResponseInput(
        recipient_id=message.recipient_id, received_on=received_on, kind="refusal",
        summary="Refused",
    )  # fmt: skip


@pytest.fixture
def reply(sent) -> MailMessage:
    raw = mail_samples.reply(sender="minister@gov.example", in_reply_to=sent.message_id)
    taken = intake.take_safely(raw, NOW, source="upload")
    return db.session.get(MailMessage, taken.message_id)


def test_a_review_the_response_service_refuses_leaves_the_reply_waiting(reply, users):
    editor = Actor(users["editor"].id, users["editor"].email)
    with pytest.raises(ServiceError) as refused:
        triage.review(editor, reply, reading(reply, date(2999, 1, 1)), NOW)
    assert "received_on" in refused.value.fields
    assert tuple(committed_review(reply.id)) == ("to_review", None, None)
    assert db.session.scalars(select(Response)).all() == []

    # The taking was undone, so the same reply can be reviewed right away.
    response = triage.review(editor, reply, reading(reply, NOW.date()), NOW)
    assert tuple(committed_review(reply.id)) == ("reviewed", editor.user_id, response.id)


def test_a_second_review_or_decision_is_a_conflict_and_changes_nothing(reply, users):
    editor = Actor(users["editor"].id, users["editor"].email)
    first = triage.review(editor, reply, reading(reply, NOW.date()), NOW)
    admin = Actor(users["admin"].id, users["admin"].email)
    with pytest.raises(ServiceError) as again:
        triage.review(admin, reply, reading(reply, NOW.date()), NOW)
    assert again.value.kind == "conflict"
    assert tuple(committed_review(reply.id)) == ("reviewed", editor.user_id, first.id)
    assert db.session.scalars(select(Response.id)).all() == [first.id]
    with pytest.raises(ServiceError) as dismissed:
        triage.dismiss(admin, reply, "spam", NOW)
    assert dismissed.value.kind == "conflict"
    with db.engine.connect() as connection:
        state = connection.execute(select(MailMessage.state).where(MailMessage.id == reply.id))
        assert state.scalar() == "attached"
