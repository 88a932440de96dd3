"""Binding the database: SQLite gets WAL, a busy timeout, foreign keys and an owner-only
file; every transaction that writes also moves the data version forward
(tracker.models.data_version).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.sql import TextClause
from sqlalchemy.sql.dml import UpdateBase

from tracker.extensions import db
from tracker.models.data_version import WROTE, first_version

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


# Writes that no cached figure reads: bumping for them would only empty the cache.
UNVERSIONED_TABLES = frozenset(
    {
        "alembic_version",
        "data_version",
        "scheduler_heartbeats",
        "login_failures",
        "outbox_messages",
        "audit_events",
    }
)
_WRITE_TEXT = re.compile(r"\s*(insert|update|delete|replace)\b", re.IGNORECASE)
# An execution option: this write bumps the version itself, and only when it changed a row.
UNVERSIONED = "tracker_unversioned"


def _writes_data(statement) -> bool:
    if isinstance(statement, UpdateBase):
        name = getattr(statement.table, "name", None) or ""
        # Alembic's batch mode copies a table through _alembic_tmp_*, maybe before the
        # migration that creates data_version has run.
        return name not in UNVERSIONED_TABLES and not name.startswith("_alembic_tmp_")
    return isinstance(statement, TextClause) and bool(_WRITE_TEXT.match(statement.text))


def _note_first_write(connection: Connection, statement, *_args) -> None:
    """Remember that this transaction writes data the dashboard reads."""
    if connection.info.get(WROTE) or not _writes_data(statement):
        return
    if statement.get_execution_options().get(UNVERSIONED):
        return  # the statement's owner bumps only when it changed something
    connection.info[WROTE] = True


def _bump_before_commit(connection: Connection) -> None:
    """Move the version forward as the last statement of a transaction that wrote.

    Committed with the writes (or rolled back with them), so a reader that saw version
    N and then version N again knows no write committed in between. Bumping at the end,
    not at the first write, holds the version row's lock only for the commit itself:
    on PostgreSQL a long transaction (a 5,000-row import) must not make every other
    writer wait for it.
    """
    if not connection.info.pop(WROTE, False):
        return
    # The DB-API cursor: SQLAlchemy is between its own commit steps here.
    cursor = connection.connection.cursor()
    try:
        cursor.execute("UPDATE data_version SET version = version + 1")
        if cursor.rowcount == 0:  # a database made by create_all (tests) has no row yet
            first = int(first_version())
            cursor.execute(f"INSERT INTO data_version (id, version) VALUES (1, {first})")  # noqa: S608
    finally:
        cursor.close()


def _rolled_back(connection: Connection) -> None:
    connection.info.pop(WROTE, None)


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _configure_sqlite)
    event.listen(engine, "before_execute", _note_first_write)
    event.listen(engine, "commit", _bump_before_commit)
    event.listen(engine, "rollback", _rolled_back)


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
