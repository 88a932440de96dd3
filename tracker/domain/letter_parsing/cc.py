"""Reading the people in copy: the lines after each cc marker outside the body."""

from __future__ import annotations

import re

from tracker.domain.letter_parsing.lines import Line
from tracker.domain.letter_parsing.model import Official
from tracker.domain.letter_parsing.people import is_title, official_from_lines, parse_person
from tracker.domain.letter_parsing.phrases import starts_with
from tracker.domain.lexicons import union


def find_cc(lines: list[Line], body: range) -> tuple[list[Official], set[int]]:
    """The officials in copy, and the indexes of the lines that named them."""
    officials: list[Official] = []
    claimed: set[int] = set()
    for i, line in enumerate(lines):
        match = starts_with(line.text, union("cc_markers"))
        if i in body or not match:
            continue
        rest = line.after(match.end(), " :")
        entries = [rest] if rest.text else []
        followers = 0
        for follower in lines[i + 1 :]:
            if not follower.text or starts_with(follower.text, union("cc_markers")):
                break
            entries.append(follower)
            followers += 1
        claimed.update(range(i, i + followers + 1))
        officials += [_cc_official(part) for entry in entries for part in _split_entries(entry)]
    return officials, claimed


def _split_entries(line: Line) -> list[Line]:
    """The ``;``-separated entries of a line."""
    entries, offset = [], 0
    for part in line.text.split(";"):
        stripped = part.strip()
        if stripped:
            entries.append(Line(stripped, line.start + offset + part.index(stripped)))
        offset += len(part) + 1
    return entries


def _cc_official(line: Line) -> Official:
    person = parse_person(line.text)
    if person:
        return official_from_lines([line], person)
    parts = [p.strip() for p in re.split(r",\s+", line.text)]
    if is_title(parts[0]):
        return Official(None, parts[0], ", ".join(parts[1:]) or None, None, line.span)
    return Official(None, None, line.text, None, line.span)
