"""The directory: officials and campaigns, each a blueprint of its own.

Both edit pages save the same way, so that way lives here once.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, request
from flask_wtf import FlaskForm

from tracker.extensions import db
from tracker.models import Campaign, Official
from tracker.services.errors import EditConflict, ServiceError
from tracker.web.forms.directory import show_error


def submit_edit(
    form: FlaskForm, row: Official | Campaign, save: Callable[[], object]
) -> tuple[bool, Official | Campaign | None, int]:
    """Run `save` for a valid submitted edit form: (saved, conflict, status).

    Someone else's save in between reloads `row` (shown as the conflict) and keeps what
    this user typed, with the new version, so saving again replaces theirs; a refusal
    puts its messages next to the fields.
    """
    if request.method == "GET":
        form.version.data = str(row.version)
        return False, None, 200
    if not form.validate_on_submit():
        return False, None, 400
    try:
        save()
    except EditConflict as error:
        db.session.refresh(row)
        flash(f"{error.message} Saving again replaces their version with yours.", "error")
        form.version.data = str(row.version)
        return False, row, 409
    except ServiceError as error:
        show_error(form, error)
        return False, None, 400
    return True, None, 200
