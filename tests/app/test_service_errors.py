"""One handler turns an uncaught ServiceError into a status and a page (or JSON under /api/)."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tracker.auth import requires
from tracker.extensions import db
from tracker.services import accounts
from tracker.services.audit import Actor
from tracker.services.errors import ServiceError

STATUSES = {"invalid": 400, "conflict": 409, "not_found": 404, "too_large": 413}


@pytest.fixture
def refusing_app(make_app):
    """An app with routes that let a ServiceError of each kind escape, as a view would."""
    app = make_app()

    @requires("viewer")
    def refuse(kind: str):
        raise ServiceError(
            f"Refused as {kind}.", kind=kind, fields={"subject": "Give the letter a subject."}
        )

    app.add_url_rule("/refuse/<kind>", "refuse", refuse)
    app.add_url_rule("/api/refuse/<kind>", "api_refuse", refuse)
    with app.app_context():
        accounts.create_user(
            Actor.system("test"), email="v@example.org", name="V", role="viewer", password=PASSWORD
        )
        db.session.remove()
    return app


@pytest.mark.parametrize("kind", sorted(STATUSES))
def test_each_kind_gets_its_status_and_its_message(refusing_app, kind):
    client = refusing_app.test_client()
    client.post("/login", data={"email": "v@example.org", "password": PASSWORD})
    page = client.get(f"/refuse/{kind}")
    assert page.status_code == STATUSES[kind]
    assert f"Refused as {kind}." in page.text and page.mimetype == "text/html"
    api = client.get(f"/api/refuse/{kind}")
    assert api.status_code == STATUSES[kind]
    assert api.json == {
        "error": f"Refused as {kind}.",
        "status": STATUSES[kind],
        "fields": {"subject": "Give the letter a subject."},
    }
