"""Every dashboard figure against the hand-built history, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest

from tests.support import stats_dataset
from tests.support.stats_dataset import TODAY
from tracker.queries.dashboard.figures import demand_outcomes, headline, median_days_to_answer
from tracker.queries.dashboard.scope import Scope
from tracker.queries.dashboard.tables import campaign_summary


@pytest.fixture
def data(app):
    return stats_dataset.build()


def test_headline_over_everything(data):
    figures = headline(Scope(today=TODAY))
    assert figures.letters_sent == 9  # the draft is not sent
    assert figures.expected == 8  # cc recipients and the withdrawn one expect nothing
    assert figures.awaiting == 6  # the acknowledged and the paused recipients still owe
    assert figures.overdue == 4  # the acknowledged one too; not the paused clock, not the cc
    assert figures.answered == 2  # the late reply counts
    assert figures.on_time == 1  # L1; L4's only answer came late
    assert figures.on_time_rate == 0.125
    assert figures.response_rate == 0.25
    assert figures.median_days_to_answer == 46.0  # 22 and 70 days
    assert figures.overdue_by_age == (1, 1, 1, 1)  # 15, 76, 105 and 866 days


def test_headline_for_one_campaign(data):
    figures = headline(Scope(today=TODAY, campaign_id=data.sanctions.id))
    assert (figures.letters_sent, figures.expected, figures.awaiting) == (4, 3, 2)
    assert (figures.overdue, figures.answered) == (2, 1)
    assert figures.median_days_to_answer == 22.0
    assert figures.overdue_by_age == (0, 1, 0, 1)


def test_headline_for_a_period(data):
    figures = headline(
        Scope(today=TODAY, period_start=date(2024, 1, 1), period_end=date(2024, 6, 15))
    )
    assert figures.letters_sent == 7  # L4 (2023) and L7 (2022) fall outside
    assert (figures.expected, figures.answered, figures.overdue) == (6, 1, 3)
    assert figures.median_days_to_answer == 22.0


def test_headline_for_my_work_counts_owned_and_watched_letters(data):
    figures = headline(Scope(today=TODAY, user_id=data.owner.id))
    assert figures.letters_sent == 6  # L1, L2, L4, L5, L7 owned; L6 watched; L10 a draft
    assert figures.overdue == 4
    colleague = headline(Scope(today=TODAY, user_id=data.colleague.id))
    assert (colleague.letters_sent, colleague.overdue) == (4, 1)  # L3, L6, L8, L9


def test_a_letter_with_only_cc_recipients_is_sent_but_expects_nothing(data):
    figures = headline(
        Scope(today=TODAY, period_start=date(2024, 6, 1), period_end=date(2024, 6, 30))
    )
    assert (figures.letters_sent, figures.expected, figures.awaiting) == (1, 0, 0)
    assert figures.response_rate is None
    assert figures.median_days_to_answer is None


def test_median_of_an_odd_count_is_the_middle_value(app, data):
    assert median_days_to_answer(Scope(today=TODAY, campaign_id=data.detention.id)) == 70.0


def test_demand_outcomes(data):
    assert demand_outcomes(Scope(today=TODAY)) == {
        "open": 3,
        "accepted": 1,
        "partially_met": 1,
        "met": 1,
        "rejected": 1,
        "withdrawn": 1,
    }
    assert demand_outcomes(Scope(today=TODAY, campaign_id=data.sanctions.id)) == {
        "open": 1,
        "accepted": 0,
        "partially_met": 0,
        "met": 1,
        "rejected": 1,
        "withdrawn": 0,
    }


def test_campaign_summary(data):
    rows = campaign_summary(Scope(today=TODAY))
    assert [
        (
            row.name,
            row.letters,
            row.expected,
            row.answered,
            row.awaiting,
            row.overdue,
            row.demands,
            row.demands_won,
            row.demands_partly,
            row.demands_rejected,
        )
        for row in rows
    ] == [
        ("Detention", 4, 4, 1, 3, 1, 4, 0, 1, 0),
        ("Sanctions", 4, 3, 1, 2, 2, 3, 1, 0, 1),
        (None, 1, 1, 0, 1, 1, 1, 1, 0, 0),
    ]
