"""Binding the database: SQLite gets WAL, a busy timeout, foreign keys and an owner-only
file; every transaction that writes also moves the data versions of what it wrote forward
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
from tracker.models.data_version import (
    EVERY_VERSION,
    UNVERSIONED,
    first_version,
    note_written,
    take_written,
    versions_written,
)

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


_WRITE_TEXT = re.compile(r"\s*(insert|update|delete|replace)\b", re.IGNORECASE)


def _versions_written(statement) -> tuple[int, ...]:
    if isinstance(statement, UpdateBase):
        name = getattr(statement.table, "name", None) or ""
        # Alembic's batch mode copies a table through _alembic_tmp_*, maybe before the
        # migration that creates data_version has run.
        return () if name.startswith("_alembic_tmp_") else versions_written(name)
    if isinstance(statement, TextClause) and _WRITE_TEXT.match(statement.text):
        return EVERY_VERSION  # a hand-written write could touch anything
    return ()


def _note_write(connection: Connection, statement, *_args) -> None:
    """Remember which counters this transaction's writes move."""
    written = _versions_written(statement)
    if not written or statement.get_execution_options().get(UNVERSIONED):
        return  # an unversioned statement's owner bumps only when it changed something
    note_written(connection, written)


def _bump_before_commit(connection: Connection) -> None:
    """Move the counters forward as the last statement of a transaction that wrote.

    Committed with the writes (or rolled back with them), so a reader that saw version
    N and then version N again knows no write committed in between. Bumping at the end,
    not at the first write, holds the version row's lock only for the commit itself:
    on PostgreSQL a long transaction (a 5,000-row import) must not make every other
    writer wait for it.
    """
    ids = take_written(connection)
    if not ids:
        return
    # The DB-API cursor: SQLAlchemy is between its own commit steps here.
    cursor = connection.connection.cursor()
    try:
        marks = ", ".join(str(int(i)) for i in ids)
        cursor.execute(f"UPDATE data_version SET version = version + 1 WHERE id IN ({marks})")  # noqa: S608
        if cursor.rowcount < len(ids):  # a database made by create_all (tests) lacks rows
            cursor.execute(f"SELECT id FROM data_version WHERE id IN ({marks})")  # noqa: S608
            present = {row[0] for row in cursor.fetchall()}
            for missing in sorted(set(ids) - present):
                first = int(first_version())
                cursor.execute(
                    f"INSERT INTO data_version (id, version) VALUES ({int(missing)}, {first})"  # noqa: S608
                )
    finally:
        cursor.close()


def _rolled_back(connection: Connection) -> None:
    take_written(connection)


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _configure_sqlite)
    event.listen(engine, "before_execute", _note_write)
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
