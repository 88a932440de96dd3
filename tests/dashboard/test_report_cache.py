"""The report is cached in two parts, each keyed by the counters of what it reads: the
scheduler's sends refresh "what to do next" at once and leave the grouped figures cached.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, text, update

from tests.support import stats_dataset
from tests.support.followup_data import make_letter, make_user
from tests.support.letter_list_data import count_queries
from tests.support.stats_dataset import TODAY
from tracker.domain.ladder import DEFAULT_LADDER
from tracker.extensions import db
from tracker.models import DataVersion, Letter, Reminder
from tracker.models.data_version import DATA, REMINDERS
from tracker.queries.dashboard.report import ReportOptions, build_report
from tracker.queries.dashboard.scope import Scope
from tracker.services.reminders.sweep import run_sweep

SCOPE = Scope(today=TODAY)
OPTIONS = ReportOptions(ladder=DEFAULT_LADDER, tz=UTC)


@pytest.fixture
def data(app):
    dataset = stats_dataset.build()
    stats_dataset.add_reminders(dataset)
    db.session.commit()
    return dataset


def versions() -> dict[int, int]:
    db.session.rollback()  # a new transaction reads the counters afresh
    found = {
        row.id: row.version
        for row in db.session.execute(select(DataVersion.id, DataVersion.version))
    }
    db.session.rollback()
    return found


def test_each_write_moves_the_counters_of_what_it_wrote(data):
    before = versions()
    assert set(before) == {DATA, REMINDERS}

    db.session.execute(update(Reminder).values(attempt_at=Reminder.attempt_at))
    db.session.commit()
    after_reminders = versions()
    assert after_reminders == {DATA: before[DATA], REMINDERS: before[REMINDERS] + 1}

    data.letters["L1"].subject = "Renamed"
    db.session.commit()
    after_letter = versions()
    assert after_letter == {DATA: before[DATA] + 1, REMINDERS: before[REMINDERS] + 1}

    db.session.execute(text("UPDATE letters SET subject = subject"))
    db.session.commit()  # hand-written SQL could touch anything: both move
    assert versions() == {DATA: before[DATA] + 2, REMINDERS: before[REMINDERS] + 2}


def test_a_reminder_that_starts_the_letters_thread_moves_the_reminders_counter_only(app):
    letter = make_letter(make_user("owner@example.org"), sent_on=date(2024, 3, 1))
    letter_id = letter.id
    db.session.commit()
    before = versions()

    assert run_sweep(datetime(2024, 4, 3, 9, tzinfo=UTC)).sent == 1

    root = db.session.scalar(select(Letter.thread_message_id).where(Letter.id == letter_id))
    assert root is not None  # the sweep did write the letter
    after = versions()
    assert after[DATA] == before[DATA]
    assert after[REMINDERS] > before[REMINDERS]  # the claim and the result


def test_a_sent_reminder_refreshes_what_to_do_next_and_keeps_the_grouped_figures(data):
    first = build_report(SCOPE, OPTIONS)
    db.session.rollback()
    assert [(row.reference, row.state) for row in first.act_now.rows][-1] == ("L9", "pending")

    # The scheduler sends L9's snoozed reminder.
    recipient = next(r for r in data.letters["L9"].recipients if r.state == "awaiting")
    reminder = db.session.scalars(
        select(Reminder).where(Reminder.recipient_id == recipient.id, Reminder.step == 0)
    ).one()
    reminder.state, reminder.sent_at = "sent", reminder.attempt_at
    db.session.commit()

    with count_queries() as statements:
        second = build_report(SCOPE, OPTIONS)
    db.session.rollback()
    assert [(row.reference, row.state) for row in second.act_now.rows][-1] == ("L9", "sent")
    assert [s for s in statements if "FROM demands" in s] == []  # the figures were kept
    assert second.headline is first.headline and second.whom is first.whom

    # A change of data computes both parts afresh.
    data.letters["L9"].recipients[0].state = "withdrawn"
    db.session.commit()
    third = build_report(SCOPE, OPTIONS)
    assert third.headline is not second.headline
    assert third.act_now is not second.act_now
