"""Binding the database: SQLite gets WAL, a busy timeout, foreign keys and an owner-only file."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url

from tracker.extensions import db

SQLITE_BUSY_TIMEOUT_MS = 15_000


def _configure_sqlite(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # 64 MB of page cache per connection instead of 2 MB: dashboards scan whole tables.
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _configure_sqlite)


def own_sqlite_file(uri: str) -> None:
    """Create the SQLite file readable by its owner only, whatever the umask.

    SQLite gives the -wal and -shm files the database file's permissions, so this one
    file decides all three. A file an older version created is tightened too.
    """
    database = make_url(uri).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    for owned in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if owned.exists():
            owned.chmod(0o600)


def init_app(app: Flask) -> None:
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        own_sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"])
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
        # The timeout of Python's sqlite3 is in seconds and covers waiting for a lock.
        options.setdefault("connect_args", {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
