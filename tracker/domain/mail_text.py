"""Folding a reply's quoted history and signature away from what the sender wrote."""

from __future__ import annotations

import re
from dataclasses import dataclass

# The line mail programs put above the quoted message, in English, French and Spanish.
ATTRIBUTION = re.compile(
    r"^(on .{0,200} wrote:|le .{0,200} a écrit\s?:|el .{0,200} escribió:"
    r"|-{2,}\s*(original message|message d'origine|mensaje original)\s*-{2,}"
    r"|_{10,})\s*$",
    re.IGNORECASE,
)
# A forwarded or quoted header block starts with a From: line (De : / De:).
QUOTED_HEADER = re.compile(r"^(from|de|von)\s?:\s.+@", re.IGNORECASE)
SIGNATURE = re.compile(r"^(-- ?|—)$")


@dataclass(frozen=True)
class FoldedText:
    written: str
    folded: str


def fold(text: str) -> FoldedText:
    """Split `text` where the quoted history or the signature starts."""
    lines = text.replace("\r\n", "\n").split("\n")
    for index, line in enumerate(lines):
        stripped = line.strip()
        if (
            ATTRIBUTION.match(stripped)
            or QUOTED_HEADER.match(stripped)
            or SIGNATURE.match(line.rstrip())
            or _quote_block_starts(lines, index)
        ):
            return FoldedText("\n".join(lines[:index]).strip(), "\n".join(lines[index:]).strip())
    return FoldedText(text.strip(), "")


def _quote_block_starts(lines: list[str], index: int) -> bool:
    """A run of '>' lines that lasts to the end (bar blank lines and a signature)."""
    if not lines[index].startswith(">"):
        return False
    rest = [line for line in lines[index:] if line.strip()]
    return all(line.startswith(">") or SIGNATURE.match(line.rstrip()) for line in rest[:50])
