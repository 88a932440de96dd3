"""Deciding whether a sentence asks someone to act, how surely, and whom.

A sentence is read for what it does, in this order:

1. a *non-ask* (thanks, hopes, "we look forward to your reply", reported asks, an
   invitation to read material) that comes before any ask rules the sentence out;
2. a *cue*: the senders asking in the first person, whatever the verb's form ("we urge",
   "to ask you to", "nous vous demandons", "venimos a exigir");
3. an *impersonal* ask: "it is essential that ...", "il est impératif que ...";
4. a *modal*: "X should / must / need to / doit / debe ...", surer when X is the
   addressee ("you", "your government", "the authorities") than when it is a thing;
   the senders' own duties ("we must"), relative clauses and past regrets are no asks;
5. an *imperative*: the sentence opens with an action verb ("Release him", "Continúe").

Every pattern and word comes from the lexicon of the paragraph's language; this module
only knows the order and the weights.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from tracker.domain.lexicons import Lexicon

LIKELY_FROM = 0.7
_CUE, _IMPERSONAL, _ADDRESSEE_MODAL, _OTHER_MODAL, _IMPERATIVE = 0.9, 0.8, 0.85, 0.6, 0.75
_SUBJECT_WORDS = 6  # how far before a modal to look for its subject
_ADDRESSEE_WORDS = 8  # how far after a cue verb to look for whom it asks


@dataclass(frozen=True)
class Ask:
    score: float
    cue: str  # the words that made the sentence an ask, as written
    start: int  # where the cue starts in the sentence
    end: int
    addressee: str | None = None  # a third party asked, when the letter names one
    kind: str = "cue"  # cue, impersonal, modal, imperative, lead-in, list item

    @property
    def confidence(self) -> str:
        return "likely" if self.score >= LIKELY_FROM else "possible"


def find_ask(text: str, lexicon: Lexicon) -> Ask | None:
    """The ask made by ``text``, or None when it makes none."""
    ask = (
        _cue_ask(text, lexicon)
        or _impersonal_ask(text, lexicon)
        or _modal_ask(text, lexicon)
        or _imperative_ask(text, lexicon)
    )
    if ask is None:
        return None
    refusal = _first_match(lexicon.non_demand_patterns, text)
    if refusal and refusal.start() <= ask.start:
        # "We welcome ... and urge you to" still asks: a cue in a later clause stands.
        later_clause = _joins_clauses(text[refusal.end() : ask.start], lexicon)
        if ask.score < _CUE or not later_clause:
            return None
    return ask


def _joins_clauses(text: str, lexicon: Lexicon) -> bool:
    return bool(re.search(r"[,;]", text)) or any(
        w in _words(lexicon.clause_joiners) for w in text.lower().split()
    )


def imperative_or_infinitive(text: str, lexicon: Lexicon) -> bool:
    """Whether ``text`` opens with a verb: an imperative, an infinitive or a gerund."""
    first = _first_word(text)
    if not first:
        return False
    if first in _words(lexicon.imperative_verbs):
        return True
    return len(first) > 4 and first.endswith(tuple(lexicon.verb_endings))


def _cue_ask(text: str, lexicon: Lexicon) -> Ask | None:
    match = _first_match(lexicon.demand_patterns, text)
    if not match:
        return None
    return Ask(_CUE, match.group(0).strip(), match.start(), match.end(), _asked(text, match, lexicon))


def _impersonal_ask(text: str, lexicon: Lexicon) -> Ask | None:
    match = _first_match(lexicon.impersonal_patterns, text)
    if not match:
        return None
    return Ask(_IMPERSONAL, match.group(0).strip(), match.start(), match.end(), kind="impersonal")


def _modal_ask(text: str, lexicon: Lexicon) -> Ask | None:
    for match in _pattern(lexicon.modal_patterns).finditer(text):
        clause = re.findall(r"[^\W\d_]+(?:['’][^\W\d_]+)?", _clause_before(text[: match.start()]))
        clause = [w.lower() for w in clause]
        if not clause or clause[-1] in _words(lexicon.relative_words):
            continue  # "governments that should ..." describes them
        if clause[0] in _words(lexicon.conditional_words):
            continue  # "if it should ..." supposes
        if _subject_word(clause, lexicon) in _words(lexicon.sender_words):
            continue  # "we must" is the senders' own duty
        subject = clause[-_SUBJECT_WORDS:]
        addressed = any(w in _words(lexicon.addressee_words) for w in subject)
        score = _ADDRESSEE_MODAL if addressed else _OTHER_MODAL
        return Ask(score, match.group(0).strip(), match.start(), match.end(), kind="modal")
    return None


def _imperative_ask(text: str, lexicon: Lexicon) -> Ask | None:
    words = text.split()
    opening = [w.lower().strip("¡¿\"'“‘(,") for w in words[:2]]
    if opening and opening[0] in _words(lexicon.negations) and len(opening) > 1:
        opening = opening[1:]  # "No haga caso", "Ne laissez pas"
    # A heading ("Support encryption") restates an ask; a sentence ends with its stop.
    if not text.rstrip().endswith((".", "!", ";")):
        return None
    if opening and opening[0] in _words(lexicon.imperative_verbs):
        cue = " ".join(words[:2])
        return Ask(_IMPERATIVE, cue, 0, len(cue), kind="imperative")
    return None


def _asked(text: str, cue: re.Match[str], lexicon: Lexicon) -> str | None:
    """A third party the cue asks ("call on *the international community* to")."""
    words = text[cue.end() :].split()[:_ADDRESSEE_WORDS]
    markers = _words(lexicon.infinitive_markers)
    for i, word in enumerate(words):
        bare = word.lower().strip(",;:")
        if bare in markers or bare.startswith(("d'", "d’", "qu'", "qu’")):
            asked = " ".join(words[:i]).strip(" ,")
            if not asked or asked.lower().split()[0] in _words(lexicon.addressee_words):
                return None
            return asked if asked[:1].isalpha() else None
    return None


def _subject_word(clause: list[str], lexicon: Lexicon) -> str:
    """The last word before the modal that is not an adverb ("you *also* need to")."""
    adverbs, endings = _words(lexicon.modal_adverbs), tuple(lexicon.adverb_endings)
    for word in reversed(clause):
        if word not in adverbs and not (len(word) > 5 and word.endswith(endings)):
            return word
    return ""


def _clause_before(text: str) -> str:
    # The subject of a modal sits after the last comma, dash or semicolon before it.
    return re.split(r"[,;:\u2013\u2014()]", text)[-1]


def _first_word(text: str) -> str:
    words = text.split()
    return words[0].lower().strip("¡¿\"'“‘(,:") if words else ""


def _first_match(patterns: tuple[str, ...], text: str) -> re.Match[str] | None:
    return _pattern(patterns).search(text) if patterns else None


@cache
def _pattern(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns) or r"(?!)", re.IGNORECASE)


@cache
def _words(words: tuple[str, ...]) -> frozenset[str]:
    return frozenset(w.lower() for w in words)
