"""Letter intake: upload a file or paste text, review what the parser found, save it.

GET /letters/intake shows the upload-or-paste form; POSTing it reads and stages the
letter and answers with the review screen (nothing saved yet); POST
/letters/intake/confirm saves what staff confirmed and leads to the letter's page.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from tracker.auth import current_actor, requires
from tracker.errors import status_for
from tracker.models import utcnow
from tracker.services import intake
from tracker.services.errors import EditConflict, ServiceError
from tracker.services.intake import NewLetter, StagedLetter
from tracker.web.forms.common import place_field_errors
from tracker.web.forms.intake import (
    IntakeStartForm,
    ReviewForm,
    fill_review,
    offer_matches,
    passages,
    place_errors,
    read_review,
    row_names,
)

bp = Blueprint("intake", __name__, url_prefix="/letters/intake")


def _render_start(form: IntakeStartForm, status: int = 200, general: Sequence[str] = ()):
    return render_template("intake/start.html", form=form, general_errors=general), status


def _render_review(
    form: ReviewForm,
    staged: StagedLetter,
    *,
    first: bool = False,
    status: int = 200,
    general: Sequence[str] = (),
):
    matches, officials = intake.match_officials(row_names(form))
    return render_template(
        "intake/review.html",
        form=form,
        staged=staged,
        row_matches=offer_matches(form, matches, officials, first=first),
        segments=passages(form, staged.text),
        general_errors=general,
    ), status


def _read(form: IntakeStartForm) -> NewLetter:
    upload = form.file.data
    has_file = bool(upload and upload.filename)
    has_text = bool((form.text.data or "").strip())
    if has_file and has_text:
        raise ServiceError.invalid({"file": "Upload a file or paste the text, not both."})
    if has_file:
        return intake.read_upload(current_user.id, upload.filename, upload.read(), utcnow())
    if has_text:
        return intake.read_pasted(current_user.id, form.text.data, utcnow())
    raise ServiceError.invalid(
        {"file": "Choose a file to upload, or paste the text of the letter."}
    )


@bp.route("", methods=["GET", "POST"])
@requires("editor")
def start():
    form = IntakeStartForm()
    if not form.is_submitted():
        return _render_start(form)
    if not form.validate():
        return _render_start(form, 400)
    try:
        new = _read(form)
    except ServiceError as error:
        general = place_field_errors(form, error, rename={"": "file"})
        return _render_start(form, status_for(error), general)
    review = ReviewForm(formdata=None)
    fill_review(
        review, new.staged.key, new.parsed, current_app.config["TRACKER_RESPONSE_WINDOW_DAYS"]
    )
    return _render_review(review, new.staged, first=True)


@bp.route("/confirm", methods=["POST"])
@requires("editor")
def confirm():
    form = ReviewForm()
    key = form.key.data or ""
    saved = intake.saved_letter_id(key)
    if saved is not None:
        flash("This letter was saved already; here it is.", "info")
        return redirect(url_for("letters.show", letter_id=saved))
    try:
        staged = intake.load_staged(key, current_user.id)
    except ServiceError as error:
        return _render_start(IntakeStartForm(formdata=None), status_for(error), [error.message])
    if not form.validate():
        return _render_review(form, staged, status=400)
    review = read_review(form)
    try:
        letter = intake.confirm_intake(current_actor(), review.letter, utcnow())
    except EditConflict as claimed:  # submitted twice: the first submit saves the letter
        if claimed.current is not None:
            return redirect(url_for("letters.show", letter_id=claimed.current))
        return _render_review(form, staged, status=409, general=[claimed.message])
    except ServiceError as error:
        general = place_errors(form, review, error)
        return _render_review(form, staged, status=status_for(error), general=general)
    clocks = (
        "the response clocks are running"
        if letter.sent_on
        else "it is a draft until it has a date sent"
    )
    flash(f"Saved letter {letter.reference}; {clocks}.", "success")
    return redirect(url_for("letters.show", letter_id=letter.id))
