"""The officials directory: search, add, edit, and each official's letters."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for

from tracker.auth import current_actor, current_visibility, requires
from tracker.domain.bounds import parse_id
from tracker.domain.countries import COUNTRIES
from tracker.errors import status_for
from tracker.extensions import db
from tracker.models import Campaign, Official, utcnow
from tracker.queries import directory as directory_query
from tracker.services import directory
from tracker.services.errors import ServiceError
from tracker.settings import organisation_today
from tracker.web.directory import submit_edit
from tracker.web.forms.common import form_version
from tracker.web.forms.directory import OfficialEditForm, OfficialForm, show_error
from tracker.web.forms.letters import official_label

bp = Blueprint("officials", __name__, url_prefix="/officials")


def _int_arg(name: str) -> int | None:
    return parse_id(request.args.get(name)) or None


def _official_or_404(official_id: int) -> Official:
    return db.session.get(Official, official_id) or abort(404)


def _render_form(template: str, form: OfficialForm, status: int, **context):
    return render_template(template, form=form, countries=COUNTRIES, **context), status


@bp.route("")
@requires("viewer")
def index():
    q = " ".join(request.args.get("q", "").split())[:200]
    country = request.args.get("country", "").strip().upper()[:2] or None
    campaign_id = _int_arg("campaign")
    page = _int_arg("page") or 1
    visibility = current_visibility()
    result = directory_query.search_officials(q, country, campaign_id, page, visibility=visibility)
    return render_template(
        "officials/index.html",
        result=result,
        q=q,
        country=country,
        campaign_id=campaign_id,
        campaigns=directory_query.campaign_choices(visibility=visibility),
        countries=COUNTRIES,
    )


@bp.route("/search.json")
@requires("viewer")
def search_json():
    """The whole directory searched as staff type a name (static/official-search.js)."""
    q = request.args.get("q", "")[:200]
    hits = directory_query.find_officials(q)
    return jsonify(
        q=q,
        officials=[
            {
                "id": hit.id,
                "name": hit.name,
                "title": hit.title,
                "institution": hit.institution,
                "country": hit.country,
                "label": official_label(hit),
            }
            for hit in hits
        ],
    )


QUICK_FIELDS = ("name", "title", "institution", "country", "email")


@bp.route("/new.json", methods=["POST"])
@requires("editor")
def new_json():
    """Create an official from the letter form without leaving it (static/letter-form.js)."""
    values = {name: request.form.get(name, "")[:300] for name in QUICK_FIELDS}
    values["country"] = values["country"] or None
    try:
        official = directory.create_official(current_actor(), **values)
    except ServiceError as error:
        field = next(iter(error.fields), "name")
        return jsonify(error=error.message, field=field), status_for(error)
    return jsonify(id=official.id, name=official.name, label=official_label(official)), 201


@bp.route("/new", methods=["GET", "POST"])
@requires("editor")
def new():
    form = OfficialForm()
    status = 200
    if form.validate_on_submit():
        try:
            official = directory.create_official(current_actor(), **form.values())
        except ServiceError as error:
            show_error(form, error)
            status = 400
        else:
            flash(f"Added {official.name}.", "success")
            return redirect(url_for("officials.show", official_id=official.id))
    elif form.is_submitted():
        status = 400
    return _render_form("officials/new.html", form, status)


@bp.route("/<int:official_id>")
@requires("viewer")
def show(official_id: int):
    official = _official_or_404(official_id)
    campaign_id = _int_arg("campaign")
    visibility = current_visibility()
    letters = directory_query.letters_addressed_to(
        official.id, organisation_today(utcnow()), campaign_id, visibility=visibility
    )
    campaign = db.session.get(Campaign, campaign_id) if campaign_id else None
    return render_template(
        "officials/show.html",
        official=official,
        letters=letters,
        summary=directory_query.responsiveness(letters),
        campaign=campaign if visibility.sees_campaign(campaign) else None,
        campaigns=directory_query.campaign_choices(visibility=visibility),
        country_name=COUNTRIES.get(official.country or ""),
    )


@bp.route("/<int:official_id>/edit", methods=["GET", "POST"])
@requires("editor")
def edit(official_id: int):
    official = _official_or_404(official_id)
    form = OfficialEditForm(obj=official)
    saved, conflict, status = submit_edit(
        form,
        official,
        lambda: directory.update_official(
            current_actor(), official, **form.values(), expected_version=form_version(form)
        ),
    )
    if saved:
        flash(f"Saved {official.name}.", "success")
        return redirect(url_for("officials.show", official_id=official.id))
    return _render_form("officials/edit.html", form, status, official=official, conflict=conflict)
