"""CSV import: preview with a per-row report, all-or-nothing, CLI, and the round trip
export -> empty database -> import -> the same letters, recipients and demands."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import func, insert, select

from tests.conftest import PASSWORD, empty_all_tables
from tracker.cli import tracker_cli
from tracker.extensions import db
from tracker.models import AuditEvent, Campaign, Letter, Official, utcnow
from tracker.services import accounts, directory, letters
from tracker.services.audit import Actor
from tracker.services.errors import ServiceError

ACTOR = Actor(None, "test")
HEADER = (
    "reference,subject,sent_on,owner,"
    "recipient_1_role,recipient_1_name,recipient_1_country,demand_1_text\n"
)


def upload(client, content: str, name: str = "letters.csv"):
    data = {"file": (io.BytesIO(content.encode("utf-8")), name), "submit": "Check the file"}
    return client.post("/letters/import", data=data, content_type="multipart/form-data")


def confirm(client, content: str):
    return client.post(
        "/letters/import",
        data={"confirm-csv_text": content, "confirm-file_name": "x.csv", "confirm-submit": "1"},
    )


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def commit_letter_elsewhere(reference: str, owner_id: int) -> None:
    """Another user's save: committed through a connection of its own."""
    with db.engine.begin() as connection:
        connection.execute(
            insert(Letter).values(
                reference=reference,
                subject="theirs",
                owner_id=owner_id,
                status="draft",
                channel="email",
                body="",
                signatories="",
                response_window_days=30,
                business_days=False,
                created_at=utcnow(),
                updated_at=utcnow(),
                version=1,
            )
        )


def test_preview_reports_each_row_and_writes_nothing(client, auth):
    auth.login("editor")
    content = HEADER + (
        "A-1,Sanctions,2020-03-27,,to,Ada President,US,Lift the sanctions\n"
        "A-2,Threats,2020-13-01,nobody@example.org,to,Bruno,ZZ,\n"
        "A-1,Duplicate,,,,,,\n"
    )
    response = upload(client, content)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "2 of 3 rows have errors" in page
    assert "is not a date written YYYY-MM-DD" in page
    assert "No active staff member has the email nobody@example.org" in page
    assert "not an ISO 3166-1 country code" in page
    assert "Reference A-1 is also on line 2" in page
    assert "Import these letters" not in page
    assert (count(Letter), count(Official)) == (0, 0)


def test_clean_preview_then_confirm_imports_everything(client, auth, users):
    directory.create_official(ACTOR, name="Ada President", country="US")
    auth.login("editor")
    content = HEADER + (
        "A-1,Sanctions,2020-03-27,,to,ada president,US,Lift the sanctions\n"
        "A-2,Threats,,viewer@example.org,cc,Bruno Ministre,FR,Disavow the threats\n"
    )
    response = upload(client, content)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "New official Bruno Ministre" in page and "New official Ada" not in page
    assert count(Letter) == 0  # the preview writes nothing
    response = confirm(client, content)
    assert response.status_code == 302
    imported = {letter.reference: letter for letter in db.session.scalars(select(Letter))}
    assert imported["A-1"].owner_id == users["editor"].id  # no owner: the importer
    assert imported["A-1"].status == "sent" and imported["A-2"].status == "draft"
    assert imported["A-1"].recipients[0].official.name == "Ada President"  # matched
    assert imported["A-2"].recipients[0].role == "cc"
    assert count(Official) == 2
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "csv.import"))


def test_confirm_checks_again_and_refuses_a_changed_file(client, auth):
    auth.login("editor")
    bad = HEADER + "A-1,,2020-03-27,,,,,\n"
    response = confirm(client, bad)
    assert response.status_code == 400
    assert "The subject is empty" in response.get_data(as_text=True)
    assert count(Letter) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "The file is empty"),
        ("reference,subject\n", "header but no letters"),
        ("subject\nHello\n", "missing: reference"),
        ('reference,subject\n"A-1,unclosed\n', "not valid CSV"),
    ],
)
def test_unreadable_files_get_a_clear_message(client, auth, content, message):
    auth.login("editor")
    response = upload(client, content)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_a_file_that_is_not_utf8_is_refused(client, auth):
    auth.login("editor")
    data = {"file": (io.BytesIO("reference,subject\nA,Caf\xe9\n".encode("cp1252")), "x.csv")}
    response = client.post(
        "/letters/import", data=data | {"submit": "1"}, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert "CSV UTF-8" in response.get_data(as_text=True)


def test_duplicate_reference_in_the_database_is_refused(client, auth):
    auth.login("editor")
    confirm(client, HEADER + "A-1,First,,,,,,\n")
    response = upload(client, HEADER + "a-1,Again,,,,,,\n")
    assert response.status_code == 400
    assert "A letter with the reference a-1 exists already" in response.get_data(as_text=True)
    assert count(Letter) == 1


def test_a_failure_half_way_leaves_nothing_of_the_import(app, users):
    """A colleague saves B-2 between our check and our confirm: nothing of ours stays."""
    from tracker.services.letters import csv_import

    owner = db.session.get(accounts.User, users["editor"].id)
    content = HEADER + (
        "B-1,First,2020-03-27,,to,New Official,FR,Demand one\n"
        "B-2,Second,2020-03-28,,to,Other Official,DE,Demand two\n"
    )
    plan = csv_import.plan_import(content.encode(), owner, date(2024, 6, 15))
    assert plan.ok
    commit_letter_elsewhere("B-2", owner.id)  # a second connection: a real concurrent save
    events_before = count(AuditEvent)
    with pytest.raises(ServiceError, match="nothing was imported") as refused:
        csv_import.run_import(ACTOR, plan, utcnow(), source="x.csv")
    assert refused.value.kind == "conflict"
    assert "line 3" in refused.value.message and "B-2" in refused.value.message
    assert [letter.subject for letter in db.session.scalars(select(Letter))] == ["theirs"]
    assert count(Official) == 0
    assert count(AuditEvent) == events_before  # not even the audit of what was undone


def test_viewers_cannot_import(client, auth):
    auth.login("viewer")
    assert client.get("/letters/import").status_code == 403
    assert confirm(client, HEADER + "A-1,S,,,,,,\n").status_code == 403
    assert count(Letter) == 0


def test_cli_dry_run_then_import(app, users, tmp_path):
    path = tmp_path / "letters.csv"
    path.write_text(HEADER + "C-1,Sanctions,2020-03-27,,to,Ada President,US,Lift them\n")
    runner = app.test_cli_runner()
    result = runner.invoke(tracker_cli, ["import-csv", str(path), "--dry-run"])
    assert result.exit_code == 1  # no owner column value and no --owner
    assert "line 2 [owner]" in result.output
    args = ["import-csv", str(path), "--owner", "editor@example.org"]
    result = runner.invoke(tracker_cli, [*args, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "nothing written" in result.output and count(Letter) == 0
    result = runner.invoke(tracker_cli, args)
    assert result.exit_code == 0, result.output
    assert "Imported 1 letters, 1 new officials" in result.output
    assert db.session.scalar(select(Letter.reference)) == "C-1"


# --- the round trip ---------------------------------------------------------------------


def _build_history(users) -> None:
    now = utcnow()
    owner, watcher = users["editor"].id, users["viewer"].id
    campaign = directory.create_campaign(ACTOR, name="ICC sanctions 2020")
    president = directory.create_official(
        ACTOR,
        name="Donald Trump",
        title="President",
        institution="The White House",
        country="US",
        email="president@example.gov",
    )
    minister = directory.create_official(ACTOR, name="Mike Pompeo", title="Secretary of State")
    first = letters.create_letter(
        ACTOR,
        letters.LetterInput(
            subject='Sanctions on the ICC, "urgent"',
            owner_id=owner,
            reference="CICC-2020-01",
            campaign_id=campaign.id,
            sent_on=date(2020, 3, 27),
            channel="post",
            body="Dear President,\n\n=we write, with commas; and “quotes”.\n- a bullet",
            signatories="CICC; FIDH",
            watcher_ids=(watcher,),
            response_window_days=20,
            business_days=True,
            recipients=(
                letters.RecipientInput(president.id, "to"),
                letters.RecipientInput(minister.id, "cc", expects_answer=True),
            ),
            demands=(
                letters.DemandInput("Lift", "Lift the sanctions on the Prosecutor"),
                letters.DemandInput("Policy", "+ overturn the sanctions policy"),
                letters.DemandInput("Disavow", "Disavow the threats"),
            ),
        ),
        now,
    )
    letters.set_demand_outcome(ACTOR, first.demands[2], "rejected", "", 1, now)
    follow_up = letters.create_letter(
        ACTOR,
        letters.LetterInput(
            subject="Follow-up",
            owner_id=watcher,
            reference="CICC-2020-02",
            sent_on=date(2020, 5, 1),
            follows_up_id=first.id,
            recipients=(letters.RecipientInput(president.id, "to"),),
            demands=(letters.DemandInput("", "Answer our letter"),),
        ),
        now,
    )
    letters.close_letter(ACTOR, follow_up, now)
    letters.create_letter(
        ACTOR, letters.LetterInput(subject="Draft to nobody yet", owner_id=owner), now
    )


def _snapshot() -> dict[str, tuple]:
    found = {}
    for letter in db.session.scalars(select(Letter)):
        found[letter.reference] = (
            letter.subject,
            letter.campaign.name if letter.campaign else None,
            letter.status,
            letter.sent_on,
            letter.channel,
            letter.owner.email,
            letter.body,
            letter.signatories,
            letter.response_window_days,
            letter.business_days,
            letter.follows_up.reference if letter.follows_up else None,
            sorted(user.email for user in letter.watchers),
            [
                (
                    r.role,
                    r.expects_answer,
                    r.official.name,
                    r.official.title,
                    r.official.institution,
                    r.official.country,
                    r.official.email,
                )
                for r in letter.recipients
            ],
            [(d.position, d.title, d.text, d.outcome) for d in letter.demands],
        )
    return found


def test_export_then_import_into_an_empty_database_gives_the_same_letters(client, auth, users):
    _build_history(users)
    before = _snapshot()
    assert len(before) == 3
    auth.login("viewer")
    exported = client.get("/letters/export.csv", buffered=True).get_data()
    auth.logout()

    db.session.remove()
    empty_all_tables()
    for account in users.values():
        accounts.create_user(
            ACTOR, email=account.email, name=account.role, role=account.role, password=PASSWORD
        )
    assert count(Letter) == count(Official) == count(Campaign) == 0

    auth.login("editor")
    response = client.post(
        "/letters/import",
        data={"file": (io.BytesIO(exported), "export.csv"), "submit": "1"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    confirmed = confirm(client, exported.decode("utf-8-sig"))
    assert confirmed.status_code == 302
    assert _snapshot() == before
