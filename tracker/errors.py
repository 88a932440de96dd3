"""Error pages: a clear message and the right status, never a stack trace.

A ServiceError that no view caught (to show its messages next to a form's inputs) is
answered here: its kind decides the status, its message is the page (or, under /api/,
a JSON problem that also lists the field messages).
"""

from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from tracker.extensions import db
from tracker.services.errors import Kind, ServiceError

STATUS_OF_KIND: dict[Kind, int] = {
    "invalid": 400,
    "conflict": 409,
    "not_found": 404,
    "too_large": 413,
}

MESSAGES = {
    400: "The request could not be understood. Check what you entered and try again.",
    403: "You do not have permission to do this.",
    404: "There is nothing at this address.",
    405: "This address does not accept that kind of request.",
    409: "Someone else changed this meanwhile.",
    413: "The file is too large.",
    429: "Too many requests. Wait a little and try again.",
    500: "Something went wrong on our side. The error has been logged.",
}


def status_for(error: ServiceError) -> int:
    """The HTTP status of a service error, for views that answer it themselves."""
    return STATUS_OF_KIND[error.kind]


def _render(status: int, message: str, fields: dict[str, str] | None = None):
    if request.accept_mimetypes.best == "application/json" or request.path.startswith("/api/"):
        return jsonify(error=message, status=status, fields=fields or {}), status
    return render_template("errors/error.html", status=status, message=message), status


def handle_service_error(error: ServiceError):
    db.session.rollback()  # the service's transaction is over; nothing half-done stays
    return _render(status_for(error), error.message, error.fields)


def handle_http_error(error: HTTPException):
    status = error.code or 500
    if status == 413:
        limit_mb = current_app.config["MAX_UPLOAD_BYTES"] // (1024 * 1024)
        return _render(413, f"The upload is too large: files may be at most {limit_mb} MB.")
    if error.description and error.description != type(error).description:
        return _render(status, error.description)  # a message written for this case
    return _render(status, MESSAGES.get(status, "Error"))


def handle_csrf_error(error: CSRFError):
    return _render(
        400, "The form expired or did not come from this site. Reload the page and try again."
    )


def handle_stale_data(error: StaleDataError):
    """A last line of defence: views check versions first, but a race can still lose."""
    db.session.rollback()
    current_app.logger.warning("edit conflict: %s", error)
    return _render(409, "Someone else changed this meanwhile. Reload the page and try again.")


def handle_integrity_error(error: IntegrityError):
    db.session.rollback()
    current_app.logger.warning("integrity error reached the error handler: %s", error)
    return _render(409, "This conflicts with data saved meanwhile. Reload the page and try again.")


def handle_data_error(error: DataError):
    db.session.rollback()
    current_app.logger.warning("data error reached the error handler: %s", error)
    return _render(400, "A value is malformed or out of range. Check what you entered.")


def init_app(app: Flask) -> None:
    app.register_error_handler(DataError, handle_data_error)
    app.register_error_handler(StaleDataError, handle_stale_data)
    app.register_error_handler(IntegrityError, handle_integrity_error)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(ServiceError, handle_service_error)
