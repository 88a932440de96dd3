"""Recognising people in letter lines: names, honorifics, titles and organisations.

``parse_person`` finds a person named at the start of a line; ``official_from_lines``
turns that person and the lines under them into an ``Official`` (title, institution,
address).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracker.domain.letter_parsing.lines import Line
from tracker.domain.letter_parsing.model import Official
from tracker.domain.letter_parsing.phrases import starts_with, word_pattern
from tracker.domain.lexicons import union

_NAME_PARTICLES = frozenset(
    {"de", "da", "das", "del", "della", "der", "di", "do", "dos", "du", "la", "le", "van"}
    | {"von", "y", "e", "bin", "ibn", "al", "el", "ben", "of"}
)
_MAX_NAME_WORDS = 6
_ADDRESS_START = re.compile(
    r"(?:P\.?\s?O\.?\s+Box|B\.?P\.?\s|Apartado|Case postale|CP\s)", re.IGNORECASE
)


@dataclass(frozen=True)
class Person:
    name: str
    title: str | None
    extra: tuple[str, ...]  # further comma-separated parts after the title
    honorific: bool = False


def parse_person(line: str, *, next_line: str | None = None) -> Person | None:
    """A person named at the start of ``line``, or None.

    A capitalised phrase counts as a name only when something introduces it as a
    person: an honorific, a title before or after it, or a title on ``next_line``.
    """
    head, *tail = [part.strip() for part in re.split(r",\s+", _title_after_stop(line))]
    head, honorific = strip_honorifics(head)
    head, prefix_title = _strip_prefix_title(head)
    if not looks_like_name(head, allow_single=honorific):
        return None
    title = prefix_title
    if tail and is_title(tail[0]):
        title = tail.pop(0)
    introduced = honorific or prefix_title or title or (next_line and is_title(next_line))
    return Person(head, title, tuple(tail), honorific) if introduced else None


def _title_after_stop(line: str) -> str:
    """ "Sr. Juan Pérez. Presidente de la República": the title after a full stop, as after
    a comma. Not after an abbreviation ("Sr.", "J."): the name before must be a name."""
    for stop in re.finditer(r"(?<=[^\W\d_]{3})\.\s+(?=[A-Z\u00c0-\u00de])", line):
        before, after = line[: stop.start()], line[stop.end() :]
        if starts_with(after, union("titles")) and looks_like_name(strip_honorifics(before)[0]):
            return f"{before}, {after}"
    return line


def name_then_affiliation(text: str) -> Person | None:
    """ "Jane Roe, Example University": a name with no title, then where the person works."""
    head, *rest = [part.strip() for part in re.split(r",\s+", text)]
    name = strip_honorifics(head)[0]
    if looks_like_name(name) and not is_organisation(head):
        return Person(name, None, tuple(rest))
    return None


def looks_like_name(text: str, *, allow_single: bool = False) -> bool:
    tokens = text.split()
    min_words = 1 if allow_single else 2
    if not min_words <= len(tokens) <= _MAX_NAME_WORDS or re.search(r"\d|[(),:;@/]", text):
        return False
    if is_organisation(text) or starts_with(text, union("institution_words")):
        return False
    if word_pattern(union("titles")).search(text):
        return False
    if not tokens[0][0].isupper():
        return False
    return all(t[0].isupper() or t.lower() in _NAME_PARTICLES for t in tokens)


def is_organisation(text: str) -> bool:
    """Names an organisation: an organisation word, or a short acronym such as "HRW"."""
    return bool(word_pattern(union("organisation_words")).search(text)) or (
        text.isupper() and 2 <= len(text) <= 12 and " " not in text
    )


def is_title(text: str) -> bool:
    if starts_with(text, union("institution_words")) or starts_with(text, ("The",)):
        return False
    return bool(word_pattern(union("titles")).search(text))


def strip_honorifics(text: str) -> tuple[str, bool]:
    """``text`` without its leading honorifics, and whether there were any."""
    stripped = False
    while match := starts_with(text, union("honorifics")):
        rest = text[match.end() :].strip()
        if not rest:
            break
        text, stripped = rest, True
    return text, stripped


def _strip_prefix_title(text: str) -> tuple[str, str | None]:
    """Split "President Donald J. Trump" into its name and its title."""
    match = starts_with(text, union("titles"))
    if match and match.group(0)[0].isupper():
        rest = text[match.end() :].strip()
        if looks_like_name(rest):
            return rest, match.group(0)
    return text, None


def _is_address(line: str) -> bool:
    return bool(re.search(r"\d", line)) or bool(_ADDRESS_START.match(line))


def official_from_lines(lines: list[Line], person: Person) -> Official:
    """The official ``person`` on ``lines[0]``, described further by the lines after it."""
    title, institution, address = person.title, None, []
    for extra in person.extra:
        if institution is None and not _is_address(extra):
            institution = extra
        else:
            address.append(extra)
    for line in lines[1:]:
        text = line.text
        if address or _is_address(text):
            address.append(text)
        elif title is None and is_title(text):
            title = text
        elif institution is None:
            institution = text
        else:
            address.append(text)
    return Official(
        person.name, title, institution, ", ".join(address) or None, (lines[0].start, lines[-1].end)
    )
