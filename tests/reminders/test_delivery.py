"""Delivery guarantees against the real aiosmtpd server: digests, outages, per-address
answers. Sweeps run in this process with simulated times (`run_sweep(now)` is what
`flask tracker sweep --now` runs)."""

from __future__ import annotations

import collections
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.support.followup_data import bulk_overdue, make_letter, make_user, reminders_of
from tests.support.smtp_server import SilentRelay, SmtpServer
from tracker.extensions import db
from tracker.models import Digest, Reminder, User
from tracker.services.reminders.sweep import run_sweep

SENT = date(2024, 3, 1)
DUE = datetime(2024, 3, 31, 9, tzinfo=UTC)
NEXT_EIGHT = datetime(2024, 4, 1, 8, tzinfo=UTC)  # a UTC digest reader's next digest


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


@pytest.fixture
def app(make_app, smtp):
    """The app (and so `users`, `auth` and `client`) sends through the test server."""
    # One step, so a sweep at today's date (after "Retry") finds nothing else to send.
    app = make_app(MAIL_URL=smtp.url(), MAIL_TIMEOUT=2, TRACKER_LADDER="0:no_response")
    with app.app_context():
        yield app


def step_zero_states() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(Reminder.state).where(Reminder.step == 0)))


def test_a_digest_refused_with_550_fails_on_every_letter_and_retry_sends_it(
    app, smtp, users, auth, client
):
    reader = db.session.get(User, users["editor"].id)
    reader.reminder_delivery = "digest"
    db.session.commit()
    letters = [make_letter(reader, sent_on=SENT) for _ in range(2)]
    assert run_sweep(DUE).queued == 2
    assert step_zero_states() == ["queued", "queued"]

    smtp.handler.permanent_failure = True
    result = app.test_cli_runner().invoke(
        args=["tracker", "sweep", "--now", NEXT_EIGHT.isoformat()]
    )
    references = ", ".join(letter.reference for letter in letters)
    assert (
        f"failed: digest to {reader.email} ({references}): "
        "550 5.7.1 Message rejected: relaying denied"
    ) in result.output
    assert step_zero_states() == ["failed", "failed"]
    auth.login("editor")
    for letter in letters:
        [reminder, *_] = reminders_of(letter.recipients[0])
        assert reminder.last_error == (
            f"digest to {reader.email}: 550 5.7.1 Message rejected: relaying denied"
        )
        page = client.get(f"/letters/{letter.id}").get_data(as_text=True)
        assert "badge-failed" in page and "550 5.7.1" in page

    # "Retry" on one letter sends the digest again, for both letters it carries.
    smtp.handler.permanent_failure = False
    [reminder, *_] = reminders_of(letters[0].recipients[0])
    assert client.post(f"/reminders/{reminder.id}/retry").status_code == 302
    assert step_zero_states() == ["queued", "queued"]
    assert run_sweep(datetime.now(UTC)).digests == 1  # "Retry" makes it due now
    assert step_zero_states() == ["sent", "sent"]
    [digest] = db.session.scalars(select(Digest)).all()
    [received] = smtp.messages
    assert received.message_id == digest.message_id
    assert received.rcpt_tos == (reader.email,)
    for letter in letters:
        assert letter.reference in received.part("plain")
    assert smtp.handler.attempts == 2


def test_a_tried_digest_keeps_its_content_and_later_reminders_wait_for_the_next(app, smtp):
    reader = make_user("reader@example.org", delivery="digest")
    early = make_letter(reader, sent_on=SENT)
    run_sweep(DUE)
    smtp.handler.temporary_failures = 1
    assert run_sweep(NEXT_EIGHT).retried == 1
    # Due after the digest's first try: it goes into the next digest, since a retried
    # digest must be the same email (a duplicate after a crash, too).
    late = make_letter(reader, sent_on=date(2024, 3, 2))
    result = run_sweep(DUE + timedelta(days=1))
    assert (result.queued, result.digests) == (1, 1)
    assert run_sweep(NEXT_EIGHT + timedelta(days=1)).digests == 1
    first, second = smtp.messages
    assert first.message_id != second.message_id
    for received, letter in ((first, early), (second, late)):
        assert received.message["Subject"].startswith("Tracker digest: 1 reminder about 1 letter")
        assert letter.reference in received.part("plain")
    assert step_zero_states() == ["sent", "sent"]


def test_a_relay_down_for_ten_hours_fails_nothing_and_delivers_everything_once(
    make_app, users, auth, client
):
    relay = SmtpServer()  # its port is chosen; nothing listens until it starts
    app = make_app(MAIL_URL=relay.url(), MAIL_TIMEOUT=1)
    with app.app_context():
        owner = make_user("owner@example.org")
        reader = make_user("reader@example.org", delivery="digest")
        make_letter(owner, sent_on=SENT, officials=("A", "B", "C"), watchers=(reader,))
        cli = app.test_cli_runner()
        for minutes in range(0, 600, 10):
            now = DUE + timedelta(minutes=minutes)
            output = cli.invoke(args=["tracker", "sweep", "--now", now.isoformat()]).output
            assert "failed 0" in output and "failed:" not in output
        states = db.session.scalars(select(Reminder.state).where(Reminder.step == 0)).all()
        assert states == ["pending"] * 3
        assert max(r.attempts for r in db.session.scalars(select(Reminder))) == 0
        health = client.get("/healthz").get_json()
        assert health["mail_server"] == "unreachable"
        assert health["mail_server_unreachable_since"].startswith("2024-03-31T09:00")
        auth.login("editor")
        assert "mail server has been unreachable since 2024-03-31 09:00" in client.get(
            "/"
        ).get_data(as_text=True)

        with relay:
            # Back after ten hours: within one back-off (at most 15 minutes), all go out.
            back = DUE + timedelta(hours=10)
            sweeps = [run_sweep(back + timedelta(minutes=m)) for m in range(0, 30, 5)]
            # Sent to the owner; in the watcher's digest, which goes at 08:00.
            handled = [r.queued for r in sweeps]
            assert sum(handled) == sum(handled[:4]) == 3
            assert run_sweep(NEXT_EIGHT).digests == 1
            assert step_zero_states() == ["sent"] * 3
            assert run_sweep(NEXT_EIGHT + timedelta(hours=1)).digests == 0
            received = relay.messages
        assert client.get("/healthz").get_json()["mail_server"] == "ok"
    counts = collections.Counter((m.message_id, m.rcpt_tos) for m in received)
    assert len(counts) == 4 and set(counts.values()) == {1}  # three reminders, one digest
    assert {m.rcpt_tos for m in received} == {("owner@example.org",), ("reader@example.org",)}


def test_a_silent_relay_costs_one_timeout_per_sweep_not_one_per_reminder(make_app):
    with SilentRelay() as relay:
        app = make_app(MAIL_URL=relay.url(), MAIL_TIMEOUT=1)
        with app.app_context():
            bulk_overdue(make_user("owner@example.org"), 1000, DUE)
            started = time.monotonic()
            result = run_sweep(DUE)
            assert time.monotonic() - started < 3
            assert (result.claimed, result.failed, relay.connections) == (1, 0, 1)
            assert "timed out" in result.unreachable
            # The whole mailer backs off: the next sweeps do not even connect...
            assert run_sweep(DUE + timedelta(seconds=30)).claimed == 0
            assert relay.connections == 1
            # ...until the back-off ends, and then it costs one timeout again.
            started = time.monotonic()
            assert run_sweep(DUE + timedelta(minutes=2)).claimed == 1
            assert time.monotonic() - started < 3
            assert relay.connections == 2
            states = collections.Counter(db.session.scalars(select(Reminder.state)))
            assert states == {"pending": 1000}


def test_a_greylisted_watcher_gets_the_reminder_and_the_owner_gets_it_once(app, smtp):
    owner = make_user("owner@example.org")
    watcher = make_user("watcher@example.org")
    letter = make_letter(owner, sent_on=SENT, watchers=(watcher,))
    smtp.handler.greylisted = {"watcher@example.org": 1}
    assert run_sweep(DUE).retried == 1
    [reminder, *_] = reminders_of(letter.recipients[0])
    assert reminder.state == "pending"
    assert reminder.delivered_to == "owner@example.org"
    assert reminder.refused_recipients.startswith("watcher@example.org: 450 4.2.0")
    assert run_sweep(reminder.attempt_at).sent == 1
    db.session.refresh(reminder)
    assert (reminder.state, reminder.refused_recipients) == ("sent", "")
    assert reminder.delivered_to.split() == ["owner@example.org", "watcher@example.org"]
    assert [m.rcpt_tos for m in smtp.messages] == [
        ("owner@example.org",),
        ("watcher@example.org",),
    ]
    assert {m.message_id for m in smtp.messages} == {reminder.message_id}


def test_a_refused_address_is_recorded_while_a_greylisted_one_is_retried(app, smtp):
    owner = make_user("owner@example.org")
    gone, later = make_user("gone@example.org"), make_user("later@example.org")
    letter = make_letter(owner, sent_on=SENT, watchers=(gone, later))
    smtp.handler.refused_addresses = {"gone@example.org"}
    smtp.handler.greylisted = {"later@example.org": 1}
    run_sweep(DUE)
    [reminder, *_] = reminders_of(letter.recipients[0])
    run_sweep(reminder.attempt_at)
    db.session.refresh(reminder)
    assert reminder.state == "sent"
    assert reminder.refused_recipients.startswith("gone@example.org: 550 5.1.1")
    # The refused address is not tried again: only the greylisted one was.
    assert [m.rcpt_tos for m in smtp.messages] == [
        ("owner@example.org",),
        ("later@example.org",),
    ]
    assert smtp.handler.rcpt_attempts.count("gone@example.org") == 1
    assert smtp.handler.rcpt_attempts.count("later@example.org") == 2


def test_the_last_addresses_refused_for_good_leave_a_reminder_sent_to_the_others(app, smtp):
    owner, later = make_user("owner@example.org"), make_user("later@example.org")
    letter = make_letter(owner, sent_on=SENT, watchers=(later,))
    smtp.handler.greylisted = {"later@example.org": 1}
    run_sweep(DUE)
    [reminder, *_] = reminders_of(letter.recipients[0])
    smtp.handler.refused_addresses = {"later@example.org"}  # then it says: no such mailbox
    assert run_sweep(reminder.attempt_at).sent == 1
    db.session.refresh(reminder)
    assert (reminder.state, reminder.delivered_to) == ("sent", "owner@example.org")
    assert reminder.refused_recipients.startswith("later@example.org: 550 5.1.1")


def test_4xx_fails_a_reminder_only_after_the_configured_time(make_app, smtp):
    app = make_app(MAIL_URL=smtp.url(), MAIL_TIMEOUT=2, MAIL_GIVE_UP_HOURS=72)
    with app.app_context():
        letter = make_letter(make_user("owner@example.org"), sent_on=SENT)
        smtp.handler.temporary_failures = 10_000
        [reminder, *_] = reminders_of(letter.recipients[0])
        now = DUE
        while True:
            result = run_sweep(now)
            db.session.refresh(reminder)
            if reminder.state == "failed":
                break
            assert result.retried == 1 and now - DUE < timedelta(hours=72)
            now = reminder.attempt_at
        assert now - DUE >= timedelta(hours=72)
        assert reminder.attempts > 6  # attempts no longer decide; the time does
        assert reminder.last_error.startswith("still refused after 72 hours: 451 4.3.0")


def test_each_smtp_error_is_logged_once_and_without_the_password(make_app, caplog):
    with SmtpServer(login=("tracker", "s3cret-pw")) as server:
        app = make_app(MAIL_URL=server.url("tracker", "wrong-pw"), MAIL_TIMEOUT=2)
        with app.app_context():
            make_letter(make_user("owner@example.org"), sent_on=SENT, officials=("A", "B"))
            with caplog.at_level("WARNING"):
                for minutes in range(0, 60, 5):  # an hour of sweeps against a refused login
                    run_sweep(DUE + timedelta(minutes=minutes))
    outage_lines = [r for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(outage_lines) == 1
    assert "refused the login: 535" in outage_lines[0].getMessage()
    assert "pw" not in caplog.text


def test_a_refused_reminder_is_logged_once_with_its_letter(app, smtp, caplog):
    letter = make_letter(make_user("owner@example.org"), sent_on=SENT)
    smtp.handler.permanent_failure = True
    with caplog.at_level("WARNING"):
        result = run_sweep(DUE)
        run_sweep(DUE + timedelta(hours=1))
    expected = f"{letter.reference} no response about President Example"
    assert result.failures == [f"{expected}: 550 5.7.1 Message rejected: relaying denied"]
    assert [r.getMessage() for r in caplog.records if "550" in r.getMessage()] == [
        f"{expected}: 550 5.7.1 Message rejected: relaying denied (failed)"
    ]


def test_a_long_sweep_beats_while_it_runs(make_app, smtp):
    from tracker import scheduler
    from tracker.models import SchedulerHeartbeat

    app = make_app(MAIL_URL=smtp.url(), MAIL_TIMEOUT=5, TRACKER_SWEEP_SECONDS=1)
    beats_seen_by_the_server: list[int] = []
    count_beats = select(func.count()).select_from(SchedulerHeartbeat)

    with app.app_context():
        engine = db.engine

        def slow_server(message) -> None:
            time.sleep(0.4)  # a slow relay: six emails take over two seconds
            with engine.connect() as connection:
                beats_seen_by_the_server.append(connection.scalar(count_beats))

        overdue_since = datetime.now(UTC).date() - timedelta(days=31)
        make_letter(
            make_user("owner@example.org"), sent_on=overdue_since, officials=tuple("ABCDEF")
        )
        smtp.handler.on_message = slow_server
        scheduler.tick(app, "long-sweep", datetime.now(UTC))
    assert len(smtp.messages) == 6
    # No beat before the sweep began; beats while it still sends.
    assert beats_seen_by_the_server[0] == 0 and beats_seen_by_the_server[-1] == 1


def test_a_digest_that_met_an_outage_is_sealed_all_the_same(make_app):
    relay = SmtpServer()  # not listening yet
    app = make_app(MAIL_URL=relay.url(), MAIL_TIMEOUT=1)
    with app.app_context():
        reader = make_user("reader@example.org", delivery="digest")
        make_letter(reader, sent_on=SENT)
        assert run_sweep(DUE).queued == 1  # nobody to email at once: no server needed
        assert run_sweep(NEXT_EIGHT).unreachable
        # The server may have had it before the connection died: its content is fixed.
        make_letter(reader, sent_on=date(2024, 3, 2))
        assert run_sweep(DUE + timedelta(days=1)).queued == 1
        with relay:
            assert run_sweep(DUE + timedelta(days=1, minutes=30)).digests == 1
            assert run_sweep(NEXT_EIGHT + timedelta(days=1)).digests == 1
            subjects = [m.message["Subject"] for m in relay.messages]
        counts = db.session.scalars(select(Digest.reminder_count).order_by(Digest.id)).all()
    assert counts == [1, 1]
    assert all("1 reminder about 1 letter" in subject for subject in subjects)
