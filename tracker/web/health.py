"""/healthz: the database's state and the age of the scheduler's heartbeat."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from tracker.auth import PUBLIC, requires
from tracker.extensions import db
from tracker.models import utcnow
from tracker.queries import heartbeat, mailbox

bp = Blueprint("health", __name__)


@bp.route("/healthz")
@requires(PUBLIC)
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        age = heartbeat.age_seconds(utcnow())
        mailboxes = mailbox.mailbox_health()
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(database="unavailable", scheduler_heartbeat_age_seconds=None), 503
    failing = [m for m in mailboxes if not m.ok]
    return jsonify(
        database="ok",
        scheduler_heartbeat_age_seconds=None if age is None else round(age, 1),
        # A mailbox that cannot be read does not make the app unhealthy: it is retried.
        mailbox="not configured" if not mailboxes else ("failing" if failing else "ok"),
        mailbox_errors=[m.error for m in failing],
    )
