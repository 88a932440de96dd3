"""Importing letters from a spreadsheet: upload, preview with a per-row report, confirm."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, SubmitField

from tracker.auth import current_actor, current_visibility, requires
from tracker.errors import status_for
from tracker.models import utcnow
from tracker.services.errors import ServiceError
from tracker.services.letters import csv_import
from tracker.settings import organisation_today
from tracker.web.letters import bp


class UploadForm(FlaskForm):
    file = FileField("CSV file")
    submit = SubmitField("Check the file")


class ConfirmImportForm(FlaskForm):
    """Carries the checked file back; it is checked again before anything is written."""

    csv_text = HiddenField()
    file_name = HiddenField()
    submit = SubmitField("Import these letters")


def _preview(plan, upload_form, confirm_form, file_name, status=None):
    status = status or (200 if plan.ok else 400)
    return render_template(
        "letters/import.html",
        plan=plan,
        form=upload_form,
        confirm_form=confirm_form,
        file_name=file_name,
    ), status


@bp.route("/import", methods=["GET", "POST"])
@requires("editor")
def import_csv():
    upload_form = UploadForm()
    confirm_form = ConfirmImportForm(prefix="confirm")
    now = utcnow()
    user = current_user._get_current_object()
    if confirm_form.submit.data and confirm_form.validate_on_submit():
        data = (confirm_form.csv_text.data or "").encode("utf-8")
        file_name = (confirm_form.file_name.data or "")[:255]
        plan = csv_import.plan_import(data, user, organisation_today(now), current_visibility())
        if not plan.ok:
            return _preview(plan, upload_form, confirm_form, file_name)
        try:
            result = csv_import.run_import(current_actor(), plan, now, source=file_name)
        except ServiceError as error:
            flash(error.message, "error")
            return _preview(plan, upload_form, confirm_form, file_name, status=status_for(error))
        flash(
            f"Imported {result.letters} letters, {result.officials} new officials and "
            f"{result.campaigns} new campaigns from {file_name or 'the file'}.",
            "success",
        )
        return redirect(url_for("letters.index"))
    if upload_form.submit.data and upload_form.validate_on_submit():
        upload = upload_form.file.data
        if not upload or not upload.filename:
            upload_form.file.errors = ["Choose a CSV file."]
            return render_template("letters/import.html", form=upload_form, plan=None), 400
        raw = upload.read()
        file_name = upload.filename[:255]
        plan = csv_import.plan_import(raw, user, organisation_today(now), current_visibility())
        if plan.ok:
            confirm_form.csv_text.data = raw.decode("utf-8-sig")
            confirm_form.file_name.data = file_name
        return _preview(plan, upload_form, confirm_form, file_name)
    status = 400 if upload_form.is_submitted() else 200
    return render_template("letters/import.html", form=upload_form, plan=None), status
