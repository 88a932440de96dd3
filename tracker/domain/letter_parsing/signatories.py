"""Reading the signature zone: who signed, with their titles and organisations."""

from __future__ import annotations

from tracker.domain.letter_parsing.dates import find_date
from tracker.domain.letter_parsing.lines import Line, blocks
from tracker.domain.letter_parsing.model import Signatory
from tracker.domain.letter_parsing.people import (
    Person,
    is_organisation,
    is_title,
    looks_like_name,
    parse_person,
    strip_honorifics,
)
from tracker.domain.letter_parsing.phrases import is_skipped_line, starts_with
from tracker.domain.lexicons import union


def find_signatories(signature: list[Line]) -> list[Signatory]:
    """Signatories in the lines after the closing formula."""
    usable = [ln.blanked() if _names_no_signatory(ln.text) else ln for ln in signature]
    return [s for block in blocks(usable) for s in _signatories_in_block(block)]


def _names_no_signatory(text: str) -> bool:
    # Lead-ins ("Signed by:") and dates ("Paris, 1 May 2021") sit among the signatures.
    return is_skipped_line(text) or text.endswith(":") or bool(find_date(text, 0, len(text)))


def _signing_for(text: str) -> Person | None:
    """ "Jane Roe, on behalf of the Example Network": a person signing for an organisation."""
    head, _, rest = text.partition(",")
    marker = starts_with(rest.strip(), union("behalf_markers"))
    name = strip_honorifics(head.strip())[0]
    if not marker or not looks_like_name(name):
        return None
    organisation = rest.strip()[marker.end() :].strip()
    return Person(name, None, (organisation,) if organisation else ())


def _signatories_in_block(block: list[Line]) -> list[Signatory]:
    """Each line naming a person starts a signatory; lines before any person are organisations."""
    signatories: list[Signatory] = []
    groups: list[tuple[Person, list[Line]]] = []
    for line in block:
        person = _signing_for(line.text)
        if person is None and not is_organisation(line.text.split(",")[0]):
            person = parse_person(line.text)
        if person is None:
            bare = strip_honorifics(line.text)[0]
            if looks_like_name(bare):
                person = Person(bare, None, ())
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
