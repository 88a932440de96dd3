"""The sessions page in a real browser, CSRF on: a user logged in twice ends the other
session, and the other browser is sent to the login page on its next request."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_login_browser import log_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def test_ending_the_other_session_sends_that_browser_to_login(
    page: Page, browser, live_server, users
):
    email = users["editor"].email
    other_context = browser.new_context(user_agent=FIREFOX)
    other_context.set_default_timeout(10_000)
    try:
        other = other_context.new_page()
        log_in(other, live_server.url, email, PASSWORD)
        expect(other.get_by_role("navigation", name="Main")).to_contain_text("Editor")
        log_in(page, live_server.url, email, PASSWORD)
        expect(page.get_by_role("navigation", name="Main")).to_contain_text("Editor")

        page.goto(f"{live_server.url}/account")
        page.get_by_role("link", name="Sessions").click()
        expect(page.get_by_role("heading", name="Your sessions")).to_be_visible()
        rows = page.locator("table.sessions tbody tr")
        expect(rows).to_have_count(2)
        expect(rows.filter(has_text="this device")).to_contain_text("Chrome on Linux")
        page.get_by_role("button", name=re.compile("End the session of Firefox on Linux")).click()
        expect(page.get_by_text("Ended the session of Firefox on Linux.")).to_be_visible()
        expect(rows).to_have_count(1)
        expect(page.get_by_role("button", name="End all other sessions")).to_have_count(0)

        other.goto(f"{live_server.url}/letters")
        expect(other).to_have_url(re.compile(r"/login\?next="))
        expect(other.get_by_text("Please log in to see this page.")).to_be_visible()

        page.goto(f"{live_server.url}/letters")  # this one goes on
        expect(page).to_have_url(re.compile(r"/letters$"))
    finally:
        other_context.close()
