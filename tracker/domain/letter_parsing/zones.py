"""Where a letter's header, body and signature zones begin and end.

The *header* runs up to the salutation (date, addressee blocks, subject), the *body*
from the salutation to the last closing formula (the demands), the *signature* zone
after the closing (signatories, then cc).
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker.domain.letter_parsing.lines import Line
from tracker.domain.letter_parsing.phrases import starts_with
from tracker.domain.lexicons import union

_MAX_SALUTATION_LENGTH = 90
_MIN_BODY_PARAGRAPH_WORDS = 12


@dataclass(frozen=True)
class Zones:
    header_end: int  # index of the salutation line, or of the first body line
    body_start: int
    body_end: int  # index of the closing line, or len(lines)


def find_zones(lines: list[Line]) -> Zones:
    salutation = next((i for i, ln in enumerate(lines) if _is_salutation(ln.text)), None)
    if salutation is None:
        first_body = next((i for i, ln in enumerate(lines) if _is_body_paragraph(ln.text)), 0)
        header_end, body_start = first_body, first_body
    else:
        header_end, body_start = salutation, salutation + 1
    closings = [
        i
        for i, ln in enumerate(lines)
        if i >= body_start and starts_with(ln.text, union("closings"))
    ]
    return Zones(header_end, body_start, closings[-1] if closings else len(lines))


def _is_salutation(line: str) -> bool:
    if len(line) > _MAX_SALUTATION_LENGTH or not starts_with(line, union("salutations")):
        return False
    return line.endswith((",", ":", ";")) or line.lower().startswith("dear ")


def _is_body_paragraph(line: str) -> bool:
    return len(line.split()) >= _MIN_BODY_PARAGRAPH_WORDS and not starts_with(
        line, union("subject_markers")
    )
