"""The directory search behind the official fields: partial names, any word order,
accents and case ignored; a small JSON answer for staff only."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select, text

from tests.support.letter_helpers import editor_actor
from tracker.extensions import db
from tracker.models import Official
from tracker.queries.directory import find_officials
from tracker.services import directory
from tracker.services.audit import Actor


@pytest.fixture
def people(app, users):
    actor = editor_actor(users)
    for name, title, country in (
        ("José Ramos-Horta", "President", "TL"),
        ("Michael R. Pompeo", "Secretary of State", "US"),
        ("Donald J. Trump", "President", "US"),
        ("Michelle Bachelet", "High Commissioner", "CL"),
    ):
        directory.create_official(actor, name=name, title=title, country=country)


def names(text: str) -> list[str]:
    return [hit.name for hit in find_officials(text)]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("jose", ["José Ramos-Horta"]),
        ("RAMOS horta", ["José Ramos-Horta"]),
        ("horta josé", ["José Ramos-Horta"]),
        ("pomp", ["Michael R. Pompeo"]),
        ("trump donald", ["Donald J. Trump"]),
        ("mich", ["Michael R. Pompeo", "Michelle Bachelet"]),
        ("chel", ["Michelle Bachelet"]),
        ("nobody", []),
        ("   ", []),
        ("%", []),
        ("_", []),
    ],
)
def test_partial_words_in_any_order_ignoring_accents_and_case(people, typed, expected):
    assert names(typed) == expected


def test_names_starting_with_the_first_word_come_first(people):
    directory.create_official(Actor.system("test"), name="Ana Michaels")
    assert names("mich")[-1] == "Ana Michaels"


def test_a_renamed_official_is_found_by_the_new_name(people):
    official = db.session.scalar(select(Official).where(Official.name == "Donald J. Trump"))
    directory.update_official(
        Actor.system("test"), official, expected_version=official.version, name="Donald John Trümp"
    )
    assert names("trump") == ["Donald John Trümp"]


def test_officials_inserted_in_bulk_are_searchable_too(app):
    db.session.execute(insert(Official), [{"name": "Émile Zola"}])
    db.session.commit()
    assert names("emile") == ["Émile Zola"]


def test_the_json_answer_names_title_and_country(client, auth, people):
    auth.login("viewer")
    answer = client.get("/officials/search.json?q=secr%20pom")
    assert answer.status_code == 200 and answer.json["officials"] == []
    answer = client.get("/officials/search.json?q=Pompeo")
    [hit] = answer.json["officials"]
    assert hit["title"] == "Secretary of State" and hit["country"] == "US"
    assert hit["label"] == "Michael R. Pompeo (Secretary of State)"


def test_the_json_answer_is_for_staff_only(client, people):
    answer = client.get("/officials/search.json?q=Pompeo")
    assert answer.status_code in (302, 401)


def test_the_migration_folds_the_names_already_in_the_directory(make_app, tmp_path):
    from flask_migrate import upgrade

    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'before.db'}")
    with app.app_context():
        upgrade(revision="b7d2f1e9a3c4")  # the revision before search_name
        db.session.execute(
            text(
                "INSERT INTO officials (name, title, institution, email, postal_address, notes,"
                " created_at, version) VALUES ('Dr. José Ramos-Horta', '', '', '', '', '',"
                " '2024-01-01 00:00:00', 1)"
            )
        )
        db.session.commit()
        upgrade()
        assert db.session.scalar(text("SELECT search_name FROM officials")) == (
            "dr jose ramos horta"
        )
        db.session.remove()
        db.engine.dispose()


def test_the_letter_form_creates_an_official_without_leaving_the_page(client, auth, people):
    auth.login("editor")
    made = client.post(
        "/officials/new.json", data={"name": "Karim Khan", "title": "Prosecutor", "country": "gb"}
    )
    assert made.status_code == 201
    assert made.json["label"] == "Karim Khan (Prosecutor)"
    assert db.session.get(Official, made.json["id"]).country == "GB"
    again = client.post("/officials/new.json", data={"name": "karim khan"})
    assert again.status_code == 400 and again.json["field"] == "name"
    bad = client.post("/officials/new.json", data={"name": "Someone", "country": "Narnia"})
    assert bad.status_code == 400 and bad.json["field"] == "country"


def test_viewers_cannot_create_officials_from_the_form(client, auth, people):
    auth.login("viewer")
    assert client.post("/officials/new.json", data={"name": "Karim Khan"}).status_code == 403
