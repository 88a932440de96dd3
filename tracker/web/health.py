"""/healthz: the database, the scheduler's heartbeat, the mail server's reachability."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from tracker.auth import PUBLIC, requires
from tracker.extensions import db
from tracker.models import utcnow
from tracker.queries import heartbeat

bp = Blueprint("health", __name__)


@bp.route("/healthz")
@requires(PUBLIC)
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        age = heartbeat.age_seconds(utcnow())
        unreachable_since = heartbeat.mail_unreachable_since()
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(database="unavailable", scheduler_heartbeat_age_seconds=None), 503
    # "scheduler silent" is an old heartbeat; "mail server unreachable" is a scheduler
    # that runs and cannot hand its mail over.
    return jsonify(
        database="ok",
        scheduler_heartbeat_age_seconds=None if age is None else round(age, 1),
        mail_server="ok" if unreachable_since is None else "unreachable",
        mail_server_unreachable_since=(
            None if unreachable_since is None else unreachable_since.isoformat()
        ),
    )
