"""What a reminder email says and whom it goes to.

Reminders go to the letter's owner and watchers (and, for an escalation, to every
admin), each of whom chooses immediate emails or one daily digest. This module builds
the immediate email of one reminder and the digest of several; `tracker.mail` sends.

The sweep builds thousands of emails in a row, so the reads here are prebuilt Core
statements on the sweep's own connection and links come from one URL adapter per app.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache, lru_cache
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import Connection, Text, and_, bindparam, case, cast, func, or_, select, update
from sqlalchemy.dialects.postgresql import aggregate_order_by
from werkzeug.routing import Map, MapAdapter

from tracker import mail
from tracker.domain import deadlines, ladder
from tracker.models import Demand, Letter, Official, Recipient, User, letter_watchers
from tracker.models.data_version import UNVERSIONED
from tracker.queries.access import user_sees_campaign
from tracker.services.mailbox import holds
from tracker.settings import ladder_settings, organisation_today


@lru_cache(maxsize=8)
def _url_adapter(url_map: Map, base_url: str) -> MapAdapter:
    base = urlsplit(base_url)
    return url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http")


# Links differ only in their ids, and the sweep makes four per email: each endpoint's
# link is built once with placeholder ids, and a link is that pattern with the ids in
# their places. The placeholders are all as long, so none is part of another.
_PLACEHOLDER = 7_919_000_000_000_000_000


@lru_cache(maxsize=64)
def _link_pattern(
    url_map: Map, base_url: str, endpoint: str, names: tuple[str, ...]
) -> tuple[tuple[str, ...], tuple[int, ...]] | None:
    """The link's text around its ids, and which id goes in each gap; None when a
    placeholder does not come out once, as it is (then each link is built in full)."""
    marks = [str(_PLACEHOLDER + index) for index in range(len(names))]
    values = {name: _PLACEHOLDER + index for index, name in enumerate(names)}
    url = _url_adapter(url_map, base_url).build(endpoint, values, force_external=True)
    if any(url.count(mark) != 1 for mark in marks):
        return None
    pieces, order, start = [], [], 0
    for position, index in sorted((url.index(mark), index) for index, mark in enumerate(marks)):
        pieces.append(url[start:position])
        order.append(index)
        start = position + len(marks[index])
    pieces.append(url[start:])
    return tuple(pieces), tuple(order)


def external_url(endpoint: str, **ids: int) -> str:
    """An absolute link under TRACKER_BASE_URL to `endpoint` with these integer ids
    (path or query values), built outside any request."""
    url_map, base_url = current_app.url_map, current_app.config["TRACKER_BASE_URL"]
    values = tuple(ids.values())
    pattern = _link_pattern(url_map, base_url, endpoint, tuple(ids))
    if pattern is None or not all(type(value) is int and value >= 0 for value in values):
        return _url_adapter(url_map, base_url).build(endpoint, ids, force_external=True)
    pieces, order = pattern
    filled = [piece + str(values[index]) for piece, index in zip(pieces, order, strict=False)]
    return "".join(filled) + pieces[-1]


def letter_url(letter_id: int, anchor: str = "") -> str:
    url = external_url("letters.show", letter_id=letter_id)
    return f"{url}#{anchor}" if anchor else url


def thread_references(thread_root: str | None, message_id: str) -> tuple[str, ...]:
    """What a reminder replies to: the letter's first reminder that went out, unless it
    is that one (or none went out yet, and it will be)."""
    return () if thread_root in (None, message_id) else (thread_root,)


@cache
def _claim_thread_statement():
    letters = Letter.__table__
    return (
        update(letters)
        .where(letters.c.id == bindparam("letter_id"), letters.c.thread_message_id.is_(None))
        # Core UPDATEs fire onupdate too: a reminder is no edit of the letter.
        .values(thread_message_id=bindparam("message_id"), updated_at=letters.c.updated_at)
        # No cached page reads the thread root (only the sweep does, live): moving the
        # data version would make the dashboard compute afresh after each first reminder.
        .execution_options(**{UNVERSIONED: True})
    )


def start_thread(connection: Connection, letter_id: int, message_id: str) -> None:
    """Make `message_id` the letter's thread root unless another already is; no commit."""
    connection.execute(
        _claim_thread_statement(), {"letter_id": letter_id, "message_id": message_id}
    )


def step_label(kind: str, official: str) -> str:
    step = next((s for s in ladder_settings().steps if s.kind == kind), None)
    if step is None:  # the ladder setting changed since the reminder was planned
        step = ladder.DEFAULT_LADDER[ladder.STEP_KINDS.index(kind)]
    return step.label_for(official)


# --- whom it goes to ---------------------------------------------------------------


@dataclass(frozen=True)
class Addressee:
    id: int
    email: str
    reminder_delivery: str
    timezone: str


def _addressed(owner_id, letter_id, campaign_id, escalate: bool):
    """Who hears of a reminder on a letter (its `owner_id`, `letter_id` and `campaign_id`
    as columns or bound parameters): the active owner and watchers (and, on an
    escalation, every admin) who may see it. Returns the condition on `users` and the
    order: owner first, then watchers, then admins."""
    users = User.__table__
    watching = select(letter_watchers.c.user_id).where(letter_watchers.c.letter_id == letter_id)
    concerned = or_(users.c.id == owner_id, users.c.id.in_(watching))
    if escalate:
        concerned = or_(concerned, users.c.role == "admin")
    # A watcher (or an owner) who lost access to a restricted campaign hears nothing of it.
    may_see = user_sees_campaign(users.c.id, users.c.role, campaign_id)
    rank = case((users.c.id == owner_id, 0), (users.c.id.in_(watching), 1), else_=2)
    return and_(users.c.active.is_(True), concerned, may_see), (rank, users.c.id)


@cache
def _open_demands_statement():
    demands = Demand.__table__
    return (
        select(demands.c.title)
        .where(demands.c.letter_id == bindparam("letter_id"), demands.c.outcome == "open")
        .order_by(demands.c.position)
    )


def open_demand_titles(connection: Connection, letter_id: int) -> tuple[str, ...]:
    return tuple(connection.scalars(_open_demands_statement(), {"letter_id": letter_id}))


def _open_demands_json(postgres: bool):
    """The same titles, in the same order, as one JSON array in the row of a letter."""
    demands, letters = Demand.__table__, Letter.__table__
    is_open = (demands.c.letter_id == letters.c.id) & (demands.c.outcome == "open")
    if postgres:
        titles = func.json_agg(aggregate_order_by(demands.c.title, demands.c.position))
        return select(cast(titles, Text)).where(is_open).scalar_subquery()
    # SQLite aggregates the rows in the order its subquery yields them.
    ordered = (
        select(demands.c.title).where(is_open).order_by(demands.c.position).correlate(letters)
    ).subquery()
    return select(func.json_group_array(ordered.c.title)).scalar_subquery()


# --- what it says ------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderFacts:
    """Everything an email or digest line says about one reminder."""

    kind: str
    letter_id: int
    reference: str
    subject: str
    sent_on: date
    official: str
    label: str
    due_on: date
    # In the letter's kind of days, like its due date: `business_days` says which.
    days_overdue: int
    business_days: bool
    open_demands: tuple[str, ...]
    letter_url: str
    response_url: str
    snooze_url: str
    follow_up_url: str


def describe(
    *,
    kind: str,
    recipient_id: int,
    due_on: date,
    letter_id: int,
    reference: str,
    subject: str,
    sent_on: date,
    business_days: bool,
    official: str,
    country: str | None,
    open_demands: tuple[str, ...],
    now: datetime,
) -> ReminderFacts:
    today = organisation_today(now)
    overdue = deadlines.days_between(due_on, today, business_days, country)
    return ReminderFacts(
        kind=kind,
        letter_id=letter_id,
        reference=reference,
        subject=subject,
        sent_on=sent_on,
        official=official,
        label=step_label(kind, official),
        due_on=due_on,
        days_overdue=max(0, overdue),
        business_days=business_days,
        open_demands=open_demands,
        letter_url=letter_url(letter_id, f"ladder-{recipient_id}"),
        response_url=external_url("responses.new", letter_id=letter_id, recipient=recipient_id),
        snooze_url=external_url("followup.snooze_form", recipient_id=recipient_id),
        follow_up_url=external_url("followup.follow_up_form", recipient_id=recipient_id),
    )


@cache
def context_statement(postgres: bool):
    """What the sweep's re-check and an email need of a recipient, in one row (the open
    demands as JSON: `facts` reads them)."""
    recipients, letters, officials = Recipient.__table__, Letter.__table__, Official.__table__
    return (
        select(
            recipients.c.id.label("recipient_id"),
            recipients.c.role,
            recipients.c.expects_answer,
            recipients.c.state,
            recipients.c.due_on,
            recipients.c.paused_on,
            recipients.c.followed_up_on,
            letters.c.id.label("letter_id"),
            letters.c.reference,
            letters.c.subject,
            letters.c.sent_on,
            letters.c.status.label("letter_status"),
            letters.c.business_days,
            letters.c.owner_id,
            letters.c.thread_message_id,
            officials.c.name.label("official"),
            officials.c.country,
            holds.reply_waiting(recipients.c.id).label("reply_waiting"),
            _open_demands_json(postgres).label("open_demands"),
        )
        .join(letters, letters.c.id == recipients.c.letter_id)
        .join(officials, officials.c.id == recipients.c.official_id)
        .where(recipients.c.id == bindparam("recipient_id"))
    )


@cache
def sweep_context_statement(escalate: bool, postgres: bool):
    """`context_statement`'s row once for each of its `addressees` (their columns are
    prefixed addressee_), or once with NULLs when nobody is to hear of it: the sweep
    reads both in one statement."""
    users, letters = User.__table__, Letter.__table__
    addressed, order = _addressed(letters.c.owner_id, letters.c.id, letters.c.campaign_id, escalate)
    return (
        context_statement(postgres)
        .add_columns(
            users.c.id.label("addressee_id"),
            users.c.email.label("addressee_email"),
            users.c.reminder_delivery.label("addressee_delivery"),
            users.c.timezone.label("addressee_timezone"),
        )
        .outerjoin(users, addressed)
        .order_by(*order)
    )


def sweep_context(
    connection: Connection, recipient_id: int, kind: str
) -> tuple[Any, list[Addressee]]:
    """A reminder's `context_statement` row and its `addressees`, in one statement."""
    statement = sweep_context_statement(kind == "escalate", is_postgres(connection))
    rows = connection.execute(statement, {"recipient_id": recipient_id}).all()
    people = [
        Addressee(
            row.addressee_id, row.addressee_email, row.addressee_delivery, row.addressee_timezone
        )
        for row in rows
        if row.addressee_id is not None
    ]
    return rows[0], people


def is_postgres(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


def read_context(connection: Connection, recipient_id: int) -> Any:
    """The `context_statement` row of a recipient."""
    statement = context_statement(is_postgres(connection))
    return connection.execute(statement, {"recipient_id": recipient_id}).one()


def facts(kind: str, context: Any, now: datetime) -> ReminderFacts:
    """`describe` a reminder of `kind` from its `context_statement` row."""
    return describe(
        kind=kind,
        recipient_id=context.recipient_id,
        due_on=context.due_on,
        letter_id=context.letter_id,
        reference=context.reference,
        subject=context.subject,
        sent_on=context.sent_on,
        business_days=context.business_days,
        official=context.official,
        country=context.country,
        open_demands=tuple(json.loads(context.open_demands or "[]")),
        now=now,
    )


def reminder_email(
    about: ReminderFacts, to: tuple[str, ...], message_id: str, thread_root: str | None
) -> mail.Email:
    """One subject for every reminder about a letter, so that clients that thread by
    subject keep them together too; the step is the email's first line."""
    return mail.compose(
        "reminder",
        to=to,
        subject=f"[{about.reference}] Follow-up: {about.subject}",
        message_id=message_id,
        references=thread_references(thread_root, message_id),
        item=about,
    )


def digest_email(user: Any, items: list[ReminderFacts], message_id: str, since: date) -> mail.Email:
    """`user` has email, name and timezone; `since`: the day its first reminder came."""
    count = len(items)
    letters = len({item.letter_id for item in items})
    return mail.compose(
        "digest",
        to=(user.email,),
        subject=(
            f"Tracker digest: {count} reminder{'s' if count != 1 else ''} about "
            f"{letters} letter{'s' if letters != 1 else ''}, since {since:%d %B %Y}"
        ),
        message_id=message_id,
        user=user,
        items=items,
    )
