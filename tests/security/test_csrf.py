"""With CSRF on, as in production: every POST route refuses a request without a token."""

from __future__ import annotations

import re

import pytest

from tests.security.test_access import routes, sample_url


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token in the page"
    return match.group(1)


@pytest.fixture
def csrf_app(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield app


def log_in_with_token(client, account) -> None:
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login",
        data={"email": account.email, "password": account.password, "csrf_token": token},
    )
    assert response.status_code == 302


def test_login_without_token_is_refused(csrf_app, users):
    client = csrf_app.test_client()
    response = client.post(
        "/login", data={"email": users["admin"].email, "password": users["admin"].password}
    )
    assert response.status_code == 400
    assert "did not come from this site" in response.get_data(as_text=True)
    assert "tracker_session" not in str(client.get_cookie("tracker_session") or "")


def test_every_post_route_refuses_a_missing_or_forged_token(csrf_app, users):
    client = csrf_app.test_client()
    log_in_with_token(client, users["admin"])
    posts = [(rule, method) for rule, method in routes(csrf_app) if method == "POST"]
    assert len(posts) >= 5
    for rule, _method in posts:
        url = sample_url(csrf_app, rule)
        for data in ({}, {"csrf_token": "forged"}):
            response = client.post(url, data=data)
            assert response.status_code == 400, f"POST {rule.rule} with {data}"
    # The session survived every refused request: nothing was logged out or changed.
    assert client.get("/admin/users").status_code == 200


def test_a_real_token_is_accepted(csrf_app, users):
    client = csrf_app.test_client()
    log_in_with_token(client, users["editor"])
    token = csrf_token(client.get("/").get_data(as_text=True))
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get("/").status_code == 302
