"""Forms for officials and campaigns. Validation of the values lives in the service."""

from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import (
    BooleanField,
    HiddenField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from tracker.domain.bounds import parse_id
from tracker.extensions import db
from tracker.models import Group, User
from tracker.services.errors import ServiceError
from tracker.web.forms.common import place_field_errors


class OfficialForm(FlaskForm):
    name = StringField("Name")
    title = StringField("Title", description="e.g. Minister of Justice")
    institution = StringField("Institution")
    country = StringField("Country code", render_kw={"list": "country-codes", "maxlength": 2})
    email = StringField("Email", render_kw={"type": "email"})
    postal_address = TextAreaField("Postal address")
    notes = TextAreaField("Notes")
    submit = SubmitField("Save official")

    def values(self) -> dict[str, str]:
        return {
            name: getattr(self, name).data or ""
            for name in (
                "name",
                "title",
                "institution",
                "country",
                "email",
                "postal_address",
                "notes",
            )
        }


class OfficialEditForm(OfficialForm):
    version = HiddenField(validators=[InputRequired()])


class CampaignForm(FlaskForm):
    name = StringField("Name")
    description = TextAreaField("Description")
    submit = SubmitField("Save campaign")


class CampaignEditForm(CampaignForm):
    version = HiddenField(validators=[InputRequired()])


class VersionedActionForm(FlaskForm):
    """A POST button (archive, restore) that carries the version the page showed."""

    version = HiddenField(validators=[InputRequired()])
    submit = SubmitField("Confirm")


def show_error(form: FlaskForm, error: ServiceError) -> None:
    """The directory service's message next to the input it names (its field names are
    the form's own), or as a flash when it names none."""
    for message in place_field_errors(form, error):
        flash(message, "error")


class CampaignAccessForm(FlaskForm):
    """Who may see a campaign (admins only): restricted, and the users and groups granted."""

    restricted = BooleanField(
        "Restricted: only admins and the users and groups chosen below see this campaign "
        "and its letters"
    )
    user_ids = SelectMultipleField("Users who may see it", choices=[], validate_choice=False)
    group_ids = SelectMultipleField("Groups who may see it", choices=[], validate_choice=False)
    submit = SubmitField("Save who may see it")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        users = db.session.execute(
            select(User.id, User.name, User.email).order_by(func.lower(User.name), User.id)
        ).all()
        self.user_ids.choices = [
            SelectChoice(str(i), f"{name} ({email})") for i, name, email in users
        ]
        groups = db.session.execute(select(Group.id, Group.name).order_by(func.lower(Group.name)))
        self.group_ids.choices = [SelectChoice(str(i), name) for i, name in groups]


def chosen_ids(field) -> list[int]:
    """The ids a multiple select submitted; anything that is not one becomes -1, which the
    service refuses as a user or group that does not exist."""
    return [parse_id(raw) or -1 for raw in field.data or []]
