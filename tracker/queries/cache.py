"""Results kept per worker process, keyed by the data versions of what they read.

Exact by construction: the version is read before a result is computed, and every
transaction that writes moves it forward (tracker.database), so a result is served only
to a request that saw the same version, i.e. no write has committed since it was built.
A result that reads the reminders too is keyed by their counter as well
(tracker.models.data_version).
A key also holds everything else the result depends on (the filters, today's date, the
viewer), so a new day or another filter is another entry.

Each user of the cache has a shelf of its own (the dashboard's reports, the letters
list's pages), so browsing many list pages never pushes out a dashboard report that
took seconds to compute.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from sqlalchemy import select

from tracker.extensions import db
from tracker.models import DataVersion
from tracker.models.data_version import DATA, REMINDERS

T = TypeVar("T")

_VERSION = select(DataVersion.version).where(DataVersion.id == DATA)
_REMINDERS_VERSION = select(DataVersion.version).where(DataVersion.id == REMINDERS)
_MEMO = "tracker_per_transaction"

# The data version as a column, for a statement that reads it along with other things
# (the session's user: one round trip for what every page reads). Pass what it read to
# remember("data_version", ...).
VERSION_COLUMN = _VERSION.scalar_subquery()


def _memo() -> dict[str, object]:
    """Values read in the session's current transaction; empty once it has ended."""
    session = db.session()
    transaction = session.get_transaction()
    memo = session.info.get(_MEMO)
    if transaction is None or memo is None or memo[0] is not transaction:
        memo = (transaction, {})
        session.info[_MEMO] = memo
    return memo[1]


def per_transaction(name: str, read: Callable[[], T]) -> T:
    """`read()`, once per transaction of the session.

    A commit or a rollback ends the transaction, so the next call after a write reads
    afresh. A request reads each such value once: the cached results it then serves all
    belong to the same data version.
    """
    memo = _memo()
    if name not in memo:
        value = read()
        memo = _memo()  # the read may have begun the transaction
        memo[name] = value
    return memo[name]  # type: ignore[return-value]


def remember(name: str, value: object) -> None:
    """Keep a value read by a statement of the current transaction (see VERSION_COLUMN)."""
    _memo()[name] = value


def data_version() -> int | None:
    """The committed data version, read once per transaction of the session."""
    return per_transaction("data_version", lambda: db.session.connection().scalar(_VERSION))


def data_and_reminders_version() -> tuple[int, int] | None:
    """The data version and the reminders' counter, for results that read both."""
    data = data_version()
    reminders = per_transaction(
        "reminders_version", lambda: db.session.connection().scalar(_REMINDERS_VERSION)
    )
    return None if data is None or reminders is None else (data, reminders)


class VersionedCache:
    """A least-recently-used shelf of results, each valid for one data version (or the
    versions that `version` reads)."""

    def __init__(
        self, max_entries: int, version: Callable[[], Hashable | None] = data_version
    ) -> None:
        self.max_entries = max_entries
        self._version = version
        self._entries: OrderedDict[tuple, object] = OrderedDict()
        self._lock = threading.Lock()

    def cached(self, key: Hashable, compute: Callable[[], T]) -> T:
        """`compute()`, or its result from an earlier call with the same key and version."""
        version = self._version()
        if version is None:  # no version row (a database made by create_all): nothing to trust
            return compute()
        full_key = (db.engine.url.render_as_string(), version, key)
        with self._lock:
            if full_key in self._entries:
                self._entries.move_to_end(full_key)
                return self._entries[full_key]  # type: ignore[return-value]
        value = compute()
        with self._lock:
            self._entries[full_key] = value
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value
