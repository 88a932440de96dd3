"""What ``parse_letter`` proposes: the parts of a letter, each with the span it came from.

A span is (start, end) in ``ParsedLetter.source_text``, so that a review screen can
highlight the passage; ``to_dict`` gives the plain values without spans.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

Span = tuple[int, int]


@dataclass(frozen=True)
class LetterDate:
    value: date
    span: Span


@dataclass(frozen=True)
class Subject:
    text: str
    span: Span


@dataclass(frozen=True)
class Official:
    """An addressee or a person in copy."""

    name: str | None
    title: str | None
    institution: str | None
    address: str | None
    span: Span

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "title": self.title,
            "institution": self.institution,
            "address": self.address,
        }


@dataclass(frozen=True)
class Signatory:
    name: str | None
    title: str | None
    organisation: str | None
    span: Span

    def to_dict(self) -> dict:
        return {"name": self.name, "title": self.title, "organisation": self.organisation}


@dataclass(frozen=True)
class Demand:
    """A proposed demand, with how sure the parser is and why.

    ``confidence`` is "likely" (a review screen may tick it) or "possible" (left for
    staff to tick); ``score`` is the same in [0, 1]; ``cue`` the words that made the
    passage an ask; ``language`` the code of the lexicon it was read with; ``addressee``
    a third party the demand is put to ("the international community"), when named.
    """

    text: str
    title: str
    span: Span
    confidence: str = "likely"
    score: float = 1.0
    cue: str = ""
    language: str = "en"
    addressee: str | None = None

    def to_dict(self) -> dict:
        return {"text": self.text, "title": self.title}

    def review_dict(self) -> dict:
        """``to_dict`` plus what a reviewer needs to confirm the proposal."""
        return {
            **self.to_dict(),
            "confidence": self.confidence,
            "score": self.score,
            "cue": self.cue,
            "language": self.language,
            "addressee": self.addressee,
        }


@dataclass(frozen=True)
class ParsedLetter:
    source_text: str
    language: str
    date: LetterDate | None
    subject: Subject | None
    addressees: tuple[Official, ...]
    cc: tuple[Official, ...]
    signatories: tuple[Signatory, ...]
    demands: tuple[Demand, ...]

    def to_dict(self, *, for_review: bool = False) -> dict:
        """Plain values; ``for_review`` adds each demand's confidence, cue and language."""
        return {
            "date": self.date.value.isoformat() if self.date else None,
            "subject": self.subject.text if self.subject else None,
            "addressees": [a.to_dict() for a in self.addressees],
            "cc": [c.to_dict() for c in self.cc],
            "signatories": [s.to_dict() for s in self.signatories],
            "demands": [d.review_dict() if for_review else d.to_dict() for d in self.demands],
        }
