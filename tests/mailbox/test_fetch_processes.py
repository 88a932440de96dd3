"""Two `flask tracker fetch-mail` processes at once, and one killed halfway: each message once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from tests.support import mail_samples
from tracker.extensions import db
from tracker.models import MailMessage

ROOT = Path(__file__).resolve().parents[2]
COUNT = 30


def _env(database_url, imap, tmp_path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        INBOUND_URL=imap.url(),
        INBOUND_CA_FILE=str(imap.ca_file),
        TRACKER_INSTANCE_PATH=str(tmp_path / "process-instance"),
        SECRET_KEY="test-secret-key",
        TRACKER_BASE_URL="http://tracker.test",
    )
    return env


def _start(env) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "tracker", "fetch-mail"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _stored() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(MailMessage)) or 0


def test_two_passes_at_once_and_a_killed_pass_take_each_message_once(
    mail_app, imap, database_url, tmp_path
):
    for n in range(COUNT):
        imap.append(mail_samples.reply(sender=f"s{n}@x.example", subject=f"Message {n}"))
    env = _env(database_url, imap, tmp_path)
    killed = _start(env)
    deadline = time.monotonic() + 60
    while _stored() == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    killed.send_signal(signal.SIGKILL)
    killed.communicate()
    assert 0 < _stored() < COUNT
    first, second = _start(env), _start(env)
    for process in (first, second):
        _out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    assert _stored() == COUNT
    subjects = db.session.scalars(select(MailMessage.subject)).all()
    assert sorted(subjects) == sorted(f"Message {n}" for n in range(COUNT))
    assert imap.uids(criteria=["UNKEYWORD", "$TrackerTaken"]) == []
