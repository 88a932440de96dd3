"""The dashboard's new figures against the hand-built history (tests/stats_dataset.py),
on SQLite and PostgreSQL: trends, answer times, act now, every step passed, by whom."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.support import stats_dataset
from tests.support.stats_dataset import TODAY
from tracker.domain.ladder import DEFAULT_LADDER
from tracker.extensions import db
from tracker.models import Letter, Recipient
from tracker.queries.dashboard.act_now import act_now, every_step_passed
from tracker.queries.dashboard.answers import answer_times
from tracker.queries.dashboard.scope import Scope
from tracker.queries.dashboard.trends import trends
from tracker.queries.dashboard.whom import responsiveness
from tracker.services import followup
from tracker.services.audit import Actor

YEAR_2024 = Scope(today=TODAY, period_start=date(2024, 1, 1), period_end=TODAY)


@pytest.fixture
def data(app):
    dataset = stats_dataset.build()
    stats_dataset.add_reminders(dataset)
    return dataset


def test_trends_cover_the_chosen_period_month_by_month(data):
    series = trends(YEAR_2024)
    assert series.unit == "month"
    assert [b.label for b in series.buckets] == [f"2024-0{m}" for m in range(1, 7)]
    assert series.buckets[-1].end == TODAY  # not the end of June
    assert series.letters == (1, 1, 1, 1, 2, 1)
    assert series.responses == (0, 1, 1, 0, 0, 0)  # an acknowledgement is a response
    assert series.expected == (1, 1, 1, 1, 2, 0)  # L8 has only a cc
    assert series.answered == (1, 0, 0, 0, 0, 0)
    assert series.on_time == (1, 0, 0, 0, 0, 0)
    assert series.response_rates[:2] == (1.0, 0.0) and series.response_rates[5] is None
    assert series.outcomes[0]["met"] == 1 and series.outcomes[0]["rejected"] == 1
    assert series.outcomes[4]["accepted"] == 1  # L6, sent in May
    assert series.outside == 0


def test_a_long_period_goes_by_quarter_from_the_first_letter(data):
    series = trends(Scope(today=TODAY))
    assert series.unit == "quarter"
    assert series.buckets[0].label == "2022 Q1" and series.buckets[-1].label == "2024 Q2"
    assert len(series.buckets) == 10
    assert sum(series.letters) == 9
    at = [b.label for b in series.buckets].index("2023 Q2")
    assert (series.letters[at], series.answered[at], series.on_time[at]) == (1, 1, 0)  # L4, late
    assert series.responses[[b.label for b in series.buckets].index("2023 Q3")] == 1


def test_a_letter_dated_year_0202_does_not_stretch_the_charts(data):
    db.session.add(
        Letter(
            reference="TYPO",
            subject="Typo",
            owner=data.owner,
            status="sent",
            sent_on=date(202, 3, 1),
        )
    )
    db.session.commit()
    series = trends(Scope(today=TODAY))
    assert series.buckets[0].label == "2022 Q1" and len(series.buckets) == 10
    assert series.outside == 1


def test_answer_times_quartiles_and_histogram(data):
    times = answer_times(Scope(today=TODAY))
    assert times.answered == 2
    assert times.quartiles == (34.0, 46.0, 58.0)  # 22 and 70 days, interpolated
    assert times.histogram == (0, 1, 0, 1, 0, 0)
    assert answer_times(Scope(today=TODAY, period_start=date(2024, 6, 1))).quartiles is None


def test_act_now_lists_the_next_real_step_of_each_recipient(data):
    table = act_now(Scope(today=TODAY), DEFAULT_LADDER, UTC)
    rows = [(r.reference, r.kind, r.state, r.step_on, r.days_overdue) for r in table.rows]
    assert rows == [
        ("L2", "escalate", "sent", date(2024, 5, 14), 76),  # overdue 76 days, step 32 days ago
        ("L6", "follow_up", "sent", date(2024, 6, 14), 15),
        ("L9", "no_response", "pending", date(2024, 6, 25), -4),  # snoozed to the 25th
    ]
    assert table.total == 3
    assert [r.snoozed for r in table.rows] == [False, False, True]
    assert table.rows[1].step_label == "Time to send a follow-up letter to Chege Waziri"


def test_a_snooze_past_the_horizon_takes_the_recipient_off_act_now(data):
    recipient = next(r for r in data.letters["L9"].recipients if r.state == "awaiting")
    now = datetime(2024, 6, 15, 12, tzinfo=UTC)
    followup.snooze(Actor.system("test"), recipient, 30, TODAY, now)
    references = [r.reference for r in act_now(Scope(today=TODAY), DEFAULT_LADDER, UTC).rows]
    assert references == ["L2", "L6"]


def test_marking_the_follow_up_sent_settles_the_step(data):
    recipient = next(r for r in data.letters["L6"].recipients if r.state == "awaiting")
    followup.mark_follow_up_sent(
        Actor.system("test"), recipient, datetime(2024, 6, 15, 12, tzinfo=UTC)
    )
    references = [r.reference for r in act_now(Scope(today=TODAY), DEFAULT_LADDER, UTC).rows]
    assert references == ["L2", "L9"]  # its escalation is a month away


def test_every_step_passed_lists_the_long_dead_apart(data):
    table = every_step_passed(Scope(today=TODAY), DEFAULT_LADDER, UTC)
    assert [(r.reference, r.days_overdue) for r in table.rows] == [("L5", 105), ("L7", 866)]
    assert table.total == 2
    assert every_step_passed(Scope(today=TODAY), DEFAULT_LADDER, UTC, limit=1).total == 2


def test_responsiveness_by_official_ranks_only_the_minimum_sample(data):
    table = responsiveness(Scope(today=TODAY), "official", min_sample=3)
    ranked = [
        (r.name, r.expected, r.answered, r.on_time, r.acknowledged_only) for r in table.ranked
    ]
    assert ranked == [
        ("Bruno Ministre", 3, 0, 0, 1),  # least responsive first; the acknowledgement apart
        ("Ada President", 3, 2, 1, 0),  # L4's only answer came late
    ]
    assert table.ranked[1].median_days == 46.0
    assert table.ranked[1].last_contact == date(2024, 2, 1)
    assert [(r.name, r.expected) for r in table.small] == [("Chege Waziri", 2)]
    by_volume = responsiveness(Scope(today=TODAY), "official", 1, "volume", descending=True)
    assert [r.name for r in by_volume.ranked] == ["Ada President", "Bruno Ministre", "Chege Waziri"]
    assert responsiveness(Scope(today=TODAY), "official", 5).ranked == []  # the default: 5


def test_responsiveness_by_institution_and_country(data):
    institutions = responsiveness(Scope(today=TODAY), "institution", 1, "rate", True)
    assert [(r.name, r.expected, r.answered) for r in institutions.ranked] == [
        ("White House", 3, 2),  # Dana Copy is only ever in cc: expects nothing
        ("Not recorded", 2, 0),
        ("Quai d'Orsay", 3, 0),
    ]
    countries = responsiveness(Scope(today=TODAY), "country", 3)
    assert [(r.name, r.answer_rate) for r in countries.ranked] == [("FR", 0.0), ("US", 2 / 3)]
    assert [r.name for r in countries.small] == ["KE"]


def test_the_withdrawn_and_the_cc_are_never_counted(data):
    recipients = db.session.query(Recipient).filter_by(state="withdrawn").count()
    assert recipients == 1
    table = responsiveness(Scope(today=TODAY), "official", 1)
    assert "Dana Copy" not in [r.name for r in table.ranked + table.small]
