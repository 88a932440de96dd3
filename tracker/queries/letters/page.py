"""Everything the letter page shows, loaded in a fixed number of queries.

Collections are loaded with selectinload (one query each, whatever the number of
rows); the page's figures (days left, unanswered demands) are computed here so the
template only displays them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.domain import deadlines
from tracker.domain.answers import answers_demand
from tracker.domain.recipients import awaits_answer
from tracker.extensions import db
from tracker.models import AuditEvent, Letter, Recipient, Reminder, Response
from tracker.queries.access import Visibility, letter_visible
from tracker.queries.followup import reminders_for_letter


@dataclass(frozen=True)
class Clock:
    recipient: Recipient
    due_on: date | None
    days: int | None  # left when positive, overdue when negative, in the letter's kind
    overdue: bool
    paused: bool
    awaited: bool  # an answer is expected and has not come


@dataclass(frozen=True)
class DemandView:
    demand: object
    answers: list[tuple[Response, str]]  # (response, stance), oldest first

    @property
    def answered(self) -> bool:
        return any(answers_demand(stance) for _, stance in self.answers)


@dataclass(frozen=True)
class LetterPage:
    letter: Letter
    clocks: list[Clock]
    demands: list[DemandView]
    responses: list[Response]
    events: list[AuditEvent]
    reminders: dict[int, list[Reminder]]
    # The letters this one follows up and its follow-ups, those the viewer may see.
    follows_up: Letter | None
    follow_ups: list[Letter]

    @property
    def unanswered(self) -> int:
        return sum(1 for view in self.demands if not view.answered)


def load_letter(letter_id: int, visibility: Visibility) -> Letter:
    """The letter with what its page shows; 404 when it does not exist or the viewer may
    not see it (the same answer, so a restricted letter's existence does not leak)."""
    letter = db.session.scalar(
        select(Letter)
        .where(Letter.id == letter_id, letter_visible(visibility))
        .options(
            selectinload(Letter.recipients).selectinload(Recipient.official),
            selectinload(Letter.demands),
            selectinload(Letter.watchers),
            selectinload(Letter.owner),
            selectinload(Letter.campaign),
            selectinload(Letter.follows_up).joinedload(Letter.campaign),
            selectinload(Letter.follow_ups).joinedload(Letter.campaign),
        )
    )
    if letter is None:
        abort(404)
    return letter


def _clock(recipient: Recipient, letter: Letter, today: date) -> Clock:
    due_on = recipient.due_on
    paused = recipient.paused_on is not None
    awaited = awaits_answer(recipient.expects_answer, recipient.state)
    if due_on is None or not awaited:
        return Clock(recipient, due_on, None, False, paused, awaited)
    if paused:
        days = recipient.remaining_days
    else:
        country = recipient.official.country
        days = deadlines.days_between(today, due_on, letter.business_days, country)
    overdue = not paused and recipient.state == "awaiting" and deadlines.is_overdue(due_on, today)
    return Clock(recipient, due_on, days, overdue, paused, awaited)


def build_page(letter_id: int, today: date, *, visibility: Visibility) -> LetterPage:
    letter = load_letter(letter_id, visibility)
    responses = db.session.scalars(
        select(Response)
        .where(Response.letter_id == letter.id)
        .options(selectinload(Response.answers), selectinload(Response.created_by))
        .order_by(Response.received_on, Response.id)
    ).all()
    answers = defaultdict(list)
    for response in responses:
        for answer in response.answers:
            answers[answer.demand_id].append((response, answer.stance))
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.letter_id == letter.id)
        .options(selectinload(AuditEvent.user))
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    return LetterPage(
        letter=letter,
        clocks=[_clock(recipient, letter, today) for recipient in letter.recipients],
        demands=[DemandView(demand, answers[demand.id]) for demand in letter.demands],
        responses=list(responses),
        events=list(events),
        reminders=reminders_for_letter(letter.id),
        follows_up=letter.follows_up
        if letter.follows_up and visibility.sees_campaign(letter.follows_up.campaign)
        else None,
        follow_ups=[
            other for other in letter.follow_ups if visibility.sees_campaign(other.campaign)
        ],
    )
