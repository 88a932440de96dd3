"""Two-factor login: enrolment, the second login step, recovery codes, the admins' rule,
an admin's reset, throttle and audit on the second step."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
from sqlalchemy import func, select

from tests.accounts.test_auth import post_login
from tests.conftest import PASSWORD
from tracker.extensions import db
from tracker.models import AuditEvent, LoginFailure, RecoveryCode, User, utcnow
from tracker.services.accounts import second_factor
from tracker.services.audit import Actor

CODE = re.compile(r"<code>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})</code>")


def events(action: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
    )


def code_for(user_id: int, steps_ahead: int = 0) -> str:
    user = db.session.get(User, user_id)
    moment = utcnow() + timedelta(seconds=30 * steps_ahead)
    return pyotp.TOTP(second_factor.secret_of(user)).at(moment)


def enrol(client, account) -> list[str]:
    """Through the pages, as the user does it: log in, begin, scan, confirm."""
    assert post_login(client, account.email, PASSWORD).status_code == 302
    assert client.post("/account/two-factor/begin").status_code == 302
    page = client.post("/account/two-factor/confirm", data={"code": code_for(account.id)})
    assert page.status_code == 200
    codes = CODE.findall(page.get_data(as_text=True))
    assert len(codes) == second_factor.RECOVERY_CODE_COUNT
    client.post("/logout")
    return codes


def logged_in(client) -> bool:
    return client.get("/account").status_code == 200


def test_enrolment_shows_a_same_origin_qr_code_and_needs_a_right_code(client, users):
    editor = users["editor"]
    post_login(client, editor.email, PASSWORD)
    client.post("/account/two-factor/begin")
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page
    secret = second_factor.secret_of(db.session.get(User, editor.id))
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in page

    wrong = client.post("/account/two-factor/confirm", data={"code": "000000"})
    assert wrong.status_code == 400
    assert "That code is not right" in wrong.get_data(as_text=True)
    assert not db.session.get(User, editor.id).has_second_factor

    page = client.post("/account/two-factor/confirm", data={"code": code_for(editor.id)})
    assert page.status_code == 200
    assert db.session.get(User, editor.id).has_second_factor
    assert logged_in(client)  # this session goes on under the new token
    assert events("user.second_factor_on") == 1


def test_recovery_codes_are_stored_as_argon2_hashes_only(client, users):
    codes = enrol(client, users["editor"])
    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == len(codes)
    assert all(value.startswith("$argon2id$") for value in stored)
    plain = {code.replace("-", "") for code in codes}
    assert not any(code in value for value in stored for code in plain)


def test_the_password_alone_no_longer_logs_in(client, users):
    editor = users["editor"]
    enrol(client, editor)
    response = post_login(client, editor.email, PASSWORD, next_url="/letters")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login/code"
    assert not logged_in(client)
    assert client.get("/letters").status_code == 302

    wrong = client.post("/login/code", data={"code": "123456"})
    assert wrong.status_code == 401
    assert events("login.second_factor_failure") == 1
    assert not logged_in(client)

    right = client.post("/login/code", data={"code": code_for(editor.id, 1)})
    assert right.status_code == 302
    assert right.headers["Location"] == "/letters"
    assert logged_in(client)
    last = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert last.action == "login.success"
    assert "authenticator code" in last.summary


def test_a_code_is_taken_once(app, users):
    editor = users["editor"]
    enrol(app.test_client(), editor)
    code = code_for(editor.id, 1)
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        post_login(client, editor.email, PASSWORD)
    assert first.post("/login/code", data={"code": code}).status_code == 302
    assert second.post("/login/code", data={"code": code}).status_code == 401
    assert not logged_in(second)


def test_a_recovery_code_works_once(client, users):
    editor = users["editor"]
    codes = enrol(client, editor)
    post_login(client, editor.email, PASSWORD)
    used = client.post("/login/code", data={"code": codes[3].upper().replace("-", " ")})
    assert used.status_code == 302
    assert "9 are left" in client.get("/").get_data(as_text=True)
    assert logged_in(client)
    client.post("/logout")

    post_login(client, editor.email, PASSWORD)
    assert client.post("/login/code", data={"code": codes[3]}).status_code == 401
    assert not logged_in(client)
    assert client.post("/login/code", data={"code": codes[4]}).status_code == 302


def test_the_second_step_is_throttled_and_audited(app, client, users):
    editor = users["editor"]
    enrol(client, editor)
    post_login(client, editor.email, PASSWORD, ip="198.51.100.7")
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    answers = [
        client.post(
            "/login/code", data={"code": "000000"}, environ_base={"REMOTE_ADDR": "198.51.100.7"}
        ).status_code
        for _ in range(limit + 1)
    ]
    assert answers == [401] * limit + [429]
    right = client.post(
        "/login/code",
        data={"code": code_for(editor.id, 1)},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert right.status_code == 429  # refused unevaluated, like a password
    assert not logged_in(client)
    assert events("login.second_factor_throttled") == 2


def test_a_waiting_login_expires_and_ends_with_a_password_reset(app, client, users):
    editor = users["editor"]
    enrol(client, editor)
    post_login(client, editor.email, PASSWORD)
    with client.session_transaction() as session:
        pending = dict(session["pending_login"])
        session["pending_login"] = pending | {"at": pending["at"] - 301}
    assert client.post("/login/code", data={"code": code_for(editor.id, 1)}).status_code == 302
    assert not logged_in(client)

    post_login(client, editor.email, PASSWORD)
    admin = db.session.get(User, users["admin"].id)
    from tracker.services import accounts

    accounts.set_password(
        Actor(admin.id, admin.email), db.session.get(User, editor.id), "another long passphrase 42"
    )
    response = client.post("/login/code", data={"code": code_for(editor.id, 1)})
    assert response.headers["Location"] == "/login"
    assert not logged_in(client)


def test_admin_reset_is_audited_and_ends_the_users_sessions(app, client, users):
    editor = users["editor"]
    enrol(client, editor)
    post_login(client, editor.email, PASSWORD)
    client.post("/login/code", data={"code": code_for(editor.id, 1)})
    assert logged_in(client)

    admin = app.test_client()
    post_login(admin, users["admin"].email, PASSWORD, ip="192.0.2.99")
    unconfirmed = admin.post(f"/admin/users/{editor.id}/second-factor")
    assert unconfirmed.status_code == 400
    assert "Confirm that you checked" in unconfirmed.get_data(as_text=True)
    assert logged_in(client)

    done = admin.post(
        f"/admin/users/{editor.id}/second-factor", data={"second-factor-checked": "y"}
    )
    assert done.status_code == 302
    assert not logged_in(client)
    assert events("user.second_factor_reset") == 1
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
    # The password alone logs them in again; they set up a new second factor themselves.
    assert post_login(client, editor.email, PASSWORD).headers["Location"] == "/"


def test_admins_require_a_second_factor_and_users_enrol_after_their_password(app, client, users):
    admin, other = users["admin"], app.test_client()
    post_login(client, admin.email, PASSWORD)
    refused = client.post("/admin/security", data={"rule": "admins"})
    assert refused.status_code == 400
    assert "your own account first" in refused.get_data(as_text=True)
    client.post("/logout")

    enrol(client, admin)
    post_login(client, admin.email, PASSWORD)
    client.post("/login/code", data={"code": code_for(admin.id, 1)})
    post_login(other, users["editor"].email, PASSWORD)
    assert client.post("/admin/security", data={"rule": "everyone"}).status_code == 302
    assert events("settings.second_factor") == 1
    assert logged_in(client)
    assert not logged_in(other)  # covered now and without a second factor: logged out

    response = post_login(other, users["editor"].email, PASSWORD, next_url="/letters")
    assert response.headers["Location"] == "/login/set-up"
    assert not logged_in(other)
    page = other.get("/login/set-up")
    assert 'src="data:image/svg+xml' in page.get_data(as_text=True)
    assert other.post("/login/set-up", data={"code": "000000"}).status_code == 400
    done = other.post("/login/set-up", data={"code": code_for(users["editor"].id)})
    assert done.status_code == 200
    assert len(CODE.findall(done.get_data(as_text=True))) == 10
    assert logged_in(other)

    # Required: it cannot be turned off.
    refused = other.post("/account/two-factor/off", data={"off-current_password": PASSWORD})
    assert refused.status_code == 400
    assert db.session.get(User, users["editor"].id).has_second_factor


def test_turning_it_off_and_new_codes_need_the_password(client, users):
    editor = users["editor"]
    codes = enrol(client, editor)
    post_login(client, editor.email, PASSWORD)
    client.post("/login/code", data={"code": code_for(editor.id, 1)})

    wrong = client.post("/account/two-factor/recovery-codes", data={"codes-current_password": "x"})
    assert wrong.status_code == 400
    assert events("user.password_check_failed") == 1
    page = client.post(
        "/account/two-factor/recovery-codes", data={"codes-current_password": PASSWORD}
    )
    fresh = CODE.findall(page.get_data(as_text=True))
    assert len(fresh) == 10 and not set(fresh) & set(codes)

    assert (
        client.post("/account/two-factor/off", data={"off-current_password": "x"}).status_code
        == 400
    )
    assert db.session.get(User, editor.id).has_second_factor
    off = client.post("/account/two-factor/off", data={"off-current_password": PASSWORD})
    assert off.status_code == 302
    assert not db.session.get(User, editor.id).has_second_factor
    assert events("user.second_factor_off") == 1


def committed(statement):
    """What another connection sees: only what was committed."""
    with db.engine.connect() as connection:
        return connection.execute(statement).scalar()


def test_a_refused_code_leaves_its_count_and_audit_event_committed(app, client, users):
    editor = users["editor"]
    enrol(client, editor)
    post_login(client, editor.email, PASSWORD)
    failures = select(func.coalesce(func.sum(LoginFailure.failures), 0))
    counted_before = committed(failures)

    assert client.post("/login/code", data={"code": "000000"}).status_code == 401
    wrong = select(func.count()).where(AuditEvent.action == "login.second_factor_failure")
    assert committed(wrong) == 1
    assert committed(failures) > counted_before
    success = select(func.count()).where(
        AuditEvent.action == "login.success", AuditEvent.entity_id == editor.id
    )
    logins_before = committed(success)
    assert client.post("/login/code", data={"code": code_for(editor.id, 1)}).status_code == 302
    assert committed(success) == logins_before + 1
    assert committed(select(User.last_login_at).where(User.id == editor.id)) is not None
