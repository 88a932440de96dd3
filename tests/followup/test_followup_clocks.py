"""Response clocks and the reminder rows the follow-up services plan from them."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.support.followup_data import at, make_letter, make_user, reminders_of
from tracker.extensions import db
from tracker.models import AuditEvent
from tracker.services import followup
from tracker.services.audit import Actor
from tracker.services.errors import ServiceError
from tracker.services.followup import planning

ACTOR = Actor.system("test")
SENT = date(2024, 3, 1)  # a Friday


def states(recipient) -> list[tuple[int, str]]:
    return [(row.step, row.state) for row in reminders_of(recipient)]


def audit_actions(letter_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.letter_id == letter_id)
            .order_by(AuditEvent.id)
        )
    )


@pytest.fixture
def owner(app):
    return make_user("owner@example.org")


def test_clocks_start_for_recipients_that_expect_an_answer(owner):
    letter = make_letter(owner, sent_on=SENT, cc=(("In copy", False), ("Asked too", True)))
    to, silent_cc, asked_cc = letter.recipients
    assert to.due_on == date(2024, 3, 31)
    assert asked_cc.due_on == date(2024, 3, 31)
    assert silent_cc.due_on is None
    assert reminders_of(silent_cc) == []
    assert [row.kind for row in reminders_of(to)] == ["no_response", "follow_up", "escalate"]


def test_a_draft_gets_no_clock_and_no_reminder(owner):
    letter = make_letter(owner, sent_on=None)
    assert letter.recipients[0].due_on is None
    assert reminders_of(letter.recipients[0]) == []


def test_business_days_skip_weekends_and_the_countrys_holidays(owner):
    # Sent Thursday 2024-07-03 to the US: 4 July is a holiday, then a weekend.
    letter = make_letter(
        owner, sent_on=date(2024, 7, 3), window=3, business_days=True, country="US"
    )
    assert letter.recipients[0].due_on == date(2024, 7, 9)


def test_ladder_steps_come_due_at_the_send_hour_in_the_organisations_zone(make_app):
    app = make_app(TRACKER_TIMEZONE="Europe/Paris", TRACKER_REMINDER_HOUR=9)
    with app.app_context():
        letter = make_letter(make_user("o@example.org"), sent_on=SENT)
        rows = reminders_of(letter.recipients[0])
        # 31 March 2024 is the day Paris moves to summer time (UTC+2).
        assert [row.due_at for row in rows] == [
            datetime(2024, 3, 31, 7, tzinfo=UTC),
            datetime(2024, 4, 14, 7, tzinfo=UTC),
            datetime(2024, 5, 14, 7, tzinfo=UTC),
        ]
        assert all(row.attempt_at == row.due_at for row in rows)


def test_the_ladder_is_a_setting(make_app):
    app = make_app(TRACKER_LADDER="0:no_response,7:escalate")
    with app.app_context():
        letter = make_letter(make_user("o@example.org"), sent_on=SENT)
        rows = reminders_of(letter.recipients[0])
        assert [(row.kind, row.due_at.date()) for row in rows] == [
            ("no_response", date(2024, 3, 31)),
            ("escalate", date(2024, 4, 7)),
        ]


def test_every_reminder_has_its_own_random_message_id_at_the_senders_domain(make_app):
    app = make_app(MAIL_FROM="Tracker <reminders@ngo.example>")
    with app.app_context():
        letter = make_letter(make_user("o@example.org"), sent_on=SENT, officials=("A", "B"))
        ids = [row.message_id for r in letter.recipients for row in reminders_of(r)]
    assert len(set(ids)) == 6
    # Random (never a database id alone), so another installation or a rebuilt
    # database never reuses one.
    assert all(re.fullmatch(r"<[0-9a-f]{32}\.reminder@ngo\.example>", i) for i in ids)


def test_changing_the_letters_dates_moves_unsent_steps_and_keeps_extensions(owner):
    letter = make_letter(owner, sent_on=SENT, officials=("A", "B"))
    first, second = letter.recipients
    followup.extend_clock(ACTOR, second, 5, SENT, at(SENT))
    first_ids = [row.message_id for row in reminders_of(first)]
    letter.sent_on = date(2024, 3, 11)
    planning.restart_clocks(letter)
    planning.sync_letter_reminders(letter, at(date(2024, 3, 11)))
    db.session.commit()
    assert first.due_on == date(2024, 4, 10)
    assert second.due_on == date(2024, 4, 15)
    assert reminders_of(first)[0].due_at == datetime(2024, 4, 10, 9, tzinfo=UTC)
    assert [row.message_id for row in reminders_of(first)] == first_ids


def test_a_substantive_response_or_closing_cancels_unsent_steps(owner):
    letter = make_letter(owner, sent_on=SENT, officials=("A", "B"))
    answered, other = letter.recipients
    answered.state = "responded"
    planning.sync_letter_reminders(letter, at(SENT))
    assert states(answered) == [(0, "cancelled"), (1, "cancelled"), (2, "cancelled")]
    assert states(other) == [(0, "pending"), (1, "pending"), (2, "pending")]
    letter.status = "closed"
    planning.sync_letter_reminders(letter, at(SENT))
    assert states(other) == [(0, "cancelled"), (1, "cancelled"), (2, "cancelled")]


def test_sent_steps_stay_sent_when_the_plan_changes(owner):
    letter = make_letter(owner, sent_on=SENT)
    recipient = letter.recipients[0]
    first = reminders_of(recipient)[0]
    first.state = "sent"
    recipient.state = "responded"
    planning.sync_letter_reminders(letter, at(SENT))
    assert states(recipient) == [(0, "sent"), (1, "cancelled"), (2, "cancelled")]


def test_pause_cancels_and_resume_reopens_at_the_new_times_audited(owner):
    letter = make_letter(owner, sent_on=SENT)
    recipient = letter.recipients[0]
    followup.pause_clock(ACTOR, recipient, date(2024, 3, 21))
    assert recipient.paused_on == date(2024, 3, 21)
    assert recipient.remaining_days == 10
    assert states(recipient) == [(0, "cancelled"), (1, "cancelled"), (2, "cancelled")]
    followup.resume_clock(ACTOR, recipient, date(2024, 4, 1))
    assert recipient.due_on == date(2024, 4, 11)
    rows = reminders_of(recipient)
    assert [row.state for row in rows] == ["pending"] * 3
    assert rows[0].due_at == datetime(2024, 4, 11, 9, tzinfo=UTC)
    assert audit_actions(letter.id)[-2:] == ["recipient.clock_paused", "recipient.clock_resumed"]


def test_pausing_twice_or_resuming_a_running_clock_is_refused(owner):
    recipient = make_letter(owner, sent_on=SENT).recipients[0]
    with pytest.raises(ServiceError, match="not paused"):
        followup.resume_clock(ACTOR, recipient, SENT)
    followup.pause_clock(ACTOR, recipient, SENT)
    with pytest.raises(ServiceError, match="already paused"):
        followup.pause_clock(ACTOR, recipient, SENT)


def test_extend_moves_the_deadline_and_the_steps(owner):
    letter = make_letter(owner, sent_on=SENT)
    recipient = letter.recipients[0]
    followup.extend_clock(ACTOR, recipient, 10, SENT, at(SENT))
    assert recipient.due_on == date(2024, 4, 10)
    assert recipient.extended_days == 10
    assert reminders_of(recipient)[0].due_at.date() == date(2024, 4, 10)
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "recipient.clock_extended")
    ).one()
    assert event.letter_id == letter.id
    assert event.changes["due_on"] == ["2024-03-31", "2024-04-10"]
    with pytest.raises(ServiceError) as refused:
        followup.extend_clock(ACTOR, recipient, 0, SENT, at(SENT))
    assert set(refused.value.fields) == {"days"}


def test_snooze_moves_the_next_attempt_not_the_deadline(owner):
    letter = make_letter(owner, sent_on=SENT)
    recipient = letter.recipients[0]
    now = datetime(2024, 4, 1, 10, tzinfo=UTC)
    until = followup.snooze(ACTOR, recipient, 20, now.date(), now)
    assert until == now + timedelta(days=20)
    rows = reminders_of(recipient)
    assert recipient.due_on == date(2024, 3, 31)
    assert rows[0].due_at.date() == date(2024, 3, 31)
    assert [row.attempt_at for row in rows[:2]] == [until, until]
    assert rows[2].attempt_at == rows[2].due_at  # escalation was later anyway
    assert "recipient.reminders_snoozed" in audit_actions(letter.id)


def test_withdrawing_a_recipient_cancels_its_steps(owner):
    letter = make_letter(owner, sent_on=SENT)
    recipient = letter.recipients[0]
    followup.withdraw_recipient(ACTOR, recipient, at(SENT))
    assert recipient.state == "withdrawn"
    assert states(recipient) == [(0, "cancelled"), (1, "cancelled"), (2, "cancelled")]
    assert "recipient.withdrawn" in audit_actions(letter.id)


def test_a_follow_up_marked_sent_settles_its_steps_for_good(owner):
    letter = make_letter(owner, sent_on=SENT)
    recipient = letter.recipients[0]
    followup.mark_follow_up_sent(ACTOR, recipient, at(date(2024, 4, 2)))
    assert states(recipient) == [(0, "cancelled"), (1, "cancelled"), (2, "pending")]
    # A later re-plan (pause and resume) must not bring them back.
    followup.pause_clock(ACTOR, recipient, date(2024, 4, 3))
    followup.resume_clock(ACTOR, recipient, date(2024, 4, 4))
    assert states(recipient) == [(0, "cancelled"), (1, "cancelled"), (2, "pending")]
    with pytest.raises(ServiceError, match="already marked"):
        followup.mark_follow_up_sent(ACTOR, recipient, at(date(2024, 4, 5)))


def test_a_follow_up_letter_starts_its_own_ladder(owner):
    original = make_letter(owner, sent_on=SENT)
    follow_up = make_letter(owner, sent_on=date(2024, 5, 1), follows_up=original)
    rows = reminders_of(follow_up.recipients[0])
    assert [row.due_at.date() for row in rows] == [
        date(2024, 5, 31),
        date(2024, 6, 14),
        date(2024, 7, 14),
    ]


def test_entering_an_old_letter_plans_only_the_latest_due_step(owner):
    letter = make_letter(owner, sent_on=None)
    letter.status, letter.sent_on = "sent", SENT
    planning.start_clocks(letter, SENT)
    planning.sync_letter_reminders(letter, at(date(2024, 6, 1)))
    db.session.commit()
    assert [row.kind for row in reminders_of(letter.recipients[0])] == ["escalate"]
