"""The sweep in one process, delivering to the local outbox (no MAIL_URL)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, select

from tests.support.followup_data import make_letter, make_user, reminders_of
from tracker.extensions import db
from tracker.mail import Mailer
from tracker.models import MailMessage, OutboxMessage, Reminder
from tracker.services import followup, responses
from tracker.services.audit import Actor
from tracker.services.mailbox.holds import RECHECK
from tracker.services.reminders.sweep import claim_next, process, run_sweep

SENT = date(2024, 3, 1)
DUE = datetime(2024, 3, 31, 9, tzinfo=UTC)  # step 0 at 09:00 on the due date


def outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


@pytest.fixture
def owner(app):
    return make_user("owner@example.org")


def test_nothing_goes_out_before_it_is_due(owner):
    make_letter(owner, sent_on=SENT)
    result = run_sweep(DUE - timedelta(minutes=1))
    assert result.claimed == 0
    assert outbox() == []


def test_a_due_reminder_lands_in_the_outbox_once_with_what_staff_need(owner):
    watcher = make_user("watcher@example.org")
    letter = make_letter(owner, sent_on=SENT, watchers=(watcher,))
    now = DUE + timedelta(days=3)
    letter.demands[1].outcome = "rejected"
    db.session.commit()

    result = run_sweep(now)

    assert (result.claimed, result.sent) == (1, 1)
    [message] = outbox()
    reminder = reminders_of(letter.recipients[0])[0]
    assert reminder.state == "sent"
    assert reminder.sent_at is not None and reminder.sent_at >= now
    assert message.reminder_id == reminder.id
    assert message.message_id == reminder.message_id
    assert message.recipients == "owner@example.org, watcher@example.org"
    assert message.subject == f"[{letter.reference}] Follow-up: {letter.subject}"
    # The letter's first reminder that went out starts its thread.
    assert "In-Reply-To" not in message.headers
    db.session.refresh(letter)
    assert letter.thread_message_id == reminder.message_id
    text = message.body_text
    assert text.startswith("No response from President Example")
    assert "Sent on 2024-03-01" in text
    assert "was due on 2024-03-31 (3 days overdue)" in text
    assert "Lift the sanctions" in text and "Disavow the threats" not in text
    recipient_id = letter.recipients[0].id
    assert f"http://tracker.test/recipients/{recipient_id}/snooze" in text
    assert f"http://tracker.test/recipients/{recipient_id}/follow-up-sent" in text
    assert f"http://tracker.test/letters/{letter.id}" in text
    assert f'href="http://tracker.test/recipients/{recipient_id}/snooze"' in message.body_html
    assert run_sweep(now + timedelta(minutes=1)).claimed == 0


def test_open_demands_are_listed_in_their_order_whatever_their_text(owner):
    titles = ("Zéro « délai »", 'Say "no" \\ to [this], {that}', "A list: one, two", "Answered")
    letter = make_letter(owner, sent_on=SENT, demands=titles)
    # Positions, not the order the rows were written in, order the list.
    for demand, position in zip(letter.demands, (3, 1, 2, 4), strict=True):
        demand.position = position
    letter.demands[3].outcome = "met"
    db.session.commit()
    assert run_sweep(DUE).sent == 1
    [message] = outbox()
    listed = message.body_text.split("Demands still open:\n")[1].split("\n\n")[0]
    assert listed.splitlines() == [f"  - {title}" for title in (titles[1], titles[2], titles[0])]


def test_links_keep_the_base_url_path(make_app):
    from tracker.services.reminders.email import _url_adapter, external_url

    app = make_app(TRACKER_BASE_URL="https://example.org/tracker")
    with app.app_context():
        adapter = _url_adapter(app.url_map, "https://example.org/tracker")
        for letter_id, recipient_id in ((1, 2), (7919, 0), (123456789, 42)):
            built = adapter.build(
                "responses.new",
                {"letter_id": letter_id, "recipient": recipient_id},
                force_external=True,
            )
            assert (
                built
                == f"https://example.org/tracker/letters/{letter_id}/responses/new?recipient={recipient_id}"
            )
            assert (
                external_url("responses.new", letter_id=letter_id, recipient=recipient_id) == built
            )
            snooze = external_url("followup.snooze_form", recipient_id=recipient_id)
            assert snooze == f"https://example.org/tracker/recipients/{recipient_id}/snooze"


def test_html_in_names_is_escaped_in_the_html_part(owner):
    make_letter(owner, sent_on=SENT, officials=("<b>Minister</b>",))
    run_sweep(DUE)
    [message] = outbox()
    assert "&lt;b&gt;Minister&lt;/b&gt;" in message.body_html
    assert "<b>Minister</b>" not in message.body_html


def test_a_scheduler_stopped_for_three_days_sends_each_due_step_once(owner):
    letter = make_letter(owner, sent_on=SENT, officials=("A", "B"))
    stopped_until = DUE + timedelta(days=3)
    # Whatever the number of missed intervals, one catching-up sweep...
    assert run_sweep(stopped_until).sent == 2
    # ...and the following ones, find nothing more until the next step is due.
    for minutes in range(1, 6):
        assert run_sweep(stopped_until + timedelta(minutes=minutes)).claimed == 0
    assert len(outbox()) == 2
    assert run_sweep(DUE + timedelta(days=14)).sent == 2
    assert {r.recipient_id for r in db.session.scalars(select(Reminder))} == {
        r.id for r in letter.recipients
    }
    assert len({m.message_id for m in outbox()}) == 4


def test_steps_overtaken_while_stopped_give_way_to_the_latest(owner):
    letter = make_letter(owner, sent_on=SENT)
    result = run_sweep(DUE + timedelta(days=20))
    assert (result.sent, result.cancelled) == (1, 1)  # "follow up", not also "no response"
    assert [row.state for row in reminders_of(letter.recipients[0])] == [
        "cancelled",
        "sent",
        "pending",
    ]


def test_a_substantive_response_before_the_due_date_means_no_reminder_ever(owner):
    letter = make_letter(owner, sent_on=SENT)
    recipient = letter.recipients[0]
    responses.record_response(
        Actor.system("test"),
        letter,
        responses.ResponseInput(
            recipient_id=recipient.id, received_on=date(2024, 3, 20), kind="substantive"
        ),
        datetime(2024, 3, 20, 15, tzinfo=UTC),
    )
    for days in (0, 14, 44, 400):
        run_sweep(DUE + timedelta(days=days))
    assert outbox() == []
    assert [row.state for row in reminders_of(recipient)] == ["cancelled"] * 3


def test_the_sweep_rechecks_and_cancels_what_is_no_longer_wanted(owner):
    letter = make_letter(owner, sent_on=SENT)
    # Closed behind the planner's back (no re-plan): the sweep still must not send.
    letter.status = "closed"
    db.session.commit()
    result = run_sweep(DUE)
    assert (result.claimed, result.cancelled, result.sent) == (1, 1, 0)
    assert outbox() == []


def test_a_claim_whose_lease_ran_out_is_sent_by_the_next_sweep(owner):
    letter = make_letter(owner, sent_on=SENT)
    lease_until = DUE + timedelta(minutes=5)
    assert claim_next(DUE, lease_until, "crashed:1") is not None
    # The crashed scheduler's claim holds until its lease ends...
    assert run_sweep(DUE + timedelta(minutes=4)).claimed == 0
    # ...then another scheduler takes it over, with the same Message-ID.
    assert run_sweep(lease_until).sent == 1
    reminder = reminders_of(letter.recipients[0])[0]
    assert reminder.attempts == 2
    assert outbox()[0].message_id == reminder.message_id


def test_a_sweep_that_outlived_its_lease_does_not_overwrite_the_new_claim(owner):
    letter = make_letter(owner, sent_on=SENT)
    lease = timedelta(minutes=5)
    db.session.rollback()
    with db.engine.connect() as connection, Mailer() as mailer:
        slow = claim_next(DUE, DUE + lease, "slow:1", connection=connection)
        taken_over = claim_next(DUE + lease, DUE + 2 * lease, "fast:2", connection=connection)
        assert taken_over is not None and taken_over.id == slow.id
        # The slow sweep's email went out (a duplicate the lease allows), but its
        # result must not end the claim that the faster sweep now holds.
        assert process(connection, slow, "slow:1", DUE + lease, mailer) == "sent"
    reminder = reminders_of(letter.recipients[0])[0]
    assert (reminder.state, reminder.claimed_by, reminder.attempts) == ("sending", "fast:2", 2)
    assert reminder.lease_until == DUE + 2 * lease


def test_escalation_also_tells_the_admins_and_skips_inactive_users(owner):
    make_user("boss@example.org", role="admin")
    gone = make_user("gone@example.org", role="admin")
    gone.is_active_account = False
    db.session.commit()
    make_letter(owner, sent_on=SENT)
    run_sweep(DUE + timedelta(days=45))
    [message] = outbox()
    assert message.body_text.startswith("Escalate: still no response from President Example")
    assert message.recipients == "owner@example.org, boss@example.org"
    # Admins are told why an escalation reaches them.
    assert "every escalation also goes to the administrators" in message.body_text


def test_limit_caps_one_sweep(owner):
    make_letter(owner, sent_on=SENT, officials=("A", "B", "C"))
    assert run_sweep(DUE, limit=2).claimed == 2
    assert run_sweep(DUE).claimed == 1


def test_an_idle_sweep_is_a_few_index_probes(owner):
    for _ in range(5):
        make_letter(owner, sent_on=SENT, officials=("A", "B"))
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        run_sweep(DUE - timedelta(days=1))
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    # Two claim probes (expired claims, due ones) for reminders, and two for digests.
    assert len(statements) == 4


def test_a_claim_moves_the_reminders_counter_and_an_idle_sweep_does_not(owner):
    from tracker.queries.cache import data_and_reminders_version

    def committed_version() -> tuple[int, int] | None:
        db.session.rollback()  # read what is committed now
        return data_and_reminders_version()

    make_letter(owner, sent_on=SENT)
    first = committed_version()
    assert run_sweep(DUE - timedelta(minutes=1)).claimed == 0
    assert committed_version() == first
    # A claim on its own (its scheduler died before sending) is a write the cache sees.
    assert claim_next(DUE, DUE + timedelta(minutes=5), "crashed:1") is not None
    claimed = committed_version()
    assert claimed[1] != first[1] and claimed[0] == first[0]  # the grouped figures stay
    assert run_sweep(DUE + timedelta(minutes=1)).claimed == 0
    assert committed_version() == claimed
    assert run_sweep(DUE + timedelta(minutes=5)).sent == 1
    assert committed_version() != claimed


def test_followup_clock_changes_after_sending_keep_history(owner):
    letter = make_letter(owner, sent_on=SENT)
    recipient = letter.recipients[0]
    run_sweep(DUE)
    followup.extend_clock(Actor.system("t"), recipient, 30, date(2024, 4, 1), DUE)
    rows = reminders_of(recipient)
    assert rows[0].state == "sent" and rows[0].due_at == DUE
    assert rows[1].state == "pending" and rows[1].due_at.date() == date(2024, 5, 14)


def test_a_reply_waiting_for_review_holds_the_reminder_without_costing_an_attempt(owner):
    letter = make_letter(owner, sent_on=SENT)
    recipient = letter.recipients[0]
    reply = MailMessage(
        direction="in",
        source="imap",
        dedupe_key="held-reply",
        letter_id=letter.id,
        recipient_id=recipient.id,
        state="attached",
        review_state="to_review",
    )
    db.session.add(reply)
    db.session.commit()

    result = run_sweep(DUE)

    assert (result.claimed, result.sent) == (1, 0)
    assert outbox() == []
    reminder = reminders_of(recipient)[0]
    assert (reminder.state, reminder.attempts) == ("pending", 0)
    assert DUE + RECHECK <= reminder.attempt_at < DUE + RECHECK + timedelta(minutes=1)
    assert run_sweep(DUE + RECHECK - timedelta(minutes=1)).claimed == 0

    reply.review_state = "reviewed"
    db.session.commit()
    assert run_sweep(DUE + RECHECK + timedelta(minutes=1)).sent == 1
    assert len(outbox()) == 1
