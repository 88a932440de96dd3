"""Administration: users, the audit trail, and the local mail outbox."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from tracker.auth import current_actor, requires
from tracker.domain.bounds import parse_id
from tracker.errors import status_for
from tracker.extensions import db
from tracker.models import AuditEvent, Group, OutboxMessage, User, utcnow
from tracker.queries import accounts as account_queries
from tracker.services import access, accounts
from tracker.services.accounts import second_factor, sessions
from tracker.services.errors import ServiceError
from tracker.web.forms.accounts import (
    ConfirmForm,
    GroupForm,
    PasswordResetForm,
    SecondFactorResetForm,
    SecondFactorRuleForm,
    UserCreateForm,
    UserEditForm,
    show_account_errors,
)
from tracker.web.forms.common import add_error, form_version
from tracker.web.forms.directory import chosen_ids

bp = Blueprint("admin", __name__, url_prefix="/admin")

PAGE_SIZE = 50


def _page() -> int:
    return max(1, parse_id(request.args.get("page")) or 1)


@bp.route("/users")
@requires("admin")
def users():
    rows = db.session.scalars(
        select(User)
        .options(selectinload(User.passkeys))  # "2FA on" counts passkeys: one query, not N
        .order_by(User.is_active_account.desc(), User.name)
    ).all()
    return render_template(
        "admin/users.html", users=rows, second_factor_rule=second_factor.requirement()
    )


@bp.route("/users/new", methods=["GET", "POST"])
@requires("admin")
def create_user():
    form = UserCreateForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = accounts.create_user(
                current_actor(),
                email=form.email.data,
                name=form.name.data,
                role=form.role.data,
                password=form.password.data,
            )
        except ServiceError as error:
            show_account_errors(form, error, general_on=form.email)
            status = status_for(error)
        else:
            flash(f"Created {user.email}. Give them their password in person.", "success")
            return redirect(url_for("admin.users"))
    elif form.is_submitted():
        status = 400
    return render_template("admin/user_new.html", form=form), status


def _staff() -> list[User]:
    return list(db.session.scalars(select(User).order_by(func.lower(User.name), User.id)))


def _group_errors(form: GroupForm, error: ServiceError) -> None:
    for key, message in (error.fields or {"name": error.message}).items():
        add_error(form.member_ids if key == "members" else form.name, message)


@bp.route("/groups", methods=["GET", "POST"])
@requires("admin")
def groups():
    """Groups of staff (a partner organisation's people) that campaigns are shared with."""
    form = GroupForm(users=_staff())
    status = 200
    if form.validate_on_submit():
        try:
            group = access.create_group(
                current_actor(), form.name.data or "", chosen_ids(form.member_ids)
            )
        except ServiceError as error:
            _group_errors(form, error)
            status = status_for(error)
        else:
            flash(f"Created group {group.name}.", "success")
            return redirect(url_for("admin.groups"))
    elif form.is_submitted():
        status = 400
    rows = db.session.scalars(
        select(Group).order_by(func.lower(Group.name)).options(selectinload(Group.members))
    ).all()
    return render_template("admin/groups.html", groups=rows, form=form), status


@bp.route("/groups/<int:group_id>", methods=["GET", "POST"])
@requires("admin")
def edit_group(group_id: int):
    group = db.session.get(Group, group_id) or abort(404)
    form = GroupForm(users=_staff())
    del form.name  # the name stays; only the members change here
    status = 200
    if request.method == "GET":
        form.member_ids.data = [str(user.id) for user in group.members]
    elif form.validate_on_submit():
        try:
            access.set_group_members(current_actor(), group, chosen_ids(form.member_ids))
        except ServiceError as error:
            add_error(form.member_ids, error.message)
            status = status_for(error)
        else:
            flash(f"Saved the members of {group.name}.", "success")
            return redirect(url_for("admin.groups"))
    else:
        status = 400
    return render_template("admin/group_edit.html", group=group, form=form), status


def _user_or_404(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@requires("admin")
def edit_user(user_id: int):
    user = _user_or_404(user_id)
    form = UserEditForm(obj=user)
    reset_form = PasswordResetForm(prefix="reset")
    if request.method == "GET":
        form.active.data = user.is_active_account
        form.version.data = str(user.version)
    status = 200
    if form.submit.data and form.validate_on_submit():
        try:
            accounts.update_user(
                current_actor(),
                user,
                name=form.name.data,
                role=form.role.data,
                active=form.active.data,
                expected_version=form_version(form),
            )
        except ServiceError as error:
            flash(error.message, "error")
            status = status_for(error)
        else:
            flash(f"Saved {user.email}.", "success")
            return redirect(url_for("admin.users"))
    elif request.method == "POST" and not reset_form.submit.data:
        status = 400
    return _edit_page(user, form, reset_form, status)


def _edit_form(user: User) -> UserEditForm:
    """The account form as stored, for a page re-shown after another form's error."""
    form = UserEditForm(obj=user)
    form.active.data = user.is_active_account
    form.version.data = str(user.version)
    return form


def _edit_page(
    user: User,
    form: UserEditForm,
    reset_form: PasswordResetForm,
    status: int,
    second_factor_form: SecondFactorResetForm | None = None,
):
    return render_template(
        "admin/user_edit.html",
        user=user,
        form=form,
        reset_form=reset_form,
        second_factor_form=second_factor_form or SecondFactorResetForm(prefix="second-factor"),
        second_factor_required=second_factor.required_for(user),
        sessions=account_queries.active_sessions(user.id, utcnow(), sessions.idle_limit()),
        sessions_form=ConfirmForm(prefix="sessions"),
    ), status


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@requires("admin")
def reset_password(user_id: int):
    user = _user_or_404(user_id)
    form = PasswordResetForm(prefix="reset")
    if not form.validate_on_submit():
        return _edit_page(user, _edit_form(user), form, 400)
    try:
        accounts.set_password(current_actor(), user, form.password.data)
    except ServiceError as error:
        form.password.errors.append(error.message)
        return _edit_page(user, _edit_form(user), form, 400)
    flash(f"New password set for {user.email}; their sessions have ended.", "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.route("/users/<int:user_id>/second-factor", methods=["POST"])
@requires("admin")
def reset_second_factor(user_id: int):
    user = _user_or_404(user_id)
    form = SecondFactorResetForm(prefix="second-factor")
    if not form.validate_on_submit():
        return _edit_page(user, _edit_form(user), PasswordResetForm(prefix="reset"), 400, form)
    second_factor.reset(current_actor(), user)
    flash(f"Reset the second factor of {user.email}; their sessions have ended.", "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.route("/users/<int:user_id>/sessions/<int:session_id>/end", methods=["POST"])
@requires("admin")
def end_user_session(user_id: int, session_id: int):
    user = _user_or_404(user_id)
    if not ConfirmForm(prefix="sessions").validate_on_submit():
        return _edit_page(user, _edit_form(user), PasswordResetForm(prefix="reset"), 400)
    try:
        ended = sessions.end_one(current_actor(), user, session_id, utcnow())
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash(f"Ended a session of {user.email} ({ended.user_agent}).", "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.route("/users/<int:user_id>/sessions/end-all", methods=["POST"])
@requires("admin")
def end_user_sessions(user_id: int):
    user = _user_or_404(user_id)
    if not ConfirmForm(prefix="sessions").validate_on_submit():
        return _edit_page(user, _edit_form(user), PasswordResetForm(prefix="reset"), 400)
    keep = current_user.login_session if user.id == current_user.id else None
    count = sessions.end_others(current_actor(), user, keep, utcnow())
    flash(f"Ended {count} sessions of {user.email}.", "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.route("/security", methods=["GET", "POST"])
@requires("admin")
def security():
    form = SecondFactorRuleForm()
    if request.method == "GET":
        form.rule.data = second_factor.requirement()
    status = 200
    if form.validate_on_submit():
        try:
            ended = second_factor.set_requirement(
                current_actor(), current_user._get_current_object(), form.rule.data
            )
        except ServiceError as error:
            form.rule.errors.append(error.message)
            status = 400
        else:
            flash(f"Saved. {ended} users without a second factor were logged out.", "success")
            return redirect(url_for("admin.users"))
    elif form.is_submitted():
        status = 400
    return render_template("admin/security.html", form=form), status


@bp.route("/audit")
@requires("admin")
def audit():
    page = _page()
    events = db.session.scalars(
        select(AuditEvent)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(PAGE_SIZE + 1)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    return render_template(
        "admin/audit.html", events=events[:PAGE_SIZE], page=page, has_next=len(events) > PAGE_SIZE
    )


@bp.route("/outbox")
@requires("admin")
def outbox():
    page = _page()
    messages = db.session.scalars(
        select(OutboxMessage)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(PAGE_SIZE + 1)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    total = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    return render_template(
        "admin/outbox.html",
        messages=messages[:PAGE_SIZE],
        page=page,
        has_next=len(messages) > PAGE_SIZE,
        total=total,
    )


@bp.route("/outbox/<int:message_id>")
@requires("admin")
def outbox_message(message_id: int):
    message = db.session.get(OutboxMessage, message_id) or abort(404)
    return render_template("admin/outbox_message.html", message=message)
