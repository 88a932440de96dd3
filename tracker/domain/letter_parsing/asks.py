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
_OPENING_PUNCTUATION = "\u00a1\u00bf\"'\u201c\u2018(,:"
# French elides its infinitive markers: "d'abandonner", "qu'ils cessent".
_ELIDED_MARKERS = ("d'", "d\u2019", "qu'", "qu\u2019")


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
    if refusal and refusal.start() < ask.end:
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
    asked = _asked(text, match, lexicon)
    return Ask(_CUE, match.group(0).strip(), match.start(), match.end(), asked)


def _impersonal_ask(text: str, lexicon: Lexicon) -> Ask | None:
    match = _first_match(lexicon.impersonal_patterns, text)
    if not match:
        return None
    return Ask(_IMPERSONAL, match.group(0).strip(), match.start(), match.end(), kind="impersonal")


def _modal_ask(text: str, lexicon: Lexicon) -> Ask | None:
    for match in _pattern(lexicon.modal_patterns).finditer(text):
        subject = _modal_subject(text[: match.start()], lexicon)
        if not subject or _subject_word(subject, lexicon) in _words(lexicon.sender_words):
            continue  # no subject, a supposition, or the senders' own duty ("we must")
        if any(w in _words(lexicon.addressee_words) for w in subject):
            score = _ADDRESSEE_MODAL
        elif _is_passive_or_predicate(text[match.end() :], lexicon):
            score = _OTHER_MODAL  # "they should be rejected": someone should act
        else:
            continue  # "this debate should not slow us down" describes, asks no one
        return Ask(score, match.group(0).strip(), match.start(), match.end(), kind="modal")
    return None


def _modal_subject(before: str, lexicon: Lexicon) -> list[str]:
    """The words of the modal's subject: after the last clause break or relative word."""
    words = [w.lower() for w in _WORD.findall(_clause_before(before))]
    if words and words[0] in _words(lexicon.conditional_words):
        return []  # "if it should ...", "should you wish ..." suppose
    relatives = [i for i, w in enumerate(words) if w in _words(lexicon.relative_words)]
    return words[relatives[-1] + 1 :] if relatives else words


def _is_passive_or_predicate(after: str, lexicon: Lexicon) -> bool:
    """After the modal, "be" and a participle or adjective, not "be a priority"."""
    words = [w.lower() for w in _WORD.findall(after)[:3]]
    if words[:1] == ["not"] or (words and words[0] in _words(lexicon.negations)):
        words = words[1:]
    auxiliaries = _words(lexicon.passive_auxiliaries)
    return (
        len(words) > 1 and words[0] in auxiliaries and words[1] not in _words(lexicon.determiners)
    )


def _imperative_ask(text: str, lexicon: Lexicon) -> Ask | None:
    words = [w.lower().strip(_OPENING_PUNCTUATION) for w in text.split()[:4]]
    opener = next((i for i, w in enumerate(text.split()[:3]) if w.endswith(",")), None)
    if opener is not None:  # "Par ailleurs, suspendez ...", "Finally, release ..."
        words = [w.lower().strip(_OPENING_PUNCTUATION) for w in text.split()[opener + 1 :][:4]]
    if words and words[0] in _words(lexicon.negations) and len(words) > 1:
        words = words[1:]  # "No haga caso", "Ne laissez pas"
    # A heading ("Support encryption") restates an ask; a sentence ends with its stop.
    if len(words) < 2 or not text.rstrip().endswith((".", "!", ";")):
        return None
    if words[0] not in _words(lexicon.imperative_verbs):
        return None
    # "Release him", "Continúe su labor": the verb takes an object, or speaks to the
    # reader; "Open models can ..." and "Take down notices ..." are nouns.
    addressed = any(w in _words(lexicon.addressee_words) for w in words[1:])
    if not (addressed or text.rstrip().endswith("!") or words[1] in _words(lexicon.determiners)):
        return None
    cue = " ".join(text.split()[:2])
    return Ask(_IMPERATIVE, cue, 0, len(cue), kind="imperative")


def _asked(text: str, cue: re.Match[str], lexicon: Lexicon) -> str | None:
    """A third party the cue asks ("call on *the international community* to")."""
    words = text[cue.end() :].split()[:_ADDRESSEE_WORDS]
    markers = _words(lexicon.infinitive_markers)
    for i, word in enumerate(words):
        bare = word.lower().strip(",;:")
        if bare in markers or bare.startswith(_ELIDED_MARKERS):
            asked = " ".join(words[:i]).strip(" ,")
            # "je vous prie donc, M. le Ministre, de": the letter's own addressee.
            if not asked or "," in asked or not asked[:1].isalpha():
                return None
            first = asked.lower().split()[0]
            if first in _words(lexicon.addressee_words) or first in _words(lexicon.modal_adverbs):
                return None
            return asked
    return None


_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)?")


def _subject_word(clause: list[str], lexicon: Lexicon) -> str:
    """The last word before the modal that is not an adverb ("you *also* need to")."""
    adverbs, endings = _words(lexicon.modal_adverbs), tuple(lexicon.adverb_endings)
    for word in reversed(clause):
        if word not in adverbs and not (len(word) > 5 and word.endswith(endings)):
            return word
    return ""


def _clause_before(text: str) -> str:
    # The subject of a modal sits after the last comma, dash or semicolon before it.
    return re.split(r"[,;:\u2013\u2014()]|\s-\s", text)[-1]


def _first_word(text: str) -> str:
    words = text.split()
    return words[0].lower().strip(_OPENING_PUNCTUATION) if words else ""


def _first_match(patterns: tuple[str, ...], text: str) -> re.Match[str] | None:
    return _pattern(patterns).search(text) if patterns else None


@cache
def _pattern(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns) or r"(?!)", re.IGNORECASE)


@cache
def _words(words: tuple[str, ...]) -> frozenset[str]:
    return frozenset(w.lower() for w in words)
