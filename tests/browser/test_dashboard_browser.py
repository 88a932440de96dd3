"""Staff open the dashboard on demo data, read a figure, and follow it to the list."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_accessibility import axe_violations, prepare_axe
from tests.browser.test_login_browser import log_in
from tests.conftest import PASSWORD
from tracker.extensions import db
from tracker.models import utcnow
from tracker.services import heartbeat
from tracker.services.demo import load_demo
from tracker.settings import organisation_today

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(live_server, users):
    with live_server.app.app_context():
        now = utcnow()
        load_demo(now, organisation_today(now))
        heartbeat.beat("test-scheduler", now, now)  # no stale-scheduler banner in the shot
        db.session.commit()


def test_dashboard_figure_leads_to_the_letters_it_counts(
    page: Page, live_server, users, demo, screenshot_dir
):
    csp_errors = prepare_axe(page)
    log_in(page, live_server.url, users["viewer"].email, PASSWORD)
    expect(page.get_by_role("heading", name=re.compile("^My work"))).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name=re.compile("^Dashboard"))).to_be_visible()
    page.get_by_label("Period").select_option("year")
    page.get_by_role("button", name="Show").click()

    charts = page.locator("img.chart")
    expect(charts).to_have_count(6)
    for index in range(6):
        chart = charts.nth(index)
        assert re.match(r"(Stacked bar|Bar|Line) chart of", chart.get_attribute("alt"))
        # decode() waits for the image still loading, and rejects a broken one.
        loaded = "image => image.decode().then(() => image.naturalWidth > 0, () => false)"
        assert chart.evaluate(loaded)
    assert axe_violations(page) == []
    assert csp_errors == []

    page.set_viewport_size({"width": 1280, "height": 1500})
    page.screenshot(path=str(screenshot_dir / "dashboard.png"))
    assert (screenshot_dir / "dashboard.png").stat().st_size > 10_000

    overdue = page.locator(".figure", has_text="recipients overdue")
    shown = int(overdue.locator(".figure-value").inner_text())
    assert shown > 0
    # The figure counts recipients; the list shows their letters, one row each.
    with live_server.app.app_context():
        from sqlalchemy import func, select

        from tracker.models import Letter, Recipient
        from tracker.queries.dashboard.scope import Scope, letter_in_scope
        from tracker.queries.dashboard.scope import overdue as is_overdue

        today = organisation_today(utcnow())
        this_year = Scope(today=today, period_start=today.replace(month=1, day=1), period_end=today)
        letters = db.session.scalar(
            select(func.count(func.distinct(Letter.id)))
            .join(Recipient, Recipient.letter_id == Letter.id)
            .where(letter_in_scope(this_year), is_overdue(today))
        )
    overdue.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/letters\?.*recipient=overdue"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{letters} letters")
    assert page.locator("tbody tr").count() == min(letters, 50)
    assert csp_errors == []


def test_print_layout_hides_the_controls(page: Page, live_server, users, demo):
    log_in(page, live_server.url, users["viewer"].email, PASSWORD)
    page.goto(f"{live_server.url}/dashboard")
    page.emulate_media(media="print")
    expect(page.locator("form.filters")).to_be_hidden()
    expect(page.locator(".csv-link").first).to_be_hidden()
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".figures")).to_be_visible()
    expect(page.locator("img.chart").first).to_be_visible()


def test_a_director_acts_on_a_row_of_act_now_and_it_leaves_the_table(
    page: Page, live_server, users
):
    from tests.support import stats_dataset

    with live_server.app.app_context():
        data = stats_dataset.build(organisation_today(utcnow()))
        stats_dataset.add_reminders(data, organisation_today(utcnow()))
        heartbeat.beat("test-scheduler", utcnow(), utcnow())
        db.session.commit()
    csp_errors = prepare_axe(page)
    log_in(page, live_server.url, users["editor"].email, PASSWORD)
    page.goto(f"{live_server.url}/dashboard")
    act_now = page.locator("#act-now > .table-wrap table")
    expect(act_now.locator("tbody tr")).to_have_count(3)
    row = act_now.locator("tbody tr", has_text="L6")
    expect(row).to_contain_text("Time to send a follow-up letter to Chege Waziri")
    assert axe_violations(page) == []

    row.get_by_role("link", name="L6").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("L6")
    page.get_by_role("link", name="Follow-up sent").click()
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("Follow-up to Chege Waziri recorded.")).to_be_visible()

    page.goto(f"{live_server.url}/dashboard")
    expect(act_now.locator("tbody tr")).to_have_count(2)
    expect(act_now).not_to_contain_text("L6")
    passed = page.locator("#every-step-passed")
    expect(passed.locator("summary")).to_contain_text("Every reminder passed")
    expect(passed.locator("table")).to_be_hidden()  # collapsed until opened
    assert csp_errors == []
