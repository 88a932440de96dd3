"""In a browser, with CSRF on: after a withdraw or a close, the confirmation offers
"Undo", which works without JavaScript (a plain POST form) and with it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_accessibility import axe_violations, prepare_axe
from tests.browser.test_login_browser import log_in
from tests.conftest import PASSWORD
from tests.support.followup_data import make_letter, reminders_of
from tracker.extensions import db
from tracker.models import Letter, Recipient, User

pytestmark = pytest.mark.browser


@pytest.fixture
def letter_ids(live_server, users) -> tuple[int, int]:
    with live_server.app.app_context():
        owner = db.session.get(User, users["editor"].id)
        sent = datetime.now(UTC).date() - timedelta(days=3)
        letter = make_letter(owner, sent_on=sent, officials=("Minister Undo",))
        return letter.id, letter.recipients[0].id


def _pending(live_server, recipient_id: int) -> list[str]:
    with live_server.app.app_context():
        return [r.state for r in reminders_of(db.session.get(Recipient, recipient_id))]


def test_without_javascript_a_withdrawal_is_undone_from_its_flash(
    browser, live_server, users, letter_ids
):
    _, recipient_id = letter_ids
    before = _pending(live_server, recipient_id)
    assert before == ["pending"] * 3
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        log_in(page, live_server.url, users["editor"].email, PASSWORD)
        page.goto(f"{live_server.url}/recipients/{recipient_id}/withdraw")
        page.get_by_role("button", name="Withdraw Minister Undo").click()
        flash = page.locator(".flash-success")
        expect(flash).to_contain_text("Minister Undo is withdrawn: no more reminders.")
        assert _pending(live_server, recipient_id) == ["cancelled"] * 3
        flash.get_by_role("button", name="Undo").click()
        expect(page.locator(".flash-success")).to_contain_text(
            "Minister Undo is awaiting again, as before."
        )
        expect(page.locator(".flash-success").get_by_role("button", name="Undo")).to_have_count(0)
        assert _pending(live_server, recipient_id) == before
    finally:
        context.close()


def test_with_javascript_a_close_is_undone_from_its_flash(
    page: Page, live_server, users, letter_ids
):
    letter_id, _ = letter_ids
    csp_errors = prepare_axe(page)
    log_in(page, live_server.url, users["editor"].email, PASSWORD)
    page.goto(f"{live_server.url}/letters/{letter_id}")
    page.get_by_role("link", name="Close letter").click()
    page.get_by_role("dialog").get_by_role("button", name="Close the letter").click()
    flash = page.locator(".flash-success")
    expect(flash).to_contain_text("Closed letter")
    undo = flash.get_by_role("button", name="Undo")
    expect(undo).to_be_visible()
    assert axe_violations(page) == []
    undo.click()
    expect(page.locator(".flash-success")).to_contain_text(
        "is open again; Minister Undo awaited again."
    )
    expect(page.get_by_role("link", name="Close letter")).to_be_visible()
    with live_server.app.app_context():
        assert db.session.get(Letter, letter_id).status == "sent"
    assert csp_errors == []
