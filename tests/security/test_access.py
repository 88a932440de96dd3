"""Roles on every route: the matrix over app.url_map, for every role and method."""

from __future__ import annotations

import pytest
from werkzeug.routing import Rule
from werkzeug.routing.converters import NumberConverter

from tracker.auth import PUBLIC

ROLES = ("viewer", "editor", "admin")
RANK = {"viewer": 1, "editor": 2, "admin": 3}
# POST routes a viewer may use: their own session and account, nothing shared.
SELF_SERVICE_POSTS = {
    "auth.login",
    "auth.logout",
    "auth.account",
    # The second login step and enrolment at login: public, but only with a pending login.
    "two_factor.verify",
    "two_factor.enrol_at_login",
    # A user's own second factor, on their account.
    "two_factor.begin",
    "two_factor.confirm",
    "two_factor.recovery_codes",
    "two_factor.turn_off",
    # A user's own passkeys, and the login step with one (public, with a pending login).
    "passkeys.registration_options",
    "passkeys.add",
    "passkeys.rename",
    "passkeys.remove",
    "passkeys.login_options",
    "passkeys.login",
    # A user's own login sessions.
    "sessions.end",
    "sessions.end_others",
}
# Routes that can end the session the role matrix runs in (the sample id 1 is its own).
ENDS_THIS_SESSION = {"auth.logout", "auth.login", "sessions.end", "admin.end_user_session"}


def policy_of(app, endpoint: str) -> str | None:
    if endpoint == "static":
        return PUBLIC
    return getattr(app.view_functions[endpoint], "access_policy", None)


def sample_url(app, rule: Rule) -> str:
    values = {}
    for name in rule.arguments:
        numeric = isinstance(rule._converters[name], NumberConverter)
        values[name] = 1 if numeric else "style.css"
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_every_endpoint_declares_who_may_use_it(app):
    undeclared = [
        rule.endpoint for rule in app.url_map.iter_rules() if policy_of(app, rule.endpoint) is None
    ]
    assert undeclared == []


def test_writes_need_editor_admin_pages_need_admin(app):
    for rule, method in routes(app):
        policy = policy_of(app, rule.endpoint)
        if rule.endpoint.startswith("admin."):
            assert policy == "admin", rule.endpoint
        if method != "GET" and rule.endpoint not in SELF_SERVICE_POSTS:
            assert policy in {"editor", "admin"}, f"{method} {rule.rule} is open to {policy}"


def test_anonymous_is_sent_to_login_everywhere_but_public_pages(app, client):
    checked = 0
    for rule, method in routes(app):
        response = client.open(sample_url(app, rule), method=method)
        response.close()
        if policy_of(app, rule.endpoint) == PUBLIC:
            assert response.status_code != 403
            continue
        assert response.status_code == 302, f"{method} {rule.rule}"
        assert "/login?next=" in response.headers["Location"]
        checked += 1
    assert checked > 5


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(app, client, auth, role):
    """Each role gets 403 exactly where its rank is below the route's policy."""
    auth.login(role)
    for rule, method in routes(app):
        if rule.endpoint in ENDS_THIS_SESSION:
            continue  # logging out ends the session this loop relies on
        policy = policy_of(app, rule.endpoint)
        response = client.open(sample_url(app, rule), method=method)
        response.close()
        if policy != PUBLIC and RANK[role] < RANK[policy]:
            assert response.status_code == 403, f"{role} {method} {rule.rule}"
        else:
            assert "/login" not in response.headers.get("Location", ""), f"{role} {rule.rule}"
            assert response.status_code != 403, f"{role} {method} {rule.rule}"
            assert response.status_code < 500, f"{role} {method} {rule.rule}"


def test_viewer_sees_no_admin_navigation(client, auth):
    auth.login("viewer")
    page = client.get("/").get_data(as_text=True)
    assert "/admin/users" not in page
    auth.logout()
    auth.login("admin")
    assert "/admin/users" in client.get("/").get_data(as_text=True)
