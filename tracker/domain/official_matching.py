"""Match a name found in a letter against the officials already in the directory.

Letters and the directory write the same person differently: "H.E. Mr. Donald J.
Trump", "Donald Trump", "DONALD TRUMP", "Dr. José Ramos-Horta" and "Jose Ramos Horta".
``name_key`` reduces a name to what identifies the person: no honorifics (from
every lexicon), no middle initials, no case, punctuation or accents.

``match_official`` then looks for, in this order:

1. officials whose key equals the name's key (an *exact* match);
2. failing that, officials with the same surname and the same first initial (a
   *similar* match: "D. Trump", "Donald John Trump").

Staff always confirm a match; a similar match is only a proposal.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from tracker.domain.lexicons import union

EXACT = "exact"
SIMILAR = "similar"

_NOT_WORD = re.compile(r"[^\w]+")


def _fold(text: str) -> str:
    """Lower case, accents and punctuation gone, apostrophes dropped inside words."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    bare = re.sub(r"['\u2019]", "", bare.casefold())
    return " ".join(_NOT_WORD.sub(" ", bare).replace("_", " ").split())


def search_text(text: str) -> str:
    """A name as the directory search compares it: words in lower case, without accents."""
    return _fold(text or "")


@cache
def _honorifics() -> tuple[tuple[str, ...], ...]:
    """Every honorific as folded words, longest first ("the right honourable" before "the").

    One that folds to a single letter (French "M.") is left out: folded, it cannot be
    told from an initial, and "M. Dupont" is better kept as a similar match for "Marc Dupont".
    """
    folded = {tuple(_fold(phrase).split()) for phrase in union("honorifics")}
    kept = (words for words in folded if words and words != (words[0][:1],))
    return tuple(sorted(kept, key=len, reverse=True))


def _without_honorifics(words: list[str]) -> list[str]:
    stripped = True
    while stripped:
        stripped = False
        for honorific in _honorifics():
            size = len(honorific)
            # Keep at least one word: "Don" alone may be a first name, not a title.
            if len(words) > size and tuple(words[:size]) == honorific:
                words = words[size:]
                stripped = True
                break
    return words


def name_key(name: str) -> tuple[str, ...]:
    """The words that identify a person, comparable across spellings of the name."""
    words = _without_honorifics(_fold(name or "").split())
    if len(words) > 2:
        words = [words[0], *(w for w in words[1:-1] if len(w) > 1), words[-1]]
    return tuple(words)


def _surname_and_initial(key: tuple[str, ...]) -> tuple[str, str] | None:
    if len(key) < 2:
        return None
    return key[-1], key[0][0]


@dataclass(frozen=True)
class Match:
    """The officials a name matches, best first, and how (EXACT or SIMILAR)."""

    kind: str | None
    official_ids: tuple[int, ...] = ()

    @property
    def best(self) -> int | None:
        return self.official_ids[0] if self.official_ids else None


NO_MATCH = Match(None)


def match_official(name: str, directory: Iterable[tuple[int, str]]) -> Match:
    """Match ``name`` against (id, name) pairs from the directory."""
    key = name_key(name)
    if not key:
        return NO_MATCH
    initial = _surname_and_initial(key)
    exact: list[int] = []
    similar: list[int] = []
    for official_id, official_name in directory:
        candidate = name_key(official_name)
        if candidate == key:
            exact.append(official_id)
        elif initial is not None and _surname_and_initial(candidate) == initial:
            similar.append(official_id)
    if exact:
        return Match(EXACT, tuple(exact))
    if similar:
        return Match(SIMILAR, tuple(similar))
    return NO_MATCH
