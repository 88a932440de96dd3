"""Throttling that counts before it checks, that an attacker cannot aim at an account,
that covers the account page, and an audit trail that never keeps a typed password."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from tests.accounts.test_auth import post_login
from tests.conftest import PASSWORD
from tracker.extensions import db
from tracker.models import AuditEvent, LoginFailure, OutboxMessage
from tracker.services import accounts
from tracker.services.audit import Actor
from tracker.services.errors import ServiceError


def events(action: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
    )


def test_a_parallel_burst_of_50_guesses_gets_at_most_the_limit_evaluated(app, users):
    def guess(attempt: int) -> int:
        client = app.test_client()
        return post_login(client, users["editor"].email, f"guess {attempt}").status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(guess, range(50)))
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    assert events("login.failure") <= limit
    assert answers.count(401) <= limit
    assert answers.count(429) >= 50 - limit
    assert sorted(set(answers)) == [401, 429]


def test_100_failures_from_10_addresses_leave_the_owner_able_to_log_in(app, client, users):
    admin = users["admin"].email
    assert post_login(client, admin, PASSWORD, ip="192.0.2.1").status_code == 302  # usually here
    client.post("/logout")
    for attempt in range(100):
        post_login(app.test_client(), admin, f"guess {attempt}", ip=f"198.51.100.{attempt % 10}")
    # The guessing addresses wait; the owner's own address does not.
    assert post_login(app.test_client(), admin, PASSWORD, ip="198.51.100.3").status_code == 429
    assert post_login(client, admin, PASSWORD, ip="192.0.2.1").status_code == 302
    # The owner is told, once.
    alerts = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipients == admin)
    ).all()
    assert [alert.subject for alert in alerts] == ["Tracker: many failed logins to your account"]


def test_under_attack_a_new_address_still_gets_one_attempt(app, users):
    admin = users["admin"].email
    for attempt in range(30):
        post_login(app.test_client(), admin, f"guess {attempt}", ip=f"198.51.100.{attempt % 3}")
    travelling = app.test_client()
    assert post_login(travelling, admin, PASSWORD, ip="203.0.113.50").status_code == 302


def test_one_address_guessing_one_account_waits_alone(app, users):
    editor = users["editor"].email
    for attempt in range(5):
        response = post_login(app.test_client(), editor, f"g {attempt}", ip="198.51.100.9")
        assert response.status_code == 401
    assert post_login(app.test_client(), editor, PASSWORD, ip="198.51.100.9").status_code == 429
    assert post_login(app.test_client(), editor, PASSWORD, ip="198.51.100.8").status_code == 302


def change_password(client, current: str):
    return client.post(
        "/account",
        data={
            "pw-current_password": current,
            "pw-new_password": "a brand new passphrase",
            "pw-confirm": "a brand new passphrase",
            "pw-submit": "Change password",
        },
    )


def test_guessing_the_current_password_on_the_account_page_is_throttled_and_audited(
    app, client, auth
):
    auth.login("viewer")
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for attempt in range(limit):
        response = change_password(client, f"guess {attempt}")
        assert "The current password is not right." in response.text
    refused = change_password(client, PASSWORD)
    assert refused.status_code == 400
    assert "Too many wrong passwords" in refused.text
    assert events("user.password_check_failed") == limit
    assert events("user.password_check_throttled") == 1


def test_a_password_typed_into_the_email_field_is_not_kept(client, users):
    typed = "My Secret Passphrase 1"
    post_login(client, typed, "")
    post_login(client, typed, "something")
    kept = [
        *db.session.scalars(select(AuditEvent.actor)),
        *db.session.scalars(select(AuditEvent.summary)),
        *db.session.scalars(select(LoginFailure.key)),
    ]
    assert kept and not any(typed.lower() in text.lower() for text in kept)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("password1234", "Choose a harder password"),
        ("qwertyuiopas", "Choose a harder password"),
        ("new@example.org", "Choose a harder password"),
        ("short", "at least 12"),
        ("x y z " * 30, "at most 128"),
    ],
)
def test_weak_or_overlong_passwords_are_refused(app, users, password, message):
    with pytest.raises(ServiceError, match=message):
        accounts.create_user(
            Actor.system("test"),
            email="new@example.org",
            name="New Person",
            role="viewer",
            password=password,
        )
