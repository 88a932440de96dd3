"""The letters list keeps its pages per data version: exact, per viewer, on its own shelf."""

from __future__ import annotations

import pytest
from flask_login import login_user
from sqlalchemy import event, select

from tests.support.letter_list_data import build, count_queries
from tracker.extensions import db
from tracker.models import DataVersion, Letter, User, utcnow
from tracker.models.data_version import DATA
from tracker.queries.cache import VersionedCache, data_version
from tracker.services import accounts
from tracker.services.accounts import sessions
from tracker.services.audit import Actor
from tracker.web.letters import listing


@pytest.fixture
def data(app, users):
    return build(users["editor"].id, users["viewer"].id)


def test_a_repeat_view_reads_no_letters_and_a_write_shows_at_once(client, auth, data):
    auth.login("viewer")
    first = client.get("/letters")
    assert first.status_code == 200
    with count_queries() as statements:
        again = client.get("/letters")
    assert again.get_data(as_text=True) == first.get_data(as_text=True)
    # The page, its count and the filter options came from the cache: what is left is
    # the session's user (Flask-Login), read with the data version and the banners.
    assert [s for s in statements if "FROM letters" in s] == []
    assert len(statements) == 1  # one round trip: user, data version and banners

    letter = data.letters["L1"]
    letter.subject = "Renamed after the first view"
    db.session.commit()  # any write moves the data version forward
    page = client.get("/letters").get_data(as_text=True)
    assert "Renamed after the first view" in page


def test_a_new_owner_appears_in_the_picker_after_the_write(client, auth, data):
    auth.login("viewer")
    assert "Zoe Newcomer" not in client.get("/letters").get_data(as_text=True)
    accounts.create_user(
        Actor.system("test"),
        email="zoe@example.org",
        name="Zoe Newcomer",
        role="viewer",
        password="a password long enough to pass",
    )
    assert '">Zoe Newcomer</option>' in client.get("/letters").get_data(as_text=True)


def test_a_page_kept_for_one_viewer_is_not_served_to_another(app, data, users):
    def letter_queries_for(user_id: int) -> int:
        with app.test_request_context("/letters"):
            user = db.session.get(User, user_id)
            sessions.open_session(user, "192.0.2.1", "test", utcnow())
            login_user(user)
            with count_queries() as statements:
                content = listing._list_content(listing.LetterFilters(), {}, "")
            assert "6 letters" in content and "L-1" in content
        return len([s for s in statements if "FROM letters" in s])

    assert letter_queries_for(users["viewer"].id) > 0
    assert letter_queries_for(users["editor"].id) > 0  # computed for this viewer too
    assert letter_queries_for(users["viewer"].id) == 0  # the first viewer's, kept


def test_the_data_version_is_read_once_per_transaction(app, data):
    reads: list[str] = []

    def note(conn, cursor, statement, *args):
        if "data_version" in statement and statement.lstrip().upper().startswith("SELECT"):
            reads.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        db.session.commit()  # a fresh transaction
        first = data_version()
        assert data_version() == first
        assert len(reads) == 1
        db.session.get(Letter, data.letters["L1"].id).subject = "Moved on"
        db.session.commit()
        second = data_version()
        assert len(reads) == 2
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert second == first + 1
    assert second == db.session.scalar(select(DataVersion.version).where(DataVersion.id == DATA))


def test_each_shelf_evicts_only_its_own_entries(app, data):
    reports, pages = VersionedCache(max_entries=2), VersionedCache(max_entries=2)
    computed: list[str] = []

    def compute(name: str):
        def run() -> str:
            computed.append(name)
            return name

        return run

    reports.cached("report", compute("report"))
    for n in range(5):
        pages.cached(("page", n), compute(f"page {n}"))
    assert reports.cached("report", compute("report again")) == "report"
    assert pages.cached(("page", 0), compute("page 0 again")) == "page 0 again"
    assert computed == ["report", "page 0", "page 1", "page 2", "page 3", "page 4", "page 0 again"]


def test_a_login_and_the_use_of_its_session_keep_the_cached_pages(app, data, users):
    """No cached page shows sessions: logins and last-seen times, written all day, must
    not make every list and dashboard compute afresh. A change of data still does."""

    def version() -> int:
        return db.session.scalar(select(DataVersion.version).where(DataVersion.id == DATA))

    before = version()
    now = utcnow()
    sessions.open_session(db.session.get(User, users["viewer"].id), "192.0.2.1", "curl", now)
    db.session.commit()
    login_session = db.session.scalars(select(sessions.LoginSession)).one()
    later = now + 2 * sessions.TOUCH_INTERVAL
    sessions.touch(login_session, "192.0.2.2", later)
    assert login_session.last_seen_at.replace(tzinfo=later.tzinfo) == later  # it was written
    assert version() == before

    data.letters["L1"].subject = "Renamed"
    db.session.commit()
    assert version() == before + 1
