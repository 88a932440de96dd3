"""The officials directory: validation, audit, edit conflicts, pages, roles, queries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.support.letter_list_data import build, count_queries
from tracker.extensions import db
from tracker.models import AuditEvent, Letter, Official, Recipient
from tracker.services import directory
from tracker.services.audit import Actor
from tracker.services.errors import EditConflict, ServiceError

ACTOR = Actor(None, "test")


def official_form(**overrides) -> dict[str, str]:
    return {
        "name": "Karim Khan",
        "title": "Prosecutor",
        "institution": "International Criminal Court",
        "country": "nl",
        "email": "karim@example.org",
        "postal_address": "Oude Waalsdorperweg 10\nThe Hague",
        "notes": "Prefers post",
    } | overrides


def test_create_cleans_values_and_records_an_audit_event(app):
    official = directory.create_official(
        ACTOR, name="  Karim   Khan ", country=" nl ", email="Karim@Example.org"
    )
    assert (official.name, official.country, official.email) == (
        "Karim Khan",
        "NL",
        "Karim@example.org",
    )
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "official.create"))
    assert event.entity_id == official.id
    assert event.changes["name"] == [None, "Karim Khan"]


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"name": "   "}, "name", "Give the official's name"),
        ({"name": "x" * 201}, "name", "too long"),
        ({"country": "ZZ"}, "country", "not an ISO 3166-1 country code"),
        ({"country": "FRA"}, "country", "not an ISO 3166-1"),
        ({"email": "not-an-email"}, "email", "not valid"),
        ({"title": "t" * 201}, "title", "too long"),
    ],
)
def test_create_refuses_bad_values_and_writes_nothing(app, values, field, message):
    with pytest.raises(ServiceError, match=message) as raised:
        directory.create_official(ACTOR, **({"name": "Someone"} | values))
    assert set(raised.value.fields) == {field}
    assert db.session.scalar(select(Official.id)) is None
    assert db.session.scalar(select(AuditEvent.id)) is None


def test_names_are_unique_ignoring_case_and_spaces(app):
    directory.create_official(ACTOR, name="Ada President")
    with pytest.raises(ServiceError, match="already exists") as raised:
        directory.create_official(ACTOR, name="ada   PRESIDENT")
    assert set(raised.value.fields) == {"name"}
    assert directory.find_official_by_name(" ADA president").name == "Ada President"


def test_update_records_changes_and_refuses_a_stale_version(app):
    official = directory.create_official(ACTOR, name="Ada", country="US")
    loaded_at = official.version
    directory.update_official(
        ACTOR, official, name="Ada", title="President", country="US", expected_version=loaded_at
    )
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "official.update"))
    assert event.changes == {"title": ["", "President"]}
    with pytest.raises(EditConflict):
        directory.update_official(
            ACTOR, official, name="Ada B", country="US", expected_version=loaded_at
        )
    db.session.refresh(official)
    assert official.name == "Ada"


def test_editor_creates_an_official_from_the_form(client, auth):
    auth.login("editor")
    response = client.post("/officials/new", data=official_form())
    assert response.status_code == 302
    official = db.session.scalar(select(Official))
    assert response.headers["Location"].endswith(f"/officials/{official.id}")
    assert (official.country, official.postal_address) == (
        "NL",
        "Oude Waalsdorperweg 10\nThe Hague",
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"country": "XX"}, "not an ISO 3166-1 country code"),
        ({"email": "karim@"}, "This email address is not valid"),
        ({"name": ""}, "Give the official&#39;s name"),
    ],
)
def test_bad_input_is_shown_next_to_the_field_with_400(client, auth, overrides, message):
    auth.login("editor")
    response = client.post("/officials/new", data=official_form(**overrides))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'class="error"' in page and message in page
    assert "Prosecutor" in page  # the rest of the input is kept
    assert db.session.scalar(select(Official.id)) is None


def test_second_concurrent_edit_gets_409_and_keeps_its_input(client, auth):
    official = directory.create_official(ACTOR, name="Ada President", country="US")
    stale = str(official.version)
    auth.login("editor")
    first = client.post(
        f"/officials/{official.id}/edit",
        data=official_form(name="Ada President", title="First edit", version=stale),
    )
    assert first.status_code == 302
    second = client.post(
        f"/officials/{official.id}/edit",
        data=official_form(name="Ada President", title="Second edit", version=stale),
    )
    page = second.get_data(as_text=True)
    assert second.status_code == 409
    assert 'value="Second edit"' in page  # their input is kept in the form
    assert "Their version, saved meanwhile" in page and "First edit" in page
    db.session.refresh(official)
    assert official.title == "First edit"


def test_official_page_lists_letters_as_to_and_cc_with_answer_times(client, auth, users):
    data = build(users["editor"].id, users["viewer"].id)
    auth.login("viewer")
    chege = data.officials["chege"]
    page = client.get(f"/officials/{chege.id}").get_data(as_text=True)
    assert "L-3" in page and "19" in page  # sent 1 March, answered 20 March
    bruno = data.officials["bruno"]
    response = client.get(f"/officials/{bruno.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for reference in ("L-1", "L-2", "L-6"):
        assert reference in page
    assert "(no answer expected)" in page  # cc on L-1
    assert "Edit</a>" not in page  # viewers get no button that changes anything
    filtered = client.get(f"/officials/{bruno.id}?campaign={data.campaign.id}")
    assert "L-6" not in filtered.get_data(as_text=True)


def test_index_searches_and_filters_by_campaign(client, auth, users):
    data = build(users["editor"].id, users["viewer"].id)
    auth.login("viewer")
    page = client.get("/officials?q=justice").get_data(as_text=True)
    assert "Bruno Ministre" in page and "Ada President" not in page
    page = client.get("/officials?country=ke").get_data(as_text=True)
    assert "Chege Waziri" in page and "Bruno Ministre" not in page
    page = client.get(f"/officials?campaign={data.campaign.id}").get_data(as_text=True)
    assert "Chege Waziri" not in page and "Ada President" in page
    assert "New official" not in page


def test_viewer_posts_are_refused(client, auth):
    official = directory.create_official(ACTOR, name="Ada President")
    auth.login("viewer")
    assert client.get("/officials/new").status_code == 403
    assert client.post("/officials/new", data=official_form()).status_code == 403
    response = client.post(
        f"/officials/{official.id}/edit", data=official_form(version=str(official.version))
    )
    assert response.status_code == 403
    db.session.refresh(official)
    assert official.title == ""
    assert db.session.scalar(select(Official.id).where(Official.name == "Karim Khan")) is None


def _add_letters_to(official: Official, owner_id: int, count: int, start: int) -> None:
    for number in range(start, start + count):
        db.session.add(
            Letter(
                reference=f"O-{number}",
                subject=f"letter {number}",
                sent_on=date(2024, 1, 1) + timedelta(days=number % 100),
                status="sent",
                owner_id=owner_id,
                recipients=[Recipient(official=official, role="cc" if number % 3 else "to")],
            )
        )
    db.session.commit()


@pytest.mark.parametrize("path", ["/officials", "/officials/{id}", "/officials?q=a&campaign=1"])
def test_pages_issue_a_bounded_number_of_queries(client, auth, users, path):
    official = directory.create_official(ACTOR, name="Ada President")
    auth.login("viewer")
    client.get("/officials")
    url = path.format(id=official.id)

    def queries() -> int:
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    _add_letters_to(official, users["editor"].id, 3, start=1)
    few = queries()
    _add_letters_to(official, users["editor"].id, 150, start=10)
    for number in range(60):
        directory.create_official(ACTOR, name=f"Official {number}")
    assert queries() == few
    assert few <= 10
