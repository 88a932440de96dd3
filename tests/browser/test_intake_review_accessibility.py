"""The intake review screen, with its likely / possible demands, passes axe-core with the
page's JavaScript on and off (without it the rows still show confidence and cue, and the
keep boxes still work)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_accessibility import axe_violations, prepare_axe
from tests.browser.test_login_browser import log_in
from tests.conftest import PASSWORD
from tests.support.intake_helpers import LETTERS

pytestmark = pytest.mark.browser

# One likely demand, three possible ones.
LETTER = LETTERS / "en-authorities-should-release.txt"


def _open_review(page: Page, base_url: str, email: str) -> None:
    log_in(page, base_url, email, PASSWORD)
    page.goto(f"{base_url}/letters/intake")
    page.get_by_label("Letter file (PDF, DOCX, TXT or EML)").set_input_files(LETTER)
    page.get_by_role("button", name="Read the letter").click()
    expect(page.get_by_role("heading", name="Review the letter")).to_be_visible()


@pytest.mark.parametrize("page_scripts", ["on", "off"])
def test_review_screen_with_likely_and_possible_demands_is_accessible(
    page: Page, live_server, users, page_scripts
):
    csp_errors = prepare_axe(page)
    if page_scripts == "off":
        # axe itself runs as an init script; only the page's own script is kept out.
        page.route("**/static/intake.js*", lambda route: route.abort())
    _open_review(page, live_server.url, users["editor"].email)

    expect(page.get_by_label("Keep demand 1")).to_be_checked()
    expect(page.get_by_label("Keep demand 2")).not_to_be_checked()
    expect(page.locator("#demand-1-why")).to_contain_text("Possible demand: check it")
    expect(page.locator("#demand-1-why")).to_contain_text("Why: the letter says “must”.")
    assert axe_violations(page) == []
    assert csp_errors == []
