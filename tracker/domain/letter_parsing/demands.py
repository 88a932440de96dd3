"""Finding the demands in the body of a letter.

What counts as the verbatim text of a demand:

* a sentence in running text that asks someone to act (see ``asks``): the **whole
  sentence**, so that the reviewer sees who asks whom and any condition that comes
  with the ask;
* an item of a numbered or bulleted list introduced by a lead-in ("We urge you to:"):
  the **item** without its list marker and without a trailing ``;``, ``,`` or joining
  word ("; and"); an item holding two asking sentences gives two demands. The lead-in
  itself is not a demand, unless no list follows or it carries a long ask of its own.

Each paragraph is read in its own language: a Spanish letter may quote English, or end
with an English table of signatories. Text is whitespace-folded but otherwise unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracker.domain.letter_parsing.asks import Ask, find_ask, imperative_or_infinitive
from tracker.domain.letter_parsing.lines import Line
from tracker.domain.letter_parsing.model import Demand
from tracker.domain.letter_parsing.sentences import split_sentences
from tracker.domain.letter_parsing.text import fold_whitespace, is_list_item
from tracker.domain.letter_parsing.titles import demand_title
from tracker.domain.lexicons import Lexicon, all_lexicons, detect_language

# Stopwords a paragraph needs before its own language overrules the letter's.
_MIN_LANGUAGE_EVIDENCE = 2
# A lead-in this long says more than "we urge you to:" and is a demand of its own.
_LONG_LEAD_IN_WORDS = 25
# An item under a lead-in that asks is as sure as the lead-in, a little less.
_UNDER_LEAD_IN = 0.9
# An item opening with a verb under a lead-in that does not ask may still be one.
_VERB_ITEM_SCORE = 0.55
_URL = re.compile(r"https?://|www\.", re.IGNORECASE)


@dataclass
class _LeadIn:
    sentence: Line
    ask: Ask | None
    lexicon: Lexicon
    used: bool = False


def find_demands(body: list[Line], letter_language: str) -> list[Demand]:
    demands: list[Demand] = []
    lead_in: _LeadIn | None = None
    for line in body:
        if not line.text:
            continue
        lexicon = _paragraph_lexicon(line.text, letter_language)
        if is_list_item(line.text):
            demands += _item_demands(_list_item_text(line, lexicon), lexicon, lead_in)
            if lead_in:
                lead_in.used = True
            continue
        _flush(lead_in, demands)
        lead_in = None
        sentences = split_sentences(line, lexicon)
        for index, sentence in enumerate(sentences):
            ask = find_ask(sentence.text, lexicon)
            if index == len(sentences) - 1 and sentence.text.endswith(":"):
                lead_in = _LeadIn(sentence, ask, lexicon)
                if ask and len(sentence.text.split()) >= _LONG_LEAD_IN_WORDS:
                    demands.append(_demand(sentence, lexicon, ask))
                    lead_in.used = True
            elif ask:
                demands.append(_demand(sentence, lexicon, ask))
    _flush(lead_in, demands)
    return demands


def _flush(lead_in: _LeadIn | None, demands: list[Demand]) -> None:
    """A lead-in that asks with no list after it is an ask of its own."""
    if lead_in and lead_in.ask and not lead_in.used:
        demands.append(_demand(lead_in.sentence, lead_in.lexicon, lead_in.ask))


def _item_demands(item: Line, lexicon: Lexicon, lead_in: _LeadIn | None) -> list[Demand]:
    if not item.text or _URL.search(item.text):
        return []  # a reference or a link, not an ask
    sentences = split_sentences(item, lexicon)
    asked = [(s, a) for s in sentences if (a := find_ask(s.text, lexicon))]
    if len(asked) >= 2:
        return [_demand(sentence, lexicon, ask) for sentence, ask in asked]
    if lead_in and lead_in.ask:
        score, cue = lead_in.ask.score * _UNDER_LEAD_IN, lead_in.ask.cue
        inherited = Ask(score, cue, 0, 0, lead_in.ask.addressee, kind="lead-in")
        return [_demand(item, lexicon, asked[0][1] if asked else inherited)]
    if asked:
        return [_demand(item, lexicon, asked[0][1])]
    if lead_in and imperative_or_infinitive(item.text, lexicon):
        return [_demand(item, lexicon, Ask(_VERB_ITEM_SCORE, "list item", 0, 0, kind="list item"))]
    return []


def _paragraph_lexicon(text: str, letter_language: str) -> Lexicon:
    code = detect_language(text, letter_language, min_evidence=_MIN_LANGUAGE_EVIDENCE)
    return all_lexicons()[code]


def _demand(piece: Line, lexicon: Lexicon, ask: Ask) -> Demand:
    text = fold_whitespace(piece.text)
    # The action asked for follows the cue ("we urge you to *lift*"); an imperative or
    # an item under a lead-in names it from its first word.
    cue_end = ask.end if ask.kind in ("cue", "impersonal", "modal") else None
    return Demand(
        text=text,
        title=demand_title(text, lexicon, cue_end),
        span=piece.span,
        confidence=ask.confidence,
        score=round(ask.score, 2),
        cue=ask.cue,
        language=lexicon.code,
        addressee=ask.addressee,
    )


def _list_item_text(line: Line, lexicon: Lexicon) -> Line:
    """The item without its list marker, trailing punctuation or joining word."""
    marker = re.match(r"^\S+\s+", line.text)
    text = line.text[marker.end() :] if marker else line.text
    connectors = "|".join(re.escape(c) for c in lexicon.list_connectors)
    text = re.sub(rf"(?:[;,]\s*(?:{connectors})?|\s+(?:{connectors}))$", "", text.rstrip())
    return Line(text, line.start + (marker.end() if marker else 0))
