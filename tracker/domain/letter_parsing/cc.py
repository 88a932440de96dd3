"""Reading the people in copy: the lines after each cc marker outside the body.

Entries follow the marker on its line and the lines under it, one per line or separated
by ``;``; or as a numbered list ("Copies to:" then "1. Name, / Title / Address", the
items apart by blank lines), where each item's lines describe one official.
"""

from __future__ import annotations

import re

from tracker.domain.letter_parsing.lines import Line
from tracker.domain.letter_parsing.model import Official
from tracker.domain.letter_parsing.people import (
    is_title,
    name_then_affiliation,
    official_from_lines,
    parse_person,
)
from tracker.domain.letter_parsing.phrases import starts_with
from tracker.domain.letter_parsing.text import is_list_item, without_list_marker
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
        taken = _cc_lines(lines, i + 1, listed=not rest.text)
        claimed.update([i, *taken])
        followers = [lines[j] for j in taken]
        if followers and is_list_item(followers[0].text):
            officials += _listed_officials(followers)
        else:
            entries = ([rest] if rest.text else []) + followers
            officials += [_cc_official(part) for entry in entries for part in _split_entries(entry)]
    return officials, claimed


def _cc_lines(lines: list[Line], start: int, *, listed: bool) -> list[int]:
    """Indexes of the lines under a cc marker: up to a blank line, or through a list."""
    taken: list[int] = []
    index = start
    while index < len(lines):
        text = lines[index].text
        if starts_with(text, union("cc_markers")):
            break
        if not text:
            # Blank lines part a list's items; a marker alone on its line may be followed
            # by one. Otherwise a blank line ends the entries.
            following = next((ln.text for ln in lines[index:] if ln.text), "")
            in_list = any(is_list_item(lines[j].text) for j in taken)
            if not (is_list_item(following) and (in_list or (listed and not taken))):
                break
        else:
            taken.append(index)
        index += 1
    return taken


def _listed_officials(lines: list[Line]) -> list[Official]:
    """One official per list item; the lines under an item describe that official."""
    groups: list[list[Line]] = []
    for line in lines:
        # Postal lines in such lists end in commas ("Shri A. Roe," / "North Block,").
        line = Line(line.text.rstrip(", "), line.start)
        if is_list_item(line.text) or not groups:
            groups.append([without_list_marker(line)])
        else:
            groups[-1].append(line)
    officials = []
    for group in groups:
        first = group[0]
        person = parse_person(first.text) or name_then_affiliation(first.text)
        if person:
            officials.append(official_from_lines([first, *group[1:]], person))
        else:
            officials.append(_cc_official(first))
    return officials


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
    person = parse_person(line.text) or name_then_affiliation(line.text)
    if person:
        return official_from_lines([line], person)
    parts = [p.strip() for p in re.split(r",\s+", line.text)]
    if is_title(parts[0]):
        return Official(None, parts[0], ", ".join(parts[1:]) or None, None, line.span)
    return Official(None, None, line.text, None, line.span)
