"""The dashboard and "My work" pages: figures, links to the list, CSV, charts, queries."""

from __future__ import annotations

import csv
import io
import re
from contextlib import contextmanager
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import event

from tests.support import stats_dataset
from tracker.extensions import db
from tracker.models import Letter, Recipient, utcnow
from tracker.settings import organisation_today

FIGURE = re.compile(
    r'<li class="figure">\s*<a href="([^"]+)">\s*<span class="figure-value">([^<]+)</span>'
    r'\s*<span class="figure-label">([^<]+)</span>'
)
LIST_REFERENCE = re.compile(r'<a href="/letters/\d+">(L\d+)</a>')


@pytest.fixture
def data(app):
    return stats_dataset.build(organisation_today(utcnow()))


@pytest.fixture
def owner_client(app, data):
    """Logged in as the dataset's owner (whose password we set here)."""
    from tracker.services.accounts.passwords import hash_password

    data.owner.password_hash = hash_password("owner password, long enough")
    db.session.commit()
    client = app.test_client()
    response = client.post(
        "/login", data={"email": data.owner.email, "password": "owner password, long enough"}
    )
    assert response.status_code == 302
    return client


def figures(html: str) -> dict[str, tuple[str, str]]:
    return {
        label: (value, href.replace("&amp;", "&")) for href, value, label in FIGURE.findall(html)
    }


def listed(client, href: str) -> set[str]:
    response = client.get(href)
    assert response.status_code == 200, href
    return set(LIST_REFERENCE.findall(response.get_data(as_text=True)))


def test_dashboard_figures_link_to_exactly_the_letters_they_count(client, auth, data):
    auth.login("viewer")
    response = client.get("/dashboard")
    assert response.status_code == 200
    found = figures(response.get_data(as_text=True))
    assert {label: value for label, (value, _) in found.items()} == {
        "letters sent": "9",
        "recipients awaiting an answer": "6",
        "recipients overdue": "4",
        "response rate": "25%",
        "on-time rate": "12%",
        "median days to a substantive answer": "46",
        "demands won (met or accepted)": "2",
    }
    expected = {
        "letters sent": {f"L{number}" for number in range(1, 10)},
        "recipients awaiting an answer": {"L2", "L3", "L5", "L6", "L7", "L9"},
        "recipients overdue": {"L2", "L5", "L6", "L7"},
        "response rate": {"L1", "L4"},
        "median days to a substantive answer": {"L1", "L4"},
        "on-time rate": {"L1"},  # L4's only answer came late
        "demands won (met or accepted)": {"L1", "L6"},  # not the draft
    }
    for label, references in expected.items():
        assert listed(client, found[label][1]) == references, label


def test_chart_tables_link_to_their_letters(client, auth, data):
    auth.login("viewer")
    html = unescape(client.get("/dashboard").get_data(as_text=True))
    outcome_open = next(  # the all-period table, not a per-month cell
        found
        for found in re.finditer(r'href="([^"]*outcome=open[^"]*)">(\d+)</a>', html)
        if "sent_from" not in found.group(1)
    )
    assert outcome_open.group(2) == "3"
    assert listed(client, outcome_open.group(1)) == {"L2", "L3", "L5"}  # not the draft
    age = re.search(r'href="([^"]*overdue_min=31&overdue_max=90[^"]*)">(\d+)</a>', html)
    assert age.group(2) == "1"
    assert listed(client, age.group(1)) == {"L2"}
    official = re.search(r'href="([^"]*addressee=\d+[^"]*)">Ada President</a>', html)
    assert listed(client, official.group(1)) == {"L1", "L4", "L7"}
    ack = re.search(r'href="([^"]*recipient=acknowledged_only&institution=Quai[^"]*)"', html)
    assert listed(client, ack.group(1)) == {"L2"}
    country = re.search(r'href="([^"]*country=US[^"]*)">US</a>', html)
    assert listed(client, country.group(1)) == {"L1", "L4", "L7"}  # not L1's cc, Dana Copy
    campaign = re.search(r'href="([^"]*campaign=\d+[^"]*)">Sanctions</a>', html)
    assert listed(client, campaign.group(1)) == {"L1", "L2", "L7", "L8"}


def test_campaign_filter_narrows_figures_and_links(client, auth, data):
    auth.login("viewer")
    response = client.get(f"/dashboard?campaign={data.sanctions.id}&period=all")
    found = figures(response.get_data(as_text=True))
    assert found["letters sent"][0] == "4"
    assert listed(client, found["recipients overdue"][1]) == {"L2", "L7"}


def test_my_work_is_the_default_page_and_covers_owned_and_watched_letters(owner_client, data):
    response = owner_client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "My work" in html
    found = figures(html)
    assert found["letters sent"][0] == "6"
    assert listed(owner_client, found["recipients overdue"][1]) == {"L2", "L5", "L6", "L7"}
    assert "4 answers are overdue" in html
    assert "Nothing is overdue" not in html


def test_my_work_of_a_user_with_no_letters(client, auth, data):
    auth.login("editor")
    html = client.get("/").get_data(as_text=True)
    assert figures(html)["letters sent"][0] == "0"
    assert "Nothing of yours is overdue" in html


def test_custom_period_with_end_before_start_is_a_400_with_the_message(client, auth, data):
    auth.login("viewer")
    response = client.get("/dashboard?period=custom&start=2024-05-01&end=2024-01-01")
    assert response.status_code == 400
    assert "The end date is before the start date." in response.get_data(as_text=True)
    assert client.get("/dashboard?campaign=banana").status_code == 400
    assert client.get("/dashboard.csv").status_code == 404
    assert client.get("/dashboard/nothing.csv").status_code == 404
    assert client.get("/dashboard/act-now.csv?period=custom&start=x").status_code == 400


def test_custom_period(client, auth, data):
    auth.login("viewer")
    today = organisation_today(utcnow())
    start = (data.letters["L1"].sent_on).isoformat()
    end = (today - timedelta(days=20)).isoformat()  # L8, sent 14 days ago, falls out
    html = client.get(f"/dashboard?period=custom&start={start}&end={end}").get_data(as_text=True)
    found = figures(html)
    assert found["letters sent"][0] == "6"
    assert listed(client, found["letters sent"][1]) == {"L1", "L2", "L3", "L5", "L6", "L9"}


def test_dashboard_needs_a_login(client, data):
    assert client.get("/dashboard").status_code == 302
    assert client.get("/dashboard/act-now.csv").status_code == 302
    assert client.get("/dashboard/charts/activity.svg").status_code == 302


def test_csv_exports(client, auth, data):
    stats_dataset.add_reminders(data, organisation_today(utcnow()))
    auth.login("viewer")
    response = client.get("/dashboard/every-step-passed.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:6] == ["reference", "subject", "official", "owner", "due_on", "days_overdue"]
    assert [row[0] for row in rows[1:]] == ["L5", "L7"]
    act_now = list(csv.reader(io.StringIO(client.get("/dashboard/act-now.csv").text)))
    assert [(row[0], row[6]) for row in act_now[1:]][1] == (
        "L6",
        "Time to send a follow-up letter to Chege Waziri",
    )
    for table in ("figures", "trends", "institutions", "countries", "campaigns"):
        assert client.get(f"/dashboard/{table}.csv").status_code == 200, table
    officials = list(
        csv.reader(io.StringIO(client.get("/dashboard/officials.csv?sort=name&dir=asc").text))
    )
    assert [row[0] for row in officials[1:]] == ["Ada President", "Bruno Ministre", "Chege Waziri"]
    assert officials[1][2:10] == ["", "3", "2", "66.7", "1", "33.3", "0", "46"]  # under 5: apart
    mine = client.get("/dashboard/figures.csv?mine=1").get_data(as_text=True)
    assert "letters_sent,0" in mine  # the viewer owns and watches nothing


def test_csv_cells_cannot_become_spreadsheet_formulas(client, auth, data):
    data.letters["L7"].subject = '=HYPERLINK("http://evil.example")'
    db.session.commit()
    auth.login("viewer")
    stats_dataset.add_reminders(data, organisation_today(utcnow()))
    body = client.get("/dashboard/every-step-passed.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in body


@pytest.mark.parametrize(
    "name", ["activity", "rates", "outcomes-over-time", "answer-times", "outcomes", "overdue-ages"]
)
def test_charts_are_script_free_svg_with_their_own_policy(client, auth, data, name):
    auth.login("viewer")
    response = client.get(f"/dashboard/charts/{name}.svg?campaign={data.sanctions.id}")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    body = response.get_data(as_text=True)
    assert body.startswith("<svg")
    assert "<script" not in body.lower()
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy


def test_chart_images_carry_a_text_alternative_and_a_data_table(client, auth, data):
    auth.login("viewer")
    html = client.get("/dashboard").get_data(as_text=True)
    images = re.findall(r'<img class="chart" src="([^"]+)" alt="([^"]+)"', html)
    assert len(images) == 6
    alts = " ".join(alt for _, alt in images)
    assert "Open 3, Accepted 1, Partially met 1, Met 1, Rejected 1, Withdrawn 1" in alts
    assert "0-30 days 1, 31-90 days 1, 91-365 days 1, Over a year 1" in alts
    assert "9 letters sent and 4 responses received" in alts
    assert "2 of 8 recipients answered, 1 on time" in alts
    assert "median 46 days, half between 34 and 58" in alts
    assert 'style="' not in html and "<style" not in html
    # Scripts are our own modules from /static, never inline.
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all('src="/static/' in tag and not body.strip() for tag, body in scripts)


def test_by_whom_tables_sort_from_their_headings(app, client, auth, data):
    app.config["TRACKER_MIN_SAMPLE"] = 1
    auth.login("viewer")
    html = client.get("/dashboard").get_data(as_text=True)
    names = re.findall(r'">([A-Z][a-z]+ [A-Z][a-z]+)</a> <span class="meta-inline">\(', html)
    assert names[:3] == ["Bruno Ministre", "Chege Waziri", "Ada President"]  # least first
    html = client.get("/dashboard?sort=name&dir=desc").get_data(as_text=True)
    names = re.findall(r'">([A-Z][a-z]+ [A-Z][a-z]+)</a> <span class="meta-inline">\(', html)
    assert names[:3] == ["Chege Waziri", "Bruno Ministre", "Ada President"]
    assert 'aria-sort="descending"' in html


@contextmanager
def counting_queries():
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _add_letters(data, count: int) -> None:
    today = organisation_today(utcnow())
    for number in range(count):
        letter = Letter(
            reference=f"X{number}",
            subject="More",
            owner=data.owner,
            status="sent",
            sent_on=today - timedelta(days=40 + number),
        )
        letter.recipients = [
            Recipient(official=data.officials["O1"], due_on=today - timedelta(days=10 + number))
        ]
        db.session.add(letter)
    db.session.commit()


@pytest.mark.parametrize("path", ["/dashboard", "/"])
def test_page_issues_a_bounded_number_of_queries(owner_client, data, path):
    with counting_queries() as before:
        assert owner_client.get(path).status_code == 200
    _add_letters(data, 60)
    with counting_queries() as after:
        assert owner_client.get(path).status_code == 200
    assert len(after) == len(before)
    assert len(before) <= 26
