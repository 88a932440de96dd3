"""Tracker: follow up on the letters advocacy organisations send to officials."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Config

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build an application; `config` overrides settings read from the environment."""
    settings = vars(Config()) | dict(config or {})
    app = Flask(
        __name__,
        instance_path=settings["INSTANCE_PATH"],
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(settings)
    https = app.config["TRACKER_BASE_URL"].lower().startswith("https://")
    if app.config["SESSION_COOKIE_SECURE"] is None:
        app.config["SESSION_COOKIE_SECURE"] = https
    app.config["PREFERRED_URL_SCHEME"] = "https" if https else "http"
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    # The instance holds the secret key and, by default, the database and the uploads.
    Path(app.instance_path).chmod(0o700)
    if app.config["TRACKER_PROXY_COUNT"]:
        count = app.config["TRACKER_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)

    from tracker import auth, cli, database, errors, security, web
    from tracker.extensions import csrf, db, migrate
    from tracker.web import uploads

    database.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    security.init_app(app)
    auth.init_app(app)
    errors.init_app(app)
    uploads.init_app(app)
    web.init_app(app)
    cli.init_app(app)
    return app
