"""The letters list: the page of letters matching LetterFilters, in bounded queries.

A page costs four queries whatever the number of letters: the total (a COUNT on
letters with the filters), the ids of the page's letters (sorted and paged on letters
alone, or on one narrow per-letter key for the derived sorts), the figures of those
ids only (state, due dates, demands), and their addressees. Nothing aggregates the
whole recipients or demands tables on a page request.

Filters on derived states use IN (subquery) over the recipients' indexes, never a
correlated EXISTS: SQLite would plan the latter on ix_recipients_state_due_on and
rescan that range once per letter.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import (
    Date,
    Select,
    Subquery,
    and_,
    bindparam,
    case,
    exists,
    false,
    func,
    or_,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from tracker.extensions import db
from tracker.models import Demand, Letter, Official, Recipient, letter_watchers
from tracker.queries.access import Visibility, letter_visible
from tracker.queries.dashboard.links import dashboard_conditions
from tracker.queries.dashboard.scope import expected
from tracker.queries.letters.filters import LetterFilters

PAGE_SIZE = 50


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


def _running(today: date) -> ColumnElement[bool]:
    return and_(Recipient.state == "awaiting", Recipient.paused_on.is_(None))


def _overdue(today: date) -> ColumnElement[bool]:
    return and_(expected(), _running(today), Recipient.due_on < today)


def _for_letters(query: Select, column, letter_ids: Any) -> Select:
    return query if letter_ids is None else query.where(column.in_(letter_ids))


def _recipient_figures(today: Any, letter_ids: Any = None) -> Subquery:
    """Per letter: next due date, oldest overdue due date, and counts for the state."""
    query = select(
        Recipient.letter_id.label("letter_id"),
        func.min(case((and_(expected(), _running(today)), Recipient.due_on))).label("next_due_on"),
        func.min(case((_overdue(today), Recipient.due_on))).label("overdue_since"),
        func.count(case((and_(expected(), Recipient.state == "awaiting"), 1))).label("awaiting"),
        func.count(case((expected(), 1))).label("expecting"),
        func.count(case((and_(expected(), Recipient.state == "responded"), 1))).label("responded"),
    ).group_by(Recipient.letter_id)
    return _for_letters(query, Recipient.letter_id, letter_ids).subquery("recipient_figures")


def _demand_figures(letter_ids: Any = None) -> Subquery:
    query = select(
        Demand.letter_id.label("letter_id"),
        func.count().label("total"),
        func.count(case((Demand.outcome == "open", 1))).label("open"),
    ).group_by(Demand.letter_id)
    return _for_letters(query, Demand.letter_id, letter_ids).subquery("demand_figures")


def _derived_sort_key(sort: str, today: date) -> Subquery | None:
    """(letter_id, key) for a sort on a recipient figure, read from the state index.

    The same values as `_recipient_figures`' next_due_on and overdue_since, but only
    the awaiting recipients are read, not every recipient of every letter.
    """
    if sort == "due_on":
        counted = and_(expected(), _running(today))
    elif sort == "overdue":
        counted = _overdue(today)
    else:
        return None
    return (
        select(Recipient.letter_id.label("letter_id"), func.min(Recipient.due_on).label("key"))
        .where(counted)
        .group_by(Recipient.letter_id)
        .subquery("sort_key")
    )


def _with_recipient(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    return Letter.id.in_(select(Recipient.letter_id).where(*conditions))


def _state_condition(state: str, today: date) -> ColumnElement[bool]:
    sent = Letter.status == "sent"
    overdue = _with_recipient(_overdue(today))
    if state in ("draft", "closed"):
        return Letter.status == state
    if state == "overdue":
        return and_(sent, overdue)
    if state == "awaiting":
        return and_(sent, _with_recipient(expected(), Recipient.state == "awaiting"), ~overdue)
    if state == "responded":
        return and_(
            sent,
            _with_recipient(expected()),
            ~_with_recipient(expected(), Recipient.state != "responded"),
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
        _with_recipient(
            Recipient.official_id.in_(
                select(Official.id).where(Official.name.ilike(pattern, escape="\\"))
            )
        ),
        exists().where(
            Demand.letter_id == Letter.id,
            or_(Demand.text.ilike(pattern, escape="\\"), Demand.title.ilike(pattern, escape="\\")),
        ),
    )


def _conditions(
    filters: LetterFilters, today: date, visibility: Visibility
) -> Iterable[ColumnElement[bool]]:
    yield letter_visible(visibility)
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


def matching_letter_ids(filters: LetterFilters, today: date, *, visibility: Visibility) -> Select:
    """SELECT letters.id for the filters; other pages reuse it (e.g. the CSV export)."""
    return select(Letter.id).where(*_conditions(filters, today, visibility))


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


def _order_by(filters: LetterFilters, derived_key: ColumnElement | None) -> list[ColumnElement]:
    """The list's order; `derived_key` is the next due date or the oldest overdue one."""
    descending = filters.dir == "desc"
    if filters.sort == "overdue":
        # "Most overdue first" is the oldest overdue due date first.
        primary = derived_key.asc() if descending else derived_key.desc()
    else:
        key = {
            "reference": Letter.reference,
            "subject": func.lower(Letter.subject),
            "sent_on": Letter.sent_on,
            "due_on": derived_key,
        }[filters.sort]
        primary = key.desc() if descending else key.asc()
    return [primary.nulls_last(), Letter.id.desc() if descending else Letter.id.asc()]


def _rows_select(figures: Subquery, demands: Subquery, today: date) -> Select:
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
    )


def letter_rows_query(filters: LetterFilters, today: date, *, visibility: Visibility) -> Select:
    """Rows with their figures, filtered and sorted, without paging (the CSV export)."""
    figures = _recipient_figures(today)
    derived_key = figures.c.overdue_since if filters.sort == "overdue" else figures.c.next_due_on
    return (
        _rows_select(figures, _demand_figures(), today)
        .where(*_conditions(filters, today, visibility))
        .order_by(*_order_by(filters, derived_key))
    )


def page_ids_query(filters: LetterFilters, today: date, *, visibility: Visibility) -> Select:
    """The matching letter ids in the list's order, to be paged with LIMIT/OFFSET.

    Sorting on a letters column walks that column's index; a derived sort joins one
    key per letter, read from the awaiting recipients only.
    """
    query = select(Letter.id).where(*_conditions(filters, today, visibility))
    sort_key = _derived_sort_key(filters.sort, today)
    if sort_key is None:
        return query.order_by(*_order_by(filters, None))
    return query.outerjoin(sort_key, sort_key.c.letter_id == Letter.id).order_by(
        *_order_by(filters, sort_key.c.key)
    )


@cache
def _page_rows_statement() -> Select:
    """The figures of the letters in :letter_ids, prebuilt: a page request only binds."""
    letter_ids = bindparam("letter_ids", expanding=True)
    today = bindparam("today", type_=Date())
    return _rows_select(
        _recipient_figures(today, letter_ids), _demand_figures(letter_ids), today
    ).where(Letter.id.in_(letter_ids))


@cache
def _addressees_statement() -> Select:
    """`to` before `cc`, in the order they were added."""
    return (
        select(Recipient.letter_id, Official.id, Official.name, Recipient.role)
        .join(Official, Official.id == Recipient.official_id)
        .where(Recipient.letter_id.in_(bindparam("letter_ids", expanding=True)))
        .order_by(Recipient.letter_id, Recipient.role.desc(), Recipient.id)
    )


def _connection() -> Connection:
    """The session's connection: these reads return plain rows, not ORM objects, so
    they skip the ORM's per-statement work."""
    return db.session.connection()


def addressees_of(letter_ids: Sequence[int]) -> dict[int, tuple[Addressee, ...]]:
    found: dict[int, list[Addressee]] = {letter_id: [] for letter_id in letter_ids}
    if letter_ids:
        rows = _connection().execute(_addressees_statement(), {"letter_ids": list(letter_ids)})
        for letter_id, official_id, name, role in rows:
            found[letter_id].append(Addressee(official_id, name, role))
    return {letter_id: tuple(items) for letter_id, items in found.items()}


def page_rows(letter_ids: Sequence[int], today: date) -> list[LetterRow]:
    """The rows of these letters with their figures, in the order of `letter_ids`."""
    if not letter_ids:
        return []
    params = {"letter_ids": list(letter_ids), "today": today}
    statement = _page_rows_statement()
    records = {record.id: record for record in _connection().execute(statement, params)}
    addressees = addressees_of(letter_ids)
    return [to_row(records[letter_id], today, addressees[letter_id]) for letter_id in letter_ids]


def to_row(record: Any, today: date, addressees: tuple[Addressee, ...] = ()) -> LetterRow:
    return LetterRow(
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
        addressees=addressees,
    )


def search_letters(
    filters: LetterFilters,
    today: date,
    page_size: int = PAGE_SIZE,
    *,
    visibility: Visibility,
) -> Page:
    connection = _connection()
    total = connection.scalar(
        select(func.count()).select_from(Letter).where(*_conditions(filters, today, visibility))
    )
    offset = (filters.page - 1) * page_size
    paged = page_ids_query(filters, today, visibility=visibility).limit(page_size).offset(offset)
    letter_ids = list(connection.scalars(paged))
    return Page(
        rows=tuple(page_rows(letter_ids, today)),
        total=total,
        page=filters.page,
        page_size=page_size,
    )
