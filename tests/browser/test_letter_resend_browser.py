"""An admin finds a letter the mail server refused for one recipient on the delivery
problems page, and, once the official's address is corrected, resends it from there."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_accessibility import axe_violations, prepare_axe
from tests.browser.test_login_browser import log_in
from tests.conftest import PASSWORD
from tests.mailbox.conftest import make_sent_letter
from tests.support.smtp_server import SmtpServer
from tracker.extensions import db
from tracker.models import Official
from tracker.services import directory
from tracker.services.audit import Actor

pytestmark = pytest.mark.browser


def test_a_refused_letter_is_resent_from_the_delivery_problems_page(
    page: Page, live_server, make_app, users
):
    # The letter goes out through a server that refuses the deputy's address with 550.
    with SmtpServer() as smtp:
        smtp.handler.refused_addresses = {"deputy@gov.example"}
        sender = make_app(MAIL_URL=smtp.url(), MAIL_FROM="Org <letters@org.example>")
        with sender.app_context():
            sent = make_sent_letter(users)
            reference, deputy_id = sent.letter.reference, sent.deputy.id
            db.session.remove()

    csp_errors = prepare_axe(page)
    log_in(page, live_server.url, users["admin"].email, PASSWORD)
    page.get_by_role("link", name="Delivery problems").click()
    row = page.locator("#letter-problems tbody tr", has_text=reference)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Ben Deputy")
    expect(row).to_contain_text("deputy@gov.example")
    expect(row).to_contain_text("550 5.1.1")
    assert axe_violations(page) == [] and csp_errors == []

    # Staff correct the address in the directory; the page says where a resend goes.
    with live_server.app.app_context():
        official = db.session.get(Official, deputy_id)
        actor = Actor(users["admin"].id, users["admin"].email)
        directory.update_official(actor, official, name=official.name,
                                  email="ben.deputy@gov.example",
                                  expected_version=official.version)  # fmt: skip
        db.session.remove()
    page.reload()
    expect(row).to_contain_text("now ben.deputy@gov.example")
    row.get_by_role("button", name="Resend").click()
    expect(page.locator(".flash-success")).to_contain_text(
        "The letter was sent again to Ben Deputy <ben.deputy@gov.example>"
    )
    expect(page.get_by_text("No delivery problems")).to_be_visible()
    # The outbox holds the first send (to the minister) and the resend, once.
    page.get_by_role("link", name="Outbox").click()
    sends = page.locator("tr", has_text=f"Release the detainees [{reference}]")
    expect(sends).to_have_count(2)
    expect(sends.filter(has_text="ben.deputy@gov.example")).to_have_count(1)
