"""The sessions page: the user's own logins, each ended with a button."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_login import current_user, logout_user

from tracker.auth import current_actor, requires
from tracker.models import utcnow
from tracker.queries import accounts as account_queries
from tracker.services.accounts import sessions
from tracker.services.errors import ServiceError
from tracker.web.forms.accounts import ConfirmForm

bp = Blueprint("sessions", __name__)


@bp.route("/account/sessions")
@requires("viewer")
def index():
    user = current_user._get_current_object()
    rows = account_queries.active_sessions(user.id, utcnow(), sessions.idle_limit())
    return render_template(
        "auth/sessions.html",
        sessions=rows,
        current_id=user.login_session.id,
        form=ConfirmForm(),
        idle_hours=round(sessions.idle_limit().total_seconds() / 3600),
    )


@bp.route("/account/sessions/<int:session_id>/end", methods=["POST"])
@requires("viewer")
def end(session_id: int):
    user = current_user._get_current_object()
    if not ConfirmForm().validate_on_submit():
        flash("The form expired. Try again.", "error")
        return redirect(url_for("sessions.index"))
    this_one = session_id == user.login_session.id
    try:
        ended = sessions.end_one(current_actor(), user, session_id, utcnow())
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("sessions.index"))
    if this_one:
        logout_user()
        session.clear()
        flash("You ended this session: you are logged out here.", "info")
        return redirect(url_for("auth.login"))
    flash(f"Ended the session of {ended.user_agent}.", "success")
    return redirect(url_for("sessions.index"))


@bp.route("/account/sessions/end-others", methods=["POST"])
@requires("viewer")
def end_others():
    user = current_user._get_current_object()
    if not ConfirmForm().validate_on_submit():
        flash("The form expired. Try again.", "error")
        return redirect(url_for("sessions.index"))
    count = sessions.end_others(current_actor(), user, user.login_session, utcnow())
    flash(f"Ended {count} other sessions. This one continues.", "success")
    return redirect(url_for("sessions.index"))
