"""Splitting a paragraph into sentences without breaking at abbreviations or initials."""

from __future__ import annotations

import re
from functools import cache

from tracker.domain.letter_parsing.lines import Line
from tracker.domain.lexicons import Lexicon, all_lexicons

_SENTENCE_END = re.compile(
    r"[.!?][\"'\u201d\u2019)\]]*\s+(?=[\"'\u201c\u2018(\[\u00bf\u00a1]?[A-Z\u00c0-\u00de0-9])"
)


def split_sentences(line: Line, lexicon: Lexicon) -> list[Line]:
    abbreviations = _abbreviations(lexicon.code)
    pieces, start = [], 0
    for match in _SENTENCE_END.finditer(line.text):
        before = line.text[start : match.start() + 1]
        words = before.split()
        last_word = words[-1].rstrip(".").lower() if words else ""
        # "Mr.", "No.", an initial ("J.") or a dotted abbreviation ("U.N.") ends no sentence.
        if last_word in abbreviations or re.fullmatch(r"[^\W\d]", last_word) or "." in last_word:
            continue
        pieces.append(Line(before.strip(), line.start + start))
        start = match.end()
    tail = line.text[start:].strip()
    if tail:
        pieces.append(Line(tail, line.start + start))
    return [piece for piece in pieces if piece.text]


@cache
def _abbreviations(code: str) -> frozenset[str]:
    # Letters in any language quote English names and titles ("U.S.", "Mr."), so the
    # English abbreviations always apply.
    lexicons = all_lexicons()
    return frozenset(a.lower() for a in lexicons[code].abbreviations + lexicons["en"].abbreviations)
