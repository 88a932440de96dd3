"""The public import path of the letter parser; the code lives in ``letter_parsing``."""

from tracker.domain.letter_parsing import (
    Demand,
    LetterDate,
    Official,
    ParsedLetter,
    Signatory,
    Span,
    Subject,
    parse_letter,
)

__all__ = [
    "Demand",
    "LetterDate",
    "Official",
    "ParsedLetter",
    "Signatory",
    "Span",
    "Subject",
    "parse_letter",
]
