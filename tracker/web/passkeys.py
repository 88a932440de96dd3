"""Passkeys: the account page's list (add, rename, remove) and the login step with one.

The ceremonies' options come as JSON from the POST endpoints below (CSRF in the
X-CSRFToken header); static/passkeys.js calls the browser and posts the result in an
ordinary form. The challenge waits in the Flask session and is taken out on first use.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from webauthn import base64url_to_bytes
from webauthn.helpers import bytes_to_base64url

from tracker import auth
from tracker.auth import PUBLIC, current_actor, finish_login, pending_login, requires
from tracker.models import User, utcnow
from tracker.services import accounts
from tracker.services.accounts import passkeys
from tracker.services.errors import ServiceError
from tracker.web.forms.accounts import (
    PasskeyAddForm,
    PasskeyLoginForm,
    PasskeyRenameForm,
    ReauthForm,
    SecondFactorForm,
)

bp = Blueprint("passkeys", __name__)

CHALLENGE = "passkey_challenge"


def _keep_challenge(purpose: str, user: User, challenge: bytes) -> None:
    session[CHALLENGE] = {
        "purpose": purpose,
        "user": user.id,
        "challenge": bytes_to_base64url(challenge),
    }


def _take_challenge(purpose: str, user: User) -> bytes | None:
    """The challenge of this user's last ceremony of this kind, once."""
    kept = session.pop(CHALLENGE, None)
    if not isinstance(kept, dict) or kept.get("purpose") != purpose:
        return None
    if kept.get("user") != user.id or not isinstance(kept.get("challenge"), str):
        return None
    return base64url_to_bytes(kept["challenge"])


def _json(text: str):
    return current_app.response_class(text, mimetype="application/json")


def _page(user: User, add_form: PasskeyAddForm | None = None, status: int = 200):
    return render_template(
        "auth/passkeys.html",
        add_form=add_form or PasskeyAddForm(prefix="add"),
        remove_form=ReauthForm(prefix="remove"),
        rename_form=PasskeyRenameForm(prefix="rename"),
        rp_id=passkeys.rp_id(),
    ), status


@bp.route("/account/passkeys")
@requires("viewer")
def index():
    return _page(current_user._get_current_object())


@bp.route("/account/passkeys/options", methods=["POST"])
@requires("viewer")
def registration_options():
    user = current_user._get_current_object()
    options, challenge = passkeys.registration_options(user)
    _keep_challenge("register", user, challenge)
    return _json(options)


@bp.route("/account/passkeys", methods=["POST"])
@requires("viewer")
def add():
    user = current_user._get_current_object()
    form = PasskeyAddForm(prefix="add")
    challenge = _take_challenge("register", user)
    if not form.validate_on_submit():
        if form.credential.errors:
            form.credential.errors = [
                "Adding a passkey needs JavaScript and a browser with passkeys."
            ]
        return _page(user, form, 400)
    try:
        accounts.check_current_password(
            current_actor(), user, form.current_password.data, auth.throttle_policy(), utcnow()
        )
        codes = passkeys.add(
            current_actor(),
            user,
            form.credential.data,
            challenge,
            form.name.data,
            utcnow(),
            keep=user.login_session,
        )
    except ServiceError as error:
        for name, message in error.fields.items():
            field = getattr(form, name, None)
            (field.errors if field is not None else form.credential.errors).append(message)
        if not error.fields:
            form.credential.errors.append(error.message)
        return _page(user, form, 400)
    if codes:
        return render_template(
            "auth/recovery_codes.html", codes=codes, next_url=url_for("passkeys.index")
        )
    flash("Passkey added. Your other sessions have ended.", "success")
    return redirect(url_for("passkeys.index"))


@bp.route("/account/passkeys/<int:passkey_id>/rename", methods=["POST"])
@requires("viewer")
def rename(passkey_id: int):
    user = current_user._get_current_object()
    form = PasskeyRenameForm(prefix="rename")
    if not form.validate_on_submit():
        flash("Give the passkey a name of up to 80 characters.", "error")
        return _page(user, status=400)
    try:
        passkeys.rename(current_actor(), user, passkey_id, form.name.data)
    except ServiceError as error:
        if error.kind == "not_found":
            raise
        flash(error.message, "error")
        return _page(user, status=400)
    flash("Passkey renamed.", "success")
    return redirect(url_for("passkeys.index"))


@bp.route("/account/passkeys/<int:passkey_id>/remove", methods=["POST"])
@requires("viewer")
def remove(passkey_id: int):
    user = current_user._get_current_object()
    form = ReauthForm(prefix="remove")
    if not form.validate_on_submit():
        flash("Type your password to remove a passkey.", "error")
        return _page(user, status=400)
    try:
        accounts.check_current_password(
            current_actor(), user, form.current_password.data, auth.throttle_policy(), utcnow()
        )
        passkeys.remove(current_actor(), user, passkey_id)
    except ServiceError as error:
        if error.kind == "not_found":
            raise
        flash(error.message, "error")
        return _page(user, status=400)
    flash("Passkey removed.", "success")
    return redirect(url_for("passkeys.index"))


def _pending_with_passkeys() -> tuple[User, str] | None:
    pending = pending_login("verify")
    if pending is None or not pending[0].passkeys:
        return None
    return pending


@bp.route("/login/passkey/options", methods=["POST"])
@requires(PUBLIC)
def login_options():
    pending = _pending_with_passkeys()
    if pending is None:
        return _json('{"error": "Log in again: that step took too long."}'), 400
    user, _target = pending
    options, challenge = passkeys.authentication_options(user)
    _keep_challenge("login", user, challenge)
    return _json(options)


@bp.route("/login/passkey", methods=["POST"])
@requires(PUBLIC)
def login():
    pending = _pending_with_passkeys()
    if pending is None:
        if current_user.is_authenticated:  # already through: nothing to wait for
            return redirect(url_for("main.home"))
        flash("Log in again: that step took too long or the account changed.", "info")
        return redirect(url_for("auth.login"))
    user, target = pending
    form = PasskeyLoginForm(prefix="passkey")
    challenge = _take_challenge("login", user)
    code_form = SecondFactorForm(formdata=None)
    if not form.validate_on_submit():
        flash("Using a passkey needs JavaScript and a browser with passkeys.", "error")
        return _second_step_page(user, code_form, 400)
    result, problem = passkeys.verify_login(
        user,
        form.credential.data,
        challenge,
        request.remote_addr or "",
        auth.throttle_policy(),
        utcnow(),
        auth.user_agent(),
    )
    if result.outcome == "ok":
        finish_login(user)
        return redirect(target)
    if result.outcome == "throttled":
        flash("Too many failed attempts. Wait a few minutes and try again.", "error")
        return _second_step_page(user, code_form, 429)
    flash(problem or passkeys.REFUSED, "error")
    return _second_step_page(user, code_form, 400)


def _second_step_page(user: User, form: SecondFactorForm, status: int):
    return render_template(
        "auth/second_factor.html",
        form=form,
        passkey_form=PasskeyLoginForm(prefix="passkey") if user.passkeys else None,
        has_totp=user.has_totp,
    ), status


def second_step_page(user: User, form: SecondFactorForm, status: int = 200):
    """The page of the second login step (web/two_factor.verify renders it too)."""
    return _second_step_page(user, form, status)
