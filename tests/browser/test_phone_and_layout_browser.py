"""Layout in a real browser: at 390 px no main page is wider than the screen, stacked
cells carry their column names, and the CICC letter's page fits about two screens."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.browser.test_accessibility import demo_letter_id  # noqa: F401  (fixture)
from tests.browser.test_login_browser import log_in
from tests.conftest import PASSWORD
from tracker.extensions import db
from tracker.models import Official

pytestmark = pytest.mark.browser

MAIN_PAGES = (
    "/",
    "/dashboard",
    "/letters",
    "/letters/{letter}",
    "/letters/new",
    "/letters/{letter}/edit",
    "/letters/{letter}/responses/new",
    "/officials",
    "/officials/{official}",
    "/officials/new",
    "/letters/intake",
    "/account",
    "/account/sessions",
)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_no_main_page_is_wider_than_a_390px_phone(
    browser,
    live_server,
    users,
    demo_letter_id,  # noqa: F811
    javascript,
):
    with live_server.app.app_context():
        official = db.session.scalar(select(Official.id).order_by(Official.id))
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, java_script_enabled=javascript
    )
    try:
        page = context.new_page()
        log_in(page, live_server.url, users["editor"].email, PASSWORD)
        for path in MAIN_PAGES:
            url = live_server.url + path.format(letter=demo_letter_id, official=official)
            assert page.goto(url).status == 200, path
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"{path} is {width} px wide"
        page.goto(f"{live_server.url}/letters")
        cell = page.locator(".letters-table tbody tr").first.locator("td").nth(3)
        label = cell.evaluate("el => getComputedStyle(el, '::before').content")
        assert label == '"Sent: "'
    finally:
        context.close()


def test_the_cicc_letter_page_fits_two_screens_in_the_viewers_time_zone(
    page: Page,
    live_server,
    users,
    demo_letter_id,  # noqa: F811
):
    from tracker.models import User

    with live_server.app.app_context():
        editor = db.session.get(User, users["editor"].id)
        editor.timezone = "Europe/Brussels"
        db.session.commit()
    log_in(page, live_server.url, users["editor"].email, PASSWORD)
    page.goto(f"{live_server.url}/letters/{demo_letter_id}")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= 2000, f"the letter page is {height} px tall at 1280x900"
    # The outcome changes in place, in a dialog.
    page.get_by_role("link", name="Change outcome of demand 1").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Outcome").select_option(label="Partially met")
    dialog.get_by_role("button", name="Set outcome").click()
    expect(page.locator(".flash-success")).to_contain_text("Demand 1: Partially met")
    stamp = page.locator("#timeline time").last
    expect(stamp).to_have_attribute("title", re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d UTC$"))
    assert re.search(r"CES?T$", stamp.inner_text())  # the viewer's zone, not UTC
    expect(page.locator("#timeline .actor").last).to_have_text("Editor")  # a name, not an email
