"""Garbage on any route gets a 4xx with a message, never a 500 and never a new row.

(Routes whose form is only a confirmation button, such as closing a letter, act on an
empty form: with CSRF off in these tests, that is a legitimate request.)
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from tests.security.test_access import ENDS_THIS_SESSION, routes, sample_url
from tests.support.letter_helpers import NOW, editor_actor, make_letter
from tracker.extensions import db
from tracker.models import OutboxMessage, Reminder
from tracker.services import directory, responses

GARBAGE_FORMS = [
    {},
    {"version": "not a number", "page": "-1", "reference": "x" * 5000},
    {
        "sent_on": "2020-02-31",
        "received_on": "yesterday",
        "days": "1e309",
        "official_id": "'; DROP TABLE letters; --",
        "recipients-0-official_id": "999999999",
        "demands-0-text": "",
        "file": "",
        "campaign": "\x00",
    },
]
GARBAGE_QUERIES = [
    "?page=abc&sort=;drop&dir=sideways",
    "?sent_from=2020-13-45&campaign=x&official=-1&state=nonsense",
    "?q=%25%5F%00&overdue_min=ten&period=forever&start=never",
]


@pytest.fixture
def world(app, users):
    """Row 1 of every table exists, so each route gets past its 404 to its validation."""
    letter, _president, secretary = make_letter(users)
    directory.create_campaign(editor_actor(users), name="ICC sanctions")
    cc = next(r for r in letter.recipients if r.official_id == secretary.id)
    responses.record_response(
        editor_actor(users),
        letter,
        responses.ResponseInput(recipient_id=cc.id, received_on=date(2020, 4, 15), kind="refusal"),
        NOW,
    )
    db.session.add(
        OutboxMessage(
            message_id="<m@x>", sender="a@x", recipients="b@x", subject="s", body_text="t"
        )
    )
    db.session.commit()
    assert db.session.get(Reminder, 1) is not None
    return letter


def count_rows() -> dict[str, int]:
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
        if table.name not in {"audit_events", "login_failures", "users"}
    }


def test_garbage_posts_never_fail_with_a_server_error(app, client, auth, world):
    auth.login("admin")
    before = count_rows()
    for rule, method in routes(app):
        if method != "POST" or rule.endpoint in ENDS_THIS_SESSION:
            continue  # ending the session this loop runs in would test the login page
        url = sample_url(app, rule)
        for form in GARBAGE_FORMS:
            response = client.post(url, data=form)
            assert response.status_code < 500, f"POST {rule.rule} {form}"
    assert count_rows() == before


def test_garbage_query_strings_never_fail_with_a_server_error(app, client, auth, world):
    auth.login("admin")
    for rule, method in routes(app):
        if method != "GET" or rule.endpoint == "static":
            continue
        for query in GARBAGE_QUERIES:
            response = client.get(sample_url(app, rule) + query)
            assert response.status_code < 500, f"GET {rule.rule}{query}"


def test_nul_characters_are_refused_with_a_message(client, auth):
    auth.login("editor")
    response = client.get("/letters?q=a%00b")
    assert response.status_code == 400
    assert "may not contain NUL" in response.get_data(as_text=True)
    assert client.post("/officials/new", data={"name": "A\x00B"}).status_code == 400
