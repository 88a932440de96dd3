"""Logging in and out: throttling, no account enumeration, safe redirects, session ends."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD
from tracker.auth import is_safe_next
from tracker.extensions import db
from tracker.models import AuditEvent

OFF_SITE = [
    "//evil.example",
    "/\\evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "http://evil.example/",
    "/\tevil",
    "",
]


def post_login(client, email, password, ip="192.0.2.10", next_url=None):
    url = "/login" if next_url is None else f"/login?next={next_url}"
    return client.post(
        url, data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": ip}
    )


@pytest.mark.parametrize("target", OFF_SITE)
def test_is_safe_next_refuses_off_site_targets(target):
    assert not is_safe_next(target)


@pytest.mark.parametrize("target", ["/", "/letters?state=overdue", "/admin/users"])
def test_is_safe_next_accepts_paths_on_this_site(target):
    assert is_safe_next(target)


def test_login_succeeds_and_is_audited(client, users):
    response = post_login(client, "  Editor@Example.org ", PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login.success")).one()
    assert event.user_id == users["editor"].id
    assert event.ip_address == "192.0.2.10"


@pytest.mark.parametrize("target", OFF_SITE[:5])
def test_off_site_next_is_never_followed(client, users, target):
    response = post_login(client, users["viewer"].email, PASSWORD, next_url=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_on_site_next_is_followed(client, users):
    response = post_login(client, users["admin"].email, PASSWORD, next_url="/admin/users")
    assert response.headers["Location"] == "/admin/users"


def test_unknown_email_and_wrong_password_look_the_same(client, users):
    unknown = post_login(client, "nobody@example.org", "whatever password")
    wrong = post_login(client, users["editor"].email, "whatever password")
    assert unknown.status_code == wrong.status_code == 401
    # The pages differ only by the email the form echoes back.
    assert unknown.get_data(as_text=True).replace("nobody@", "X@") == wrong.get_data(
        as_text=True
    ).replace("editor@", "X@")
    assert "Incorrect email or password." in wrong.get_data(as_text=True)
    failures = db.session.scalars(
        select(AuditEvent.actor).where(AuditEvent.action == "login.failure")
    ).all()
    # What was typed for an unknown account is not kept: it may be a password.
    assert sorted(failures)[0] == "editor@example.org"
    assert sorted(failures)[1].startswith("unknown email #")


def test_deactivated_user_cannot_log_in(client, users):
    from tracker.models import User

    db.session.get(User, users["viewer"].id).is_active_account = False
    db.session.commit()
    assert post_login(client, users["viewer"].email, PASSWORD).status_code == 401


def test_account_throttle_holds_across_app_instances(make_app, users):
    first = make_app().test_client()
    for attempt in range(5):
        response = post_login(first, users["editor"].email, f"wrong {attempt}", ip="198.51.100.1")
        assert response.status_code == 401
    # Another worker (a second app, its own engine) sees the same counter in the database.
    second = make_app().test_client()
    refused = post_login(second, users["editor"].email, PASSWORD, ip="198.51.100.1")
    assert refused.status_code == 429
    assert "Too many failed attempts" in refused.get_data(as_text=True)
    # Unknown accounts are throttled the same way, so a 429 reveals nothing.
    for attempt in range(5):
        post_login(second, "ghost@example.org", f"wrong {attempt}", ip="198.51.100.2")
    assert post_login(first, "ghost@example.org", "x", ip="198.51.100.2").status_code == 429


def test_address_throttle_blocks_spraying_many_accounts(client, users):
    for attempt in range(20):
        post_login(client, f"user{attempt}@example.org", "guess", ip="192.0.2.99")
    refused = post_login(client, users["admin"].email, PASSWORD, ip="192.0.2.99")
    assert refused.status_code == 429
    assert post_login(client, users["admin"].email, PASSWORD, ip="192.0.2.100").status_code == 302


def test_throttle_window_expires(app, users):
    from datetime import timedelta

    from tracker.models import utcnow
    from tracker.services import accounts

    policy = accounts.ThrottlePolicy(per_account=2, per_address=50, window=timedelta(minutes=15))
    start = utcnow()
    for _ in range(2):
        accounts.authenticate(users["editor"].email, "bad", "192.0.2.1", policy, start)
    assert accounts.authenticate(
        users["editor"].email, PASSWORD, "192.0.2.1", policy, start
    ).throttled
    later = start + timedelta(minutes=16)
    result = accounts.authenticate(users["editor"].email, PASSWORD, "192.0.2.1", policy, later)
    assert result.user is not None and not result.throttled


def test_logout_ends_this_session_and_leaves_the_users_other_devices_in(app, users):
    laptop, phone = app.test_client(), app.test_client()
    post_login(laptop, users["editor"].email, PASSWORD)
    post_login(phone, users["editor"].email, PASSWORD)
    assert phone.get("/").status_code == 200
    assert laptop.post("/logout").status_code == 302
    assert laptop.get("/").status_code == 302
    assert phone.get("/").status_code == 200


def test_password_change_ends_other_sessions_but_not_this_one(app, users):
    laptop, phone = app.test_client(), app.test_client()
    post_login(laptop, users["viewer"].email, PASSWORD)
    post_login(phone, users["viewer"].email, PASSWORD)
    response = laptop.post(
        "/account",
        data={
            "pw-current_password": PASSWORD,
            "pw-new_password": "a brand new passphrase",
            "pw-confirm": "a brand new passphrase",
            "pw-submit": "Change password",
        },
    )
    assert response.status_code == 302
    assert laptop.get("/").status_code == 200
    assert phone.get("/").status_code == 302
    assert post_login(phone, users["viewer"].email, PASSWORD).status_code == 401
    assert post_login(phone, users["viewer"].email, "a brand new passphrase").status_code == 302


def test_password_change_with_wrong_current_password_is_refused(client, auth):
    auth.login("viewer")
    response = client.post(
        "/account",
        data={
            "pw-current_password": "not it at all",
            "pw-new_password": "a brand new passphrase",
            "pw-confirm": "a brand new passphrase",
            "pw-submit": "Change password",
        },
    )
    assert response.status_code == 400
    assert "The current password is not right." in response.get_data(as_text=True)


def test_preferences_are_saved_and_audited(client, auth, users):
    from tracker.models import User

    auth.login("viewer")
    response = client.post(
        "/account",
        data={"pref-timezone": "Europe/Paris", "pref-delivery": "digest", "pref-submit": "Save"},
    )
    assert response.status_code == 302
    user = db.session.get(User, users["viewer"].id)
    db.session.refresh(user)
    assert (user.timezone, user.reminder_delivery) == ("Europe/Paris", "digest")
    bad = client.post(
        "/account",
        data={"pref-timezone": "Mars/Olympus", "pref-delivery": "digest", "pref-submit": "Save"},
    )
    assert bad.status_code == 400
