"""Per-language word lists for the letter parser, kept as data.

Each ``<code>.json`` file beside this module describes one language. Adding a
language means adding a JSON file with the same keys; no code changes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Lexicon:
    code: str
    stopwords: frozenset[str]
    months: dict[str, int]
    ordinal_suffixes: tuple[str, ...]
    date_connectors: tuple[str, ...]
    page_words: tuple[str, ...]
    salutations: tuple[str, ...]
    closings: tuple[str, ...]
    honorifics: tuple[str, ...]
    titles: tuple[str, ...]
    institution_words: tuple[str, ...]
    organisation_words: tuple[str, ...]
    cc_markers: tuple[str, ...]
    subject_markers: tuple[str, ...]
    to_markers: tuple[str, ...]
    skip_line_markers: tuple[str, ...]
    demand_patterns: tuple[str, ...]
    non_demand_patterns: tuple[str, ...]
    infinitive_markers: tuple[str, ...]
    title_stop_words: tuple[str, ...]
    title_trailing_words: tuple[str, ...]
    abbreviations: tuple[str, ...]
    list_connectors: tuple[str, ...]
    # How a sentence asks (see tracker.domain.letter_parsing.asks).
    modal_patterns: tuple[str, ...]
    impersonal_patterns: tuple[str, ...]
    imperative_verbs: tuple[str, ...]
    verb_endings: tuple[str, ...]
    negations: tuple[str, ...]
    relative_words: tuple[str, ...]
    conditional_words: tuple[str, ...]
    sender_words: tuple[str, ...]
    addressee_words: tuple[str, ...]
    modal_adverbs: tuple[str, ...]
    adverb_endings: tuple[str, ...]
    clause_joiners: tuple[str, ...]
    determiners: tuple[str, ...]
    passive_auxiliaries: tuple[str, ...]
    behalf_markers: tuple[str, ...]
    # Where the signature zone starts and ends, and who else the letter names.
    signature_markers: tuple[str, ...]
    closing_phrases: tuple[str, ...]
    notes_markers: tuple[str, ...]
    attention_markers: tuple[str, ...]
    headline_markers: tuple[str, ...]
    organisation_list_words: tuple[str, ...]


def _load(code: str, raw: dict) -> Lexicon:
    fields = {name: tuple(raw[name]) for name in Lexicon.__dataclass_fields__ if name in raw}
    patterns = ("demand_patterns", "non_demand_patterns", "modal_patterns", "impersonal_patterns")
    for pattern in (p for name in patterns for p in raw[name]):
        re.compile(pattern)  # fail at load time, not in the middle of a parse
    return Lexicon(
        **{
            **fields,
            "code": code,
            "stopwords": frozenset(word.lower() for word in raw["stopwords"]),
            "months": {name.lower(): number for name, number in raw["months"].items()},
        }
    )


@cache
def all_lexicons() -> dict[str, Lexicon]:
    """Every lexicon shipped with the package, keyed by language code."""
    lexicons = {}
    for entry in sorted(resources.files(__package__).iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            code = entry.name.removesuffix(".json")
            lexicons[code] = _load(code, json.loads(entry.read_text(encoding="utf-8")))
    return lexicons


_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def detect_language(text: str, default: str = "en", *, min_evidence: int = 1) -> str:
    """The language whose stopwords occur most often in ``text``.

    ``default`` when fewer than ``min_evidence`` stopwords of the best language occur,
    or when two languages tie: a short paragraph says too little to overrule it.
    """
    words = [w.lower() for w in _WORD.findall(text)]
    scores = {
        code: sum(word in lexicon.stopwords for word in words)
        for code, lexicon in all_lexicons().items()
    }
    ranked = sorted(scores, key=lambda code: scores[code], reverse=True)
    if not ranked or scores[ranked[0]] < min_evidence:
        return default
    if len(ranked) > 1 and scores[ranked[0]] == scores[ranked[1]] and default in ranked[:2]:
        return default
    return ranked[0]


def union(field: str) -> tuple[str, ...]:
    """One field merged over all languages (markers and honorifics cross languages)."""
    merged: dict[str, None] = {}
    for lexicon in all_lexicons().values():
        for item in getattr(lexicon, field):
            merged[item] = None
    return tuple(merged)


def all_months() -> dict[str, int]:
    months: dict[str, int] = {}
    for lexicon in all_lexicons().values():
        months.update(lexicon.months)
    return months
