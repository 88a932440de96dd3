"""The letters list as CSV: every matching letter, in the list's order, in batches."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from tracker.domain import csv_rows
from tracker.extensions import db
from tracker.models import Demand, Letter, Recipient
from tracker.queries.access import Visibility
from tracker.queries.letters.listing import LetterFilters, letter_rows_query, matching_letter_ids

BATCH_SIZE = 500


def letter_cells(letter: Letter) -> csv_rows.LetterCells:
    return csv_rows.LetterCells(
        reference=letter.reference,
        subject=letter.subject,
        campaign=letter.campaign.name if letter.campaign else "",
        status=letter.status,
        sent_on=letter.sent_on,
        channel=letter.channel,
        owner=letter.owner.email,
        watchers=tuple(sorted(user.email for user in letter.watchers)),
        response_window_days=letter.response_window_days,
        business_days=letter.business_days,
        follows_up=letter.follows_up.reference if letter.follows_up else "",
        signatories=letter.signatories,
        body=letter.body,
        recipients=tuple(
            csv_rows.RecipientCells(
                role=recipient.role,
                name=recipient.official.name,
                title=recipient.official.title,
                institution=recipient.official.institution,
                country=recipient.official.country or "",
                email=recipient.official.email,
                expects_answer=recipient.expects_answer,
            )
            for recipient in letter.recipients
        ),
        demands=tuple(
            csv_rows.DemandCells(title=demand.title, text=demand.text, outcome=demand.outcome)
            for demand in letter.demands
        ),
    )


def _max_per_letter(column, ids) -> int:
    counts = select(func.count().label("n")).where(column.in_(ids)).group_by(column).subquery()
    return db.session.scalar(select(func.max(counts.c.n))) or 0


def _load(ids: list[int]) -> dict[int, Letter]:
    letters = db.session.scalars(
        select(Letter)
        .where(Letter.id.in_(ids))
        .options(
            joinedload(Letter.campaign),
            joinedload(Letter.owner),
            joinedload(Letter.follows_up),
            selectinload(Letter.watchers),
            selectinload(Letter.recipients).joinedload(Recipient.official),
            selectinload(Letter.demands),
        )
    ).unique()
    return {letter.id: letter for letter in letters}


def export_records(
    filters: LetterFilters, today: date, *, visibility: Visibility
) -> Iterator[list[str]]:
    """The header, then one row per matching letter (all pages) the viewer may see."""
    ids = matching_letter_ids(filters, today, visibility=visibility)
    recipient_slots = max(1, _max_per_letter(Recipient.letter_id, ids))
    demand_slots = max(1, _max_per_letter(Demand.letter_id, ids))
    yield csv_rows.header(recipient_slots, demand_slots)
    listed = db.session.execute(letter_rows_query(filters, today, visibility=visibility)).all()
    for start in range(0, len(listed), BATCH_SIZE):
        batch = listed[start : start + BATCH_SIZE]
        letters = _load([record.id for record in batch])
        for record in batch:
            info = (
                record.state,
                record.next_due_on,
                (today - record.overdue_since).days if record.overdue_since else 0,
                record.demands_open,
                record.demands_total,
            )
            yield csv_rows.to_cells(
                letter_cells(letters[record.id]), recipient_slots, demand_slots, info
            )
        for letter in letters.values():  # keep memory flat on large exports
            db.session.expunge(letter)


def export_csv_chunks(
    filters: LetterFilters, today: date, *, visibility: Visibility
) -> Iterator[str]:
    """UTF-8 text with a byte-order mark, so spreadsheets detect the encoding."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    for number, record in enumerate(export_records(filters, today, visibility=visibility)):
        writer.writerow(record)
        if number % 100 == 0 or buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
