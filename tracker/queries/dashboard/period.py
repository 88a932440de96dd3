"""The dashboard's reporting periods, as date bounds on the day a letter was sent."""

from __future__ import annotations

from datetime import date

PERIODS = ("all", "month", "quarter", "year", "custom")
PERIOD_LABELS = {
    "all": "All time",
    "month": "This month",
    "quarter": "This quarter",
    "year": "This year",
    "custom": "Custom dates",
}


def period_bounds(
    period: str, today: date, start: date | None = None, end: date | None = None
) -> tuple[date | None, date | None]:
    """Inclusive (start, end); None is open-ended. Custom periods use `start` and `end`."""
    if period == "all":
        return None, None
    if period == "month":
        return today.replace(day=1), today
    if period == "quarter":
        first_month = 3 * ((today.month - 1) // 3) + 1
        return date(today.year, first_month, 1), today
    if period == "year":
        return date(today.year, 1, 1), today
    if period == "custom":
        if start and end and start > end:
            raise ValueError("the start date is after the end date")
        return start, end
    raise ValueError(f"unknown period {period!r}")
