"""The letters list: filters, derived states, sorting, paging, bounded queries, indexes."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import text
from werkzeug.datastructures import MultiDict

from tests.support.letter_list_data import TODAY, build, count_queries
from tracker.extensions import db
from tracker.models import Letter, Recipient
from tracker.queries.access import UNRESTRICTED_ONLY
from tracker.queries.letters.listing import (
    LetterFilters,
    letter_rows_query,
    matching_letter_ids,
    page_ids_query,
    search_letters,
)


@pytest.fixture
def data(app, users):
    return build(users["editor"].id, users["viewer"].id)


def refs(filters: LetterFilters, **kwargs) -> list[str]:
    return [
        row.reference
        for row in search_letters(filters, TODAY, visibility=UNRESTRICTED_ONLY, **kwargs).rows
    ]


def parse(**args) -> LetterFilters:
    filters, errors = LetterFilters.from_args(MultiDict(args))
    assert errors == {}
    return filters


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("overdue", ["L-1"]),
        ("awaiting", ["L-2", "L-4"]),
        ("responded", ["L-3"]),
        ("draft", ["L-5"]),
        ("closed", ["L-6"]),
    ],
)
def test_state_filter_derives_state_from_recipients(data, state, expected):
    assert sorted(refs(parse(state=state))) == expected


def test_rows_carry_the_figures_of_the_list(data):
    rows = {
        row.reference: row
        for row in search_letters(LetterFilters(), TODAY, visibility=UNRESTRICTED_ONLY).rows
    }
    overdue = rows["L-1"]
    assert overdue.state == "overdue"
    assert overdue.days_overdue == 15  # the cc's older due date does not count
    assert overdue.next_due_on == date(2024, 5, 31)
    assert (overdue.demands_open, overdue.demands_total) == (1, 2)
    assert [(a.name, a.role) for a in overdue.addressees] == [
        ("Ada President", "to"),
        ("Bruno Ministre", "cc"),
    ]
    assert rows["L-4"].state == "awaiting" and rows["L-4"].days_overdue == 0  # paused
    assert rows["L-3"].state == "responded" and rows["L-3"].next_due_on is None
    assert (rows["L-5"].state, rows["L-5"].addressees, rows["L-5"].demands_total) == (
        "draft",
        (),
        0,
    )


def test_filters_by_campaign_official_owner_watcher_dates_outcome(data):
    assert refs(parse(campaign=str(data.campaign.id), sort="reference", dir="asc")) == [
        "L-1",
        "L-2",
    ]
    bruno = data.officials["bruno"].id
    assert sorted(refs(parse(official=str(bruno)))) == ["L-1", "L-2", "L-6"]  # to and cc
    assert refs(parse(owner=str(data.other.id))) == ["L-3"]
    assert refs(parse(watcher=str(data.other.id))) == ["L-2"]
    assert sorted(refs(parse(sent_from="2024-03-01", sent_to="2024-04-01"))) == ["L-1", "L-3"]
    assert refs(parse(outcome="rejected")) == ["L-1"]
    assert refs(parse(outcome="met", campaign=str(data.campaign.id))) == ["L-2"]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("l-3", ["L-3"]),  # reference, any case
        ("PAUSED", ["L-4"]),  # subject
        ("chege", ["L-3"]),  # official's name
        ("prisoners", ["L-2"]),  # demand text
        ("100%", ["L-5"]),  # LIKE wildcards are literal
        ("literal_", ["L-5"]),
        ("_", ["L-5"]),
    ],
)
def test_text_search(data, q, expected):
    assert refs(parse(q=q)) == expected


def test_sorting_and_direction(data):
    assert refs(parse(sort="reference", dir="asc")) == ["L-1", "L-2", "L-3", "L-4", "L-5", "L-6"]
    assert refs(parse(sort="reference", dir="desc"))[:2] == ["L-6", "L-5"]
    # Newest first by default; letters without a date sent go last.
    assert refs(LetterFilters()) == ["L-2", "L-1", "L-3", "L-4", "L-6", "L-5"]
    # A paused clock has no next due date; letters without one go last.
    assert refs(parse(sort="due_on", dir="asc"))[:2] == ["L-1", "L-2"]
    assert refs(parse(sort="overdue"))[0] == "L-1"  # most overdue first
    assert refs(parse(sort="subject", dir="asc"))[0] == "L-2"  # "awaiting..."


def test_paging(data):
    first = search_letters(
        parse(sort="reference", dir="asc"), TODAY, page_size=4, visibility=UNRESTRICTED_ONLY
    )
    assert (first.total, first.pages, first.has_next) == (6, 2, True)
    second = search_letters(
        parse(sort="reference", dir="asc", page="2"),
        TODAY,
        page_size=4,
        visibility=UNRESTRICTED_ONLY,
    )
    assert [row.reference for row in second.rows] == ["L-5", "L-6"]
    assert not second.has_next


def test_bad_filter_values_are_reported_not_applied():
    filters, errors = LetterFilters.from_args(
        MultiDict({"state": "lost", "sent_from": "yesterday", "page": "-2", "campaign": "x"})
    )
    assert set(errors) == {"state", "sent_from", "page", "campaign"}
    assert filters == LetterFilters()


def test_query_args_round_trip_and_leave_defaults_out():
    filters = parse(q="sanctions", state="overdue", sent_from="2024-01-01", sort="due_on")
    assert filters.to_query_args() == {
        "q": "sanctions",
        "state": "overdue",
        "sent_from": "2024-01-01",
        "sort": "due_on",
    }
    assert LetterFilters.from_args(MultiDict(filters.to_query_args()))[0] == filters
    assert filters.to_query_args(page=3)["page"] == "3"
    assert LetterFilters().to_query_args() == {}


def test_list_page_shows_rows_and_keeps_filters_in_links(client, auth, data):
    auth.login("viewer")
    response = client.get(f"/letters?campaign={data.campaign.id}&sort=reference&dir=asc")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "L-1" in page and "L-2" in page and "L-3" not in page
    assert f"/letters/export.csv?campaign={data.campaign.id}" in page
    assert f'href="/letters/{data.letters["L1"].id}"' in page
    assert "Import CSV" not in page  # viewers get no button that changes anything


def test_list_page_answers_400_with_the_message_for_bad_filters(client, auth, data):
    auth.login("viewer")
    response = client.get("/letters?state=lost&sent_to=31/12/2024")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "State: &#39;lost&#39; is not valid" in page
    assert "Sent until" in page and "is not valid" in page


def _add_letters(data, count: int, start: int) -> None:
    for number in range(start, start + count):
        official = data.officials["ada" if number % 2 else "bruno"]
        db.session.add(
            Letter(
                reference=f"BULK-{number}",
                subject=f"bulk {number}",
                sent_on=TODAY - timedelta(days=number % 90),
                status="sent",
                owner=data.owner,
                campaign=data.campaign,
                recipients=[Recipient(official=official, due_on=TODAY - timedelta(days=number))],
            )
        )
    db.session.commit()


@pytest.mark.parametrize(
    "url",
    [
        "/letters",
        "/letters?state=overdue&sort=overdue",
        "/letters?q=bulk&sort=due_on&dir=asc",
        "/letters/export.csv",
    ],
)
def test_pages_issue_the_same_number_of_queries_for_10_or_200_letters(client, auth, data, url):
    auth.login("viewer")
    client.get("/letters")  # warm up: the login's user row, the heartbeat

    def queries() -> int:
        with count_queries() as statements:
            response = client.get(url, buffered=True)
            assert response.status_code == 200
        return len(statements)

    _add_letters(data, 4, start=1)
    few = queries()
    _add_letters(data, 200, start=100)
    many = queries()
    assert few == many
    assert many <= 12


def test_export_has_the_filtered_rows_with_their_figures(client, auth, data):
    auth.login("viewer")
    response = client.get(f"/letters/export.csv?campaign={data.campaign.id}", buffered=True)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [row["reference"] for row in rows] == ["L-2", "L-1"]
    first = rows[1]
    assert first["recipient_1_name"] == "Ada President"
    assert first["recipient_2_role"] == "cc"
    assert first["recipient_2_expects_answer"] == "no"
    assert first["demand_2_outcome"] == "rejected"
    assert first["state"] == "overdue"
    assert first["campaign"] == "Sanctions 2024"


def test_export_refuses_bad_filters(client, auth, data):
    auth.login("viewer")
    response = client.get("/letters/export.csv?state=nope", buffered=True)
    assert response.status_code == 400
    assert "State" in response.get_data(as_text=True)


def _plan(sql_query) -> str:
    compiled = sql_query.compile(db.engine, compile_kwargs={"literal_binds": True})
    if db.engine.dialect.name == "postgresql":
        # Tables this small are scanned whatever the indexes; forbid that to see them.
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        rows = db.session.execute(text(f"EXPLAIN {compiled}")).scalars().all()
        return "\n".join(rows)
    rows = db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
    return "\n".join(str(row[-1]) for row in rows)


@pytest.mark.parametrize(
    ("args", "index"),
    [
        ({"campaign": "1"}, "ix_letters_campaign_id_sent_on"),
        ({"owner": "1"}, "ix_letters_owner_id"),
        ({"state": "draft"}, "ix_letters_status"),
        ({"sent_from": "2024-01-01", "sent_to": "2024-02-01"}, "ix_letters_sent_on"),
        ({"official": "1"}, "ix_recipients_official_id"),
        ({"watcher": "1"}, "ix_letter_watchers_user_id"),
        ({"outcome": "rejected"}, "ix_demands_outcome"),
        ({"state": "overdue"}, "ix_recipients_state_due_on"),
        ({"state": "awaiting"}, "ix_recipients_state_due_on"),
        ({"recipient": "overdue"}, "ix_recipients_state_due_on"),
        ({"overdue_min": "10", "overdue_max": "20"}, "ix_recipients_state_due_on"),
    ],
)
def test_filters_use_indexes(data, args, index):
    plan = _plan(matching_letter_ids(parse(**args), TODAY, visibility=UNRESTRICTED_ONLY))
    db.session.rollback()
    assert index in plan, plan


def test_the_default_page_reads_letters_alone(data):
    """The page's ids come from letters only; figures are computed for those ids."""
    plan = _plan(page_ids_query(LetterFilters(), TODAY, visibility=UNRESTRICTED_ONLY).limit(50))
    db.session.rollback()
    assert "recipients" not in plan and "demands" not in plan, plan
    if db.engine.dialect.name == "sqlite":
        assert "ix_letters_sent_on" in plan and "TEMP B-TREE" not in plan, plan


@pytest.mark.parametrize("sort", ["sent_on", "reference", "subject", "due_on", "overdue"])
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_pages_follow_the_order_of_the_whole_list(data, sort, direction):
    _add_letters(data, 7, start=1)
    filters = parse(sort=sort, dir=direction)
    whole = [
        record.reference
        for record in db.session.execute(
            letter_rows_query(filters, TODAY, visibility=UNRESTRICTED_ONLY)
        )
    ]
    paged = []
    for number in range(1, 5):
        paged += refs(parse(sort=sort, dir=direction, page=str(number)), page_size=4)
    assert paged == whole


def _listed(html: str) -> list[str]:
    return re.findall(r'<a href="/letters/\d+">(L-\d+)</a>', html)


def test_the_official_filter_is_a_search_field(client, auth, data):
    auth.login("viewer")
    everyone = client.get("/letters").get_data(as_text=True)
    assert 'name="official_name" value=""' in everyone
    assert "Ada President</option>" not in everyone  # no option per official
    ada = data.officials["ada"].id
    # A dashboard link carries the id; the field shows the name.
    chosen = client.get(f"/letters?official={ada}").get_data(as_text=True)
    assert 'name="official_name" value="Ada President"' in chosen
    assert sorted(_listed(chosen)) == ["L-1", "L-4"]
    # Typed: in full, in part, in any case; the links then carry the id.
    for typed in ("Ada President", "ada pres", "PRESIDENT"):
        typed_page = client.get("/letters", query_string={"official_name": typed}).text
        assert sorted(_listed(typed_page)) == ["L-1", "L-4"], typed
        assert f"export.csv?official={ada}" in typed_page
    # An emptied field drops the filter even if the URL still had an id.
    cleared = client.get(f"/letters?official={ada}&official_name=").get_data(as_text=True)
    assert len(_listed(cleared)) == 6
    unknown = client.get("/letters", query_string={"official_name": "Nobody"})
    assert unknown.status_code == 400 and "no official is named" in unknown.text
    several = client.get("/letters", query_string={"official_name": "e"})
    assert several.status_code == 400 and "several officials match" in several.text
