"""Two-factor login in a real browser, CSRF on: enrol TOTP from the account page (the QR
code shows under the strict CSP), log in with a code, and a recovery code works once."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_login_browser import log_in
from tests.conftest import PASSWORD
from tracker.models import utcnow

pytestmark = pytest.mark.browser


def enrol(page: Page, base_url: str, email: str) -> tuple[pyotp.TOTP, list[str]]:
    log_in(page, base_url, email, PASSWORD)
    page.goto(f"{base_url}/account")
    page.get_by_role("link", name="Set up two-factor login").click()
    page.get_by_role("button", name="Set up two-factor login").click()
    qr = page.get_by_role("img", name="QR code for your authenticator app")
    expect(qr).to_be_visible()
    assert qr.evaluate("image => image.naturalWidth") > 0  # drawn: the CSP let it through
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    page.get_by_label("Code the app shows").fill(totp.now())
    page.get_by_role("button", name="Turn on two-factor login").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="I have saved my recovery codes").click()
    expect(page.get_by_text("Two-factor login is on")).to_be_visible()
    page.get_by_role("button", name=re.compile("Log out")).click()
    return totp, codes


def second_step(page: Page, code: str) -> None:
    page.get_by_label("Code from your authenticator app, or a recovery code").fill(code)
    page.get_by_role("button", name="Verify").click()


def test_enrol_totp_then_log_in_with_a_code(page: Page, live_server, users):
    totp, _codes = enrol(page, live_server.url, users["editor"].email)
    log_in(page, live_server.url, users["editor"].email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/login/code$"))
    second_step(page, "000000")
    expect(page.get_by_text("That code is not right")).to_be_visible()
    # The enrolment used this step's code; the next step's is the one a phone shows soon.
    second_step(page, totp.at(utcnow() + timedelta(seconds=30)))
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Editor")


def test_a_recovery_code_works_once(page: Page, live_server, users):
    _totp, codes = enrol(page, live_server.url, users["editor"].email)
    log_in(page, live_server.url, users["editor"].email, PASSWORD)
    second_step(page, codes[0])
    expect(page.get_by_text("You used a recovery code; 9 are left")).to_be_visible()
    page.get_by_role("button", name=re.compile("Log out")).click()

    log_in(page, live_server.url, users["editor"].email, PASSWORD)
    second_step(page, codes[0])
    expect(page.get_by_text("That code is not right")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login/code$"))
