"""Propose the parts of an advocacy letter: date, addressees, cc, subject, signatories, demands.

``parse_letter`` works on the normalised text (see ``tracker.domain.letter_parsing.text``);
every item it finds carries the ``span`` (start, end) of the passage it came from in
``ParsedLetter.source_text`` so that a review screen can highlight it. Words are
language data (``tracker/domain/lexicons/*.json``); the letter's language is detected
from its text.

Modules, one job each:

* ``model``: the frozen results (``ParsedLetter`` and its items);
* ``lines``, ``phrases``: lines with offsets; matching lexicon phrases in them;
* ``zones``: where the header, body and signature zones lie;
* ``dates``, ``header``, ``cc``, ``signatories``, ``demands`` (with ``sentences``):
  what each zone proposes; ``named_elsewhere`` the addressee of a letter without an
  address block (attention line, headline, salutation); ``people`` recognises the
  persons they name;
* ``asks``: whether a sentence asks someone to act, how surely (``Demand.confidence``,
  ``score``, ``cue``) and whom; ``titles``: a demand's short title;
* ``parse``: ``parse_letter``, which puts these together.
"""

from tracker.domain.letter_parsing.model import (
    Demand,
    LetterDate,
    Official,
    ParsedLetter,
    Signatory,
    Span,
    Subject,
)
from tracker.domain.letter_parsing.parse import parse_letter

__all__ = [
    "Demand",
    "LetterDate",
    "Official",
    "ParsedLetter",
    "Signatory",
    "Span",
    "Subject",
    "parse_letter",
]
