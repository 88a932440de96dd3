"""The home page, "My work": the dashboard for the letters the user owns or watches."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from tracker.auth import current_visibility, requires
from tracker.models import utcnow
from tracker.queries import delivery
from tracker.queries.mailbox import replies_to_review
from tracker.web.dashboard import report_page

bp = Blueprint("main", __name__)


@bp.route("/")
@requires("viewer")
def home():
    # The owner hears of reminders about their letters that could not be delivered, and
    # of replies to their letters that wait for a review.
    return report_page(
        "main/home.html",
        mine=True,
        row_limit=50,
        delivery_problems=delivery.reminder_problems(
            utcnow(), owner_id=current_user.id, visibility=current_visibility()
        ),
        letter_delivery_problems=delivery.letter_delivery_problems(
            owner_id=current_user.id, visibility=current_visibility()
        ),
        replies_to_review=replies_to_review(current_user.id, visibility=current_visibility()),
    )
