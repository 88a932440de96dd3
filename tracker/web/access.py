"""Loading a letter for a view that serves one of its files, and the audit of an admin's
look into a restricted campaign (tracker.services.access)."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from tracker.auth import current_actor, current_visibility
from tracker.extensions import db
from tracker.models import Letter, utcnow
from tracker.queries.access import letter_visible
from tracker.services import access


def visible_letter(letter_id: int) -> Letter:
    """The letter, with its campaign; 404 when it does not exist or is hidden to the user."""
    letter = db.session.scalar(
        select(Letter)
        .where(Letter.id == letter_id, letter_visible(current_visibility()))
        .options(joinedload(Letter.campaign))
    )
    if letter is None:
        abort(404)
    return letter


def note_restricted_view(letter: Letter, what: str = "Page") -> None:
    """Audit an admin who opens a restricted letter they are not granted (others: no cost)."""
    user = current_user._get_current_object()
    if access.needs_view_audit(user, letter):
        access.record_restricted_view(current_actor(), letter, what, utcnow())
