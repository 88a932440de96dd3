"""The dashboard on a 375 px phone (no sideways scroll, stacked rows that name their
columns, act-now rows as cards) and on paper (campaign and period in the heading, every
chart's numbers as a table, no navigation or controls)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.browser.test_accessibility import axe_violations, prepare_axe
from tests.browser.test_login_browser import log_in
from tests.conftest import PASSWORD
from tracker.extensions import db
from tracker.models import Campaign, utcnow
from tracker.services import heartbeat
from tracker.services.demo import load_demo
from tracker.settings import organisation_today

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(live_server, users) -> tuple[int, str]:
    """The demo data; returns a campaign that has letters (id, name)."""
    with live_server.app.app_context():
        now = utcnow()
        load_demo(now, organisation_today(now))
        heartbeat.beat("test-scheduler", now, now)
        db.session.commit()
        campaign = db.session.execute(
            select(Campaign.id, Campaign.name).order_by(Campaign.id)
        ).first()
        return campaign.id, campaign.name


@pytest.fixture
def demo_and_steps(live_server, demo) -> None:
    """The demo data, plus letters with reminder steps due now (for the act-now table)."""
    from tests.support import stats_dataset

    with live_server.app.app_context():
        today = organisation_today(utcnow())
        stats_dataset.add_reminders(stats_dataset.build(today), today)
        db.session.commit()


def _label(cell) -> str:
    return cell.evaluate("el => getComputedStyle(el, '::before').content")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_dashboard_fits_a_375px_phone_with_stacked_named_cells(
    browser, live_server, users, demo_and_steps, javascript
):
    context = browser.new_context(
        viewport={"width": 375, "height": 812}, java_script_enabled=javascript
    )
    try:
        page = context.new_page()
        csp_errors = prepare_axe(page) if javascript else []
        log_in(page, live_server.url, users["editor"].email, PASSWORD)
        for query in ("", "?period=year", "?period=all"):
            assert page.goto(f"{live_server.url}/dashboard{query}").status == 200
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 375, f"/dashboard{query} is {width} px wide"
            # No table scrolls sideways inside its wrapper either: all of it is readable.
            wide = page.evaluate(
                "[...document.querySelectorAll('.table-wrap')]"
                ".filter(w => w.offsetParent && w.scrollWidth > w.clientWidth + 1).length"
            )
            assert wide == 0, f"/dashboard{query}: {wide} tables scroll sideways"

        # Act now: one card per row, each cell named by its column.
        act_now = page.locator("#act-now > .table-wrap table")
        row = act_now.locator("tbody tr").first
        expect(row).to_be_visible()
        assert row.evaluate("el => getComputedStyle(el).display") == "block"
        assert row.evaluate("el => getComputedStyle(el).borderTopStyle") == "solid"
        assert _label(row.locator("td").nth(1)) == '"Official: "'
        assert _label(row.locator("td").nth(3)) == '"Answer due: "'
        expect(act_now.locator("thead")).to_be_hidden()

        # By whom: stacked rows named by column, and the sort links stay on the screen.
        officials = page.locator("#whom-official table").first
        first = officials.locator("tbody tr").first
        assert _label(first.locator("td").nth(1)) == '"Answer rate: "'
        sort = officials.locator("thead").get_by_role("link", name=re.compile("^Answer rate"))
        expect(sort).to_be_visible()
        sort.click()
        expect(page).to_have_url(re.compile(r"sort=rate"))

        # Trends: the per-period table stacks too, once opened.
        trends = page.locator(".charts > details")
        trends.locator("summary").click()
        cell = trends.locator("tbody tr").first.locator("td").first
        expect(cell).to_be_visible()
        assert _label(cell) == '"Letters sent: "'
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        if javascript:
            assert axe_violations(page) == []
            assert csp_errors == []
    finally:
        context.close()


def test_the_printed_dashboard_names_campaign_and_period_and_prints_the_numbers(
    page: Page, live_server, users, demo
):
    campaign_id, campaign_name = demo
    csp_errors = prepare_axe(page)
    log_in(page, live_server.url, users["viewer"].email, PASSWORD)
    page.goto(f"{live_server.url}/dashboard?campaign={campaign_id}&period=year")
    assert axe_violations(page) == []
    page.emulate_media(media="print")

    heading = page.get_by_role("heading", level=1)
    expect(heading).to_be_visible()
    expect(heading).to_contain_text(campaign_name)
    expect(heading).to_contain_text("This year")
    expect(heading).to_contain_text(re.compile(r"\d{4}-01-01 to \d{4}-\d\d-\d\d"))

    # Every chart's numbers print: the tables folded in <details> on screen included.
    for caption in (
        "Letters sent, responses received",
        "Demands by outcome per",
        "Recipients answered, by days from sending to answer",
        "Demands by outcome",
        "Overdue recipients by days overdue",
    ):
        table = page.locator(".charts table", has=page.locator("caption", has_text=caption))
        expect(table.first).to_be_visible()
        expect(table.first.locator("caption")).to_be_visible()
        expect(table.first.locator("tbody tr").first).to_be_visible()
    assert page.locator("img.chart").count() == 6

    # No navigation, filters, buttons or CSV links on paper.
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    expect(page.locator("form.filters")).to_be_hidden()
    expect(page.get_by_role("button", name="Show")).to_be_hidden()
    expect(page.locator(".csv-link").first).to_be_hidden()
    expect(page.locator(".site-footer")).to_be_hidden()

    # Back on screen, the tables in <details> are folded again.
    page.emulate_media(media="screen")
    expect(page.locator(".charts > details table")).to_be_hidden()
    assert csp_errors == []
