"""One blueprint per area of the web UI."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask, current_app, request
from flask_login import current_user
from markupsafe import Markup

from tracker.models import utcnow
from tracker.queries import heartbeat


def scheduler_warning() -> dict[str, object]:
    """Staff see a banner when the scheduler has stopped sending reminders."""
    if not current_user.is_authenticated:
        return {"scheduler_stale": False}
    interval = current_app.config["TRACKER_SWEEP_SECONDS"]
    age, unreachable_since = heartbeat.banner_state(utcnow())
    return {
        "scheduler_stale": age is None or age > 3 * interval,
        "scheduler_age": age,
        # The scheduler runs but the mail does not go out: another problem, another fix.
        "mail_unreachable_since": unreachable_since,
    }


# (endpoint, label, role)
NAVIGATION = (
    ("main.home", "My work", "viewer"),
    ("dashboard.index", "Dashboard", "viewer"),
    ("letters.index", "Letters", "viewer"),
    ("letters.new", "New letter", "editor"),
    ("intake.start", "New letter from a file", "editor"),
    ("mailbox.triage_page", "Mailbox", "editor"),
    ("officials.index", "Officials", "viewer"),
    ("campaigns.index", "Campaigns", "viewer"),
    ("admin.users", "Users", "admin"),
    ("admin.outbox", "Outbox", "admin"),
    ("delivery.problems", "Delivery problems", "admin"),
    ("admin.audit", "Audit trail", "admin"),
)


def _current_link(endpoints: list[str]) -> str | None:
    """The link marked as the current page: the page itself, else its area's first link."""
    here = request.endpoint or ""
    if here in endpoints:
        return here
    area = here.split(".")[0]
    return next((endpoint for endpoint in endpoints if endpoint.split(".")[0] == area), None)


def navigation() -> dict[str, object]:
    def nav_links() -> list[tuple[str, str, bool]]:
        if not current_user.is_authenticated:
            return []
        allowed = [(e, label) for e, label, role in NAVIGATION if current_user.has_role(role)]
        current = _current_link([endpoint for endpoint, _ in allowed])
        return [(endpoint, label, endpoint == current) for endpoint, label in allowed]

    return {"nav_links": nav_links}


def viewer_zone() -> ZoneInfo:
    """The viewer's time zone (their account setting), else the organisation's."""
    name = getattr(current_user, "timezone", None) if current_user.is_authenticated else None
    for candidate in (name, current_app.config["TRACKER_TIMEZONE"], "UTC"):
        try:
            return ZoneInfo(candidate)
        except (ValueError, TypeError, ZoneInfoNotFoundError):
            continue
    return ZoneInfo("UTC")


def local_time(moment: datetime | None) -> Markup:
    """A <time> in the viewer's zone, with the UTC time in its title (shown on hover)."""
    if moment is None:
        return Markup("—")
    utc = moment.astimezone(UTC)
    local = utc.astimezone(viewer_zone())
    return Markup('<time datetime="{}" title="{} UTC">{}</time>').format(
        utc.isoformat(), utc.strftime("%Y-%m-%d %H:%M"), local.strftime("%Y-%m-%d %H:%M %Z")
    )


def init_app(app: Flask) -> None:
    from tracker.web import (
        admin,
        dashboard,
        delivery,
        followup,
        health,
        intake,
        letters,
        mailbox,
        main,
        passkeys,
        responses,
        sessions,
        two_factor,
    )
    from tracker.web.directory import campaigns, officials

    for module in (
        main,
        admin,
        delivery,
        health,
        letters,
        intake,
        responses,
        mailbox,
        followup,
        officials,
        campaigns,
        dashboard,
        two_factor,
        passkeys,
        sessions,
    ):
        app.register_blueprint(module.bp)
    app.context_processor(scheduler_warning)
    app.context_processor(navigation)
    app.add_template_filter(local_time, "local_time")
