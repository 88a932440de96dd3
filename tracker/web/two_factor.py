"""Two-factor login: the second login step, enrolment (at login when required, or from
the account page), recovery codes, and turning it off."""

from __future__ import annotations

import segno
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tracker.auth import (
    PUBLIC,
    current_actor,
    finish_login,
    pending_login,
    requires,
    throttle_policy,
    user_agent,
)
from tracker.models import User, utcnow
from tracker.services import accounts
from tracker.services.accounts import second_factor
from tracker.services.audit import Actor
from tracker.services.errors import ServiceError
from tracker.web.forms.accounts import ConfirmForm, EnrolForm, ReauthForm, SecondFactorForm
from tracker.web.passkeys import second_step_page

bp = Blueprint("two_factor", __name__)


def _log_in_again():
    if current_user.is_authenticated:  # already through: nothing to wait for
        return redirect(url_for("main.home"))
    flash("Log in again: that step took too long or the account changed.", "info")
    return redirect(url_for("auth.login"))


def enrolment_page(user: User, form: EnrolForm, action: str, status: int = 200):
    """The QR code is an SVG drawn here and sent as a data: image (the CSP's img-src
    allows it): no third party sees the secret, and no script or style is inlined."""
    uri = second_factor.provisioning_uri(user)
    qr = segno.make(uri, error="m").svg_data_uri(scale=5, border=2)
    secret = second_factor.secret_of(user) or ""
    grouped = " ".join(secret[index : index + 4] for index in range(0, len(secret), 4))
    return render_template(
        "auth/two_factor_enrol.html", form=form, qr=qr, secret=grouped, action=action
    ), status


@bp.route("/login/code", methods=["GET", "POST"])
@requires(PUBLIC)
def verify():
    pending = pending_login("verify")
    if pending is None:
        return _log_in_again()
    user, target = pending
    form = SecondFactorForm()
    status = 200
    if form.validate_on_submit():
        result = second_factor.verify_login(
            user,
            form.code.data,
            request.remote_addr or "",
            throttle_policy(),
            utcnow(),
            user_agent(),
        )
        if result.outcome == "ok":
            finish_login(user)
            if result.method == "a recovery code":
                left = second_factor.unused_recovery_codes(user)
                flash(f"You used a recovery code; {left} are left. Each works once.", "info")
            return redirect(target)
        if result.outcome == "throttled":
            flash("Too many wrong codes. Wait a few minutes and try again.", "error")
            status = 429
        else:
            form.code.errors.append(second_factor.WRONG_CODE)
            status = 401
    elif form.is_submitted():
        status = 400
    return second_step_page(user, form, status)


@bp.route("/login/set-up", methods=["GET", "POST"])
@requires(PUBLIC)
def enrol_at_login():
    """The organisation requires a second factor and this user has none yet."""
    pending = pending_login("enrol")
    if pending is None:
        return _log_in_again()
    user, target = pending
    form = EnrolForm()
    if form.validate_on_submit():
        actor = Actor(user.id, user.email, request.remote_addr or "")
        try:
            codes = second_factor.confirm_enrolment(
                actor, user, form.code.data, utcnow(), logging_in=True, user_agent=user_agent()
            )
        except ServiceError as error:
            form.code.errors.append(error.message)
            return enrolment_page(user, form, url_for("two_factor.enrol_at_login"), 400)
        finish_login(user)
        return render_template("auth/recovery_codes.html", codes=codes, next_url=target)
    status = 400 if form.is_submitted() else 200
    return enrolment_page(user, form, url_for("two_factor.enrol_at_login"), status)


@bp.route("/account/two-factor")
@requires("viewer")
def settings():
    user = current_user._get_current_object()
    if not user.has_totp and second_factor.has_secret(user):
        return enrolment_page(user, EnrolForm(), url_for("two_factor.confirm"))
    return _settings_page(user)


def _settings_page(user: User, status: int = 200):
    return render_template(
        "auth/two_factor.html",
        begin_form=ConfirmForm(prefix="begin"),
        codes_form=ReauthForm(prefix="codes"),
        off_form=ReauthForm(prefix="off"),
        codes_left=second_factor.unused_recovery_codes(user),
        required=second_factor.required_for(user),
    ), status


@bp.route("/account/two-factor/begin", methods=["POST"])
@requires("viewer")
def begin():
    if ConfirmForm(prefix="begin").validate_on_submit():
        try:
            second_factor.begin_enrolment(current_actor(), current_user._get_current_object())
        except ServiceError as error:
            flash(error.message, "error")
    return redirect(url_for("two_factor.settings"))


@bp.route("/account/two-factor/confirm", methods=["POST"])
@requires("viewer")
def confirm():
    user = current_user._get_current_object()
    form = EnrolForm()
    if not form.validate_on_submit():
        return enrolment_page(user, form, url_for("two_factor.confirm"), 400)
    try:
        codes = second_factor.confirm_enrolment(
            current_actor(), user, form.code.data, utcnow(), keep=user.login_session
        )
    except ServiceError as error:
        form.code.errors.append(error.message)
        if not second_factor.has_secret(user):
            return redirect(url_for("two_factor.settings"))
        return enrolment_page(user, form, url_for("two_factor.confirm"), 400)
    # this session continues; the others ended
    return render_template(
        "auth/recovery_codes.html", codes=codes, next_url=url_for("two_factor.settings")
    )


def _reauthenticated(form: ReauthForm) -> bool:
    """The password typed again, checked with the throttle; errors are flashed."""
    if not form.validate_on_submit():
        return False
    user = current_user._get_current_object()
    try:
        accounts.check_current_password(
            current_actor(), user, form.current_password.data, throttle_policy(), utcnow()
        )
    except ServiceError as error:
        flash(error.message, "error")
        return False
    return True


@bp.route("/account/two-factor/recovery-codes", methods=["POST"])
@requires("viewer")
def recovery_codes():
    user = current_user._get_current_object()
    if not _reauthenticated(ReauthForm(prefix="codes")):
        return _settings_page(user, 400)
    try:
        codes = second_factor.new_recovery_codes(current_actor(), user, utcnow())
    except ServiceError as error:
        flash(error.message, "error")
        return _settings_page(user, 400)
    return render_template(
        "auth/recovery_codes.html", codes=codes, next_url=url_for("two_factor.settings")
    )


@bp.route("/account/two-factor/off", methods=["POST"])
@requires("viewer")
def turn_off():
    user = current_user._get_current_object()
    if not _reauthenticated(ReauthForm(prefix="off")):
        return _settings_page(user, 400)
    try:
        second_factor.turn_off(current_actor(), user)
    except ServiceError as error:
        flash(error.message, "error")
        return _settings_page(user, 400)
    flash("Two-factor login is off. Your password alone now logs you in.", "info")
    return redirect(url_for("two_factor.settings"))
