"""An admin finds a reminder the mail server refused on the delivery problems page,
retries it, and sees it sent; the letter's owner sees the count on My work."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_accessibility import axe_violations, prepare_axe
from tests.browser.test_login_browser import log_in
from tests.conftest import PASSWORD
from tests.support.followup_data import make_letter
from tests.support.smtp_server import SmtpServer
from tracker.extensions import db
from tracker.models import User
from tracker.services.reminders.sweep import run_sweep

pytestmark = pytest.mark.browser


def test_a_failed_reminder_is_found_retried_and_sent(
    page: Page, browser, live_server, make_app, users
):
    today = datetime.now(UTC).date()
    # A scheduler whose mail server refuses everything, on the live server's database.
    with SmtpServer() as refusing:
        refusing.handler.permanent_failure = True
        scheduler = make_app(MAIL_URL=refusing.url(), MAIL_TIMEOUT=2)
        with scheduler.app_context():
            owner = db.session.get(User, users["editor"].id)
            letter = make_letter(
                owner, sent_on=today - timedelta(days=40), officials=("Minister X",)
            )
            reference, letter_id = letter.reference, letter.id
            assert run_sweep(datetime.now(UTC)).failed == 1
            db.session.remove()

    log_in(page, live_server.url, users["editor"].email, PASSWORD)
    expect(page.locator("#delivery-problems")).to_contain_text(
        f"1 reminder about your letters could not be delivered: {reference}"
    )

    admin = browser.new_context()
    try:
        admin_page = admin.new_page()
        csp_errors = prepare_axe(admin_page)
        log_in(admin_page, live_server.url, users["admin"].email, PASSWORD)
        admin_page.get_by_role("link", name="Delivery problems").click()
        row = admin_page.locator("#reminder-problems tbody tr", has_text=reference)
        expect(row).to_have_count(1)
        assert axe_violations(admin_page) == [] and csp_errors == []
        expect(row).to_contain_text("No response")
        expect(row).to_contain_text("550 5.7.1 Message rejected: relaying denied")
        expect(row).to_contain_text("failed")
        row.get_by_role("button", name="Retry").click()
        expect(admin_page.locator(".flash-success")).to_contain_text("sent again at the next sweep")
        expect(admin_page.get_by_text("No delivery problems")).to_be_visible()

        # The next sweep (the live server has no mail server: the outbox) sends it.
        with live_server.app.app_context():
            assert run_sweep(datetime.now(UTC)).sent == 1
            db.session.remove()
        admin_page.goto(f"{live_server.url}/letters/{letter_id}")
        expect(admin_page.locator(".ladder .badge-sent")).to_have_count(1)
        admin_page.get_by_role("link", name="Outbox").click()
        subject = f"[{reference}] Follow-up: "
        expect(admin_page.get_by_role("link", name=subject)).to_be_visible()
    finally:
        admin.close()
