"""Every link the letters list builds for itself keeps the filters it was opened with.

The walk starts from every link to the list on the dashboard and on My work (figures,
tables, chart tables), opens it, then follows each link that list page builds (pages,
sort headings, the CSV export): each answers 200 and still carries every filter.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.dashboard.test_dashboard import owner_client  # noqa: F401  (fixture)
from tests.support import stats_dataset
from tracker.extensions import db
from tracker.models import Letter, Recipient, utcnow
from tracker.services.followup import organisation_today

HREF = re.compile(r'href="(/letters(?:/export\.csv)?\?[^"]*)"')
CHANGED_BY_THE_LINK = {"sort", "dir", "page"}


@pytest.fixture
def data(app):
    dataset = stats_dataset.build(organisation_today(utcnow()))
    today = organisation_today(utcnow())
    for number in range(60):  # enough overdue letters for a second page
        letter = Letter(
            reference=f"X{number}",
            subject="More",
            owner=dataset.owner,
            status="sent",
            sent_on=today - timedelta(days=40 + number % 20),
        )
        letter.recipients = [
            Recipient(official=dataset.officials["O1"], due_on=today - timedelta(days=10))
        ]
        db.session.add(letter)
    db.session.commit()
    return dataset


def list_links(page_html: str) -> list[str]:
    # "Drop these" leaves the dashboard's filters on purpose; it is not a link that keeps them.
    kept = re.sub(r'<p class="also-filtered">.*?</p>', "", page_html, flags=re.S)
    return sorted({html.unescape(href) for href in HREF.findall(kept)})


def args_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def walk(client, start_page: str) -> tuple[int, set[str]]:
    figure_links = [link for link in list_links(start_page) if "export.csv" not in link]
    assert len(figure_links) > 10
    followed, kinds = 0, set()
    for figure_link in figure_links:
        listing = client.get(figure_link)
        assert listing.status_code == 200, (figure_link, listing.text[-500:])
        wanted = {k: v for k, v in args_of(figure_link).items() if k not in CHANGED_BY_THE_LINK}
        for link in list_links(listing.text):
            answer = client.get(link)
            assert answer.status_code == 200, (figure_link, link)
            carried = args_of(link)
            assert {k: carried.get(k) for k in wanted} == wanted, (figure_link, link)
            kinds.add("export" if "export.csv" in link else "page" if "page" in carried else "sort")
            followed += 1
    return followed, kinds


@pytest.mark.parametrize("path", ["/dashboard", "/dashboard?period=all", "/"])
def test_every_dashboard_figure_link_keeps_its_filters_through_paging_sorting_export(
    owner_client,  # noqa: F811
    data,
    path,
):
    start = owner_client.get(path)
    assert start.status_code == 200
    followed, kinds = walk(owner_client, start.text)
    assert followed > 50
    assert kinds == {"export", "page", "sort"}


def test_the_filter_form_carries_the_dashboards_filters(owner_client, data):  # noqa: F811
    listing = owner_client.get("/letters?sent=1&recipient=overdue&overdue_min=5").text
    form = listing.split('class="filters"', 1)[1].split("</form>", 1)[0]
    for name, value in (("sent", "1"), ("recipient", "overdue"), ("overdue_min", "5")):
        assert f'<input type="hidden" name="{name}" value="{value}">' in form
    assert "Also filtered, from the dashboard figure you followed" in listing
    assert "Sent letters only; A recipient is: overdue; Overdue at least (days): 5" in listing
