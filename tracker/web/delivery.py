"""Delivery problems (admins): every failed or long-retrying reminder and digest, with
the server's last answer, "Retry" for one or all, and "Dismiss" to give up on one; and
every letter sent from Tracker that did not reach a recipient, with "Resend" and
"Dismiss" (those forms post to the mailbox blueprint, where editors act on the letter page)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from tracker.auth import current_actor, requires
from tracker.extensions import db
from tracker.models import Digest, Reminder, utcnow
from tracker.queries import delivery, heartbeat
from tracker.services import followup
from tracker.services.errors import ServiceError
from tracker.services.reminders import retry
from tracker.web.followup import ConfirmForm

bp = Blueprint("delivery", __name__, url_prefix="/admin/delivery")


@bp.route("/")
@requires("admin")
def problems():
    now = utcnow()
    return render_template(
        "delivery/problems.html",
        reminders=delivery.reminder_problems(now),
        digests=delivery.digest_problems(now),
        letters=delivery.letter_delivery_problems(),
        unreachable_since=heartbeat.mail_unreachable_since(),
        form=ConfirmForm(),
    )


def _confirmed() -> None:
    if not ConfirmForm().validate_on_submit():
        abort(400)


@bp.route("/reminders/<int:reminder_id>/retry", methods=["POST"])
@requires("admin")
def retry_reminder(reminder_id: int):
    reminder = db.session.get(Reminder, reminder_id) or abort(404)
    _confirmed()
    try:
        followup.retry_reminder(current_actor(), reminder, utcnow())
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash("The reminder will be sent again at the next sweep.", "success")
    return redirect(url_for("delivery.problems"))


@bp.route("/digests/<int:digest_id>/retry", methods=["POST"])
@requires("admin")
def retry_digest(digest_id: int):
    digest = db.session.get(Digest, digest_id) or abort(404)
    _confirmed()
    if retry.retry_digest(current_actor(), digest, utcnow()):
        flash("The digest will be sent again at the next sweep.", "success")
    else:
        flash("This digest has no delivery problem any more.", "error")
    return redirect(url_for("delivery.problems"))


@bp.route("/retry-all", methods=["POST"])
@requires("admin")
def retry_all():
    _confirmed()
    count = retry.retry_all(current_actor(), utcnow())
    flash(f"{count} sends will be tried again at the next sweep.", "success")
    return redirect(url_for("delivery.problems"))


@bp.route("/reminders/<int:reminder_id>/dismiss", methods=["POST"])
@requires("admin")
def dismiss_reminder(reminder_id: int):
    reminder = db.session.get(Reminder, reminder_id) or abort(404)
    _confirmed()
    try:
        retry.dismiss_reminder(current_actor(), reminder, utcnow())
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash("The reminder is dismissed: it will not be sent.", "success")
    return redirect(url_for("delivery.problems"))


@bp.route("/digests/<int:digest_id>/dismiss", methods=["POST"])
@requires("admin")
def dismiss_digest(digest_id: int):
    digest = db.session.get(Digest, digest_id) or abort(404)
    _confirmed()
    try:
        retry.dismiss_digest(current_actor(), digest, utcnow())
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash("The digest is dismissed: it will not be sent.", "success")
    return redirect(url_for("delivery.problems"))
