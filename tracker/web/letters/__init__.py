"""The letters area: the working list (listing), each letter's page and forms (editing), and
the spreadsheet import (importing). All three add their routes to the one blueprint `bp`."""

from flask import Blueprint

bp = Blueprint("letters", __name__, url_prefix="/letters")

# Importing the view modules is what adds their routes to `bp`; `tracker.web` registers `bp`
# after this package is imported, so every route is on it by then.
from tracker.web.letters import editing, importing, listing  # noqa: E402, F401
