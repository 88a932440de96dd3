"""One counter that every committed write moves forward (see tracker.database).

The dashboard keeps computed reports keyed by it: a report cached under version N
is never served once any write has committed after it, so cached figures stay exact.
"""

from __future__ import annotations

import secrets

from sqlalchemy import BigInteger, Connection, Integer, insert, update
from sqlalchemy.orm import Mapped, mapped_column

from tracker.extensions import db


class DataVersion(db.Model):
    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    version: Mapped[int] = mapped_column(BigInteger, default=1)


def first_version() -> int:
    # Random, not 1: a database dropped and created again at the same URL must not
    # meet a cache entry of its predecessor.
    return secrets.randbits(62)


def bump(connection: Connection) -> None:
    """Move the version forward inside the connection's transaction."""
    table = DataVersion.__table__
    moved = connection.execute(update(table).values(version=table.c.version + 1))
    if moved.rowcount == 0:  # a database made by create_all (tests) has no row yet
        connection.execute(insert(table).values(id=1, version=first_version()))
