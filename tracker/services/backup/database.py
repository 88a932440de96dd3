"""A consistent copy of the database while the app runs, and putting one back.

SQLite: the online backup API copies the pages of one read transaction, so writers
carry on (WAL) and the copy is one moment's state. PostgreSQL: `pg_dump` reads in one
repeatable-read snapshot; `pg_restore` loads it in one transaction. The password goes
to both in PGPASSWORD, never on the command line where `ps` shows it.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from tracker.extensions import db


class DatabaseCopyError(RuntimeError):
    """pg_dump, pg_restore or SQLite refused; the message says why."""


def kind() -> str:
    return "sqlite" if db.engine.dialect.name == "sqlite" else "postgresql"


def _sqlite_path() -> str:
    return make_url(str(db.engine.url)).database or ""


def _libpq() -> tuple[list[str], dict[str, str]]:
    """Connection options for the PostgreSQL tools, and their environment."""
    url = db.engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    args = ["--host", url.host or "localhost", "--port", str(url.port or 5432)]
    if url.username:
        args += ["--username", url.username]
    return [*args, "--dbname", url.database or ""], env


def _run(command: list[str], env: dict[str, str]) -> None:
    # The command is ours (pg_dump/pg_restore with options from our own config), no shell.
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise DatabaseCopyError(f"{command[0]} failed: {result.stderr.strip()[:2000]}")


def dump(target: Path) -> None:
    """Write the database to `target` (an SQLite file, or a pg_dump custom archive)."""
    if kind() == "sqlite":
        source = sqlite3.connect(_sqlite_path())
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        return
    args, env = _libpq()
    _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(target), *args], env)


def is_empty() -> bool:
    return not inspect(db.engine).get_table_names()


def load(source: Path) -> None:
    """Put a dump into this (empty) database."""
    db.session.remove()
    db.engine.dispose()
    if kind() == "sqlite":
        snapshot = sqlite3.connect(source)
        target = sqlite3.connect(_sqlite_path())
        try:
            snapshot.backup(target)
        finally:
            target.close()
            snapshot.close()
        return
    args, env = _libpq()
    _run(
        ["pg_restore", "--no-owner", "--exit-on-error", "--single-transaction", *args, str(source)],
        env,
    )


def integrity_problems() -> list[str]:
    """SQLite's own check of the restored file; PostgreSQL checked its load as it went."""
    if kind() != "sqlite":
        return []
    connection = sqlite3.connect(_sqlite_path())
    try:
        rows = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    finally:
        connection.close()
    return [] if rows == ["ok"] else rows
