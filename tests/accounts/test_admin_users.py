"""Admins manage users: create, edit, deactivate, reset a password."""

from __future__ import annotations

from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.support.letter_list_data import count_queries
from tracker.extensions import db
from tracker.models import AuditEvent, Passkey, User


def new_user_form(**overrides):
    form = {
        "email": "nadia@example.org",
        "name": "Nadia",
        "role": "viewer",
        "password": "twelve or more chars",
    }
    return form | overrides


def test_admin_creates_a_user_who_can_log_in(app, client, auth):
    auth.login("admin")
    response = client.post("/admin/users/new", data=new_user_form())
    assert response.status_code == 302
    assert db.session.scalar(select(User).where(User.email == "nadia@example.org")).role == "viewer"
    other = app.test_client()
    login = other.post(
        "/login", data={"email": "nadia@example.org", "password": "twelve or more chars"}
    )
    assert login.status_code == 302
    nadia_id = db.session.scalar(select(User.id).where(User.email == "nadia@example.org"))
    created = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "user.create", AuditEvent.entity_id == nadia_id
        )
    )
    assert created.actor == "admin@example.org"


def test_bad_new_user_input_gets_a_message_and_no_user(client, auth):
    auth.login("admin")
    cases = [
        (new_user_form(password="short"), "Use at least 12 characters."),
        (new_user_form(email="not an email"), "Invalid email address."),
        (new_user_form(email="editor@example.org"), "already exists"),
        (new_user_form(role="root"), "Not a valid choice"),
    ]
    for form, message in cases:
        response = client.post("/admin/users/new", data=form)
        assert response.status_code == 400, form
        assert message in response.get_data(as_text=True), form
    assert db.session.scalar(select(db.func.count()).select_from(User)) == 3


def edit_form(user: User, **overrides):
    form = {
        "name": user.name,
        "role": user.role,
        "active": "y" if user.is_active_account else "",
        "version": str(user.version),
        "submit": "Save user",
    }
    return form | overrides


def test_deactivating_a_user_ends_their_sessions(app, client, auth, users):
    viewer_client = app.test_client()
    viewer_client.post("/login", data={"email": users["viewer"].email, "password": PASSWORD})
    assert viewer_client.get("/").status_code == 200

    auth.login("admin")
    viewer = db.session.get(User, users["viewer"].id)
    response = client.post(f"/admin/users/{viewer.id}", data=edit_form(viewer, active=""))
    assert response.status_code == 302
    assert viewer_client.get("/").status_code == 302
    db.session.refresh(viewer)
    assert not viewer.is_active_account


def test_stale_edit_is_refused_not_overwritten(client, auth, users):
    auth.login("admin")
    editor = db.session.get(User, users["editor"].id)
    stale = edit_form(editor, name="First change")
    fresh = client.post(f"/admin/users/{editor.id}", data=edit_form(editor, name="Second"))
    assert fresh.status_code == 302
    conflict = client.post(f"/admin/users/{editor.id}", data=stale)
    assert conflict.status_code == 409
    assert "changed this user meanwhile" in conflict.get_data(as_text=True)
    db.session.refresh(editor)
    assert editor.name == "Second"


def test_admin_cannot_demote_themselves(client, auth, users):
    auth.login("admin")
    admin = db.session.get(User, users["admin"].id)
    response = client.post(f"/admin/users/{admin.id}", data=edit_form(admin, role="viewer"))
    assert response.status_code == 400
    db.session.refresh(admin)
    assert admin.role == "admin"


def test_password_reset_ends_sessions_and_sets_the_new_password(app, client, auth, users):
    editor_client = app.test_client()
    editor_client.post("/login", data={"email": users["editor"].email, "password": PASSWORD})
    auth.login("admin")
    response = client.post(
        f"/admin/users/{users['editor'].id}/password",
        data={"reset-password": "a fresh password 42", "reset-submit": "Set"},
    )
    assert response.status_code == 302
    assert editor_client.get("/").status_code == 302
    again = editor_client.post(
        "/login", data={"email": users["editor"].email, "password": "a fresh password 42"}
    )
    assert again.status_code == 302
    reset = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.password_reset"))
    assert reset.entity_id == users["editor"].id


def test_unknown_user_is_404(client, auth):
    auth.login("admin")
    assert client.get("/admin/users/424242").status_code == 404


def test_audit_page_lists_logins(client, auth):
    auth.login("admin")
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "login.success" in page
    assert "admin@example.org" in page


def test_the_users_page_reads_second_factors_in_a_bounded_number_of_statements(app, client, auth):
    def statements_for_users_page() -> int:
        with count_queries() as statements:
            assert client.get("/admin/users").status_code == 200
        return len(statements)

    auth.login("admin")
    few = statements_for_users_page()
    for n in range(10):
        user = User(email=f"u{n}@example.org", name=f"U{n}", password_hash="x", role="viewer")
        user.passkeys = [Passkey(credential_id=bytes([n]), public_key=b"k", name="key")]
        db.session.add(user)
    db.session.commit()
    page = client.get("/admin/users").get_data(as_text=True)
    assert page.count("<td>on</td>") >= 10
    assert statements_for_users_page() == few
