"""Forms for officials and campaigns. Validation of the values lives in the service."""

from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired

from tracker.domain.bounds import parse_id


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


def form_version(form: FlaskForm) -> int:
    """The version the form was loaded at; garbage counts as stale (0)."""
    return parse_id(form.version.data) or 0


def show_error(form: FlaskForm, error: ValueError) -> None:
    """The message next to the field it names, or as a flash when it names none."""
    field_name = getattr(error, "field", None)
    target = getattr(form, field_name, None) if field_name else None
    if target is None:
        flash(str(error), "error")
    else:
        target.errors = [*target.errors, str(error)]
