"""Matching the lexicons' phrases (markers, honorifics, titles) in a line of text."""

from __future__ import annotations

import re
from functools import cache

from tracker.domain.lexicons import union


def starts_with(text: str, phrases: tuple[str, ...]) -> re.Match[str] | None:
    """The longest of ``phrases`` that ``text`` starts with, case-insensitively."""
    return _start_pattern(phrases).match(text)


def is_skipped_line(text: str) -> bool:
    """Delivery notes, references and contact details: lines that never name a person."""
    return bool(starts_with(text, union("skip_line_markers"))) or "@" in text


@cache
def _start_pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    # Phrases ending in punctuation ("Re:", "H.E.") need no word boundary after them.
    alternatives = "|".join(
        re.escape(p) + ("" if not p[-1].isalnum() else r"(?=[\W]|$)")
        for p in sorted(set(phrases), key=len, reverse=True)
    )
    return re.compile(rf"^(?:{alternatives})", re.IGNORECASE)


@cache
def word_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """Any of ``words`` anywhere, as a whole word."""
    # Phrases ending in an apostrophe or a stop ("d\u2019", "Attn.") run into the next word.
    alternatives = "|".join(
        re.escape(w) + ("(?!\\w)" if w[-1].isalnum() else "")
        for w in sorted(set(words), key=len, reverse=True)
    )
    return re.compile(rf"(?<!\w)(?:{alternatives})", re.IGNORECASE)
