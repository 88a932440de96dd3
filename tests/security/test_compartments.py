"""Compartments: a restricted campaign is invisible to staff outside it, on every route.

The matrix walks `app.url_map`: every GET route, with every id it takes set to the
restricted letter's (its response, recipient, demand, file, mail, reminder, campaign,
official), and every route without ids with the search and filter arguments that would
find it. A user outside the campaign gets a 404, or a page without a trace of it. A user
granted the campaign (directly or through a group) sees it; an admin sees it, and their
look is in the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from flask import url_for
from sqlalchemy import select
from werkzeug.routing.converters import IntegerConverter

from tests.conftest import PASSWORD
from tests.support.mail_samples import reply
from tracker.extensions import db
from tracker.models import (
    AuditEvent,
    Campaign,
    Demand,
    Group,
    Letter,
    MailAttachment,
    MailMessage,
    Recipient,
    Reminder,
    Response,
    User,
)
from tracker.queries.access import UNRESTRICTED_ONLY, visibility_of
from tracker.queries.dashboard.export import EXPORTS
from tracker.services import access, accounts, directory, files, letters
from tracker.services.audit import Actor
from tracker.services.mailbox import triage
from tracker.services.reminders.email import sweep_context
from tracker.services.responses import ResponseInput, record_response
from tracker.web.dashboard.charts import CHARTS

SYSTEM = Actor.system("test")
NOW = datetime.now(UTC)
TODAY = NOW.date()
REFERENCE = "ZC-RESTRICTED-0417"
CAMPAIGN = "Partner Campaign Zircon"
# Every restricted text carries this word: a page that shows it leaks the campaign.
MARK = "zircon"
OUTSIDERS = ("editor", "viewer")


@dataclass
class World:
    campaign_id: int
    letter_id: int
    open_letter_id: int
    official_id: int
    recipient_id: int
    demand_id: int
    response_id: int
    reminder_id: int
    message_id: int
    attachment_id: int
    loose_message_id: int
    partner_id: int
    member_id: int
    group_id: int


def _user(role: str, email: str) -> User:
    return accounts.create_user(SYSTEM, email=email, name=email.split("@")[0].title(),
                                role=role, password=PASSWORD)  # fmt: skip


def _text_file(name: str, text: str) -> files.Upload:
    return files.Upload(name, text.encode(), "text/plain")


@pytest.fixture
def world(app, users) -> World:
    partner = _user("editor", "partner@example.org")  # granted by name
    member = _user("viewer", "member@example.org")  # granted through a group
    group = access.create_group(SYSTEM, "Zircon partners", [member.id])
    campaign = directory.create_campaign(SYSTEM, name=CAMPAIGN, description="Zircon partner work")
    directory.create_campaign(SYSTEM, name="Open Campaign")
    access.set_campaign_access(
        SYSTEM, campaign, restricted=True, user_ids=[partner.id], group_ids=[group.id]
    )
    official = directory.create_official(SYSTEM, name="Ada Official", email="ada@gov.example")
    sent_on = TODAY - timedelta(days=40)  # overdue: in the dashboard's tables and reminders
    restricted = letters.create_letter(
        SYSTEM,
        letters.LetterInput(
            subject="Zircon detention file",
            owner_id=partner.id,
            reference=REFERENCE,
            campaign_id=campaign.id,
            sent_on=sent_on,
            body="Zircon body text",
            watcher_ids=(users["editor"].id,),  # a watcher outside: told nothing
            recipients=(letters.RecipientInput(official.id, "to"),),
            demands=(letters.DemandInput("Zircon demand", "Free the Zircon detainees."),),
        ),
        NOW,
        _text_file("zircon.txt", "Zircon letter file contents"),
    )
    opened = letters.create_letter(
        SYSTEM,
        letters.LetterInput(
            subject="Open letter",
            owner_id=users["editor"].id,
            reference="OPEN-0001",
            sent_on=sent_on,
            follows_up_id=restricted.id,  # its page must not name what it follows up
            recipients=(letters.RecipientInput(official.id, "to"),),
            demands=(letters.DemandInput("Open demand", "Answer us."),),
        ),
        NOW,
    )
    recipient = restricted.recipients[0]
    record_response(
        SYSTEM,
        restricted,
        ResponseInput(
            recipient_id=recipient.id,
            received_on=TODAY - timedelta(days=1),
            kind="acknowledgement",
            summary="Zircon ministry acknowledges",
        ),
        NOW,
        _text_file("zircon-answer.txt", "Zircon response file contents"),
    )
    raw = reply(
        sender="ada@gov.example",
        subject=f"Re: {REFERENCE} Zircon",
        text="Zircon reply text",
        attachments=[("zircon-scan.txt", "text/plain", b"Zircon attachment contents")],
    )
    taken = triage.upload(raw, NOW)
    message = db.session.get(MailMessage, taken.message_id)
    if message.letter_id is None:
        triage.attach(SYSTEM, message, recipient.id, NOW)
    loose = triage.upload(reply(sender="someone@else.example", subject="Hello"), NOW)
    return World(
        campaign_id=campaign.id,
        letter_id=restricted.id,
        open_letter_id=opened.id,
        official_id=official.id,
        recipient_id=recipient.id,
        demand_id=db.session.scalar(select(Demand.id).where(Demand.letter_id == restricted.id)),
        response_id=db.session.scalar(
            select(Response.id).where(Response.letter_id == restricted.id)
        ),
        reminder_id=db.session.scalar(
            select(Reminder.id).where(Reminder.recipient_id == recipient.id).limit(1)
        ),
        message_id=message.id,
        attachment_id=db.session.scalar(
            select(MailAttachment.id).where(MailAttachment.message_id == message.id)
        ),
        loose_message_id=loose.message_id,
        partner_id=partner.id,
        member_id=member.id,
        group_id=group.id,
    )


def _ids(world: World) -> dict[str, int]:
    """The restricted row to put in each id a route takes."""
    return {
        "letter_id": world.letter_id,
        "response_id": world.response_id,
        "recipient_id": world.recipient_id,
        "demand_id": world.demand_id,
        "campaign_id": world.campaign_id,
        "official_id": world.official_id,
        "message_id": world.message_id,
        "attachment_id": world.attachment_id,
        "reminder_id": world.reminder_id,
        "user_id": world.partner_id,
        "group_id": world.group_id,
        "digest_id": 1,
    }


def _strings(argument: str) -> list[str]:
    return {"table": sorted(EXPORTS), "name": sorted(CHARTS)}[argument]


def _queries(world: World) -> list[dict[str, str]]:
    """What a search or filter that would find the restricted letter sends."""
    return [
        {},
        {"q": "detention"},
        {"q": "RESTRICTED-0417"},
        {"q": "Ada"},
        {"campaign": str(world.campaign_id)},
        {"official": str(world.official_id)},
        {"official_name": "Ada Official"},
        {"owner": str(world.partner_id)},
        {"mine": "1"},
        {"archived": "1"},
        {"reference": REFERENCE},
    ]


def urls_to_try(app, world: World) -> list[str]:
    """Every GET route of the app, with the restricted ids and the finding searches."""
    ids = _ids(world)
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in (rule.methods or set()) or rule.endpoint == "static":
                continue
            numeric = {
                name
                for name in rule.arguments
                if isinstance(rule._converters[name], IntegerConverter)
            }
            unknown = numeric - set(ids)
            assert not unknown, f"{rule.rule}: add {unknown} to the compartment matrix"
            strings = [name for name in rule.arguments if name not in numeric]
            value_sets = [{name: ids[name] for name in numeric}]
            for name in strings:
                value_sets = [vs | {name: value} for vs in value_sets for value in _strings(name)]
            for values in value_sets:
                for query in (
                    _queries(world)
                    if not numeric or numeric <= {"official_id", "message_id"}
                    else [{}]
                ):
                    found.append(url_for(rule.endpoint, **values, **query))
            if rule.endpoint == "mailbox.show":  # staff look a letter up by its reference
                found.append(url_for(rule.endpoint, message_id=world.loose_message_id,
                                     reference=REFERENCE))  # fmt: skip
    return found


def _login(client, email: str) -> None:
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.text


def _leaks(response) -> bool:
    return MARK in response.get_data(as_text=True).lower()


@pytest.mark.parametrize("role", OUTSIDERS)
def test_a_user_outside_gets_nothing_of_a_restricted_campaign_from_any_route(
    app, users, world, role
):
    admin = app.test_client()
    _login(admin, users["admin"].email)
    # The admin's dashboards first: a cached report of everything must not be served on.
    for path in ("/dashboard", "/", "/dashboard/campaigns.csv"):
        assert admin.get(path).status_code == 200
    assert MARK in admin.get("/dashboard").text.lower()

    client = app.test_client()
    _login(client, users[role].email)
    urls = urls_to_try(app, world)
    assert len(urls) > 150
    leaked = []
    found_ok = 0
    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, url
        if _leaks(response):
            leaked.append((url, response.status_code))
        found_ok += response.status_code == 200
    assert leaked == []
    assert found_ok > 40  # the walk reached real pages, not only refusals

    # By id: the letter and everything of it is not found (not forbidden: no hint it exists).
    for url in (
        f"/letters/{world.letter_id}",
        f"/letters/{world.letter_id}/file",
        f"/letters/{world.letter_id}/responses/{world.response_id}/file",
        f"/mailbox/attachments/{world.attachment_id}",
    ):
        assert client.get(url).status_code == 404, url
    if role == "editor":
        for url in (
            f"/letters/{world.letter_id}/edit",
            f"/letters/{world.letter_id}/follow-up",
            f"/letters/{world.letter_id}/responses/new",
            f"/letters/{world.letter_id}/close",
            f"/demands/{world.demand_id}/outcome",
            f"/recipients/{world.recipient_id}/extend",
            f"/mailbox/messages/{world.message_id}",
            f"/mailbox/letters/{world.letter_id}/send",
            f"/campaigns/{world.campaign_id}/edit",
        ):
            assert client.get(url).status_code == 404, url


def test_writes_on_a_restricted_letter_are_refused_to_an_editor_outside(app, users, world):
    client = app.test_client()
    _login(client, users["editor"].email)
    before = db.session.scalar(select(Letter.version).where(Letter.id == world.letter_id))
    state = select(Recipient.state, Recipient.due_on).where(Recipient.id == world.recipient_id)
    clock = db.session.execute(state).one()
    posts = {
        f"/letters/{world.letter_id}/responses/new": {
            "recipient_id": str(world.recipient_id),
            "received_on": TODAY.isoformat(),
            "kind": "substantive",
            "channel": "email",
            "summary": "Forged",
        },
        f"/letters/{world.letter_id}/close": {},
        f"/letters/{world.letter_id}/edit": {"subject": "Forged", "owner_id": "1"},
        f"/demands/{world.demand_id}/outcome": {f"d{world.demand_id}-outcome": "met"},
        f"/recipients/{world.recipient_id}/pause": {},
        f"/recipients/{world.recipient_id}/withdraw": {},
        f"/recipients/{world.recipient_id}/extend": {"days": "7"},
        f"/recipients/{world.recipient_id}/follow-up-sent": {},
        f"/reminders/{world.reminder_id}/retry": {},
        f"/campaigns/{world.campaign_id}/archive": {"version": "1"},
        f"/mailbox/letters/{world.letter_id}/send": {},
    }
    for url, data in posts.items():
        assert client.post(url, data=data).status_code == 404, url
    db.session.expire_all()
    assert db.session.scalar(select(Letter.version).where(Letter.id == world.letter_id)) == before
    assert db.session.execute(state).one() == clock
    assert (
        db.session.scalar(select(Campaign.archived).where(Campaign.id == world.campaign_id))
        is False
    )

    # Filing a new letter into the campaign, or attaching mail to its recipient: refused.
    response = client.post(
        "/letters/new",
        data={
            "reference": "FORGED-1",
            "subject": "Into the partner campaign",
            "campaign_id": str(world.campaign_id),
            "owner_id": str(users["editor"].id),
            "channel": "email",
            "response_window_days": "30",
            "day_kind": "calendar",
            "save": "Save letter",
        },
    )
    assert response.status_code == 400
    assert "This campaign does not exist." in response.text
    assert db.session.scalar(select(Letter.id).where(Letter.reference == "FORGED-1")) is None
    response = client.post(
        f"/mailbox/messages/{world.loose_message_id}/decide",
        data={"action": "attach", "recipient_id": str(world.recipient_id)},
    )
    assert response.status_code == 400
    assert db.session.get(MailMessage, world.loose_message_id).letter_id is None


@pytest.mark.parametrize("who", ["partner", "member"])
def test_a_granted_user_sees_the_campaign_directly_or_through_a_group(app, world, who):
    client = app.test_client()
    _login(client, f"{who}@example.org")
    page = client.get(f"/letters/{world.letter_id}")
    assert page.status_code == 200
    assert REFERENCE in page.text and "Zircon ministry acknowledges" in page.text
    assert b"Zircon letter file" in client.get(f"/letters/{world.letter_id}/file").data
    response_file = client.get(f"/letters/{world.letter_id}/responses/{world.response_id}/file")
    assert b"Zircon response file" in response_file.data
    assert b"Zircon attachment" in client.get(f"/mailbox/attachments/{world.attachment_id}").data
    assert REFERENCE in client.get("/letters?q=detention").text
    assert REFERENCE in client.get("/letters/export.csv").text
    assert REFERENCE in client.get(f"/officials/{world.official_id}").text
    assert CAMPAIGN in client.get("/campaigns").text
    assert CAMPAIGN in client.get("/dashboard").text
    # The open letter that follows it up names it to them (and to nobody outside).
    assert REFERENCE in client.get(f"/letters/{world.open_letter_id}").text
    new_form = client.get("/letters/new")
    if who == "partner":
        assert CAMPAIGN in new_form.text  # the partner may file letters into it
    # Neither is audited: they are granted, not looking in from outside.
    assert (
        db.session.scalar(
            select(AuditEvent.id).where(AuditEvent.action == "letter.viewed_restricted")
        )
        is None
    )


def test_an_admin_sees_everything_and_their_look_is_audited(app, users, world):
    client = app.test_client()
    _login(client, users["admin"].email)
    page = client.get(f"/letters/{world.letter_id}")
    assert page.status_code == 200 and REFERENCE in page.text
    assert b"Zircon letter file" in client.get(f"/letters/{world.letter_id}/file").data
    assert REFERENCE in client.get("/letters?q=RESTRICTED").text
    assert REFERENCE in client.get("/letters/export.csv").text
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "letter.viewed_restricted")
    ).all()
    assert [(e.letter_id, e.user_id) for e in events] == [
        (world.letter_id, users["admin"].id),
        (world.letter_id, users["admin"].id),
    ]
    assert events[0].summary.startswith("Page of letter ZC-RESTRICTED-0417")
    assert events[1].summary.startswith("File of letter ZC-RESTRICTED-0417")
    # An open letter's page costs an admin no audit row.
    assert client.get(f"/letters/{world.open_letter_id}").status_code == 200
    assert db.session.query(AuditEvent).filter_by(action="letter.viewed_restricted").count() == 2


def test_visibility_follows_grants_and_group_membership(app, users, world):
    member = db.session.get(User, world.member_id)
    assert visibility_of(member).campaigns == {world.campaign_id}
    group = db.session.get(Group, world.group_id)
    access.set_group_members(SYSTEM, group, [])
    assert visibility_of(member).campaigns == frozenset()
    client = app.test_client()
    _login(client, "member@example.org")
    assert client.get(f"/letters/{world.letter_id}").status_code == 404
    changes = db.session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.entity_type.in_(("group", "campaign")))
        .order_by(AuditEvent.id)
    ).all()
    assert changes == [
        "group.create", "campaign.create", "campaign.create", "campaign.access", "group.members"
    ]  # fmt: skip
    assert visibility_of(db.session.get(User, users["admin"].id)).everything


def test_reminders_go_only_to_people_who_may_see_the_letter(app, users, world):
    """The outside watcher is skipped; the granted owner is told; admins on escalation."""
    connection = db.session.connection()

    def addressed(recipient_id: int, kind: str) -> list[str]:
        return [a.email for a in sweep_context(connection, recipient_id, kind)[1]]

    assert addressed(world.recipient_id, "overdue") == ["partner@example.org"]
    assert addressed(world.recipient_id, "escalate") == [
        "partner@example.org",
        "admin@example.org",
    ]
    # The open letter's reminders still reach its owner (the same editor).
    opened = select(Recipient.id).where(Recipient.letter_id == world.open_letter_id)
    assert addressed(db.session.scalars(opened).first(), "overdue") == ["editor@example.org"]


def test_existing_campaigns_stay_open_and_the_default_sees_no_restricted_letter(app, users):
    from tracker.queries.letters.filters import LetterFilters
    from tracker.queries.letters.listing import search_letters

    campaign = directory.create_campaign(SYSTEM, name="Plain")
    assert campaign.restricted is False
    letters.create_letter(
        SYSTEM,
        letters.LetterInput(subject="Plain", owner_id=users["viewer"].id, campaign_id=campaign.id),
        NOW,
    )
    assert search_letters(LetterFilters(), TODAY, visibility=UNRESTRICTED_ONLY).total == 1
    access.set_campaign_access(SYSTEM, campaign, restricted=True, user_ids=[], group_ids=[])
    db.session.expire_all()
    assert (
        search_letters(LetterFilters(), TODAY, visibility=UNRESTRICTED_ONLY).total == 0
    )  # staff with no grant
    viewer = db.session.get(User, users["viewer"].id)
    assert search_letters(LetterFilters(), TODAY, visibility=visibility_of(viewer)).total == 0
    admin = db.session.get(User, users["admin"].id)
    assert search_letters(LetterFilters(), TODAY, visibility=visibility_of(admin)).total == 1


def test_admin_pages_restrict_a_campaign_and_manage_groups(app, users, auth, client):
    auth.login("admin")
    campaign = directory.create_campaign(SYSTEM, name="Shared later")
    response = client.post(
        "/admin/groups",
        data={"name": "Partners", "member_ids": [str(users["viewer"].id)]},
    )
    assert response.status_code == 302
    group = db.session.scalar(select(Group).where(Group.name == "Partners"))
    assert [user.email for user in group.members] == ["viewer@example.org"]
    assert client.post("/admin/groups", data={"name": "partners"}).status_code == 409
    page = client.get(f"/campaigns/{campaign.id}/edit")
    assert "Who may see it" in page.text
    response = client.post(
        f"/campaigns/{campaign.id}/access",
        data={
            "access-restricted": "y",
            "access-user_ids": [str(users["editor"].id)],
            "access-group_ids": [str(group.id)],
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    campaign = db.session.get(Campaign, campaign.id)
    assert campaign.restricted
    assert [u.email for u in campaign.granted_users] == ["editor@example.org"]
    assert [g.name for g in campaign.granted_groups] == ["Partners"]
    bad = client.post(f"/campaigns/{campaign.id}/access", data={"access-user_ids": ["99999"]})
    assert bad.status_code == 400 and "does not exist" in bad.text
    response = client.post(f"/admin/groups/{group.id}", data={"member_ids": []})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Group, group.id).members == []
    # An editor can edit the campaign's name but not who may see it.
    auth.logout()
    auth.login("editor")
    assert "Who may see it" not in client.get(f"/campaigns/{campaign.id}/edit").text
    assert client.post(f"/campaigns/{campaign.id}/access", data={}).status_code == 403
    assert client.get("/admin/groups").status_code == 403


def test_the_matrix_knows_every_id_a_route_takes(app, world):
    """A new route with an id the matrix does not know fails `urls_to_try` loudly."""
    urls = urls_to_try(app, world)
    assert f"/letters/{world.letter_id}" in urls
    assert f"/letters/{world.letter_id}/responses/{world.response_id}/file" in urls
    assert f"/mailbox/attachments/{world.attachment_id}" in urls
    assert any(url.startswith("/dashboard/charts/") for url in urls)


def test_a_csv_import_cannot_file_into_or_follow_up_a_hidden_campaign(app, users, world):
    """The outsider's import is refused row by row; the same file is fine for the partner."""
    import csv
    import io

    from tracker.queries.access import EVERYTHING
    from tracker.queries.letters.export import export_records
    from tracker.queries.letters.filters import LetterFilters
    from tracker.services.letters import csv_import

    header, *rows = list(
        export_records(LetterFilters(sort="reference"), TODAY, visibility=EVERYTHING)
    )
    row = dict(zip(header, next(r for r in rows if r[0] == "OPEN-0001"), strict=True))
    into = row | {"reference": "CSV-1", "campaign": CAMPAIGN, "follows_up": ""}
    follows = row | {"reference": "CSV-2", "campaign": "", "follows_up": REFERENCE}
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header)
    writer.writeheader()
    writer.writerows([into, follows])
    data = buffer.getvalue().encode()

    editor = db.session.get(User, users["editor"].id)
    plan = csv_import.plan_import(data, editor, TODAY, visibility_of(editor))
    errors = {report.reference: report.errors for report in plan.reports}
    assert errors["CSV-1"]["campaign"] == f"You may not file letters into the campaign {CAMPAIGN}."
    assert errors["CSV-2"]["follows_up"] == f"No letter has the reference {REFERENCE}."
    partner = db.session.get(User, world.partner_id)
    plan = csv_import.plan_import(data, partner, TODAY, visibility_of(partner))
    assert [report.errors for report in plan.reports] == [{}, {}]


def test_a_digest_leaves_out_letters_its_reader_no_longer_sees(app, users, world):
    """Queued while the editor could see it, the reminder is not in their digest once the
    campaign is restricted to others; the partner's digest still carries it."""
    from tracker.models import Digest
    from tracker.services.reminders import digest
    from tracker.services.reminders.email import Addressee

    connection = db.session.connection()
    readers = [
        Addressee(world.partner_id, "partner@example.org", "digest", "UTC"),
        Addressee(users["editor"].id, "editor@example.org", "digest", "UTC"),
    ]
    digest.queue(connection, world.reminder_id, readers, NOW)
    contents = {}
    for reader in readers:
        digest_id = db.session.scalar(select(Digest.id).where(Digest.user_id == reader.id))
        rows = connection.execute(
            digest._contents_statement(), {"digest_id": digest_id, "user_id": reader.id}
        ).all()
        contents[reader.email] = [row.recipient_id for row in rows]
    assert contents == {
        "partner@example.org": [world.recipient_id],
        "editor@example.org": [],
    }
