"""Rows written as an older schema held them, for migration tests."""

from __future__ import annotations

from collections.abc import Callable

from flask_migrate import upgrade
from sqlalchemy import Insert, MetaData, Table, insert

from tracker.extensions import db


def tables_as_they_are() -> dict[str, Table]:
    """The tables as the migrated database holds them now (reflected)."""
    old = MetaData()
    old.reflect(bind=db.session.connection())
    return dict(old.tables)


def insert_as_it_was(old_table: Table, model, **values) -> Insert:
    """An INSERT into the table as it was, with today's model defaults for the columns
    it had and the caller left out (NOT NULL ones among them)."""
    for column in model.__table__.columns:
        default = column.default
        if column.name in old_table.c and column.name not in values and default is not None:
            values[column.name] = default.arg(None) if default.is_callable else default.arg
    return insert(old_table).values(**values)


def migrated_from(revision: str, write_old_rows: Callable[[], None]) -> None:
    """Migrate an empty database to `revision`, write rows as it held them, then migrate
    to the head (inside an app context on that database)."""
    upgrade(revision=revision)
    write_old_rows()
    db.session.close()
    upgrade()
