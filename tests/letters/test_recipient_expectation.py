"""One rule for "does this recipient expect an answer?", seen the same way everywhere.

A CSV row with `role=to, expects_answer=no` used to get reminders and a running clock
while the dashboard left it out of awaiting and overdue. A `to` always expects an
answer: the import says so in its preview, stores it, and the sweep, the letter page,
the letters list and the dashboard all treat the recipient as awaited and overdue.
A `cc` marked `no` is the control: awaited nowhere.
"""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select

from tracker.domain.recipients import awaits_answer, expects_answer, overrides_choice
from tracker.extensions import db
from tracker.models import Letter, OutboxMessage, Reminder, utcnow
from tracker.queries.access import UNRESTRICTED_ONLY
from tracker.queries.dashboard.figures import headline
from tracker.queries.dashboard.scope import Scope
from tracker.queries.letters.filters import LetterFilters
from tracker.queries.letters.listing import search_letters
from tracker.queries.letters.page import build_page
from tracker.services.reminders.sweep import run_sweep
from tracker.settings import organisation_today

HEADER = (
    "reference,subject,sent_on,"
    "recipient_1_role,recipient_1_name,recipient_1_expects_answer,"
    "recipient_2_role,recipient_2_name,recipient_2_expects_answer,demand_1_text\n"
)


def test_the_rule_on_plain_values():
    assert expects_answer("to", None) and expects_answer("to", True)
    assert expects_answer("to", False)  # a `to` always expects an answer
    assert expects_answer("cc", True)
    assert not expects_answer("cc", False) and not expects_answer("cc", None)
    assert overrides_choice("to", False)
    assert not any(overrides_choice(r, c) for r, c in [("to", None), ("cc", False), ("to", True)])
    assert awaits_answer(True, "awaiting") and awaits_answer(True, "acknowledged")
    assert not awaits_answer(True, "responded") and not awaits_answer(False, "awaiting")


def _import(client, content: str):
    data = {"file": (io.BytesIO(content.encode("utf-8")), "x.csv"), "submit": "Check the file"}
    preview = client.post("/letters/import", data=data, content_type="multipart/form-data")
    done = client.post(
        "/letters/import",
        data={"confirm-csv_text": content, "confirm-file_name": "x.csv", "confirm-submit": "1"},
    )
    return preview, done


def test_a_to_imported_as_expecting_no_answer_is_awaited_by_sweep_page_and_dashboard(client, auth):
    auth.login("editor")
    now = utcnow()
    today = organisation_today(now)
    sent_on = today - timedelta(days=40)  # the 30-day window ran out 10 days ago
    content = HEADER + (
        f"X-1,Sanctions,{sent_on.isoformat()},to,Ada President,no,cc,Bruno Minister,no,Lift it\n"
    )

    preview, done = _import(client, content)

    assert preview.status_code == 200
    assert "Ada President is `to`, so an answer is expected all the same" in preview.get_data(
        as_text=True
    )
    assert done.status_code == 302
    letter = db.session.scalar(select(Letter).where(Letter.reference == "X-1"))
    to, cc = sorted(letter.recipients, key=lambda r: r.role, reverse=True)
    assert (to.role, to.expects_answer, cc.role, cc.expects_answer) == ("to", True, "cc", False)

    # The sweep reminds staff about the `to`, never about the `cc`.
    run_sweep(now)
    sent = db.session.scalars(select(Reminder).where(Reminder.state == "sent")).all()
    assert {reminder.recipient_id for reminder in sent} == {to.id}
    assert not db.session.scalars(select(Reminder).where(Reminder.recipient_id == cc.id)).all()
    bodies = db.session.scalars(select(OutboxMessage.body_text)).all()
    assert bodies and all("Ada President" in body for body in bodies)

    # The letter page: the `to` is awaited and overdue; the `cc` has no clock.
    clocks = {
        clock.recipient.id: clock
        for clock in build_page(letter.id, today, visibility=UNRESTRICTED_ONLY).clocks
    }
    assert (clocks[to.id].awaited, clocks[to.id].overdue) == (True, True)
    assert (clocks[cc.id].awaited, clocks[cc.id].overdue) == (False, False)
    page = client.get(f"/letters/{letter.id}").get_data(as_text=True)
    assert page.count('class="badge badge-overdue"') == 1

    # The dashboard and the letters list count it, and only it.
    figures = headline(Scope(today=today))
    assert (figures.expected, figures.awaiting, figures.overdue) == (1, 1, 1)
    overdue = search_letters(LetterFilters(state="overdue"), today, visibility=UNRESTRICTED_ONLY)
    assert [row.reference for row in overdue.rows] == ["X-1"]
