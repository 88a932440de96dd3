"""Passkeys in a real browser with Chromium's virtual authenticator (CDP WebAuthn domain),
CSRF on: add a passkey on the account page (recovery codes come with the first), log in
with the password and the passkey, and a removed passkey no longer logs in.

WebAuthn needs a secure context and an RP ID that is a domain, so the app is served at
http://localhost:PORT with TRACKER_BASE_URL set to it (the passkeys' RP ID is "localhost").
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.accounts.test_auth import post_login
from tests.browser.test_accessibility import axe_violations, prepare_axe
from tests.browser.test_login_browser import log_in
from tests.conftest import PASSWORD, LiveServer, serving
from tests.support.soft_authenticator import SoftAuthenticator
from tracker.extensions import db
from tracker.models import AuditEvent, Passkey

pytestmark = pytest.mark.browser


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.fixture
def localhost_server(make_app) -> Iterator[LiveServer]:
    app = make_app(WTF_CSRF_ENABLED=True)
    with serving(app) as server:
        url = server.url.replace("127.0.0.1", "localhost")
        app.config["TRACKER_BASE_URL"] = url
        yield LiveServer(url=url, app=app)


def virtual_authenticator(page: Page) -> tuple[object, str]:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    return cdp, added["authenticatorId"]


def add_passkey(page: Page, base_url: str, name: str) -> None:
    page.goto(f"{base_url}/account")
    page.get_by_role("link", name="Passkeys").click()
    expect(page.get_by_text("Adding a passkey needs JavaScript")).to_be_hidden()
    page.get_by_label("Name of this passkey").fill(name)
    page.get_by_label("Your password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Add a passkey").click()


def log_out(page: Page) -> None:
    page.get_by_role("button", name=re.compile("Log out")).click()
    expect(page).to_have_url(re.compile(r"/login"))


def test_add_a_passkey_log_in_with_it_and_remove_it(page: Page, localhost_server, users):
    base = localhost_server.url
    csp_errors = prepare_axe(page)
    cdp, authenticator = virtual_authenticator(page)
    email = users["editor"].email
    log_in(page, base, email, PASSWORD)
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Editor")

    add_passkey(page, base, "Laptop")
    # The first passkey of a user without recovery codes brings them, shown once.
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="I have saved my recovery codes").click()
    expect(page.get_by_role("cell", name="Laptop", exact=True)).to_be_visible()
    assert axe_violations(page) == []
    with localhost_server.app.app_context():
        stored = db.session.scalars(select(Passkey)).all()
        assert [(p.name, p.sign_count) for p in stored] == [("Laptop", stored[0].sign_count)]
        count_after_adding = stored[0].sign_count
    log_out(page)

    log_in(page, base, email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/login/code$"))
    expect(page.get_by_text("Using a passkey needs JavaScript")).to_be_hidden()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Use a passkey").click()
    expect(page.get_by_role("heading", name=re.compile("My work"))).to_be_visible()
    with localhost_server.app.app_context():
        used = db.session.scalars(select(Passkey)).one()
        assert used.last_used_at is not None
        assert used.sign_count > count_after_adding
        actions = db.session.scalars(select(AuditEvent.action)).all()
        assert "user.passkey_add" in actions
        assert actions.count("login.success") >= 2

    page.goto(f"{base}/account/passkeys")
    page.get_by_label("New name for Laptop").fill("Work laptop")
    page.get_by_role("button", name="Rename").click()
    expect(page.get_by_text("Passkey renamed.")).to_be_visible()
    page.get_by_label("Your password to remove Work laptop").fill(PASSWORD)
    page.get_by_role("button", name="Remove Work laptop").click()
    expect(page.get_by_text("Passkey removed.")).to_be_visible()
    expect(page.get_by_text("You have no passkeys.")).to_be_visible()
    log_out(page)

    # The credential is still in the authenticator, but the server no longer knows it:
    # the login does not ask for a passkey any more (no second factor is left).
    assert cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    log_in(page, base, email, PASSWORD)
    expect(page.get_by_role("heading", name=re.compile("My work"))).to_be_visible()
    assert csp_errors == []


def test_a_removed_passkey_is_refused_while_another_remains(page: Page, localhost_server, users):
    """Two passkeys on one authenticator; the one removed is refused at login."""
    base = localhost_server.url
    cdp, authenticator = virtual_authenticator(page)
    email = users["viewer"].email
    log_in(page, base, email, PASSWORD)
    add_passkey(page, base, "First")
    page.get_by_role("link", name="I have saved my recovery codes").click()
    with localhost_server.app.app_context():
        first = db.session.scalars(select(Passkey)).one()
        first_id = first.credential_id
    # The second passkey lives on a second authenticator; the first one is then unplugged
    # after its passkey is removed from the account but kept in the authenticator.
    second_auth = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )["authenticatorId"]
    cdp.send("WebAuthn.setUserVerified", {"authenticatorId": authenticator, "isUserVerified": True})
    # Only the second authenticator takes the create(): the first holds an excluded credential.
    add_passkey(page, base, "Second")
    expect(page.get_by_text("Passkey added. Your other sessions have ended.")).to_be_visible()
    page.get_by_label("Your password to remove First").fill(PASSWORD)
    page.get_by_role("button", name="Remove First").click()
    expect(page.get_by_text("Passkey removed.")).to_be_visible()
    log_out(page)

    # Only the first authenticator is left: it holds the removed passkey alone. The server
    # offers only "Second"; the options are altered on their way so that the browser signs
    # with the removed one, as a client holding an old credential might.
    cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": second_auth})

    def offer_the_removed_one(route):
        response = route.fetch()
        options = response.json()
        assert [c["id"] for c in options["allowCredentials"]] != [b64url(first_id)]
        options["allowCredentials"] = [{"type": "public-key", "id": b64url(first_id)}]
        route.fulfill(response=response, json=options)

    page.route("**/login/passkey/options", offer_the_removed_one)
    log_in(page, base, email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/login/code$"))
    page.get_by_role("button", name="Use a passkey").click()
    expect(page.get_by_text("That passkey is not one of this account's.")).to_be_visible()
    expect(page.get_by_role("button", name="Use a passkey")).to_be_visible()
    with localhost_server.app.app_context():
        refused = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "login.second_factor_failure")
        ).all()
        assert [event.summary for event in refused] == ["Passkey refused"]
    with localhost_server.app.app_context():
        assert [p.name for p in db.session.scalars(select(Passkey))] == ["Second"]
        assert first_id not in [p.credential_id for p in db.session.scalars(select(Passkey))]


def test_without_javascript_the_passkey_is_explained_and_a_recovery_code_logs_in(
    browser, localhost_server, make_app, users
):
    """A passkey added (by the software authenticator, through the app's own pages), then a
    browser whose scripts do not run: no passkey button, a note, and a recovery code works."""
    base = localhost_server.url
    email = users["editor"].email
    soft = SoftAuthenticator("localhost", base)
    helper = make_app(TRACKER_BASE_URL=base)  # the same database, CSRF off for the client
    app_client = helper.test_client()
    with helper.app_context():
        assert post_login(app_client, email, PASSWORD).status_code == 302
        options = app_client.post("/account/passkeys/options").get_json()
        added = app_client.post(
            "/account/passkeys",
            data={
                "add-name": "Phone",
                "add-current_password": PASSWORD,
                "add-credential": soft.register(options),
            },
        )
        assert added.status_code == 200
        codes = re.findall(r"<code>([a-z0-9-]{14})</code>", added.get_data(as_text=True))
    assert len(codes) == 10

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route("**/static/*.js", lambda route: route.abort())
    page = context.new_page()
    log_in(page, base, email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/login/code$"))
    expect(page.get_by_text("Using a passkey needs JavaScript")).to_be_visible()
    expect(page.get_by_role("button", name="Use a passkey")).to_be_hidden()
    page.get_by_label("Code from your authenticator app, or a recovery code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name=re.compile("My work"))).to_be_visible()
    page.goto(f"{base}/account/passkeys")
    expect(page.get_by_role("cell", name="Phone", exact=True)).to_be_visible()
    expect(page.get_by_text("Adding a passkey needs JavaScript")).to_be_visible()
    expect(page.get_by_role("button", name="Add a passkey")).to_be_hidden()
    context.close()
