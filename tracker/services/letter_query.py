"""The letters list: filters parsed from query args, and one bounded set of queries.

A page costs three queries whatever the number of letters: the rows (with their
recipient and demand figures aggregated in SQL), the total, and the addressees of
the rows on the page.

To add a filter: add a field to LetterFilters (its `metadata["parse"]` turns one query
arg into a value or raises ValueError) and a clause in `_conditions`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, case, exists, false, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from tracker.extensions import db
from tracker.models import DEMAND_OUTCOMES, Demand, Letter, Official, Recipient, letter_watchers
from tracker.stats.links import RECIPIENT_FIGURES, dashboard_conditions

LETTER_STATES = ("draft", "awaiting", "overdue", "responded", "closed")
SORTS = ("reference", "subject", "sent_on", "due_on", "overdue")
DIRECTIONS = ("asc", "desc")
PAGE_SIZE = 50


def _positive_int(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise ValueError("must be a positive number")
    return value


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


def _filter(parse: Callable[[str], Any], default: Any = None, label: str = "") -> Any:
    """A dataclasses.field carrying its query-arg parser (ruff cannot tell: RUF009)."""
    return field(default=default, metadata={"parse": parse, "label": label})


@dataclass(frozen=True)
class LetterFilters:
    q: str = _filter(_text, "", "Search")
    campaign: int | None = _filter(_positive_int, label="Campaign")
    official: int | None = _filter(_positive_int, label="Official")
    owner: int | None = _filter(_positive_int, label="Owner")
    watcher: int | None = _filter(_positive_int, label="Watcher")
    state: str | None = _filter(_one_of(LETTER_STATES), label="State")
    sent_from: date | None = _filter(date.fromisoformat, label="Sent from")  # noqa: RUF009
    sent_to: date | None = _filter(date.fromisoformat, label="Sent until")  # noqa: RUF009
    outcome: str | None = _filter(_one_of(DEMAND_OUTCOMES), label="Demand outcome")
    # The dashboard's figures link here with these (tracker.stats.scope defines them).
    sent: bool = _filter(_yes, False, "Sent letters only")
    involving: int | None = _filter(_positive_int, label="Owned or watched by")
    recipient: str | None = _filter(_one_of(RECIPIENT_FIGURES), label="A recipient is")
    overdue_min: int | None = _filter(_positive_int, label="Overdue at least (days)")
    overdue_max: int | None = _filter(_positive_int, label="Overdue at most (days)")
    responded_from: date | None = _filter(date.fromisoformat, label="Response from")  # noqa: RUF009
    responded_to: date | None = _filter(date.fromisoformat, label="Response until")  # noqa: RUF009
    sort: str = _filter(_one_of(SORTS), "sent_on", "Sort by")
    dir: str = _filter(_one_of(DIRECTIONS), "desc", "Direction")
    page: int = _filter(_positive_int, 1, "Page")

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
                args[spec.name] = value.isoformat() if isinstance(value, date) else str(value)
        return args

    def is_filtered(self) -> bool:
        ignored = {"sort", "dir", "page"}
        return any(key not in ignored for key in self.to_query_args())


@dataclass(frozen=True)
class Addressee:
    official_id: int
    name: str
    role: str


@dataclass(frozen=True)
class LetterRow:
    id: int
    reference: str
    subject: str
    status: str
    state: str
    sent_on: date | None
    next_due_on: date | None
    days_overdue: int
    demands_open: int
    demands_total: int
    addressees: tuple[Addressee, ...] = ()


@dataclass(frozen=True)
class Page:
    rows: tuple[LetterRow, ...]
    total: int
    page: int
    page_size: int

    @property
    def has_next(self) -> bool:
        return self.page * self.page_size < self.total

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _expecting() -> ColumnElement[bool]:
    return and_(Recipient.expects_answer.is_(True), Recipient.state != "withdrawn")


def _running(today: date) -> ColumnElement[bool]:
    return and_(Recipient.state == "awaiting", Recipient.paused_on.is_(None))


def _overdue(today: date) -> ColumnElement[bool]:
    return and_(_expecting(), _running(today), Recipient.due_on < today)


def _recipient_figures(today: date):
    """Per letter: next due date, oldest overdue due date, and counts for the state."""
    return (
        select(
            Recipient.letter_id.label("letter_id"),
            func.min(case((and_(_expecting(), _running(today)), Recipient.due_on))).label(
                "next_due_on"
            ),
            func.min(case((_overdue(today), Recipient.due_on))).label("overdue_since"),
            func.count(case((and_(_expecting(), Recipient.state == "awaiting"), 1))).label(
                "awaiting"
            ),
            func.count(case((_expecting(), 1))).label("expecting"),
            func.count(case((and_(_expecting(), Recipient.state == "responded"), 1))).label(
                "responded"
            ),
        )
        .group_by(Recipient.letter_id)
        .subquery("recipient_figures")
    )


def _demand_figures():
    return (
        select(
            Demand.letter_id.label("letter_id"),
            func.count().label("total"),
            func.count(case((Demand.outcome == "open", 1))).label("open"),
        )
        .group_by(Demand.letter_id)
        .subquery("demand_figures")
    )


def _has_recipient(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists().where(Recipient.letter_id == Letter.id, *conditions)


def _state_condition(state: str, today: date) -> ColumnElement[bool]:
    sent = Letter.status == "sent"
    overdue = _has_recipient(_overdue(today))
    if state in ("draft", "closed"):
        return Letter.status == state
    if state == "overdue":
        return and_(sent, overdue)
    if state == "awaiting":
        return and_(sent, _has_recipient(_expecting(), Recipient.state == "awaiting"), ~overdue)
    if state == "responded":
        return and_(
            sent,
            _has_recipient(_expecting()),
            ~_has_recipient(_expecting(), Recipient.state != "responded"),
        )
    return false()


def like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _text_condition(q: str) -> ColumnElement[bool]:
    pattern = like_pattern(q)
    return or_(
        Letter.reference.ilike(pattern, escape="\\"),
        Letter.subject.ilike(pattern, escape="\\"),
        _has_recipient(
            Recipient.official_id.in_(
                select(Official.id).where(Official.name.ilike(pattern, escape="\\"))
            )
        ),
        exists().where(
            Demand.letter_id == Letter.id,
            or_(Demand.text.ilike(pattern, escape="\\"), Demand.title.ilike(pattern, escape="\\")),
        ),
    )


def _conditions(filters: LetterFilters, today: date) -> Iterable[ColumnElement[bool]]:
    if filters.q:
        yield _text_condition(filters.q)
    if filters.campaign is not None:
        yield Letter.campaign_id == filters.campaign
    # IN (subquery) rather than EXISTS: planners then start from the filter's index.
    if filters.official is not None:
        yield Letter.id.in_(
            select(Recipient.letter_id).where(Recipient.official_id == filters.official)
        )
    if filters.owner is not None:
        yield Letter.owner_id == filters.owner
    if filters.watcher is not None:
        yield Letter.id.in_(
            select(letter_watchers.c.letter_id).where(letter_watchers.c.user_id == filters.watcher)
        )
    if filters.state is not None:
        yield _state_condition(filters.state, today)
    if filters.sent_from is not None:
        yield Letter.sent_on >= filters.sent_from
    if filters.sent_to is not None:
        yield Letter.sent_on <= filters.sent_to
    if filters.outcome is not None:
        yield Letter.id.in_(select(Demand.letter_id).where(Demand.outcome == filters.outcome))
    yield from dashboard_conditions(filters, today)


def matching_letter_ids(filters: LetterFilters, today: date) -> Select:
    """SELECT letters.id for the filters; other pages reuse it (e.g. the CSV export)."""
    return select(Letter.id).where(*_conditions(filters, today))


def _derived_state(figures, today: date) -> ColumnElement[str]:
    return case(
        (Letter.status != "sent", Letter.status),
        (figures.c.overdue_since.is_not(None), "overdue"),
        (func.coalesce(figures.c.awaiting, 0) > 0, "awaiting"),
        (
            and_(
                func.coalesce(figures.c.expecting, 0) > 0,
                figures.c.expecting == figures.c.responded,
            ),
            "responded",
        ),
        else_="sent",
    )


def _order_by(filters: LetterFilters, figures) -> list[ColumnElement]:
    descending = filters.dir == "desc"
    if filters.sort == "overdue":
        # "Most overdue first" is the oldest overdue due date first.
        key = figures.c.overdue_since
        primary = key.asc() if descending else key.desc()
    else:
        key = {
            "reference": Letter.reference,
            "subject": func.lower(Letter.subject),
            "sent_on": Letter.sent_on,
            "due_on": figures.c.next_due_on,
        }[filters.sort]
        primary = key.desc() if descending else key.asc()
    return [primary.nulls_last(), Letter.id.desc() if descending else Letter.id.asc()]


def letter_rows_query(filters: LetterFilters, today: date) -> Select:
    """Rows with their figures, filtered and sorted, without paging."""
    figures = _recipient_figures(today)
    demands = _demand_figures()
    return (
        select(
            Letter.id,
            Letter.reference,
            Letter.subject,
            Letter.status,
            Letter.sent_on,
            _derived_state(figures, today).label("state"),
            figures.c.next_due_on,
            figures.c.overdue_since,
            func.coalesce(demands.c.open, 0).label("demands_open"),
            func.coalesce(demands.c.total, 0).label("demands_total"),
        )
        .outerjoin(figures, figures.c.letter_id == Letter.id)
        .outerjoin(demands, demands.c.letter_id == Letter.id)
        .where(*_conditions(filters, today))
        .order_by(*_order_by(filters, figures))
    )


def addressees_of(letter_ids: list[int]) -> dict[int, tuple[Addressee, ...]]:
    """`to` before `cc`, in the order they were added; one query for all the letters."""
    if not letter_ids:
        return {}
    found: dict[int, list[Addressee]] = {letter_id: [] for letter_id in letter_ids}
    rows = db.session.execute(
        select(Recipient.letter_id, Official.id, Official.name, Recipient.role)
        .join(Official, Official.id == Recipient.official_id)
        .where(Recipient.letter_id.in_(letter_ids))
        .order_by(Recipient.letter_id, Recipient.role.desc(), Recipient.id)
    )
    for letter_id, official_id, name, role in rows:
        found[letter_id].append(Addressee(official_id, name, role))
    return {letter_id: tuple(items) for letter_id, items in found.items()}


def to_rows(records: Iterable[Any], today: date) -> list[LetterRow]:
    rows = [
        LetterRow(
            id=record.id,
            reference=record.reference,
            subject=record.subject,
            status=record.status,
            state=record.state,
            sent_on=record.sent_on,
            next_due_on=record.next_due_on,
            days_overdue=(today - record.overdue_since).days if record.overdue_since else 0,
            demands_open=record.demands_open,
            demands_total=record.demands_total,
        )
        for record in records
    ]
    addressees = addressees_of([row.id for row in rows])
    return [replace(row, addressees=addressees[row.id]) for row in rows]


def search_letters(filters: LetterFilters, today: date, page_size: int = PAGE_SIZE) -> Page:
    total = db.session.scalar(
        select(func.count()).select_from(matching_letter_ids(filters, today).subquery())
    )
    offset = (filters.page - 1) * page_size
    records = db.session.execute(
        letter_rows_query(filters, today).limit(page_size).offset(offset)
    ).all()
    return Page(
        rows=tuple(to_rows(records, today)), total=total, page=filters.page, page_size=page_size
    )
