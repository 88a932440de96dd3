"""How large a number, how far a date and how long a text any input may ask for.

Every id, version, page and date that comes from outside goes through these, so one
typo or one hostile value costs a clear message, never a 500 or a minute of work:
SQLite refuses integers past 2**63 - 1 with an OverflowError, PostgreSQL's integer
columns stop at 2**31 - 1, `str.isdigit()` says yes to "²" that `int()` then refuses,
and a chart from year 1 to year 9999 draws 120,000 months.
"""

from __future__ import annotations

import re
from datetime import date

# The largest id or version any table holds: PostgreSQL's `integer`.
MAX_ID = 2**31 - 1
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)
DATE_RANGE_MESSAGE = (
    f"Give a date between {EARLIEST_DATE.year} and {LATEST_DATE.year} (check the year for a typo)."
)

# ASCII digits only: `\d` and `str.isdigit()` also match "²" and "٣".
_ASCII_NUMBER = re.compile(r"[0-9]{1,10}")
_ASCII_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_id(raw: str | None) -> int | None:
    """An id, version or page number written in ASCII digits, within 0..MAX_ID; else None."""
    text = (raw or "").strip()
    if not _ASCII_NUMBER.fullmatch(text):
        return None
    value = int(text)
    return value if value <= MAX_ID else None


def parse_positive(raw: str) -> int:
    """A whole number from 1 to MAX_ID, or ValueError saying what is wrong."""
    value = parse_id(raw)
    if value is None or value < 1:
        raise ValueError("must be a whole number from 1 up")
    return value


class DateOutOfRange(ValueError):
    """A real date, but outside the years letters are sent in."""


def date_in_range(value: date | None) -> bool:
    return value is None or EARLIEST_DATE <= value <= LATEST_DATE


def parse_date(raw: str) -> date:
    """A date written YYYY-MM-DD within the sane range, or ValueError with the reason."""
    text = raw.strip()
    try:
        if not _ASCII_DATE.fullmatch(text):
            raise ValueError(text)
        value = date.fromisoformat(text)
    except ValueError:
        raise ValueError("write the date as YYYY-MM-DD") from None
    if not date_in_range(value):
        raise DateOutOfRange(DATE_RANGE_MESSAGE)
    return value


def trailing_number(text: str, prefix: str) -> int | None:
    """The number after `prefix` when the rest is ASCII digits (the next reference)."""
    if not text.startswith(prefix):
        return None
    rest = text[len(prefix) :]
    return int(rest) if re.fullmatch(r"[0-9]{1,18}", rest) else None
