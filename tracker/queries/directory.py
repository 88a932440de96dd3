"""Read side of the directory: the officials list, an official's letters, campaigns.

Each function is a fixed number of queries, with figures aggregated in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from statistics import median

from sqlalchemy import and_, case, func, or_, select

from tracker.domain.official_matching import search_text
from tracker.extensions import db
from tracker.models import Campaign, Letter, Official, Recipient
from tracker.queries.access import (
    Visibility,
    campaign_visible,
    letter_visible,
)
from tracker.queries.letters.listing import like_pattern

PAGE_SIZE = 50


@dataclass(frozen=True)
class OfficialRow:
    id: int
    name: str
    title: str
    institution: str
    country: str | None
    letters: int
    expecting: int
    responded: int


@dataclass(frozen=True)
class OfficialsPage:
    rows: tuple[OfficialRow, ...]
    total: int
    page: int
    page_size: int = PAGE_SIZE

    @property
    def has_next(self) -> bool:
        return self.page * self.page_size < self.total


def _sent_letters(campaign_id: int | None, visibility: Visibility):
    conditions = [Letter.status != "draft", letter_visible(visibility)]
    if campaign_id is not None:
        conditions.append(Letter.campaign_id == campaign_id)
    return conditions


def _official_figures(campaign_id: int | None, visibility: Visibility):
    """Per official: letters received, answers expected, answers given (sent letters)."""
    expecting = Recipient.expects_answer.is_(True)
    answered = and_(expecting, Recipient.responded_on.is_not(None))
    return (
        select(
            Recipient.official_id.label("official_id"),
            func.count().label("letters"),
            func.count(case((expecting, 1))).label("expecting"),
            func.count(case((answered, 1))).label("responded"),
        )
        .join(Letter, Letter.id == Recipient.letter_id)
        .where(*_sent_letters(campaign_id, visibility))
        .group_by(Recipient.official_id)
        .subquery("official_figures")
    )


def _matching(q: str):
    pattern = like_pattern(q)
    searched = (Official.name, Official.title, Official.institution, Official.email)
    return or_(*(column.ilike(pattern, escape="\\") for column in searched))


def search_officials(
    q: str = "",
    country: str | None = None,
    campaign_id: int | None = None,
    page: int = 1,
    *,
    visibility: Visibility,
) -> OfficialsPage:
    """Officials matching the search, with how many letters they got and answered.

    With a campaign, only officials addressed in it, and figures for it alone. The
    figures count only the letters the viewer may see.
    """
    figures = _official_figures(campaign_id, visibility)
    conditions = [_matching(q)] if q else []
    if country:
        conditions.append(Official.country == country.upper())
    if campaign_id is not None:
        conditions.append(figures.c.official_id.is_not(None))
    base = (
        select(
            Official.id,
            Official.name,
            Official.title,
            Official.institution,
            Official.country,
            func.coalesce(figures.c.letters, 0),
            func.coalesce(figures.c.expecting, 0),
            func.coalesce(figures.c.responded, 0),
        )
        .outerjoin(figures, figures.c.official_id == Official.id)
        .where(*conditions)
    )
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    records = db.session.execute(
        base.order_by(func.lower(Official.name), Official.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    return OfficialsPage(tuple(OfficialRow(*record) for record in records), total, page)


SEARCH_LIMIT = 10
SEARCH_WORDS = 6


@dataclass(frozen=True)
class OfficialHit:
    id: int
    name: str
    title: str
    institution: str
    country: str | None


def find_officials(text: str, limit: int = SEARCH_LIMIT) -> list[OfficialHit]:
    """Officials whose name holds every typed word (or part of a word), in any order.

    Accents and case are ignored on both sides (`Official.search_name`); names that start
    with the first typed word come first. One query on the officials table alone.
    """
    words = search_text(text).split()[:SEARCH_WORDS]
    if not words:
        return []
    conditions = [Official.search_name.like(like_pattern(word), escape="\\") for word in words]
    starts = Official.search_name.like(like_pattern(words[0])[1:], escape="\\")
    query = (
        select(Official.id, Official.name, Official.title, Official.institution, Official.country)
        .where(*conditions)
        .order_by(case((starts, 0), else_=1), Official.search_name, Official.id)
        .limit(limit)
    )
    return [OfficialHit(*row) for row in db.session.execute(query)]


@dataclass(frozen=True)
class AddressedLetter:
    letter_id: int
    reference: str
    subject: str
    campaign: str | None
    role: str
    expects_answer: bool
    sent_on: date | None
    due_on: date | None
    state: str
    overdue: bool
    acknowledged_on: date | None
    responded_on: date | None

    @property
    def days_to_answer(self) -> int | None:
        if self.responded_on is None or self.sent_on is None:
            return None
        return (self.responded_on - self.sent_on).days


@dataclass(frozen=True)
class Responsiveness:
    addressed: int
    expecting: int
    responded: int
    overdue: int
    median_days_to_answer: float | None


def letters_addressed_to(
    official_id: int,
    today: date,
    campaign_id: int | None = None,
    *,
    visibility: Visibility,
) -> list[AddressedLetter]:
    """Every letter addressed to the official (that the viewer may see), as `to` or `cc`,
    newest first; one query."""
    conditions = [Recipient.official_id == official_id, letter_visible(visibility)]
    if campaign_id is not None:
        conditions.append(Letter.campaign_id == campaign_id)
    records = db.session.execute(
        select(
            Letter.id,
            Letter.reference,
            Letter.subject,
            Campaign.name,
            Recipient.role,
            Recipient.expects_answer,
            Letter.sent_on,
            Recipient.due_on,
            Recipient.state,
            Recipient.paused_on,
            Recipient.acknowledged_on,
            Recipient.responded_on,
            Letter.status,
        )
        .join(Letter, Letter.id == Recipient.letter_id)
        .outerjoin(Campaign, Campaign.id == Letter.campaign_id)
        .where(*conditions)
        .order_by(Letter.sent_on.desc().nulls_first(), Letter.id.desc())
    ).all()
    return [
        AddressedLetter(
            letter_id=r.id,
            reference=r.reference,
            subject=r.subject,
            campaign=r.name,
            role=r.role,
            expects_answer=r.expects_answer,
            sent_on=r.sent_on,
            due_on=r.due_on,
            state="draft" if r.status == "draft" else r.state,
            overdue=(
                r.status == "sent"
                and r.expects_answer
                and r.state == "awaiting"
                and r.paused_on is None
                and r.due_on is not None
                and r.due_on < today
            ),
            acknowledged_on=r.acknowledged_on,
            responded_on=r.responded_on,
        )
        for r in records
    ]


def responsiveness(letters: list[AddressedLetter]) -> Responsiveness:
    sent = [letter for letter in letters if letter.state != "draft"]
    expecting = [letter for letter in sent if letter.expects_answer]
    answered = [letter for letter in expecting if letter.responded_on is not None]
    delays = [letter.days_to_answer for letter in answered if letter.days_to_answer is not None]
    return Responsiveness(
        addressed=len(sent),
        expecting=len(expecting),
        responded=len(answered),
        overdue=sum(1 for letter in expecting if letter.overdue),
        median_days_to_answer=median(delays) if delays else None,
    )


@dataclass(frozen=True)
class CampaignRow:
    campaign: Campaign
    letters: int


def campaigns_with_counts(include_archived: bool, *, visibility: Visibility) -> list[CampaignRow]:
    """The campaigns the viewer may see, with their letters counted."""
    counts = (
        select(Letter.campaign_id, func.count().label("letters"))
        .group_by(Letter.campaign_id)
        .subquery("campaign_counts")
    )
    query = (
        select(Campaign, func.coalesce(counts.c.letters, 0))
        .outerjoin(counts, counts.c.campaign_id == Campaign.id)
        .where(campaign_visible(visibility))
        .order_by(Campaign.archived, func.lower(Campaign.name))
    )
    if not include_archived:
        query = query.where(Campaign.archived.is_(False))
    return [CampaignRow(campaign, letters) for campaign, letters in db.session.execute(query)]


def campaign_choices(
    include_archived: bool = True, *, visibility: Visibility
) -> list[tuple[int, str]]:
    """(id, name) of the campaigns the viewer may see and pick, for selects."""
    query = (
        select(Campaign.id, Campaign.name, Campaign.archived)
        .where(campaign_visible(visibility))
        .order_by(Campaign.archived, func.lower(Campaign.name))
    )
    if not include_archived:
        query = query.where(Campaign.archived.is_(False))
    return [
        (campaign_id, f"{name} (archived)" if archived else name)
        for campaign_id, name, archived in db.session.execute(query)
    ]
