"""Login sessions: the sessions page, ending one or all others, the admin's view, and a
cookie whose session ended being refused on its next request."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event, func, select, update

from tests.conftest import PASSWORD
from tracker.domain.user_agents import describe
from tracker.extensions import db
from tracker.models import AuditEvent, LoginSession, User, utcnow
from tracker.services.accounts import sessions

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI_PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
EDGE = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0"
)
END_FORM = re.compile(r'action="/account/sessions/(\d+)/end"')


def log_in(app, email, agent=FIREFOX, ip="192.0.2.10"):
    client = app.test_client()
    response = client.post(
        "/login",
        data={"email": email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": ip, "HTTP_USER_AGENT": agent},
    )
    assert response.status_code == 302
    return client


def logged_in(client) -> bool:
    return client.get("/account").status_code == 200


def sent_to_login(client) -> bool:
    response = client.get("/account")
    return response.status_code == 302 and "/login" in response.headers["Location"]


def session_ids(user_id: int) -> list[int]:
    return db.session.scalars(
        select(LoginSession.id).where(LoginSession.user_id == user_id).order_by(LoginSession.id)
    ).all()


def events(action: str) -> list[AuditEvent]:
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_user_agents_in_words():
    assert describe(FIREFOX) == "Firefox on Linux"
    assert describe(SAFARI_PHONE) == "Safari on iPhone"
    assert describe(EDGE) == "Edge on Windows"
    assert describe("") == "Unknown browser"
    assert describe("x" * 100_000) == "Unknown browser"


def test_the_sessions_page_lists_this_users_sessions_and_marks_this_device(app, users):
    laptop = log_in(app, users["editor"].email, FIREFOX, "192.0.2.10")
    log_in(app, users["editor"].email, SAFARI_PHONE, "198.51.100.7")
    log_in(app, users["viewer"].email, EDGE, "203.0.113.9")  # someone else's: not listed
    assert 'href="/account/sessions"' in laptop.get("/account").get_data(as_text=True)

    page = laptop.get("/account/sessions")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Firefox on Linux" in text and "192.0.2.10" in text
    assert "Safari on iPhone" in text and "198.51.100.7" in text
    assert "Edge on Windows" not in text
    assert text.count("this device") == 1
    assert len(END_FORM.findall(text)) == 2
    assert "End all other sessions" in text


def test_the_cookie_carries_a_token_the_database_keeps_only_hashed(app, users):
    laptop = log_in(app, users["editor"].email)
    stored = db.session.scalars(select(LoginSession.token_hash)).all()
    cookie = laptop.get_cookie("tracker_session").value
    assert len(stored) == 1
    assert stored[0] not in cookie  # what is stored cannot be replayed as a cookie


def test_ending_another_session_logs_that_browser_out_on_its_next_request(app, users):
    editor = users["editor"]
    laptop = log_in(app, editor.email, FIREFOX)
    phone = log_in(app, editor.email, SAFARI_PHONE)
    laptop_id, phone_id = session_ids(editor.id)

    response = laptop.post(f"/account/sessions/{phone_id}/end")
    assert response.status_code == 302
    assert sent_to_login(phone)
    assert logged_in(laptop)
    ended = db.session.get(LoginSession, phone_id)
    assert ended.ended_at is not None
    assert db.session.get(LoginSession, laptop_id).ended_at is None
    [audit] = events("session.end")
    assert audit.user_id == editor.id and audit.entity_id == editor.id
    assert "Safari on iPhone" in audit.summary


def test_ending_this_session_logs_out_here_only(app, users):
    editor = users["editor"]
    laptop = log_in(app, editor.email, FIREFOX)
    phone = log_in(app, editor.email, SAFARI_PHONE)
    laptop_id, _ = session_ids(editor.id)
    response = laptop.post(f"/account/sessions/{laptop_id}/end")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert sent_to_login(laptop)
    assert logged_in(phone)


def test_end_all_other_sessions_keeps_this_one(app, users):
    editor = users["editor"]
    laptop = log_in(app, editor.email, FIREFOX)
    others = [log_in(app, editor.email, agent) for agent in (SAFARI_PHONE, EDGE)]
    viewer = log_in(app, users["viewer"].email)

    assert laptop.post("/account/sessions/end-others").status_code == 302
    assert logged_in(laptop)
    assert all(sent_to_login(other) for other in others)
    assert logged_in(viewer)  # another user's sessions are not touched
    [audit] = events("session.end_others")
    assert audit.user_id == editor.id and "Ended 2 of their own other sessions" in audit.summary
    page = laptop.get("/account/sessions").get_data(as_text=True)
    assert len(END_FORM.findall(page)) == 1
    assert "End all other sessions" not in page


def test_a_user_cannot_end_someone_elses_session(app, users):
    editor = log_in(app, users["editor"].email)
    viewer = log_in(app, users["viewer"].email)
    [viewer_session] = session_ids(users["viewer"].id)
    response = editor.post(f"/account/sessions/{viewer_session}/end", follow_redirects=True)
    assert "not one of this account" in response.get_data(as_text=True)
    assert logged_in(viewer)
    assert events("session.end") == []
    assert editor.post("/account/sessions/99999999999999999999/end").status_code == 404


def test_a_cookie_is_refused_after_logout_even_when_replayed(app, users):
    phone = log_in(app, users["editor"].email)
    stolen = phone.get_cookie("tracker_session").value
    assert phone.post("/logout").status_code == 302
    thief = app.test_client()
    thief.set_cookie("tracker_session", stolen, domain="localhost")
    assert sent_to_login(thief)


def test_an_idle_session_expires_with_the_session_lifetime(app, users):
    laptop = log_in(app, users["editor"].email)
    idle = sessions.idle_limit() + timedelta(minutes=1)
    db.session.execute(update(LoginSession).values(last_seen_at=utcnow() - idle))
    db.session.commit()
    assert sent_to_login(laptop)
    assert laptop.get("/account/sessions").status_code == 302


@contextmanager
def counting_session_writes():
    writes: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE LOGIN_SESSIONS"):
            writes.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield writes
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_last_seen_is_written_at_most_once_per_interval(app, users):
    laptop = log_in(app, users["editor"].email, ip="192.0.2.10")
    [session_id] = session_ids(users["editor"].id)
    with counting_session_writes() as writes:
        for _ in range(5):
            assert logged_in(laptop)
    assert writes == []  # requests within the interval do not write

    earlier = utcnow() - sessions.TOUCH_INTERVAL - timedelta(seconds=5)
    db.session.execute(update(LoginSession).values(last_seen_at=earlier))
    db.session.commit()
    with counting_session_writes() as writes:
        for _ in range(5):
            response = laptop.get("/account", environ_base={"REMOTE_ADDR": "192.0.2.77"})
            assert response.status_code == 200
    assert len(writes) == 1
    touched = db.session.get(LoginSession, session_id)
    assert touched.last_seen_at > earlier + timedelta(seconds=5)
    assert touched.ip_address == "192.0.2.77"


def test_an_admin_sees_and_ends_a_users_sessions_audited(app, users):
    editor = users["editor"]
    admin = log_in(app, users["admin"].email, EDGE)
    laptop = log_in(app, editor.email, FIREFOX)
    phone = log_in(app, editor.email, SAFARI_PHONE)
    _laptop_id, phone_id = session_ids(editor.id)

    page = admin.get(f"/admin/users/{editor.id}").get_data(as_text=True)
    assert "Firefox on Linux" in page and "Safari on iPhone" in page
    assert f"/admin/users/{editor.id}/sessions/{phone_id}/end" in page

    assert admin.post(f"/admin/users/{editor.id}/sessions/{phone_id}/end").status_code == 302
    assert sent_to_login(phone)
    assert logged_in(laptop)
    [one] = events("session.end")
    assert one.user_id == users["admin"].id and one.entity_id == editor.id
    assert "editor@example.org's session" in one.summary

    # an id that is not this user's session is refused, and nothing is ended
    admin_session = session_ids(users["admin"].id)[0]
    refused = admin.post(
        f"/admin/users/{editor.id}/sessions/{admin_session}/end", follow_redirects=True
    )
    assert "not one of this account" in refused.get_data(as_text=True)
    assert logged_in(admin)

    assert admin.post(f"/admin/users/{editor.id}/sessions/end-all").status_code == 302
    assert sent_to_login(laptop)
    assert logged_in(admin)
    [everything] = events("session.end_all")
    assert everything.user_id == users["admin"].id
    assert "Ended 1 of editor@example.org's sessions" in everything.summary
    page = admin.get(f"/admin/users/{editor.id}").get_data(as_text=True)
    assert "Not logged in anywhere." in page


def test_non_admins_cannot_end_sessions_through_the_admin_pages(app, users):
    viewer = log_in(app, users["viewer"].email)
    admin = log_in(app, users["admin"].email)
    [admin_session] = session_ids(users["admin"].id)
    refused = viewer.post(f"/admin/users/{users['admin'].id}/sessions/{admin_session}/end")
    assert refused.status_code == 403
    assert viewer.post(f"/admin/users/{users['admin'].id}/sessions/end-all").status_code == 403
    assert logged_in(admin)


def test_password_change_deactivation_and_reset_end_sessions_through_one_rule(app, users):
    editor = users["editor"]
    laptop = log_in(app, editor.email, FIREFOX)
    phone = log_in(app, editor.email, SAFARI_PHONE)
    response = laptop.post(
        "/account",
        data={
            "pw-current_password": PASSWORD,
            "pw-new_password": "a brand new passphrase",
            "pw-confirm": "a brand new passphrase",
            "pw-submit": "Change password",
        },
    )
    assert response.status_code == 302
    assert logged_in(laptop) and sent_to_login(phone)
    laptop_id, phone_id = session_ids(editor.id)
    assert db.session.get(LoginSession, phone_id).ended_at is not None
    assert db.session.get(LoginSession, laptop_id).ended_at is None

    admin = log_in(app, users["admin"].email)
    version = db.session.get(User, editor.id).version
    admin.post(
        f"/admin/users/{editor.id}",
        data={"name": "Editor", "role": "editor", "version": version, "submit": "Save"},
    )  # "active" unticked: deactivated
    assert not db.session.get(User, editor.id).is_active_account
    assert sent_to_login(laptop)
    still_open = db.session.scalar(
        select(func.count())
        .select_from(LoginSession)
        .where(LoginSession.user_id == editor.id, LoginSession.ended_at.is_(None))
    )
    assert still_open == 0


def test_sessions_that_ended_long_ago_are_removed_at_the_next_login(app, users):
    editor = users["editor"]
    log_in(app, editor.email)
    recent = log_in(app, editor.email)
    recent.post("/logout")
    long_ago = utcnow() - sessions.KEEP_ENDED - timedelta(days=1)
    first, second = session_ids(editor.id)
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.id == first)
        .values(ended_at=long_ago, last_seen_at=long_ago)
    )
    db.session.commit()
    log_in(app, editor.email)
    remaining = session_ids(editor.id)
    assert first not in remaining and second in remaining and len(remaining) == 2
