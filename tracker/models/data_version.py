"""One counter that every committed write moves forward (see tracker.database).

The dashboard keeps computed reports keyed by it: a report cached under version N
is never served once any write has committed after it, so cached figures stay exact.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer
from sqlalchemy.orm import Mapped, mapped_column

from tracker.extensions import db


class DataVersion(db.Model):
    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    version: Mapped[int] = mapped_column(BigInteger, default=1)
