import warnings
from datetime import date, timedelta
from functools import lru_cache

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.domain.deadlines import (
    ClockState,
    clock_is_overdue,
    days_between,
    due_date,
    extend,
    is_business_day,
    is_overdue,
    pause,
    resume,
    start_clock,
)

property_test = settings(max_examples=150, deadline=None, database=None)

KNOWN_COUNTRIES = ["US", "FR", "KE", "GB", "JP", "IN", "SA"]
countries = st.sampled_from([*KNOWN_COUNTRIES, "XX", "", None])
known_countries = st.sampled_from(KNOWN_COUNTRIES)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2045, 12, 31))
windows = st.integers(min_value=0, max_value=90)

THU_2020_07_02 = date(2020, 7, 2)  # the day before the US observed Independence Day


@lru_cache
def official_holidays(country: str, year: int) -> frozenset[date]:
    """The package read directly, as an oracle independent of the code under test."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. India outside 2001-2035
        return frozenset(holidays.country_holidays(country, years=year))


# --- due dates ---------------------------------------------------------------------


def test_calendar_window_adds_plain_days():
    assert due_date(date(2020, 7, 1), 30, False, "US") == date(2020, 7, 31)


def test_calendar_window_of_zero_is_due_the_day_sent_even_on_a_sunday():
    assert due_date(date(2020, 7, 5), 0, False, "US") == date(2020, 7, 5)


def test_business_days_skip_the_us_observed_independence_day_and_the_weekend():
    assert due_date(THU_2020_07_02, 1, True, "US") == date(2020, 7, 6)


def test_business_days_skip_bastille_day_in_france():
    assert due_date(date(2020, 7, 13), 1, True, "FR") == date(2020, 7, 15)


def test_business_days_skip_madaraka_day_in_kenya():
    assert due_date(date(2020, 5, 29), 1, True, "KE") == date(2020, 6, 2)


def test_zero_business_window_lands_on_the_next_business_day_when_sent_on_a_holiday():
    assert due_date(date(2020, 7, 14), 0, True, "FR") == date(2020, 7, 15)
    assert due_date(date(2020, 7, 4), 0, True, "US") == date(2020, 7, 6)
    assert due_date(date(2020, 7, 15), 0, True, "FR") == date(2020, 7, 15)


def test_a_holiday_of_another_country_is_a_working_day():
    assert due_date(THU_2020_07_02, 1, True, "FR") == date(2020, 7, 3)


@pytest.mark.parametrize("country", [None, "", "XX", "USA", "U1", "  "])
def test_unknown_countries_fall_back_to_weekends_only(country):
    assert due_date(THU_2020_07_02, 1, True, country) == date(2020, 7, 3)
    assert due_date(date(2020, 7, 3), 1, True, country) == date(2020, 7, 6)


def test_country_codes_are_case_and_space_insensitive():
    assert due_date(THU_2020_07_02, 1, True, " us ") == date(2020, 7, 6)


def test_ten_business_days_across_christmas_in_the_uk():
    # 2020-12-25 Fri and 2020-12-28 Mon (Boxing Day substitute) are holidays.
    assert due_date(date(2020, 12, 18), 10, True, "GB") == date(2021, 1, 6)


def test_partly_covered_years_do_not_warn():
    # The holidays package warns for India outside 2001-2035; tests run with -W error.
    assert due_date(date(2040, 1, 2), 5, True, "IN").weekday() < 5


def test_negative_window_is_rejected():
    with pytest.raises(ValueError, match="window_days"):
        due_date(THU_2020_07_02, -1, False, None)


# --- counting and overdue ----------------------------------------------------------


def test_days_between_counts_business_days_left_and_overdue():
    assert days_between(THU_2020_07_02, date(2020, 7, 6), True, "US") == 1
    assert days_between(date(2020, 7, 6), THU_2020_07_02, True, "US") == -1
    assert days_between(THU_2020_07_02, date(2020, 7, 6), False, "US") == 4
    assert days_between(THU_2020_07_02, THU_2020_07_02, True, "US") == 0


def test_overdue_starts_the_day_after_the_due_date():
    due = date(2020, 7, 6)
    assert not is_overdue(due, due - timedelta(days=1))
    assert not is_overdue(due, due)
    assert is_overdue(due, due + timedelta(days=1))


# --- the clock ---------------------------------------------------------------------


def test_pause_and_resume_a_calendar_clock():
    clock = start_clock(date(2020, 7, 1), 30, False, "US")
    paused = pause(clock, date(2020, 7, 21))
    assert paused.remaining_days == 10
    assert paused.is_paused
    assert resume(paused, date(2020, 8, 1)).due_on == date(2020, 8, 11)


def test_resuming_a_business_clock_keeps_the_business_days_left():
    clock = start_clock(date(2020, 6, 29), 5, True, "US")
    assert clock.due_on == date(2020, 7, 7)  # 30 Jun, 1, 2, 6, 7 Jul
    paused = pause(clock, date(2020, 6, 30))
    assert paused.remaining_days == 4
    resumed = resume(paused, date(2020, 7, 2))
    assert resumed.due_on == date(2020, 7, 9)  # 6, 7, 8, 9 Jul
    assert not resumed.is_paused


def test_pausing_an_overdue_clock_keeps_it_overdue_after_resuming():
    clock = ClockState(due_on=date(2020, 7, 10))
    paused = pause(clock, date(2020, 7, 13))
    assert paused.remaining_days == -3
    assert not clock_is_overdue(paused, date(2020, 7, 20))
    resumed = resume(paused, date(2020, 8, 1))
    assert resumed.due_on == date(2020, 7, 29)
    assert clock_is_overdue(resumed, date(2020, 8, 1))


def test_pausing_twice_keeps_the_first_pause():
    clock = ClockState(due_on=date(2020, 7, 10))
    once = pause(clock, date(2020, 7, 1))
    assert pause(once, date(2020, 7, 5)) == once


def test_resuming_a_running_clock_changes_nothing():
    clock = ClockState(due_on=date(2020, 7, 10))
    assert resume(clock, date(2020, 7, 5)) == clock


def test_cannot_resume_before_the_pause():
    paused = pause(ClockState(due_on=date(2020, 7, 10)), date(2020, 7, 5))
    with pytest.raises(ValueError, match="before the pause"):
        resume(paused, date(2020, 7, 4))


def test_extending_a_paused_clock_adds_to_the_days_left():
    paused = pause(ClockState(due_on=date(2020, 7, 10)), date(2020, 7, 5))
    assert extend(paused, 7).remaining_days == 12
    assert extend(paused, 7).due_on == paused.due_on


def test_extending_a_business_clock_skips_holidays():
    clock = ClockState(due_on=THU_2020_07_02, business_days=True, country="US")
    assert extend(clock, 2).due_on == date(2020, 7, 7)


def test_extension_cannot_be_negative_and_zero_changes_nothing():
    clock = ClockState(due_on=date(2020, 7, 4), business_days=True, country="US")
    assert extend(clock, 0) == clock
    with pytest.raises(ValueError, match="extension"):
        extend(clock, -1)


def test_a_half_paused_clock_is_rejected():
    with pytest.raises(ValueError, match="together"):
        ClockState(due_on=date(2020, 7, 4), paused_on=date(2020, 7, 1))


# --- properties --------------------------------------------------------------------


@property_test
@given(sent_on=days, window=windows, business=st.booleans(), country=countries)
def test_a_due_date_is_never_before_the_date_sent(sent_on, window, business, country):
    assert due_date(sent_on, window, business, country) >= sent_on


@property_test
@given(sent_on=days, window=windows, country=known_countries)
def test_a_business_due_date_is_a_working_day_of_that_country(sent_on, window, country):
    due = due_date(sent_on, window, True, country)
    assert due.weekday() < 5
    assert due not in official_holidays(country, due.year)


@property_test
@given(sent_on=days, window=st.integers(min_value=1, max_value=90), country=countries)
def test_a_business_window_is_exactly_that_many_business_days(sent_on, window, country):
    due = due_date(sent_on, window, True, country)
    assert days_between(sent_on, due, True, country) == window


@property_test
@given(a=days, span=st.integers(min_value=-400, max_value=400), country=countries)
def test_counting_business_days_agrees_with_walking_day_by_day(a, span, country):
    b = a + timedelta(days=span)
    low, high = min(a, b), max(a, b)
    walked = sum(
        is_business_day(low + timedelta(days=i), country) for i in range(1, (high - low).days + 1)
    )
    assert days_between(a, b, True, country) == (walked if b >= a else -walked)


@property_test
@given(
    sent_on=days,
    window=windows,
    paused_after=st.integers(min_value=0, max_value=120),
    paused_for=st.integers(min_value=0, max_value=120),
)
def test_a_calendar_pause_of_n_days_moves_the_due_date_by_n(
    sent_on, window, paused_after, paused_for
):
    clock = start_clock(sent_on, window, False, None)
    paused_on = sent_on + timedelta(days=paused_after)
    resumed = resume(pause(clock, paused_on), paused_on + timedelta(days=paused_for))
    assert resumed.due_on == clock.due_on + timedelta(days=paused_for)


@property_test
@given(
    sent_on=days,
    window=windows,
    country=countries,
    paused_after=st.integers(min_value=0, max_value=120),
    paused_for=st.integers(min_value=0, max_value=120),
)
def test_a_business_pause_keeps_the_business_days_left(
    sent_on, window, country, paused_after, paused_for
):
    clock = start_clock(sent_on, window, True, country)
    paused = pause(clock, sent_on + timedelta(days=paused_after))
    resumed_on = paused.paused_on + timedelta(days=paused_for)
    resumed = resume(paused, resumed_on)
    assert is_business_day(resumed.due_on, country)
    left = days_between(resumed_on, resumed.due_on, True, country)
    if paused.remaining_days == 0 and not is_business_day(resumed_on, country):
        # "Due today" resumed on a day off becomes due on the next working day.
        assert left == 1
    else:
        assert left == paused.remaining_days


@property_test
@given(sent_on=days, window=windows, extra=windows, business=st.booleans(), country=countries)
def test_extending_by_k_moves_the_due_date_by_k_days_of_its_kind(
    sent_on, window, extra, business, country
):
    clock = start_clock(sent_on, window, business, country)
    extended = extend(clock, extra)
    assert days_between(clock.due_on, extended.due_on, business, country) == extra
    assert extended.due_on >= clock.due_on
