"""Every dashboard figure against the hand-built history, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest

from tests import stats_dataset
from tests.stats_dataset import TODAY
from tracker.domain.ladder import DEFAULT_LADDER
from tracker.queries.dashboard.figures import (
    demand_outcomes,
    headline,
    median_days_to_answer,
    monthly_series,
)
from tracker.queries.dashboard.scope import Scope
from tracker.queries.dashboard.tables import (
    campaign_summary,
    due_soon,
    official_responsiveness,
    overdue_now,
)


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


def test_monthly_series_fills_empty_months(data):
    series = monthly_series(
        Scope(today=TODAY, period_start=date(2024, 1, 1), period_end=date(2024, 6, 30))
    )
    assert series.months == ("2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06")
    assert series.letters == (1, 1, 1, 1, 2, 1)
    assert series.responses == (0, 1, 1, 0, 0, 0)  # an acknowledgement is a response too


def test_monthly_series_over_everything_runs_to_this_month(data):
    series = monthly_series(Scope(today=TODAY))
    assert series.months[0] == "2022-01" and series.months[-1] == "2024-06"
    assert len(series.months) == 30
    assert sum(series.letters) == 9
    assert sum(series.responses) == 4
    assert series.responses[series.months.index("2023-07")] == 1


def test_overdue_now_oldest_first_with_next_ladder_step(data):
    rows = overdue_now(Scope(today=TODAY), DEFAULT_LADDER)
    assert [(row.reference, row.official, row.days) for row in rows] == [
        ("L7", "Ada President", 866),
        ("L5", "Bruno Ministre", 105),
        ("L2", "Bruno Ministre", 76),
        ("L6", "Chege Waziri", 15),
    ]
    assert [row.owner for row in rows] == ["Olga Owner"] * 3 + ["Carl Colleague"]
    assert rows[0].next_step is None  # past the last step
    assert rows[3].next_step.kind == "escalate"
    assert rows[3].next_step_on == date(2024, 7, 14)
    assert len(overdue_now(Scope(today=TODAY), DEFAULT_LADDER, limit=2)) == 2


def test_next_step_on_the_follow_up_day_is_that_step(data):
    rows = overdue_now(Scope(today=date(2024, 6, 14)), DEFAULT_LADDER)
    l6 = next(row for row in rows if row.reference == "L6")
    assert (l6.days, l6.next_step.kind, l6.next_step_on) == (14, "follow_up", date(2024, 6, 14))


def test_due_soon(data):
    rows = due_soon(Scope(today=TODAY))
    assert [(row.reference, row.official, row.days) for row in rows] == [
        ("L9", "Bruno Ministre", 4)
    ]
    assert due_soon(Scope(today=TODAY), horizon_days=3) == []


def test_official_responsiveness(data):
    rows = official_responsiveness(Scope(today=TODAY))
    by_name = {row.name: row for row in rows}
    ada = by_name["Ada President"]
    assert (ada.letters, ada.expected, ada.answered, ada.median_days) == (3, 3, 2, 46.0)
    assert ada.last_contact == date(2024, 2, 1)
    bruno = by_name["Bruno Ministre"]
    assert (bruno.letters, bruno.answered, bruno.median_days) == (3, 0, None)
    assert bruno.last_contact == date(2024, 5, 20)
    chege = by_name["Chege Waziri"]
    assert (chege.letters, chege.expected) == (2, 2)  # the withdrawn L9 is left out
    dana = by_name["Dana Copy"]
    assert (dana.letters, dana.expected, dana.answered_share) == (2, 0, None)
    assert dana.last_contact == date(2024, 6, 1)
    assert [row.name for row in rows] == [
        "Ada President",
        "Bruno Ministre",
        "Chege Waziri",
        "Dana Copy",
    ]


@pytest.mark.parametrize(
    ("sort", "descending", "expected"),
    [
        ("name", True, ["Dana Copy", "Chege Waziri", "Bruno Ministre", "Ada President"]),
        ("answered", True, ["Ada President", "Bruno Ministre", "Chege Waziri", "Dana Copy"]),
        ("median_days", False, ["Ada President", "Bruno Ministre", "Chege Waziri", "Dana Copy"]),
        ("last_contact", True, ["Dana Copy", "Bruno Ministre", "Chege Waziri", "Ada President"]),
    ],
)
def test_official_responsiveness_sorts(data, sort, descending, expected):
    rows = official_responsiveness(Scope(today=TODAY), sort=sort, descending=descending)
    assert [row.name for row in rows] == expected


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
