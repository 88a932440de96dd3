"""Addressees a letter names outside an address block.

Open letters often have no address block: the addressee is named in a "for the attention
of" line (a petition's footer), in the headline ("Lettre ouverte à Monsieur Jean Dupont")
or only in the salutation ("Dear Secretary-General Guterres,"; a surname alone is then
all the letter gives). These are read only when the header names nobody.
"""

from __future__ import annotations

from tracker.domain.letter_parsing.lines import Line
from tracker.domain.letter_parsing.model import Official
from tracker.domain.letter_parsing.people import (
    Person,
    looks_like_name,
    official_from_lines,
    parse_person,
    strip_honorifics,
)
from tracker.domain.letter_parsing.phrases import starts_with, word_pattern
from tracker.domain.lexicons import union

# A headline names its addressee in its first words: "Open letter to President Roe on ...".
_MAX_HEADLINE_NAME_WORDS = 8


def addressees_named_elsewhere(
    header: list[Line], signature: list[Line], salutation: Line | None
) -> list[Official]:
    """The addressee of an attention line, else of the headline, else of the salutation."""
    for line in [*header, *signature]:
        found = _after_phrase(line, word_pattern(union("attention_markers")).search(line.text))
        if found:
            return [found]
    for line in header:
        found = _after_phrase(line, starts_with(line.text, union("headline_markers")))
        if found:
            return [found]
    if salutation:
        match = starts_with(salutation.text, union("salutations"))
        if match:
            return [o for o in [_named_in_words(salutation.after(match.end(), " ,"))] if o]
    return []


def _after_phrase(line: Line, match) -> Official | None:
    if not match:
        return None
    rest = line.after(match.end())
    person = parse_person(rest.text)
    if person:
        return official_from_lines([rest], person)
    return _named_in_words(rest)


def _named_in_words(rest: Line) -> Official | None:
    """A person introduced by an honorific or a title in the first words of ``rest``."""
    words = rest.text.rstrip(",:;!.").split()[:_MAX_HEADLINE_NAME_WORDS]
    for size in range(len(words), 0, -1):
        person = _introduced_person(" ".join(words[:size]))
        if person:
            return Official(person.name, person.title, None, None, (rest.start, rest.end))
    return None


def _introduced_person(text: str) -> Person | None:
    """ "Mr Roe", "Secretary-General Guterres": a name, a surname alone allowed."""
    text, honorific = strip_honorifics(text)
    titles: list[str] = []
    while (match := starts_with(text, union("titles"))) and match.group(0)[0].isupper():
        titles.append(match.group(0))
        text = text[match.end() :].strip()
    if (honorific or titles) and looks_like_name(text, allow_single=True):
        return Person(text, " ".join(titles) or None, (), honorific)
    return None
