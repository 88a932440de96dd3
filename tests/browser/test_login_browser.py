"""Staff log in, fail a login, and an admin creates a viewer who then logs in."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def log_in(page: Page, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_login_failure_then_success(page: Page, live_server, users):
    log_in(page, live_server.url, users["editor"].email, "wrong password, surely")
    expect(page.get_by_text("Incorrect email or password.")).to_be_visible()

    log_in(page, live_server.url, users["editor"].email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/$|/\?"))
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Editor")


def test_admin_creates_viewer_who_logs_in(page: Page, browser, live_server, users):
    log_in(page, live_server.url, users["admin"].email, PASSWORD)
    page.get_by_role("link", name="Users").click()
    page.get_by_role("link", name="New user").click()
    page.get_by_label("Email").fill("new.viewer@example.org")
    page.get_by_label("Name").fill("Nadia Viewer")
    page.get_by_label("Role").select_option("viewer")
    page.get_by_label("Initial password").fill("a long enough password")
    page.get_by_role("button", name="Create user").click()
    expect(page.get_by_text("Created new.viewer@example.org")).to_be_visible()
    expect(page.get_by_role("cell", name="Nadia Viewer")).to_be_visible()

    other = browser.new_context()
    try:
        viewer_page = other.new_page()
        log_in(viewer_page, live_server.url, "new.viewer@example.org", "a long enough password")
        expect(viewer_page.get_by_role("navigation", name="Main")).to_contain_text("Nadia Viewer")
        expect(viewer_page.get_by_role("link", name="Users")).to_have_count(0)
    finally:
        other.close()
