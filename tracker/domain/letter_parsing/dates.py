"""Finding the letter's date, written in any language the lexicons know."""

from __future__ import annotations

import re
from datetime import date
from functools import cache

from tracker.domain.letter_parsing.lines import Line
from tracker.domain.letter_parsing.model import LetterDate
from tracker.domain.lexicons import all_months, union

# A date line holds little more than the date ("Paris, le 3 mai 2021", "Letter written
# August 6th, 2021."); a date inside a paragraph tells what happened when, not when the
# letter was written.
_MAX_DATE_LINE_WORDS = 8


def find_letter_date(text: str, lines: list[Line], header_end: int) -> LetterDate | None:
    """The first date in the header (lines before ``header_end``), else the first date line."""
    if header_end < len(lines):
        in_header = find_date(text, 0, lines[header_end].start)
        if in_header:
            return in_header
    for line in lines:
        if len(line.text.split()) <= _MAX_DATE_LINE_WORDS:
            found = find_date(text, line.start, line.end)
            if found:
                return found
    return None


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
