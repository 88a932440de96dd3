"""Campaigns: list, create, edit, archive and restore."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tracker.auth import current_actor, current_visibility, requires
from tracker.errors import status_for
from tracker.extensions import db
from tracker.models import Campaign
from tracker.queries import directory as directory_query
from tracker.services import directory
from tracker.services.access import set_campaign_access
from tracker.services.errors import EditConflict, ServiceError
from tracker.web.directory import submit_edit
from tracker.web.forms.common import form_version
from tracker.web.forms.directory import (
    CampaignAccessForm,
    CampaignEditForm,
    CampaignForm,
    VersionedActionForm,
    chosen_ids,
    show_error,
)

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")


def _campaign_or_404(campaign_id: int) -> Campaign:
    """The campaign, if the user may see it: a restricted one is not found by outsiders."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or not current_visibility().sees_campaign(campaign):
        abort(404)
    return campaign


@bp.route("")
@requires("viewer")
def index():
    show_archived = request.args.get("archived") == "1"
    return render_template(
        "campaigns/index.html",
        rows=directory_query.campaigns_with_counts(show_archived, visibility=current_visibility()),
        show_archived=show_archived,
        action_form=VersionedActionForm(),
    )


@bp.route("/new", methods=["GET", "POST"])
@requires("editor")
def new():
    form = CampaignForm()
    status = 200
    if form.validate_on_submit():
        try:
            campaign = directory.create_campaign(
                current_actor(), name=form.name.data or "", description=form.description.data or ""
            )
        except ServiceError as error:
            show_error(form, error)
            status = 400
        else:
            flash(f"Created campaign {campaign.name}.", "success")
            return redirect(url_for("campaigns.index"))
    elif form.is_submitted():
        status = 400
    return render_template("campaigns/new.html", form=form), status


@bp.route("/<int:campaign_id>/edit", methods=["GET", "POST"])
@requires("editor")
def edit(campaign_id: int):
    campaign = _campaign_or_404(campaign_id)
    form = CampaignEditForm(obj=campaign)
    saved, conflict, status = submit_edit(
        form,
        campaign,
        lambda: directory.update_campaign(
            current_actor(),
            campaign,
            name=form.name.data or "",
            description=form.description.data or "",
            expected_version=form_version(form),
        ),
    )
    if saved:
        flash(f"Saved campaign {campaign.name}.", "success")
        return redirect(url_for("campaigns.index"))
    return _edit_page(campaign, form, conflict, status)


def _access_form(campaign: Campaign, formdata=None) -> CampaignAccessForm | None:
    """The admins' form of who may see the campaign; None for other users."""
    if not current_user.has_role("admin"):
        return None
    form = CampaignAccessForm(formdata=formdata, prefix="access")
    if formdata is None:
        form.restricted.data = campaign.restricted
        form.user_ids.data = [str(user.id) for user in campaign.granted_users]
        form.group_ids.data = [str(group.id) for group in campaign.granted_groups]
    return form


def _edit_page(campaign: Campaign, form, conflict, status: int, access_form=None):
    return render_template(
        "campaigns/edit.html",
        form=form,
        campaign=campaign,
        conflict=conflict,
        action_form=VersionedActionForm(formdata=None, version=str(campaign.version)),
        access_form=access_form or _access_form(campaign),
    ), status


@bp.route("/<int:campaign_id>/access", methods=["POST"])
@requires("admin")
def access(campaign_id: int):
    """Restrict the campaign to named users and groups, or open it to all staff."""
    campaign = _campaign_or_404(campaign_id)
    form = _access_form(campaign, request.form)
    if not form.validate_on_submit():
        abort(400)
    try:
        set_campaign_access(
            current_actor(),
            campaign,
            restricted=form.restricted.data,
            user_ids=chosen_ids(form.user_ids),
            group_ids=chosen_ids(form.group_ids),
        )
    except ServiceError as error:
        flash(error.message, "error")
        db.session.refresh(campaign)
        edit_form = CampaignEditForm(formdata=None, obj=campaign, version=str(campaign.version))
        return _edit_page(campaign, edit_form, None, status_for(error), form)
    state = "restricted to the chosen users and groups" if campaign.restricted else "open"
    flash(f"Campaign {campaign.name} is {state}.", "success")
    return redirect(url_for("campaigns.edit", campaign_id=campaign.id))


def _set_archived(campaign_id: int, archived: bool):
    campaign = _campaign_or_404(campaign_id)
    form = VersionedActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        directory.set_campaign_archived(
            current_actor(), campaign, archived, expected_version=form_version(form)
        )
    except EditConflict as error:
        flash(error.message, "error")
        db.session.refresh(campaign)
        form = CampaignEditForm(formdata=None, obj=campaign, version=str(campaign.version))
        return _edit_page(campaign, form, None, 409)
    verb = "Archived" if archived else "Restored"
    flash(f"{verb} campaign {campaign.name}.", "success")
    return redirect(url_for("campaigns.index", archived="1" if archived else None))


@bp.route("/<int:campaign_id>/archive", methods=["POST"])
@requires("editor")
def archive(campaign_id: int):
    return _set_archived(campaign_id, True)


@bp.route("/<int:campaign_id>/unarchive", methods=["POST"])
@requires("editor")
def unarchive(campaign_id: int):
    return _set_archived(campaign_id, False)
