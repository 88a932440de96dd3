"""The scheduler job's settings, one tick, and daily digests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.support.followup_data import make_letter, make_user
from tracker import scheduler
from tracker.extensions import db
from tracker.models import OutboxMessage, Reminder, SchedulerHeartbeat
from tracker.services.reminders.sweep import run_sweep

SENT = date(2024, 3, 1)
DUE = datetime(2024, 3, 31, 9, tzinfo=UTC)


def outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_the_sweep_job_coalesces_runs_alone_and_tolerates_misfires(make_app):
    app = make_app(TRACKER_SWEEP_SECONDS=60)
    job = scheduler.build_scheduler(app, "test").get_job("sweep")
    assert job.coalesce is True
    assert job.max_instances == 1
    assert job.misfire_grace_time >= 3 * 60
    assert job.trigger.interval == timedelta(seconds=60)


def test_a_tick_sends_what_is_due_and_beats(app):
    owner = make_user("owner@example.org")
    today = datetime.now(UTC).date()
    make_letter(owner, sent_on=today - timedelta(days=31))
    started = datetime.now(UTC)
    scheduler.tick(app, "test-scheduler", started)
    [message] = outbox()
    assert message.subject.startswith("[L-") and "No response from" in message.body_text
    beat = db.session.get(SchedulerHeartbeat, "test-scheduler")
    assert beat.last_sweep_sent == 1
    assert beat.beat_at >= started


@pytest.fixture
def digest_reader(app):
    return make_user("reader@example.org", delivery="digest", timezone="America/New_York")


def test_digest_readers_get_one_email_at_eight_in_their_zone(app, digest_reader):
    make_letter(digest_reader, sent_on=SENT, officials=("A", "B"))
    # Both reminders are due at 09:00 UTC; the reader gets no email of their own.
    assert run_sweep(DUE).queued == 2
    assert outbox() == []
    first_steps = db.session.scalars(select(Reminder).where(Reminder.step == 0)).all()
    # Delivered to nobody yet: they wait in the reader's digest.
    assert [r.state for r in first_steps] == ["queued", "queued"]
    # 08:00 in New York on 31 March 2024 is 12:00 UTC (summer time).
    assert run_sweep(datetime(2024, 3, 31, 11, 59, tzinfo=UTC)).digests == 0
    assert run_sweep(datetime(2024, 3, 31, 12, 0, tzinfo=UTC)).digests == 1
    [digest] = outbox()
    assert digest.recipients == "reader@example.org"
    assert digest.subject == "Tracker digest: 2 reminders about 1 letter, since 31 March 2024"
    db.session.expire_all()
    assert [r.state for r in first_steps] == ["sent", "sent"]
    assert "No response from A" in digest.body_text and "No response from B" in digest.body_text
    # Once a day: the next sweeps send nothing more.
    assert run_sweep(datetime(2024, 3, 31, 12, 1, tzinfo=UTC)).digests == 0
    assert run_sweep(datetime(2024, 4, 1, 12, 0, tzinfo=UTC)).digests == 0  # nothing new


def test_a_letter_with_both_kinds_of_reader(app, digest_reader):
    owner = make_user("owner@example.org")
    make_letter(owner, sent_on=SENT, watchers=(digest_reader,))
    run_sweep(DUE)
    [immediate] = outbox()
    assert immediate.recipients == "owner@example.org"
