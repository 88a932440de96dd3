"""/healthz, the scheduler heartbeat, and the account commands."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tracker.extensions import db
from tracker.models import User, utcnow
from tracker.services import heartbeat
from tracker.services.accounts.passwords import verify_password


def test_healthz_reports_database_and_missing_heartbeat(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {
        "database": "ok",
        "scheduler_heartbeat_age_seconds": None,
        "mailbox": "not configured",
        "mailbox_errors": [],
        "mail_server": "ok",
        "mail_server_unreachable_since": None,
    }


def test_healthz_reports_heartbeat_age(client):
    now = utcnow()
    heartbeat.beat("host:1", now - timedelta(seconds=90), started_at=now - timedelta(hours=1))
    db.session.commit()
    age = client.get("/healthz").json["scheduler_heartbeat_age_seconds"]
    assert 89 <= age <= 120


def test_stale_heartbeat_shows_a_banner_to_staff(client, auth):
    auth.login("viewer")
    assert "scheduler is not running" in client.get("/").get_data(as_text=True)
    now = utcnow()
    heartbeat.beat("host:1", now, started_at=now)
    db.session.commit()
    assert "scheduler is not running" not in client.get("/").get_data(as_text=True)


def test_create_user_command(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "tracker",
            "create-user",
            "--email",
            "Ana@Example.org",
            "--name",
            "Ana",
            "--role",
            "viewer",
            "--password",
            "twelve chars ok",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "ana@example.org"))
    assert user.role == "viewer"
    assert user.password_hash.startswith("$argon2id$")
    assert verify_password(user.password_hash, "twelve chars ok")

    again = runner.invoke(
        args=[
            "tracker",
            "create-user",
            "--email",
            "ana@example.org",
            "--password",
            "twelve chars ok",
        ]
    )
    assert again.exit_code != 0
    assert "already exists" in again.output


def test_create_user_refuses_short_password(app):
    result = app.test_cli_runner().invoke(
        args=["tracker", "create-user", "--email", "b@example.org", "--password", "short"]
    )
    assert result.exit_code != 0
    assert "at least 12 characters" in result.output


def test_ensure_admin_creates_one_admin_once(app, monkeypatch):
    monkeypatch.delenv("TRACKER_ADMIN_EMAIL", raising=False)
    monkeypatch.delenv("TRACKER_ADMIN_PASSWORD", raising=False)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["tracker", "ensure-admin"])
    assert first.exit_code == 0, first.output
    assert "admin@example.org" in first.output
    password = first.output.split("Password: ")[1].split()[0]
    admin = db.session.scalar(select(User))
    assert admin.role == "admin" and verify_password(admin.password_hash, password)

    second = runner.invoke(args=["tracker", "ensure-admin"])
    assert "Users exist already" in second.output
    assert db.session.scalar(select(db.func.count()).select_from(User)) == 1


def test_ensure_admin_takes_credentials_from_the_environment(app, monkeypatch):
    monkeypatch.setenv("TRACKER_ADMIN_EMAIL", "boss@example.org")
    monkeypatch.setenv("TRACKER_ADMIN_PASSWORD", "from the environment")
    result = app.test_cli_runner().invoke(args=["tracker", "ensure-admin"])
    assert result.exit_code == 0
    assert "from the environment" not in result.output
    admin = db.session.scalar(select(User))
    assert admin.email == "boss@example.org"
    assert verify_password(admin.password_hash, "from the environment")
