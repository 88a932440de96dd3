"""Security headers on every response."""

from __future__ import annotations

from flask import Flask, Response, abort, current_app, request
from werkzeug.routing import IntegerConverter

from tracker.domain.bounds import MAX_ID

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "same-origin"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
    if request.endpoint != "static":
        # Pages behind login hold sensitive data: never keep them in any cache.
        headers["Cache-Control"] = "no-store"
    # Behind a proxy that ends TLS the request may look like plain HTTP: the base URL says.
    if request.is_secure or current_app.config["TRACKER_BASE_URL"].lower().startswith("https://"):
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return response


def refuse_nul_characters():
    """No text field has a use for NUL, and PostgreSQL refuses to store or compare it."""
    for values in (request.args, request.form):
        if any("\x00" in value for value in values.values()):
            abort(400, "Text may not contain NUL characters.")


class BoundedIntegerConverter(IntegerConverter):
    """`<int:...>` in a URL: ASCII digits up to the largest id, or 404 before the view.

    Werkzeug's own accepts any length, and SQLite raises OverflowError past 2**63 - 1.
    """

    regex = r"[0-9]{1,10}"

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Call before any blueprint registers: routes take the converter when they are added."""
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.before_request(refuse_nul_characters)
    app.after_request(add_security_headers)
