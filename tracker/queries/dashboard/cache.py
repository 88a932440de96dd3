"""Computed reports kept per worker process, keyed by the data version.

The shelves of tracker.queries.cache that hold the dashboard's reports: exact by
construction (see there). The grouped figures read no reminders, so the scheduler's
sends leave them cached; the "what to do next" tables do, and are keyed by the
reminders' counter too. A key holds everything else the result depends on (the scope,
with today's date; the ladder; the sort).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from tracker.queries.cache import VersionedCache, data_and_reminders_version

MAX_ENTRIES = 64
T = TypeVar("T")

_figures = VersionedCache(MAX_ENTRIES)
_steps = VersionedCache(MAX_ENTRIES, version=data_and_reminders_version)


def cached(key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, or its result from an earlier call with the same key and data version."""
    return _figures.cached(key, compute)


def cached_with_reminders(key: Hashable, compute: Callable[[], T]) -> T:
    """The same for a result that reads the reminders too."""
    return _steps.cached(key, compute)
