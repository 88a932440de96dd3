"""Real scheduler processes against a real SMTP server: exactly once, and crash recovery.

The sweeps run as OS processes (`flask tracker sweep` / `flask tracker scheduler`)
on the test's database; the SMTP server runs in this process and records what arrives.
"""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.support.followup_data import bulk_overdue, make_user
from tests.support.smtp_server import SmtpServer
from tracker.extensions import db
from tracker.models import Digest, Reminder, SchedulerHeartbeat, utcnow

ROOT = Path(__file__).resolve().parents[2]
DUE = datetime(2024, 3, 31, 9, tzinfo=UTC)


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


@pytest.fixture
def process_env(database_url, smtp, tmp_path):
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        MAIL_URL=smtp.url(),
        MAIL_TIMEOUT="5",
        TRACKER_INSTANCE_PATH=str(tmp_path / "process-instance"),
        SECRET_KEY="test-secret-key",
        TRACKER_BASE_URL="http://tracker.test",
        PYTHONUNBUFFERED="1",
    )
    return env


def flask_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "wsgi", "tracker", *args]


def start(env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        flask_command(*args),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen, timeout: float = 90) -> str:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err
    return out


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def claimed_count(output: str) -> int:
    return int(output.split("claimed ")[1].split(",")[0])


@pytest.mark.slow
def test_two_sweeps_at_once_send_each_of_1000_reminders_exactly_once(app, smtp, process_env):
    bulk_overdue(make_user("owner@example.org"), 1000, DUE)
    now = (DUE + timedelta(hours=1)).isoformat()
    processes = [start(process_env, "sweep", "--now", now) for _ in range(2)]
    outputs = [finish(process) for process in processes]

    received = smtp.messages
    assert len(received) == 1000
    assert len({message.message_id for message in received}) == 1000
    assert sum(claimed_count(output) for output in outputs) == 1000
    db.session.rollback()
    sent = db.session.scalar(select(func.count()).where(Reminder.state == "sent"))
    assert sent == 1000


def test_a_sweep_killed_mid_send_is_finished_by_the_next_with_the_same_message_id(
    app, smtp, process_env
):
    bulk_overdue(make_user("owner@example.org"), 20, DUE)
    now = DUE + timedelta(hours=1)
    victim: list[subprocess.Popen] = []
    killed_ids: list[str] = []

    def kill_on_fifth(message) -> None:
        # The server has the fifth email; the scheduler dies before hearing "250".
        if len(smtp.messages) == 4 and not killed_ids:
            killed_ids.append(message.message_id)
            os.kill(victim[0].pid, signal.SIGKILL)

    smtp.handler.on_message = kill_on_fifth
    victim.append(start(process_env, "sweep", "--now", now.isoformat()))
    victim[0].communicate(timeout=60)
    assert victim[0].returncode == -signal.SIGKILL
    smtp.handler.on_message = None
    assert len(smtp.messages) == 5

    # Restarted at once: everything else goes out; the dead claim waits for its lease.
    assert claimed_count(finish(start(process_env, "sweep", "--now", now.isoformat()))) == 15
    assert len(smtp.messages) == 20
    # After the lease (300 s by default) the claim is taken over and sent again.
    after_lease = (now + timedelta(seconds=301)).isoformat()
    assert claimed_count(finish(start(process_env, "sweep", "--now", after_lease))) == 1

    counts = collections.Counter(message.message_id for message in smtp.messages)
    assert len(counts) == 20  # every due reminder arrived
    assert [mid for mid, n in counts.items() if n > 1] == killed_ids  # one duplicate, same ID
    db.session.rollback()
    states = db.session.scalars(select(Reminder.state)).all()
    assert states == ["sent"] * 20


def test_the_scheduler_process_sweeps_beats_and_recovers_from_sigkill(app, smtp, process_env):
    bulk_overdue(make_user("owner@example.org"), 12, utcnow() - timedelta(hours=1))
    env = process_env | {"TRACKER_SWEEP_SECONDS": "1", "TRACKER_LEASE_SECONDS": "2"}
    scheduler: list[subprocess.Popen] = []
    killed: list[str] = []

    def kill_on_third(message) -> None:
        if len(smtp.messages) == 2 and not killed:
            killed.append(message.message_id)
            os.kill(scheduler[0].pid, signal.SIGKILL)

    smtp.handler.on_message = kill_on_third
    scheduler.append(start(env, "scheduler"))
    scheduler[0].communicate(timeout=60)
    assert scheduler[0].returncode == -signal.SIGKILL
    smtp.handler.on_message = None

    restarted = start(env, "scheduler")
    try:
        wait_for(lambda: len({m.message_id for m in smtp.messages}) == 12, 60, "every reminder")
        db.session.rollback()
        wait_for(
            lambda: (
                db.session.rollback()
                or db.session.scalar(select(func.count()).select_from(SchedulerHeartbeat)) >= 1
            ),
            10,
            "a heartbeat",
        )
    finally:
        restarted.send_signal(signal.SIGTERM)
        _out, err = restarted.communicate(timeout=30)
    assert restarted.returncode == 0, err
    counts = collections.Counter(m.message_id for m in smtp.messages)
    assert sum(counts.values()) - len(counts) <= 1
    assert all(mid in killed for mid, n in counts.items() if n > 1)
    beat = db.session.scalars(select(SchedulerHeartbeat)).first()
    assert beat is not None and beat.beat_at > utcnow() - timedelta(seconds=30)


def test_a_sweep_killed_while_a_digest_is_on_the_wire_delivers_it_after_restart(
    app, smtp, process_env
):
    bulk_overdue(make_user("reader@example.org", delivery="digest"), 5, DUE)
    assert "queued 5" in finish(start(process_env, "sweep", "--now", DUE.isoformat()))
    assert smtp.messages == []
    eight = datetime(2024, 4, 1, 8, tzinfo=UTC)
    victim: list[subprocess.Popen] = []

    def kill_on_digest(message) -> None:
        # The server has the digest; the scheduler dies before hearing "250".
        os.kill(victim[0].pid, signal.SIGKILL)

    smtp.handler.on_message = kill_on_digest
    victim.append(start(process_env, "sweep", "--now", eight.isoformat()))
    victim[0].communicate(timeout=60)
    assert victim[0].returncode == -signal.SIGKILL
    smtp.handler.on_message = None

    # Restarted at once: the claim holds until its lease ends, then the digest goes again.
    assert "digests 0" in finish(start(process_env, "sweep", "--now", eight.isoformat()))
    db.session.rollback()
    assert set(db.session.scalars(select(Reminder.state))) == {"queued"}  # not delivered yet
    after_lease = (eight + timedelta(seconds=301)).isoformat()
    assert "digests 1" in finish(start(process_env, "sweep", "--now", after_lease))

    first, second = smtp.messages  # one duplicate at most, with the same Message-ID
    assert first.message_id == second.message_id
    assert first.part("plain") == second.part("plain")
    for number in range(5):
        assert f"Official {number:05d}" in second.part("plain")
    db.session.rollback()
    assert db.session.scalars(select(Digest.state)).all() == ["sent"]
    assert db.session.scalars(select(Reminder.state)).all() == ["sent"] * 5
