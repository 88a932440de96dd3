"""`flask tracker demo`: the real CICC letter plus a generated, deterministic history."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from tracker.domain.deadlines import due_date
from tracker.extensions import db
from tracker.models import Letter, Official, Recipient, Reminder, Response, utcnow
from tracker.queries.dashboard.figures import headline
from tracker.queries.dashboard.scope import Scope
from tracker.queries.dashboard.tables import campaign_summary
from tracker.services.demo import load_demo

TODAY = date(2025, 3, 1)


def _fingerprint() -> list[tuple]:
    rows = db.session.execute(
        select(Letter.reference, Letter.sent_on, Letter.status, Recipient.state, Official.name)
        .join(Recipient, Recipient.letter_id == Letter.id)
        .join(Official, Official.id == Recipient.official_id)
        .order_by(Letter.reference, Official.name)
    )
    return [(reference.removesuffix("-2"), *rest) for reference, *rest in rows]


def test_cli_loads_the_demo_then_refuses_a_second_time(app, users):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tracker", "demo"])
    assert result.exit_code == 0, result.output
    assert "Demo data loaded: 361 letters" in result.output
    again = runner.invoke(args=["tracker", "demo"])
    assert again.exit_code == 1
    assert "already has 361 letters" in again.output
    assert "--force" in again.output
    forced = runner.invoke(args=["tracker", "demo", "--force", "--letters", "20"])
    assert forced.exit_code == 0, forced.output
    assert db.session.scalar(select(func.count()).select_from(Letter)) == 361 + 21


def test_the_cicc_letter_is_parsed_into_recipients_and_demands(app, users):
    load_demo(utcnow(), TODAY, letters=10)
    letter = db.session.scalar(select(Letter).where(Letter.reference == "CICC-2020-001"))
    assert letter.sent_on == date(2020, 3, 27)
    assert letter.owner.email == users["admin"].email  # the first account
    assert [(r.official.name, r.role, r.expects_answer) for r in letter.recipients] == [
        ("Donald J. Trump", "to", True),
        ("Michael R. Pompeo", "cc", False),
    ]
    assert len(letter.demands) == 5
    assert letter.demands[0].title == "Lift the sanctions"
    assert "Coalition for the International Criminal Court" in letter.signatories


def test_history_is_deterministic_and_realistic(app, users):
    first = load_demo(utcnow(), TODAY)
    assert 300 <= first.letters <= 400
    fingerprint = _fingerprint()

    figures = headline(Scope(today=TODAY))
    assert figures.letters_sent > 300
    assert 0 < figures.answered < figures.expected
    assert figures.overdue > 10
    assert all(count > 0 for count in figures.overdue_by_age)
    assert figures.median_days_to_answer is not None
    assert len(campaign_summary(Scope(today=TODAY))) == 6
    countries = db.session.scalar(select(func.count(func.distinct(Official.country))))
    assert countries >= 10
    first_sent = db.session.scalar(select(func.min(Letter.sent_on)))
    assert (TODAY - first_sent).days > 2 * 365
    assert db.session.scalar(select(func.max(Response.received_on))) <= TODAY
    # No reminder rows: the scheduler must not mail years of back-dated steps at once.
    assert db.session.scalar(select(func.count()).select_from(Reminder)) == 0

    db.session.execute(Letter.__table__.delete())
    db.session.commit()
    load_demo(utcnow(), TODAY, force=True)
    assert _fingerprint() == fingerprint


def test_due_dates_follow_the_deadline_rules(app, users):
    load_demo(utcnow(), TODAY, letters=80)
    rows = db.session.execute(
        select(
            Letter.sent_on,
            Letter.response_window_days,
            Letter.business_days,
            Official.country,
            Recipient.due_on,
        )
        .join(Recipient, Recipient.letter_id == Letter.id)
        .join(Official, Official.id == Recipient.official_id)
    ).all()
    assert rows
    for sent_on, window, business, country, due_on in rows:
        assert due_on == due_date(sent_on, window, business, country)
