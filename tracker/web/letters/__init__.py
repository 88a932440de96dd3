"""The letters area: the working list (listing) and each letter's page and forms (editing)."""

from flask import Blueprint

bp = Blueprint("letters", __name__, url_prefix="/letters")

from tracker.web.letters import editing, listing  # noqa: E402,F401  (routes register on bp)
