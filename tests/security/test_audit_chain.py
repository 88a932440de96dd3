"""The audit trail's hash chain: `flask tracker audit-verify` finds a tampered row."""

from __future__ import annotations

from sqlalchemy import text

from tracker.cli import tracker_cli
from tracker.extensions import db
from tracker.services.audit import Actor, record


def run_verify(app):
    return app.test_cli_runner().invoke(tracker_cli, ["audit-verify"])


def write_events(count: int) -> None:
    for number in range(count):
        record(Actor(None, "test", "192.0.2.1"), "test.event", summary=f"event {number}")
    db.session.commit()


def test_an_untouched_trail_verifies_and_new_events_are_sealed(app):
    write_events(5)
    first = run_verify(app)
    assert first.exit_code == 0, first.output
    assert "5 events (5 newly sealed)" in first.output
    write_events(2)
    assert "7 events (2 newly sealed)" in run_verify(app).output


def test_a_changed_row_is_found(app):
    write_events(5)
    assert run_verify(app).exit_code == 0
    db.session.execute(text("UPDATE audit_events SET summary = 'nothing happened' WHERE id = 3"))
    db.session.commit()
    result = run_verify(app)
    assert result.exit_code == 1
    assert "event id 3 (test.event) was changed after sealing" in result.output


def test_a_deleted_row_is_found(app):
    write_events(5)
    assert run_verify(app).exit_code == 0
    db.session.execute(text("DELETE FROM audit_events WHERE id = 2"))
    db.session.commit()
    result = run_verify(app)
    assert result.exit_code == 1
    assert "missing" in result.output
