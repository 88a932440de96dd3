"""The normalised letter as lines that remember where they start in the source text."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Line:
    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    @property
    def span(self) -> tuple[int, int]:
        return (self.start, self.end)

    def blanked(self) -> Line:
        """This line emptied, so that block detection treats it as a separator."""
        return Line("", self.start)

    def after(self, index: int, chars: str | None = None) -> Line:
        """The rest of the line from ``index``, with leading ``chars`` (default: spaces) dropped."""
        rest = self.text[index:].lstrip(chars)
        return Line(rest, self.end - len(rest))


def split_lines(text: str) -> list[Line]:
    lines, offset = [], 0
    for raw in text.split("\n"):
        lines.append(Line(raw, offset))
        offset += len(raw) + 1
    return lines


def blocks(lines: list[Line]) -> list[list[Line]]:
    """Runs of non-blank lines."""
    found: list[list[Line]] = [[]]
    for line in lines:
        if line.text:
            found[-1].append(line)
        elif found[-1]:
            found.append([])
    return [block for block in found if block]
