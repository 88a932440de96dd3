"""/healthz: the database's state and the age of the scheduler's heartbeat."""

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
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(database="unavailable", scheduler_heartbeat_age_seconds=None), 503
    return jsonify(
        database="ok",
        scheduler_heartbeat_age_seconds=None if age is None else round(age, 1),
    )
