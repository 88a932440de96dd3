"""Campaigns: create, edit, archive and restore, with audit, conflicts and roles."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.support.letter_list_data import count_queries
from tracker.extensions import db
from tracker.models import AuditEvent, Campaign, Letter
from tracker.services import directory
from tracker.services.audit import Actor
from tracker.services.errors import ServiceError

ACTOR = Actor(None, "test")


def actions() -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.action.like("campaign.%"))
            .order_by(AuditEvent.id)
        )
    )


def test_service_writes_are_validated_and_audited(app):
    campaign = directory.create_campaign(ACTOR, name=" ICC   sanctions ", description="2020")
    assert campaign.name == "ICC sanctions"
    with pytest.raises(ServiceError, match="already exists") as raised:
        directory.create_campaign(ACTOR, name="icc SANCTIONS")
    assert set(raised.value.fields) == {"name"}
    with pytest.raises(ServiceError, match="Give the campaign a name"):
        directory.create_campaign(ACTOR, name="  ")
    directory.update_campaign(
        ACTOR, campaign, name="ICC sanctions", description="2020-21", expected_version=1
    )
    directory.archive_campaign(ACTOR, campaign, expected_version=campaign.version)
    assert campaign.archived
    directory.unarchive_campaign(ACTOR, campaign, expected_version=campaign.version)
    assert not campaign.archived
    assert actions() == [
        "campaign.create",
        "campaign.update",
        "campaign.archive",
        "campaign.unarchive",
    ]


def test_editor_creates_edits_archives_and_restores(client, auth):
    auth.login("editor")
    assert client.post("/campaigns/new", data={"name": "Detention"}).status_code == 302
    campaign = db.session.scalar(select(Campaign))
    response = client.post(
        f"/campaigns/{campaign.id}/edit",
        data={"name": "Detention 2024", "description": "Visits", "version": "1"},
    )
    assert response.status_code == 302
    response = client.post(f"/campaigns/{campaign.id}/archive", data={"version": "2"})
    assert response.status_code == 302
    db.session.refresh(campaign)
    assert (campaign.name, campaign.archived) == ("Detention 2024", True)
    client.get("/campaigns")  # shows the flash message
    assert "Detention 2024</a>" not in client.get("/campaigns").get_data(as_text=True)
    assert "Detention 2024</a>" in client.get("/campaigns?archived=1").get_data(as_text=True)
    response = client.post(
        f"/campaigns/{campaign.id}/unarchive", data={"version": str(campaign.version)}
    )
    assert response.status_code == 302
    db.session.refresh(campaign)
    assert not campaign.archived


def test_duplicate_name_is_shown_next_to_the_field(client, auth):
    directory.create_campaign(ACTOR, name="Detention")
    auth.login("editor")
    response = client.post("/campaigns/new", data={"name": "DETENTION", "description": "x"})
    assert response.status_code == 400
    assert "already exists" in response.get_data(as_text=True)
    assert db.session.scalar(select(Campaign.id).where(Campaign.description == "x")) is None


def test_second_concurrent_edit_gets_409_and_keeps_its_input(client, auth):
    campaign = directory.create_campaign(ACTOR, name="Detention")
    auth.login("editor")
    data = {"name": "Detention", "version": "1"}
    first = client.post(f"/campaigns/{campaign.id}/edit", data=data | {"description": "first"})
    assert first.status_code == 302
    second = client.post(f"/campaigns/{campaign.id}/edit", data=data | {"description": "mine"})
    page = second.get_data(as_text=True)
    assert second.status_code == 409
    assert "mine</textarea>" in page and "Their version" in page
    archive = client.post(f"/campaigns/{campaign.id}/archive", data={"version": "1"})
    assert archive.status_code == 409
    db.session.refresh(campaign)
    assert (campaign.description, campaign.archived) == ("first", False)


def test_viewers_see_campaigns_without_buttons_and_cannot_post(client, auth):
    campaign = directory.create_campaign(ACTOR, name="Detention")
    auth.login("viewer")
    page = client.get("/campaigns").get_data(as_text=True)
    assert "Detention" in page
    assert "New campaign" not in page and "Archive" not in page and "Edit" not in page
    assert client.post("/campaigns/new", data={"name": "X"}).status_code == 403
    assert client.get(f"/campaigns/{campaign.id}/edit").status_code == 403
    response = client.post(f"/campaigns/{campaign.id}/archive", data={"version": "1"})
    assert response.status_code == 403
    db.session.refresh(campaign)
    assert not campaign.archived
    assert actions() == ["campaign.create"]


def test_index_issues_a_bounded_number_of_queries(client, auth, users):
    auth.login("viewer")
    client.get("/campaigns")

    def queries() -> int:
        with count_queries() as statements:
            assert client.get("/campaigns?archived=1").status_code == 200
        return len(statements)

    for number in range(3):
        directory.create_campaign(ACTOR, name=f"Campaign {number}")
    few = queries()
    for number in range(3, 60):
        campaign = directory.create_campaign(ACTOR, name=f"Campaign {number}")
        db.session.add(
            Letter(
                reference=f"C-{number}", subject="s", owner_id=users["editor"].id, campaign=campaign
            )
        )
    db.session.commit()
    assert queries() == few
