"""An editor enters the CICC letter by hand and records the Secretary of State's reply;
a viewer then reads the letter and finds nothing to change."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_login_browser import log_in
from tests.conftest import PASSWORD
from tests.support.intake_helpers import LETTERS
from tracker.extensions import db
from tracker.models import utcnow
from tracker.services import directory, heartbeat
from tracker.services.audit import Actor

pytestmark = pytest.mark.browser

LETTER = LETTERS / "cicc-to-us-president-2020-03-27.txt"
DEMANDS = [
    (
        "Lift the sanctions",
        "urges you to lift the sanctions that your administration placed on the ICC Prosecutor "
        "in April 2019.",
    ),
    (
        "Overturn the sanctions policy",
        "We also ask you to overturn your administration’s ICC sanctions policy, which treats "  # noqa: RUF001 (verbatim)
        "the Court as if it were a hostile foreign power.",
    ),
    (
        "Disavow the threats against staff",
        "disavow the increasing threats against other ICC staff and their families made by "
        "Secretary of State Michael R. Pompeo.",
    ),
    (
        "Investigate and prosecute U.S. nationals",
        "We further urge the U.S. to investigate and prosecute U.S. nationals against whom there "
        "is credible evidence of their involvement in war crimes and crimes against humanity in "
        "Afghanistan.",
    ),
    (
        "Adopt a responsible foreign policy",
        "we call on your administration to adopt a responsible foreign policy that promotes "
        "peace, security, and justice in the world.",
    ),
]


def one_line(text: str) -> str:
    return " ".join(text.split())


def test_the_demands_are_verbatim_from_the_letter():
    text = one_line(LETTER.read_text(encoding="utf-8"))
    for _, demand in DEMANDS:
        assert demand in text


def enter_letter(page: Page, base_url: str, javascript: bool = True) -> None:
    """The form filled with the mouse; with JavaScript off, every added row reloads it."""
    page.goto(f"{base_url}/letters/new")
    expect(page.get_by_label("Reference")).to_have_value(re.compile(r"L-\d{4}-0001"))
    page.get_by_label("Subject").fill("Lift the sanctions on the ICC Prosecutor")
    page.get_by_label("Date sent").fill("2020-03-27")
    page.get_by_label("Channel").select_option(label="Post")
    # Typed as staff would, in any case; the datalist suggests, the server resolves.
    page.get_by_label("Recipient 1", exact=True).fill("donald j. trump")
    page.get_by_label("Recipient 1 as").select_option("to")

    page.get_by_text("Not in the directory? Create an official here").click()
    page.get_by_label("Name", exact=True).fill("Michael R. Pompeo")
    page.get_by_label("Title", exact=True).fill("Secretary of State")
    page.get_by_label("Country (two letters, e.g. US)").fill("US")
    page.get_by_label("As", exact=True).select_option("cc")
    page.get_by_role("button", name="Create official and add as recipient").click()
    expect(page.get_by_text("Added Michael R. Pompeo to the directory")).to_be_visible()
    expect(page.get_by_label("Recipient 2", exact=True)).to_have_value(
        "Michael R. Pompeo (Secretary of State)"
    )
    if not javascript:  # the reloaded form suggests the official just created
        expect(page.locator("#official-suggestions option")).to_have_count(2)
    expect(page.get_by_label("Recipient 2 as")).to_have_value("cc")
    expect(page.get_by_label("Subject")).to_have_value("Lift the sanctions on the ICC Prosecutor")

    for number, (title, text) in enumerate(DEMANDS, start=1):
        if number > 1:
            page.get_by_role("button", name="Add another demand").click()
        page.get_by_label(f"Demand {number} title", exact=True).fill(title)
        page.get_by_label(f"Demand {number} text", exact=True).fill(text)
    page.get_by_label("Full text").fill(LETTER.read_text(encoding="utf-8"))
    page.get_by_label("Signatories").fill(
        "Ricardo Izquierdo, Legal Officer, Coalition for the International Criminal Court"
    )
    page.get_by_role("button", name="Save letter").click()
    expect(page.get_by_text("Saved letter L-")).to_be_visible()


def record_reply(page: Page) -> None:
    page.get_by_role("link", name="Record a response").first.click()
    page.get_by_label("From").select_option(label="Michael R. Pompeo (cc)")
    page.get_by_label("Date received").fill("2020-04-15")
    page.get_by_label("Channel").select_option(label="Email")
    page.get_by_label("Kind").select_option(label="Substantive reply")
    page.get_by_label("Summary").fill("The sanctions stay; the policy stays.")
    page.get_by_label("1. Lift the sanctions").select_option(label="Rejected")
    page.get_by_label("2. Overturn the sanctions policy").select_option(label="Rejected")
    page.get_by_role("button", name="Record response").click()
    expect(page.get_by_text("Response recorded.")).to_be_visible()


def test_editor_enters_the_letter_and_a_reply_and_a_viewer_reads_it(
    page: Page, browser, live_server, users, screenshot_dir
):
    directory.create_official(
        Actor.system("test"),
        name="Donald J. Trump",
        title="President",
        institution="The White House",
        country="US",
    )
    log_in(page, live_server.url, users["editor"].email, PASSWORD)
    enter_letter(page, live_server.url)
    letter_url = page.url
    recipients = page.locator("#recipients")
    expect(recipients.get_by_role("row", name=re.compile("Donald J. Trump"))).to_contain_text(
        "awaiting"
    )
    expect(page.locator("#demands .demand")).to_have_count(5)

    record_reply(page)
    trump = recipients.get_by_role("row", name=re.compile("Donald J. Trump"))
    pompeo = recipients.get_by_role("row", name=re.compile("Michael R. Pompeo"))
    expect(trump).to_contain_text("awaiting")
    expect(trump).to_contain_text("overdue")
    expect(trump).to_contain_text("2020-04-26")
    expect(pompeo).to_contain_text("responded")
    expect(pompeo).to_contain_text("2020-04-15")
    expect(page.get_by_text("3 of 5 demands unanswered:")).to_be_visible()
    demands = page.locator("#demands .demand")
    for index in (0, 1):
        expect(demands.nth(index)).to_contain_text("Rejected")
        expect(demands.nth(index).locator(".badge-unanswered")).to_have_count(0)
    for index in (2, 3, 4):
        expect(demands.nth(index).locator(".badge-unanswered")).to_have_count(1)
    response = page.locator("#responses .response")
    expect(response).to_contain_text("Substantive from Michael R. Pompeo, received 2020-04-15")
    timeline = page.locator("#timeline li")
    expect(timeline).to_have_count(2)
    expect(timeline.nth(0)).to_contain_text("Created letter L-")
    expect(timeline.nth(0).locator(".actor")).to_have_text("Editor")  # a name, not an email
    expect(timeline.nth(1)).to_contain_text("Recorded a substantive from Michael R. Pompeo")
    timeline.nth(1).get_by_text("Details").click()
    expect(timeline.nth(1)).to_contain_text("awaiting → responded")
    with live_server.app.app_context():  # a running scheduler: no warning banner in the shot
        heartbeat.beat("test-scheduler", utcnow(), utcnow())
        db.session.commit()
    page.reload()
    page.screenshot(path=str(screenshot_dir / "letter.png"), full_page=True)

    viewer_context = browser.new_context()
    try:
        viewer = viewer_context.new_page()
        log_in(viewer, live_server.url, users["viewer"].email, PASSWORD)
        viewer.goto(letter_url)
        expect(viewer.get_by_text("3 of 5 demands unanswered:")).to_be_visible()
        expect(viewer.locator("#timeline li")).to_have_count(2)
        main = viewer.locator("main")
        expect(main.locator("form")).to_have_count(0)
        expect(main.locator("button, input, select, textarea")).to_have_count(0)
        for words in ("Edit letter", "Record a response", "Close letter", "Write a follow-up"):
            expect(main.get_by_text(words)).to_have_count(0)
        token = viewer.locator("header input[name=csrf_token]").get_attribute("value")
        letter_id = letter_url.rsplit("/", 1)[1]
        answer = viewer.request.post(
            f"{live_server.url}/letters/{letter_id}/close", form={"csrf_token": token}
        )
        assert answer.status == 403
        viewer.goto(letter_url)
        expect(viewer.locator("h1 .badge")).to_have_text("sent")
    finally:
        viewer_context.close()
