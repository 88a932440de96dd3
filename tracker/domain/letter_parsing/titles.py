"""A short title for a demand: a few words naming the action asked for."""

from __future__ import annotations

import re

from tracker.domain.lexicons import Lexicon

_MAX_TITLE_WORDS = 8
# How far after the ask to look for the infinitive marker ("to", "de", "que" ...).
_INFINITIVE_SEARCH_WORDS = 10


def demand_title(text: str, lexicon: Lexicon, cue_end: int | None) -> str:
    """A few words naming the action asked for, taken from the words after the ask."""
    words = _words_after_infinitive_marker(text[cue_end:], lexicon) if cue_end else text.split()
    stops = {w.lower() for w in lexicon.title_stop_words}
    kept: list[str] = []
    for word in words[:_MAX_TITLE_WORDS]:
        bare = word.lower().strip(".,;:")
        if kept and (bare in stops or " ".join([kept[-1].lower(), bare]) in stops):
            break
        if re.search(r"\w\.\w+\.$", word):  # an abbreviation such as "U.S."
            kept.append(word)
            continue
        kept.append(word.rstrip(".;:,"))
        if word.endswith((",", ";", ":", ".")) or "(" in word:
            break
    trailing = {w.lower() for w in lexicon.title_trailing_words}
    while len(kept) > 1 and kept[-1].lower() in trailing:
        kept.pop()
    title = " ".join(kept).rstrip(",;:(")
    return title[:1].upper() + title[1:]


def _words_after_infinitive_marker(rest: str, lexicon: Lexicon) -> list[str]:
    """The words of ``rest`` from the verb on: "urge you *to* lift" gives "lift ..."."""
    words = rest.split()
    markers = {m.lower() for m in lexicon.infinitive_markers}
    elided_markers = [m for m in markers if m.endswith(("'", "\u2019"))]
    for i, word in enumerate(words[:_INFINITIVE_SEARCH_WORDS]):
        bare = word.lower()
        if bare in markers:
            return words[i + 1 :]
        elided = next((m for m in elided_markers if bare.startswith(m)), None)
        if elided and len(bare) > len(elided):  # French "d'abroger"
            return [word[len(elided) :], *words[i + 1 :]]
    return words
