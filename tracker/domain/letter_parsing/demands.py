"""Finding the demands in the body of a letter, and giving each a short title.

What counts as the verbatim text of a demand:

* a sentence in running text that makes an ask (``we urge you to``, ``nous
  demandons``, ``instamos al Gobierno a`` ...): the **whole sentence**, so that the
  reviewer sees who asks whom and any condition that comes with the ask;
* an item of a numbered or bulleted list introduced by an ask ("We urge you to:"):
  the **item** without its list marker and without a trailing ``;``, ``,`` or
  joining word ("; and"); the lead-in itself is not a demand, unless no list follows.

Text is whitespace-folded but otherwise unchanged.
"""

from __future__ import annotations

import re

from tracker.domain.letter_parsing.lines import Line
from tracker.domain.letter_parsing.model import Demand
from tracker.domain.letter_parsing.sentences import split_sentences
from tracker.domain.letter_parsing.text import fold_whitespace, is_list_item
from tracker.domain.lexicons import Lexicon

_MAX_TITLE_WORDS = 8
# How far after the ask to look for the infinitive marker ("to", "de", "que" ...).
_INFINITIVE_SEARCH_WORDS = 10


def find_demands(body: list[Line], lexicon: Lexicon) -> list[Demand]:
    demands: list[Demand] = []
    under_ask_lead_in = False
    pending_lead_in: Demand | None = None
    for line in body:
        if not line.text:
            continue
        if is_list_item(line.text):
            item = _list_item_text(line, lexicon)
            ask = _ask(item.text, lexicon)
            if under_ask_lead_in or ask:
                pending_lead_in = None
                demands.append(_demand(item, lexicon, ask))
            continue
        if pending_lead_in:  # a lead-in with no list after it is an ask of its own
            demands.append(pending_lead_in)
            pending_lead_in = None
        under_ask_lead_in = False
        for sentence in split_sentences(line, lexicon):
            ask = _ask(sentence.text, lexicon)
            if not ask:
                continue
            if sentence.text.endswith(":"):
                under_ask_lead_in, pending_lead_in = True, _demand(sentence, lexicon, ask)
            else:
                demands.append(_demand(sentence, lexicon, ask))
    if pending_lead_in:
        demands.append(pending_lead_in)
    return demands


def _demand(piece: Line, lexicon: Lexicon, ask: re.Match[str] | None) -> Demand:
    text = fold_whitespace(piece.text)
    return Demand(text, _demand_title(text, lexicon, ask), piece.span)


def _ask(text: str, lexicon: Lexicon) -> re.Match[str] | None:
    """The earliest ask in ``text``, unless the text only describes one."""
    if any(re.search(p, text, re.IGNORECASE) for p in lexicon.non_demand_patterns):
        return None
    matches = (re.search(p, text, re.IGNORECASE) for p in lexicon.demand_patterns)
    return min((m for m in matches if m), key=lambda m: m.start(), default=None)


def _list_item_text(line: Line, lexicon: Lexicon) -> Line:
    """The item without its list marker, trailing punctuation or joining word."""
    marker = re.match(r"^\S+\s+", line.text)
    text = line.text[marker.end() :] if marker else line.text
    connectors = "|".join(re.escape(c) for c in lexicon.list_connectors)
    text = re.sub(rf"(?:[;,]\s*(?:{connectors})?|\s+(?:{connectors}))$", "", text.rstrip())
    return Line(text, line.start + (marker.end() if marker else 0))


def _demand_title(text: str, lexicon: Lexicon, ask: re.Match[str] | None) -> str:
    """A few words naming the action asked for, taken from the words after the ask."""
    words = _words_after_infinitive_marker(text[ask.end() :], lexicon) if ask else text.split()
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
