"""The letters list: search, filters, sorting, CSV export and import."""

from __future__ import annotations

from dataclasses import replace

from flask import Response, render_template, request, stream_with_context, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, select
from wtforms.fields.choices import SelectChoice

from tracker.auth import current_visibility, requires
from tracker.extensions import db
from tracker.models import DEMAND_OUTCOMES, Official, User, utcnow
from tracker.queries import directory as directory_query
from tracker.queries.cache import VersionedCache
from tracker.queries.letters import export as csv_export
from tracker.queries.letters.filters import LETTER_STATES, SORTS, LetterFilters
from tracker.queries.letters.listing import search_letters
from tracker.settings import organisation_today
from tracker.web.letters import bp
from tracker.web.letters.form_input import officials_named

SORT_LABELS = {
    "reference": "Reference",
    "subject": "Subject",
    "sent_on": "Date sent",
    "due_on": "Next due date",
    "overdue": "Days overdue",
}

# The list's pages as HTML, per data version (exact: see tracker.queries.cache). A
# shelf of its own, so browsing list pages never evicts a dashboard report.
_list_cache = VersionedCache(max_entries=128)


def _id_link_prefix(endpoint: str, argument: str) -> str:
    """The URL of `endpoint` for an id, less the id: a row's link is this plus its id.

    Built once per page rather than with url_for in every cell of every row.
    """
    url = url_for(endpoint, **{argument: 0})
    if not url.endswith("/0"):
        raise ValueError(f"{endpoint} does not end with its {argument}")
    return url[:-1]


# The filters the form shows; the others (the dashboard's) ride along as hidden fields.
SHOWN_FILTERS = (
    "q", "campaign", "official", "owner", "state", "outcome", "sent_from", "sent_to",
    "sort", "dir", "page",
)  # fmt: skip


def _official_from_name(typed: str) -> tuple[int | None, str | None]:
    """The official a typed name (or "name (title)" label, or part of a name) designates."""
    exact = officials_named(typed)
    if len(exact) == 1:
        return exact[0].id, None
    hits = directory_query.find_officials(typed, limit=6)
    if len(hits) == 1:
        return hits[0].id, None
    if not hits:
        return None, f"Official: no official is named {typed!r}; ignored."
    names = "; ".join(hit.name for hit in hits[:5])
    return None, f"Official: several officials match {typed!r} ({names}); type one in full."


def _filters_from_request() -> tuple[LetterFilters, dict[str, str], str]:
    """The list's filters; a typed official name (the search field) replaces the id."""
    filters, errors = LetterFilters.from_args(request.args)
    if "official_name" not in request.args:
        if filters.official is None:
            return filters, errors, ""
        name = db.session.scalar(select(Official.name).where(Official.id == filters.official))
        return filters, errors, name or ""
    typed = " ".join(request.args["official_name"].split())[:300]
    official_id, error = _official_from_name(typed) if typed else (None, None)
    if error:
        errors["official"] = error
    return replace(filters, official=official_id), errors, typed


def _filter_choices() -> dict[str, list[SelectChoice]]:
    """Options of the filter form; none of them grows with the letters or the directory."""
    owners = db.session.execute(select(User.id, User.name).order_by(func.lower(User.name))).all()
    return {
        "campaign": [
            SelectChoice(str(i), name)
            for i, name in directory_query.campaign_choices(visibility=current_visibility())
        ],
        "owner": [SelectChoice(str(i), name) for i, name in owners],
        "state": [SelectChoice(state, state) for state in LETTER_STATES],
        "outcome": [
            SelectChoice(outcome, outcome.replace("_", " ")) for outcome in DEMAND_OUTCOMES
        ],
        "sort": [SelectChoice(sort, SORT_LABELS[sort]) for sort in SORTS],
    }


def _list_content(filters: LetterFilters, errors: dict[str, str], official_name: str) -> Markup:
    """The page below the navigation (count, filter form, rows, pager), per data version.

    Rendered once and kept for every request that sees the same data version with the
    same filters, keyed by the viewer too (their role shows buttons; whatever one viewer
    may see stays theirs). It holds no per-response value: the filter form is a GET
    without a token, the CSP has no nonce; the token, flashes and banners are in the
    layout around it, rendered on every request.
    """
    today = organisation_today(utcnow())

    def render() -> Markup:
        # The template's own output: autoescaped HTML, safe to place as it is.
        return Markup(  # noqa: S704
            render_template(
                "letters/_list.html",
                page=search_letters(filters, today, visibility=current_visibility()),
                filters=filters,
                errors=errors,
                official_name=official_name,
                shown_filters=SHOWN_FILTERS,
                choices=_filter_choices(),
                sort_labels=SORT_LABELS,
                letter_link=_id_link_prefix("letters.show", "letter_id"),
                official_link=_id_link_prefix("officials.show", "official_id"),
            )
        )

    key = (
        "letters list",
        current_user.id,
        request.script_root,
        today,
        filters,
        tuple(sorted(errors.items())),
        official_name,
    )
    return _list_cache.cached(key, render)


@bp.route("")
@requires("viewer")
def index():
    filters, errors, official_name = _filters_from_request()
    content = _list_content(filters, errors, official_name)
    return render_template("letters/index.html", content=content), (400 if errors else 200)


@bp.route("/export.csv")
@requires("viewer")
def export_csv():
    filters, errors, _ = _filters_from_request()
    if errors:
        return Response(
            "\n".join(errors.values()) + "\n", status=400, mimetype="text/plain; charset=utf-8"
        )
    today = organisation_today(utcnow())
    stamp = today.isoformat()
    return Response(
        stream_with_context(
            csv_export.export_csv_chunks(filters, today, visibility=current_visibility())
        ),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="letters-{stamp}.csv"'},
    )
