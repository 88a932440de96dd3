"""Passkeys, the server side: registration and login verified with a software
authenticator (tests/support/soft_authenticator.py), options that name the user's own
credentials, single-use challenges, a wrong origin or a counter going back refused with
a 400, garbage counted, throttled and audited like a wrong code, the admin's reset.
The ceremony in a browser is tests/browser/test_passkeys_browser.py."""

from __future__ import annotations

import re

import pyotp
import pytest
from sqlalchemy import func, select

from tests.accounts.test_auth import post_login
from tests.conftest import PASSWORD
from tests.support.soft_authenticator import SoftAuthenticator, b64url
from tracker.extensions import db
from tracker.models import AuditEvent, Passkey, RecoveryCode, User
from tracker.services.accounts import second_factor
from tracker.services.audit import Actor

ORIGIN = "http://tracker.test"  # TRACKER_BASE_URL in the tests
CODE = re.compile(r"<code>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})</code>")


def events(action: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
    )


def passkey_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Passkey))


def logged_in(client) -> bool:
    return client.get("/account").status_code == 200


@pytest.fixture
def authenticator() -> SoftAuthenticator:
    return SoftAuthenticator("tracker.test", ORIGIN)


def post_registration(client, credential: str, name: str = "Laptop", password: str = PASSWORD):
    return client.post(
        "/account/passkeys",
        data={"add-name": name, "add-current_password": password, "add-credential": credential},
    )


def add_passkey(client, account, authenticator, *, origin=None):
    """Logged in already or not: the whole registration through the pages."""
    if not logged_in(client):
        assert post_login(client, account.email, PASSWORD).status_code == 302
    options = client.post("/account/passkeys/options").get_json()
    return post_registration(client, authenticator.register(options, origin=origin))


def passkey_login(client, account, authenticator, *, ip="192.0.2.10", **how):
    """Password, then the passkey; returns the response to the passkey's post."""
    started = post_login(client, account.email, PASSWORD, ip=ip)
    assert started.headers["Location"] == "/login/code"
    options = client.post("/login/passkey/options").get_json()
    return client.post(
        "/login/passkey",
        data={"passkey-credential": authenticator.assert_(options, **how)},
        environ_base={"REMOTE_ADDR": ip},
    )


def test_adding_a_passkey_brings_recovery_codes_once_and_ends_other_sessions(
    app, client, users, authenticator
):
    editor = users["editor"]
    other_device = app.test_client()
    post_login(other_device, editor.email, PASSWORD)
    assert logged_in(other_device)

    added = add_passkey(client, editor, authenticator)
    assert added.status_code == 200
    assert len(CODE.findall(added.get_data(as_text=True))) == 10
    assert logged_in(client) and not logged_in(other_device)
    stored = db.session.scalars(select(Passkey)).one()
    assert (stored.name, stored.credential_id, stored.transports) == (
        "Laptop",
        authenticator.credential_id,
        "internal",
    )
    assert db.session.get(User, editor.id).has_second_factor
    assert events("user.passkey_add") == 1

    # A second passkey keeps the recovery codes the user has.
    codes_before = db.session.scalars(select(RecoveryCode.code_hash)).all()
    another = SoftAuthenticator("tracker.test", ORIGIN)
    second = add_passkey(client, editor, another)
    assert second.status_code == 302
    assert db.session.scalars(select(RecoveryCode.code_hash)).all() == codes_before
    assert passkey_count() == 2


def test_options_name_the_users_own_passkeys_and_the_rp_id(client, users, authenticator):
    editor = users["editor"]
    add_passkey(client, editor, authenticator)
    registration = client.post("/account/passkeys/options").get_json()
    assert registration["rp"]["id"] == "tracker.test"
    assert [c["id"] for c in registration["excludeCredentials"]] == [
        b64url(authenticator.credential_id)
    ]
    client.post("/logout")

    post_login(client, editor.email, PASSWORD)
    page = client.get("/login/code").get_data(as_text=True)
    assert "Use a passkey" in page and "data-passkey-needs-script" in page
    login = client.post("/login/passkey/options").get_json()
    assert login["rpId"] == "tracker.test"
    assert login["allowCredentials"] == [
        {
            "id": b64url(authenticator.credential_id),
            "type": "public-key",
            "transports": ["internal"],
        }
    ]


def test_login_with_a_passkey_updates_its_counter_and_is_audited(client, users, authenticator):
    editor = users["editor"]
    add_passkey(client, editor, authenticator)
    client.post("/logout")
    assert post_login(client, editor.email, PASSWORD).headers["Location"] == "/login/code"
    assert not logged_in(client)
    client.post("/logout")

    done = passkey_login(client, editor, authenticator)
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert logged_in(client)
    stored = db.session.scalars(select(Passkey)).one()
    assert stored.sign_count == authenticator.sign_count == 1
    assert stored.last_used_at is not None
    summaries = db.session.scalars(
        select(AuditEvent.summary).where(AuditEvent.action == "login.success")
    ).all()
    assert "Logged in with a password and the passkey 'Laptop'" in summaries


def test_a_challenge_is_used_once(client, users, authenticator):
    editor = users["editor"]
    add_passkey(client, editor, authenticator)
    client.post("/logout")
    post_login(client, editor.email, PASSWORD)
    options = client.post("/login/passkey/options").get_json()
    assertion = authenticator.assert_(options)
    assert client.post("/login/passkey", data={"passkey-credential": assertion}).status_code == 302
    client.post("/logout")

    # The same answer again, in a new login that asked for no new options: refused.
    post_login(client, editor.email, PASSWORD)
    again = client.post("/login/passkey", data={"passkey-credential": assertion})
    assert again.status_code == 400
    assert "That attempt expired" in again.get_data(as_text=True)
    # And with new options, the old challenge does not match.
    client.post("/login/passkey/options")
    replay = client.post("/login/passkey", data={"passkey-credential": assertion})
    assert replay.status_code == 400
    assert not logged_in(client)
    assert events("login.second_factor_failure") == 2


def test_a_wrong_origin_is_refused_with_a_message(client, users, authenticator):
    editor = users["editor"]
    refused = add_passkey(client, editor, authenticator, origin="https://evil.example")
    assert refused.status_code == 400
    assert "The passkey could not be added" in refused.get_data(as_text=True)
    assert passkey_count() == 0

    assert add_passkey(client, editor, authenticator).status_code == 200
    client.post("/logout")
    wrong = passkey_login(client, editor, authenticator, origin="https://evil.example")
    assert wrong.status_code == 400
    assert "That passkey was not accepted" in wrong.get_data(as_text=True)
    assert not logged_in(client)


def test_a_counter_going_back_is_refused(client, users, authenticator):
    editor = users["editor"]
    add_passkey(client, editor, authenticator)
    client.post("/logout")
    assert passkey_login(client, editor, authenticator, sign_count=5).status_code == 302
    client.post("/logout")
    cloned = passkey_login(client, editor, authenticator, sign_count=3)
    assert cloned.status_code == 400
    assert "sign count" in cloned.get_data(as_text=True)
    assert not logged_in(client)
    assert db.session.scalars(select(Passkey.sign_count)).one() == 5
    assert events("login.second_factor_failure") == 1


def test_garbage_assertions_are_counted_throttled_and_audited(app, client, users, authenticator):
    editor = users["editor"]
    add_passkey(client, editor, authenticator)
    client.post("/logout")
    ip = "198.51.100.7"
    post_login(client, editor.email, PASSWORD, ip=ip)
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    garbage = ["not json", "{}", '{"rawId": 5}', '{"rawId": "%%%", "response": []}', "[]"]
    answers = []
    for index in range(limit + 1):
        client.post("/login/passkey/options", environ_base={"REMOTE_ADDR": ip})
        answers.append(
            client.post(
                "/login/passkey",
                data={"passkey-credential": garbage[index % len(garbage)]},
                environ_base={"REMOTE_ADDR": ip},
            ).status_code
        )
    assert answers == [400] * limit + [429]
    assert events("login.second_factor_failure") == limit
    assert events("login.second_factor_throttled") == 1
    options = client.post("/login/passkey/options", environ_base={"REMOTE_ADDR": ip}).get_json()
    right = client.post(
        "/login/passkey",
        data={"passkey-credential": authenticator.assert_(options)},
        environ_base={"REMOTE_ADDR": ip},
    )
    assert right.status_code == 429  # refused unevaluated, like a code
    assert not logged_in(client)


def test_garbage_registrations_get_a_message_and_no_row(client, users):
    post_login(client, users["editor"].email, PASSWORD)
    for credential in ["not json", "{}", '{"id": "x", "response": {"clientDataJSON": "!!"}}']:
        client.post("/account/passkeys/options")
        answer = post_registration(client, credential)
        assert answer.status_code == 400
        assert "The passkey could not be added" in answer.get_data(as_text=True)
    without_js = client.post("/account/passkeys", data={"add-name": "x"})
    assert without_js.status_code == 400
    assert "Adding a passkey needs JavaScript" in without_js.get_data(as_text=True)
    assert passkey_count() == 0


def test_adding_needs_the_password_and_a_fresh_challenge(client, users, authenticator):
    editor = users["editor"]
    post_login(client, editor.email, PASSWORD)
    options = client.post("/account/passkeys/options").get_json()
    credential = authenticator.register(options)
    wrong = post_registration(client, credential, password="not my password")
    assert wrong.status_code == 400
    assert "The current password is not right" in wrong.get_data(as_text=True)
    assert events("user.password_check_failed") == 1
    # The challenge went with that attempt.
    stale = post_registration(client, credential)
    assert stale.status_code == 400
    assert "that attempt expired" in stale.get_data(as_text=True)
    assert passkey_count() == 0


def test_rename_and_remove_are_the_owners_and_removing_needs_the_password(
    app, client, users, authenticator
):
    editor = users["editor"]
    add_passkey(client, editor, authenticator)
    passkey_id = db.session.scalars(select(Passkey.id)).one()

    stranger = app.test_client()
    post_login(stranger, users["viewer"].email, PASSWORD)
    url = f"/account/passkeys/{passkey_id}"
    assert stranger.post(f"{url}/rename", data={"rename-name": "Mine"}).status_code == 404
    assert (
        stranger.post(f"{url}/remove", data={"remove-current_password": PASSWORD}).status_code
        == 404
    )

    assert client.post(f"{url}/rename", data={"rename-name": "  Work   laptop "}).status_code == 302
    assert db.session.scalars(select(Passkey.name)).one() == "Work laptop"
    assert client.post(f"{url}/rename", data={"rename-name": "x" * 81}).status_code == 400
    assert events("user.passkey_rename") == 1

    wrong = client.post(f"{url}/remove", data={"remove-current_password": "nope"})
    assert wrong.status_code == 400
    assert passkey_count() == 1
    assert client.post(f"{url}/remove", data={"remove-current_password": PASSWORD}).status_code == (
        302
    )
    assert passkey_count() == 0
    assert events("user.passkey_remove") == 1
    assert not db.session.get(User, editor.id).has_second_factor
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0


def test_a_passkey_only_user_logs_in_with_a_recovery_code(client, users, authenticator):
    editor = users["editor"]
    codes = CODE.findall(add_passkey(client, editor, authenticator).get_data(as_text=True))
    client.post("/logout")
    post_login(client, editor.email, PASSWORD)
    page = client.get("/login/code").get_data(as_text=True)
    assert "Or type a recovery code" in page
    assert client.post("/login/code", data={"code": codes[0]}).status_code == 302
    assert logged_in(client)


def test_a_passkey_counts_for_the_rule_and_the_admins_reset_removes_it(
    app, client, users, authenticator
):
    admin_account, editor = users["admin"], users["editor"]
    add_passkey(client, editor, authenticator)
    admin = db.session.get(User, admin_account.id)
    with pytest.raises(Exception, match="Set up two-factor login on your own account first"):
        second_factor.set_requirement(Actor(admin.id, admin.email), admin, "everyone")
    admin_client = app.test_client()
    add_passkey(admin_client, admin_account, SoftAuthenticator("tracker.test", ORIGIN))
    admin = db.session.get(User, admin_account.id)
    ended = second_factor.set_requirement(Actor(admin.id, admin.email), admin, "everyone")
    assert ended == 1  # the viewer, who has none; the editor's passkey counts
    assert logged_in(client)

    done = admin_client.post(
        f"/admin/users/{editor.id}/second-factor", data={"second-factor-checked": "y"}
    )
    assert done.status_code == 302
    assert not logged_in(client)
    assert [p.user_id for p in db.session.scalars(select(Passkey))] == [admin_account.id]
    assert (
        db.session.scalar(
            select(func.count()).select_from(RecoveryCode).where(RecoveryCode.user_id == editor.id)
        )
        == 0
    )
    # Required for everyone and now without one: sent to set up TOTP after the password.
    assert post_login(client, editor.email, PASSWORD).headers["Location"] == "/login/set-up"


def test_turning_totp_off_keeps_passkeys_and_recovery_codes(client, users, authenticator):
    editor = users["editor"]
    add_passkey(client, editor, authenticator)
    codes_before = db.session.scalars(select(RecoveryCode.code_hash)).all()
    # An app set up beside the passkey, then turned off again.
    assert client.post("/account/two-factor/begin").status_code == 302
    user = db.session.get(User, editor.id)
    code = pyotp.TOTP(second_factor.secret_of(user)).now()
    assert client.post("/account/two-factor/confirm", data={"code": code}).status_code == 200
    assert db.session.get(User, editor.id).has_totp
    off = client.post("/account/two-factor/off", data={"off-current_password": PASSWORD})
    assert off.status_code == 302
    user = db.session.get(User, editor.id)
    assert not user.has_totp and user.has_second_factor
    assert passkey_count() == 1
    assert len(db.session.scalars(select(RecoveryCode.code_hash)).all()) == len(codes_before)


def test_an_unfinished_app_setup_is_not_a_way_in(client, users, authenticator):
    editor = users["editor"]
    add_passkey(client, editor, authenticator)
    assert client.post("/account/two-factor/begin").status_code == 302
    client.post("/logout")
    user = db.session.get(User, editor.id)
    code = pyotp.TOTP(second_factor.secret_of(user)).now()
    post_login(client, editor.email, PASSWORD)
    assert client.post("/login/code", data={"code": code}).status_code == 401
    assert not logged_in(client)


def test_the_last_passkey_stays_while_the_rule_requires_a_second_factor(
    app, client, users, authenticator
):
    admin_account = users["admin"]
    add_passkey(client, admin_account, authenticator)
    admin = db.session.get(User, admin_account.id)
    second_factor.set_requirement(Actor(admin.id, admin.email), admin, "admins")
    passkey_id = db.session.scalars(select(Passkey.id)).one()
    refused = client.post(
        f"/account/passkeys/{passkey_id}/remove", data={"remove-current_password": PASSWORD}
    )
    assert refused.status_code == 400
    assert "Your organisation requires two-factor login" in refused.get_data(as_text=True)
    assert passkey_count() == 1
