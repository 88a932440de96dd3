"""The home page, "My work": the dashboard for the letters the user owns or watches."""

from __future__ import annotations

from flask import Blueprint

from tracker.auth import requires
from tracker.web.dashboard import report_page

bp = Blueprint("main", __name__)


@bp.route("/")
@requires("viewer")
def home():
    return report_page("main/home.html", mine=True, row_limit=50)
