"""Fixtures shared by the whole suite.

Every test that uses `app` runs once on a real SQLite file and once on the real
PostgreSQL server (each pytest session creates its own PostgreSQL database and drops
it afterwards). The schema comes from the migrations, as in production. Between tests
every table is emptied, so each test starts from an empty database.

Set TRACKER_TEST_DATABASES=sqlite to run without PostgreSQL on a machine that has
none; CI runs both and fails when PostgreSQL is missing.
"""

from __future__ import annotations

import contextvars
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.support.imap_server import ImapServer
from tests.support.smtp_server import SmtpServer
from tracker import create_app
from tracker.extensions import db
from tracker.services import accounts
from tracker.services.audit import Actor

POSTGRES_ADMIN_URL = os.environ.get(
    "TRACKER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = [
    name.strip()
    for name in os.environ.get("TRACKER_TEST_DATABASES", "sqlite,postgresql").split(",")
    if name.strip()
]
PASSWORD = "correct horse battery staple"


def _create_postgres_database() -> tuple[str, str]:
    name = f"tracker_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # a missing server must fail the run, never skip it
        pytest.fail(
            f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL} ({error}). Start it, set "
            "TRACKER_TEST_POSTGRES_URL, or run with TRACKER_TEST_DATABASES=sqlite.",
            pytrace=False,
        )
    finally:
        admin.dispose()
    url = make_url(POSTGRES_ADMIN_URL).set(database=name)
    return url.render_as_string(hide_password=False), name


def _drop_postgres_database(name: str) -> None:
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def base_config(database_url: str, instance: Path) -> dict[str, object]:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(instance),
        "UPLOAD_PATH": str(instance / "uploads"),
        "SECRET_KEY": "test-secret-key",
        "WTF_CSRF_ENABLED": False,
        "MAIL_URL": None,
        "TRACKER_BASE_URL": "http://tracker.test",
    }


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory) -> Iterator[str]:
    """A migrated, empty database for this session, on one backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'tracker.db'}"
        dropper = None
    elif request.param == "postgresql":
        url, name = _create_postgres_database()
        dropper = name
    else:
        raise pytest.UsageError(f"unknown backend {request.param!r} in TRACKER_TEST_DATABASES")
    app = create_app(base_config(url, tmp_path_factory.mktemp("migrate")))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    yield url
    if dropper:
        _drop_postgres_database(dropper)


@pytest.fixture
def empty_database_url(database_url, tmp_path) -> Iterator[str]:
    """An empty database on the session's backend, not migrated yet (migration tests)."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    url, name = _create_postgres_database()
    yield url
    _drop_postgres_database(name)


def empty_all_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{table.name}"' for table in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def make_app(database_url, tmp_path):
    """Build an app on the session's database; extra settings override the defaults."""
    built: list[Flask] = []

    def build(**overrides: object) -> Flask:
        app = create_app(base_config(database_url, tmp_path / "instance") | overrides)
        app.test_client_class = IsolatedClient
        built.append(app)
        return app

    yield build
    if built:
        with built[0].app_context():
            db.session.rollback()
            empty_all_tables()
    for app in built:
        with app.app_context():
            db.engine.dispose()


class IsolatedClient(FlaskClient):
    """Runs each request in its own application context, as a real server does.

    The `app` fixture keeps an app context pushed for the test body; without this,
    requests would reuse it, sharing `g` (Flask-Login's cached user) and the database
    session between requests and between clients. After each request the test's own
    session is expired, so the test reads what the request committed.
    """

    def open(self, *args, **kwargs):
        # Streamed bodies are read inside the request's own context, as a server would.
        kwargs.setdefault("buffered", True)
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            db.session.expire_all()
        return response


@pytest.fixture
def app(make_app) -> Iterator[Flask]:
    app = make_app()
    with app.app_context():
        yield app


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()


@dataclass(frozen=True)
class Account:
    id: int
    email: str
    role: str
    password: str = PASSWORD


@pytest.fixture
def users(app) -> dict[str, Account]:
    """One active account per role; all share the password PASSWORD."""
    created = {}
    for role in ("admin", "editor", "viewer"):
        user = accounts.create_user(
            Actor.system("test"),
            email=f"{role}@example.org",
            name=role.title(),
            role=role,
            password=PASSWORD,
        )
        created[role] = Account(user.id, user.email, role)
    return created


class AuthActions:
    def __init__(self, client: FlaskClient, users: dict[str, Account]) -> None:
        self._client = client
        self._users = users

    def login(self, role: str = "editor", password: str | None = None):
        account = self._users[role]
        return self._client.post(
            "/login", data={"email": account.email, "password": password or account.password}
        )

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client, users) -> AuthActions:
    return AuthActions(client, users)


# --- Mail servers the tests start: Debian's Dovecot (IMAP) and aiosmtpd (SMTP) ---


@pytest.fixture
def imap(tmp_path):
    with ImapServer(tmp_path) as server:
        yield server


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


# --- Browser tests: a real server in a thread, Debian's Chromium driven by Playwright ---

CHROMIUM = os.environ.get("TRACKER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session. A missing browser fails the run loudly:
    a skipped browser test hides a gap."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}. `make test` installs Debian's chromium "
            "package; or set TRACKER_CHROMIUM to its path.",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh browser context (no cookies) and page per test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@dataclass
class LiveServer:
    url: str
    app: Flask


def _closing_response_bodies(wsgi_app):
    """`wsgi_app` whose response bodies close even when the browser drops the connection.

    Werkzeug's development server skips `close()` on the body when a write or its final
    read hits a reset connection (a page left while its scripts still load), so a static
    file stays open until garbage collection and its ResourceWarning fails whichever test
    is running then. A generator closes its body when exhausted or collected.
    """

    def serve(environ, start_response):
        body = wsgi_app(environ, start_response)

        def chunks():
            try:
                yield from body
            finally:
                if hasattr(body, "close"):
                    body.close()

        return chunks()

    return serve


@contextmanager
def serving(app: Flask) -> Iterator[LiveServer]:
    """`app` served over HTTP on a free local port, in a thread, until the block ends."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, _closing_response_bodies(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def live_server(make_app) -> Iterator[LiveServer]:
    """The app served over HTTP on a free local port, with CSRF on, as in production."""
    with serving(make_app(WTF_CSRF_ENABLED=True)) as server:
        yield server


@pytest.fixture
def screenshot_dir(tmp_path) -> Path:
    """Where browser tests save screenshots: a temporary folder, or the README's
    `docs/screenshots` when `make screenshots` sets TRACKER_SCREENSHOT_DIR."""
    folder = Path(os.environ.get("TRACKER_SCREENSHOT_DIR") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
