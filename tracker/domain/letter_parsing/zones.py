"""Where a letter's header, body and signature zones begin and end.

The *header* runs up to the salutation (date, addressee blocks, subject), the *body*
from the salutation to the last closing formula (the demands), the *signature* zone
after the closing (signatories, then cc). A closing formula opens a line ("Yours
sincerely,") or ends a paragraph ("..., le saluda afectuosamente"); a letter without
one ends its body at a signature heading ("Signed by:", "Signatories", "El abajo
firmante,").
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker.domain.letter_parsing.lines import Line
from tracker.domain.letter_parsing.phrases import starts_with, word_pattern
from tracker.domain.lexicons import union

_MAX_SALUTATION_LENGTH = 90
_MIN_BODY_PARAGRAPH_WORDS = 12
# A heading is a few words; "The undersigned organisations represent ..." is prose.
_MAX_HEADING_WORDS = 6


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
    return Zones(header_end, body_start, _body_end(lines, body_start))


def _body_end(lines: list[Line], body_start: int) -> int:
    closings = [i for i, ln in enumerate(lines) if i >= body_start and _is_closing(ln.text)]
    if closings:
        return closings[-1]
    # Without a closing, the signatures or the copies end the body.
    ends = (
        i
        for i, ln in enumerate(lines)
        if i >= body_start
        and (is_signature_heading(ln.text) or starts_with(ln.text, union("cc_markers")))
    )
    return next(ends, len(lines))


def _is_closing(line: str) -> bool:
    return bool(
        starts_with(line, union("closings")) or word_pattern(union("closing_phrases")).search(line)
    )


def is_signature_heading(line: str) -> bool:
    """A short line announcing the signatures: "Signed by:", "Signataires", "Firman"."""
    return (
        len(line.split()) <= _MAX_HEADING_WORDS
        and not line.endswith(".")
        and bool(starts_with(line, union("signature_markers")))
    )


def is_heading_of(line: str, field: str) -> bool:
    """A short line opening with one of the lexicons' ``field`` phrases ("References")."""
    return len(line.split()) <= _MAX_HEADING_WORDS and bool(starts_with(line, union(field)))


def _is_salutation(line: str) -> bool:
    if len(line) > _MAX_SALUTATION_LENGTH or not starts_with(line, union("salutations")):
        return False
    return line.endswith((",", ":", ";")) or line.lower().startswith("dear ")


def _is_body_paragraph(line: str) -> bool:
    return len(line.split()) >= _MIN_BODY_PARAGRAPH_WORDS and not starts_with(
        line, union("subject_markers")
    )
