"""Undoing a withdrawal or a close: the previous state and its reminders come back in one
audited transaction, for the same user, within the window, and only if nothing changed."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.support.followup_data import at, make_letter, make_user, reminders_of
from tracker.extensions import db
from tracker.models import AuditEvent, Letter, Recipient, User
from tracker.services import followup
from tracker.services import letters as letter_service
from tracker.services.audit import Actor
from tracker.services.errors import ServiceError
from tracker.services.letters import undo

SENT = date(2024, 3, 1)
NOW = at(date(2024, 3, 20))  # before the first step (due 2024-03-31)


@pytest.fixture
def people(app):
    owner = make_user("owner@example.org")
    other = make_user("other@example.org")
    return Actor(owner.id, owner.email), Actor(other.id, other.email)


def steps(recipient: Recipient) -> list[tuple]:
    db.session.expire_all()
    return [
        (r.step, r.state, r.due_at, r.attempt_at, r.attempts, r.last_error)
        for r in reminders_of(recipient)
    ]


def events(letter_id: int) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.letter_id == letter_id).order_by(AuditEvent.id)
        )
    )


def _letter(owner: Actor, **kwargs) -> Letter:
    return make_letter(db.session.get(User, owner.user_id), sent_on=SENT, **kwargs)


def test_undoing_a_withdrawal_brings_back_the_state_and_the_reminders_as_they_were(people):
    me, _ = people
    letter = _letter(me)
    recipient = letter.recipients[0]
    followup.snooze(me, recipient, 20, NOW.date(), NOW)  # the first two steps held
    before = steps(recipient)
    assert before[0][3] == NOW + timedelta(days=20)  # snoozed past its due time

    followup.withdraw_recipient(me, recipient, NOW)
    assert [s[1] for s in steps(recipient)] == ["cancelled"] * 3
    version = db.session.get(Recipient, recipient.id).version

    later = NOW + timedelta(minutes=5)
    assert undo.undo_withdraw(me, recipient, version, later) == "awaiting"
    db.session.expire_all()
    assert db.session.get(Recipient, recipient.id).state == "awaiting"
    assert steps(recipient) == before  # same due times, the snooze kept
    event = events(letter.id)[-1]
    assert event.action == "recipient.withdraw_undone"
    assert event.user_id == me.user_id and event.entity_id == recipient.id
    assert event.changes == {"state": ["withdrawn", "awaiting"]}
    # Undone once: there is nothing left to undo.
    with pytest.raises(ServiceError):
        undo.undo_withdraw(me, recipient, version, later)


def test_undoing_a_close_reopens_the_letter_and_its_awaited_recipients(people):
    me, _ = people
    letter = _letter(me, officials=("Minister A", "Minister B"))
    first, second = letter.recipients
    first.state = "acknowledged"  # acknowledged stays as it is: closing leaves it alone
    db.session.commit()
    before = [steps(first), steps(second)]

    letter_service.close_letter(me, letter, NOW)
    db.session.expire_all()
    letter = db.session.get(Letter, letter.id)
    assert letter.status == "closed"
    assert [r.state for r in letter.recipients] == ["acknowledged", "closed"]
    assert {s[1] for s in steps(second)} == {"cancelled"}

    names = undo.undo_close(me, letter, letter.version, NOW + timedelta(minutes=9))
    assert names == ["Minister B"]
    db.session.expire_all()
    letter = db.session.get(Letter, letter.id)
    assert (letter.status, letter.closed_at) == ("sent", None)
    assert [r.state for r in letter.recipients] == ["acknowledged", "awaiting"]
    assert [steps(first), steps(second)] == before
    event = events(letter.id)[-1]
    assert event.action == "letter.close_undone" and event.user_id == me.user_id
    assert event.changes == {"status": ["closed", "sent"], "awaited again": [[], ["Minister B"]]}


def test_another_user_cannot_undo(people):
    me, colleague = people
    letter = _letter(me)
    recipient = letter.recipients[0]
    followup.withdraw_recipient(me, recipient, NOW)
    version = db.session.get(Recipient, recipient.id).version
    with pytest.raises(ServiceError, match="Only the person who did this"):
        undo.undo_withdraw(colleague, recipient, version, NOW)
    letter_service.close_letter(me, letter, NOW)
    letter = db.session.get(Letter, letter.id)
    with pytest.raises(ServiceError, match="Only the person who did this"):
        undo.undo_close(colleague, letter, letter.version, NOW)
    with pytest.raises(ServiceError, match="Only the person"):
        undo.undo_close(Actor.system(), letter, letter.version, NOW)
    assert letter.status == "closed"


def test_no_undo_after_the_window(people):
    me, _ = people
    letter = _letter(me)
    recipient = letter.recipients[0]
    followup.withdraw_recipient(me, recipient, NOW)
    version = db.session.get(Recipient, recipient.id).version
    with pytest.raises(ServiceError, match="10 minutes"):
        undo.undo_withdraw(me, recipient, version, NOW + timedelta(minutes=11))
    db.session.expire_all()
    assert db.session.get(Recipient, recipient.id).state == "withdrawn"
    assert "recipient.withdraw_undone" not in [e.action for e in events(letter.id)]


def test_no_undo_after_a_change_since(people):
    me, colleague = people
    letter = _letter(me, officials=("Minister A", "Minister B"))
    first, second = letter.recipients
    followup.withdraw_recipient(me, first, NOW)
    version = db.session.get(Recipient, first.id).version
    # A version the row no longer has: refused.
    with pytest.raises(ServiceError, match="changed since"):
        undo.undo_withdraw(me, first, version - 1, NOW)
    # Anything written about the letter since (here a colleague's pause): refused.
    followup.pause_clock(colleague, second, NOW.date(), NOW)
    with pytest.raises(ServiceError, match="changed since"):
        undo.undo_withdraw(me, first, version, NOW + timedelta(minutes=1))
    db.session.expire_all()
    assert db.session.get(Recipient, first.id).state == "withdrawn"
    assert {s[1] for s in steps(first)} == {"cancelled"}

    other = _letter(me)
    letter_service.close_letter(me, other, NOW)
    closed = db.session.get(Letter, other.id)
    demand = closed.demands[0]
    letter_service.set_demand_outcome(me, demand, "met", "", demand.version, NOW)
    with pytest.raises(ServiceError, match="changed since"):
        undo.undo_close(me, closed, closed.version, NOW)
    assert db.session.get(Letter, other.id).status == "closed"


# --- the Undo form of the confirmation flash (tests/browser has it with CSRF, JS off) ---


def _undo_form(html: str, action: str) -> str:
    """The version the flash's Undo form posts to `action`."""
    match = re.search(
        rf'<form method="post" action="{re.escape(action)}" class="inline">.*?'
        r'name="version" value="(\d+)"',
        html,
        re.S,
    )
    assert match, f"no Undo form for {action}"
    return match.group(1)


def test_the_withdraw_flash_offers_undo_and_only_its_author_may_use_it(app, client, auth, users):
    letter = make_letter(db.session.get(User, users["editor"].id), sent_on=SENT)
    recipient = letter.recipients[0]
    auth.login("editor")
    response = client.post(f"/recipients/{recipient.id}/withdraw", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "President Example is withdrawn: no more reminders." in html
    action = f"/recipients/{recipient.id}/undo-withdraw"
    version = _undo_form(html, action)
    assert "Undo" in html
    assert client.post(action, data={"version": "x1"}).status_code == 400
    auth.logout()

    auth.login("admin")  # another user
    refused = client.post(action, data={"version": version})
    assert refused.status_code == 409
    assert "Only the person who did this can undo it." in refused.get_data(as_text=True)
    auth.logout()

    auth.login("editor")
    response = client.post(action, data={"version": version})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#ladder-{recipient.id}")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "President Example is awaiting again, as before." in html
    db.session.expire_all()
    assert db.session.get(Recipient, recipient.id).state == "awaiting"
    assert [r.state for r in reminders_of(recipient)].count("cancelled") < 3
    again = client.post(action, data={"version": version})
    assert again.status_code == 409
    auth.logout()
    auth.login("viewer")
    assert client.post(action, data={"version": version}).status_code == 403


def test_the_close_flash_offers_undo(app, client, auth, users):
    letter = make_letter(db.session.get(User, users["editor"].id), sent_on=SENT)
    auth.login("editor")
    html = client.post(f"/letters/{letter.id}/close", follow_redirects=True).get_data(as_text=True)
    action = f"/letters/{letter.id}/undo-close"
    version = _undo_form(html, action)
    response = client.post(action, data={"version": version})
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Letter {letter.reference} is open again; President Example awaited again." in html
    db.session.expire_all()
    assert db.session.get(Letter, letter.id).status == "sent"
    refused = client.post(action, data={"version": version})
    assert refused.status_code == 409
    assert "changed since" in refused.get_data(as_text=True)
