"""Computed reports kept per worker process, keyed by the data version.

The shelf of tracker.queries.cache that holds the dashboard's reports: exact by
construction (see there). The key holds everything else the report depends on (the
scope, with today's date; the ladder; the sort).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from tracker.queries.cache import VersionedCache

MAX_ENTRIES = 64
T = TypeVar("T")

_reports = VersionedCache(MAX_ENTRIES)


def cached(key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, or its result from an earlier call with the same key and data version."""
    return _reports.cached(key, compute)
