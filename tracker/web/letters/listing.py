"""The letters list: search, filters, sorting, CSV export and import."""

from __future__ import annotations

from flask import Response, render_template, request, stream_with_context, url_for
from sqlalchemy import func, select
from wtforms.fields.choices import SelectChoice

from tracker.auth import requires
from tracker.extensions import db
from tracker.models import DEMAND_OUTCOMES, Official, User, utcnow
from tracker.queries import directory as directory_query
from tracker.queries.letters import export as csv_export
from tracker.queries.letters.filters import LETTER_STATES, SORTS, LetterFilters
from tracker.queries.letters.listing import search_letters
from tracker.settings import organisation_today
from tracker.web.letters import bp

SORT_LABELS = {
    "reference": "Reference",
    "subject": "Subject",
    "sent_on": "Date sent",
    "due_on": "Next due date",
    "overdue": "Days overdue",
}


def _id_link_prefix(endpoint: str, argument: str) -> str:
    """The URL of `endpoint` for an id, less the id: a row's link is this plus its id.

    Built once per page rather than with url_for in every cell of every row.
    """
    url = url_for(endpoint, **{argument: 0})
    if not url.endswith("/0"):
        raise ValueError(f"{endpoint} does not end with its {argument}")
    return url[:-1]


def _filter_choices(filters: LetterFilters) -> dict[str, list[SelectChoice]]:
    """Options of the filter form; none of them grows with the letters or the directory.

    The official filter offers only the selected official: officials are chosen from
    their own page (or found by name with the search field), not from a list of them all.
    """
    selected = select(Official.id, Official.name).where(Official.id == filters.official)
    officials = db.session.execute(selected).all() if filters.official is not None else []
    owners = db.session.execute(select(User.id, User.name).order_by(func.lower(User.name))).all()
    return {
        "campaign": [SelectChoice(str(i), name) for i, name in directory_query.campaign_choices()],
        "official": [SelectChoice(str(i), name) for i, name in officials],
        "owner": [SelectChoice(str(i), name) for i, name in owners],
        "state": [SelectChoice(state, state) for state in LETTER_STATES],
        "outcome": [
            SelectChoice(outcome, outcome.replace("_", " ")) for outcome in DEMAND_OUTCOMES
        ],
        "sort": [SelectChoice(sort, SORT_LABELS[sort]) for sort in SORTS],
    }


@bp.route("")
@requires("viewer")
def index():
    filters, errors = LetterFilters.from_args(request.args)
    page = search_letters(filters, organisation_today(utcnow()))
    return render_template(
        "letters/index.html",
        page=page,
        filters=filters,
        errors=errors,
        choices=_filter_choices(filters),
        sort_labels=SORT_LABELS,
        letter_link=_id_link_prefix("letters.show", "letter_id"),
        official_link=_id_link_prefix("officials.show", "official_id"),
    ), (400 if errors else 200)


@bp.route("/export.csv")
@requires("viewer")
def export_csv():
    filters, errors = LetterFilters.from_args(request.args)
    if errors:
        return Response(
            "\n".join(errors.values()) + "\n", status=400, mimetype="text/plain; charset=utf-8"
        )
    today = organisation_today(utcnow())
    stamp = today.isoformat()
    return Response(
        stream_with_context(csv_export.export_csv_chunks(filters, today)),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="letters-{stamp}.csv"'},
    )
