"""Config glue: the organisation's settings, read from the app's config.

The one home of `ladder_settings` and `organisation_today`; everyone imports them
from here. The values are parsed by pure code in `tracker.domain.ladder`.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from flask import current_app

from tracker.domain import ladder


@lru_cache(maxsize=8)
def _parse_settings(spec: str, send_hour: int, tz_name: str) -> ladder.LadderSettings:
    return ladder.LadderSettings(
        ladder.parse_ladder(spec), send_hour, ladder.timezone_or_utc(tz_name)
    )


def ladder_settings() -> ladder.LadderSettings:
    """The configured ladder, parsed once per distinct configuration."""
    config = current_app.config
    return _parse_settings(
        config["TRACKER_LADDER"], config["TRACKER_REMINDER_HOUR"], config["TRACKER_TIMEZONE"]
    )


def organisation_today(now: datetime) -> date:
    """Today's date in the organisation's time zone (TRACKER_TIMEZONE)."""
    return now.astimezone(ladder_settings().tz).date()
