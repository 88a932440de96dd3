"""Configuration, read from the environment (and a `.env` file where present).

Every setting has a default that works on one machine with no configuration at all:
SQLite in `instance/`, mail kept in the local outbox, a secret key generated on first
start and kept in `instance/secret_key` with owner-only permissions.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent
load_dotenv(BASE_DIR / ".env")


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise RuntimeError(f"{name} must be a whole number, not {raw!r}") from exc


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def instance_path() -> Path:
    return Path(os.environ.get("TRACKER_INSTANCE_PATH", BASE_DIR / "instance")).resolve()


def load_or_create_secret_key(instance: Path) -> str:
    """Keep a generated key in the instance folder so sessions survive restarts."""
    key_file = instance / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # O_EXCL: two processes starting at once (web and scheduler) must not both write.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


class Config:
    """Settings for a real deployment; `create_app(config)` may override any of them."""

    def __init__(self) -> None:
        instance = instance_path()
        self.INSTANCE_PATH = str(instance)
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or load_or_create_secret_key(instance)
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(
            os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'tracker.db'}"
        )
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        self.TRACKER_BASE_URL = os.environ.get("TRACKER_BASE_URL", "http://127.0.0.1:5000")
        self.MAIL_URL = os.environ.get("MAIL_URL") or None
        self.MAIL_FROM = os.environ.get("MAIL_FROM", "Tracker <tracker@localhost>")
        # security.txt's Contact: a mailto: or https: URL where vulnerabilities go.
        self.SECURITY_CONTACT = os.environ.get(
            "TRACKER_SECURITY_CONTACT", "mailto:security@localhost"
        )
        self.MAIL_TIMEOUT = _env_int("MAIL_TIMEOUT", 30)
        # A reminder or digest refused with 4xx for this long fails (5xx fails at once).
        self.MAIL_GIVE_UP_HOURS = _env_int("MAIL_GIVE_UP_HOURS", 72)
        # None: the system's trust store verifies the mail server's certificate.
        self.MAIL_CA_FILE = os.environ.get("MAIL_CA_FILE") or None
        self.UPLOAD_PATH = os.environ.get("TRACKER_UPLOAD_PATH", str(instance / "uploads"))
        self.MAX_UPLOAD_BYTES = _env_int("TRACKER_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
        # Werkzeug refuses bodies beyond this before a view runs, except on the forms that
        # take a file: there each file is capped instead and the form re-rendered (uploads.py).
        self.MAX_CONTENT_LENGTH = self.MAX_UPLOAD_BYTES + 1024 * 1024
        # Received and sent email; None: `<instance>/mail` (owner-only, outside the web root).
        self.MAIL_STORE_PATH = os.environ.get("TRACKER_MAIL_PATH") or None
        # The organisation's mailbox that replies arrive in; None: no polling.
        self.INBOUND_URL = os.environ.get("INBOUND_URL") or None
        self.INBOUND_CA_FILE = os.environ.get("INBOUND_CA_FILE") or None
        # After taking a message: "flag" (a keyword, and \Seen) or "move:<folder>".
        self.INBOUND_AFTER = os.environ.get("INBOUND_AFTER", "flag")
        self.INBOUND_SECONDS = _env_int("INBOUND_SECONDS", 300)
        self.INBOUND_TIMEOUT = _env_int("INBOUND_TIMEOUT", 60)
        # Larger messages stay in the mailbox; triage shows their headers and why.
        self.INBOUND_MAX_BYTES = _env_int("INBOUND_MAX_BYTES", 25 * 1024 * 1024)
        self.INBOUND_MAX_ATTACHMENTS = _env_int("INBOUND_MAX_ATTACHMENTS", 50)
        # Letters sent from Tracker ask for replies at local+<REF>.<token>@domain of this.
        self.TRACKER_REPLY_ADDRESS = os.environ.get("TRACKER_REPLY_ADDRESS") or None
        self.TRACKER_LADDER = os.environ.get(
            "TRACKER_LADDER", "0:no_response,14:follow_up,44:escalate"
        )
        self.TRACKER_RESPONSE_WINDOW_DAYS = _env_int("TRACKER_RESPONSE_WINDOW_DAYS", 30)
        self.TRACKER_SWEEP_SECONDS = _env_int("TRACKER_SWEEP_SECONDS", 60)
        self.TRACKER_REMINDER_HOUR = _env_int("TRACKER_REMINDER_HOUR", 9)
        self.TRACKER_TIMEZONE = os.environ.get("TRACKER_TIMEZONE", "UTC")
        # Below this many expected answers an official, institution or country is listed
        # apart on the dashboard, not ranked: two letters say little about anyone.
        self.TRACKER_MIN_SAMPLE = _env_int("TRACKER_MIN_SAMPLE", 5)
        self.TRACKER_LEASE_SECONDS = _env_int("TRACKER_LEASE_SECONDS", 300)
        self.TRACKER_PROXY_COUNT = _env_int("TRACKER_PROXY_COUNT", 0)
        self.LOGIN_MAX_FAILURES_PER_ACCOUNT = _env_int("TRACKER_LOGIN_MAX_FAILURES_ACCOUNT", 5)
        self.LOGIN_MAX_FAILURES_PER_ADDRESS = _env_int("TRACKER_LOGIN_MAX_FAILURES_ADDRESS", 20)
        self.LOGIN_FAILURE_WINDOW_SECONDS = _env_int("TRACKER_LOGIN_WINDOW_SECONDS", 15 * 60)
        # Failures on one account from anywhere that alert its owner and slow down
        # addresses the owner never logged in from (never a lock: see accounts/throttle).
        self.LOGIN_ACCOUNT_ALARM_FAILURES = _env_int("TRACKER_LOGIN_ACCOUNT_ALARM", 10)
        # A Fernet key that encrypts uploaded and mail files at rest; keep it outside the
        # database and its backups. Make one with: python -c "from cryptography.fernet
        # import Fernet; print(Fernet.generate_key().decode())". None: stored plain.
        self.TRACKER_FILE_KEY = os.environ.get("TRACKER_FILE_KEY") or None
        # Nightly backups by the scheduler process; None: no nightly backup.
        self.TRACKER_BACKUP_DIR = os.environ.get("TRACKER_BACKUP_DIR") or None
        self.TRACKER_BACKUP_KEEP = _env_int("TRACKER_BACKUP_KEEP", 7)
        self.TRACKER_BACKUP_HOUR = _env_int("TRACKER_BACKUP_HOUR", 2)  # in TRACKER_TIMEZONE
        self.TRACKER_BACKUP_PASSPHRASE = os.environ.get("TRACKER_BACKUP_PASSPHRASE") or None
        self.SESSION_COOKIE_NAME = "tracker_session"
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        # None: decided by create_app from the final TRACKER_BASE_URL (https -> Secure).
        secure = os.environ.get("SESSION_COOKIE_SECURE")
        self.SESSION_COOKIE_SECURE = (
            None if secure is None else _env_bool("SESSION_COOKIE_SECURE", False)
        )
        self.PERMANENT_SESSION_LIFETIME = _env_int("TRACKER_SESSION_HOURS", 12) * 3600
        self.WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session


def normalise_database_url(url: str) -> str:
    """Accept the URLs hosting providers hand out and use psycopg 3 for PostgreSQL."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
