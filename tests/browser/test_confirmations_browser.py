"""In a browser: the button styles apply, and closing a letter asks first: in a dialog
with JavaScript, on a page of its own without."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_login_browser import log_in
from tests.conftest import PASSWORD
from tests.support.letter_helpers import make_letter

pytestmark = pytest.mark.browser


def _background(page: Page, selector: str) -> str:
    return page.locator(selector).first.evaluate("el => getComputedStyle(el).backgroundColor")


def test_closing_asks_in_a_dialog_and_the_styles_differ(page: Page, live_server, users):
    with live_server.app.app_context():
        letter_id = make_letter(users)[0].id
    log_in(page, live_server.url, users["editor"].email, PASSWORD)
    page.goto(f"{live_server.url}/letters/{letter_id}")
    primary = _background(page, "main .button:not(.button-secondary):not(.button-danger)")
    secondary = _background(page, "main .button.button-secondary")
    danger = page.get_by_role("link", name="Close letter")
    danger_colour = danger.evaluate("el => getComputedStyle(el).color")
    assert primary != secondary
    assert danger_colour == "rgb(164, 38, 44)"  # --bad: a danger action reads as one

    danger.click()
    dialog = page.get_by_role("dialog", name="Close letter")
    expect(dialog).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/letters/{letter_id}")  # no page load
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    danger.click()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    danger.click()
    dialog.get_by_role("button", name="Close the letter").click()
    expect(page.locator(".flash-success")).to_contain_text("Closed letter")


def test_without_javascript_closing_asks_on_its_own_page(browser, live_server, users):
    with live_server.app.app_context():
        letter_id = make_letter(users)[0].id
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        log_in(page, live_server.url, users["editor"].email, PASSWORD)
        page.goto(f"{live_server.url}/letters/{letter_id}")
        expect(page.get_by_role("dialog")).to_have_count(0)  # closed dialogs are not shown
        page.get_by_role("link", name="Close letter").click()
        expect(page).to_have_url(f"{live_server.url}/letters/{letter_id}/close")
        expect(page.get_by_role("heading", name="Close letter L-2020-0001?")).to_be_visible()
        page.get_by_role("button", name="Close the letter").click()
        expect(page.locator(".flash-success")).to_contain_text("Closed letter")
    finally:
        context.close()
