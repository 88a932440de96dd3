"""The letter service: create, edit, close, outcomes; validation, audit, clocks, conflicts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event, func, insert, select

from tests.support.letter_helpers import (
    NOW,
    SENT,
    editor_actor,
    letter_input,
    make_letter,
    officials,
)
from tracker.extensions import db
from tracker.models import AuditEvent, Demand, Letter, Recipient, Reminder, Response
from tracker.services import letters
from tracker.services.errors import EditConflict, ServiceError
from tracker.services.letters import DemandInput, RecipientInput


def events(letter_id: int) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.letter_id == letter_id).order_by(AuditEvent.id)
        )
    )


def test_create_letter_writes_everything_starts_clocks_and_audits(app, users):
    letter, president, secretary = make_letter(users)
    db.session.expire_all()
    letter = db.session.get(Letter, letter.id)
    assert letter.status == "sent"
    assert letter.reference == "L-2020-0001"
    assert [d.title for d in letter.demands] == [
        "Lift the sanctions",
        "Overturn the policy",
        "Disavow the threats",
    ]
    assert [d.position for d in letter.demands] == [1, 2, 3]
    to, cc = letter.recipients
    assert (to.official_id, to.role, to.expects_answer) == (president.id, "to", True)
    assert (cc.official_id, cc.role, cc.expects_answer) == (secretary.id, "cc", False)
    assert to.due_on == SENT + timedelta(days=30)
    assert cc.due_on is None
    reminders = db.session.scalars(select(Reminder).where(Reminder.recipient_id == to.id)).all()
    assert len(reminders) == 3
    assert not db.session.scalars(select(Reminder).where(Reminder.recipient_id == cc.id)).all()
    (created,) = events(letter.id)
    assert created.action == "letter.create"
    assert created.user_id == users["editor"].id
    assert created.changes["subject"] == [None, "Lift the ICC sanctions"]
    assert created.changes["recipients"][1] == [
        "Donald J. Trump (to)",
        "Michael R. Pompeo (cc)",
    ]


def test_a_letter_without_date_sent_is_a_draft_with_no_clock(app, users):
    letter, _, _ = make_letter(users, sent_on=None)
    assert letter.status == "draft"
    assert all(r.due_on is None for r in letter.recipients)
    assert db.session.scalar(select(func.count()).select_from(Reminder)) == 0


def test_cc_may_be_asked_for_an_answer(app, users):
    actor = editor_actor(users)
    president, secretary = officials(actor)
    data = letter_input(
        users["editor"].id,
        president,
        secretary,
        recipients=(RecipientInput(secretary.id, "cc", expects_answer=True),),
    )
    letter = letters.create_letter(actor, data, NOW)
    assert letter.recipients[0].expects_answer is True
    assert letter.recipients[0].due_on is not None


def test_references_count_up_per_year_and_are_unique(app, users):
    make_letter(users)
    assert letters.next_reference(date(2020, 6, 1)) == "L-2020-0002"
    assert letters.next_reference(date(2021, 1, 1)) == "L-2021-0001"
    president = db.session.scalars(select(Recipient)).first().official
    data = letters.LetterInput(
        subject="Again",
        owner_id=users["editor"].id,
        reference="l-2020-0001",
        recipients=(RecipientInput(president.id),),
    )
    with pytest.raises(ServiceError) as error:
        letters.create_letter(editor_actor(users), data, NOW)
    assert "already has the reference" in error.value.fields["reference"]
    assert db.session.scalar(select(func.count()).select_from(Letter)) == 1


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"subject": "  "}, "subject", "subject"),
        ({"sent_on": NOW.date() + timedelta(days=1)}, "sent_on", "future"),
        ({"channel": "pigeon"}, "channel", "channel"),
        ({"response_window_days": -1}, "response_window_days", "between"),
        ({"owner_id": 999_999}, "owner_id", "owner"),
        ({"campaign_id": 999_999}, "campaign_id", "campaign"),
        ({"watcher_ids": (999_999,)}, "watcher_ids", "watchers"),
        ({"follows_up_id": 999_999}, "follows_up_id", "does not exist"),
        ({"recipients": (RecipientInput(999_999),)}, "recipients[0].official_id", "Unknown"),
        ({"demands": (DemandInput("Empty", "   "),)}, "demands[0].text", "needs its text"),
        ({"demands": (DemandInput("x" * 201, "Text"),)}, "demands[0].title", "too long"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_is_saved(
    app, users, overrides, field, words
):
    actor = editor_actor(users)
    president, secretary = officials(actor)
    with pytest.raises(ServiceError) as error:
        letters.create_letter(
            actor, letter_input(users["editor"].id, president, secretary, **overrides), NOW
        )
    assert words in error.value.fields[field]
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Letter)) == 0
    assert db.session.scalar(select(func.count()).select_from(Demand)) == 0
    assert db.session.scalar(select(func.count()).select_from(Recipient)) == 0


def test_the_same_official_twice_is_refused(app, users):
    actor = editor_actor(users)
    president, secretary = officials(actor)
    data = letter_input(
        users["editor"].id,
        president,
        secretary,
        recipients=(RecipientInput(president.id), RecipientInput(president.id, "cc")),
    )
    with pytest.raises(ServiceError) as error:
        letters.create_letter(actor, data, NOW)
    assert error.value.fields == {
        "recipients[1].official_id": "This official is already a recipient."
    }


def test_a_reference_taken_by_a_concurrent_save_is_refused_cleanly(app, users):
    """Another worker commits the same reference between our check and our insert."""
    actor = editor_actor(users)
    president, secretary = officials(actor)

    def concurrent_insert(session, flush_context, instances):
        with db.engine.begin() as connection:
            connection.execute(
                insert(Letter).values(
                    reference="L-2020-0001",
                    subject="Theirs",
                    owner_id=users["admin"].id,
                    status="draft",
                    channel="email",
                    body="",
                    signatories="",
                    response_window_days=30,
                    business_days=False,
                    created_at=NOW,
                    updated_at=NOW,
                    version=1,
                )
            )

    event.listen(db.session, "before_flush", concurrent_insert, once=True)
    with pytest.raises(ServiceError) as error:
        letters.create_letter(actor, letter_input(users["editor"].id, president, secretary), NOW)
    assert "took this reference" in error.value.fields["reference"]
    assert db.session.scalars(select(Letter.subject)).all() == ["Theirs"]
    assert db.session.scalar(select(func.count()).select_from(Demand)) == 0


def test_update_reorders_edits_adds_and_removes_demands_and_recipients(app, users):
    letter, president, secretary = make_letter(users)
    first, second, third = letter.demands
    data = letter_input(
        users["editor"].id,
        president,
        secretary,
        subject="Lift the ICC sanctions now",
        recipients=(RecipientInput(president.id, "to"),),
        demands=(
            DemandInput(third.title, third.text, third.id),
            DemandInput("Lift them all", first.text, first.id),
            DemandInput("Investigate", "Investigate and prosecute."),
        ),
    )
    letters.update_letter(editor_actor(users), letter, data, letter.version, NOW)
    db.session.expire_all()
    letter = db.session.get(Letter, letter.id)
    assert letter.version == 2
    assert [(d.id, d.position, d.title) for d in letter.demands] == [
        (third.id, 1, "Disavow the threats"),
        (first.id, 2, "Lift them all"),
        (letter.demands[2].id, 3, "Investigate"),
    ]
    assert db.session.get(Demand, second.id) is None
    assert [r.official_id for r in letter.recipients] == [president.id]
    update = events(letter.id)[-1]
    assert update.action == "letter.update"
    assert update.changes["subject"] == ["Lift the ICC sanctions", "Lift the ICC sanctions now"]
    assert "recipients" in update.changes
    assert "demands" in update.changes


def test_an_edit_of_demands_only_still_moves_the_letter_version(app, users):
    letter, _president, _secretary = make_letter(users)
    demands = tuple(DemandInput(d.title, d.text, d.id) for d in reversed(letter.demands))
    data = letters.letter_input_from(letter)
    letters.update_letter(
        editor_actor(users),
        letter,
        letters.LetterInput(**{**data.__dict__, "demands": demands}),
        1,
        NOW,
    )
    assert letter.version == 2


def test_saving_an_unchanged_letter_writes_nothing(app, users):
    letter, _, _ = make_letter(users)
    letters.update_letter(editor_actor(users), letter, letters.letter_input_from(letter), 1, NOW)
    assert letter.version == 1
    assert len(events(letter.id)) == 1


def test_a_stale_version_is_refused_with_the_current_letter(app, users):
    letter, president, secretary = make_letter(users)
    actor = editor_actor(users)
    letters.update_letter(
        actor,
        letter,
        letter_input(users["editor"].id, president, secretary, subject="First"),
        1,
        NOW,
    )
    with pytest.raises(EditConflict) as conflict:
        letters.update_letter(
            actor,
            letter,
            letter_input(users["editor"].id, president, secretary, subject="Second"),
            1,
            NOW,
        )
    assert conflict.value.current.subject == "First"
    db.session.expire_all()
    assert db.session.get(Letter, letter.id).subject == "First"


def test_a_concurrent_save_between_check_and_write_is_a_conflict(app, users):
    """Both saves passed the version check; the database refuses the second."""
    letter, president, secretary = make_letter(users)

    def concurrent_update(session, flush_context, instances):
        with db.engine.begin() as connection:
            connection.execute(
                Letter.__table__.update()
                .where(Letter.id == letter.id)
                .values(subject="Theirs", version=Letter.version + 1)
            )

    event.listen(db.session, "before_flush", concurrent_update, once=True)
    with pytest.raises(EditConflict):
        letters.update_letter(
            editor_actor(users),
            letter,
            letter_input(users["editor"].id, president, secretary, subject="Mine"),
            1,
            NOW,
        )
    db.session.expire_all()
    assert db.session.get(Letter, letter.id).subject == "Theirs"


def test_recipients_with_responses_and_answered_demands_cannot_be_removed(app, users):
    letter, president, secretary = make_letter(users)
    recipient = letter.recipients[1]
    response = Response(
        letter_id=letter.id, recipient_id=recipient.id, received_on=SENT, kind="refusal"
    )
    db.session.add(response)
    db.session.flush()
    from tracker.models import DemandAnswer

    db.session.add(
        DemandAnswer(response_id=response.id, demand_id=letter.demands[0].id, stance="rejected")
    )
    db.session.commit()
    data = letter_input(
        users["editor"].id,
        president,
        secretary,
        recipients=(RecipientInput(president.id),),
        demands=(DemandInput("Only", "The only demand."),),
    )
    with pytest.raises(ServiceError) as error:
        letters.update_letter(editor_actor(users), letter, data, 1, NOW)
    assert "Michael R. Pompeo" in error.value.fields["recipients"]
    assert "withdrawn" in error.value.fields["demands"]


def test_a_date_sent_added_later_starts_the_clocks(app, users):
    letter, president, secretary = make_letter(users, sent_on=None)
    data = letter_input(users["editor"].id, president, secretary, sent_on=date(2020, 4, 1))
    letters.update_letter(editor_actor(users), letter, data, 1, NOW)
    assert letter.status == "sent"
    assert letter.recipients[0].due_on == date(2020, 5, 1)


def test_a_follow_up_links_to_its_letter_and_runs_its_own_clock(app, users):
    letter, president, secretary = make_letter(users)
    follow_up = letters.create_letter(
        editor_actor(users),
        letter_input(
            users["editor"].id,
            president,
            secretary,
            subject="Follow-up",
            sent_on=date(2020, 4, 30),
            follows_up_id=letter.id,
        ),
        NOW,
    )
    assert follow_up.follows_up_id == letter.id
    assert follow_up.recipients[0].due_on == date(2020, 5, 30)
    assert letter.recipients[0].due_on == date(2020, 4, 26)
    with pytest.raises(ServiceError) as error:
        letters.update_letter(
            editor_actor(users),
            letter,
            letter_input(users["editor"].id, president, secretary, follows_up_id=follow_up.id),
            1,
            NOW,
        )
    assert "itself" in error.value.fields["follows_up_id"]


def test_closing_stops_waiting_and_cancels_pending_reminders(app, users):
    letter, _, _ = make_letter(users)
    letters.close_letter(editor_actor(users), letter, NOW)
    db.session.expire_all()
    letter = db.session.get(Letter, letter.id)
    assert letter.status == "closed"
    assert letter.closed_at == NOW
    assert letter.recipients[0].state == "closed"
    states = set(db.session.scalars(select(Reminder.state)))
    assert "pending" not in states
    assert events(letter.id)[-1].action == "letter.close"


def test_demand_outcome_is_set_with_a_note_and_audited(app, users):
    letter, _, _ = make_letter(users)
    demand = letter.demands[0]
    letters.set_demand_outcome(editor_actor(users), demand, "rejected", "Refused in May", 1, NOW)
    db.session.expire_all()
    demand = db.session.get(Demand, demand.id)
    assert (demand.outcome, demand.outcome_note, demand.outcome_changed_at) == (
        "rejected",
        "Refused in May",
        NOW,
    )
    event_ = events(letter.id)[-1]
    assert event_.action == "demand.outcome"
    assert event_.changes["outcome"] == ["open", "rejected"]


def test_demand_outcome_refuses_unknown_values_and_stale_versions(app, users):
    letter, _, _ = make_letter(users)
    demand = letter.demands[0]
    with pytest.raises(ServiceError):
        letters.set_demand_outcome(editor_actor(users), demand, "won", "", 1, NOW)
    letters.set_demand_outcome(editor_actor(users), demand, "met", "", 1, NOW)
    with pytest.raises(EditConflict) as conflict:
        letters.set_demand_outcome(editor_actor(users), demand, "rejected", "", 1, NOW)
    assert conflict.value.current.outcome == "met"
