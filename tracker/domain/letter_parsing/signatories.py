"""Reading the signature zone: who signed, with their titles and organisations.

Signatures come as blocks ("Jane Roe / Director / Example Network"), as lines "Name, on
behalf of Organisation", or as an endorsers' table: a numbered or bulleted list, often
under headings ("Organisations", "Individuals"). In a table only the list items sign;
its headings and the notes after it (a press contact, a campaign's name) do not. The
zone ends at a notes heading ("References", "Notas").
"""

from __future__ import annotations

import re

from tracker.domain.letter_parsing.dates import find_date
from tracker.domain.letter_parsing.lines import Line, blocks
from tracker.domain.letter_parsing.model import Signatory
from tracker.domain.letter_parsing.people import (
    Person,
    is_organisation,
    is_title,
    looks_like_name,
    name_then_affiliation,
    parse_person,
    strip_honorifics,
)
from tracker.domain.letter_parsing.phrases import is_skipped_line, starts_with, word_pattern
from tracker.domain.letter_parsing.text import is_list_item, without_list_marker
from tracker.domain.letter_parsing.zones import is_heading_of, is_signature_heading
from tracker.domain.lexicons import union

# A line this long that ends like a sentence is prose ("You will find more here: ...").
_PROSE_WORDS = 6
# "Banana Link, UK": the country an endorsing organisation adds after its name.
_MAX_PLACE_WORDS = 3
_PLACE_WORD = re.compile(r"^(?:[A-Z\u00c0-\u00de][^\W\d_]*|the|and|of|du|de|la|y)$")


def find_signatories(signature: list[Line]) -> list[Signatory]:
    """Signatories in the lines after the closing formula."""
    signature = _before_notes(signature)
    behalf = [ln for ln in signature if starts_with(ln.text, union("behalf_markers"))]
    usable = [ln.blanked() if _names_no_signatory(ln.text) else ln for ln in signature]
    if sum(is_list_item(ln.text) for ln in usable) >= 2:
        found = _table_signatories(usable)
    else:
        found = [s for block in blocks(usable) for s in _signatories_in_block(block)]
    return _with_behalf_organisations(found, behalf)


def _before_notes(signature: list[Line]) -> list[Line]:
    notes = (i for i, ln in enumerate(signature) if is_heading_of(ln.text, "notes_markers"))
    return signature[: next(notes, len(signature))]


def _names_no_signatory(text: str) -> bool:
    # Lead-ins ("Signed by:"), dates ("Paris, 1 May 2021"), a petition's "for the attention
    # of" line, links and sentences sit among the signatures.
    words = text.split()
    return (
        is_skipped_line(text)
        or text.endswith(":")
        or is_signature_heading(text)
        or starts_with(text, union("behalf_markers")) is not None
        or bool(word_pattern(union("attention_markers")).search(text))
        or bool(re.search(r"https?://|www\.", text))
        or (len(words) >= _PROSE_WORDS and text.endswith((".", "!", "?")) and not text[0].isdigit())
        or bool(find_date(text, 0, len(text)))
    )


def _with_behalf_organisations(found: list[Signatory], behalf: list[Line]) -> list[Signatory]:
    """ "on behalf of X" on a line of its own: X is the organisation of the next signatory."""
    for line in behalf:
        marker = starts_with(line.text, union("behalf_markers"))
        organisation = line.text[marker.end() :].strip() if marker else ""
        for i, signatory in enumerate(found):
            if signatory.span[0] > line.start and signatory.name:
                if not signatory.organisation and organisation:
                    found[i] = Signatory(
                        signatory.name, signatory.title, organisation, signatory.span
                    )
                break
    return found


def _table_signatories(lines: list[Line]) -> list[Signatory]:
    """An endorsers' table: the signature blocks before it, then one signatory per item."""
    items = [i for i, ln in enumerate(lines) if is_list_item(ln.text)]
    before = blocks(lines[: items[0]])
    heading = before.pop()[0].text if before and len(before[-1]) == 1 else ""
    found = [s for block in before for s in _signatories_in_block(block)]
    for line in lines[items[0] : items[-1] + 1]:
        if not line.text:
            continue
        if not is_list_item(line.text):
            heading = line.text
            continue
        item = without_list_marker(line)
        if word_pattern(union("organisation_list_words")).search(heading):
            found.append(Signatory(None, None, _without_place(item.text), item.span))
        else:
            found += _signatories_in_block([item])
    return found


def _without_place(text: str) -> str:
    """An endorsing organisation's name without the country after it."""
    name, comma, place = text.rpartition(",")
    words = place.split()
    is_place = 1 <= len(words) <= _MAX_PLACE_WORDS and all(_PLACE_WORD.match(w) for w in words)
    if comma and name and is_place and not is_organisation(place):
        return name.strip()
    return text


def _signing_for(text: str) -> Person | None:
    """ "Jane Roe, on behalf of the Example Network": a person signing for an organisation."""
    head, _, rest = text.partition(",")
    marker = starts_with(rest.strip(), union("behalf_markers"))
    name = strip_honorifics(head.strip())[0]
    if not marker or not looks_like_name(name):
        return None
    organisation = rest.strip()[marker.end() :].strip()
    return Person(name, None, (organisation,) if organisation else ())


def _person_in_line(text: str, *, first: bool) -> Person | None:
    person = _signing_for(text)
    if person is None and not is_organisation(text.split(",")[0]):
        person = parse_person(text)
    if person is None:
        bare = strip_honorifics(text)[0]
        if looks_like_name(bare):
            person = Person(bare, None, ())
    if person is None and first:
        # A name, then an affiliation: only on a block's first line; further down,
        # "New York, NY" is an address.
        person = name_then_affiliation(text)
    return person


def _signatories_in_block(block: list[Line]) -> list[Signatory]:
    """Each line naming a person starts a signatory; lines before any person are organisations."""
    signatories: list[Signatory] = []
    groups: list[tuple[Person, list[Line]]] = []
    for line in block:
        # After a one-line "Name, Affiliation" signature, the next line may be another.
        previous = groups[-1] if groups else None
        first = (previous is None and not signatories) or (
            previous is not None and len(previous[1]) == 1 and bool(previous[0].extra)
        )
        person = _person_in_line(line.text, first=first)
        if person:
            groups.append((person, [line]))
        elif groups:
            groups[-1][1].append(line)
        else:
            signatories.append(Signatory(None, None, line.text, line.span))
    for person, lines in groups:
        rest = list(person.extra) + [ln.text for ln in lines[1:]]
        title, organisation = person.title, None
        if rest and (len(rest) > 1 or is_organisation(rest[-1]) or not is_title(rest[-1])):
            organisation = rest.pop()
        if rest:
            title = ", ".join(([title] if title else []) + rest)
        signatories.append(
            Signatory(person.name, title, organisation, (lines[0].start, lines[-1].end))
        )
    return signatories
