"""Withdraw and close ask first: a confirmation page without JavaScript, and the same
question in a <dialog> on the letter page; only the confirming POST acts."""

from __future__ import annotations

import re

from tests.support.letter_helpers import make_letter
from tracker.extensions import db
from tracker.models import Letter, Recipient


def test_closing_goes_through_a_confirmation_page(app, client, auth, users):
    letter, _, _ = make_letter(users)
    auth.login("editor")
    html = client.get(f"/letters/{letter.id}").get_data(as_text=True)
    # The button is a link to the question, and the letter page holds the same question.
    assert re.search(
        rf'<a class="button button-danger" href="/letters/{letter.id}/close" '
        r'data-opens-dialog="close-dialog">Close letter</a>',
        html,
    )
    dialog = html.split('<dialog id="close-dialog"', 1)[1].split("</dialog>", 1)[0]
    assert f'action="/letters/{letter.id}/close"' in dialog and "Close the letter" in dialog

    confirm = client.get(f"/letters/{letter.id}/close")
    assert confirm.status_code == 200
    assert f"Close letter {letter.reference}?" in confirm.text
    assert f'href="/letters/{letter.id}">Cancel</a>' in confirm.text
    assert db.session.get(Letter, letter.id).status != "closed"  # asking changes nothing

    assert client.post(f"/letters/{letter.id}/close").status_code == 302
    assert db.session.get(Letter, letter.id).status == "closed"


def test_withdrawing_goes_through_a_confirmation_page(app, client, auth, users):
    letter, president, _ = make_letter(users)
    recipient = next(r for r in letter.recipients if r.official_id == president.id)
    auth.login("editor")
    html = client.get(f"/letters/{letter.id}").get_data(as_text=True)
    assert f'href="/recipients/{recipient.id}/withdraw" data-opens-dialog=' in html
    assert f'<dialog id="withdraw-dialog-{recipient.id}"' in html

    confirm = client.get(f"/recipients/{recipient.id}/withdraw")
    assert confirm.status_code == 200
    assert "Withdraw Donald J. Trump?" in confirm.text
    assert db.session.get(Recipient, recipient.id).state == "awaiting"

    assert client.post(f"/recipients/{recipient.id}/withdraw").status_code == 302
    assert db.session.get(Recipient, recipient.id).state == "withdrawn"


def test_viewers_cannot_open_the_confirmation_pages(app, client, auth, users):
    letter, _, _ = make_letter(users)
    auth.login("viewer")
    assert client.get(f"/letters/{letter.id}/close").status_code == 403
    assert client.get(f"/recipients/{letter.recipients[0].id}/withdraw").status_code == 403
