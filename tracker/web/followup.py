"""Follow-up actions on one recipient: pause, resume, extend, snooze, withdraw, mark a
follow-up sent, and retry a failed reminder.

The letter page shows the buttons (templates/letters/_ladder.html). The reminder
emails link to the snooze and follow-up pages, which confirm with a POST form. Every
action redirects back to the letter page.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import IntegerField, SubmitField
from wtforms.validators import InputRequired, NumberRange

from tracker.auth import current_actor, current_visibility, requires
from tracker.errors import status_for
from tracker.extensions import db
from tracker.models import Recipient, Reminder, utcnow
from tracker.queries.access import letter_is_visible
from tracker.services import followup
from tracker.services.errors import ServiceError
from tracker.services.letters import undo
from tracker.settings import organisation_today
from tracker.web.forms.common import form_version, place_field_errors
from tracker.web.forms.undo import UndoForm, flash_with_undo

bp = Blueprint("followup", __name__)


class ConfirmForm(FlaskForm):
    submit = SubmitField("Confirm")


def days_form(maximum: int, default: int, label: str) -> FlaskForm:
    class DaysForm(FlaskForm):
        days = IntegerField(
            "Days",
            default=default,
            validators=[
                InputRequired(message="Give a number of days."),
                NumberRange(min=1, max=maximum, message=f"Give between 1 and {maximum} days."),
            ],
        )
        submit = SubmitField(label)

    return DaysForm()


def _recipient(recipient_id: int) -> Recipient:
    """The recipient, 404 unless the user may see its letter (so may act on it)."""
    recipient = db.session.get(Recipient, recipient_id)
    if recipient is None or not letter_is_visible(current_visibility(), recipient.letter_id):
        abort(404)
    return recipient


def letter_page(letter_id: int, recipient_id: int | None = None) -> str:
    anchor = f"ladder-{recipient_id}" if recipient_id else None
    return url_for("letters.show", letter_id=letter_id, _anchor=anchor)


def _back(recipient: Recipient, message: str):
    flash(message, "success")
    return redirect(letter_page(recipient.letter_id, recipient.id))


def _refused(recipient: Recipient, error: ServiceError, template: str, **context):
    """Show why the action could not be done, next to its form's input when it has one."""
    form = context.get("form")
    general = place_field_errors(form, error) if form is not None else [error.message]
    for message in general:
        flash(message, "error")
    return _page(template, recipient, **context), status_for(error)


def _page(template: str, recipient: Recipient, **context):
    back_url = letter_page(recipient.letter_id, recipient.id)
    return render_template(template, recipient=recipient, back_url=back_url, **context)


def _simple_action(recipient_id: int, action, done: str):
    recipient = _recipient(recipient_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    now = utcnow()
    try:
        action(recipient, now)
    except ServiceError as error:
        return _refused(recipient, error, "followup/refused.html")
    return _back(recipient, done.format(official=recipient.official.name))


@bp.route("/recipients/<int:recipient_id>/pause", methods=["POST"])
@requires("editor")
def pause(recipient_id: int):
    return _simple_action(
        recipient_id,
        lambda r, now: followup.pause_clock(current_actor(), r, organisation_today(now), now),
        "The clock of {official} is paused.",
    )


@bp.route("/recipients/<int:recipient_id>/resume", methods=["POST"])
@requires("editor")
def resume(recipient_id: int):
    return _simple_action(
        recipient_id,
        lambda r, now: followup.resume_clock(current_actor(), r, organisation_today(now), now),
        "The clock of {official} runs again.",
    )


@bp.route("/recipients/<int:recipient_id>/withdraw", methods=["GET", "POST"])
@requires("editor")
def withdraw(recipient_id: int):
    if request.method == "GET":  # the confirmation page (the letter page asks in a dialog)
        recipient = _recipient(recipient_id)
        return render_template(
            "confirm.html",
            **withdraw_question(recipient),
            cancel_url=letter_page(recipient.letter_id, recipient.id),
        )
    recipient = _recipient(recipient_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        followup.withdraw_recipient(current_actor(), recipient, utcnow())
    except ServiceError as error:
        return _refused(recipient, error, "followup/refused.html")
    flash_with_undo(
        f"{recipient.official.name} is withdrawn: no more reminders.",
        url_for("followup.undo_withdraw", recipient_id=recipient.id),
        recipient.version,
    )
    return redirect(letter_page(recipient.letter_id, recipient.id))


@bp.route("/recipients/<int:recipient_id>/undo-withdraw", methods=["POST"])
@requires("editor")
def undo_withdraw(recipient_id: int):
    """The withdraw flash's "Undo": the previous state and its reminders come back."""
    recipient = _recipient(recipient_id)
    form = UndoForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        previous = undo.undo_withdraw(current_actor(), recipient, form_version(form), utcnow())
    except ServiceError as error:
        return _refused(recipient, error, "followup/refused.html")
    return _back(recipient, f"{recipient.official.name} is {previous} again, as before.")


def withdraw_question(recipient: Recipient) -> dict[str, str]:
    """The words of the withdraw confirmation, on its page and in the letter page's dialog."""
    name = recipient.official.name
    return {
        "question": f"Withdraw {name}?",
        "explanation": f"No answer is awaited from {name} any more and their remaining "
        "reminders are cancelled. The letter stays open for its other recipients.",
        "button": f"Withdraw {name}",
        "action": url_for("followup.withdraw", recipient_id=recipient.id),
    }


def _days_page(recipient_id: int, kind: str):
    """The extend and snooze pages: a number of days, confirmed with POST."""
    recipient = _recipient(recipient_id)
    if kind == "extend":
        form = days_form(followup.MAX_EXTENSION_DAYS, 14, "Extend the deadline")
    else:
        form = days_form(followup.MAX_SNOOZE_DAYS, 7, "Snooze")
    context = {"form": form, "kind": kind}
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return _page("followup/days.html", recipient, **context), status
    now = utcnow()
    today = organisation_today(now)
    try:
        if kind == "extend":
            followup.extend_clock(current_actor(), recipient, form.days.data, today, now)
            return _back(recipient, f"The deadline of {recipient.official.name} is extended.")
        until = followup.snooze(current_actor(), recipient, form.days.data, today, now)
    except ServiceError as error:
        return _refused(recipient, error, "followup/days.html", **context)
    return _back(
        recipient,
        f"No reminder about {recipient.official.name} before {until:%Y-%m-%d %H:%M} UTC.",
    )


@bp.route("/recipients/<int:recipient_id>/extend", methods=["GET", "POST"])
@requires("editor")
def extend(recipient_id: int):
    return _days_page(recipient_id, "extend")


@bp.route("/recipients/<int:recipient_id>/snooze", methods=["GET", "POST"])
@requires("editor")
def snooze_form(recipient_id: int):
    return _days_page(recipient_id, "snooze")


@bp.route("/recipients/<int:recipient_id>/follow-up-sent", methods=["GET", "POST"])
@requires("editor")
def follow_up_form(recipient_id: int):
    recipient = _recipient(recipient_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return _page("followup/follow_up.html", recipient, form=form), status
    try:
        followup.mark_follow_up_sent(current_actor(), recipient, utcnow())
    except ServiceError as error:
        return _refused(recipient, error, "followup/follow_up.html", form=form)
    return _back(recipient, f"Follow-up to {recipient.official.name} recorded.")


@bp.route("/reminders/<int:reminder_id>/retry", methods=["POST"])
@requires("editor")
def retry(reminder_id: int):
    reminder = db.session.get(Reminder, reminder_id) or abort(404)
    _recipient(reminder.recipient_id)  # 404 unless the user may see the letter
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    recipient = reminder.recipient
    try:
        followup.retry_reminder(current_actor(), reminder, utcnow())
    except ServiceError as error:
        return _refused(recipient, error, "followup/refused.html")
    return _back(recipient, "The reminder will be sent again at the next sweep.")
