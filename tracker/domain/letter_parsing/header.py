"""Reading the header zone: the addressee blocks and the subject line."""

from __future__ import annotations

from tracker.domain.letter_parsing.lines import Line, blocks
from tracker.domain.letter_parsing.model import LetterDate, Official, Subject
from tracker.domain.letter_parsing.people import Person, official_from_lines, parse_person
from tracker.domain.letter_parsing.phrases import is_skipped_line, starts_with
from tracker.domain.letter_parsing.text import is_list_item
from tracker.domain.lexicons import union

_MAX_TOPIC_WORDS = 12


def find_addressees(header: list[Line], letter_date: LetterDate | None) -> list[Official]:
    """Addressee blocks in the header lines: those after the date line, else any."""
    usable = [
        ln.blanked()
        if is_skipped_line(ln.text) or starts_with(ln.text, union("subject_markers"))
        else ln
        for ln in header
    ]
    header_blocks = blocks(usable)
    if letter_date:
        after = [b for b in header_blocks if b[0].start > letter_date.span[0]]
        found = [o for b in after for o in _officials_in_block(b)]
        if found:
            return found
    return [o for b in header_blocks for o in _officials_in_block(b)]


def find_subject(lines: list[Line], header_end: int, *, salutation: bool) -> Subject | None:
    """A labelled subject line ("Re: ..."), else a topic line just after the salutation."""
    # The subject line may also come just after the salutation.
    after = [ln for ln in lines[header_end + 1 :] if ln.text][:2] if salutation else []
    for line in [*lines[: header_end + 1], *after[:1]]:
        match = starts_with(line.text, union("subject_markers"))
        if match:
            subject = line.after(match.end(), " :.")
            if subject.text:
                return Subject(subject.text, subject.span)
    if len(after) == 2 and _is_topic_line(after[0].text) and len(after[1].text.split()) >= 12:
        return Subject(after[0].text, after[0].span)
    return None


def _is_topic_line(text: str) -> bool:
    """A short unlabelled line heading the body: "Appointment of the next Ombudsperson"."""
    return (
        len(text.split()) <= _MAX_TOPIC_WORDS
        and text[0].isupper()
        and not text.endswith((".", "!", "?", ":", ";", ","))
        and not is_list_item(text)
        and not is_skipped_line(text)
    )


def _officials_in_block(block: list[Line]) -> list[Official]:
    """Addressees in a block of lines: each starts at a line naming a person."""
    groups: list[tuple[Person, list[Line]]] = []
    for i, line in enumerate(block):
        line = _without_to_marker(line)
        following = block[i + 1].text if i + 1 < len(block) else None
        person = parse_person(line.text, next_line=following)
        # Inside an addressee's lines only an honorific starts the next one: "King Charles
        # Street" is an address, not King Charles.
        if person and (not groups or person.honorific):
            groups.append((person, [line]))
        elif groups:
            groups[-1][1].append(line)
    return [official_from_lines(lines, person) for person, lines in groups]


def _without_to_marker(line: Line) -> Line:
    match = starts_with(line.text, union("to_markers"))
    return line.after(match.end()) if match else line
