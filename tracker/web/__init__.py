"""One blueprint per area of the web UI."""

from __future__ import annotations

from flask import Flask, current_app
from flask_login import current_user

from tracker.models import utcnow
from tracker.queries import heartbeat


def scheduler_warning() -> dict[str, object]:
    """Staff see a banner when the scheduler has stopped sending reminders."""
    if not current_user.is_authenticated:
        return {"scheduler_stale": False}
    interval = current_app.config["TRACKER_SWEEP_SECONDS"]
    age = heartbeat.age_seconds(utcnow())
    return {
        "scheduler_stale": age is None or age > 3 * interval,
        "scheduler_age": age,
        # The scheduler runs but the mail does not go out: another problem, another fix.
        "mail_unreachable_since": heartbeat.mail_unreachable_since(),
    }


# (endpoint, label, role)
NAVIGATION = (
    ("main.home", "My work", "viewer"),
    ("dashboard.index", "Dashboard", "viewer"),
    ("letters.index", "Letters", "viewer"),
    ("intake.start", "Letter intake", "editor"),
    ("mailbox.triage_page", "Mailbox", "editor"),
    ("officials.index", "Officials", "viewer"),
    ("campaigns.index", "Campaigns", "viewer"),
    ("admin.users", "Users", "admin"),
    ("admin.outbox", "Outbox", "admin"),
    ("delivery.problems", "Delivery problems", "admin"),
    ("admin.audit", "Audit trail", "admin"),
)


def navigation() -> dict[str, object]:
    def nav_links() -> list[tuple[str, str]]:
        if not current_user.is_authenticated:
            return []
        return [
            (endpoint, label) for endpoint, label, role in NAVIGATION if current_user.has_role(role)
        ]

    return {"nav_links": nav_links}


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
        responses,
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
    ):
        app.register_blueprint(module.bp)
    app.context_processor(scheduler_warning)
    app.context_processor(navigation)
