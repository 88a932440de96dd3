"""An editor moves a letter's dates so its answer is overdue; a sweep sends the reminder;
the admin reads it in the outbox and staff see it on the letter's ladder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_login_browser import log_in
from tests.conftest import PASSWORD
from tests.support.followup_data import make_letter
from tracker.extensions import db
from tracker.models import User
from tracker.services.reminders.sweep import run_sweep

pytestmark = pytest.mark.browser


def test_an_overdue_letter_is_reminded_in_the_outbox_and_on_its_page(
    page: Page, browser, live_server, users
):
    today = datetime.now(UTC).date()
    with live_server.app.app_context():
        owner = db.session.get(User, users["editor"].id)
        letter = make_letter(owner, sent_on=today, officials=("Minister Example",))
        letter_id, reference = letter.id, letter.reference
        db.session.remove()

    log_in(page, live_server.url, users["editor"].email, PASSWORD)
    page.goto(f"{live_server.url}/letters/{letter_id}")
    ladder = page.locator(".ladder")
    expect(ladder.locator(".badge-pending")).to_have_count(3)

    # Sent 40 days ago with a 30-day window: ten days overdue.
    page.goto(f"{live_server.url}/letters/{letter_id}/edit")
    page.get_by_label("Date sent").fill((today - timedelta(days=40)).isoformat())
    page.get_by_label("Response window (days)").fill("30")
    page.get_by_role("button", name="Save letter").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)

    with live_server.app.app_context():
        result = run_sweep(datetime.now(UTC))
        db.session.remove()
    assert result.sent == 1

    page.reload()
    expect(ladder.locator(".badge-sent")).to_have_count(1)
    expect(ladder).to_contain_text("No response")

    admin = browser.new_context()
    try:
        admin_page = admin.new_page()
        log_in(admin_page, live_server.url, users["admin"].email, PASSWORD)
        admin_page.get_by_role("link", name="Outbox").click()
        subject = f"[{reference}] Follow-up: "  # then the letter's subject
        admin_page.get_by_role("link", name=subject).click()
        expect(admin_page.get_by_text("10 days overdue")).to_be_visible()
    finally:
        admin.close()
