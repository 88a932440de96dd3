"""Forms for officials and campaigns. Validation of the values lives in the service."""

from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired

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
