"""Clear words on the letter page and the list: a paused overdue clock, a cc that owes no
answer, and what "open" and "unanswered" count."""

from __future__ import annotations

from datetime import date, timedelta

from tests.support.letter_helpers import editor_actor, make_letter
from tracker.services import followup


def _row(html: str, name: str) -> str:
    row = html.split(name, 1)[1]
    return row.split("</tr>", 1)[0]


def test_a_paused_overdue_clock_says_how_overdue_it_was(app, client, auth, users):
    letter, president, _ = make_letter(users, sent_on=date(2017, 1, 2))
    recipient = next(r for r in letter.recipients if r.official_id == president.id)
    today = recipient.due_on + timedelta(days=2410)
    followup.pause_clock(editor_actor(users), recipient, today)
    auth.login("viewer")
    row = _row(client.get(f"/letters/{letter.id}").text, "Donald J. Trump")
    assert "paused</span>; was 2,410 days overdue" in row
    assert "-2410" not in row and "left" not in row


def test_a_cc_that_owes_no_answer_says_so(app, client, auth, users):
    letter, _, _ = make_letter(users)
    auth.login("viewer")
    html = client.get(f"/letters/{letter.id}").text
    pompeo = _row(html, "Michael R. Pompeo")
    assert "no answer expected</span>" in pompeo and "badge-awaiting" not in pompeo
    assert "badge-awaiting" in _row(html, "Donald J. Trump")


def test_open_and_unanswered_are_both_labelled(app, client, auth, users):
    letter, _, _ = make_letter(users)
    auth.login("viewer")
    page = client.get(f"/letters/{letter.id}").text
    assert "3 of 3 demands unanswered: no reply has addressed them." in page
    assert "3 open: no outcome decided yet" in page
    listing = client.get("/letters").text
    assert "Open demands</abbr>" in listing
    assert "The letter page also says which demands no reply has addressed" in listing
