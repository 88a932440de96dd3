"""The letter form, the letter page and its status changes."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tracker.auth import current_actor, current_visibility, requires
from tracker.domain.labels import OUTCOME_LABELS, STANCE_LABELS
from tracker.errors import status_for
from tracker.extensions import db
from tracker.models import Demand, Letter, utcnow
from tracker.queries.letters.page import build_page, load_letter
from tracker.queries.mailbox import letter_mail
from tracker.services import directory, files
from tracker.services import letters as letter_service
from tracker.services.errors import EditConflict, ServiceError
from tracker.services.letters import undo
from tracker.settings import organisation_today
from tracker.web import followup as followup_web
from tracker.web.access import note_restricted_view, visible_letter
from tracker.web.forms.common import add_error, form_version, place_field_errors
from tracker.web.forms.letters import (
    DemandOutcomeForm,
    LetterForm,
    fill_letter_form,
    official_label,
    set_rows,
    suggested_officials,
)
from tracker.web.forms.undo import UndoForm, flash_with_undo
from tracker.web.letters import bp
from tracker.web.letters.form_input import (
    differences,
    parse_letter_form,
    place_errors,
    resolve_recipient_names,
)

FOLLOW_UP_SKIPS = ("met", "accepted", "withdrawn")
NEW_OFFICIAL_INPUTS = ("name", "title", "institution", "country", "email")


def upload_from(storage) -> files.Upload | None:
    """The uploaded file of a form field, read at most one byte past the limit."""
    if storage is None or not getattr(storage, "filename", ""):
        return None
    data = storage.stream.read(current_app.config["MAX_UPLOAD_BYTES"] + 1)
    return files.Upload(storage.filename, data, storage.mimetype or "")


def _render_form(form: LetterForm, letter: Letter | None, follows_up: Letter | None, **extra):
    return render_template(
        "letters/form.html",
        form=form,
        letter=letter,
        follows_up=follows_up,
        suggested_officials=[official_label(o) for o in suggested_officials()],
        **extra,
    )


def _add_official(form: LetterForm) -> int:
    try:
        official = directory.create_official(
            current_actor(),
            name=form.new_official_name.data or "",
            title=form.new_official_title.data or "",
            institution=form.new_official_institution.data or "",
            country=form.new_official_country.data or None,
            email=form.new_official_email.data or "",
        )
    except ServiceError as error:
        # The directory's field names, as the letter form's "new official" inputs.
        general = place_field_errors(
            form, error, rename={name: f"new_official_{name}" for name in NEW_OFFICIAL_INPUTS}
        )
        for message in general:
            add_error(form.new_official_name, message)
        return status_for(error)
    rows = form.recipients
    empty = next((r for r in rows if not (r.form.official.data or r.form.official_id.data)), None)
    row = empty or form.recipients.append_entry()
    row.form.official_id.data = str(official.id)
    row.form.official.data = official_label(official)
    row.form.role.data = form.new_official_role.data
    form.clear_new_official()
    flash(f"Added {official.name} to the directory and to this letter.", "success")
    return 200


def _handle_form(form: LetterForm, letter: Letter | None, follows_up: Letter | None):
    """The POST side of the new, edit and follow-up forms."""
    if form.add_recipient.data:
        form.recipients.append_entry()
        return _render_form(form, letter, follows_up)
    if form.add_demand.data:
        form.demands.append_entry({"position": len(form.demands.entries) + 1})
        return _render_form(form, letter, follows_up)
    if form.add_official.data:
        status = _add_official(form)
        return _render_form(form, letter, follows_up), status
    if not form.validate() or not resolve_recipient_names(form):
        return _render_form(form, letter, follows_up), 400
    follows_up_id = letter.follows_up_id if letter else (follows_up.id if follows_up else None)
    parsed = parse_letter_form(form, follows_up_id, current_user.id)
    upload = upload_from(form.file.data)
    now = utcnow()
    try:
        if letter is None:
            saved = letter_service.create_letter(current_actor(), parsed.data, now, upload)
        else:
            version = form_version(form)
            saved = letter_service.update_letter(
                current_actor(), letter, parsed.data, version, now, upload
            )
    except EditConflict as conflict:
        current = load_letter(conflict.current.id, current_visibility())
        form.version.data = str(current.version)
        changed = differences(letter_service.letter_input_from(current), parsed.data)
        return _render_form(form, current, follows_up, conflict=changed), 409
    except ServiceError as error:
        general = place_errors(form, parsed, error)
        return _render_form(form, letter, follows_up, general_errors=general), status_for(error)
    flash(f"Saved letter {saved.reference}.", "success")
    return redirect(url_for("letters.show", letter_id=saved.id))


@bp.route("/new", methods=["GET", "POST"])
@requires("editor")
def new():
    form = LetterForm()
    if request.method == "POST":
        return _handle_form(form, None, None)
    form.reference.data = letter_service.next_reference(organisation_today(utcnow()))
    form.owner_id.data = str(current_user.id)
    form.response_window_days.data = current_app.config["TRACKER_RESPONSE_WINDOW_DAYS"]
    form.demands[0].form.position.data = 1
    return _render_form(form, None, None)


@bp.route("/<int:letter_id>/follow-up", methods=["GET", "POST"])
@requires("editor")
def follow_up(letter_id: int):
    original = load_letter(letter_id, current_visibility())
    form = LetterForm()
    if request.method == "POST":
        return _handle_form(form, None, original)
    form.reference.data = letter_service.next_reference(organisation_today(utcnow()))
    form.subject.data = f"Follow-up: {original.subject}"[:500]
    form.campaign_id.data = str(original.campaign_id or "")
    form.channel.data = original.channel
    form.signatories.data = original.signatories
    form.owner_id.data = str(current_user.id)
    form.watcher_ids.data = [str(user.id) for user in original.watchers]
    form.response_window_days.data = original.response_window_days
    form.day_kind.data = "business" if original.business_days else "calendar"
    pending = [d for d in original.demands if d.outcome not in FOLLOW_UP_SKIPS]
    set_rows(form, original.recipients, pending, with_ids=False)
    return _render_form(form, None, original)


@bp.route("/<int:letter_id>/edit", methods=["GET", "POST"])
@requires("editor")
def edit(letter_id: int):
    visibility = current_visibility()
    letter = load_letter(letter_id, visibility)
    follows_up = letter.follows_up
    if follows_up is not None and not visibility.sees_campaign(follows_up.campaign):
        follows_up = None  # kept on the letter, not shown to whom it is hidden
    form = LetterForm()
    if request.method == "POST":
        return _handle_form(form, letter, follows_up)
    fill_letter_form(form, letter)
    return _render_form(form, letter, follows_up)


def _outcome_form(demand: Demand) -> DemandOutcomeForm:
    form = DemandOutcomeForm(prefix=f"d{demand.id}", formdata=None)
    form.outcome.data = demand.outcome
    form.note.data = demand.outcome_note
    form.version.data = str(demand.version)
    return form


def _render_show(letter_id: int, outcome_forms=None, status: int = 200, **extra):
    """The letter page; with a refused outcome form, that form on its own page instead
    (on the letter page it sits in a closed dialog, where its messages would go unseen)."""
    for demand_id, form in (outcome_forms or {}).items():
        demand = db.session.get(Demand, demand_id)
        return render_template("letters/outcome.html", demand=demand, form=form), status
    page = build_page(letter_id, organisation_today(utcnow()), visibility=current_visibility())
    note_restricted_view(page.letter)
    forms = {view.demand.id: _outcome_form(view.demand) for view in page.demands}
    return render_template(
        "letters/show.html",
        page=page,
        letter=page.letter,
        outcome_forms=forms,
        close_question=close_question(page.letter),
        withdraw_question=followup_web.withdraw_question,
        can_edit=current_user.has_role("editor"),
        stance_labels=STANCE_LABELS,
        outcome_labels=OUTCOME_LABELS,
        mail=letter_mail(page.letter),
        **extra,
    ), status


@bp.route("/<int:letter_id>")
@requires("viewer")
def show(letter_id: int):
    return _render_show(letter_id)


def close_question(letter: Letter) -> dict[str, str]:
    """The words of the close confirmation, on its page and in the letter page's dialog."""
    return {
        "question": f"Close letter {letter.reference}?",
        "explanation": "Closing stops the follow-up: every pending reminder is cancelled and "
        "the letter leaves the working lists. Responses can still be recorded.",
        "button": "Close the letter",
        "action": url_for("letters.close", letter_id=letter.id),
    }


@bp.route("/<int:letter_id>/close", methods=["GET", "POST"])
@requires("editor")
def close(letter_id: int):
    letter = load_letter(letter_id, current_visibility())
    if request.method == "GET":  # the confirmation page (the letter page asks in a dialog)
        back = url_for("letters.show", letter_id=letter_id)
        return render_template("confirm.html", **close_question(letter), cancel_url=back)
    was_closed = letter.status == "closed"
    try:
        letter_service.close_letter(current_actor(), letter, utcnow())
    except EditConflict:
        flash("Someone else changed this letter meanwhile; check it and close it again.", "error")
        return _render_show(letter_id, status=409)
    text = f"Closed letter {letter.reference}; its pending reminders are cancelled."
    if was_closed:
        flash(text, "success")
    else:
        flash_with_undo(text, url_for("letters.undo_close", letter_id=letter_id), letter.version)
    return redirect(url_for("letters.show", letter_id=letter_id))


@bp.route("/<int:letter_id>/undo-close", methods=["POST"])
@requires("editor")
def undo_close(letter_id: int):
    """The close flash's "Undo": the letter is open again, its reminders re-planned."""
    letter = load_letter(letter_id, current_visibility())
    form = UndoForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        names = undo.undo_close(current_actor(), letter, form_version(form), utcnow())
    except ServiceError as error:
        flash(error.message, "error")
        return _render_show(letter_id, status=status_for(error))
    again = f"; {', '.join(names)} awaited again" if names else ""
    flash(f"Letter {letter.reference} is open again{again}.", "success")
    return redirect(url_for("letters.show", letter_id=letter_id))


@bp.route("/demands/<int:demand_id>/outcome", methods=["GET", "POST"])
@requires("editor")
def demand_outcome(demand_id: int):
    demand = db.session.get(Demand, demand_id) or abort(404)
    load_letter(demand.letter_id, current_visibility())  # 404 unless the user may see it
    if request.method == "GET":  # the page without JavaScript; the letter page has a dialog
        return render_template("letters/outcome.html", demand=demand, form=_outcome_form(demand))
    letter_id = demand.letter_id
    form = DemandOutcomeForm(prefix=f"d{demand.id}")
    if not form.validate():
        return _render_show(letter_id, {demand.id: form}, 400)
    version = form_version(form)
    try:
        letter_service.set_demand_outcome(
            current_actor(), demand, form.outcome.data, form.note.data or "", version, utcnow()
        )
    except EditConflict as conflict:
        current = db.session.get(Demand, conflict.current.id)
        db.session.refresh(current)
        form.version.data = str(current.version)
        message = (
            f"Someone else set this demand's outcome meanwhile, to "
            f"“{OUTCOME_LABELS[current.outcome]}”"
            f"{': ' + current.outcome_note if current.outcome_note else ''}. Your choice is "
            "kept below: save again to replace theirs."
        )
        add_error(form.outcome, message)
        return _render_show(letter_id, {demand.id: form}, 409)
    except ServiceError as error:
        for message in place_field_errors(form, error):
            add_error(form.outcome, message)
        return _render_show(letter_id, {demand.id: form}, status_for(error))
    flash(f"Demand {demand.position}: {OUTCOME_LABELS[demand.outcome]}.", "success")
    return redirect(url_for("letters.show", letter_id=letter_id, _anchor=f"demand-{demand.id}"))


@bp.route("/<int:letter_id>/file")
@requires("viewer")
def download(letter_id: int):
    letter = visible_letter(letter_id)
    if not letter.file_key:
        abort(404)
    note_restricted_view(letter, "File")
    return files.download(letter.file_key, letter.file_name or "letter", letter.file_type or "")
