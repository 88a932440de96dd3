"""Finding the letter's date, written in any language the lexicons know."""

from __future__ import annotations

import re
from datetime import date
from functools import cache

from tracker.domain.letter_parsing.model import LetterDate
from tracker.domain.lexicons import all_months, union


def find_letter_date(text: str, header_end: int) -> LetterDate | None:
    """The first date before offset ``header_end``, else the first date anywhere."""
    return find_date(text, 0, header_end) or find_date(text, 0, len(text))


def find_date(text: str, start: int, end: int) -> LetterDate | None:
    """The first valid date in ``text[start:end]``, in any of the known formats."""
    found: list[LetterDate] = []
    months = all_months()
    for pattern in _date_patterns():
        for match in pattern.finditer(text, start, end):
            raw_month = match.group("month")
            month = int(raw_month) if raw_month.isdigit() else months[raw_month.lower()]
            try:
                value = date(int(match.group("year")), month, int(match.group("day")))
            except ValueError:
                continue
            found.append(LetterDate(value, match.span()))
    return min(found, key=lambda d: d.span[0]) if found else None


@cache
def _date_patterns() -> tuple[re.Pattern[str], ...]:
    months = "|".join(re.escape(m) for m in sorted(all_months(), key=len, reverse=True))
    suffixes = "|".join(
        re.escape(s) for s in sorted(union("ordinal_suffixes"), key=len, reverse=True)
    )
    connectors = "|".join(re.escape(c) for c in union("date_connectors"))
    day = rf"(?P<day>[0-3]?\d)(?:{suffixes})?"
    month = rf"(?P<month>{months})\.?"
    link = rf"(?:\s+(?:{connectors}))?" if connectors else ""
    return (
        re.compile(r"(?<!\d)(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})(?!\d)"),
        re.compile(rf"(?<!\w){month}\s+{day},?\s+(?P<year>\d{{4}})(?!\d)", re.IGNORECASE),
        re.compile(
            rf"(?<!\w){day}{link}\s+{month}{link},?\s+(?P<year>\d{{4}})(?!\d)", re.IGNORECASE
        ),
    )
