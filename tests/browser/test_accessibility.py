"""axe-core finds no accessibility violation on the main pages and forms.

axe-core is installed by npm into tests/js (`make test` runs `npm ci` there). The
page's CSP blocks inline scripts, so axe goes in as a Playwright init script, which
the browser runs outside the page's policy; the policy itself stays on, and any
violation it reports fails the test too.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.browser.test_login_browser import log_in
from tests.conftest import PASSWORD
from tracker.extensions import db
from tracker.models import Demand, Letter, Recipient, utcnow
from tracker.services.demo import load_demo
from tracker.settings import organisation_today

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[1] / "js" / "node_modules" / "axe-core" / "axe.min.js"
AXE_RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def prepare_axe(page: Page) -> list[str]:
    """Make axe available on every page the test opens; return the CSP reports seen."""
    if not AXE.exists():
        pytest.fail(
            f"axe-core is missing at {AXE}. `make test` installs it (npm ci in tests/js).",
            pytrace=False,
        )
    page.context.add_init_script(path=str(AXE))
    csp_errors: list[str] = []
    page.on(
        "console",
        lambda message: (
            csp_errors.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return csp_errors


def axe_violations(page: Page) -> list[str]:
    results = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        AXE_RULES,
    )
    assert results["passes"], "axe ran no check at all"
    return [
        f"{item['id']} ({item['impact']}): {item['help']} -> "
        + "; ".join(node["target"][0] if node["target"] else "?" for node in item["nodes"][:5])
        for item in results["violations"]
    ]


def assert_accessible(page: Page, url: str, csp_errors: list[str], status: int = 200) -> None:
    response = page.goto(url)
    assert response is not None and response.status == status, (
        f"{url}: {response and response.status}"
    )
    page.wait_for_load_state("load")
    assert axe_violations(page) == [], url
    assert csp_errors == [], url


@pytest.fixture
def demo_letter_id(live_server, users) -> int:
    with live_server.app.app_context():
        now = utcnow()
        load_demo(now, organisation_today(now), letters=120)
        return db.session.scalar(select(Letter.id).where(Letter.reference == "CICC-2020-001"))


def test_login_page_is_accessible(page: Page, live_server):
    csp_errors = prepare_axe(page)
    assert_accessible(page, f"{live_server.url}/login", csp_errors)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_pages_and_forms_are_accessible(browser, live_server, users, demo_letter_id, javascript):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    if not javascript:
        # The pages as a browser without JavaScript gets them: none of our scripts runs.
        # (axe itself needs JavaScript, so the context keeps it and blocks ours instead.)
        context.route("**/static/*.js", lambda route: route.abort())
    page = context.new_page()
    csp_errors = prepare_axe(page)
    log_in(page, live_server.url, users["editor"].email, PASSWORD)
    with live_server.app.app_context():
        recipient = db.session.scalar(
            select(Recipient.id).where(Recipient.letter_id == demo_letter_id)
        )
        demand = db.session.scalar(select(Demand.id).where(Demand.letter_id == demo_letter_id))
    for path in (
        "/",
        "/dashboard",
        "/dashboard?period=year&sort=name&dir=asc",
        "/letters",
        "/letters?sent=1&recipient=overdue",
        "/letters?official_name=nobody-at-all",
        f"/letters/{demo_letter_id}",
        f"/letters/{demo_letter_id}/close",
        f"/recipients/{recipient}/withdraw",
        f"/letters/demands/{demand}/outcome",
        "/letters/new",
        f"/letters/{demo_letter_id}/edit",
        f"/letters/{demo_letter_id}/responses/new",
        "/officials",
        "/officials/new",
        "/account",
        "/account/sessions",
        "/account/passkeys",
    ):
        expected = 400 if "nobody-at-all" in path else 200
        assert_accessible(page, live_server.url + path, csp_errors, expected)
    if javascript:  # the enhanced widgets, open: the official search and a dialog
        page.goto(f"{live_server.url}/letters/new")
        page.get_by_label("Recipient 1", exact=True).fill("a")
        expect(page.get_by_role("listbox")).to_be_visible()
        assert axe_violations(page) == []
        page.goto(f"{live_server.url}/letters/{demo_letter_id}")
        page.get_by_role("link", name="Close letter").click()
        expect(page.get_by_role("dialog")).to_be_visible()
        assert axe_violations(page) == []
    assert csp_errors == []
    context.close()


def test_a_form_showing_errors_is_accessible(page: Page, live_server, users, demo_letter_id):
    csp_errors = prepare_axe(page)
    log_in(page, live_server.url, users["editor"].email, PASSWORD)
    response = page.goto(
        f"{live_server.url}/dashboard?period=custom&start=2024-05-01&end=2024-01-01"
    )
    assert response.status == 400
    assert page.get_by_text("The end date is before the start date.").is_visible()
    assert axe_violations(page) == []
    assert csp_errors == []
