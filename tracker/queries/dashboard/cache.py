"""Computed reports kept per worker process, keyed by the data version.

Exact by construction: the version is read before the report is computed, and every
transaction that writes moves it forward (tracker.database), so a report is served only
to a request that saw the same version, i.e. no write has committed since it was built.
The key also holds everything else the report depends on (the scope, with today's date;
the ladder; the sort), so a new day or another filter is another entry.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from sqlalchemy import select

from tracker.extensions import db
from tracker.models import DataVersion

MAX_ENTRIES = 64
T = TypeVar("T")

_entries: OrderedDict[tuple, object] = OrderedDict()
_lock = threading.Lock()


def data_version() -> int | None:
    return db.session.scalar(select(DataVersion.version).where(DataVersion.id == 1))


def cached(key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, or its result from an earlier call with the same key and data version."""
    version = data_version()
    if version is None:  # no version row (a database made by create_all): nothing to trust
        return compute()
    full_key = (db.engine.url.render_as_string(), version, key)
    with _lock:
        if full_key in _entries:
            _entries.move_to_end(full_key)
            return _entries[full_key]  # type: ignore[return-value]
    value = compute()
    with _lock:
        _entries[full_key] = value
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return value
