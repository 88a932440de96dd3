"""/healthz: the database, the scheduler's heartbeat, the mail server's reachability, the
mailbox; security.txt."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from tracker.auth import PUBLIC, requires
from tracker.extensions import db
from tracker.models import utcnow
from tracker.queries import heartbeat, mailbox

bp = Blueprint("health", __name__)


@bp.route("/.well-known/security.txt")
@requires(PUBLIC)
def security_txt():
    """RFC 9116: where to report a vulnerability; Expires a year ahead, as the RFC asks."""
    expires = (utcnow() + timedelta(days=365)).strftime("%Y-%m-%dT%H:%M:%SZ")
    base_url = current_app.config["TRACKER_BASE_URL"].rstrip("/")
    body = (
        f"Contact: {current_app.config['SECURITY_CONTACT']}\n"
        f"Expires: {expires}\n"
        "Preferred-Languages: en\n"
        f"Canonical: {base_url}/.well-known/security.txt\n"
    )
    return Response(body, mimetype="text/plain")


@bp.route("/healthz")
@requires(PUBLIC)
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        age = heartbeat.age_seconds(utcnow())
        mailboxes = mailbox.mailbox_health()
        unreachable_since = heartbeat.mail_unreachable_since()
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(database="unavailable", scheduler_heartbeat_age_seconds=None), 503
    failing = [m for m in mailboxes if not m.ok]
    # "scheduler silent" is an old heartbeat; "mail server unreachable" is a scheduler
    # that runs and cannot hand its mail over. A mailbox that cannot be read does not
    # make the app unhealthy either: both are retried.
    return jsonify(
        database="ok",
        scheduler_heartbeat_age_seconds=None if age is None else round(age, 1),
        mail_server="ok" if unreachable_since is None else "unreachable",
        mail_server_unreachable_since=(
            None if unreachable_since is None else unreachable_since.isoformat()
        ),
        mailbox="not configured" if not mailboxes else ("failing" if failing else "ok"),
        mailbox_errors=[m.error for m in failing],
    )
