"""By whom: responsiveness per official, per institution and per country.

Counts recipients expected to answer (not letters): a real answer is a substantive reply
or a refusal (`responded_on`); an acknowledgement with nothing after it is counted
apart, never as an answer. Groups with fewer expected answers than the minimum sample
(setting TRACKER_MIN_SAMPLE, default 5) are listed apart rather than ranked: two
letters say little about anyone. Ranked rows sort by answer rate (least responsive
first, by default) or by volume.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tracker.queries.dashboard.passes import OfficialCounts, Passes, median_of, merge_counts
from tracker.queries.dashboard.scope import Scope

DIMENSIONS = ("official", "institution", "country")
WHOM_SORTS = ("rate", "volume", "name")


@dataclass(frozen=True)
class WhomRow:
    key: str  # official id, institution or country ("" when unknown)
    name: str
    country: str | None  # the official's country; None for the other dimensions
    expected: int  # recipients expected to answer
    answered: int
    on_time: int
    acknowledged_only: int
    median_days: float | None
    last_contact: date | None

    @property
    def answer_rate(self) -> float | None:
        return self.answered / self.expected if self.expected else None

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.expected if self.expected else None


@dataclass(frozen=True)
class WhomTable:
    dimension: str
    ranked: list[WhomRow]  # at least the minimum sample, in the chosen order
    small: list[WhomRow]  # below it, most expected answers first
    min_sample: int


def _key(dimension: str, official: OfficialCounts) -> str:
    if dimension == "official":
        return str(official.official_id)
    if dimension == "institution":
        return official.institution or ""
    return official.country or ""


def _grouped(dimension: str, passes: Passes) -> list[WhomRow]:
    """Officials' counts added up per group (one official per group for "official")."""
    members: dict[str, list[OfficialCounts]] = {}
    for official in passes.officials.values():
        members.setdefault(_key(dimension, official), []).append(official)
    rows = []
    for key, group in members.items():
        first = group[0]
        contacts = [member.last_contact for member in group if member.last_contact]
        waits = merge_counts(passes.waits.get(member.official_id, {}) for member in group)
        rows.append(
            WhomRow(
                key=key,
                name=first.name if dimension == "official" else (key or "Not recorded"),
                country=first.country or None if dimension == "official" else None,
                expected=sum(member.expected for member in group),
                answered=sum(member.answered for member in group),
                on_time=sum(member.on_time for member in group),
                acknowledged_only=sum(member.acknowledged_only for member in group),
                median_days=median_of(waits),
                last_contact=max(contacts, default=None),
            )
        )
    return rows


def _order(rows: list[WhomRow], sort: str, descending: bool) -> list[WhomRow]:
    by_name = sorted(rows, key=lambda row: (row.name.casefold(), row.key))
    if sort == "name":
        return list(reversed(by_name)) if descending else by_name
    # Ties keep the name order whichever way the measure sorts.
    if sort == "volume":
        return sorted(by_name, key=lambda row: row.expected, reverse=descending)
    return sorted(by_name, key=lambda row: row.answer_rate or 0.0, reverse=descending)


def responsiveness(
    scope: Scope,
    dimension: str,
    min_sample: int,
    sort: str = "rate",
    descending: bool = False,
    passes: Passes | None = None,
) -> WhomTable:
    """The per-official counts and answer times, grouped by `dimension`."""
    rows = _grouped(dimension, passes or Passes(scope))
    ranked = [row for row in rows if row.expected >= min_sample]
    small = [row for row in rows if row.expected < min_sample]
    small.sort(key=lambda row: (-row.expected, row.name.casefold(), row.key))
    return WhomTable(dimension, _order(ranked, sort, descending), small, min_sample)
