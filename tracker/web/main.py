"""The home page, "My work": the dashboard for the letters the user owns or watches."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from tracker.auth import requires
from tracker.queries.mailbox import replies_to_review
from tracker.web.dashboard import report_page

bp = Blueprint("main", __name__)


@bp.route("/")
@requires("viewer")
def home():
    return report_page(
        "main/home.html",
        mine=True,
        row_limit=50,
        replies_to_review=replies_to_review(current_user.id),
    )
