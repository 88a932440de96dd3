"""Response deadlines: due dates and the pausable, extendable response clock.

Pure functions of plain values. Nothing here reads the clock: callers pass `today`.

Business days are Monday to Friday minus the national public holidays of the
official's country (the `holidays` package, ISO 3166 alpha-2 codes, regional
holidays ignored). A country the package does not know falls back to weekends only:
a typo in an official's country must never stop a letter from getting a due date.
"""

from __future__ import annotations

import threading
import warnings
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache

import holidays

_ONE_DAY = timedelta(days=1)
_SATURDAY = 5
_holiday_lock = threading.Lock()


# --- holiday calendars -------------------------------------------------------------


def _normalise_country(country: str | None) -> str | None:
    code = (country or "").strip().upper()
    return code if len(code) == 2 and code.isalpha() else None


@lru_cache(maxsize=4096)
def _holidays(country: str | None, year: int) -> frozenset[date]:
    """Public holidays of one country in one year, computed once per process."""
    if country is None:
        return frozenset()
    # The package warns about years it only partly covers (e.g. India outside
    # 2001-2035); a partial calendar is still the best we have, and a warning would
    # become an error under `-W error`. The lock keeps `catch_warnings`, which
    # swaps process-wide state, from racing with another thread.
    with _holiday_lock, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            calendar = holidays.country_holidays(country, years=year)
        except NotImplementedError:
            return frozenset()
        return frozenset(calendar.keys())


def is_business_day(day: date, country: str | None) -> bool:
    return _is_business(day, _normalise_country(country))


def _is_business(day: date, code: str | None) -> bool:
    return day.weekday() < _SATURDAY and day not in _holidays(code, day.year)


def _weekdays_in(after: date, until: date) -> int:
    """Monday-Friday count in the half-open range (after, until]."""
    span = (until - after).days
    full_weeks, rest = divmod(span, 7)
    first_weekday = (after.weekday() + 1) % 7
    rest_weekdays = sum(1 for i in range(rest) if (first_weekday + i) % 7 < _SATURDAY)
    return full_weeks * 5 + rest_weekdays


def _business_days_in(after: date, until: date, country: str | None) -> int:
    """Business-day count in (after, until]; arithmetic, not a day-by-day walk,
    because dashboards call it for every overdue recipient."""
    code = _normalise_country(country)
    holiday_weekdays = sum(
        1
        for year in range(after.year, until.year + 1)
        for holiday in _holidays(code, year)
        if after < holiday <= until and holiday.weekday() < _SATURDAY
    )
    return _weekdays_in(after, until) - holiday_weekdays


# --- counting days -----------------------------------------------------------------


def days_between(a: date, b: date, business_days: bool, country: str | None) -> int:
    """Signed days from `a` to `b`: positive when `b` is later.

    Business days count those in (a, b], so `days_between(today, due_on, ...)` is the
    number of days left and `days_between(due_on, today, ...)` the days overdue.
    """
    if not business_days:
        return (b - a).days
    if b >= a:
        return _business_days_in(a, b, country)
    return -_business_days_in(b, a, country)


def _shift(start: date, days: int, business_days: bool, country: str | None) -> date:
    """The date `days` days of the given kind after `start` (before, if negative).

    For business days the result is always a business day, and for days != 0 it
    satisfies `days_between(start, result) == days`. A shift of 0 lands on the first
    business day on or after `start`, so a clock never comes due on a holiday.
    """
    if not business_days:
        return start + timedelta(days=days)
    code = _normalise_country(country)
    day = start
    if days >= 0:
        while not _is_business(day, code):
            day += _ONE_DAY
        # `start` itself is not counted, so a non-business start has already
        # reached its first business day above: it counts as the first day.
        remaining = days - (1 if day != start else 0)
        while remaining > 0:
            day += _ONE_DAY
            if _is_business(day, code):
                remaining -= 1
        return day
    # Walking back: count the business days in (result, start] until there are
    # enough, then settle on the nearest business day at or before that point.
    remaining = -days
    while remaining > 0:
        if _is_business(day, code):
            remaining -= 1
        day -= _ONE_DAY
    while not _is_business(day, code):
        day -= _ONE_DAY
    return day


def due_date(sent_on: date, window_days: int, business_days: bool, country: str | None) -> date:
    """When an answer is due for a letter sent on `sent_on`.

    Business days are counted from the day after sending; a zero window is due on
    `sent_on` itself, or on the next business day if it was sent on a day off.
    """
    if window_days < 0:
        raise ValueError(f"window_days must be 0 or more, got {window_days}")
    return _shift(sent_on, window_days, business_days, country)


def is_overdue(due_on: date, today: date) -> bool:
    """An answer received on the due date is on time; overdue starts the day after."""
    return today > due_on


# --- the response clock ------------------------------------------------------------


@dataclass(frozen=True)
class ClockState:
    """A recipient's response clock.

    Running: `paused_on` and `remaining_days` are None and `due_on` is live.
    Paused: `remaining_days` holds the days that were left (negative when it was
    paused while overdue) and `due_on` is the due date as it stood when paused.
    """

    due_on: date
    paused_on: date | None = None
    remaining_days: int | None = None
    business_days: bool = False
    country: str | None = None

    def __post_init__(self) -> None:
        if (self.paused_on is None) != (self.remaining_days is None):
            raise ValueError("paused_on and remaining_days must be set together")

    @property
    def is_paused(self) -> bool:
        return self.paused_on is not None


def start_clock(
    sent_on: date, window_days: int, business_days: bool, country: str | None
) -> ClockState:
    return ClockState(
        due_on=due_date(sent_on, window_days, business_days, country),
        business_days=business_days,
        country=country,
    )


def pause(clock: ClockState, today: date) -> ClockState:
    """Stop the clock, remembering the signed days left.

    Pausing an overdue clock keeps its overdue days (a negative remainder): a pause
    is "stop counting", not an amnesty, and resuming later leaves the recipient
    exactly as late as before. Pausing a paused clock changes nothing.
    """
    if clock.is_paused:
        return clock
    left = days_between(today, clock.due_on, clock.business_days, clock.country)
    return replace(clock, paused_on=today, remaining_days=left)


def resume(clock: ClockState, today: date) -> ClockState:
    """Restart the clock with the days that were left, counted from `today`."""
    if clock.paused_on is None or clock.remaining_days is None:
        return clock
    if today < clock.paused_on:
        raise ValueError(f"cannot resume on {today}, before the pause on {clock.paused_on}")
    due_on = _shift(today, clock.remaining_days, clock.business_days, clock.country)
    return replace(clock, due_on=due_on, paused_on=None, remaining_days=None)


def extend(clock: ClockState, days: int) -> ClockState:
    """Give the official `days` more days of the clock's kind."""
    if days < 0:
        raise ValueError(f"an extension must be 0 or more days, got {days}")
    if days == 0:
        return clock
    if clock.remaining_days is not None:
        return replace(clock, remaining_days=clock.remaining_days + days)
    return replace(clock, due_on=_shift(clock.due_on, days, clock.business_days, clock.country))


def clock_is_overdue(clock: ClockState, today: date) -> bool:
    """A paused clock is never overdue: nobody is waiting on it."""
    return not clock.is_paused and is_overdue(clock.due_on, today)
