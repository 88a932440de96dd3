"""Filters of the letters list: one typed field per query arg, parsed or reported.

To add a filter: add a field to LetterFilters (its `metadata["parse"]` turns one query
arg into a value or raises ValueError) and a clause in letter_query's `_conditions`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from typing import Any

from tracker.domain.bounds import parse_date, parse_positive
from tracker.models import DEMAND_OUTCOMES
from tracker.queries.dashboard.links import RECIPIENT_FIGURES

LETTER_STATES = ("draft", "awaiting", "overdue", "responded", "closed")
SORTS = ("reference", "subject", "sent_on", "due_on", "overdue")
DIRECTIONS = ("asc", "desc")


def _one_of(values: tuple[str, ...]) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if raw not in values:
            raise ValueError(f"must be one of {', '.join(values)}")
        return raw

    return parse


def _yes(raw: str) -> bool:
    if raw not in ("1", "yes"):
        raise ValueError("must be 1 or yes")
    return True


def _text(raw: str) -> str:
    return " ".join(raw.split())[:200]


def _query_value(value: Any) -> str:
    """A filter's value as its query arg parses it back (a bool as "1", not "True")."""
    if isinstance(value, bool):
        return "1"
    return value.isoformat() if isinstance(value, date) else str(value)


def _filter(parse: Callable[[str], Any], default: Any = None, label: str = "") -> Any:
    """A dataclasses.field carrying its query-arg parser (ruff cannot tell: RUF009)."""
    return field(default=default, metadata={"parse": parse, "label": label})


@dataclass(frozen=True)
class LetterFilters:
    q: str = _filter(_text, "", "Search")
    campaign: int | None = _filter(parse_positive, label="Campaign")
    official: int | None = _filter(parse_positive, label="Official")
    owner: int | None = _filter(parse_positive, label="Owner")
    watcher: int | None = _filter(parse_positive, label="Watcher")
    state: str | None = _filter(_one_of(LETTER_STATES), label="State")
    sent_from: date | None = _filter(parse_date, label="Sent from")  # noqa: RUF009
    sent_to: date | None = _filter(parse_date, label="Sent until")  # noqa: RUF009
    outcome: str | None = _filter(_one_of(DEMAND_OUTCOMES), label="Demand outcome")
    # The dashboard's figures link here with these (tracker.queries.dashboard.scope defines them).
    sent: bool = _filter(_yes, False, "Sent letters only")
    involving: int | None = _filter(parse_positive, label="Owned or watched by")
    recipient: str | None = _filter(_one_of(RECIPIENT_FIGURES), label="A recipient is")
    overdue_min: int | None = _filter(parse_positive, label="Overdue at least (days)")
    overdue_max: int | None = _filter(parse_positive, label="Overdue at most (days)")
    responded_from: date | None = _filter(parse_date, label="Response from")  # noqa: RUF009
    responded_to: date | None = _filter(parse_date, label="Response until")  # noqa: RUF009
    addressee: int | None = _filter(parse_positive, label="Counted recipient is official")
    institution: str | None = _filter(_text, label="Counted recipient's institution")
    country: str | None = _filter(_text, label="Counted recipient's country")
    won: bool = _filter(_yes, False, "A demand met or accepted")
    sort: str = _filter(_one_of(SORTS), "sent_on", "Sort by")
    dir: str = _filter(_one_of(DIRECTIONS), "desc", "Direction")
    page: int = _filter(parse_positive, 1, "Page")

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> tuple[LetterFilters, dict[str, str]]:
        """Filters from query args, and {arg: message} for values that were ignored."""
        values: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for spec in fields(cls):
            raw = (args.get(spec.name) or "").strip()
            if not raw:
                continue
            try:
                values[spec.name] = spec.metadata["parse"](raw)
            except ValueError as error:
                label = spec.metadata["label"]
                errors[spec.name] = f"{label}: {raw!r} is not valid ({error}); ignored."
        return cls(**values), errors

    def to_query_args(self, **overrides: Any) -> dict[str, str]:
        """Query args for url_for, leaving out defaults; `overrides` replace fields."""
        current = replace(self, **overrides) if overrides else self
        args = {}
        for spec in fields(current):
            value = getattr(current, spec.name)
            if value is not None and value != spec.default and value != "":
                args[spec.name] = _query_value(value)
        return args

    def hidden_args(self, shown: tuple[str, ...]) -> dict[str, str]:
        """The filters in force that the form does not show (the dashboard's), to keep."""
        return {k: v for k, v in self.to_query_args().items() if k not in shown}

    def shown_args(self, shown: tuple[str, ...]) -> dict[str, str]:
        """The query args of the filters the form shows, from the first page."""
        return {k: v for k, v in self.to_query_args(page=1).items() if k in shown}

    def hidden_labels(self, shown: tuple[str, ...]) -> list[str]:
        """ "Label: value" for each filter in force that the form does not show."""
        labels = {spec.name: spec.metadata["label"] for spec in fields(self)}
        return [
            labels[name] if value == "1" and name == "sent" else f"{labels[name]}: {value}"
            for name, value in self.hidden_args(shown).items()
        ]

    def is_filtered(self) -> bool:
        ignored = {"sort", "dir", "page"}
        return any(key not in ignored for key in self.to_query_args())
