"""TOTP secrets at rest: sealed under TRACKER_FILE_KEY when one is set, read back
transparently, and secrets stored before the key was set are sealed on their next use,
by `flask tracker seal-secrets`, or by the migration when it runs with a key."""

from __future__ import annotations

import pyotp
import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from tests.accounts.test_auth import post_login
from tests.conftest import PASSWORD, base_config
from tracker import create_app
from tracker.extensions import db
from tracker.models import AuditEvent, User, utcnow
from tracker.services import at_rest
from tracker.services.accounts import second_factor
from tracker.services.audit import Actor
from tracker.services.errors import ServiceError


def stored_secret(user_id: int) -> str:
    return db.session.execute(
        text("SELECT totp_secret FROM users WHERE id = :id"), {"id": user_id}
    ).scalar_one()


def enrol_directly(user_id: int) -> str:
    user = db.session.get(User, user_id)
    second_factor.begin_enrolment(Actor(user.id, user.email), user)
    secret = second_factor.secret_of(user)
    code = pyotp.TOTP(secret).now()
    second_factor.confirm_enrolment(Actor(user.id, user.email), user, code, utcnow())
    return secret


def log_in_with_code(client, account, secret: str):
    """The code of the next time step: enrolment took this one."""
    assert post_login(client, account.email, PASSWORD).headers["Location"] == "/login/code"
    moment = utcnow().timestamp() + 30
    return client.post("/login/code", data={"code": pyotp.TOTP(secret).at(moment)})


def test_with_a_key_the_row_never_holds_the_secret_and_login_still_works(app, client, users):
    app.config["TRACKER_FILE_KEY"] = at_rest.generate_key()
    editor = users["editor"]
    secret = enrol_directly(editor.id)
    row = stored_secret(editor.id)
    assert secret not in row
    assert row.startswith(at_rest.TEXT_PREFIX)
    assert log_in_with_code(client, editor, secret).status_code == 302
    assert client.get("/account").status_code == 200
    assert secret not in stored_secret(editor.id)


def test_the_enrolment_page_shows_the_secret_in_the_clear_to_its_owner(app, client, users):
    app.config["TRACKER_FILE_KEY"] = at_rest.generate_key()
    editor = users["editor"]
    post_login(client, editor.email, PASSWORD)
    assert client.post("/account/two-factor/begin").status_code == 302
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = second_factor.secret_of(db.session.get(User, editor.id))
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in page
    assert secret not in stored_secret(editor.id)


def test_a_secret_stored_before_the_key_is_sealed_on_its_next_use(app, client, users):
    editor = users["editor"]
    secret = enrol_directly(editor.id)
    assert stored_secret(editor.id) == secret  # no key yet: as before
    app.config["TRACKER_FILE_KEY"] = at_rest.generate_key()
    assert log_in_with_code(client, editor, secret).status_code == 302
    assert secret not in stored_secret(editor.id)
    assert second_factor.secret_of(db.session.get(User, editor.id)) == secret


def test_seal_secrets_command_seals_what_is_clear_and_is_audited(app, users):
    secrets = {role: enrol_directly(users[role].id) for role in ("editor", "viewer")}
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["tracker", "seal-secrets"])
    assert refused.exit_code != 0 and "Set TRACKER_FILE_KEY first" in refused.output

    app.config["TRACKER_FILE_KEY"] = at_rest.generate_key()
    result = runner.invoke(args=["tracker", "seal-secrets"])
    assert result.exit_code == 0, result.output
    assert "Sealed 2 two-factor secrets." in result.output
    for role, secret in secrets.items():
        assert secret not in stored_secret(users[role].id)
        assert second_factor.secret_of(db.session.get(User, users[role].id)) == secret
    assert runner.invoke(args=["tracker", "seal-secrets"]).output.startswith("Sealed 0")
    audited = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "settings.seal_secrets")
    ).all()
    assert len(audited) == 1


def test_a_sealed_secret_with_another_key_is_refused_with_a_clear_message(app, client, users):
    app.config["TRACKER_FILE_KEY"] = at_rest.generate_key()
    editor = users["editor"]
    enrol_directly(editor.id)
    app.config["TRACKER_FILE_KEY"] = at_rest.generate_key()
    with pytest.raises(ServiceError, match="another TRACKER_FILE_KEY"):
        second_factor.secret_of(db.session.get(User, editor.id))
    post_login(client, editor.email, PASSWORD)
    response = client.post("/login/code", data={"code": "123456"})
    assert response.status_code == 400
    assert "another TRACKER_FILE_KEY" in response.get_data(as_text=True)


def test_the_migration_seals_clear_secrets_when_a_key_is_set(tmp_path):
    url = f"sqlite:///{tmp_path / 'migrating.db'}"
    key = at_rest.generate_key()
    app = create_app(base_config(url, tmp_path / "instance") | {"TRACKER_FILE_KEY": key})
    with app.app_context():
        upgrade(revision="5b1e0c2d7a91")  # the schema before login sessions
        db.session.execute(
            text(
                "INSERT INTO users (email, name, password_hash, role, active, session_token,"
                " timezone, reminder_delivery, created_at, version, totp_secret)"
                " VALUES ('a@example.org', 'A', 'x', 'viewer', 1, 't', 'UTC', 'immediate',"
                " '2026-01-01 00:00:00', 1, 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP')"
            )
        )
        db.session.commit()
        upgrade(revision="c4e8a1f07d22")
        row = db.session.execute(text("SELECT totp_secret FROM users")).scalar_one()
        assert row.startswith(at_rest.TEXT_PREFIX)
        assert at_rest.unseal_text(row) == "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
        downgrade(revision="5b1e0c2d7a91")  # the table goes; the way back runs
        db.session.remove()
        db.engine.dispose()
