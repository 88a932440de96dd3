"""Recording a response to a letter, and downloading a response's file."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from tracker.auth import current_actor, current_visibility, requires
from tracker.domain.bounds import parse_id
from tracker.errors import status_for
from tracker.extensions import db
from tracker.models import STANCES, Response, utcnow
from tracker.queries.letters.page import load_letter
from tracker.services import files
from tracker.services.errors import ServiceError
from tracker.services.responses import ResponseInput, record_response
from tracker.web.access import note_restricted_view, visible_letter
from tracker.web.forms.common import add_error
from tracker.web.forms.letters import STANCE_CHOICES, ResponseForm, stance_field_name
from tracker.web.letters.editing import upload_from

bp = Blueprint("responses", __name__, url_prefix="/letters")


def _stances(letter) -> dict[int, str]:
    """The stance chosen for each demand; anything unknown goes to the service to refuse."""
    chosen = {}
    for demand in letter.demands:
        value = request.form.get(stance_field_name(demand), "not_addressed")
        chosen[demand.id] = value if value in STANCES else value[:20]
    return chosen


def place_errors(form: ResponseForm, letter, error: ServiceError) -> dict[str, str]:
    """Messages next to the form's inputs; the others by the name the page shows them
    under (the stance selects, outside the WTForms form, by their input's name)."""
    selects = {f"stances[{demand.id}]": stance_field_name(demand) for demand in letter.demands}
    leftover = {}
    for key, message in (error.fields or {"": error.message}).items():
        if key in form._fields:
            add_error(form[key], message)
        else:
            leftover[selects.get(key, key)] = message
    return leftover


def _render(form: ResponseForm, letter, stances: dict[int, str], errors: dict[str, str]):
    return render_template(
        "responses/form.html",
        form=form,
        letter=letter,
        stances=stances,
        stance_choices=STANCE_CHOICES,
        stance_field_name=stance_field_name,
        errors=errors,
    )


@bp.route("/<int:letter_id>/responses/new", methods=["GET", "POST"])
@requires("editor")
def new(letter_id: int):
    letter = load_letter(letter_id, current_visibility())
    form = ResponseForm()
    form.set_recipients(letter)
    if request.method == "GET":
        chosen = parse_id(request.args.get("recipient"))
        if chosen is not None:
            form.recipient_id.data = str(chosen)
        return _render(form, letter, {}, {})
    stances = _stances(letter)
    if not form.validate():
        return _render(form, letter, stances, {}), 400
    raw_recipient = (form.recipient_id.data or "").strip()
    data = ResponseInput(
        recipient_id=parse_id(raw_recipient) or -1,
        received_on=form.received_on.data,
        kind=form.kind.data,
        channel=form.channel.data,
        summary=form.summary.data or "",
        body=form.body.data or "",
        stances=stances,
    )
    try:
        record_response(current_actor(), letter, data, utcnow(), upload_from(form.file.data))
    except ServiceError as error:
        return _render(form, letter, stances, place_errors(form, letter, error)), status_for(error)
    flash("Response recorded.", "success")
    return redirect(url_for("letters.show", letter_id=letter.id, _anchor="responses"))


@bp.route("/<int:letter_id>/responses/<int:response_id>/file")
@requires("viewer")
def download(letter_id: int, response_id: int):
    letter = visible_letter(letter_id)  # 404 unless the user may see the letter
    response = db.session.get(Response, response_id)
    if response is None or response.letter_id != letter.id or not response.file_key:
        abort(404)
    note_restricted_view(letter, "Response file")
    return files.download(
        response.file_key, response.file_name or "response", response.file_type or ""
    )
