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

from sqlalchemy import func, literal, select

from tracker.extensions import db
from tracker.models import Letter, Official, Recipient
from tracker.queries.dashboard.scope import (
    Scope,
    acknowledged_only,
    answered,
    answered_on_time,
    expected,
    letter_in_scope,
)
from tracker.queries.dashboard.sql import count_if, days_from, median_by

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


def _key(dimension: str):
    if dimension == "official":
        return Recipient.official_id
    if dimension == "institution":
        return func.coalesce(Official.institution, "")
    return func.coalesce(Official.country, "")


def _counts(scope: Scope, dimension: str):
    key = _key(dimension).label("key")
    name = func.max(Official.name) if dimension == "official" else func.max(literal(""))
    country = func.max(Official.country) if dimension == "official" else func.max(literal(""))
    return (
        select(
            key,
            name.label("name"),
            country.label("country"),
            func.count().label("expected"),
            count_if(answered()).label("answered"),
            count_if(answered_on_time()).label("on_time"),
            count_if(acknowledged_only()).label("acknowledged_only"),
            func.max(
                func.coalesce(Recipient.responded_on, Recipient.acknowledged_on, Letter.sent_on)
            ).label("last_contact"),
        )
        .join(Letter, Letter.id == Recipient.letter_id)
        .join(Official, Official.id == Recipient.official_id)
        .where(letter_in_scope(scope), expected())
        .group_by(key)
    )


def _medians(scope: Scope, dimension: str) -> dict[str, float]:
    waits = (
        select(
            _key(dimension).label("key"),
            days_from(Recipient.responded_on, Letter.sent_on).label("days"),
        )
        .join(Letter, Letter.id == Recipient.letter_id)
        .join(Official, Official.id == Recipient.official_id)
        .where(letter_in_scope(scope), answered())
    )
    medians = db.session.execute(median_by(waits, "days", ("key",)))
    return {str(key): median for key, median in medians}


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
) -> WhomTable:
    """Two queries: the counts per group and the medians per group."""
    medians = _medians(scope, dimension)
    rows = []
    for row in db.session.execute(_counts(scope, dimension)):
        key = str(row.key)
        name = row.name if dimension == "official" else (row.key or "Not recorded")
        rows.append(
            WhomRow(
                key=key,
                name=name,
                country=row.country or None if dimension == "official" else None,
                expected=row.expected,
                answered=row.answered,
                on_time=row.on_time,
                acknowledged_only=row.acknowledged_only,
                median_days=medians.get(key),
                last_contact=row.last_contact,
            )
        )
    ranked = [row for row in rows if row.expected >= min_sample]
    small = [row for row in rows if row.expected < min_sample]
    small.sort(key=lambda row: (-row.expected, row.name.casefold(), row.key))
    return WhomTable(dimension, _order(ranked, sort, descending), small, min_sample)
