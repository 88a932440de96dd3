"""The home page."""

from __future__ import annotations

from flask import Blueprint, render_template

from tracker.auth import requires

bp = Blueprint("main", __name__)


@bp.route("/")
@requires("viewer")
def home():
    return render_template("main/home.html")
