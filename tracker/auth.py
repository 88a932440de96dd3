"""Login, logout, the account page, roles on every route, and safe redirects."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user

from tracker.extensions import db, login_manager
from tracker.models import User, utcnow
from tracker.queries import heartbeat
from tracker.queries.access import UNRESTRICTED_ONLY, Visibility, visibility_of
from tracker.queries.cache import VERSION_COLUMN, remember
from tracker.services import accounts
from tracker.services.accounts import sessions
from tracker.services.audit import Actor
from tracker.services.errors import ServiceError
from tracker.web.forms.accounts import LoginForm, PasswordChangeForm, PreferencesForm

bp = Blueprint("auth", __name__)

PUBLIC = "public"
View = TypeVar("View", bound=Callable)


def requires(role: str) -> Callable[[View], View]:
    """Declare who may use a view: PUBLIC, "viewer", "editor" or "admin".

    The app refuses any endpoint that declares nothing, so a forgotten route fails
    closed instead of open.
    """

    def decorate(view: View) -> View:
        view.access_policy = role  # type: ignore[attr-defined]
        return view

    return decorate


def enforce_access_policy():
    if request.endpoint is None:
        return None  # 404 or 405 follows
    view = current_app.view_functions[request.endpoint]
    policy = getattr(view, "access_policy", PUBLIC if request.endpoint == "static" else None)
    if policy is None:
        abort(403)
    if policy == PUBLIC:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.has_role(policy):
        abort(403)
    return None


def current_actor() -> Actor:
    ip_address = request.remote_addr or ""
    if current_user.is_authenticated:
        return Actor(current_user.id, current_user.email, ip_address)
    return Actor(None, "anonymous", ip_address)


def current_visibility() -> Visibility:
    """Which letters the logged-in user may see (tracker.queries.access), once a request."""
    if not current_user.is_authenticated:
        return UNRESTRICTED_ONLY
    if "visibility" not in g:
        g.visibility = visibility_of(current_user._get_current_object())
    return g.visibility


def is_safe_next(target: str | None) -> bool:
    """Only paths on this site: no scheme, no host, no protocol-relative tricks."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if "\\" in target or any(ord(char) < 32 or ord(char) == 127 for char in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def load_user(token: str) -> User | None:
    """The cookie carries a login session's token: its session must still stand. The
    same round trip reads the session's user and what every page reads besides (the data
    version, the staff banners' state), kept for the request's transaction."""
    now = utcnow()
    found = sessions.find_active(token, now, VERSION_COLUMN, *heartbeat.BANNER_COLUMNS)
    if found is None:
        return None
    login_session, user, version, last_beat, unreachable = found
    remember("data_version", version)
    heartbeat.remember_banner_state(last_beat, unreachable)
    if not user.is_active:
        return None
    sessions.touch(login_session, request.remote_addr or "", now)
    user.login_session, user.login_token = login_session, token
    return user


def user_agent() -> str:
    return request.headers.get("User-Agent", "")


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see this page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)
    app.before_request(enforce_access_policy)
    app.register_blueprint(bp)


def throttle_policy() -> accounts.ThrottlePolicy:
    config = current_app.config
    return accounts.ThrottlePolicy(
        per_account=config["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
        per_address=config["LOGIN_MAX_FAILURES_PER_ADDRESS"],
        window=timedelta(seconds=config["LOGIN_FAILURE_WINDOW_SECONDS"]),
        account_alarm=config["LOGIN_ACCOUNT_ALARM_FAILURES"],
    )


# A right password waiting for its second factor: not a login, and only for a while.
PENDING_LOGIN = "pending_login"
PENDING_LOGIN_SECONDS = 300


def start_pending_login(user: User, step: str, target: str) -> None:
    session.clear()
    session[PENDING_LOGIN] = {
        "user": user.id,
        "token": user.session_token,  # a password reset meanwhile ends the wait too
        "step": step,
        "next": target,
        "at": int(time.time()),
    }


def pending_login(step: str) -> tuple[User, str] | None:
    """The user whose password was right and the page they asked for, or None."""
    pending = session.get(PENDING_LOGIN)
    if not isinstance(pending, dict) or pending.get("step") != step:
        return None
    if time.time() - pending.get("at", 0) > PENDING_LOGIN_SECONDS:
        session.pop(PENDING_LOGIN, None)
        return None
    user = db.session.get(User, pending.get("user"))
    if user is None or user.session_token != pending.get("token") or not user.is_active:
        session.pop(PENDING_LOGIN, None)
        return None
    target = pending.get("next")
    return user, target if is_safe_next(target) else url_for("main.home")


def finish_login(user: User) -> None:
    """Put the login session the service just opened (`user.login_token`) in the cookie."""
    session.clear()  # a fresh session on login defeats session fixation
    login_user(user)
    session.permanent = True


@bp.route("/login", methods=["GET", "POST"])
@requires(PUBLIC)
def login():
    next_url = request.args.get("next")
    target = next_url if is_safe_next(next_url) else url_for("main.home")
    if current_user.is_authenticated:
        return redirect(target)
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        result = accounts.authenticate(
            form.email.data,
            form.password.data,
            request.remote_addr or "",
            throttle_policy(),
            utcnow(),
            user_agent(),
        )
        if result.throttled:
            flash("Too many failed attempts. Wait a few minutes and try again.", "error")
            status = 429
        elif result.user is None:
            flash("Incorrect email or password.", "error")
            status = 401
        elif result.second_step:
            start_pending_login(result.user, result.second_step, target)
            endpoint = "verify" if result.second_step == "verify" else "enrol_at_login"
            return redirect(url_for(f"two_factor.{endpoint}"))
        else:
            finish_login(result.user)
            return redirect(target)
    elif form.is_submitted():
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@requires("viewer")
def logout():
    user = current_user._get_current_object()
    accounts.log_out(current_actor(), user, user.login_session)
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@requires("viewer")
def account():
    user = current_user._get_current_object()
    password_form = PasswordChangeForm(prefix="pw")
    preferences_form = PreferencesForm(prefix="pref", obj=user)
    if request.method == "GET":
        preferences_form.delivery.data = user.reminder_delivery
    status = 200
    if password_form.submit.data and password_form.validate_on_submit():
        try:
            accounts.change_own_password(
                current_actor(),
                user,
                (password_form.current_password.data, password_form.new_password.data),
                throttle_policy(),
                utcnow(),
                keep=user.login_session,
            )
        except ServiceError as error:
            # Both of the service's refusals here are about the passwords typed.
            password_form.current_password.errors.append(error.message)
            status = 400
        else:
            flash("Password changed. Your other sessions have ended.", "success")
            return redirect(url_for("auth.account"))
    elif preferences_form.submit.data and preferences_form.validate_on_submit():
        accounts.update_preferences(
            current_actor(),
            user,
            timezone=preferences_form.timezone.data,
            delivery=preferences_form.delivery.data,
        )
        flash("Preferences saved.", "success")
        return redirect(url_for("auth.account"))
    elif request.method == "POST":
        status = 400
    return render_template(
        "auth/account.html", password_form=password_form, preferences_form=preferences_form
    ), status
