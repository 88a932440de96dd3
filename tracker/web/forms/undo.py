"""The "Undo" form a confirmation flash offers (templates/base.html renders it)."""

from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm
from wtforms import HiddenField


class UndoForm(FlaskForm):
    # The version the row had right after the action: any change since refuses the undo.
    version = HiddenField()


def flash_with_undo(text: str, undo_url: str, version: int) -> None:
    """A success message with an "Undo" button: a POST form (CSRF), no script needed."""
    flash({"text": text, "undo": undo_url, "version": version}, "success")
