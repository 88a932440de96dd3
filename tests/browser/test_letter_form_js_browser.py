"""With JavaScript, an editor goes from My work to a saved CICC letter with the keyboard
alone and exactly one page load for the save: two recipients (one created on the spot),
five demands (one removed and the order fixed on the way) and the original file."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.test_letter_workflow_browser import DEMANDS, LETTER, enter_letter
from tests.browser.test_login_browser import log_in
from tests.conftest import PASSWORD
from tracker.extensions import db
from tracker.models import Letter
from tracker.services import directory
from tracker.services.audit import Actor

pytestmark = pytest.mark.browser


def tab_to(page: Page, target: Locator, limit: int = 120) -> None:
    """Press Tab (as a keyboard user does) until `target` has the focus."""
    for _ in range(limit):
        if target.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {target}")


def type_into(page: Page, target: Locator, text: str) -> None:
    tab_to(page, target)
    page.keyboard.type(text)


def test_a_cicc_letter_from_my_work_with_the_keyboard_and_one_page_load(
    page: Page, live_server, users
):
    directory.create_official(
        Actor.system("test"), name="Donald J. Trump", title="President", country="US"
    )
    for number in range(30):  # a directory larger than any suggestion list
        directory.create_official(Actor.system("test"), name=f"Official Number {number}")
    log_in(page, live_server.url, users["editor"].email, PASSWORD)
    tab_to(page, page.locator("main").get_by_role("link", name="New letter", exact=True))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="New letter")).to_be_visible()
    page.wait_for_load_state("load")
    loads: list[str] = []
    page.on("load", lambda: loads.append(page.url))

    type_into(page, page.get_by_label("Subject"), "Lift the sanctions on the ICC Prosecutor")
    type_into(page, page.get_by_label("Date sent"), "03272020")
    recipient = page.get_by_label("Recipient 1", exact=True)
    type_into(page, recipient, "trump don")
    expect(page.get_by_role("option", name="Donald J. Trump")).to_be_visible()
    page.keyboard.press("Enter")
    expect(recipient).to_have_value("Donald J. Trump (President)")

    page.keyboard.press("Tab")  # to "Recipient 1 as", then on to "Add another recipient"
    tab_to(page, page.get_by_role("button", name="Add another recipient"))
    page.keyboard.press("Enter")
    second = page.get_by_label("Recipient 2", exact=True)
    expect(second).to_be_focused()
    page.keyboard.type("Michael R. Pompeo")
    create = page.get_by_role("option", name="Create “Michael R. Pompeo”…")
    expect(create).to_be_visible()
    expect(create).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Enter")
    title = page.get_by_label("Title", exact=True)
    expect(title).to_be_focused()
    expect(page.get_by_label("Name", exact=True)).to_have_value("Michael R. Pompeo")
    page.keyboard.type("Secretary of State")
    type_into(page, page.get_by_label("Country (two letters, e.g. US)"), "US")
    tab_to(page, page.get_by_label("As", exact=True))
    page.keyboard.press("ArrowDown")  # to → cc
    tab_to(page, page.get_by_role("button", name="Create official and add as recipient"))
    page.keyboard.press("Enter")
    expect(second).to_have_value("Michael R. Pompeo (Secretary of State)")
    expect(page.get_by_label("Recipient 2 as")).to_have_value("cc")

    # Five demands, entered out of order with a spare one, then put right in place.
    entered = [DEMANDS[1], DEMANDS[0], ("Spare", "A demand entered by mistake."), *DEMANDS[2:]]
    for number, (demand_title, text) in enumerate(entered, start=1):
        if number > 1:
            tab_to(page, page.get_by_role("button", name="Add another demand"))
            page.keyboard.press("Enter")
        type_into(page, page.get_by_label(f"Demand {number} title", exact=True), demand_title)
        type_into(page, page.get_by_label(f"Demand {number} text", exact=True), text)
    tab_to(page, page.get_by_role("button", name="Move up demand 2"))
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_role("button", name="Remove demand 3"))
    page.keyboard.press("Enter")
    for number, (demand_title, _) in enumerate(DEMANDS, start=1):
        expect(page.get_by_label(f"Demand {number} title", exact=True)).to_have_value(demand_title)
    grown = page.get_by_label("Demand 4 text", exact=True)
    assert grown.evaluate("el => el.scrollHeight <= el.clientHeight + 4")

    tab_to(page, page.get_by_label("Original file"))
    page.get_by_label("Original file").set_input_files(str(LETTER))  # the OS file chooser
    type_into(page, page.get_by_label("Signatories"), "Ricardo Izquierdo, Legal Officer")
    assert loads == []  # nothing so far has loaded a page
    tab_to(page, page.get_by_role("button", name="Save letter"))
    page.keyboard.press("Enter")
    expect(page.locator(".flash-success")).to_contain_text("Saved letter L-")
    page.wait_for_load_state("load")
    assert len(loads) == 1, loads

    expect(page.locator("#demands .demand")).to_have_count(5)
    with live_server.app.app_context():
        letter = db.session.scalars(db.select(Letter)).one()
        assert [d.title for d in letter.demands] == [title for title, _ in DEMANDS]
        assert sorted((r.official.name, r.role) for r in letter.recipients) == [
            ("Donald J. Trump", "to"),
            ("Michael R. Pompeo", "cc"),
        ]
        assert letter.file_name == LETTER.name


def test_without_javascript_the_same_letter_can_be_entered(browser, live_server, users):
    directory.create_official(
        Actor.system("test"),
        name="Donald J. Trump",
        title="President",
        institution="The White House",
        country="US",
    )
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        log_in(page, live_server.url, users["editor"].email, PASSWORD)
        enter_letter(page, live_server.url, javascript=False)
        expect(page.locator("#demands .demand")).to_have_count(5)
    finally:
        context.close()
