"""One counter that every committed write moves forward (see tracker.database).

The dashboard keeps computed reports keyed by it: a report cached under version N
is never served once any write has committed after it, so cached figures stay exact.
"""

from __future__ import annotations

import secrets

from sqlalchemy import BigInteger, Connection, Integer
from sqlalchemy.orm import Mapped, mapped_column

from tracker.extensions import db

# Set on a connection whose transaction wrote data the dashboard reads: its commit
# moves the version forward (tracker.database).
WROTE = "tracker_wrote_versioned_data"


class DataVersion(db.Model):
    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    version: Mapped[int] = mapped_column(BigInteger, default=1)


def first_version() -> int:
    # Random, not 1: a database dropped and created again at the same URL must not
    # meet a cache entry of its predecessor.
    return secrets.randbits(62)


def bump(connection: Connection) -> None:
    """Move the version forward when the connection's transaction commits: for a write
    that is marked unversioned and bumps only when it changed a row (a claim)."""
    connection.info[WROTE] = True
